import VigilHTTPClient

extension ElasticsearchShipper {
    /// Asks `GET /` (of each host in turn) until Elasticsearch answers 2xx (or a `_bulk` request has reached it first), so that an idle
    /// agent with an empty spool also learns whether its sink is reachable. Waits between attempts as the
    /// shipper's backoff says; returns at the first contact or when cancelled.
    func probeUntilContact() async {
        var attempt = 0
        var rng = SystemRandomNumberGenerator()
        while !contact.isReady, !Task.isCancelled {
            // Any host will do: one answer from the cluster is contact. Hosts are asked in turn.
            let base = configuration.baseURL(host: attempt % hosts.count)
            switch await sendRequest(CurlRequest(method: "GET", url: base + "/")) {
            case let .success(response):
                contact.record(status: response.status)
            case let .failure(error):
                if error.isCancelled { return }
                contact.record(status: nil, failure: error.message)
            }
            if contact.isReady { break }
            if case let .notReady(reason) = contact.status {
                logger.debug("Elasticsearch not reached yet", metadata: ["reason": "\(reason)"])
            }
            do {
                try await Task.sleep(for: max(backoff.initial, backoff.delay(attempt: attempt / hosts.count, using: &rng)))
            } catch {
                return
            }
            attempt += 1
        }
        if contact.isReady { logger.info("Elasticsearch reached") }
    }
}
