import Testing
@testable import Spec

@Suite("Addresses, schedules and suggestions")
struct ValueParsingTests {
    @Test func ipv4() {
        #expect(IPv4("10.10.0.1")?.description == "10.10.0.1")
        for bad in ["10.10.0", "10.10.0.256", "10.010.0.1", "a.b.c.d", "", "1.2.3.4.5", "1..2.3"] {
            #expect(IPv4(bad) == nil, "\(bad)")
        }
    }

    @Test func cidr() throws {
        let c = try #require(CIDR("10.10.0.0/24"))
        #expect(c.contains(try #require(IPv4("10.10.0.200"))))
        #expect(!c.contains(try #require(IPv4("10.10.1.1"))))
        #expect(c.overlaps(try #require(CIDR("10.10.0.128/25"))))
        #expect(!c.overlaps(try #require(CIDR("10.10.1.0/24"))))
        #expect(try #require(CIDR("10.10.0.5/24")).hasHostBits)
        #expect(CIDR("10.10.0.0/33") == nil)
        #expect(CIDR("10.10.0.0") == nil)
    }

    @Test func schedules() throws {
        let daily = try Schedule.parse("daily 01:30").get()
        #expect(daily.onCalendar == "*-*-* 01:30:00")
        let weekly = try Schedule.parse("weekly sun 03").get()
        #expect(weekly.smartdPattern(testType: "L") == "L/../../7/03")
        #expect(try Schedule.parse("monthly 1 04:00").get().smartdPattern(testType: "L") == "L/../01/./04")
        for bad in ["every night", "daily 25", "daily 1:60", "weekly funday 03", "monthly 31 02", "daily"] {
            #expect(throws: Schedule.ParseError.self, "\(bad)") { try Schedule.parse(bad).get() }
        }
    }

    @Test func suggestions() {
        #expect(Suggest.closest(to: "hots", in: SpecKeys.top) == "hosts")
        #expect(Suggest.closest(to: "compue", in: Role.allCases.map(\.rawValue)) == "compute")
        #expect(Suggest.closest(to: "zzzzzz", in: ["hosts", "users"]) == nil)
    }
}
