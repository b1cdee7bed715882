import Spec

/// The gpucluster agent and command: the binaries (from the machine running Ansible) and the
/// agent's hardened unit. The agent runs as its own slim binary (`gpucluster-agent`, less
/// memory on every node); `gpucluster` itself is there for smartd's hook, the dashboard and backup.
/// systemd holds the agent's TCP port (`gpucluster-agent-proxy.socket`, on loopback and the
/// host's own address only) and hands each connection to the agent's Unix socket in a root-only
/// folder through `systemd-socket-proxyd`: while the agent restarts, no local user can bind the
/// port and serve forged readings to Prometheus and the dashboard.
struct AgentRole: AnsibleRole {
    let name = "agent"

    func files(_ spec: ClusterSpec) -> [RenderedFile] {
        role(tasks: """
            - name: Install the gpucluster command
              ansible.builtin.copy:
                src: "{{ agent_cli_binary }}"
                dest: /usr/local/bin/gpucluster
                owner: root
                group: root
                mode: "0755"

            - name: Install the node agent
              ansible.builtin.copy:
                src: "{{ agent_binary }}"
                dest: /usr/local/bin/gpucluster-agent
                owner: root
                group: root
                mode: "0755"
              notify: Restart the agent

            - name: Install the agent's systemd units (the agent, the port systemd holds, its proxy)
              ansible.builtin.template:
                src: "{{ item }}.j2"
                dest: /etc/systemd/system/{{ item }}
                owner: root
                group: root
                mode: "0644"
              loop:
                - gpucluster-agent.service
                - gpucluster-agent-proxy.socket
                - gpucluster-agent-proxy.service
              register: agent_units
              notify: Restart the agent

            # Now, not at the end of the play: an agent still bound to the port itself (from an
            # older unit, the loop's first file) must let go of it before systemd can hold it.
            # Not in check mode: drift only reports.
            - name: Restart the agent on its new unit
              ansible.builtin.systemd_service:
                name: gpucluster-agent
                state: restarted
                daemon_reload: true
              when: agent_units.results[0].changed and not ansible_check_mode

            - name: Run the agent
              ansible.builtin.systemd_service:
                name: gpucluster-agent
                enabled: true
                state: started
                daemon_reload: true

            - name: Hold the agent's port
              ansible.builtin.systemd_service:
                name: gpucluster-agent-proxy.socket
                enabled: true
                state: started
              register: agent_port

            # Only when the socket unit (the loop's second file) changed on a running socket: a
            # restart lets go of the port for a moment.
            - name: Hold the agent's port on its new addresses
              ansible.builtin.systemd_service:
                name: gpucluster-agent-proxy.socket
                state: restarted
              when: agent_units.results[1].changed and not agent_port.changed

            """,
             handlers: """
            - name: Restart the agent
              ansible.builtin.systemd_service:
                name: gpucluster-agent
                state: restarted
                daemon_reload: true

            """,
             defaults: """
            # The binaries on the machine that runs Ansible (the bastion), built with
            # `scripts/build-node-binaries release DIR`: the nodes have no Swift runtime.
            agent_cli_binary: /usr/local/bin/gpucluster
            agent_binary: /usr/local/bin/gpucluster-agent
            agent_interval: \(AgentUnit.intervalSeconds)

            """,
             templates: [("gpucluster-agent.service.j2", AgentUnit.template),
                         ("gpucluster-agent-proxy.socket.j2", AgentUnit.socketTemplate),
                         ("gpucluster-agent-proxy.service.j2", AgentUnit.proxyTemplate)])
    }
}

/// The agent's unit. (An expression, not `{% if %}`, ends ExecStart: Ansible's templates trim
/// the newline after a block tag, which would glue the next line onto the command.)
/// `deploy/systemd/gpucluster-agent.service` is this with the default
/// command line (a test keeps the two the same).
public enum AgentUnit {
    /// Where the agent listens; only root (and so the proxy) can reach it.
    public static let socketPath = "/run/gpucluster-agent/agent.sock"
    /// Connections the proxy forwards at once (the agent caps its own at 2,048 too).
    public static let maxConnections = 2048

    /// Seconds between the agent's collections (the role's `agent_interval` default).
    public static let intervalSeconds = 5

