import Foundation
import Testing
import VigilCore
import VigilElasticsearch
import VigilHTTPClient
import VigilGzip
import VigilTestSupport

/// The mock behaves like Elasticsearch 8 where Vigil depends on it; exercised over real libcurl.
@Suite struct MockElasticsearchTests {
    static let ndjson = "application/x-ndjson"

    func post(_ client: CurlClient, _ url: String, _ body: String, contentType: String? = ndjson, gzip: Bool = false) async throws -> (Int, JSONValue?) {
        var headers: [String] = []
        if let contentType { headers.append("Content-Type: \(contentType)") }
        if gzip { headers.append("Content-Encoding: gzip") }
        let bytes = gzip ? Gzip.compress(Array(body.utf8)) : Array(body.utf8)
        let response = try await client.send(CurlRequest(method: "POST", url: url, headers: headers, body: bytes))
        return (response.status, try? JSONReader.parse(response.body))
    }

    @Test func infoAndHead() async throws {
        try await withMock { mock in
            let client = CurlClient(configuration: .init())
            defer { client.shutdown() }
            let info = try await client.send(CurlRequest(method: "GET", url: mock.url + "/"))
            #expect(info.status == 200)
            #expect(info.header("x-elastic-product") == "Elasticsearch")
            let value = try JSONReader.parse(info.body)
            #expect(value["version"]?["number"]?.stringValue?.hasPrefix("8.") == true)
            #expect(value["tagline"]?.stringValue == "You Know, for Search")
            let head = try await client.send(CurlRequest(method: "HEAD", url: mock.url + "/"))
            #expect(head.status == 200 && head.body.isEmpty)
        }
    }

