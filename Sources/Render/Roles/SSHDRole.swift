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

            """,
             handlers: """
            - name: Reload sshd
              ansible.builtin.service:
                name: ssh
                state: reloaded

            """,
             defaults: """
            # The SSH crypto policy (OpenSSH 9.2, Debian 12): post-quantum and curve25519 key
            # exchange, AEAD or CTR ciphers, encrypt-then-MAC SHA-2 MACs, ed25519 host keys
            # (add rsa-sha2-512 and an RSA key of 3072 bits or more for old clients).
            sshd_kex_algorithms:
              - sntrup761x25519-sha512@openssh.com
              - curve25519-sha256
              - curve25519-sha256@libssh.org
            sshd_ciphers:
              - chacha20-poly1305@openssh.com
              - aes256-gcm@openssh.com
              - aes128-gcm@openssh.com
              - aes256-ctr
              - aes192-ctr
              - aes128-ctr
            sshd_macs:
              - hmac-sha2-256-etm@openssh.com
              - hmac-sha2-512-etm@openssh.com
            sshd_host_key_algorithms:
              - ssh-ed25519
              - ssh-ed25519-cert-v01@openssh.com
              - rsa-sha2-512
              - rsa-sha2-256
            sshd_host_keys:
              - /etc/ssh/ssh_host_ed25519_key
            sshd_max_auth_tries: 3
            sshd_allow_tcp_forwarding: true
            sshd_allow_agent_forwarding: false

            """,
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

            # Tunnels (Jupyter, TensorBoard, VS Code Remote) keep working; agent and X11 forwarding do not.
            AllowTcpForwarding {{ 'yes' if sshd_allow_tcp_forwarding else 'no' }}
            AllowAgentForwarding {{ 'yes' if sshd_allow_agent_forwarding else 'no' }}
            X11Forwarding no

            """)])
    }
}
