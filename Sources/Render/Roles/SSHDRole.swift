import Spec

/// sshd: keys only. A drop-in named 00-… is read first, and sshd keeps the first value it
/// reads, so ours wins over distribution drop-ins (cloud-init's 50-…). Checked with `sshd -t`
/// before it replaces anything.
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
             templates: [("00-gpucluster.conf.j2", """
            # {{ ansible_managed }}
            # Logins by SSH key only (gpucluster). Read before the distribution's drop-ins.
            PubkeyAuthentication yes
            AuthenticationMethods publickey
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitEmptyPasswords no
            PermitRootLogin prohibit-password
            MaxAuthTries 4
            X11Forwarding no

            """)])
    }
}
