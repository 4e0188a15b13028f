import Foundation

/// A private PostgreSQL server for one test: Debian's `initdb` and `postgres` (from /usr/lib/postgresql/*/bin),
/// a data folder in a temp dir, listening on 127.0.0.1 on a free port (and a Unix socket in the same temp dir),
/// trust authentication for the user `vigil`, database `vigil`.
///
/// initdb refuses to run as root, so when the tests run as root (as CI does) the temp dir is given to the
/// `postgres` system user and every server command runs through `runuser -u postgres --`. Each command is bounded
/// in time; the server is stopped by the PID in its `postmaster.pid` (SIGINT: PostgreSQL's fast shutdown), and
/// ``stop()`` waits, bounded, until that process is gone.
final class PostgresServer: @unchecked Sendable {
    let directory: URL
    let port: Int
    let user = "vigil"
    let database = "vigil"
    private let bin: String
    private var dataDirectory: String { directory.appendingPathComponent("data").path }
    private var logFile: String { directory.appendingPathComponent("postgres.log").path }

    /// `postgres://vigil@127.0.0.1:PORT/vigil`
    var url: String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// Creates the cluster and starts the server.
    init() throws {
        bin = try Self.binDirectory()
        directory = try Harness.tempDirectory("vigil-pg")
        port = try Harness.freePort()
        if getuid() == 0 {
            try Self.check(Harness.run("/bin/chown", ["-R", "postgres:postgres", directory.path]), "chown")
        }
        try Self.check(asOwner("\(bin)/initdb", ["-D", dataDirectory, "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]), "initdb")
        try start()
        try Self.check(asOwner("\(bin)/createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", user, database]), "createdb")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts (or restarts) the server on the same port and data; returns when it accepts connections (≤ 30 s).
    func start() throws {
        let options = "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory.path) -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        try Self.check(asOwner("\(bin)/pg_ctl", ["start", "-w", "-t", "30", "-D", dataDirectory, "-l", logFile, "-o", options]), "pg_ctl start")
    }

    /// The server's PID (from postmaster.pid), while it runs.
    var pid: pid_t? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first, let pid = pid_t(first) else { return nil }
        return kill(pid, 0) == 0 ? pid : nil
    }

    /// Fast shutdown by PID (open connections are closed); waits up to 30 s for the process to end.
    func stop() {
        guard let pid else { return }
        kill(pid, SIGINT)
        let deadline = Date().addingTimeInterval(30)
        while kill(pid, 0) == 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
    }

    /// Runs SQL with psql (as the test's user, over TCP) and returns its unaligned output.
    func psql(_ sql: String) throws -> String {
        let r = try Harness.run("\(bin)/psql", ["-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database,
                                               "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard r.status == 0 else { throw HarnessError("psql failed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server's log (for failure messages).
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// Runs a server command with its output in a file, not a pipe (`pg_ctl start` leaves the server running, and
    /// the server would hold a pipe's write end open), through posix_spawn and waitpid: Foundation's Process does not
    /// reliably reap a child when waited for from an async test.
    private func asOwner(_ path: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let out = directory.appendingPathComponent("command.out").path
        FileManager.default.createFile(atPath: out, contents: nil)
        if getuid() == 0 { _ = chown(out, Self.postgresUID, Self.postgresGID) }
        let argv = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", "/usr/bin/timeout", "60", path] + arguments
                                 : ["/usr/bin/timeout", "60", path] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard rc == 0 else { throw HarnessError("posix_spawn \(argv[0]) failed: \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exited, "", (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    private static let postgresUID: uid_t = getpwnam("postgres")?.pointee.pw_uid ?? 0
    private static let postgresGID: gid_t = getpwnam("postgres")?.pointee.pw_gid ?? 0

    private static func check(_ r: (status: Int32, stdout: String, stderr: String), _ what: String) throws {
        guard r.status == 0 else { throw HarnessError("\(what) failed (\(r.status)): \(r.stderr)\(r.stdout)") }
    }

    /// Debian's PostgreSQL binaries, newest major version first (`make test` installs the `postgresql` package).
    static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        for v in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/initdb") {
            return "\(root)/\(v)/bin"
        }
        throw HarnessError("PostgreSQL is not installed (\(root)/*/bin/initdb): apt-get install postgresql (make test does)")
    }
}
