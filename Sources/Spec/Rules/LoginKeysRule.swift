/// Logins are by SSH key only, so every person needs a key (inline or from GitHub).
struct LoginKeysRule: ValidationRule {
    let name = "login-keys"
    let summary = "keys are public keys of a known type; each user can log in"
    static let types = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"]

    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        for u in c.spec.users {
            if u.github == nil && u.keys.isEmpty {
                d.warning(u.name.at, "user \(u.name.value) has neither keys nor a github account: they cannot log in",
                          hint: "logins are by SSH key only; add github: USER or keys: [\"ssh-ed25519 …\"]")
            }
            if let g = u.github, !Self.isGitHubName(g.value) {
                d.error(g.at, "user \(u.name.value): '\(Diagnostic.printable(g.value))' is not a GitHub user name",
                        hint: "letters, digits and single '-' (at most 39)")
            }
            for k in u.keys { checkKey(k, owner: "user \(u.name.value)", &d) }
        }
        for a in c.spec.serviceAccounts {
            for k in a.keys { checkKey(k, owner: "service account \(a.name.value)", &d) }
        }
    }

    func checkKey(_ k: Located<String>, owner: String, _ d: inout Diagnostics) {
        if k.value.contains("PRIVATE KEY") {
            d.error(k.at, "\(owner): this is a PRIVATE key", hint: "put only the .pub line here; never share the private key")
            return
        }
        let parts = k.value.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, Self.types.contains(String(parts[0])) else {
            d.error(k.at, "\(owner): not an SSH public key line",
                    hint: "expected 'TYPE BASE64 [comment]' with TYPE one of \(Self.types.prefix(3).joined(separator: ", ")), …")
            return
        }
        let blob = parts[1]
        let isBase64 = blob.count >= 32 && blob.count % 4 == 0
            && blob.allSatisfy { $0.isLetter && $0.isASCII || $0.isASCIIDigit || $0 == "+" || $0 == "/" || $0 == "=" }
        if !isBase64 {
            d.error(k.at, "\(owner): the key data is not valid base64", hint: "copy the whole line from the .pub file")
        }
        if k.value.contains("\n") {
            d.error(k.at, "\(owner): a key must be one line")
        }
    }

    static func isGitHubName(_ s: String) -> Bool {
        guard !s.isEmpty, s.count <= 39, s.first != "-", s.last != "-", !s.contains("--") else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}
