import Spec

/// The backup server: its own SSH key (authorized on the source for the backup account only,
/// from the server's address only), the source's pinned host key, `/etc/gpucluster/backup.json`,
/// and timers for `gpucluster backup run` (the spec's schedule) and `verify` (weekly).
/// The source never gets a credential for the server: the server pulls (anti-ransomware).
struct BackupRole: AnsibleRole {
    let name = "backup"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Install rsync and the SSH client
              ansible.builtin.apt:
                name: [rsync, openssh-client]
                state: present
                update_cache: true
                cache_valid_time: 3600
              when: "['rsync', 'openssh-client'] | reject('in', gpucluster_installed) | list | length > 0"

            - name: Create the snapshot folder (root only)
              ansible.builtin.file:
                path: "{{ backup_destination }}"
                state: directory
                owner: root
                group: root
                mode: "0700"

            - name: Create root's SSH folder
              ansible.builtin.file:
                path: /root/.ssh
                state: directory
                owner: root
                group: root
                mode: "0700"

            - name: Create the backup server's own SSH key (it never leaves this host)
              ansible.builtin.command:
                cmd: ssh-keygen -q -t ed25519 -N "" -C "gpucluster-backup@{{ inventory_hostname }}" -f /root/.ssh/gpucluster-backup
                creates: /root/.ssh/gpucluster-backup

            - name: Read the key's public half
              ansible.builtin.slurp:
                src: /root/.ssh/gpucluster-backup.pub
              register: backup_public_key

            # sshd runs the gate for every login of the key: the account's exact rsync commands
            # through sudo, nothing else, so a stolen backup-server key is not a shell.
            - name: Install the backup gate on the source
              ansible.builtin.template:
                src: gpucluster-backup-gate.j2
                dest: /usr/local/sbin/gpucluster-backup-gate
                owner: root
                group: root
                mode: "0755"
              delegate_to: "{{ gpucluster_backup.source_host }}"

            - name: Let only this key in as the backup account on the source, only from this host
              ansible.posix.authorized_key:
                user: "{{ gpucluster_backup.account }}"
                key: "{{ backup_public_key.content | b64decode | trim }}"
                key_options: from="{{ gpucluster_backup.server_address }}",restrict,command="/usr/local/sbin/gpucluster-backup-gate"
                exclusive: true
              delegate_to: "{{ gpucluster_backup.source_host }}"

            - name: Read the source's SSH host key
              ansible.builtin.slurp:
                src: /etc/ssh/ssh_host_ed25519_key.pub
              delegate_to: "{{ gpucluster_backup.source_host }}"
              register: backup_source_host_key

            - name: Create /etc/gpucluster
              ansible.builtin.file:
                path: /etc/gpucluster
                state: directory
                owner: root
                group: root
                mode: "0755"

            - name: Pin the source's host key (no trust on first use)
              ansible.builtin.copy:
                content: "{{ gpucluster_backup.source_address }} {{ (backup_source_host_key.content | b64decode).split()[0:2] | join(' ') }}\\n"
                dest: /etc/gpucluster/backup_known_hosts
                owner: root
                group: root
                mode: "0644"

            - name: Write the backup configuration
              ansible.builtin.template:
                src: backup.json.j2
                dest: /etc/gpucluster/backup.json
                owner: root
                group: root
                mode: "0600"

            - name: Install the backup and verification units
              ansible.builtin.template:
                src: "{{ item }}.j2"
                dest: "/etc/systemd/system/{{ item }}"
                owner: root
                group: root
                mode: "0644"
              loop:
                - gpucluster-backup.service
                - gpucluster-backup.timer
                - gpucluster-backup-verify.service
                - gpucluster-backup-verify.timer
              notify: Reload the backup timers

            - name: Run backups and verifications on their schedules
              ansible.builtin.systemd_service:
                name: "{{ item }}"
                enabled: true
                state: started
                daemon_reload: true
              loop: "{{ backup_timers }}"

            """,
             handlers: """
            - name: Reload the backup timers
              ansible.builtin.systemd_service:
                name: "{{ item }}"
                state: restarted
                daemon_reload: true
              loop: "{{ backup_timers }}"

