import HostSystem

/// Live progress of a run, one line per task, handler and host that changed, failed or was
/// unreachable. Pure: it returns the lines and the caller writes them (stderr for `apply`).
public struct PlaybookProgress: Sendable {
    /// Tasks the run should start (`PlaybookRunner.countTasks`), nil when unknown.
    public let total: Int?
    let start: ContinuousClock.Instant
    let now: @Sendable () -> ContinuousClock.Instant

    public init(total: Int?, clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.total = total
        self.now = clock
        start = clock()
    }

    /// m:ss since the run began, so slow tasks stand out.
    var elapsed: String {
        let s = (now() - start).components.seconds
        return "\(s / 60):" + (s % 60 < 10 ? "0" : "") + "\(s % 60)"
    }

    /// "n of m" never runs past its own total: if the run starts more than was counted (a
    /// play's hosts added later, a `meta` task), the count alone is shown.
    func counter(_ started: Int) -> String {
        guard let total, started <= total else { return "\(started)" }
        return "\(started) of \(total)"
    }

    /// The lines an event adds (none for most host results).
    public func lines(_ e: AnsibleEvent, _ run: PlaybookRun) -> [String] {
        switch e {
        case .playStart(let name): return ["== \(TerminalText.printable(name))"]
        case .taskStart(let name) where PlaybookRun.isImplicit(name): return ["[facts, \(elapsed)] \(TerminalText.printable(name))"]
        case .taskStart(let name): return ["[\(counter(run.tasksStarted)), \(elapsed)] \(TerminalText.printable(name))"]
        case .handlerStart(let name): return ["[handler, \(elapsed)] \(TerminalText.printable(name))"]
        case .runnerStart: return []   // folded into a task or handler start before it gets here
        case .hostResult(let host, _, let outcome, let changed, let message, _):
            let h = TerminalText.printable(host)
            switch outcome {
            case .failed: return ["    \(h): FAILED \(TerminalText.printable(message ?? ""))"]
            case .unreachable: return ["    \(h): UNREACHABLE \(TerminalText.printable(message ?? ""))"]
            case .ok where changed: return ["    \(h): changed"]
            default: return []
            }
        case .stats: return []
        case .note(let host, let message): return ["    \(TerminalText.printable(host)): note: \(TerminalText.printable(message))"]
        }
    }
}
