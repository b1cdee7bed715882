/// One line of the audit's report: what was checked on which host, and how it went. A failure
/// says what the spec expected, what was found and how to fix it.
public struct Finding: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case pass, fail, skipped }
    public var host: String
    public var check: String
    /// What on the host: "22/tcp on 10.10.0.11", "password authentication".
    public var subject: String
    public var status: Status
    public var expected: String
    public var found: String
    /// How to fix it (failures), or why it was skipped.
    public var fix: String?

    public init(host: String, check: String, subject: String, status: Status, expected: String, found: String, fix: String? = nil) {
        self.host = host; self.check = check; self.subject = subject; self.status = status
        self.expected = expected; self.found = found; self.fix = fix
    }
}
