import ArgumentParser
import Spec
import Foundation

/// Loading a spec file and reporting its problems, shared by every command that reads one.
struct SpecInput {
    let path: String
    let loaded: LoadedSpec
    let source: [Substring]

    static func load(_ path: String) throws -> SpecInput {
        let bytes: [UInt8]
        do {
            bytes = try SpecLoader.readFile(path)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let loaded = SpecLoader.load(bytes: bytes)
        let text = bytes.count <= YAMLLimits.maxFileBytes ? String(decoding: bytes, as: UTF8.self) : ""
        return SpecInput(path: path, loaded: loaded, source: text.split(separator: "\n", omittingEmptySubsequences: false))
    }

    /// Prints every diagnostic compiler-style to stderr and a summary line; returns false on errors.
    @discardableResult
    func report(quietWhenClean: Bool = false) -> Bool {
        let ds = loaded.diagnostics
        for d in ds { printError(d.formatted(file: path, source: source)) }
        let errors = ds.filter { $0.severity == .error }.count
        let warnings = ds.count - errors
        if errors > 0 || warnings > 0 || !quietWhenClean {
            printError("\(path): \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        }
        return loaded.isValid
    }
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
