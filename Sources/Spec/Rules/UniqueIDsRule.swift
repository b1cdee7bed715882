/// NFS maps files by number, so every uid/gid must mean the same person on every machine.
struct UniqueIDsRule: ValidationRule {
    let name = "unique-ids"
    let summary = "uids and gids are unique, outside Debian's system ranges for people"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        var uids: [Int: String] = [:], gids: [Int: String] = [:]
        for u in c.spec.users {
            let who = u.name.value
            if u.uid.value < 1000 || u.uid.value >= 60000 {
                d.error(u.uid.at, "user \(who): uid \(u.uid.value) is in Debian's system range",
                        hint: "people get uids from 1000 to 59999 (Debian's policy); e.g. 2001")
            }
            if u.gidWritten, u.gid.value < 1000 || u.gid.value >= 60000 {
                d.error(u.gid.at, "user \(who): gid \(u.gid.value) is in Debian's system range",
                        hint: "use a gid from 1000 to 59999, usually the same as the uid")
            }
            if let other = uids[u.uid.value] {
                d.error(u.uid.at, "uid \(u.uid.value) of user \(who) is already used by \(other)",
                        hint: "with NFS, two accounts with one uid can read each other's files")
            } else { uids[u.uid.value] = who }
            if let other = gids[u.gid.value] {
                // A defaulted gid repeats the uid: its clash was just reported as a uid clash.
                if u.gidWritten || uids[u.uid.value] == who {
                    d.error(u.gid.at, "gid \(u.gid.value) of user \(who) is already the group of \(other)",
                            hint: "each user gets a personal group; give it a gid of its own")
                }
            } else { gids[u.gid.value] = who }
        }
        for a in c.spec.serviceAccounts {
            if !(100...999).contains(a.uid.value) {
                d.error(a.uid.at, "service account \(a.name.value): uid \(a.uid.value) is outside the system range 100–999",
                        hint: "service accounts are system users on Debian")
            }
            if let other = uids[a.uid.value] {
                d.error(a.uid.at, "uid \(a.uid.value) of service account \(a.name.value) is already used by \(other)")
            } else { uids[a.uid.value] = a.name.value }
        }
    }
}
