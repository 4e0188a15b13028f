import Foundation
import Testing
import VigilCore
import VigilHTTPClient
import VigilTestSupport

/// The mock's journal: documents created are written before they are acknowledged, and a node started again on
/// its journal has them (a `create` of one of them is a `409`), as a real node restarted on its data directory.
@Suite struct MockElasticsearchJournalTests {
    @Test func aNodeRestartedOnItsJournalKeepsItsDocuments() async throws {
        let path = NSTemporaryDirectory() + "vigil-mock-journal-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let client = CurlClient(configuration: .init())
        defer { client.shutdown() }
        let body = Array(#"""
        {"create":{"_index":"logs","_id":"a"}}
        {"message":"one","n":1}
        {"create":{"_index":"logs","_id":"b"}}
        {"message":"two","n":2}

        """#.utf8)
        let headers = ["Content-Type: application/x-ndjson"]

        try await withMock(.init(journalPath: path)) { mock in
            let response = try await client.send(CurlRequest(method: "POST", url: mock.url + "/_bulk", headers: headers, body: body))
            #expect(response.status == 200)
        }
        let entries = MockElasticsearch.readJournal(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(entries.map(\.id) == ["a", "b"])
        #expect(entries.map(\.index) == ["logs", "logs"])
        #expect(String(decoding: entries[0].document, as: UTF8.self) == #"{"message":"one","n":1}"#)

        try await withMock(.init(journalPath: path)) { mock in
            #expect(mock.documentCount == 2)
            let again = try await client.send(CurlRequest(method: "POST", url: mock.url + "/_bulk?filter_path=items.*.status", headers: headers, body: body))
            let statuses = try JSONReader.parse(again.body)["items"]?.arrayValue?.compactMap { $0["create"]?["status"]?.intValue }
            #expect(statuses == [409, 409])
        }
        #expect(MockElasticsearch.readJournal(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).count == 2, "a 409 writes nothing")
        // A torn last line (a crash mid-write) is skipped.
        #expect(MockElasticsearch.readJournal(Array("logs\ta\t{\"n\":1}\nlogs\tb\t{\"n\"".utf8)).map(\.id) == ["a"])
    }
}
