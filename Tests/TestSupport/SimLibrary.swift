import Foundation

/// The simulated libnvidia-ml.so.1, built once per test process with scripts/build-simnvml.
/// `instance(_:)` gives each test its own copy with its own scenario.txt beside it, so tests
/// that load the library into this process do not share GPUs.
public enum SimLibrary {
    public struct BuildError: Error, CustomStringConvertible { public let description: String }

    private static let built: Result<String, BuildError> = {
        // scripts/test builds it once before the tests run (no process spawning inside tests).
        if let prebuilt = ProcessInfo.processInfo.environment["GPUCLUSTER_SIMNVML_DIR"],
           FileManager.default.fileExists(atPath: prebuilt + "/libnvidia-ml.so.1") {
            return .success(prebuilt)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpucluster-simnvml-\(getpid())").path
        do {
            let r = try Tools.run(Repo.path("scripts/build-simnvml"), [dir], timeout: 120)
            guard r.status == 0 else { return .failure(BuildError(description: "build-simnvml failed: \(r.error)")) }
        } catch {
            return .failure(BuildError(description: "cannot run build-simnvml: \(error)"))
        }
        return .success(dir)
    }()

    /// Directory holding libnvidia-ml.so.1 (for LD_LIBRARY_PATH).
    public static func directory() throws -> String { try built.get() }

    /// A private copy: returns (library path, scenario path).
    public static func instance(_ scenarioText: String) throws -> (library: String, scenario: String) {
        let src = try directory() + "/libnvidia-ml.so.1"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpucluster-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let lib = dir.appendingPathComponent("libnvidia-ml.so.1").path
        try FileManager.default.copyItem(atPath: src, toPath: lib)
        let scenario = dir.appendingPathComponent("scenario.txt").path
        try scenarioText.write(toFile: scenario, atomically: true, encoding: .utf8)
        return (lib, scenario)
    }
}

/// Real processes for the simulated GPUs to report (clients like gpustat look each pid up).
public final class SleepingProcesses: @unchecked Sendable {
    public let processes: [Spawned]
    public var pids: [Int32] { processes.map(\.pid) }

    public init(count: Int, name: String = "/bin/sleep") throws {
        processes = try (0..<count).map { _ in try Spawned(name, ["600"]) }
    }

    public func stop() { for p in processes { p.stop() } }
    deinit { stop() }
}

/// Where the shared fixtures are: `../shared` beside the repository (CI lays it there too).
public enum Fixtures {
    public static let nvidiaSMI: String = Repo.root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/nvidia-smi").path
    public static func text(_ name: String) throws -> String {
        try String(contentsOfFile: nvidiaSMI + "/" + name, encoding: .utf8)
    }
    public static func all() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: nvidiaSMI)) ?? []).filter { !$0.hasSuffix(".md") }.sorted()
    }
}
