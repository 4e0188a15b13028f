/// Deterministic, short document ids: the same position always yields the same id, so re-reading a
/// line after a crash re-creates the same `_id` and the sink's `create` turns the duplicate into a `409`.
///
/// ```swift
/// let file = DeterministicID.namespace("2049:131:256-9f1c2d3e4f5a6b7c")   // once per file
/// let id = DeterministicID.make(file, position: 4096)                    // 15 characters, e.g. "q3T0-xk2PZ9aLw_"
/// ```
///
/// An id is 90 bits of a 128-bit keyed hash written in the URL-safe base64 alphabet: 15 characters, which
/// Swift keeps inline in the `String` (no allocation per event, where 32 hex digits cost one), and 17 bytes
/// less per document in the spool and on the wire. Two ids of the same index collide with probability about
/// n²/2⁹¹ (4·10⁻⁸ for ten billion documents).
public enum DeterministicID {
    /// A 128-bit seed for a namespace (a file key, a request digest, ...).
    public struct Namespace: Sendable, Hashable {
        public var high: UInt64
        public var low: UInt64
    }

    /// Hashes a namespace string (FNV-1a 64 in two variants, then mixed).
    public static func namespace(_ name: String) -> Namespace {
        var h1: UInt64 = 0xCBF2_9CE4_8422_2325
        var h2: UInt64 = 0x6C62_272E_07BB_0142
        for b in name.utf8 {
            h1 = (h1 ^ UInt64(b)) &* 0x0000_0100_0000_01B3
            h2 = (h2 &+ UInt64(b)) &* 0x9E37_79B9_7F4A_7C15
            h2 ^= h2 >> 31
        }
        return Namespace(high: mix(h1), low: mix(h2 ^ 0xD6E8_FEB8_6659_FD93))
    }

    /// The id of `position` (a byte offset, a line number) within `namespace`: 15 URL-safe base64 characters.
    public static func make(_ namespace: Namespace, position: Int64) -> String {
        let p = UInt64(bitPattern: position)
        let a = mix(namespace.high ^ (p &* 0x9E37_79B9_7F4A_7C15))
        let b = mix(namespace.low &+ (p &* 0xC2B2_AE3D_27D4_EB4F) ^ a)
        return base64(a, b)
    }

    /// Sixty bits of `a` and thirty of `b`, six bits per character.
    static func base64(_ a: UInt64, _ b: UInt64) -> String {
        String(unsafeUninitializedCapacity: 15) { buf in
            let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            let d = alphabet.utf8Start
            for k in 0..<10 { buf[k] = d[Int((a >> UInt64(6 * k)) & 63)] }
            for k in 0..<5 { buf[10 + k] = d[Int((b >> UInt64(6 * k)) & 63)] }
            return 15
        }
    }

    /// SplitMix64's finaliser: a bijection on 64 bits with good avalanche.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