            """,
             defaults: """
            backup_destination: /srv/gpucluster-backup
            backup_timers:
              - gpucluster-backup.timer
              - gpucluster-backup-verify.timer
            # Verification reads every file it checks on both sides: all of them weekly, or with the
            # spec's verifySample one slice of N daily (every file within N days).
            backup_verify_on_calendar: "{{ '*-*-* 05:00:00' if gpucluster_backup.verify_sample else 'Sun *-*-* 05:00:00' }}"
            backup_verify_arguments: "{{ (' --sample 1/' ~ (gpucluster_backup.verify_sample | int)) if gpucluster_backup.verify_sample else '' }}"

            """,
             templates: [
                ("backup.json.j2", Self.config),
                ("gpucluster-backup-gate.j2", Self.gate),
                ("gpucluster-backup.service.j2", Self.unit(verb: "run", description: "pull a snapshot from {{ gpucluster_backup.source_host }}", timeout: "20h")),
                ("gpucluster-backup.timer.j2", Self.timer(description: "gpucluster backup: {{ gpucluster_backup.schedule }}", calendar: "{{ gpucluster_backup.on_calendar }}")),
                ("gpucluster-backup-verify.service.j2", Self.unit(verb: "verify", description: "compare the newest snapshot with {{ gpucluster_backup.source_host }} by checksum", timeout: "20h",
                                                                    arguments: "{{ backup_verify_arguments }}")),
                ("gpucluster-backup-verify.timer.j2", Self.timer(description: "gpucluster backup verification: {{ ('daily, one slice of ' ~ gpucluster_backup.verify_sample) if gpucluster_backup.verify_sample else 'weekly, every file' }}",
                                                                  calendar: "{{ backup_verify_on_calendar }}")),
             ])
    }

    /// Read by `gpucluster backup` (BackupConfig); every field is required there.
    static let config = """
    {
      "source": "{{ gpucluster_backup.account }}@{{ gpucluster_backup.source_address }}",
      "paths": {{ gpucluster_backup.paths | to_json }},
      "destination": "{{ backup_destination }}",
      "keepDaily": {{ gpucluster_backup.keep.daily }},
      "keepWeekly": {{ gpucluster_backup.keep.weekly }},
      "keepMonthly": {{ gpucluster_backup.keep.monthly }},
      "statePath": "/var/lib/gpucluster/backup-state.json",
      "ssh": "ssh -i /root/.ssh/gpucluster-backup -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/etc/gpucluster/backup_known_hosts -o ConnectTimeout=30 -o ServerAliveInterval=60 -o ServerAliveCountMax=5",
      "remoteRsync": "sudo -n /usr/bin/rsync",
      "rsync": "/usr/bin/rsync"
    }

    """

    static func unit(verb: String, description: String, timeout: String, arguments: String = "") -> String {
        """
        # {{ ansible_managed }}
        [Unit]
        Description=gpucluster backup: \(description)
        Wants=network-online.target
        After=network-online.target
        # A backup disk that failed to mount must not be replaced by the root file system.
        RequiresMountsFor={{ backup_destination }}

        [Service]
        Type=oneshot
        ExecStart=/usr/local/bin/gpucluster backup \(verb) --config /etc/gpucluster/backup.json\(arguments)
        Nice=10
        IOSchedulingClass=idle
        TimeoutStartSec=\(timeout)
        # Root, because snapshots keep every file's owner; otherwise little else.
        StateDirectory=gpucluster
        NoNewPrivileges=yes
        PrivateTmp=yes
        ProtectSystem=strict
        ReadWritePaths={{ backup_destination }}
        ProtectHome=read-only
        ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectControlGroups=yes
        RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX

        """
    }

    static func timer(description: String, calendar: String) -> String {
        """
        # {{ ansible_managed }}
        [Unit]
        Description=\(description)

        [Timer]
        OnCalendar=\(calendar)
        # A run missed while the server was off happens at the next boot.
        Persistent=true

        [Install]
        WantedBy=timers.target

        """
    }

    /// The source side's forced command. Each allowed command is written out twice: as the
    /// literal the client must send, and as the command run; the client's text is never run.
    static let gate = """
    #!/bin/sh
    # {{ ansible_managed }}
    # Forced command of the backup server's key on this host: exactly the backup account's
    # rsync commands through sudo run; anything else (a shell, another path, extra options,
    # a second command) is refused.
    set -f
    case "$SSH_ORIGINAL_COMMAND" in
    {% for c in gpucluster_backup.commands %}
      'sudo -n {{ c }}') exec /usr/bin/sudo -n {{ c }} ;;
    {% endfor %}
    esac
    echo "gpucluster backup gate: refused (only the backup commands may run with this key)" >&2
    exit 1

    """
}

