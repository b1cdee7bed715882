/// How gpucluster's unprivileged services are confined, in one place: the dashboard, notify
/// and the socket proxies share these directives. (The agent's unit keeps its own list: it
/// needs capabilities and the GPU and disk devices.)
enum SystemdSandbox {
    static func lines(capabilities: String = "", privateDevices: Bool = true, addressFamilies: String = "AF_UNIX AF_INET AF_INET6") -> String {
        """
        CapabilityBoundingSet=\(capabilities)
        NoNewPrivileges=yes
        ProtectSystem=strict
        ProtectHome=yes
        PrivateTmp=yes
        \(privateDevices ? "PrivateDevices=yes\n" : "")ProtectKernelTunables=yes
        ProtectKernelModules=yes
        ProtectControlGroups=yes
        RestrictNamespaces=yes
        RestrictRealtime=yes
        RestrictSUIDSGID=yes
        LockPersonality=yes
        MemoryDenyWriteExecute=yes
        SystemCallArchitectures=native
        RestrictAddressFamilies=\(addressFamilies)
        """
    }
}
