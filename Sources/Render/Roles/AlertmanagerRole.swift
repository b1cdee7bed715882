import Spec

/// Alertmanager on the monitor host: every alert to `gpucluster notify`'s webhook on
/// loopback (it forwards to Slack), grouped per alert and node, resolved alerts included.
struct AlertmanagerRole: AnsibleRole {
    let name = "alertmanager"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Install Alertmanager
              ansible.builtin.apt:
                name: prometheus-alertmanager
                state: present
                update_cache: true
                cache_valid_time: 3600
              when: "'prometheus-alertmanager' not in gpucluster_installed"

            - name: Route every alert to gpucluster notify
              ansible.builtin.template:
                src: alertmanager.yml.j2
                dest: /etc/prometheus/alertmanager.yml
                owner: root
                group: root
                mode: "0644"
                validate: /usr/bin/amtool check-config %s
              notify: Reload Alertmanager

            # Loopback only, and no cluster gossip (one Alertmanager): port 9094 stays closed.
            - name: Listen on loopback only, without gossip
              ansible.builtin.copy:
                dest: /etc/default/prometheus-alertmanager
                content: |
                  # Managed by gpucluster (alertmanager role): edit cluster.yaml, not this file.
                  ARGS="--web.listen-address=127.0.0.1:9093 --cluster.listen-address="
                owner: root
                group: root
                mode: "0644"
              notify: Restart Alertmanager

            # Local users of this host (often the bastion) must not be able to silence alerts:
            # only root (admins, amtool) and Prometheus (which sends the alerts) may connect to
            # Alertmanager. Placed before ufw's blanket "loopback out is fine" rule.
            - name: Let only root and Prometheus reach Alertmanager on this host
              ansible.builtin.blockinfile:
                path: /etc/ufw/before.rules
                insertbefore: "^-A ufw-before-output -o lo -j ACCEPT"
                marker: "# {mark} gpucluster: Alertmanager for root and Prometheus only"
                block: >-
                  -A ufw-before-output -o lo -p tcp --dport 9093 -m owner ! --uid-owner 0
                  -m owner ! --uid-owner prometheus -j REJECT --reject-with tcp-reset
              notify: Reload the firewall

            - name: Run Alertmanager
              ansible.builtin.service:
                name: prometheus-alertmanager
                state: started
                enabled: true

            """,
             handlers: """
            - name: Reload Alertmanager
              ansible.builtin.service:
                name: prometheus-alertmanager
                state: reloaded

            - name: Restart Alertmanager
              ansible.builtin.service:
                name: prometheus-alertmanager
                state: restarted

            - name: Reload the firewall
              ansible.builtin.command: ufw reload
              changed_when: true

            """,
             defaults: """
            # Where `gpucluster notify` listens (loopback on the monitor host).
            alertmanager_notify_url: http://127.0.0.1:9095/alertmanager
            # Wait this long to batch a new group, between updates of a group, before repeating one.
            alertmanager_group_wait: 30s
            alertmanager_group_interval: 5m
            alertmanager_repeat_interval: 4h

            """,
             templates: [("alertmanager.yml.j2", """
            # {{ ansible_managed }}
            route:
              receiver: gpucluster-notify
              group_by: [alertname, node]
              group_wait: {{ alertmanager_group_wait }}
              group_interval: {{ alertmanager_group_interval }}
              repeat_interval: {{ alertmanager_repeat_interval }}

            # A host that is down says so once: its agent's, GPUs', disks' and backups' alerts
            # are silenced while HostDown or AgentDown fires for it.
            inhibit_rules:
              - source_matchers: [alertname = HostDown]
                target_matchers: [alertname != HostDown]
                equal: [node]
              - source_matchers: [alertname = AgentDown]
                target_matchers: ['alertname =~ "GPU.*|Disk.*|Backup.*|IdleHeldGPU"']
                equal: [node]

            receivers:
              - name: gpucluster-notify
                webhook_configs:
                  - url: "{{ alertmanager_notify_url }}"
                    send_resolved: true

            """)])
    }
}
