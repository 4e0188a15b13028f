import Foundation
import VigilCore

/// The durable part of the remote-write queue: one file per compressed request in `<data_dir>/remote_write/`,
/// named `<id>-<samples>.req` with the id zero-padded so that names sort in queue order. A file is written under
/// a temporary name, flushed to disk and renamed, so a crash leaves either a complete request or none (stray
/// temporary files are removed at start). The queue's order and limits are the ``RemoteWriteStateMachine``'s;
/// this type only stores bytes. Not thread-safe: the sender calls it from its one loop, on a blocking pool.
public struct RemoteWriteQueue: Sendable {
    /// A file operation failed.
    public struct IOError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let directory: String

    /// Creates the folder when missing.
    /// - Throws: ``IOError`` when it cannot be created.
    public init(directory: String) throws(IOError) {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw IOError(description: "cannot create the remote write queue folder \(directory): \(error.localizedDescription)")
        }
    }

    /// The queued batches in order, after removing temporary files of an interrupted write.
    public func load() throws(IOError) -> [RemoteWriteStateMachine.Batch] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw IOError(description: "cannot list the remote write queue folder \(directory): \(error.localizedDescription)")
        }
        var batches: [RemoteWriteStateMachine.Batch] = []
        for name in names {
            if name.hasSuffix(".tmp") { try? FileManager.default.removeItem(atPath: path(name)); continue }
            guard name.hasSuffix(".req") else { continue }
            let parts = name.dropLast(4).split(separator: "-")
            guard parts.count == 2, let id = Int64(parts[0]), let samples = Int(parts[1]) else { continue }
            let attributes = try? FileManager.default.attributesOfItem(atPath: path(name))
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
            batches.append(.init(id: id, bytes: size, samples: samples))
        }
        return batches.sorted { $0.id < $1.id }
    }

    /// Writes a request durably (temporary file, fsync, rename).
    public func append(id: Int64, body: [UInt8], samples: Int) throws(IOError) -> RemoteWriteStateMachine.Batch {
        let final = path(Self.fileName(id: id, samples: samples))
        let temporary = final + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw IOError(description: "cannot create \(temporary)")
        }
        do {
            try handle.write(contentsOf: body)
            try handle.synchronize()
            try handle.close()
            if rename(temporary, final) != 0 { throw IOError(description: "cannot rename \(temporary): errno \(errno)") }
        } catch let error as IOError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw IOError(description: "cannot write \(temporary): \(error.localizedDescription)")
        }
        return .init(id: id, bytes: body.count, samples: samples)
    }

    /// The compressed body of a queued batch.
    public func read(_ batch: RemoteWriteStateMachine.Batch) throws(IOError) -> [UInt8] {
        let file = path(Self.fileName(id: batch.id, samples: batch.samples))
        guard let data = FileManager.default.contents(atPath: file) else { throw IOError(description: "cannot read \(file)") }
        return [UInt8](data)
    }

    /// Deletes a delivered or dropped batch; a file already gone is not an error.
    public func remove(_ batch: RemoteWriteStateMachine.Batch) {
        try? FileManager.default.removeItem(atPath: path(Self.fileName(id: batch.id, samples: batch.samples)))
    }

    static func fileName(id: Int64, samples: Int) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 19 - digits.count)) + digits + "-\(samples).req"
    }

    private func path(_ name: String) -> String { directory + "/" + name }
}
