import Planning
import Spec

/// `gpucluster notify serve` on the monitor host, where Alertmanager posts every alert
/// (loopback). The chat webhook's URL is a secret: copied from the admin's file (never from
/// the spec, never shown in Ansible's output) into a root-only folder, and handed to the
/// service as a systemd credential, so the unit needs no root and no file of its own.
struct NotifyRole: AnsibleRole {
    let name = "notify"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Create the folder for gpucluster's secrets (root only)
              ansible.builtin.file:
                path: /etc/gpucluster/secrets
                state: directory
                owner: root
                group: root
                mode: "0700"

            - name: Install the chat webhook's URL (a secret, from the admin's file)
              ansible.builtin.copy:
                src: "{{ notify_webhook_file }}"
                dest: /etc/gpucluster/secrets/chat-webhook
                owner: root
                group: root
                mode: "0600"
              no_log: true
              notify: Restart notify

            - name: Configure notify
              ansible.builtin.template:
                src: notify.json.j2
                dest: /etc/gpucluster/notify.json
                owner: root
                group: root
                mode: "0644"
              notify: Restart notify

            - name: Install the notify unit
              ansible.builtin.template:
                src: gpucluster-notify.service.j2
                dest: /etc/systemd/system/gpucluster-notify.service
                owner: root
                group: root
                mode: "0644"
              notify: Restart notify

            - name: Run notify
              ansible.builtin.systemd_service:
                name: gpucluster-notify
                enabled: true
                state: started
                daemon_reload: true

            """,
             handlers: """
            - name: Restart notify
              ansible.builtin.systemd_service:
                name: gpucluster-notify
                state: restarted
                daemon_reload: true

            """,
             defaults: """
            # The file on the machine that runs Ansible holding the chat's incoming-webhook URL
            # (one line, mode 0600). A relative path is relative to this project's folder.
            notify_webhook_file: >-
              {{ gpucluster_notify.webhook_file if gpucluster_notify.webhook_file.startswith('/')
                 else playbook_dir + '/' + gpucluster_notify.webhook_file }}
            notify_channel: "{{ gpucluster_notify.channel }}"
            notify_port: 9095
            notify_dead_letter_after_seconds: 86400

            """,
             templates: [("notify.json.j2", """
            {
              "listen": "127.0.0.1:{{ notify_port }}",
              "database": "/var/lib/gpucluster-notify/outbox.sqlite",
              "channels": [
                {"name": "primary", "kind": "webhook", "urlFile": "chat-webhook", "channel": {{ notify_channel | to_json }}}
              ],
              "primary": "primary",
              "deadLetterAfterSeconds": {{ notify_dead_letter_after_seconds | int }}
            }

            """), ("gpucluster-notify.service.j2", """
            # {{ ansible_managed }}
            [Unit]
            Description=gpucluster notify: Alertmanager's alerts to chat, exactly once
            After=network-online.target
            Wants=network-online.target

            [Service]
            ExecStart=/usr/local/bin/gpucluster notify serve --config /etc/gpucluster/notify.json
            Restart=always
            RestartSec=2
            DynamicUser=yes
            StateDirectory=gpucluster-notify
            # The webhook URL, readable by this service only ($CREDENTIALS_DIRECTORY).
            LoadCredential=chat-webhook:/etc/gpucluster/secrets/chat-webhook
            \(SystemdSandbox.lines())
            MemoryMax=256M

            [Install]
            WantedBy=multi-user.target

            """)])
    }
}
