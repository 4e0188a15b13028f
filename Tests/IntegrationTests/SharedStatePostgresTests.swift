import Foundation
import Logging
import Synchronization
import Testing
import VigilCore
import VigilPostgres
import VigilRuntime

/// Shared state against a real PostgreSQL (Debian's, started per test in a temp dir on 127.0.0.1): the schema
/// migration, the rollout store's transaction and fencing, two controllers deciding once, the label join across
/// store instances, TTL expiry, and a database restart in the middle of a stream.
@Suite(.serialized) struct SharedStatePostgresTests {
    static func open(_ server: PostgresServer, timeoutMillis: Int64 = 3_000) throws -> SharedDatabase {
        var c = try SharedStateConfiguration(url: server.url)
        c.tls = .disable
        c.timeoutMillis = timeoutMillis
        return try SharedDatabase(c, password: nil, logger: Logger(label: "test"))
    }

    static func migrated(_ server: PostgresServer) async throws -> SharedDatabase {
        let db = try open(server)
        _ = try await PostgresSchema.migrate(db)
        return db
    }

    @Test func migrationIsVersionedAndIdempotentAlsoWhenTwoRunAtOnce() async throws {
        let server = try PostgresServer()
        let a = try Self.open(server), b = try Self.open(server)
        defer { a.shutdown(); b.shutdown() }
        #expect(try await PostgresSchema.currentVersion(a) == 0)
        await #expect(throws: SharedStateError.self) { try await PostgresSchema.check(a) }

        async let first = PostgresSchema.migrate(a)
        async let second = PostgresSchema.migrate(b)
        let reports = try await [first, second]
        #expect(reports.map(\.to) == [PostgresSchema.targetVersion, PostgresSchema.targetVersion])
        #expect(reports.flatMap(\.applied).sorted() == PostgresSchema.migrations.map(\.version))

        let again = try await PostgresSchema.migrate(a)
        #expect(again.from == PostgresSchema.targetVersion && again.applied.isEmpty)
        try await PostgresSchema.check(a)
        #expect(try server.psql("SELECT count(*) FROM vigil_schema_migrations") == "\(PostgresSchema.migrations.count)")
        #expect(try server.psql("SELECT indexdef FROM pg_indexes WHERE indexname = 'vigil_pending_predictions_expiry'")
            .contains("(expires_at_ms)"))
    }

    @Test func theMigrateCommandSaysWhatItDidAndNeverPrintsThePassword() throws {
        let server = try PostgresServer()
        let dir = try Harness.tempDirectory("vigil-dbcmd")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Trust authentication ignores the password; the point is that it never reaches the output.
        let inline = server.url.replacingOccurrences(of: "vigil@", with: "vigil:hunter2secret@")
        let config = dir.appendingPathComponent("vigil.yaml")
        try "storage:\n  shared:\n    url: \(inline)\n    tls: {mode: disable}\n".write(to: config, atomically: true, encoding: .utf8)
        let vigil = try Harness.binary("vigil")
        let first = try Harness.run(vigil, ["db", "migrate", "--config", config.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("schema version 0 → \(PostgresSchema.targetVersion)"))
        #expect(first.stdout.contains("applied migration 1"))
        let second = try Harness.run(vigil, ["db", "migrate", "--config", config.path])
        #expect(second.status == 0 && second.stdout.contains("nothing to do"), "\(second.stdout)\(second.stderr)")
        #expect(!(first.stdout + first.stderr + second.stdout + second.stderr).contains("hunter2secret"))
        #expect(first.stdout.contains("vigil:***@127.0.0.1"))

        // The database gone: a clear error naming the URL without the password, exit status 1.
        server.stop()
        let down = try Harness.run(vigil, ["db", "migrate", "--config", config.path])
        #expect(down.status == 1)
        #expect(down.stderr.contains("PostgreSQL at postgres://vigil:***@127.0.0.1:\(server.port)/vigil"), "\(down.stderr)")
        #expect(!down.stderr.contains("hunter2secret"))

        // A bad URL is a configuration error with file:line:col.
        try "storage:\n  shared:\n    url: mysql://x@y/z\n".write(to: config, atomically: true, encoding: .utf8)
        let bad = try Harness.run(vigil, ["db", "migrate", "--config", config.path])
        #expect(bad.status == 1 && bad.stderr.contains("vigil.yaml:3:10: storage.shared.url: expected a postgres://"), "\(bad.stderr)")
    }

    /// Versions 1, 2, 3 of the `fraud` rollout (start, pause, resume), as the state machine makes them.
    static let history: [(snapshot: RolloutSnapshot, transition: RolloutTransition)] = {
        var machine = RolloutStateMachine(definition: try! RolloutControllerTests.definition())
        var out: [(RolloutSnapshot, RolloutTransition)] = []
        for (i, command) in [RolloutStateMachine.Command.start, .pause, .resume].enumerated() {
            guard case .transition(let t) = machine.apply(command, by: "alice", reason: "step \(i)", now: Int64(1_000 * (i + 1))) else {
                preconditionFailure("\(command) makes a transition")
            }
            out.append((machine.snapshot, t))
        }
        return out
    }()

    static func snapshot(_ version: Int) -> RolloutSnapshot { history[version - 1].snapshot }
    static func transition(_ version: Int) -> RolloutTransition { history[version - 1].transition }

    @Test func ofWritersRacingFromOneVersionExactlyOneWinsAndIsAudited() async throws {
        let server = try PostgresServer()
        let dbs = try await (0..<6).asyncMap { _ in try await Self.migrated(server) }
        defer { dbs.forEach { $0.shutdown() } }
        let stores = dbs.map { PostgresRolloutStore(database: $0) }
        #expect(try await stores[0].load(model: "fraud") == nil)

        for version in 1...3 {
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (i, store) in stores.enumerated() {
                    group.addTask { try await store.commit(Self.snapshot(version), transition: Self.transition(version)) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1, "version \(version)")
        }
        // A writer still at an old version writes nothing, neither state nor audit.
        #expect(try await stores[1].commit(Self.snapshot(2), transition: Self.transition(2)) == false)
        #expect(try await stores[2].load(model: "fraud")?.version == 3)
        let audit = try await stores[3].audit(model: "fraud", limit: 100)
        #expect(audit.count == 3)
        #expect(audit.map(\.action) == ["resume", "pause", "start"])
        #expect(try server.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM vigil_audit_log") == "1,2,3")
        // save() never goes back: an older snapshot is ignored, the same version's progress is kept.
        try await stores[4].save(Self.snapshot(1))
        #expect(try await stores[0].load(model: "fraud")?.version == 3)
        var progress = Self.snapshot(3)
        progress.updatedAtMillis = 99_999
        try await stores[4].save(progress)
        #expect(try await stores[0].load(model: "fraud")?.updatedAtMillis == 99_999)
        // And the audit log refuses a second entry for a version, whoever writes it.
        #expect(throws: (any Error).self) {
            try server.psql("INSERT INTO vigil_audit_log(time_ms, actor, action, subject, reason, evidence, version) VALUES (0, 'x', 'rollback', 'rollout/fraud', 'x', '{}', 3)")
        }
    }

    @Test func twoControllersEvaluatingOneRolloutAtOnceMakeOneDecision() async throws {
        let server = try PostgresServer()
        let dbA = try await Self.migrated(server), dbB = try await Self.migrated(server)
        defer { dbA.shutdown(); dbB.shutdown() }
        let clock = Atomic<Int64>(1_000)
        let definition = try RolloutControllerTests.definition()
        let evidenceA = LocalRolloutEvidence(), evidenceB = LocalRolloutEvidence()
        let a = RolloutController(definitions: [definition], store: PostgresRolloutStore(database: dbA), evidence: evidenceA,
                                  registry: MetricRegistry(), now: { clock.load(ordering: .relaxed) })
        let b = RolloutController(definitions: [definition], store: PostgresRolloutStore(database: dbB), evidence: evidenceB,
                                  registry: MetricRegistry(), now: { clock.load(ordering: .relaxed) })
        try await a.restore()
        try await b.restore()
        #expect(await a.apply(.start, model: "fraud", actor: "alice", reason: "ship v4").outcome == "changed")
        #expect(await b.refresh())
        #expect(await b.status(model: "fraud")?.state == .running)
        _ = await (a.evaluateAll(), b.evaluateAll())   // baselines
        // Both see the same (fleet-wide) evidence: a challenger with ten times the champion's error rate.
        for e in [evidenceA, evidenceB] {
            RolloutControllerTests.serve(e, champion: 19_000, championErrors: 190, challenger: 1_000, challengerErrors: 100)
        }
        clock.store(60_000, ordering: .relaxed)
        async let evaluatedA = a.evaluateAll()
        async let evaluatedB = b.evaluateAll()
        let (actionsA, actionsB) = await (evaluatedA, evaluatedB)
        let transitions = (actionsA + actionsB).filter { if case .transition = $0 { return true } else { return false } }
        #expect(transitions.count == 2, "both decided to roll back: \(actionsA) \(actionsB)")

        let audit = try await a.audit(model: "fraud", limit: 10)
        #expect(audit.map(\.action) == ["rollback", "start"], "one decision recorded: \(audit.map(\.action))")
        #expect(try server.psql("SELECT count(*) FROM vigil_audit_log WHERE action = 'rollback'") == "1")
        // The loser reloaded the winner's state: both serve the champion only.
        #expect(await a.status(model: "fraud")?.state == .rolledBack)
        #expect(await b.status(model: "fraud")?.state == .rolledBack)
        #expect(a.assign(model: "fraud", unit: "u")?.variant == "v3" && b.assign(model: "fraud", unit: "u")?.variant == "v3")
    }

    /// An agent whose rollout a controller decides never evaluates it, and takes up each decision from the cheap
    /// version poll (`SELECT model, version`), loading only the snapshot that moved.
    @Test func anObserverTakesUpTheControllersDecisionsFromTheVersionPoll() async throws {
        let server = try PostgresServer()
        let dbA = try await Self.migrated(server), dbB = try await Self.migrated(server)
        defer { dbA.shutdown(); dbB.shutdown() }
        let clock = Atomic<Int64>(1_000)
        let definition = try RolloutControllerTests.definition()
        let evidenceA = LocalRolloutEvidence(), evidenceB = LocalRolloutEvidence()
        let storeA = PostgresRolloutStore(database: dbA)
        let controller = RolloutController(definitions: [definition], store: storeA, evidence: evidenceA,
                                           registry: MetricRegistry(), now: { clock.load(ordering: .relaxed) })
        let agent = RolloutController(definitions: [definition], store: PostgresRolloutStore(database: dbB), evidence: evidenceB,
                                      registry: MetricRegistry(), evaluatedElsewhere: ["fraud"], now: { clock.load(ordering: .relaxed) })
        try await controller.restore()
        try await agent.restore()
        #expect(try await storeA.versions() == [:])
        #expect(await controller.apply(.start, model: "fraud", actor: "alice", reason: "ship v4").outcome == "changed")
        #expect(try await storeA.versions() == ["fraud": 1])
        #expect(await agent.refreshChanged())
        #expect(await agent.status(model: "fraud")?.state == .running)
        #expect(await agent.status(model: "fraud")?.evaluator == "controller")
        _ = await controller.evaluateAll()   // baselines
        // The agent sees a failing challenger in its own counters, and still decides nothing.
        RolloutControllerTests.serve(evidenceB, champion: 19_000, championErrors: 190, challenger: 1_000, challengerErrors: 100)
        clock.store(60_000, ordering: .relaxed)
        #expect(await agent.evaluateAll().isEmpty)
        #expect(await agent.status(model: "fraud")?.state == .running)
        // The controller does, from its evidence; the agent's next poll serves it.
        RolloutControllerTests.serve(evidenceA, champion: 19_000, championErrors: 190, challenger: 1_000, challengerErrors: 100)
        _ = await controller.evaluateAll()
        #expect(await controller.status(model: "fraud")?.state == .rolledBack)
        #expect(agent.assign(model: "fraud", unit: "u")?.state == .running)
        #expect(await agent.refreshChanged())
        #expect(agent.assign(model: "fraud", unit: "u")?.state == .rolledBack)
        #expect(agent.assign(model: "fraud", unit: "u")?.variant == "v3")
        #expect(try server.psql("SELECT string_agg(actor || ':' || action, ',' ORDER BY version) FROM vigil_audit_log") == "alice:start,vigil:rollback")
    }

    static func prediction(_ id: Int, variant: String = "v3", at: Int64 = 0) -> PendingPrediction {
        PendingPrediction(model: "fraud", requestID: "r-\(id)", variant: variant, prediction: "1", score: 0.9, receivedAtMillis: at)
    }

    @Test func labelsJoinPredictionsRecordedThroughAnotherStoreExactlyOnce() async throws {
        let server = try PostgresServer()
        let dbs = try await (0..<3).asyncMap { _ in try await Self.migrated(server) }
        defer { dbs.forEach { $0.shutdown() } }
        let stores = dbs.map { PostgresLabelJoinStore(database: $0) }
        let reference = InMemoryLabelJoinStore()
        // Agent 0 receives the predictions (request 7 has a shadow variant too).
        let entries = (0..<500).map { PendingPredictionEntry(Self.prediction($0), expiresAtMillis: 1_000_000) }
            + [PendingPredictionEntry(Self.prediction(7, variant: "v4"), expiresAtMillis: 1_000_000)]
        try await stores[0].record(entries)
        reference.record(entries)
        #expect(try await stores[0].count() == 501)

        // Agents 1 and 2 receive every label at once (a retried delivery reaching both): each joins once.
        let keys = (0..<500).map { LabelJoinKey(model: "fraud", requestID: "r-\($0)") } + [LabelJoinKey(model: "fraud", requestID: "nope")]
        async let one = stores[1].join(keys, nowMillis: 10)
        async let two = stores[2].join(keys, nowMillis: 10)
        let (r1, r2) = try await (one, two)
        var joined: [String: Int] = [:]
        for outcome in r1 + r2 {
            if case .joined(let ps) = outcome { for p in ps { joined["\(p.requestID)/\(p.variant)", default: 0] += 1 } }
        }
        #expect(joined.count == 501 && joined.values.allSatisfy { $0 == 1 })
        #expect(r1.last == .unmatched && r2.last == .unmatched)
        // The same answers as the in-memory reference for one caller.
        let expected = reference.join(keys, nowMillis: 10)
        let merged = zip(r1, r2).map { $0 == .unmatched ? $1 : $0 }
        #expect(merged == expected)
        #expect(try await stores[0].count() == 0)
        #expect(try await stores[0].join([keys[0]], nowMillis: 10) == [.unmatched])
    }

    @Test func expiryTakesBoundedBatchesThroughTheIndexAndLateLabelsAreTold() async throws {
        let server = try PostgresServer()
        let a = try await Self.migrated(server), b = try await Self.migrated(server)
        defer { a.shutdown(); b.shutdown() }
        let sa = PostgresLabelJoinStore(database: a), sb = PostgresLabelJoinStore(database: b)
        try await sa.record((0..<100).map { PendingPredictionEntry(Self.prediction($0), expiresAtMillis: Int64(1_000 + $0)) })
        // A label after expiry but before the sweep: taken, and reported late (not scored).
        #expect(try await sb.join([LabelJoinKey(model: "fraud", requestID: "r-0")], nowMillis: 5_000) == [.late([Self.prediction(0)])])
        // Two agents sweep at once, 30 at a time: every expired prediction is handed out once, oldest first.
        async let x = sa.expire(nowMillis: 1_059, limit: 30)
        async let y = sb.expire(nowMillis: 1_059, limit: 30)
        let (ex, ey) = try await (x, y)
        #expect([ex.count, ey.count].sorted() == [29, 30])
        #expect(Set((ex + ey).map(\.requestID)) == Set((1...59).map { "r-\($0)" }))
        #expect(try await sa.expire(nowMillis: 1_059, limit: 30).isEmpty)
        #expect(try await sa.count() == 40)
        // The plan reads the expiry index (no scan of the table) even with enough rows for the planner to care.
        try server.psql("INSERT INTO vigil_pending_predictions SELECT 'm', 'x' || g, 'v', '{}', 10000000 + g FROM generate_series(1, 50000) g; ANALYZE vigil_pending_predictions")
        let plan = try server.psql("EXPLAIN SELECT ctid FROM vigil_pending_predictions WHERE expires_at_ms <= 1059 ORDER BY expires_at_ms LIMIT 1000 FOR UPDATE SKIP LOCKED")
        #expect(plan.contains("vigil_pending_predictions_expiry") && !plan.contains("Seq Scan"), "\(plan)")
    }

    @Test func aDatabaseRestartMidStreamFailsClearlyThenLosesAndDoublesNoLabel() async throws {
        let server = try PostgresServer()
        let a = try await Self.migrated(server), b = try await Self.migrated(server)
        defer { a.shutdown(); b.shutdown() }
        let predictions = PostgresLabelJoinStore(database: a), labels = PostgresLabelJoinStore(database: b)
        let rollouts = PostgresRolloutStore(database: b)
        #expect(try await rollouts.commit(Self.snapshot(1), transition: Self.transition(1)))

        /// What an agent does: retries a failed batch (its spool keeps it) until the database answers.
        func retrying<T>(_ what: String, _ body: () async throws -> T) async throws -> (T, failures: Int) {
            var failures = 0
            let deadline = Date().addingTimeInterval(60)
            while true {
                do { return (try await body(), failures) } catch let error as SharedStateError {
                    #expect(error.kind == .unavailable, "\(what): \(error)")
                    #expect(error.description.contains("PostgreSQL at postgres://vigil@127.0.0.1:\(server.port)/vigil"), "\(error)")
                    failures += 1
                    guard Date() < deadline else { throw error }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        }

        var joined: [String: Int] = [:]
        var totalFailures = 0
        for batch in 0..<10 {
            if batch == 4 { server.stop() }
            if batch == 4 {
                // Down: each kind of operation fails with a clear error, and nothing hangs.
                await #expect(throws: SharedStateError.self) { try await predictions.record([PendingPredictionEntry(Self.prediction(-1), expiresAtMillis: 1)]) }
                await #expect(throws: SharedStateError.self) {
                    try await rollouts.commit(Self.snapshot(2), transition: Self.transition(2))
                }
                let restart = Task.detached { try await Task.sleep(for: .seconds(5)); try server.start() }
                _ = restart
            }
            let ids = (batch * 50)..<(batch * 50 + 50)
            let (_, f1) = try await retrying("record") {
                try await predictions.record(ids.map { PendingPredictionEntry(Self.prediction($0), expiresAtMillis: 1_000_000) })
            }
            let (outcomes, f2) = try await retrying("join") {
                try await labels.join(ids.map { LabelJoinKey(model: "fraud", requestID: "r-\($0)") }, nowMillis: 10)
            }
            totalFailures += f1 + f2
            for case .joined(let ps) in outcomes { for p in ps { joined[p.requestID, default: 0] += 1 } }
        }
        #expect(totalFailures > 0, "the restart was seen")
        #expect(joined.count == 500 && joined.values.allSatisfy { $0 == 1 })
        #expect(try await labels.count() == 0)
        // State changes work again once it is back, from the version the fleet had.
        #expect(try await rollouts.commit(Self.snapshot(2), transition: Self.transition(2)))
        #expect(try await rollouts.audit(model: "fraud", limit: 10).count == 2)
    }
}

extension Sequence {
    func asyncMap<T>(_ body: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await body(e)) }
        return out
    }
}

