import Foundation

/// Paths in the repository, found from this file's location (tests run from any directory).
public enum Repo {
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
    public static func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relative)))
    }
}
