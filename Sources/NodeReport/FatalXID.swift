/// XIDs after which a GPU needs attention before it takes new work (NVIDIA's XID catalogue:
/// double-bit ECC, row-remap failures, NVLink errors, fallen off the bus, contained/uncontained
/// memory errors).
public enum FatalXID {
    public static let catalogue: [UInt64: String] = [
        48: "double-bit ECC error", 63: "row remapping event", 64: "row remapping failure",
        74: "NVLink error", 79: "fallen off the bus", 92: "high single-bit ECC rate",
        94: "contained memory error", 95: "uncontained memory error",
    ]

    /// The codes in ascending order, as a PromQL regular expression (`48|63|…`).
    public static var promQLPattern: String {
        catalogue.keys.sorted().map(String.init).joined(separator: "|")
    }
}
