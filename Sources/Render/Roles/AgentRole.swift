import Spec

/// The gpucluster agent and command: the binaries (from the machine running Ansible) and the
/// agent's hardened unit. The agent runs as its own slim binary (`gpucluster-agent`, less
/// memory on every node); `gpucluster` itself is there for smartd's hook, the dashboard and backup.
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

            - name: Install the agent's systemd unit
              ansible.builtin.template:
                src: gpucluster-agent.service.j2
                dest: /etc/systemd/system/gpucluster-agent.service
                owner: root
                group: root
                mode: "0644"
              notify: Restart the agent

            - name: Run the agent
              ansible.builtin.systemd_service:
                name: gpucluster-agent
                enabled: true
                state: started
                daemon_reload: true

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
            agent_interval: 5

            """,
             templates: [("gpucluster-agent.service.j2", AgentUnit.template)])
    }
}

/// The agent's unit. (An expression, not `{% if %}`, ends ExecStart: Ansible's templates trim
/// the newline after a block tag, which would glue the next line onto the command.)
/// `deploy/systemd/gpucluster-agent.service` is this with the default
/// command line (a test keeps the two the same).
public enum AgentUnit {
    public static let execStartTemplate = "ExecStart=/usr/local/bin/gpucluster-agent --port {{ gpucluster_agent_port }} --interval {{ agent_interval }} --smart-interval 10{{ (' --expected-gpus ' ~ gpucluster_expected_gpus) if gpucluster_expected_gpus is defined else '' }}{{ (' --backup-state ' ~ gpucluster_backup_state) if gpucluster_backup_state is defined else '' }}"

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
}
