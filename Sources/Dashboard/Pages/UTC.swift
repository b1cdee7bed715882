#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// strftime in UTC: cheap and thread-safe (DateFormatter is neither, per call).
enum UTC {
    static func format(_ t: Double, _ pattern: String) -> String {
        // A stored or reported time that is not a time is shown as such, never converted.
        guard t.isFinite, abs(t) < 1e11 else { return "?" }
        var seconds = time_t(t)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, pattern, &parts)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
