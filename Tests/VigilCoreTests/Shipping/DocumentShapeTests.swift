import Testing
@testable import VigilCore

/// A shape computed by the ingestion pipeline must make the encoder write exactly what it writes when it
/// scans the document itself, and survive the spool's byte form.
@Suite struct DocumentShapeTests {
    static let bodies: [String] = [
        #"{"level":"info","message":"up","latency_ms":12}"#,
        #"{"@timestamp":"2026-01-01T00:00:00Z","msg":"hi"}"#,
        #"{"service":"api","host":"web-3","x":{"y":[1,"}"]}}"#,
        #"{"event":{"dataset":"mine"},"log":"raw","level":"warn"}"#,
        "{}",
        "{\n  \"a\": 1\r\n}",
        #"{"service":"a","service.name":"b"}"#,
        #"{"ecs":1,"ecs.version":"1"}"#,
        #"{"a":"\"{"}"#,
        // Three scalar roots (more renames than a shape keeps inline), duplicate keys, taken targets.
        #"{"service":"a","host":"h","log":"l","event":"e","ecs":"c","log.original":"x","event.original":"y"}"#,
        #"{"service":"a","service":"b","service":"c"}"#,
        #"{"host":{"name":"n"},"level":7,"msg":3,"message":"m","host.name":"z"}"#,
        #"{"log.level":"debug","level":"info","event.dataset":"d","ecs.version":"9","host.name":"h","service.name":"s"}"#,
        #"{"msg":"only msg","level":"error","service":"checkout"}"#,
        #"{ "service" : "spaced" , "level" : "x" }"#,
        #"{"@timestamp":"2025-03-01T00:00:00.000Z","level":"INFO","service":"ml-inference","route":"/v1/predict","status":200,"latency_ms":36.239,"model":"fraud-detector","request_id":"00000000-07a0-417f-83b8-9a1d815ef6d1","message":"prediction served"}"#,
    ]

    static func encode(_ body: [UInt8], shape: DocumentShape?) -> String {
        var encoder = BulkEncoder(configuration: BulkEncoderConfiguration(hostName: "node-1"))
        var batch = EncodedBatch()
        Array("f:1".utf8).withUnsafeBufferPointer { id in
            body.withUnsafeBufferPointer { encoder.append(id: id, timestampMillis: 1_795_953_600_000, body: $0, shape: shape, to: &batch) }
        }
        return String(decoding: batch.bytes, as: UTF8.self)
    }

    /// The event the pipeline makes of `body`, with or without shapes.
    static func event(_ body: String, shapes: Bool = true) throws -> Event {
        var pipeline = try EventPipeline(configuration: PipelineConfiguration(), registry: MetricRegistry())
        pipeline.computesDocumentShapes = shapes
        guard case .accepted(let event) = pipeline.process(Array(body.utf8), context: LineContext(source: "test", id: "x", readTimeMillis: 0)) else {
            throw ShapeTestError.notAccepted(body)
        }
        return event
    }

    enum ShapeTestError: Error { case notAccepted(String) }

    @Test(arguments: bodies)
    func pipelineShapeEncodesLikeAScan(body: String) throws {
        let event = try Self.event(body)
        let shape = try #require(event.shape)
        #expect(Self.encode(event.body, shape: shape) == Self.encode(event.body, shape: nil))
        if shape.isStorable {
            var bytes = [UInt8](repeating: 0, count: shape.encodedSize)
            bytes.withUnsafeMutableBytes { shape.encode(into: $0.baseAddress!) }
            let decoded = bytes.withUnsafeBytes { DocumentShape(bytes: $0) }
            #expect(decoded == shape)
        }
    }

    @Test func overflowedShapesAreNotStored() throws {
        let event = try Self.event(Self.bodies[9])
        let shape = try #require(event.shape)
        #expect(shape.overflowed && !shape.isStorable)
        #expect(!Array(Self.bodies[9].utf8).withUnsafeBufferPointer { shape.fits($0) })
        let encoded = Self.encode(event.body, shape: shape)
        #expect(encoded.contains(#""service.name":"a","host.name":"h","vigil.original_log":"l","vigil.original_event":"e","ecs.original":"c""#))
    }

    @Test func aShapeDoesNotFitAnotherDocument() throws {
        let shape = try #require(try Self.event(Self.bodies[2]).shape)
        #expect(Array(Self.bodies[2].utf8).withUnsafeBufferPointer { shape.fits($0) })
        #expect(!Array(Self.bodies[0].utf8).withUnsafeBufferPointer { shape.fits($0) })
        #expect(!Array("{}".utf8).withUnsafeBufferPointer { shape.fits($0) })
        // A mismatched shape is ignored: the encoder scans instead.
        #expect(Self.encode(Array(Self.bodies[0].utf8), shape: shape) == Self.encode(Array(Self.bodies[0].utf8), shape: nil))
        #expect(DocumentShape(bytes: UnsafeRawBufferPointer(start: nil, count: 0)) == nil)
    }

    @Test func pipelineWithoutShapesLeavesThemOut() throws {
        #expect(try Self.event(Self.bodies[0], shapes: false).shape == nil)
    }
}
