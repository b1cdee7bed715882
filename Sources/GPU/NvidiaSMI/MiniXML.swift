/// Just enough XML for `nvidia-smi -q -x`: elements, text, attributes ignored; the XML
/// declaration, DOCTYPE and comments skipped; the five predefined entities decoded.
/// (Foundation's XMLParser would pull libxml2 into the static agent binary.)
public final class XMLElement: @unchecked Sendable {
    public let name: String
    public var text = ""
    public var children: [XMLElement] = []
    init(name: String) { self.name = name }

    public func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    public func all(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }
    /// `path("fb_memory_usage", "total")`
    public func path(_ names: String...) -> XMLElement? {
        var e: XMLElement? = self
        for n in names { e = e?.child(n) }
        return e
    }
    public func value(_ names: String...) -> String? {
        var e: XMLElement? = self
        for n in names { e = e?.child(n) }
        return e.map { $0.text.trimmed() }
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

public enum MiniXML {
    public struct ParseError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public static func parse(_ text: String) throws -> XMLElement {
        let s = Array(text.utf8)
        var i = 0
        let root = XMLElement(name: "#document")
        var stack = [root]
        func startsWith(_ p: String) -> Bool {
            let b = Array(p.utf8)
            return i + b.count <= s.count && Array(s[i..<i + b.count]) == b
        }
        func skip(past end: String) throws {
            let b = Array(end.utf8)
            while i + b.count <= s.count {
                if Array(s[i..<i + b.count]) == b { i += b.count; return }
                i += 1
            }
            throw ParseError(message: "unterminated markup (expected \(end))")
        }
        while i < s.count {
            if s[i] == UInt8(ascii: "<") {
                if startsWith("<?") { try skip(past: "?>"); continue }
                if startsWith("<!--") { try skip(past: "-->"); continue }
                if startsWith("<!") {
                    // DOCTYPE, possibly with an internal subset in [ ].
                    var depth = 0
                    while i < s.count {
                        if s[i] == UInt8(ascii: "[") { depth += 1 }
                        if s[i] == UInt8(ascii: "]") { depth -= 1 }
                        if s[i] == UInt8(ascii: ">") && depth <= 0 { break }
                        i += 1
                    }
                    i += 1
                    continue
                }
                let closing = i + 1 < s.count && s[i + 1] == UInt8(ascii: "/")
                var j = i + (closing ? 2 : 1)
                let nameStart = j
                while j < s.count, !" \t\r\n/>".utf8.contains(s[j]) { j += 1 }
                let name = String(decoding: s[nameStart..<j], as: UTF8.self)
                while j < s.count, s[j] != UInt8(ascii: ">") { j += 1 }
                guard j < s.count else { throw ParseError(message: "unterminated tag <\(name)") }
                let selfClosing = s[j - 1] == UInt8(ascii: "/")
                i = j + 1
                if closing {
                    guard stack.count > 1, stack.last?.name == name else {
                        throw ParseError(message: "unexpected </\(name)>")
                    }
                    stack.removeLast()
                } else {
                    let e = XMLElement(name: name)
                    stack.last?.children.append(e)
                    if !selfClosing {
                        guard stack.count < 64 else { throw ParseError(message: "elements nested too deeply") }
                        stack.append(e)
                    }
                }
            } else {
                var j = i
                while j < s.count, s[j] != UInt8(ascii: "<") { j += 1 }
                stack.last?.text += decodeEntities(String(decoding: s[i..<j], as: UTF8.self))
                i = j
            }
        }
        guard stack.count == 1 else { throw ParseError(message: "document ends inside <\(stack.last?.name ?? "")>") }
        return root
    }

    static func decodeEntities(_ t: String) -> String {
        guard t.contains("&") else { return t }
        return t.replacing("&lt;", with: "<").replacing("&gt;", with: ">")
            .replacing("&quot;", with: "\"").replacing("&apos;", with: "'")
            .replacing("&amp;", with: "&")
    }
}
