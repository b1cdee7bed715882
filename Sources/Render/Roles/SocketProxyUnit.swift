/// The unit of a `systemd-socket-proxyd` behind a port systemd holds (the agent's, the
/// dashboard's): it forwards each connection of its socket unit to a service's Unix socket.
/// One place for its sandbox, so every proxy gpucluster installs is confined the same way.
enum SocketProxyUnit {
    /// - `socket`: the socket unit it serves; `service`: the unit it forwards to (pulled up too).
    /// - `user`: run as this dynamic user (the target's, to reach its 0700 socket), or as root.
    static func text(description: String, socket: String, service: String, socketPath: String,
                     maxConnections: Int, user: String? = nil, limitNOFILE: Int) -> String {
        """
        # {{ ansible_managed }}
        # Forwards the connections of \(socket) to \(socketPath).
        [Unit]
        Description=\(description)
        Requires=\(service) \(socket)
        After=\(service)

        [Service]
        ExecStart=/lib/systemd/systemd-socket-proxyd --connections-max=\(maxConnections) \(socketPath)
        \(user.map { "DynamicUser=yes\nUser=\($0)\n" } ?? "")LimitNOFILE=\(limitNOFILE)
        \(SystemdSandbox.lines())
        MemoryMax=64M

        """
    }
}
