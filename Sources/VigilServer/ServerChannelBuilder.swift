import HummingbirdCore

/// The HTTP/1 server builder of Vigil's listeners: plain HTTP, or TLS from a ``TLSCertificateStore`` (each new
/// connection takes the store's current context, so a reloaded certificate is served without a restart).
/// The API server and the OTLP receiver both use it.
public enum ServerChannelBuilder {
    public static func http1(tls: TLSCertificateStore?) -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        return HTTPServerBuilder { responder in
            ReloadingTLSChannel(base: HTTP1Channel(responder: responder), store: tls)
        }
    }
}
