#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// The state file the backup job writes after each run (docs/backup-state.md), read by the
/// agent on the backup server. Unknown keys are ignored, so the format can grow.
public struct BackupStatus: Sendable, Codable, Equatable {
    public var version: Int
    /// Unix seconds.
    public var lastRunStart: Double?
    public var lastRunEnd: Double?
    public var lastSuccess: Double?
    /// rsync's exit code for the last run (0, or 24 "vanished files" which is still a success).
    public var exitCode: Int?
    /// The last verification (checksum itemization), when one ran.
    public var lastVerify: Double?
    public var verifyOK: Bool?
    public var verifyMismatches: Int?
    /// `verify --sample 1/N`: N, the slice checked last, and per slice the Unix time of its
    /// last check that found nothing wrong (0: not yet, or it found something). A full
    /// verification sets every slice.
    public var verifySlices: Int?
    public var verifySliceIndex: Int?
    public var verifySliceOK: [Double]?
    /// Files the last verification checked by checksum, of those in the snapshot (a sample
    /// checks its share; a full verification leaves these unset).
    public var verifyFilesChecked: Int?
    public var verifyFilesTotal: Int?
    public var bytesTransferred: Double?
    public var snapshots: Int?
    public var message: String?

    public init(version: Int = 1) { self.version = version }

    public static let maxFileBytes = 64 * 1024
    /// Unix seconds up to the year 10,000; slices of `verify --sample 1/N` up to N = 366.
    public static let maxTime: Double = 253_402_300_800
    public static let maxSlices = 366

    /// Reads a state file another program wrote: bounded, and every failure is a message.
    public static func read(path: String) -> Result<BackupStatus, StatusError> {
        switch SmallFile.read(path, max: maxFileBytes) {
        case .success(let data): return decode(data, source: path)
        case .failure(.missing): return .failure(StatusError(message: "\(path): no backup has run yet (file missing)"))
        case .failure(.tooLarge): return .failure(StatusError(message: "\(path): unreadable or larger than 64 KiB"))
        case .failure(.unreadable(let why)): return .failure(StatusError(message: "\(path): \(why)"))
        }
    }

    /// What a state file may hold: its size is bounded before this is called.
    public static func decode(_ data: Data, source path: String) -> Result<BackupStatus, StatusError> {
        do {
            let s = try JSONDecoder().decode(BackupStatus.self, from: data)
            guard s.version == 1 else { return .failure(StatusError(message: "\(path): unknown version \(s.version)")) }
            // Times become Ints where they are shown: out of range they would trap there.
            let times = [s.lastRunStart, s.lastRunEnd, s.lastSuccess, s.lastVerify].compactMap { $0 } + (s.verifySliceOK ?? [])
            guard times.allSatisfy({ $0.isFinite && (0...Self.maxTime).contains($0) }) else {
                return .failure(StatusError(message: "\(path): a time outside 0 … \(Int(Self.maxTime))"))
            }
            guard (s.verifySliceOK?.count ?? 0) <= Self.maxSlices else {
                return .failure(StatusError(message: "\(path): more than \(Self.maxSlices) verification slices"))
            }
            return .success(s)
        } catch {
            return .failure(StatusError(message: "\(path): not a backup state file (\(error))"))
        }
    }

    public struct StatusError: Error, Sendable { public let message: String }
}
