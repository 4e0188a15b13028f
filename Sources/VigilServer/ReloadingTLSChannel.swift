import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Hummingbird's TLS child channel, except that each new connection takes the store's *current* context,
/// so a reloaded certificate is used from the next connection on. (HummingbirdTLS's `TLSChannel` builds
/// its context once.)
struct ReloadingTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let store: TLSCertificateStore

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = store.context
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
