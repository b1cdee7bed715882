#if canImport(Glibc)
import Glibc
#endif

/// Snapshot folder names: the run's start in UTC, `2026-11-29T013000Z`. They sort by time,
/// and anything else in the folder (a `.partial`, a stray file) is never taken for one.
public struct SnapshotName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Unix seconds.
    public let time: Int

    public init(time: Int) { self.time = time }

    public init?(_ name: String) {
        let u = Array(name.utf8)
        // yyyy-MM-ddTHHmmssZ
        guard u.count == 18, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"), u[10] == UInt8(ascii: "T"),
              u[17] == UInt8(ascii: "Z") else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r { guard (48...57).contains(u[i]) else { return nil }; v = v * 10 + Int(u[i] - 48) }
            return v
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13),
              let mi = num(13..<15), let s = num(15..<17),
              (1970...9999).contains(y), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 60 else { return nil }
        var tm = tm()
        tm.tm_year = Int32(y - 1900); tm.tm_mon = Int32(mo - 1); tm.tm_mday = Int32(d)
        tm.tm_hour = Int32(h); tm.tm_min = Int32(mi); tm.tm_sec = Int32(s)
        let t = Int(timegm(&tm))
        // timegm normalizes 31 February into March: such a name is not one we wrote.
        guard SnapshotName(time: t).description == name else { return nil }
        self.time = t
    }

    public var description: String {
        let f = fields
        return "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2))\(pad(f.minute, 2))\(pad(f.second, 2))Z"
    }

    /// Calendar fields in UTC.
    var fields: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var t = time_t(time)
        var tm = tm()
        gmtime_r(&t, &tm)
        return (Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec))
    }

    public static func < (a: SnapshotName, b: SnapshotName) -> Bool { a.time < b.time }

    private func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
