import Spec

/// The dashboard on the dashboard host: the spec it reads, and a unit that needs no root
/// (DynamicUser: it only reads agents over HTTP and writes its SQLite file). systemd holds its
/// ports (one socket unit for the cluster's own networks and loopback, one for the public
/// addresses) and hands connections through `systemd-socket-proxyd` to the dashboard's two
/// Unix sockets: no local user can take the port while it restarts, and the address a client
/// connected to says whether it sees process detail.
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

            - name: Install the dashboard's systemd units (the dashboard, the ports systemd holds, their proxies)
              ansible.builtin.template:
                src: "{{ item }}.j2"
                dest: /etc/systemd/system/{{ item }}
                owner: root
                group: root
                mode: "0644"
              loop: "{{ ['gpucluster-dashboard.service'] + dashboard_sockets + dashboard_sockets | map('replace', '.socket', '.service') | list }}"
              register: dashboard_units
              notify: Restart the dashboard

            # Now, not at the end of the play: a dashboard still bound to the port itself (an
            # older unit, the loop's first file) must let go of it before systemd holds it.
            # Not in check mode: drift only reports.
            - name: Restart the dashboard on its new unit
              ansible.builtin.systemd_service:
                name: gpucluster-dashboard
                state: restarted
                daemon_reload: true
              when: dashboard_units.results[0].changed and not ansible_check_mode

            - name: Run the dashboard
              ansible.builtin.systemd_service:
                name: gpucluster-dashboard
                enabled: true
                state: started
                daemon_reload: true

            - name: Hold the dashboard's ports
              ansible.builtin.systemd_service:
                name: "{{ item }}"
                enabled: true
                state: started
              loop: "{{ dashboard_sockets }}"
              register: dashboard_ports

            # Only when a socket unit changed on a running socket: a restart lets go of the port
            # for a moment.
            - name: Hold the dashboard's ports on their new addresses
              ansible.builtin.systemd_service:
                name: "{{ item.item }}"
                state: restarted
              loop: "{{ dashboard_units.results | selectattr('item', 'in', dashboard_sockets) | list }}"
              loop_control:
                label: "{{ item.item }}"
              when: item.changed and not (dashboard_ports.results | selectattr('item', 'equalto', item.item) | first).changed

            """,
             handlers: """
            - name: Restart the dashboard
              ansible.builtin.systemd_service:
                name: gpucluster-dashboard
                state: restarted
                daemon_reload: true

            """,
             defaults: """
            # The ports systemd holds: the cluster's own networks and loopback always, the public
            # network where this host has an address on it (host vars from the spec).
            dashboard_sockets: >-
              {{ ['gpucluster-dashboard-inside.socket']
                 + (['gpucluster-dashboard-public.socket'] if dashboard_public_addresses | default([]) | length > 0 else []) }}

            """,
             templates: [
                ("gpucluster-dashboard.service.j2", Self.unit),
                ("gpucluster-dashboard-inside.socket.j2", Self.socket(audience: "inside", addresses: "['127.0.0.1'] + dashboard_inside_addresses | default([])")),
                ("gpucluster-dashboard-inside.service.j2", Self.proxy(audience: "inside")),
                ("gpucluster-dashboard-public.socket.j2", Self.socket(audience: "public", addresses: "dashboard_public_addresses | default([])")),
                ("gpucluster-dashboard-public.service.j2", Self.proxy(audience: "public")),
             ])
    }

    static let runtime = "/run/gpucluster-dashboard"

    /// The dashboard itself: DynamicUser, on two Unix sockets in its runtime folder.
    static let unit = """
    # {{ ansible_managed }}
    [Unit]
    Description=gpucluster dashboard (which GPUs are free, who holds them)
    After=network-online.target
    Wants=network-online.target

    [Service]
    ExecStart=/usr/local/bin/gpucluster dashboard /etc/gpucluster/cluster.yaml --unix-socket \(runtime)/inside.sock{{ (' --public-unix-socket \(runtime)/public.sock') if dashboard_public_addresses | default([]) | length > 0 else '' }} --db /var/lib/gpucluster-dashboard/dashboard.sqlite
    Restart=always
    RestartSec=5
    DynamicUser=yes
    StateDirectory=gpucluster-dashboard
    # The sockets the proxies (same dynamic user) connect to; the ports are held by the socket units.
    RuntimeDirectory=gpucluster-dashboard
    RuntimeDirectoryMode=0700
    LimitNOFILE=8192
    \(SystemdSandbox.lines())

    [Install]
    WantedBy=multi-user.target

    """

    /// A port systemd holds for one audience, on that audience's addresses of this host.
    static func socket(audience: String, addresses: String) -> String {
        """
        # {{ ansible_managed }}
        # The dashboard's port for the \(audience == "inside" ? "cluster's own networks (process detail shown)" : "public network (no process detail)"),
        # held by systemd at all times: while the dashboard restarts no local user can bind it.
        [Unit]
        Description=gpucluster dashboard port (\(audience))

        [Socket]
        {% for address in \(addresses) %}
        ListenStream={{ address }}:{{ gpucluster_dashboard_port }}
        {% endfor %}
        FreeBind=yes
        NoDelay=yes
        Backlog=1024

        [Install]
        WantedBy=sockets.target

        """
    }

    /// systemd's proxy from one held port to the dashboard's socket for that audience, as the
    /// dashboard's own dynamic user (the socket is its, mode 0700).
    static func proxy(audience: String) -> String {
        SocketProxyUnit.text(description: "gpucluster dashboard port proxy (\(audience))", socket: "gpucluster-dashboard-\(audience).socket",
                             service: "gpucluster-dashboard.service", socketPath: "\(runtime)/\(audience).sock",
                             maxConnections: 1024, user: "gpucluster-dashboard", limitNOFILE: 8192)
    }
}
