import HostSystem
import Foundation

/// How Ansible talks to the hosts. Mitogen's `mitogen_linear` keeps one Python interpreter per
/// host for the whole run instead of shipping each module over a new SSH command: the same
/// tasks and results in about half the time (BENCHMARKS.md, lab). `linear` is Ansible's own,
/// the escape hatch.
public enum ConnectionStrategy: String, Sendable, CaseIterable {
    /// Mitogen when it is installed beside ansible-playbook, else linear (saying so).
    case auto, mitogen, linear

    /// Mitogen's strategy plugins folder, from the Python that runs `ansiblePlaybook` (its
    /// shebang), or nil when Mitogen is not installed there.
    public static func mitogenPlugins(ansiblePlaybook: String) -> String? {
        guard let head = SmallFile.text(ansiblePlaybook, max: 4096)?.split(separator: "\n").first, head.hasPrefix("#!") else { return nil }
        let words = head.dropFirst(2).split(separator: " ").map(String.init)
        guard let interpreter = words.first, interpreter.hasPrefix("/") else { return nil }
        let args = Array(words.dropFirst()) + ["-c", "import ansible_mitogen, os; print(os.path.dirname(ansible_mitogen.__file__))"]
        guard let r = try? CommandRunner.run(interpreter, args, timeout: .seconds(30)), r.succeeded else { return nil }
        let dir = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/plugins/strategy"
        return FileManager.default.fileExists(atPath: dir + "/mitogen_linear.py") ? dir : nil
    }

    /// The environment that selects the strategy, and a note for the admin (nil: nothing to say).
    public func environment(ansiblePlaybook: String) throws -> (env: [String: String], note: String?) {
        switch self {
        case .linear: return (["ANSIBLE_STRATEGY": "linear"], nil)
        case .mitogen, .auto:
            guard let dir = Self.mitogenPlugins(ansiblePlaybook: ansiblePlaybook) else {
                let why = "Mitogen is not installed beside \(ansiblePlaybook) (pip install -r requirements.txt)"
                if self == .mitogen { throw StrategyError(message: why) }
                return (["ANSIBLE_STRATEGY": "linear"], "\(why): using Ansible's linear strategy")
            }
            return (["ANSIBLE_STRATEGY_PLUGINS": dir, "ANSIBLE_STRATEGY": "mitogen_linear"], nil)
        }
    }

    public struct StrategyError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }
}
