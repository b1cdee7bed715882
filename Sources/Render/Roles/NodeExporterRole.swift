import Spec

/// Debian's prometheus-node-exporter on the hosts the spec's `node-exporter` service is on:
/// CPU, memory, load, filesystems (NFS mounts included), network, and the state of the units
/// the cluster depends on. It listens on the address the monitor reaches it at only.
struct NodeExporterRole: AnsibleRole {
    let name = "node_exporter"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Listen where the monitor scrapes, and report the cluster's units
              ansible.builtin.copy:
                dest: /etc/default/prometheus-node-exporter
                content: |
                  # Managed by gpucluster (node_exporter role): edit cluster.yaml, not this file.
                  ARGS="--web.listen-address={{ node_exporter_address }}:{{ gpucluster_node_exporter_port }} {{ node_exporter_collectors }}"
                owner: root
                group: root
                mode: "0644"
              when: node_exporter_address is defined
              notify: Restart the node exporter

            - name: Run the node exporter
              ansible.builtin.service:
                name: prometheus-node-exporter
                state: started
                enabled: true
              when: node_exporter_address is defined

            """,
             handlers: """
            - name: Restart the node exporter
              ansible.builtin.service:
                name: prometheus-node-exporter
                state: restarted

            """,
             defaults: """
            # The units whose state is exported (node_systemd_unit_state): the alert rules read
            # rsyslog's (log forwarding) and the cluster's own.
            node_exporter_collectors: --collector.systemd --collector.systemd.unit-include=(rsyslog|ssh|smartmontools|gpucluster-.*)[.]service

            """)
    }
}
