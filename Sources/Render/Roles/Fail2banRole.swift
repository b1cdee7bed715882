import Spec

/// Brute-force throttling on public SSH (security.bruteForce): fail2ban reads sshd's journal
/// and bans an address after `maxRetry` failures within `findTime`, in iptables (the backend
/// ufw uses) and never in ufw's own rules, so a ban is not drift and ends by itself. The admin
/// networks and loopback are never banned. Keys-only SSH makes guessing futile; this keeps the
/// logs the seed wants kept readable.
struct Fail2banRole: AnsibleRole {
    let name = "fail2ban"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        let b = spec.security.bruteForce
        let admins = spec.adminNetworks.compactMap { spec.network(named: $0).map { "\($0.cidr.value)" } }
        return role(tasks: """
            - name: Install fail2ban (with the systemd journal backend)
              ansible.builtin.apt:
                name: "{{ fail2ban_packages }}"
                state: present
                update_cache: true
                cache_valid_time: 3600
              when: fail2ban_packages | reject('in', gpucluster_installed) | list | length > 0

            - name: Throttle password guessing on SSH, never the admin networks
              ansible.builtin.template:
                src: gpucluster.local.j2
                dest: /etc/fail2ban/jail.d/gpucluster.local
                owner: root
                group: root
                mode: "0644"
              notify: Reload fail2ban

            - name: Log bans to syslog (and so to the log sink)
              ansible.builtin.template:
                src: fail2ban-gpucluster.local.j2
                dest: /etc/fail2ban/fail2ban.d/gpucluster.local
                owner: root
                group: root
                mode: "0644"
              notify: Reload fail2ban

            - name: Run fail2ban
              ansible.builtin.service:
                name: fail2ban
                state: "{{ 'started' if fail2ban_enabled else 'stopped' }}"
                enabled: "{{ fail2ban_enabled }}"

            """,
             handlers: """
            - name: Reload fail2ban
              ansible.builtin.service:
                name: fail2ban
                state: "{{ 'restarted' if fail2ban_enabled else 'stopped' }}"

            """,
             defaults: """
            # security.bruteForce in cluster.yaml; the admin networks come from adminAccess.
            fail2ban_enabled: \(b.enabled.value)
            fail2ban_packages: [fail2ban, python3-systemd]
            fail2ban_max_retry: \(b.maxRetry.value)
            fail2ban_find_time: \(b.findTimeSeconds.value)
            fail2ban_ban_time: \(b.banTimeSeconds.value)
            fail2ban_never_ban: [\(admins.joined(separator: ", "))]

            """,
             templates: [("fail2ban-gpucluster.local.j2", """
            # {{ ansible_managed }}
            [Definition]
            logtarget = SYSLOG

            """), ("gpucluster.local.j2", """
            # {{ ansible_managed }}
            [DEFAULT]
            # Loopback and the admin networks are never banned (adminAccess in cluster.yaml).
            ignoreip = 127.0.0.1/8 ::1 {{ fail2ban_never_ban | join(' ') }}
            # Bans go into iptables, beside ufw's chains, not into ufw's rules.
            banaction = iptables-multiport
            banaction_allports = iptables-allports
            backend = systemd

            [sshd]
            enabled = true
            mode = normal
            # OpenSSH 10 (Debian 13) logs logins from sshd-session; Debian's jail default
            # matches sshd's own lines only and would see no failed login there.
            journalmatch = _SYSTEMD_UNIT=ssh.service + _COMM=sshd + _COMM=sshd-session
            port = ssh
            maxretry = {{ fail2ban_max_retry }}
            findtime = {{ fail2ban_find_time }}
            bantime = {{ fail2ban_ban_time }}

            """)])
    }
}