    @Test func bulkCreateThenConflict() async throws {
        try await withMock { mock in
            let client = CurlClient(configuration: .init())
            defer { client.shutdown() }
            let body = """
            {"create":{"_index":"logs","_id":"a"}}
            {"n":1}
            {"create":{"_id":"b"}}
            {"n":2}

            """
            let (status, value) = try await post(client, mock.url + "/logs/_bulk", body)
            #expect(status == 200)
            #expect(value?["errors"]?.boolValue == false)
            let items = value?["items"]?.arrayValue ?? []
            #expect(items.count == 2)
            #expect(items.first?["create"]?["result"]?.stringValue == "created")
            #expect(items.first?["create"]?["_shards"]?["successful"]?.intValue == 1)
            #expect(items.last?["create"]?["_index"]?.stringValue == "logs")

            // Same ids again, filtered as Vigil asks: 409 with version_conflict_engine_exception, positions kept.
            let (again, filtered) = try await post(client, mock.url + "/_bulk?filter_path=errors,items.*.status,items.*.error",
                                                   body.replacingOccurrences(of: #"{"create":{"_id":"b"}}"#, with: #"{"create":{"_index":"logs","_id":"c"}}"#),
                                                   gzip: true)
            #expect(again == 200)
            #expect(filtered?["errors"]?.boolValue == true)
            #expect(filtered?["took"] == nil)
            let statuses = filtered?["items"]?.arrayValue?.map { $0["create"]?["status"]?.intValue }
            #expect(statuses == [409, 201])
            #expect(filtered?["items"]?.arrayValue?.first?["create"]?["error"]?["type"]?.stringValue == "version_conflict_engine_exception")
            #expect(mock.documentCount == 3)
            #expect(mock.duplicatesAttempted == 1)
            #expect(Set(mock.documents(index: "logs").keys) == ["a", "b", "c"])
        }
    }

    struct Rejection: Sendable, CustomStringConvertible {
        var body: String
        var contentType: String?
        var status: Int
        var type: String?
        var description: String { "\(status) \(type ?? "")" }
    }

    @Test(arguments: [
        Rejection(body: "{\"create\":{\"_index\":\"x\"}}\n{}", contentType: "application/x-ndjson", status: 400, type: "illegal_argument_exception"),
        Rejection(body: "", contentType: "application/x-ndjson", status: 400, type: "action_request_validation_exception"),
        Rejection(body: "{\"create\":{\"_id\":\"1\"}}\n{}\n", contentType: "application/x-ndjson", status: 400, type: "action_request_validation_exception"),
        Rejection(body: "{\"explode\":{\"_index\":\"x\"}}\n{}\n", contentType: "application/x-ndjson", status: 400, type: "illegal_argument_exception"),
        Rejection(body: "{create\n{}\n", contentType: "application/x-ndjson", status: 400, type: "x_content_parse_exception"),
        Rejection(body: "{\"create\":{\"_index\":\"x\"}}\n{}\n", contentType: "text/plain", status: 406, type: nil),
        Rejection(body: "{\"create\":{\"_index\":\"x\"}}\n{}\n", contentType: nil, status: 406, type: nil),
    ])
    func validatesRequestsLikeElasticsearch(_ rejection: Rejection) async throws {
        try await withMock { mock in
            let client = CurlClient(configuration: .init())
            defer { client.shutdown() }
            let (status, value) = try await post(client, mock.url + "/_bulk", rejection.body, contentType: rejection.contentType)
            #expect(status == rejection.status)
            if let type = rejection.type {
                #expect(value?["error"]?["type"]?.stringValue == type)
                #expect(value?["error"]?["root_cause"]?.arrayValue?.first?["type"]?.stringValue == type)
                #expect(value?["status"]?.intValue == rejection.status)
            }
            #expect(mock.documentCount == 0)
        }
    }

    @Test func invalidDocumentIsAnItemError() async throws {
        try await withMock { mock in
            let client = CurlClient(configuration: .init())
            defer { client.shutdown() }
            let (status, value) = try await post(client, mock.url + "/_bulk", "{\"index\":{\"_index\":\"x\"}}\n[1]\n{\"index\":{\"_index\":\"x\"}}\n{}\n")
            #expect(status == 200)
            #expect(value?["errors"]?.boolValue == true)
            #expect(value?["items"]?.arrayValue?.map { $0["index"]?["status"]?.intValue } == [400, 201])
            #expect(mock.documentCount == 1)
        }
    }

    @Test func oversizedRequestGets413() async throws {
        try await withMock(.init(maxRequestBytes: 1000)) { mock in
            let client = CurlClient(configuration: .init())
            defer { client.shutdown() }
            let doc = "{\"create\":{\"_index\":\"x\"}}\n{\"pad\":\"" + String(repeating: "x", count: 2000) + "\"}\n"
            let (status, _) = try await post(client, mock.url + "/_bulk", doc)
            #expect(status == 413)
            // The connection was closed after the 413; the next request reconnects and succeeds.
            let (next, _) = try await post(client, mock.url + "/_bulk", "{\"create\":{\"_index\":\"x\"}}\n{}\n")
            #expect(next == 200)
        }
    }

    @Test func faultsAreDeterministicAndControllableOverHTTP() async throws {
        func run() async throws -> [Int?] {
            try await withMock { mock in
                let client = CurlClient(configuration: .init())
                defer { client.shutdown() }
                let faults = #"{"seed":11,"itemStatus":429,"itemFraction":0.3,"wholeRequest":{"status":503,"next":1}}"#
                let control = try await client.send(CurlRequest(method: "POST", url: mock.url + "/_mock/faults",
                                                                headers: ["Content-Type: application/json"], body: Array(faults.utf8)))
                #expect(control.status == 200)
                try await Task.sleep(for: .milliseconds(50))   // applied after the control answer is written
                let body = (0..<20).map { "{\"create\":{\"_index\":\"x\",\"_id\":\"\($0)\"}}\n{}\n" }.joined()
                let (first, _) = try await post(client, mock.url + "/_bulk", body)
                #expect(first == 503)
                let (_, value) = try await post(client, mock.url + "/_bulk?filter_path=items.*.status", body)
                let stats = try await client.send(CurlRequest(method: "GET", url: mock.url + "/_mock/stats"))
                let decoded = try JSONDecoder().decode(MockElasticsearch.Stats.self, from: Data(stats.body))
                #expect(decoded.itemFaultsInjected == 20 - decoded.documents)
                return value?["items"]?.arrayValue?.map { $0["create"]?["status"]?.intValue } ?? []
            }
        }
        let a = try await run(), b = try await run()
        #expect(a == b)
        #expect(a.contains(429) && a.contains(201))
    }

    @Test func refusesThenAcceptsOnTheSamePort() async throws {
        try await withMock { mock in
            let client = CurlClient(configuration: .init(connectTimeout: .seconds(2)))
            defer { client.shutdown() }
            let port = mock.port
            try await mock.setFaults(MockFaults(refuseConnections: true))
            await #expect(throws: CurlError.self) { _ = try await client.send(CurlRequest(method: "GET", url: mock.url + "/")) }
            try await mock.setFaults(.none)
            #expect(mock.port == port)
            let response = try await client.send(CurlRequest(method: "GET", url: mock.url + "/"))
            #expect(response.status == 200)
        }
    }

    @Test func templatesAndPoliciesAreAcknowledged() async throws {
        try await withMock { mock in
            let client = CurlClient(configuration: .init())
            defer { client.shutdown() }
            let put = try await client.send(CurlRequest(method: "PUT", url: mock.url + "/_index_template/vigil-logs",
                                                        headers: ["Content-Type: application/json"], body: Array(#"{"index_patterns":["vigil-logs-*"]}"#.utf8)))
            #expect(put.status == 200)
            #expect(try JSONReader.parse(put.body)["acknowledged"]?.boolValue == true)
            let get = try await client.send(CurlRequest(method: "GET", url: mock.url + "/_index_template/vigil-logs"))
            #expect(get.status == 200)
            #expect(mock.storedSettings().keys.contains("_index_template/vigil-logs"))
        }
    }
}
