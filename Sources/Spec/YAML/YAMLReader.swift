import CYaml
import Foundation

/// Limits that keep hostile input cheap to reject. A 1,000-host spec is about 150 KB.
public enum YAMLLimits {
    public static let maxFileBytes = 4 * 1024 * 1024
    /// Nodes after expanding every alias: stops "billion laughs" before it costs anything.
    public static let maxExpandedNodes = 1_000_000
    public static let maxNesting = 64
}

/// Turns the bytes of a YAML file into a `YAMLNode` tree, or a diagnostic that says
/// exactly where and why it is not a readable YAML document.
public enum YAMLReader {
    public static func read(bytes: [UInt8]) -> Result<YAMLNode, Diagnostic> {
        if bytes.count > YAMLLimits.maxFileBytes {
            return .failure(Diagnostic(.error, at: .start,
                "file is too large (\(formatBytes(bytes.count)); the limit is \(formatBytes(YAMLLimits.maxFileBytes)))",
                hint: "a spec for 1,000 hosts is about 150 KB; is this the right file?"))
        }
        if let nul = bytes.firstIndex(of: 0) {
            return .failure(Diagnostic(.error, at: location(ofByte: nul, in: bytes),
                "file contains a NUL byte: this looks like a binary file, not YAML",
                hint: "cluster.yaml must be UTF-8 text"))
        }
        if let bad = firstInvalidUTF8(bytes) {
            return .failure(Diagnostic(.error, at: location(ofByte: bad, in: bytes),
                "file is not valid UTF-8 text", hint: "save the file as UTF-8"))
        }
        if isBlankOrOnlyComments(bytes) {
            return .failure(Diagnostic(.error, at: .start, "file is empty",
                hint: "run `gpucluster init` to write a commented example"))
        }
        return Composer(bytes: bytes).compose()
    }

    static func formatBytes(_ n: Int) -> String {
        n >= 1024 * 1024 ? String(format: "%.1f MiB", Double(n) / 1048576) : "\(n / 1024) KiB"
    }

    static func location(ofByte offset: Int, in bytes: [UInt8]) -> SourceLocation {
        var line = 1, lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0a { line += 1; lineStart = i + 1 }
        return SourceLocation(line: line, column: offset - lineStart + 1)
    }

    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            let len: Int
            if b < 0x80 { i += 1; continue }
            else if b & 0xE0 == 0xC0, b >= 0xC2 { len = 2 }
            else if b & 0xF0 == 0xE0 { len = 3 }
            else if b & 0xF8 == 0xF0, b <= 0xF4 { len = 4 }
            else { return i }
            if i + len > n { return i }
            for k in 1..<len where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += len
        }
        return nil
    }

    static func isBlankOrOnlyComments(_ bytes: [UInt8]) -> Bool {
        var inComment = false
        for b in bytes {
            if b == 0x0a { inComment = false; continue }
            if inComment || b == 0x20 || b == 0x09 || b == 0x0d { continue }
            if b == UInt8(ascii: "#") { inComment = true; continue }
            return false
        }
        return true
    }
}

/// Builds the tree from libyaml's event stream (the C library inside Yams).
private final class Composer {
    let bytes: [UInt8]
    var parser = yaml_parser_t()
    var anchors: [String: YAMLNode] = [:]
    var expanded = 0

    struct Failure: Error { let diagnostic: Diagnostic }

    init(bytes: [UInt8]) { self.bytes = bytes }

