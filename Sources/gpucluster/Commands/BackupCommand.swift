import ArgumentParser
import Backup
import HostSystem
import Foundation

/// `gpucluster backup …`, on the backup server (the backup role installs a timer for `run`
/// and one for `verify`). Exit codes: 0 ok, 1 error, 2 verification found differences.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Pull hard-linked snapshots from the source, verify them by checksum, list, restore.",
        discussion: """
        Runs on the backup server, which pulls over ssh (the source holds no key to it) as a
        service account whose sudo allows exactly three rsync commands (pull, verify, re-check).
        Each outcome goes to the state file the agent reports (gpucluster_backup_*), and stale
        or failed backups alert.
        """,
        subcommands: [Run.self, Verify.self, List.self, Restore.self])

    struct Options: ParsableArguments {
        @Option(help: "The backup config (written by the backup role).") var config = BackupConfig.defaultPath
        /// Rehearsals and benchmarks only: a week of daily runs in minutes (retention keeps one
        /// snapshot per day, so runs on one real day would fold into one).
        @Option(help: ArgumentHelp("Take this Unix time as now.", visibility: .hidden)) var now: Int?

        /// The job, with rsync ended with us (it runs in its own process group, which a
        /// terminal's Ctrl-C would not reach) and a word when it waits for another run.
        func job() throws -> BackupJob {
            CommandRunner.endChildrenOnSignals()
            let fixed = now
            let clock: @Sendable () -> Int = { fixed ?? Int(time(nil)) }
            return BackupJob(config: try load(), now: clock,
                             waiting: { printError("waiting for the backup run or verification in progress …") })
        }

        func progress(_ verb: String) -> (BackupJob.Progress) -> Void {
            BackupReport.progress(verb: verb, interactive: isatty(2) == 1) { FileHandle.standardError.write(Data($0.utf8)) }
        }

        func load() throws -> BackupConfig {
            do { return try BackupConfig.load(path: config) } catch {
                printError("gpucluster backup: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull a new snapshot, then drop those the keep: rules no longer keep.")
        @OptionGroup var options: Options

        func run() throws {
            let job = try options.job()
            let result: BackupJob.RunResult
            do { result = try job.run(progress: options.progress("pulling")) } catch {
                printError("gpucluster backup run: \(error)")
                throw ExitCode(1)
            }
            guard result.succeeded else {
                printError("gpucluster backup run: FAILED: \(result.message)")
                printError("(the partial copy is kept and continued by the next run; the last good snapshot is untouched)")
                throw ExitCode(1)
            }
            BackupReport.run(result).forEach { print($0) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare the newest snapshot with the source by checksum (copies nothing).",
            discussion: """
            rsync exits 0 even when checksums differ, so the verdict comes from its itemized
            output: a file whose content or size differs with the same time fails the check.
            Files changed on the source since the snapshot are counted, not failed.
            With --sample 1/N, one slice of the files (by folder) is checked, the next slice the
            next time: every file within N runs; `backup list` shows the coverage.
            """)
        @OptionGroup var options: Options
        @Option(help: "At most this many differing files are listed.") var show = 50
        @Option(help: "Check one slice of N (1/N, N from 2 to \(VerifySample.maxSlices)), the next one the next time.") var sample: String?

        func run() throws {
            var slices: Int?
            if let sample {
                guard let n = VerifySample.slices(sample) else {
                    printError("gpucluster backup verify: --sample takes 1/N with N from 2 to \(VerifySample.maxSlices), not '\(TerminalText.printable(sample))'")
                    throw ExitCode(1)
                }
                slices = n
            }
            let job = try options.job()
            let r: BackupJob.VerifyResult
            do { r = try job.verify(slices: slices, progress: options.progress("checking")) } catch {
                printError("gpucluster backup verify: \(error)")
                throw ExitCode(1)
            }
            guard r.message.isEmpty else {
                printError("gpucluster backup verify: could not verify \(r.snapshot): \(r.message)")
                throw ExitCode(1)
            }
            BackupReport.verify(r, show: show).forEach { print($0) }
            if !r.ok {
                printError("gpucluster backup verify: FAILED: \(r.findings.mismatched.count) file(s) differ in content or size with the same time")
                throw ExitCode(2)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Snapshots, why each is kept, and the last run and verification.")
        @OptionGroup var options: Options

        func run() throws {
            BackupReport.list(BackupJob(config: try options.load()).list(), now: Int(time(nil))).forEach { print($0) }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a path as it was in a snapshot into a new folder on this machine.",
            discussion: "The source cannot be written from the backup server (by design): copy the restored files back from here.")
        @OptionGroup var options: Options
        @Argument(help: "A snapshot name from `backup list`, or latest.") var snapshot: String
        @Argument(help: "An absolute path under a backed-up path, e.g. /home/alice/thesis.") var path: String
        @Option(help: "A new or empty folder to restore into.") var to: String
        @Flag(help: "Restore into a folder that is not empty: files of the same name are replaced, nothing is deleted.") var force = false

        func run() throws {
            let job = try options.job()
            do {
                let code = try job.restore(snapshot: snapshot, path: path, to: to, force: force)
                guard code == 0 else {
                    printError("gpucluster backup restore: rsync exit \(code)")
                    throw ExitCode(1)
                }
                print("restored \(BackupConfig.printable(path)) into \(BackupConfig.printable(to))")
            } catch let e as BackupError {
                printError("gpucluster backup restore: \(e)")
                throw ExitCode(1)
            }
        }
    }
}
