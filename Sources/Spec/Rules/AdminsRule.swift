struct AdminsRule: ValidationRule {
    let name = "admins"
    let summary = "admins are listed users; there is at least one"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let names = c.spec.users.map(\.name.value)
        for a in c.spec.admins where !names.contains(a.value) {
            d.error(a.at, "admin '\(Diagnostic.printable(a.value))' is not in users",
                    hint: Suggest.closest(to: a.value, in: names).map { "did you mean '\($0)'?" }
                        ?? "add a users entry for \(Diagnostic.printable(a.value)) with a uid and keys")
        }
        if c.spec.admins.isEmpty {
            d.warning(c.spec.section("users"), "no admins are listed: nobody gets sudo",
                      hint: "add admins: [NAME] for the people who run the cluster")
        }
    }
}
