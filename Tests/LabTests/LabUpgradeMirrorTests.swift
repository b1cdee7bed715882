@testable import Lab
import Testing

/// The upgrade mirror's paths come from apt's output: only the two Debian hosts' pool and
/// dists paths are laid out, nothing that climbs out of the tree.
@Suite("Lab upgrade mirror paths")
struct LabUpgradeMirrorTests {
    @Test("apt's URLs and list names map into the tree; other hosts, .. and odd names are dropped")
    func paths() {
        #expect(LabUpgradeMirror.mirrorPath(url: "http://deb.debian.org/debian/pool/main/libz/libzstd/libzstd1_1.5.7%2bdfsg-1_amd64.deb")
                == "debian/pool/main/libz/libzstd/libzstd1_1.5.7+dfsg-1_amd64.deb")
        #expect(LabUpgradeMirror.mirrorPath(url: "http://evil.example/debian/pool/x.deb") == nil)
        #expect(LabUpgradeMirror.mirrorPath(url: "http://deb.debian.org/debian/../../etc/passwd") == nil)
        #expect(LabUpgradeMirror.mirrorPath(url: "http://deb.debian.org/debian/pool/%2e%2e/%2e%2e/x") == nil)
        #expect(LabUpgradeMirror.mirrorPath(url: "http://deb.debian.org/etc/passwd") == nil)
        #expect(LabUpgradeMirror.listPath("deb.debian.org_debian_dists_trixie_InRelease") == "debian/dists/trixie/InRelease")
        #expect(LabUpgradeMirror.listPath("security.debian.org_debian-security_dists_trixie-security_main_binary-amd64_Packages")
                == "debian-security/dists/trixie-security/main/binary-amd64/Packages")
        #expect(LabUpgradeMirror.listPath("deb.debian.org_debian_dists_.._.._etc") == nil)
        #expect(LabUpgradeMirror.listPath("evil.example_debian_dists_x") == nil)
    }
}
