import NIOCore
import NIOHTTP1

/// One connection of the mock: collects a request, lets `MockElasticsearch` answer it, writes the
/// answer (late, or cut in the middle, when a fault says so). Keep-alive and pipelining come from
/// NIO's HTTP server pipeline.
final class MockHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: MockElasticsearch
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var oversized = false

    init(server: MockElasticsearch) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            head = requestHead
            body.removeAll(keepingCapacity: true)
            oversized = false
        case var .body(buffer):
            // Beyond the limit the bytes are dropped but the request is still read to its end, then answered 413.
            if body.count + buffer.readableBytes > server.configuration.maxRequestBytes {
                oversized = true
            }
            if !oversized, let bytes = buffer.readBytes(length: buffer.readableBytes) { body.append(contentsOf: bytes) }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let response: MockResponse
            var after: MockFaults?
            if oversized {
                response = MockResponse(status: 413, body: [])
                server.state.withLock { $0.requests += 1; $0.bulkRequests += 1 }
            } else {
                (response, after) = server.handle(method: requestHead.method, uri: requestHead.uri, headers: requestHead.headers, body: body)
            }
            body = []
            let keepAlive = requestHead.isKeepAlive && !oversized
            let isHead = requestHead.method == .HEAD
            if response.delayMilliseconds > 0 {
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(response.delayMilliseconds))) {
                    self.write(response, keepAlive: keepAlive, isHead: isHead, after: after, context: context)
                }
            } else {
                write(response, keepAlive: keepAlive, isHead: isHead, after: after, context: context)
            }
        }
    }

    private func write(_ response: MockResponse, keepAlive: Bool, isHead: Bool, after: MockFaults?, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: "\(response.body.count)")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if response.closeMidway {
            var half = context.channel.allocator.buffer(capacity: response.body.count / 2)
            half.writeBytes(response.body.prefix(response.body.count / 2))
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(half))), promise: nil)
            context.close(promise: nil)
            return
        }
        if !isHead, !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if let after {
            let server = self.server
            done.whenComplete { _ in
                // Apply control changes after answering, so `refuseConnections` does not cut off its own reply.
                Task { try? await server.setFaults(after) }
            }
        }
        if !keepAlive { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
