import VigilCore

/// A file's identity: device and inode plus a hash of its first bytes, so that an inode number reused
/// by a new file (after the old one was deleted) is not mistaken for the old file.
///
/// The checkpoint key is `"<device>:<inode>:<length>-<hash>"`, where `length` is how many leading bytes the
/// hash covers (it grows to ``FileFingerprint/maxLength`` as the file grows, so the key of a young file
/// changes once; restoring accepts any key whose covered prefix still matches).
public struct FileFingerprint: Sendable, Hashable {
    public static let maxLength = 256

    public var device: UInt64
    public var inode: UInt64
    /// Number of leading bytes hashed.
    public var length: Int
    /// FNV-1a 64 of those bytes.
    public var hash: UInt64

    public init(device: UInt64, inode: UInt64, length: Int, hash: UInt64) {
        self.device = device
        self.inode = inode
        self.length = length
        self.hash = hash
    }

    /// Fingerprints a file from its first bytes (`prefix` may be longer than ``maxLength``).
    public init(device: UInt64, inode: UInt64, prefix: some Collection<UInt8>) {
        let covered = prefix.prefix(Self.maxLength)
        self.init(device: device, inode: inode, length: covered.count, hash: Self.fnv(covered))
    }

    static func fnv(_ bytes: some Collection<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The checkpoint key.
    public var key: String {
        let hex = String(hash, radix: 16)
        return "\(device):\(inode):\(length)-\(String(repeating: "0", count: 16 - hex.count))\(hex)"
    }

    /// Parses a checkpoint key; nil when it is not one of ours.
    public init?(key: String) {
        let parts = key.split(separator: ":")
        guard parts.count == 3, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        let fp = parts[2].split(separator: "-")
        guard fp.count == 2, let length = Int(fp[0]), length >= 0, length <= Self.maxLength,
              let hash = UInt64(fp[1], radix: 16) else { return nil }
        self.init(device: device, inode: inode, length: length, hash: hash)
    }

    /// Whether a file with this device/inode whose first bytes are `prefix` is the file this fingerprint describes.
    public func matches(device: UInt64, inode: UInt64, prefix: some Collection<UInt8>) -> Bool {
        guard device == self.device && inode == self.inode && prefix.count >= length else { return false }
        return Self.fnv(prefix.prefix(length)) == hash
    }
}
