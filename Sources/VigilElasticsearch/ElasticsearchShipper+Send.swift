import Logging
import VigilCore
import VigilGzip
import VigilStorage

extension ElasticsearchShipper {
    /// Sends one batch until every document is delivered or dead-lettered (or the task is cancelled),
    /// resending only what failed and splitting on `413`/`400`.
    func send(_ batch: Batch) async -> LoopEvent {
        var results = [DocumentResult](repeating: .unresolved, count: batch.count)
        var attempts = [Int](repeating: 0, count: batch.count)
        var deadLetterEntries: [(position: Int, entry: DeadLetterInput)] = []
        var rng = SystemRandomNumberGenerator()
        let headers = ["Content-Type: application/x-ndjson"] + (compressor != nil ? ["Content-Encoding: gzip"] : [])
            + credentialHeaders

        func deadLetter(_ position: Int, status: Int, reason: String) {
            let (bytes, entry) = batch.document(at: position)
            let code = Self.reasonCode(reason, status: status)
            deadLetterEntries.append((position, DeadLetterInput(source: "elasticsearch", position: String(decoding: bytes[entry.id], as: UTF8.self),
                                                                reason: code, detail: reason, statusCode: status, raw: Array(bytes[entry.body]))))
        }

        // Parts still to send, as positions in the batch; a split pushes two halves.
        var parts: [[Int]] = [Array(0..<batch.count)]
        sending: while var part = parts.popLast() {
            var failures = 0   // consecutive attempts of this part without progress, for the backoff
            while !part.isEmpty {
                if Task.isCancelled { break sending }
                let encoded = part.count == batch.count ? batch.encoded : batch.encoded.subset(part)
                let decision = await post(encoded, headers: headers)
                var retry: [Int] = []
                var retryReason = ""
                switch decision {
                case .allDelivered:
                    for position in part { results[position] = .delivered }
                    metrics.delivered.increment(by: part.count)
                case let .perItem(outcomes):
                    for (position, outcome) in zip(part, outcomes) {
                        switch outcome {
                        case .delivered:
                            results[position] = .delivered
                            metrics.delivered.increment()
                        case .duplicate:
                            results[position] = .delivered
                            metrics.duplicate.increment()
                        case let .deadLetter(status, reason):
                            deadLetter(position, status: status, reason: reason)
                        case let .retry(status, reason):
                            retry.append(position)
                            retryReason = reason.isEmpty ? "http \(status)" : reason
                        }
                    }
                case let .retryAll(_, reason):
                    retry = part
                    retryReason = reason
                case let .split(status, reason):
                    if part.count == 1 {
                        deadLetter(part[0], status: status, reason: reason)
                    } else {
                        let middle = part.count / 2
                        parts.append(Array(part[middle...]))
                        parts.append(Array(part[..<middle]))
                        logger.debug("splitting a bulk request", metadata: ["http.status": "\(status)", "es.bulk.items": "\(part.count)"])
                    }
                case let .deadLetterAll(status, reason):
                    for position in part { deadLetter(position, status: status, reason: reason) }
                }

                // Give up on documents that reached max_retries.
                if let maxRetries = configuration.maxRetries {
                    retry = retry.filter { position in
                        attempts[position] += 1
                        guard attempts[position] > maxRetries else { return true }
                        deadLetter(position, status: 0, reason: "max_retries_exceeded: \(retryReason)")
                        return false
                    }
                }
                guard !retry.isEmpty else { break }
                metrics.retried.increment(by: retry.count)
                failures = retry.count < part.count ? 0 : failures + 1
                part = retry
                let wait = backoff.delay(attempt: failures, using: &rng)
                logger.debug("retrying bulk items", metadata: ["es.bulk.items": "\(retry.count)", "reason": "\(retryReason)",
                                                               "backoff.ms": "\(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)"])
                do { try await Task.sleep(for: wait) } catch { break sending }
            }
        }

        if !deadLetterEntries.isEmpty {
            let store = deadLetters
            let entries = deadLetterEntries.map(\.entry)
            do {
                try await ioRun { try store.add(entries) }
                for (position, entry) in deadLetterEntries {
                    results[position] = .deadLettered
                    metrics.deadLetters.labels(entry.reason).increment()
                }
                metrics.deadLettered.increment(by: deadLetterEntries.count)
                logger.warning("documents dead-lettered", metadata: ["es.bulk.items": "\(deadLetterEntries.count)",
                                                                     "reason": "\(deadLetterEntries[0].entry.detail ?? "")"])
            } catch {
                // Left unresolved: the block stays in the spool and the documents are tried again after a restart.
                logger.error("cannot store dead letters", metadata: ["error": "\(error)"])
            }
        }
        // Per block: how many of its documents this batch resolved (its parts are runs of one block each).
        var resolved: [(blockID: Int64, count: Int)] = []
        var position = 0
        for part in batch.parts {
            var count = 0
            for k in position..<position + part.entries.count where results[k] != .unresolved { count += 1 }
            position += part.entries.count
            if let last = resolved.last, last.blockID == part.blockID { resolved[resolved.count - 1].count += count } else { resolved.append((part.blockID, count)) }
        }
        return .finished(resolved: resolved)
    }

    /// One `_bulk` request; transport failures and statuses become a classifier decision.
    private func post(_ encoded: EncodedBatch, headers: [String]) async -> BulkResponseDecision {
        let body = compressor?.compress(encoded.bytes) ?? encoded.bytes
        metrics.sentRaw.increment(by: encoded.bytes.count)
        if compressor != nil { metrics.sentCompressed.increment(by: body.count) }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await sendRequest(CurlRequest(method: "POST", url: configuration.bulkURL(index: encoded.index), headers: headers, body: body)).get()
            metrics.requestDuration.observe(clock.now - start)
            metrics.requests.labels(String(response.status)).increment()
            let decision = BulkResponseClassifier.classify(status: response.status, body: response.body, itemCount: encoded.count)
            if response.status >= 300 {
                logger.warning("bulk request failed", metadata: ["http.status": "\(response.status)", "es.bulk.items": "\(encoded.count)"])
            }
            return decision
        } catch {
            metrics.requestDuration.observe(clock.now - start)
            metrics.requests.labels("error").increment()
            if !error.isCancelled {
                logger.warning("bulk request got no response", metadata: ["error": "\(error.message)", "es.url": "\(error.url)"])
            }
            return BulkResponseClassifier.classifyTransportFailure(error.message)
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
