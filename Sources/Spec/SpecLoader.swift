import Foundation

/// Reads and checks a spec: YAML → tree → `ClusterSpec` → every validation rule.
public struct LoadedSpec: Sendable {
    /// nil when the file could not be read or decoded far enough to build a model.
    public var spec: ClusterSpec?
    public var diagnostics: [Diagnostic]
    public var isValid: Bool { spec != nil && !diagnostics.contains { $0.severity == .error } }
}

public enum SpecLoader {
    public static func load(bytes: [UInt8]) -> LoadedSpec {
        let root: YAMLNode
        switch YAMLReader.read(bytes: bytes) {
        case .failure(let d): return LoadedSpec(spec: nil, diagnostics: [d])
        case .success(let r): root = r
        }
        var decoder = SpecDecoder()
        let spec = decoder.decode(root)
        var diags = decoder.r.diagnostics
        if let spec {
            let context = RuleContext(spec: spec, root: root)
            for rule in ValidationRules.all { rule.check(context, &diags) }
        }
        return LoadedSpec(spec: spec, diagnostics: dedupe(diags.sorted))
    }

    public static func load(text: String) -> LoadedSpec { load(bytes: Array(text.utf8)) }

    public enum FileError: Error, CustomStringConvertible {
        case unreadable(String, String)
        public var description: String {
            switch self { case .unreadable(let p, let why): return "\(p): error: cannot read the file: \(why)" }
        }
    }

    /// Reads at most one byte past the size limit, so a huge file costs nothing.
    public static func readFile(_ path: String) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else {
            let why = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw FileError.unreadable(path, why)
        }
        defer { try? h.close() }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw FileError.unreadable(path, "it is a directory")
        }
        do {
            let data = try h.read(upToCount: YAMLLimits.maxFileBytes + 1) ?? Data()
            return [UInt8](data)
        } catch {
            throw FileError.unreadable(path, "\(error)")
        }
    }

    private static func dedupe(_ ds: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        return ds.filter { seen.insert($0).inserted }
    }
}
