/// TLS for the agent's HTTP server: PEM files for the certificate chain and the private key, and
/// optionally the CA that client certificates must chain to (client-certificate authentication).
///
/// The files are re-read when they change (checked every `reloadIntervalSeconds`), so a renewed
/// certificate is served on the next connection without a restart; connections already open keep theirs.
public struct ServerTLSConfiguration: Sendable, Equatable {
    /// PEM certificate chain, leaf first.
    public var certificateFile: String
    /// PEM private key of the leaf certificate.
    public var privateKeyFile: String
    /// When set, every client must present a certificate that chains to a CA in this PEM file;
    /// the TLS handshake fails otherwise.
    public var clientCAFile: String?
    /// How often the files are checked for changes (by modification time, size and inode).
    public var reloadIntervalSeconds: Double

    public init(certificateFile: String, privateKeyFile: String, clientCAFile: String? = nil, reloadIntervalSeconds: Double = 30) {
        self.certificateFile = certificateFile; self.privateKeyFile = privateKeyFile
        self.clientCAFile = clientCAFile; self.reloadIntervalSeconds = reloadIntervalSeconds
    }

    /// The files to watch, in a fixed order.
    var files: [String] { [certificateFile, privateKeyFile] + (clientCAFile.map { [$0] } ?? []) }
}
