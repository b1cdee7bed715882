/// Port lists as people write them on a command line: "22,80,1000-2000".
public enum PortList {
    /// The ports in order, duplicates kept out; nil when anything is not a port 1…65535 or a
    /// range a-b with a ≤ b. An empty text is an empty list.
    public static func parse(_ text: String) -> [Int]? {
        guard text.utf8.count <= 65536 else { return nil }
        if text.isEmpty { return [] }
        var out: [Int] = []
        var seen = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count), ends.allSatisfy({ !$0.isEmpty && $0.count <= 5 && $0.allSatisfy { ("0"..."9").contains($0) } }),
                  let a = Int(ends[0]), let b = Int(ends[ends.count - 1]), (1...65535).contains(a), (1...65535).contains(b), a <= b else { return nil }
            for p in a...b where seen.insert(p).inserted { out.append(p) }
        }
        return out
    }
}

extension PortList {
    /// The ports as the shortest list of ranges ("22,80,1000-2000"), for a command line.
    public static func format(_ ports: [Int]) -> String {
        var out: [String] = []
        var run: (Int, Int)?
        for p in Set(ports).sorted() {
            if let r = run, p == r.1 + 1 { run = (r.0, p); continue }
            if let r = run { out.append(r.0 == r.1 ? "\(r.0)" : "\(r.0)-\(r.1)") }
            run = (p, p)
        }
        if let r = run { out.append(r.0 == r.1 ? "\(r.0)" : "\(r.0)-\(r.1)") }
        return out.joined(separator: ",")
    }
}
