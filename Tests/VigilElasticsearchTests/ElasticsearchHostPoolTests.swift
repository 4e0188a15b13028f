import Foundation
import Logging
import Testing
import VigilCore
@testable import VigilElasticsearch
import VigilTestSupport

/// The shipper over several hosts, in process against mock nodes: a node answering 503 is failed over (its
/// documents go to the other node, none lost, none twice), a node answering 429 is not, and setup and readiness
/// use whichever node answers.
@Suite struct ElasticsearchHostPoolTests {
    static let index = "vigil-logs-2026.11.30"

    func makeShipper(_ fixture: SpoolFixture, hosts: [String], registry: MetricRegistry, contact: ElasticsearchContact = ElasticsearchContact()) throws -> ElasticsearchShipper {
        var configuration = testConfiguration(url: hosts[0])
        configuration.hosts = hosts
        configuration.batch = .init(maxBytes: 1 << 20, maxEvents: 100, timeout: .milliseconds(20))
        configuration.failover = .init(healthCheckInterval: .milliseconds(100), backoffInitial: .milliseconds(100), backoffMax: .milliseconds(300))
        return try ElasticsearchShipper(configuration: configuration, spool: fixture.spool, deadLetters: fixture.spool.deadLetters,
                                        metrics: registry, logger: Logger(label: "test"), environment: [:], contact: contact)
    }

    static func sample(_ registry: MetricRegistry, _ series: String) -> Double? {
        let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") { return Double(line.dropFirst(series.count + 1)) }
        return nil
    }

    @Test func aNodeAnswering503IsFailedOverAndNothingIsLostOrDoubled() async throws {
        let fixture = try SpoolFixture()
        try fixture.appendEvents(3000)
        try await withMock { sick in
            try await withMock { healthy in
                // Every _bulk to `sick` fails with 503 (its GET / still answers, so it is taken back and out again).
                try await sick.setFaults(MockFaults(wholeRequest: .init(status: 503, fraction: 1)))
                let registry = MetricRegistry()
                let shipper = try makeShipper(fixture, hosts: [sick.url, healthy.url], registry: registry)
                try await withRunningShipper(shipper) {
                    try await expectEventually(limit: .seconds(60)) { fixture.undeliveredEvents == 0 }
                }
                #expect(sick.documentCount == 0)
                #expect(healthy.documentCount == 3000)
                #expect(healthy.duplicatesAttempted == 0, "a 503 stored nothing, so nothing came back as 409")
                #expect(Set(healthy.documentIDs().map(\.id)) == Set((0..<3000).map { "t:\($0)" }))
                #expect(sick.stats().requestFaultsInjected >= 1)
                #expect((Self.sample(registry, "vigil_elasticsearch_host_failovers_total{host=\"\(sick.url)\"}") ?? 0) >= 1)
                #expect(Self.sample(registry, "vigil_elasticsearch_host_failovers_total{host=\"\(healthy.url)\"}") == 0)
                #expect(Self.sample(registry, "vigil_elasticsearch_host_up{host=\"\(healthy.url)\"}") == 1)
            }
        }
    }

    @Test func a429IsBackPressureNotADeadNode() async throws {
        let fixture = try SpoolFixture()
        try fixture.appendEvents(3000)
        try await withMock { busy in
            try await withMock { other in
                try await busy.setFaults(MockFaults(wholeRequest: .init(status: 429, next: 5)))
                let registry = MetricRegistry()
                let shipper = try makeShipper(fixture, hosts: [busy.url, other.url], registry: registry)
                try await withRunningShipper(shipper) {
                    try await expectEventually(limit: .seconds(60)) { fixture.undeliveredEvents == 0 }
                }
                #expect(busy.stats().requestFaultsInjected == 5)
                #expect(busy.documentCount > 0, "the busy node stays in rotation")
                #expect(other.documentCount > 0)
                #expect(busy.documentCount + other.documentCount == 3000)
                #expect(Self.sample(registry, "vigil_elasticsearch_host_failovers_total{host=\"\(busy.url)\"}") == 0)
                #expect(Self.sample(registry, "vigil_elasticsearch_host_up{host=\"\(busy.url)\"}") == 1)
            }
        }
    }

    @Test func setupAndReadinessUseWhicheverNodeAnswers() async throws {
        try await withMock { dead in
            try await withMock { alive in
                try await dead.setFaults(MockFaults(refuseConnections: true))
                var configuration = ElasticsearchConfiguration(hosts: [dead.url, alive.url])
                configuration.connectTimeout = .seconds(2)
                let steps = try await ElasticsearchSetup(configuration: configuration).run(environment: [:])
                #expect(steps == ["PUT _index_template/vigil-logs: 200"])
                #expect(alive.storedSettings()["_index_template/vigil-logs"] != nil)

                let fixture = try SpoolFixture()
                let contact = ElasticsearchContact()
                let shipper = try makeShipper(fixture, hosts: [dead.url, alive.url], registry: MetricRegistry(), contact: contact)
                try await withRunningShipper(shipper) {
                    try await expectEventually(limit: .seconds(20)) { contact.isReady }
                }
            }
        }
    }
}
