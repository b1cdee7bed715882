import Spec

/// The bastion must hold no key the backup server accepts: the public half of every key in the
/// bastion's homes (root's and the users', read as each owner) against every account's
/// authorized_keys on the backup server (read as each owner, so no one's symlink is followed as root).
struct BackupKeysCheck: AuditCheck {
    let name = "backup-keys"

    /// Prints "FILE KEYBLOB" for each key it finds, reading each home as its owner.
    static let bastionKeys = """
        getent passwd | while IFS=: read -r u _ uid _ _ home _; do [ "$uid" = 0 ] || [ "$uid" -ge 1000 ] || continue; \
        for f in "$home"/.ssh/id_* "$home"/.ssh/*.pub; do [ -e "$f" ] || continue; case "$f" in \
        *.pub) sudo -n -u "$u" cat "$f" 2>/dev/null | awk -v f="$f" '{print f, $2}';; \
        *) sudo -n -u "$u" ssh-keygen -y -P '' -f "$f" 2>/dev/null | awk -v f="$f" '{print f, $2}';; esac; done; done
        """
    /// Prints "USER KEYBLOB" for each key an account accepts.
    static let acceptedKeys = """
        getent passwd | while IFS=: read -r u _ _ _ _ home _; do for f in "$home/.ssh/authorized_keys" "$home/.ssh/authorized_keys2"; do \
        sudo -n -u "$u" cat "$f" 2>/dev/null | grep -oE '(ssh|ecdsa|sk)-[a-z0-9@.-]+ +[A-Za-z0-9+/=]{40,}' | awk -v u="$u" '{print u, $2}'; done; done
        """

    static func pairs(_ text: String) -> [(String, String)] {
        text.split(separator: "\n").prefix(10_000).compactMap { line in
            let f = line.split(separator: " ")
            return f.count == 2 && f[1].count <= 2000 ? (String(f[0].prefix(300)), String(f[1])) : nil
        }
    }

    func run(_ context: AuditContext) async -> [Finding] {
        guard let name = context.spec.backup?.server.value,
              let server = context.loginTargets().first(where: { $0.host.name.value == name }),
              let bastion = context.loginTargets().first(where: { $0.host.has(.bastion) }), bastion.host.name.value != name else { return [] }
        let held = context.probing.shell(bastion.address, Self.bastionKeys)
        let accepted = context.probing.shell(server.address, Self.acceptedKeys)
        let subject = "keys on the bastion that \(name) accepts"
        guard !held.unreachable, !accepted.unreachable else {
            return [Finding(host: bastion.host.name.value, check: self.name, subject: subject, status: .fail, expected: "none",
                            found: "could not look: \((held.unreachable ? held : accepted).stderr.prefix(200))", fix: "run the audit with admin access (--ssh-config)")]
        }
        let acceptedBy = Dictionary(Self.pairs(accepted.stdout).map { ($0.1, $0.0) }, uniquingKeysWith: { a, _ in a })
        // Each key once: a private key and its .pub beside it are one key (named by the private file).
        var files: [String: String] = [:]
        for (file, blob) in Self.pairs(held.stdout) {
            if let who = acceptedBy[blob] { files[file] = who }
        }
        let matches = files.keys.sorted().filter { !($0.hasSuffix(".pub") && files[String($0.dropLast(4))] != nil) }
            .map { "\($0) (accepted for \(files[$0] ?? "?"))" }
        return [Finding(host: bastion.host.name.value, check: self.name, subject: subject, status: matches.isEmpty ? .pass : .fail,
                        expected: "none (whoever takes the bastion must not reach the backups)",
                        found: matches.isEmpty ? "none" : matches.joined(separator: "; "),
                        fix: matches.isEmpty ? nil : "remove the key from the bastion, or its line from \(name)'s authorized_keys; the backup server pulls, it never needs the bastion's keys")]
    }
}