    func compose() -> Result<YAMLNode, Diagnostic> {
        yaml_set_max_nest_level(Int32(YAMLLimits.maxNesting))
        yaml_parser_initialize(&parser)
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buf -> Result<YAMLNode, Diagnostic> in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            do {
                _ = try next(expect: YAML_STREAM_START_EVENT)
                let docStart = try next()
                if docStart.type == YAML_STREAM_END_EVENT {
                    throw Failure(diagnostic: Diagnostic(.error, at: .start, "file is empty",
                        hint: "run `gpucluster init` to write a commented example"))
                }
                let root = try node(from: try next())
                _ = try next(expect: YAML_DOCUMENT_END_EVENT)
                let after = try next()
                if after.type == YAML_DOCUMENT_START_EVENT {
                    throw Failure(diagnostic: Diagnostic(.error, at: after.location,
                        "the file holds more than one YAML document (`---`)",
                        hint: "describe the whole cluster in one document"))
                }
                return .success(root)
            } catch let f as Failure {
                return .failure(f.diagnostic)
            } catch {
                return .failure(Diagnostic(.error, at: .start, "could not read YAML: \(error)"))
            }
        }
    }

    struct Event {
        var type: yaml_event_type_t
        var location: SourceLocation
        var anchor: String?
        var value: String = ""
        var quoted = false
    }

    private func next(expect: yaml_event_type_t? = nil) throws -> Event {
        var ev = yaml_event_t()
        guard yaml_parser_parse(&parser, &ev) == 1 else { throw Failure(diagnostic: parserError()) }
        defer { yaml_event_delete(&ev) }
        let loc = SourceLocation(line: Int(ev.start_mark.line) + 1, column: Int(ev.start_mark.column) + 1)
        var e = Event(type: ev.type, location: loc, anchor: nil)
        switch ev.type {
        case YAML_SCALAR_EVENT:
            e.anchor = ev.data.scalar.anchor.map { String(cString: $0) }
            if let v = ev.data.scalar.value {
                e.value = String(decoding: UnsafeBufferPointer(start: v, count: Int(ev.data.scalar.length)), as: UTF8.self)
            }
            e.quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE
        case YAML_SEQUENCE_START_EVENT:
            e.anchor = ev.data.sequence_start.anchor.map { String(cString: $0) }
        case YAML_MAPPING_START_EVENT:
            e.anchor = ev.data.mapping_start.anchor.map { String(cString: $0) }
        case YAML_ALIAS_EVENT:
            e.anchor = ev.data.alias.anchor.map { String(cString: $0) }
        default: break
        }
        if let expect, e.type != expect {
            throw Failure(diagnostic: Diagnostic(.error, at: loc, "unexpected YAML structure here"))
        }
        return e
    }

    private func parserError() -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { String(cString: $0) }
        let mark = parser.problem_mark
        var loc = SourceLocation(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        var hint: String? = nil
        // libyaml may notice a problem after the last line (a truncated file): point at the end.
        let lineCount = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).count
        if loc.line > lineCount, lineCount > 0 {
            loc = SourceLocation(line: lineCount, column: sourceLine(lineCount).unicodeScalars.count + 1)
        }
        let lineText = sourceLine(loc.line)
        if problem.contains("cannot start any token"), lineText.contains("\t") {
            hint = "YAML does not allow tabs for indentation; indent with spaces"
            if let tab = lineText.firstIndex(of: "\t") {
                loc.column = lineText.distance(from: lineText.startIndex, to: tab) + 1
            }
        } else if problem.contains("max depth") || problem.contains("nest") {
            hint = "the spec never nests deeper than a few levels"
        } else if problem.contains("could not find expected ':'") || problem.contains("mapping values are not allowed") {
            hint = "check the indentation and that each key is followed by ': '"
        } else if problem.contains("did not find expected") || problem.contains("end of the stream") {
            hint = "the file may be truncated, or a bracket or quote is not closed"
        }
        let message = context.map { "\(problem) \($0)" } ?? problem
        return Diagnostic(.error, at: loc, "YAML syntax error: \(message)", hint: hint)
    }

    private func sourceLine(_ line: Int) -> String {
        var current = 1, start = 0
        if line > 1 {
            for (i, b) in bytes.enumerated() where b == 0x0a {
                current += 1
                if current == line { start = i + 1; break }
            }
        }
        guard current == line, start <= bytes.count else { return "" }
        let end = bytes[start...].firstIndex(of: 0x0a) ?? bytes.count
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    private func count(_ n: Int, at loc: SourceLocation) throws {
        expanded = expanded &+ n
        if n < 0 || expanded > YAMLLimits.maxExpandedNodes || expanded < 0 {
            throw Failure(diagnostic: Diagnostic(.error, at: loc,
                "aliases expand to more than \(YAMLLimits.maxExpandedNodes) nodes: refusing a possible YAML bomb",
                hint: "a cluster spec needs few or no anchors (`&`) and aliases (`*`)"))
        }
    }

    private func node(from e: Event) throws -> YAMLNode {
        switch e.type {
        case YAML_SCALAR_EVENT:
            try count(1, at: e.location)
            let n = YAMLNode(.scalar(e.value, quoted: e.quoted), at: e.location)
            if let a = e.anchor { anchors[a] = n }
            return n
        case YAML_ALIAS_EVENT:
            guard let name = e.anchor, var target = anchors[name] else {
                throw Failure(diagnostic: Diagnostic(.error, at: e.location,
                    "alias `*\(e.anchor ?? "")` refers to no anchor defined before it"))
            }
            try count(target.expandedSize, at: e.location)
            target.location = e.location
            return target
        case YAML_SEQUENCE_START_EVENT:
            var items: [YAMLNode] = []
            var size = 1
            while true {
                let ev = try next()
                if ev.type == YAML_SEQUENCE_END_EVENT { break }
                let child = try node(from: ev)
                size = size &+ child.expandedSize
                items.append(child)
            }
            try count(1, at: e.location)
            let n = YAMLNode(.sequence(items), at: e.location, expandedSize: max(size, 0))
            if let a = e.anchor { anchors[a] = n }
            return n
        case YAML_MAPPING_START_EVENT:
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var seen: [String: SourceLocation] = [:]
            var merged: [(key: YAMLNode, value: YAMLNode)] = []
            var size = 1
            while true {
                let kev = try next()
                if kev.type == YAML_MAPPING_END_EVENT { break }
                let key = try node(from: kev)
                let value = try node(from: try next())
                size = size &+ key.expandedSize &+ value.expandedSize
                if let k = key.scalar, !key.isQuoted, k == "<<" {
                    // Merge key: `<<: *defaults`; keys written here win over merged ones.
                    let sources: [YAMLNode]
                    if case .sequence(let list) = value.kind { sources = list } else { sources = [value] }
                    for src in sources {
                        guard case .mapping(let mp) = src.kind else {
                            throw Failure(diagnostic: Diagnostic(.error, at: value.location,
                                "a merge key (`<<`) must refer to a mapping"))
                        }
                        merged.append(contentsOf: mp)
                    }
                    continue
                }
                if let k = key.scalar {
                    if let first = seen[k] {
                        throw Failure(diagnostic: Diagnostic(.error, at: key.location,
                            "duplicate key '\(k)' (first defined at line \(first.line), column \(first.column))",
                            hint: "YAML keeps only one of them; remove or rename one"))
                    }
                    seen[k] = key.location
                }
                pairs.append((key, value))
            }
            for (k, v) in merged {
                if let ks = k.scalar {
                    if seen[ks] != nil { continue }
                    seen[ks] = k.location
                }
                pairs.append((k, v))
            }
            try count(1, at: e.location)
            let n = YAMLNode(.mapping(pairs), at: e.location, expandedSize: max(size, 0))
            if let a = e.anchor { anchors[a] = n }
            return n
        default:
            throw Failure(diagnostic: Diagnostic(.error, at: e.location, "unexpected YAML structure here"))
        }
    }
}
