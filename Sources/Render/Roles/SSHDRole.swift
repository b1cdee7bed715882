import Spec

/// sshd: keys only, modern algorithms only (role defaults an inventory can override). A
/// drop-in named 00-… is read first, and sshd keeps the first value it reads, so ours wins
/// over distribution drop-ins (cloud-init's 50-…). Checked with `sshd -t` before it replaces
/// anything.
struct SSHDRole: AnsibleRole {
    let name = "sshd"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Make sshd read the drop-in folder first
              ansible.builtin.lineinfile:
                path: /etc/ssh/sshd_config
                line: Include /etc/ssh/sshd_config.d/*.conf
                insertbefore: BOF
                validate: /usr/sbin/sshd -t -f %s
              notify: Reload sshd

            - name: Keys only, no passwords, no root password login
              ansible.builtin.template:
                src: 00-gpucluster.conf.j2
                dest: /etc/ssh/sshd_config.d/00-gpucluster.conf
                owner: root
                group: root
                mode: "0644"
                validate: /usr/sbin/sshd -t -f %s
              notify: Reload sshd

            # Group exchange draws its prime from this file: primes under 3072 bits go.
            - name: Keep only Diffie-Hellman moduli of 3072 bits or more
              ansible.builtin.shell:
                cmd: |
                  set -eu
                  if awk '$1 !~ /^#/ && NF >= 7 && $5 < 3071 { found = 1 } END { exit !found }' /etc/ssh/moduli; then
                    awk '$1 ~ /^#/ || $5 >= 3071' /etc/ssh/moduli > /etc/ssh/moduli.gpucluster
                    chmod 0644 /etc/ssh/moduli.gpucluster
                    mv /etc/ssh/moduli.gpucluster /etc/ssh/moduli
                    echo removed
                  fi
              register: sshd_moduli
              changed_when: "'removed' in sshd_moduli.stdout"
              notify: Reload sshd

            - name: Remove the host keys sshd no longer uses (ECDSA, DSA)
              ansible.builtin.file:
                path: "/etc/ssh/{{ item }}"
                state: absent
              loop: "{{ sshd_unused_host_keys }}"
              notify: Reload sshd

            - name: Create an RSA host key where the policy uses one
              ansible.builtin.command:
                cmd: ssh-keygen -q -t rsa -b {{ sshd_rsa_bits }} -N '' -f /etc/ssh/ssh_host_rsa_key
                creates: /etc/ssh/ssh_host_rsa_key
              when: "'/etc/ssh/ssh_host_rsa_key' in sshd_host_keys"
              notify: Reload sshd

            """,
             handlers: """
            - name: Reload sshd
              ansible.builtin.service:
                name: ssh
                state: reloaded

            """,
             defaults: Self.defaults(spec.security.ssh),
             templates: [("00-gpucluster.conf.j2", """
            # {{ ansible_managed }}
            # Logins by SSH key only (gpucluster). Read before the distribution's drop-ins.
            PubkeyAuthentication yes
            AuthenticationMethods publickey
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitEmptyPasswords no
            PermitRootLogin prohibit-password
            MaxAuthTries {{ sshd_max_auth_tries }}
            # Sessions per connection (VS Code Remote and ssh -M multiplex many).
            MaxSessions {{ sshd_max_sessions }}
            # The key fingerprint of every login goes to the log sink.
            LogLevel VERBOSE

            # Modern algorithms only; `gpucluster audit` checks what the server really offers.
            KexAlgorithms {{ sshd_kex_algorithms | join(',') }}
            Ciphers {{ sshd_ciphers | join(',') }}
            MACs {{ sshd_macs | join(',') }}
            HostKeyAlgorithms {{ sshd_host_key_algorithms | join(',') }}
            {% for key in sshd_host_keys %}
            HostKey {{ key }}
            {% endfor %}

            # Tunnels (Jupyter, TensorBoard, VS Code Remote) keep working; agent and X11 forwarding are off by default.
            AllowTcpForwarding {{ 'yes' if sshd_allow_tcp_forwarding else 'no' }}
            AllowAgentForwarding {{ 'yes' if sshd_allow_agent_forwarding else 'no' }}
            X11Forwarding {{ 'yes' if sshd_x11_forwarding else 'no' }}

            """)])
    }

    /// The role's defaults: the spec's SSH policy (`security.ssh`), the only place it is written.
    static func defaults(_ ssh: SSHPolicy) -> String {
        func list(_ name: String, _ items: [String]) -> String { "\(name):\n" + items.map { "  - \($0)\n" }.joined() }
        let rsa = ssh.hostKeys.contains { $0.value == .rsa }
        let keys = ssh.hostKeys.map { "/etc/ssh/ssh_host_\($0.value.rawValue)_key" }
        let unused = ["ssh_host_ecdsa_key", "ssh_host_ecdsa_key.pub", "ssh_host_dsa_key", "ssh_host_dsa_key.pub"]
            + (rsa ? [] : ["ssh_host_rsa_key", "ssh_host_rsa_key.pub"])
        return """
            # The SSH crypto policy (security.ssh in cluster.yaml; OpenSSH 9.2, Debian 12): post-quantum
            # and curve25519 key exchange, AEAD or CTR ciphers, encrypt-then-MAC SHA-2 MACs, ed25519
            # host keys (RSA of 3072 bits or more only when the spec asks for it).

            """ + list("sshd_kex_algorithms", ssh.kex.map(\.value)) + list("sshd_ciphers", ssh.ciphers.map(\.value))
            + list("sshd_macs", ssh.macs.map(\.value)) + list("sshd_host_key_algorithms", ssh.hostKeyAlgorithms)
            + list("sshd_host_keys", keys) + list("sshd_unused_host_keys", unused) + """
            sshd_rsa_bits: 4096
            sshd_max_auth_tries: \(ssh.maxAuthTries.value)
            sshd_max_sessions: \(ssh.maxSessions.value)
            sshd_allow_tcp_forwarding: \(ssh.tcpForwarding.value)
            sshd_allow_agent_forwarding: \(ssh.agentForwarding.value)
            sshd_x11_forwarding: \(ssh.x11Forwarding.value)

            """
    }
}
