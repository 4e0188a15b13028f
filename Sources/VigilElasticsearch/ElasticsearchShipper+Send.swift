import Logging
import VigilCore
import VigilGzip
import VigilHTTPClient
import VigilInternalEvents
import VigilStorage

extension ElasticsearchShipper {
    /// Sends one batch until every document is delivered or dead-lettered (or the task is cancelled): the
    /// driver of `BulkBatchStateMachine`, which decides what to resend, split, wait for and give up on.
    func send(_ batch: Batch) async -> LoopEvent {
        var machine = BulkBatchStateMachine(runs: batch.parts.map { BlockDocuments(blockID: $0.blockID, count: $0.entries.count) },
                                            maxRetries: configuration.maxRetries, backoff: backoff)
        var rng = SystemRandomNumberGenerator()
        let headers = ["Content-Type: application/x-ndjson"] + (compressor != nil ? ["Content-Encoding: gzip"] : [])

        var action = machine.start()
        while true {
            switch action {
            case let .send(positions), let .split(_, _, positions):
                if case let .split(status, itemCount, _) = action {
                    logger.debug("splitting a bulk request", metadata: ["http.status": "\(status)", "es.bulk.items": "\(itemCount)"])
                }
                if Task.isCancelled { action = machine.cancelled(); continue }
                let encoded = positions.count == batch.count ? batch.encoded : batch.encoded.subset(positions)
                let response = machine.responseReceived(await post(encoded, headers: headers), using: &rng)
                if response.delivered > 0 || response.duplicates > 0 {
                    events.delivered.emit(DocumentsDelivered(delivered: response.delivered, duplicates: response.duplicates))
                }
                action = response.next

            case let .retryAfter(wait, positions, reason):
                events.retried.emit(BulkItemsRetried(items: positions.count, reason: "\(reason)", backoff: wait))
                do {
                    try await Task.sleep(for: wait)
                    action = machine.retryTimerFired()
                } catch {
                    action = machine.cancelled()
                }

            case let .finish(deadLetters):
                return .finished(resolved: machine.deadLettersStored(await store(deadLetters, of: batch)))
            }
        }
    }

    /// Stores a finished batch's dead letters; false when they could not be stored (they then stay
    /// unresolved: the block stays in the spool and the documents are tried again after a restart).
    private func store(_ letters: [BulkDeadLetter], of batch: Batch) async -> Bool {
        guard !letters.isEmpty else { return true }
        let entries = letters.map { letter in
            let (bytes, entry) = batch.document(at: letter.position)
            return DeadLetterInput(source: "elasticsearch", position: String(decoding: bytes[entry.id], as: UTF8.self),
                                   reason: Self.reasonCode(letter.reason, status: letter.status), detail: letter.reason,
                                   statusCode: letter.status, raw: Array(bytes[entry.body]))
        }
        let store = self.deadLetters
        do {
            try await ioRun { try store.add(entries) }
        } catch {
            logger.error("cannot store dead letters", metadata: ["error": "\(error)"])
            return false
        }
        events.deadLettered.emit(DocumentsDeadLettered(reasons: entries.map(\.reason), detail: entries[0].detail ?? ""))
        return true
    }

    /// One `_bulk` request; transport failures and statuses become a classifier decision. The host is the pool's
    /// choice; a request that fails as a node failure (no answer, `502`/`503`/`504`) goes at once, with the same
    /// documents and ids, to the next host the pool picks, until each host has been tried; with every host down
    /// it waits here, sending nothing, until a health check takes one back (the spool keeps the documents).
    private func post(_ encoded: EncodedBatch, headers: [String]) async -> BulkResponseDecision {
        let body = compressor?.compress(encoded.bytes) ?? encoded.bytes
        let clock = ContinuousClock()
        var attempt = 0
        while true {
            let host: Int
            switch hosts.select() {
            case let .use(chosen):
                host = chosen
            case let .wait(until):
                do {
                    try await Task.sleep(for: hosts.wait(until: until))
                } catch {
                    return BulkResponseClassifier.classifyTransportFailure("cancelled while every Elasticsearch host was down")
                }
                continue
            }
            if attempt > 0 { events.retried.emit(BulkItemsRetried(items: encoded.count, reason: "failover to \(hosts.labels[host])", backoff: .zero)) }
            events.sent.emit(BulkRequestSent(rawBytes: encoded.bytes.count, compressedBytes: compressor != nil ? body.count : nil, items: encoded.count))
            let start = clock.now
            switch await sendRequest(CurlRequest(method: "POST", url: configuration.bulkURL(index: encoded.index, host: host), headers: headers, body: body)) {
            case let .success(response):
                events.answered.emit(BulkResponseReceived(status: response.status, items: encoded.count, duration: clock.now - start))
                contact.record(status: response.status)
                if hosts.requestFinished(host: host, status: response.status, attempt: attempt, reason: "_bulk answered HTTP \(response.status)") {
                    attempt += 1
                    continue
                }
                return BulkResponseClassifier.classify(status: response.status, body: response.body, itemCount: encoded.count)
            case let .failure(error):
                events.unanswered.emit(BulkRequestUnanswered(error: error.message, url: error.url, duration: clock.now - start, cancelled: error.isCancelled))
                if error.isCancelled { return BulkResponseClassifier.classifyTransportFailure(error.message) }
                contact.record(status: nil, failure: error.message)
                if hosts.requestFinished(host: host, status: nil, attempt: attempt, reason: error.message) {
                    attempt += 1
                    continue
                }
                return BulkResponseClassifier.classifyTransportFailure(error.message)
            }
        }
    }

    /// `mapper_parsing_exception` from `mapper_parsing_exception: failed to parse ...`; `http_<status>` otherwise.
    static func reasonCode(_ reason: String, status: Int) -> String {
        let head = reason.prefix { $0 != ":" && $0 != " " }
        let followedByColon = reason.dropFirst(head.count).first == ":"
        let isCode = followedByColon && !head.isEmpty && head.count <= 64
            && head.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
        return isCode ? String(head) : "http_\(status)"
    }
}
