import Spec

/// Accountability: auditd records sudo, changes to identity files, sudoers and sshd's
/// configuration, and its syslog plugin sends each record on to the log sink. The kernel's
/// audit belongs to the machine, not to a container: there the role says so and stops (sudo's
/// own log lines still reach the sink through rsyslog).
struct AuditdRole: AnsibleRole {
    let name = "auditd"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Say why auditd is left out in a container
              ansible.builtin.debug:
                msg: >-
                  auditd skipped: this host is a container ({{ ansible_virtualization_type }}), and the kernel's audit
                  belongs to the machine it runs on (sudo's log lines still reach the log sink)
              when: ansible_virtualization_role == 'guest' and ansible_virtualization_type in auditd_container_types

            - name: Install auditd and its syslog plugin
              ansible.builtin.apt:
                name: "{{ auditd_packages }}"
                state: present
                update_cache: true
                cache_valid_time: 3600
              when: auditd_applies and auditd_packages | reject('in', gpucluster_installed) | list | length > 0

            - name: Audit rules for sudo, identity files, sudoers and sshd
              ansible.builtin.template:
                src: 50-gpucluster.rules.j2
                dest: /etc/audit/rules.d/50-gpucluster.rules
                owner: root
                group: root
                mode: "0640"
              when: auditd_applies
              notify: Load the audit rules

            - name: Send audit records to syslog (and so to the log sink)
              ansible.builtin.lineinfile:
                path: /etc/audit/plugins.d/syslog.conf
                regexp: '^active\\s*='
                line: active = yes
              when: auditd_applies
              notify: Restart auditd

            - name: Run auditd
              ansible.builtin.service:
                name: auditd
                state: started
                enabled: true
              when: auditd_applies

            """,
             handlers: """
            - name: Load the audit rules
              ansible.builtin.command:
                cmd: /sbin/augenrules --load
              changed_when: true

            # auditd refuses a restart from systemd (RefuseManualStop); its init script does it.
            - name: Restart auditd
              ansible.builtin.command:  # noqa: command-instead-of-module
                cmd: /usr/sbin/service auditd restart
              changed_when: true

            """,
             defaults: """
            # Container kinds (Ansible's virtualization facts) where the kernel's audit is the machine's.
            auditd_container_types: \(Roles.containerTypes)
            auditd_packages: [auditd, audispd-plugins]
            auditd_applies: "{{ not (ansible_virtualization_role == 'guest' and ansible_virtualization_type in auditd_container_types) }}"

            """,
             templates: [("50-gpucluster.rules.j2", """
            ## {{ ansible_managed }}
            ## Who ran what with sudo, and who changed accounts, sudo's rules or sshd's configuration.
            -a always,exit -F path=/usr/bin/sudo -F perm=x -F auid>=1000 -F auid!=unset -k gpucluster-sudo
            -w /etc/sudoers -p wa -k gpucluster-sudoers
            -w /etc/sudoers.d/ -p wa -k gpucluster-sudoers
            -w /etc/passwd -p wa -k gpucluster-identity
            -w /etc/group -p wa -k gpucluster-identity
            -w /etc/shadow -p wa -k gpucluster-identity
            -w /etc/gshadow -p wa -k gpucluster-identity
            -w /etc/ssh/sshd_config -p wa -k gpucluster-sshd
            -w /etc/ssh/sshd_config.d/ -p wa -k gpucluster-sshd

            """)])
    }
}