    public static let execStartTemplate = "ExecStart=/usr/local/bin/gpucluster-agent --unix-socket \(socketPath) --interval {{ agent_interval }} --smart-interval 10{{ (' --expected-gpus ' ~ gpucluster_expected_gpus) if gpucluster_expected_gpus is defined else '' }}{{ (' --backup-state ' ~ gpucluster_backup_state) if gpucluster_backup_state is defined else '' }}{{ ' --fabric-manager' if nvidia_driver_nvswitch | default(false) else '' }}"

    public static let template = """
    # {{ ansible_managed }}
    # gpucluster agent: the node exporter for GPUs, jobs, disks and backups.
    # Installed by the `agent` role (render); shown here so admins can read it on its own.
    #
    # Why not DynamicUser=: SMART needs raw access to the disks (smartctl opens /dev/sd*, /dev/nvme*
    # and issues ATA/NVMe pass-through commands: CAP_SYS_RAWIO and CAP_SYS_ADMIN for NVMe), which
    # a dynamic unprivileged user cannot get. The agent therefore runs as root, with every
    # capability except those dropped, a read-only file system, and no way to gain privileges.
    # Without SMART (--smartctl '') it could run as an unprivileged user in the `video` group
    # (NVML only needs /dev/nvidia*).
    [Unit]
    Description=gpucluster agent (GPU, job, SMART and backup metrics)
    Documentation=https://gpucluster.invalid/docs/agent
    After=network-online.target nvidia-persistenced.service
    Wants=network-online.target

    [Service]
    \(execStartTemplate)
    Restart=always
    RestartSec=5
    # The listening socket lives here (root only); the port is held by gpucluster-agent-proxy.socket.
    RuntimeDirectory=gpucluster-agent
    RuntimeDirectoryMode=0700
    # 2,048 connections at most, plus /proc, NVML and smartctl.
    LimitNOFILE=16384
    # Hardening: only what NVML, /proc and smartctl need.
    CapabilityBoundingSet=CAP_SYS_RAWIO CAP_SYS_ADMIN CAP_DAC_READ_SEARCH
    AmbientCapabilities=
    NoNewPrivileges=yes
    ProtectSystem=strict
    ProtectHome=yes
    PrivateTmp=yes
    ProtectKernelTunables=yes
    ProtectKernelModules=yes
    ProtectControlGroups=yes
    ProtectClock=yes
    ProtectHostname=yes
    RestrictNamespaces=yes
    RestrictRealtime=yes
    RestrictSUIDSGID=yes
    LockPersonality=yes
    MemoryDenyWriteExecute=yes
    SystemCallArchitectures=native
    RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
    # GPUs and disks stay visible (PrivateDevices= would hide /dev/nvidia* and the disks).
    DeviceAllow=/dev/nvidiactl rw
    DeviceAllow=char-nvidia-frontend rw
    DeviceAllow=char-nvidia-uvm rw
    DeviceAllow=block-sd r
    DeviceAllow=block-blkext r
    DeviceAllow=char-nvme rw
    # The backup state file is read from here on the backup server ("-": absent elsewhere).
    ReadOnlyPaths=-/var/lib/gpucluster
    MemoryMax=128M
    TasksMax=64

    [Install]
    WantedBy=multi-user.target

    """

    /// The agent's port, held by systemd from boot on, on loopback and the host's own address
    /// (never every address).
    public static let socketTemplate = """
    # {{ ansible_managed }}
    # The agent's port, held by systemd at all times: while the agent restarts no local user
    # can bind it. Each connection goes to gpucluster-agent-proxy.service.
    [Unit]
    Description=gpucluster agent port

    [Socket]
    ListenStream=127.0.0.1:{{ gpucluster_agent_port }}
    {% if gpucluster_agent_address is defined %}
    ListenStream={{ gpucluster_agent_address }}:{{ gpucluster_agent_port }}
    {% endif %}
    FreeBind=yes
    NoDelay=yes
    Backlog=1024

    [Install]
    WantedBy=sockets.target

    """

    /// systemd's own proxy from the held port to the agent's Unix socket.
    public static let proxyTemplate = SocketProxyUnit.text(
        description: "gpucluster agent port proxy", socket: "gpucluster-agent-proxy.socket", service: "gpucluster-agent.service",
        socketPath: socketPath, maxConnections: maxConnections, limitNOFILE: 16384)
}
