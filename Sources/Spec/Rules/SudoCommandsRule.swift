/// Service accounts get sudo for exact command strings only: a trailing `*` on
/// `rsync --server --sender *` lets the caller write and delete as root.
struct SudoCommandsRule: ValidationRule {
    let name = "sudo-commands"
    let summary = "service account sudo rules are exact absolute commands without wildcards"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        for a in c.spec.serviceAccounts {
            if a.on.isEmpty { d.error(a.name.at, "service account \(a.name.value) is on no host", hint: "add on: [HOST or ROLE]") }
            for ref in a.on where c.spec.resolve(ref.value).isEmpty {
                d.error(ref.at, "service account \(a.name.value): '\(Diagnostic.printable(ref.value))' is not a role or host",
                        hint: Suggest.hint(for: ref.value, in: Role.allCases.map(\.rawValue) + c.spec.hosts.map(\.name.value)))
            }
            for cmd in a.sudo {
                let v = cmd.value
                if v.contains(where: { "*?[]".contains($0) }) {
                    d.error(cmd.at, "sudo rule for \(a.name.value) has a wildcard: '\(Diagnostic.printable(v))'",
                            hint: "sudoers wildcards match any arguments (e.g. a destination to write to); list exact command strings")
                } else if v == "ALL" || v.hasPrefix("ALL ") {
                    d.error(cmd.at, "sudo rule for \(a.name.value) grants ALL", hint: "service accounts get exact commands only")
                } else if !v.hasPrefix("/") {
                    d.error(cmd.at, "sudo rule for \(a.name.value) must start with an absolute path",
                            hint: "e.g. /usr/bin/rsync --server --sender -logDtpre.iLsfxC . /home/")
                } else if v.contains(where: { ",:\\\n".contains($0) }) {
                    d.error(cmd.at, "sudo rule for \(a.name.value) contains a sudoers special character (, : \\)")
                } else if v.contains(where: { "'\"$`;&|<>(){}!#~".contains($0) }) {
                    // Also written into the backup gate (a shell script) as a literal.
                    d.error(cmd.at, "sudo rule for \(a.name.value) contains a shell character (quotes, $, `, ;, &, |, <, >, parentheses)",
                            hint: "service account commands are plain words: a program and its exact arguments")
                }
                // sudoers: a command without arguments may be run with any arguments, and an
                // argument written ^…$ is a regular expression (sudo ≥ 1.9.10).
                let words = v.split(separator: " ")
                if v.hasPrefix("/"), words.count == 1 {
                    d.error(cmd.at, "sudo rule for \(a.name.value) has no arguments: sudo then allows any arguments",
                            hint: "write the exact arguments; \"\" alone would mean none")
                }
                if words.dropFirst().contains(where: { $0.hasPrefix("^") || $0.hasSuffix("$") }) {
                    d.error(cmd.at, "sudo rule for \(a.name.value) has an argument sudo reads as a regular expression (^…$)",
                            hint: "list exact command strings")
                }
                if v.contains("rsync") && v.contains("--server") && !v.contains("--sender") {
                    d.error(cmd.at, "sudo rule for \(a.name.value) lets rsync write as root (no --sender)",
                            hint: "a read-only backup account needs only `rsync --server --sender …`")
                }
            }
        }
    }
}
