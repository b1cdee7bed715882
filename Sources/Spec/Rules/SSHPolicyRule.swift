/// `security.ssh`: every algorithm a plain OpenSSH name (it is written into sshd_config), and a warning for each
/// algorithm the baseline calls weak (`gpucluster audit` fails it on the running server).
struct SSHPolicyRule: ValidationRule {
    let name = "ssh-policy"
    let summary = "security.ssh lists plain OpenSSH algorithm names, none empty; weak ones are warned about"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let ssh = c.spec.security.ssh
        // (An empty list is refused where it is read: sshd would fall back to its own defaults.)
        for (key, list) in [("kex", ssh.kex), ("ciphers", ssh.ciphers), ("macs", ssh.macs)] {
            for a in list {
                guard SSHPolicy.isAlgorithmName(a.value) else {
                    d.error(a.at, "security.ssh.\(key): '\(Diagnostic.printable(String(a.value.prefix(64))))' is not an OpenSSH algorithm name",
                            hint: "one name per list entry: lowercase letters, digits and @ . + -")
                    continue
                }
                if let why = SSHPolicy.weakness(a.value) {
                    d.warning(a.at, "security.ssh.\(key): \(a.value) is weak (\(why)); `gpucluster audit` will fail it")
                }
            }
        }
        if ssh.agentForwarding.value {
            d.warning(ssh.agentForwarding.at, "security.ssh.agentForwarding: root on any host a user logs in to can use that user's keys",
                      hint: "ProxyJump (ssh -J) reaches inner hosts without forwarding the agent")
        }
    }
}
