/// A human schedule from the spec: `daily 02`, `daily 01:30`, `weekly sat 03`, `monthly 1 04:00`.
public struct Schedule: Sendable, Hashable, CustomStringConvertible {
    public enum Period: Sendable, Hashable { case daily, weekly(weekday: Int), monthly(day: Int) }
    public var period: Period
    public var hour: Int
    public var minute: Int

    public static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public struct ParseError: Error, Sendable { public let reason: String }

    public static func parse(_ text: String) -> Result<Schedule, ParseError> {
        let parts = text.lowercased().split(separator: " ").map(String.init)
        func time(_ t: String) -> (Int, Int)? {
            let hm = t.split(separator: ":", omittingEmptySubsequences: false)
            guard (1...2).contains(hm.count), hm.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(\.isASCIIDigit) }),
                  let h = Int(hm[0]), (0...23).contains(h) else { return nil }
            let m = hm.count == 2 ? Int(hm[1]) ?? -1 : 0
            guard (0...59).contains(m) else { return nil }
            return (h, m)
        }
        let usage = "expected `daily HH[:MM]`, `weekly DAY HH[:MM]` (DAY: sun…sat) or `monthly D HH[:MM]`"
        switch parts.first {
        case "daily":
            guard parts.count == 2, let (h, m) = time(parts[1]) else { return .failure(ParseError(reason: usage)) }
            return .success(Schedule(period: .daily, hour: h, minute: m))
        case "weekly":
            guard parts.count == 3, let d = weekdays.firstIndex(of: String(parts[1].prefix(3))),
                  let (h, m) = time(parts[2]) else { return .failure(ParseError(reason: usage)) }
            return .success(Schedule(period: .weekly(weekday: d), hour: h, minute: m))
        case "monthly":
            guard parts.count == 3, let d = Int(parts[1]), (1...28).contains(d), let (h, m) = time(parts[2]) else {
                return .failure(ParseError(reason: usage + "; D is 1…28 so that every month has it"))
            }
            return .success(Schedule(period: .monthly(day: d), hour: h, minute: m))
        default:
            return .failure(ParseError(reason: usage))
        }
    }

    public var description: String {
        let t = minute == 0 ? pad(hour) : "\(pad(hour)):\(pad(minute))"
        switch period {
        case .daily: return "daily \(t)"
        case .weekly(let d): return "weekly \(Schedule.weekdays[d]) \(t)"
        case .monthly(let d): return "monthly \(d) \(t)"
        }
    }

    /// smartd's `-s` regex field for a self-test of type T (`S` short, `L` long): `T/MM/DD/d/HH`.
    /// smartd schedules by the hour only.
    public func smartdPattern(testType: Character) -> String {
        switch period {
        case .daily: return "\(testType)/../.././\(pad(hour))"
        case .weekly(let d): return "\(testType)/../../\(d == 0 ? 7 : d)/\(pad(hour))"
        case .monthly(let day): return "\(testType)/../\(pad(day))/./\(pad(hour))"
        }
    }

    /// systemd `OnCalendar=` form.
    public var onCalendar: String {
        let t = "\(pad(hour)):\(pad(minute)):00"
        switch period {
        case .daily: return "*-*-* \(t)"
        case .weekly(let d): return "\(["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d]) *-*-* \(t)"
        case .monthly(let day): return "*-*-\(pad(day)) \(t)"
        }
    }

    private func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
