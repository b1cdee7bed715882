/// One check over a decoded spec. Adding a check is adding a file with a type conforming to
/// this protocol and listing it in `ValidationRules.all`.
public protocol ValidationRule: Sendable {
    /// Short stable name, shown by `validate --list-rules`.
    var name: String { get }
    var summary: String { get }
    func check(_ context: RuleContext, _ d: inout Diagnostics)
}

public struct RuleContext: Sendable {
    public let spec: ClusterSpec
    /// The raw tree, for checks that look at every value (e.g. inline secrets).
    public let root: YAMLNode
}

public enum ValidationRules {
    public static let all: [any ValidationRule] = [
        ClusterNameRule(),
        NetworksRule(),
        HostNamesRule(),
        HostAddressesRule(),
        BastionRule(),
        RolePresenceRule(),
        UserNamesRule(),
        UniqueIDsRule(),
        AdminsRule(),
        LoginKeysRule(),
        ServiceReferencesRule(),
        InsideOnlyRule(),
        AdminLockoutRule(),
        BackupRule(),
        BackupIsolationRule(),
        SudoCommandsRule(),
        NFSExportsRule(),
        LoggingRule(),
        MonitoringRule(),
        GPUCountRule(),
        InlineSecretsRule(),
        FreeTextRule(),
        SSHPolicyRule(),
        UpdatesRule(), GPUStackRule(),
        ProjectsRule(),
    ]
}

extension String {
    /// POSIX portable user/group name, as useradd accepts it on Debian.
    var isPortableAccountName: Bool {
        guard let f = first, f == "_" || ("a"..."z").contains(f), count <= 32 else { return false }
        return allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }
    /// RFC 1123 host label.
    var isHostLabel: Bool {
        guard !isEmpty, count <= 63, first != "-", last != "-" else { return false }
        return allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }
}
