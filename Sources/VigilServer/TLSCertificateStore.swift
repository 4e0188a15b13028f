#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOSSL
import Synchronization

/// Holds the TLS context the server hands to each new connection, and rebuilds it when the
/// certificate, key or client CA file changes.
///
/// Invariants: ``context`` is always a context built from one consistent read of the files; a reload that
/// fails (a half-written file, a key that does not match the certificate) keeps the previous context and
/// is reported, so a bad rotation never takes the listener down.
public final class TLSCertificateStore: Sendable {
    /// A TLS file that could not be used, with the file named.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var message: String
        public var description: String { "\(file): \(message)" }
    }

    /// What a reload check found.
    public enum ReloadOutcome: Sendable, Equatable {
        case unchanged
        case reloaded
        case failed(String)
    }

    /// Identity of a file's current content as far as `stat` tells: a rename over it (Kubernetes secret
    /// updates swap a symlink) changes the inode, an edit in place the modification time or size.
    struct FileStamp: Equatable, Sendable {
        var device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int, modifiedNanoseconds: Int
    }

    public let configuration: ServerTLSConfiguration
    private struct Loaded: Sendable {
        var context: NIOSSLContext
        var stamps: [FileStamp?]
        var notValidAfter: Int
    }
    private let state: Mutex<Loaded>

    /// Reads the files and builds the first context. Throws ``LoadError`` naming the file at fault.
    public init(configuration: ServerTLSConfiguration) throws {
        self.configuration = configuration
        let stamps = configuration.files.map(Self.stamp)
        state = Mutex(try Self.load(configuration, stamps: stamps))
    }

    /// The context for a new connection.
    public var context: NIOSSLContext { state.withLock { $0.context } }

    /// The leaf certificate's expiry, in seconds since 1970.
    public var notValidAfter: Int { state.withLock { $0.notValidAfter } }

    /// Rebuilds the context when any file's stamp changed since the last successful load.
    public func reloadIfChanged() -> ReloadOutcome {
        let stamps = configuration.files.map(Self.stamp)
        if state.withLock({ $0.stamps == stamps }) { return .unchanged }
        do {
            let loaded = try Self.load(configuration, stamps: stamps)
            state.withLock { $0 = loaded }
            return .reloaded
        } catch {
            return .failed(String(describing: error))
        }
    }

    private static func load(_ configuration: ServerTLSConfiguration, stamps: [FileStamp?]) throws -> Loaded {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(configuration.certificateFile)
        } catch {
            throw LoadError(file: configuration.certificateFile, message: "cannot read a PEM certificate chain: \(error)")
        }
        guard let leaf = chain.first else {
            throw LoadError(file: configuration.certificateFile, message: "holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: configuration.privateKeyFile, format: .pem)
        } catch {
            throw LoadError(file: configuration.privateKeyFile, message: "cannot read a PEM private key: \(error)")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        if let ca = configuration.clientCAFile {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(ca)
            } catch {
                throw LoadError(file: ca, message: "cannot read the PEM client CA certificates: \(error)")
            }
            guard !roots.isEmpty else { throw LoadError(file: ca, message: "holds no PEM certificate") }
            tls.trustRoots = .certificates(roots)
            // Verify the client's chain; there is no host name to check on the server side.
            tls.certificateVerification = .noHostnameVerification
            tls.sendCANameList = true
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw LoadError(file: configuration.privateKeyFile,
                            message: "the key does not fit the certificate in \(configuration.certificateFile), or the TLS context cannot be built: \(error)")
        }
        return Loaded(context: context, stamps: stamps, notValidAfter: Int(leaf.notValidAfter))
    }

    static func stamp(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let mtime = info.st_mtimespec
        #else
        let mtime = info.st_mtim
        #endif
        return FileStamp(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                         modifiedSeconds: Int(mtime.tv_sec), modifiedNanoseconds: Int(mtime.tv_nsec))
    }
}
