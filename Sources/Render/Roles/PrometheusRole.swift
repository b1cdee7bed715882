import NodeReport
import Spec

/// Prometheus on the monitor host: scrapes every agent (labelled with the spec's node name,
/// which the dashboard's Prometheus backend reads), keeps `monitoring.retention`, alert rules.
struct PrometheusRole: AnsibleRole {
    let name = "prometheus"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Install Prometheus
              ansible.builtin.apt:
                name: prometheus
                state: present
                update_cache: true
                cache_valid_time: 3600
              when: "'prometheus' not in gpucluster_installed"

            - name: Keep the spec's retention
              ansible.builtin.copy:
                dest: /etc/default/prometheus
                content: |
                  # Managed by gpucluster (prometheus role): edit cluster.yaml, not this file.
                  # Loopback only: nothing outside this host needs it (admins tunnel over SSH).
                  ARGS="--storage.tsdb.retention.time={{ gpucluster_retention_days }}d --web.listen-address=127.0.0.1:9090"
                owner: root
                group: root
                mode: "0644"
              notify: Restart Prometheus

            - name: Create the rules folder
              ansible.builtin.file:
                path: /etc/prometheus/rules
                state: directory
                owner: root
                group: root
                mode: "0755"

            - name: Install the alert rules
              ansible.builtin.copy:
                src: gpucluster.rules.yml
                dest: /etc/prometheus/rules/gpucluster.yml
                owner: root
                group: root
                mode: "0644"
                validate: /usr/bin/promtool check rules %s
              notify: Reload Prometheus

            - name: Scrape every agent
              ansible.builtin.template:
                src: prometheus.yml.j2
                dest: /etc/prometheus/prometheus.yml
                owner: root
                group: root
                mode: "0644"
                validate: /usr/bin/promtool check config %s
              notify: Reload Prometheus

            - name: Run Prometheus
              ansible.builtin.service:
                name: prometheus
                state: started
                enabled: true

            """,
             handlers: """
            - name: Restart Prometheus
              ansible.builtin.service:
                name: prometheus
                state: restarted

            - name: Reload Prometheus
              ansible.builtin.service:
                name: prometheus
                state: reloaded

            """,
             defaults: """
            # Where Alertmanager listens (loopback on this host, as the alertmanager role sets it).
            prometheus_alertmanager_address: 127.0.0.1:9093

            """,
             templates: [("prometheus.yml.j2", """
            # {{ ansible_managed }}
            global:
              scrape_interval: {{ gpucluster_scrape_interval }}
              evaluation_interval: {{ gpucluster_scrape_interval }}

            rule_files:
              - rules/*.yml

            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ["{{ prometheus_alertmanager_address }}"]

            scrape_configs:
              - job_name: gpucluster-agent
                static_configs:
            {% for agent in gpucluster_agents %}
                  - targets: ["{{ agent.address }}:{{ gpucluster_agent_port }}"]
                    labels:
                      node: "{{ agent.name }}"
            {% endfor %}
            {% if gpucluster_node_exporters %}
              - job_name: node
                static_configs:
            {% for host in gpucluster_node_exporters %}
                  - targets: ["{{ host.address }}:{{ gpucluster_node_exporter_port }}"]
                    labels:
                      node: "{{ host.name }}"
                      home_on_nfs: "{{ 'yes' if host.home_on_nfs else 'no' }}"
            {% endfor %}
            {% endif %}

            """)],
             files: [("gpucluster.rules.yml", AlertRules.text(spec))])
    }
}
