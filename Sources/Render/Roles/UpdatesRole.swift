import Spec

/// Security updates (security.updates): the distribution's security suite in apt's sources,
/// unattended-upgrades for that origin only and never rebooting (GPU jobs run for days),
/// needrestart listing what needs a restart instead of restarting it, and a small check that
/// writes what is pending and whether a reboot is due to a file the agent exports (the
/// dashboard and `gpucluster status` show it).
struct UpdatesRole: AnsibleRole {
    let name = "updates"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        let u = spec.security.updates
        return role(tasks: """
            - name: Look for a security suite the sources already have
              ansible.builtin.shell:
                executable: /bin/bash
                cmd: >-
                  set -o pipefail;
                  grep -lsE '^[^#]*[[:space:]]{{ ansible_distribution_release }}-security([[:space:]]|$)'
                  /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
                  | grep -v '/gpucluster-security.list$' || true
              register: updates_security_sources
              changed_when: false
              check_mode: false
              when: updates_security_suite

            - name: Add the distribution's security suite to apt's sources
              ansible.builtin.template:
                src: gpucluster-security.list.j2
                dest: /etc/apt/sources.list.d/gpucluster-security.list
                owner: root
                group: root
                mode: "0644"
              when: updates_security_suite and updates_security_sources.stdout | length == 0

            - name: Upgrade from the security origin only, never reboot
              ansible.builtin.template:
                src: 52gpucluster-unattended-upgrades.j2
                dest: /etc/apt/apt.conf.d/52gpucluster-unattended-upgrades
                owner: root
                group: root
                mode: "0644"

            - name: Run unattended-upgrades daily (or not, as the spec says)
              ansible.builtin.template:
                src: 20auto-upgrades.j2
                dest: /etc/apt/apt.conf.d/20auto-upgrades
                owner: root
                group: root
                mode: "0644"

            - name: Make needrestart list what needs a restart, never restart it
              ansible.builtin.template:
                src: 50-gpucluster.needrestart.conf.j2
                dest: /etc/needrestart/conf.d/50-gpucluster.conf
                owner: root
                group: root
                mode: "0644"

            - name: Install the updates check
              ansible.builtin.copy:
                src: gpucluster-updates-check
                dest: /usr/local/sbin/gpucluster-updates-check
                owner: root
                group: root
                mode: "0755"
              notify: Check for updates

            - name: Install the updates check's units
              ansible.builtin.template:
                src: "{{ item }}.j2"
                dest: "/etc/systemd/system/{{ item }}"
                owner: root
                group: root
                mode: "0644"
              loop: [gpucluster-updates.service, gpucluster-updates.timer, gpucluster-updates.path]
              notify: Check for updates

            - name: Check for updates hourly and after every package change
              ansible.builtin.systemd_service:
                name: "{{ item }}"
                enabled: true
                state: started
                daemon_reload: true
              loop: [gpucluster-updates.timer, gpucluster-updates.path]

            """,
             handlers: """
            - name: Check for updates
              ansible.builtin.systemd_service:
                name: gpucluster-updates.service
                state: restarted
                daemon_reload: true

            """,
             defaults: """
            # security.updates in cluster.yaml.
            updates_security_suite: \(u.securitySuite.value)
            updates_automatic: \(u.automatic.value)
            updates_security_mirror: \(u.securityMirror.value)

            """,
             templates: [
                ("gpucluster-security.list.j2", """
                # {{ ansible_managed }}
                deb {{ updates_security_mirror }} {{ ansible_distribution_release }}-security main

                """),
                ("52gpucluster-unattended-upgrades.j2", """
                // {{ ansible_managed }}
                // Security fixes only: new features wait for an admin's apply. Never a reboot, which
                // would kill week-long GPU jobs: the dashboard shows which hosts need one.
                #clear Unattended-Upgrade::Origins-Pattern;
                Unattended-Upgrade::Origins-Pattern {
                        "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";
                        "origin=Debian,codename=${distro_codename},label=Debian-Security";
                };
                Unattended-Upgrade::Automatic-Reboot "false";
                Unattended-Upgrade::Remove-Unused-Dependencies "false";
                Unattended-Upgrade::SyslogEnable "true";

                """),
                ("50-gpucluster.needrestart.conf.j2", """
                # {{ ansible_managed }}
                # List services that use replaced libraries; restarting them is the admin's call
                # (a restarted agent or dashboard is harmless, a restarted job scheduler is not).
                $nrconf{restart} = 'l';

                """),
                ("20auto-upgrades.j2", """
                // {{ ansible_managed }}
                APT::Periodic::Update-Package-Lists "{{ 1 if updates_automatic else 0 }}";
                APT::Periodic::Unattended-Upgrade "{{ 1 if updates_automatic else 0 }}";

                """),
                ("gpucluster-updates.service.j2", """
                # {{ ansible_managed }}
                [Unit]
                Description=gpucluster: what updates are pending, and whether a reboot is due
                After=apt-daily.service apt-daily-upgrade.service

                [Service]
                Type=oneshot
                ExecStart=/usr/local/sbin/gpucluster-updates-check /var/lib/gpucluster/updates.state
                Nice=10
                IOSchedulingClass=idle
                PrivateNetwork=true
                PrivateTmp=true
                ProtectSystem=strict
                ProtectHome=true
                ReadWritePaths=/var/lib/gpucluster
                StateDirectory=gpucluster
                StateDirectoryMode=0755
                NoNewPrivileges=true

                """),
                ("gpucluster-updates.timer.j2", """
                # {{ ansible_managed }}
                [Unit]
                Description=gpucluster: check for updates hourly

                [Timer]
                OnBootSec=2min
                OnUnitActiveSec=1h
                RandomizedDelaySec=5min

                [Install]
                WantedBy=timers.target

                """),
                ("gpucluster-updates.path.j2", """
                # {{ ansible_managed }}
                [Unit]
                Description=gpucluster: check for updates after packages or package lists change

                [Path]
                PathChanged=/var/lib/dpkg/status
                PathChanged=/var/lib/apt/lists
                Unit=gpucluster-updates.service

                [Install]
                WantedBy=paths.target

                """),
             ],
             files: [("gpucluster-updates-check", Self.checkScript)])
    }

    /// Writes `FILE` (docs/api.md, "updates state") atomically: what apt would upgrade, how much
    /// of it from the security suite, and whether a reboot is due (Debian's /run/reboot-required,
    /// or needrestart's kernel status). Names are cut to package-name characters.
    static let checkScript = """
        #!/bin/sh
        # gpucluster updates check (updates role): pending upgrades and reboot status, for the agent.
        set -eu
        out=${1:?usage: gpucluster-updates-check FILE}
        tmp="$out.tmp.$$"
        trap 'rm -f "$tmp"' EXIT
        sim=$(apt-get -s -o Debug::NoLocking=1 -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= dist-upgrade 2>/dev/null | grep '^Inst ' || true)
        pending=$(printf '%s\\n' "$sim" | grep -c '^Inst ' || true)
        security=$(printf '%s\\n' "$sim" | grep -c -- '-security[ ,/]' || true)
        reboot=0
        [ -e /run/reboot-required ] && reboot=1
        nr=$(needrestart -b 2>/dev/null || true)
        kernel=$(printf '%s\\n' "$nr" | sed -n 's/^NEEDRESTART-KSTA: *\\([0-9]\\).*/\\1/p' | head -n 1)
        services=$(printf '%s\\n' "$nr" | grep -c '^NEEDRESTART-SVC:' || true)
        # 2: an ABI-compatible kernel upgrade is pending, 3: a new kernel version.
        case "${kernel:-0}" in 2|3) reboot=1 ;; esac
        pkgs=$(tr -c 'a-z0-9.+\\n-' '_' < /run/reboot-required.pkgs 2>/dev/null | sort -u | head -n 20 | tr '\\n' ' ' || true)
        {
          echo "version 1"
          echo "checked $(date +%s)"
          echo "pending ${pending:-0}"
          echo "security ${security:-0}"
          echo "reboot $reboot"
          echo "services ${services:-0}"
          echo "reboot_packages $pkgs"
        } > "$tmp"
        chmod 0644 "$tmp"
        mv -f "$tmp" "$out"

        """
}
