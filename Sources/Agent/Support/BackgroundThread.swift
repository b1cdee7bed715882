#if canImport(Glibc)
import Glibc
#endif

/// A plain POSIX thread for blocking work (NVML, /proc, smartctl): blocking calls must not sit
/// on Swift's cooperative pool. Foundation's Thread would do, but the agent links only
/// FoundationEssentials, which has none.
public enum BackgroundThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new detached thread.
    public static func start(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, context)
        guard rc == 0 else {
            // No thread: run nothing rather than leak; the caller's metrics show no collection.
            Unmanaged<Body>.fromOpaque(context).release()
            return
        }
        pthread_detach(thread)
    }

    /// Sleeps this thread for `seconds` (fractions allowed).
    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var left = timespec()
        while nanosleep(&ts, &left) != 0 && errno == EINTR { ts = left }
    }
}