/// The built agent with `storage.shared`: two agents on one database see one rollout state, and an agent whose
/// database goes away keeps serving its last known assignment and answers commands `unavailable`.
@Suite(.serialized) struct SharedStateAgentTests {
    static func assign(_ agent: AgentProcess, _ unit: String) throws -> String? {
        let body = try Harness.http("GET", agent.baseURL + "/v1/assign?model=fraud&unit=\(unit)").body
        return (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["state"] as? String
    }

    static func act(_ agent: AgentProcess, _ verb: String) throws -> (status: Int, body: String) {
        let r = try Harness.http("POST", agent.baseURL + "/v1/rollouts/fraud/\(verb)", headers: ["Content-Type: application/json"],
                                 body: Data(#"{"reason":"fleet test"}"#.utf8))
        return (r.status, String(decoding: r.body, as: UTF8.self))
    }

    @Test func twoAgentsShareOneRolloutAndFailStaticWhenTheDatabaseGoes() throws {
        let server = try PostgresServer()
        let config = """
        storage:
          shared: { url: "\(server.url)", tls: { mode: disable }, timeout: 2s }
        models: [ { name: fraud } ]
        rollouts: [ { model: fraud, champion: v3, challenger: v4 } ]
        """
        let dirA = try Harness.tempDirectory("vigil-fleet-a"), dirB = try Harness.tempDirectory("vigil-fleet-b")
        try config.write(to: dirA.appendingPathComponent("vigil.yaml"), atomically: true, encoding: .utf8)
        let migrate = try Harness.run(try Harness.binary("vigil"), ["db", "migrate", "--config", dirA.appendingPathComponent("vigil.yaml").path])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        let a = try AgentProcess(config: config, directory: dirA)
        let b = try AgentProcess(config: config, directory: dirB)
        defer { a.child.stop(); b.child.stop() }

        // Started on A: committed to the database, and B takes it up on its next round (every 5 s).
        let started = try Self.act(a, "start")
        #expect(started.status == 200, "\(started.body)")
        #expect(try server.psql("SELECT version FROM vigil_rollouts WHERE model = 'fraud'") == "1")
        _ = try Harness.eventually("agent B sees the rollout started", seconds: 20) { try Self.assign(b, "u1") == "running" ? true : nil }
        // B acts on the version A wrote (no conflict), so both see it paused.
        #expect(try Self.act(b, "pause").status == 200)
        _ = try Harness.eventually("agent A sees the pause", seconds: 20) { try Self.assign(a, "u1") == "paused" ? true : nil }
        #expect(try server.psql("SELECT string_agg(action, ',' ORDER BY version) FROM vigil_audit_log") == "start,pause")

        // The database goes: assignment goes on from the last known state; a command changes nothing and says why.
        server.stop()
        #expect(try Self.assign(a, "u1") == "paused")
        let refused = try Self.act(a, "resume")
        #expect(refused.status == 503 && refused.body.contains("unavailable") && refused.body.contains("PostgreSQL at postgres:"),
                "\(refused.status) \(refused.body)")
        #expect(try a.metricsText().contains(#"vigil_shared_state_errors_total{operation="commit"} 1"#))
        #expect(try Self.assign(a, "u1") == "paused")

        // Back: the same command now works, from the version the fleet had.
        try server.start()
        let resumed = try Harness.eventually("resume after the database is back", seconds: 30) { () -> Bool? in
            try Self.act(a, "resume").status == 200 ? true : nil
        }
        #expect(resumed)
        #expect(try server.psql("SELECT string_agg(action || version, ',' ORDER BY version) FROM vigil_audit_log") == "start1,pause2,resume3")
        #expect(a.child.stderr.contains("PostgreSQL at postgres://vigil@127.0.0.1:\(server.port)/vigil"))
    }
}
