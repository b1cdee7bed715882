import Spec

/// The dashboard on the dashboard host: the spec it reads, and a unit that needs no root
/// (DynamicUser: it only reads agents over HTTP and writes its SQLite file).
struct DashboardRole: AnsibleRole {
    let name = "dashboard"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Create /etc/gpucluster
              ansible.builtin.file:
                path: /etc/gpucluster
                state: directory
                owner: root
                group: root
                mode: "0755"

            - name: Install the cluster spec the dashboard reads
              ansible.builtin.copy:
                src: "{{ playbook_dir }}/cluster.yaml"
                dest: /etc/gpucluster/cluster.yaml
                owner: root
                group: root
                mode: "0644"
              notify: Restart the dashboard

            - name: Install the dashboard's systemd unit
              ansible.builtin.template:
                src: gpucluster-dashboard.service.j2
                dest: /etc/systemd/system/gpucluster-dashboard.service
                owner: root
                group: root
                mode: "0644"
              notify: Restart the dashboard

            - name: Run the dashboard
              ansible.builtin.systemd_service:
                name: gpucluster-dashboard
                enabled: true
                state: started
                daemon_reload: true

            """,
             handlers: """
            - name: Restart the dashboard
              ansible.builtin.systemd_service:
                name: gpucluster-dashboard
                state: restarted
                daemon_reload: true

            """,
             templates: [("gpucluster-dashboard.service.j2", """
            # {{ ansible_managed }}
            [Unit]
            Description=gpucluster dashboard (which GPUs are free, who holds them)
            After=network-online.target
            Wants=network-online.target

            [Service]
            ExecStart=/usr/local/bin/gpucluster dashboard /etc/gpucluster/cluster.yaml --port {{ gpucluster_dashboard_port }} --db /var/lib/gpucluster-dashboard/dashboard.sqlite
            Restart=always
            RestartSec=5
            DynamicUser=yes
            StateDirectory=gpucluster-dashboard
            NoNewPrivileges=yes
            ProtectSystem=strict
            ProtectHome=yes
            PrivateTmp=yes
            PrivateDevices=yes
            ProtectKernelTunables=yes
            ProtectKernelModules=yes
            ProtectControlGroups=yes
            RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
            RestrictNamespaces=yes
            LockPersonality=yes
            MemoryDenyWriteExecute=yes
            SystemCallArchitectures=native
            CapabilityBoundingSet=

            [Install]
            WantedBy=multi-user.target

            """)])
    }
}
