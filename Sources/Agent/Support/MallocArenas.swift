import CProcess

/// The agent's threads (collector, one event loop, Swift's pool) need no more than two malloc
/// arenas; glibc would give them up to eight per core, each keeping memory it touched.
public enum MallocArenas {
    public static func limit(to count: Int32 = 2) {
        _ = gpc_limit_malloc_arenas(count)
    }
}
