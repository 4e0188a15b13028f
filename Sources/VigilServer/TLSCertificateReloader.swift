import Logging
import ServiceLifecycle
import VigilCore

/// Checks the TLS files every ``ServerTLSConfiguration/reloadIntervalSeconds`` and swaps the server's
/// context when they changed. Runs in the agent's `ServiceGroup` beside the server.
///
/// Counts `vigil_tls_reloads_total{outcome}` (`reloaded`, `failed`) and exposes the served certificate's
/// expiry as `vigil_tls_certificate_expiry_timestamp_seconds`, so an alert can fire before it lapses.
public struct TLSCertificateReloader: Service {
    let store: TLSCertificateStore
    let reloads: CounterFamily
    let expiry: Gauge
    let logger: Logger

    public init(store: TLSCertificateStore, registry: MetricRegistry, logger: Logger) {
        self.store = store
        self.logger = logger
        reloads = registry.counter("vigil_tls_reloads_total",
                                   help: "Reloads of the HTTP server's TLS certificate, key and client CA files after they changed, by outcome (reloaded, failed).",
                                   labelNames: ["outcome"])
        expiry = registry.gauge("vigil_tls_certificate_expiry_timestamp_seconds",
                                help: "Expiry (notAfter) of the certificate the HTTP server presents, in seconds since 1970.").labels()
        expiry.set(Double(store.notValidAfter))
    }

    public func run() async throws {
        let interval = Duration.milliseconds(Int64(store.configuration.reloadIntervalSeconds * 1000))
        while !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            if Task.isShuttingDownGracefully { return }
            check()
        }
    }

    /// One check; public so a test (or a SIGHUP handler) can trigger it without waiting.
    @discardableResult public func check() -> TLSCertificateStore.ReloadOutcome {
        let outcome = store.reloadIfChanged()
        switch outcome {
        case .unchanged: break
        case .reloaded:
            reloads.labels("reloaded").increment()
            expiry.set(Double(store.notValidAfter))
            logger.info("tls certificate reloaded", metadata: ["tls.cert_file": "\(store.configuration.certificateFile)"])
        case .failed(let why):
            reloads.labels("failed").increment()
            logger.warning("tls certificate reload failed; still serving the previous certificate",
                           metadata: ["tls.cert_file": "\(store.configuration.certificateFile)", "error": "\(why)"])
        }
        return outcome
    }
}
