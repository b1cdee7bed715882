import HostSystem
#if canImport(Glibc)
import Glibc
#endif

/// Gives back the code pages only start-up needed. About a third of the agent's resident
/// memory is its own binary's code touched once while starting (argument parsing, the HTTP
/// server's set-up, the loader): clean pages of the file, which the kernel would drop under
/// memory pressure anyway. Once serving, the agent asks for that now (MADV_PAGEOUT, Linux 5.4);
/// whatever the steady state still uses is read back on its next use. On older kernels it
/// does nothing.
public enum StartupPages {
    static let madvPageout: Int32 = 21

    public static func release(maps: String = "/proc/self/maps") {
        guard let exe = ownExecutable(), let text = SmallFile.text(maps, max: 1 << 20) else { return }
        // A binary just installed (Ansible copies it, then restarts us) is still dirty in the
        // page cache, and dirty pages are not paged out: write it back first.
        let fd = open(String(exe), O_RDONLY | O_CLOEXEC)
        if fd >= 0 { _ = fsync(fd); close(fd) }
        for line in text.split(separator: "\n") {
            // `start-end perms offset dev inode path`: the executable's read-only mappings only
            // (code and constants; never writable data).
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 6, f[5] == exe, f[1].hasPrefix("r"), !f[1].contains("w") else { continue }
            let range = f[0].split(separator: "-")
            guard range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            _ = madvise(address, Int(end - start), madvPageout)
        }
    }

    static func ownExecutable() -> Substring? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return Substring(String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
