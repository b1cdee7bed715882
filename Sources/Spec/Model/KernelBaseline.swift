/// The kernel baseline (CIS Debian 12 Level 1 and dev-sec's linux baseline, adapted to a
/// research cluster): the kernel_hardening role renders it, `audit` reads it back. One list,
/// so the two can never disagree.
public enum KernelBaseline {
    /// No ICMP redirects or source routes, reverse-path filtering, SYN cookies, martians logged.
    /// A container can set these (its own network namespace).
    public static let net: [(String, Int)] = [
        ("net.ipv4.conf.all.accept_redirects", 0), ("net.ipv4.conf.default.accept_redirects", 0),
        ("net.ipv4.conf.all.secure_redirects", 0), ("net.ipv4.conf.default.secure_redirects", 0),
        ("net.ipv4.conf.all.send_redirects", 0), ("net.ipv4.conf.default.send_redirects", 0),
        ("net.ipv4.conf.all.accept_source_route", 0), ("net.ipv4.conf.default.accept_source_route", 0),
        ("net.ipv4.conf.all.rp_filter", 1), ("net.ipv4.conf.default.rp_filter", 1),
        ("net.ipv4.conf.all.log_martians", 1), ("net.ipv4.icmp_echo_ignore_broadcasts", 1),
        ("net.ipv4.icmp_ignore_bogus_error_responses", 1), ("net.ipv4.tcp_syncookies", 1),
        ("net.ipv6.conf.all.accept_redirects", 0), ("net.ipv6.conf.default.accept_redirects", 0),
        ("net.ipv6.conf.all.accept_source_route", 0), ("net.ipv6.conf.default.accept_source_route", 0),
    ]
    /// No kernel addresses or log for users, ptrace only of one's own children, no tricks with
    /// links and FIFOs in shared folders, no core dumps of setuid programs. The machine's
    /// kernel owns these: a container leaves them out.
    public static let kernel: [(String, Int)] = [
        ("kernel.kptr_restrict", 2), ("kernel.dmesg_restrict", 1), ("kernel.yama.ptrace_scope", 1),
        ("fs.protected_hardlinks", 1), ("fs.protected_symlinks", 1), ("fs.protected_fifos", 2), ("fs.protected_regular", 2),
        ("fs.suid_dumpable", 0),
    ]
    /// Network protocols a research cluster does not use, kept from loading.
    public static let blockedModules = ["dccp", "sctp", "rds", "tipc"]
}
