/// Deterministic, sticky assignment of units (users, sessions, requests) to the two variants of a rollout.
///
/// The rule, reproducible in any language:
/// 1. `digest = SHA-256(UTF-8 bytes of salt + ":" + unit)`;
/// 2. `bucket = (first 8 bytes of digest read as a big-endian unsigned 64-bit integer) mod 10,000`;
/// 3. with the challenger's weight `w` in basis points (`percent × 100`, rounded to the nearest integer),
///    the unit is in the challenger when `bucket < w`, otherwise in the champion.
///
/// Because the challenger always takes the *lowest* buckets, raising its weight only moves units from the
/// champion to the challenger, never back: a unit in the challenger at 10 % stays there at 25 %
/// (stickiness). Weight 0 (rolled back, or not started) sends every unit to the champion; weight 100 % (promoted)
/// sends every unit to the challenger. Two replicas with the same salt and weight answer the same without
/// talking to each other. The modulo bias of 2⁶⁴ mod 10,000 is below 10⁻¹⁵ and is ignored.
///
/// ```swift
/// let a = Assignment(salt: "fraud-detector/v4")
/// a.bucket(of: "user-42")                       // 0 ..< 10_000, the same on every replica
/// a.variant(of: "user-42", challengerPercent: 10, champion: "v3", challenger: "v4")
/// ```
public struct Assignment: Sendable, Hashable {
    /// Number of buckets: the weight resolution is 0.01 %.
    public static let bucketCount = 10_000

    /// Per-rollout salt, so that two rollouts split the same units independently.
    public var salt: String

    public init(salt: String) { self.salt = salt }

    /// The unit's bucket in `0 ..< 10_000`.
    public func bucket(of unit: String) -> Int {
        var hasher = SHA256()
        hasher.update(Array(salt.utf8))
        hasher.update(CollectionOfOne(UInt8(ascii: ":")))
        hasher.update(Array(unit.utf8))
        let digest = hasher.finalize()
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(digest[i]) }
        return Int(value % UInt64(Self.bucketCount))
    }

    /// The challenger's share in buckets for a weight in percent (clamped to 0...100).
    public static func challengerBuckets(percent: Double) -> Int {
        guard percent.isFinite else { return 0 }
        let clamped = min(max(percent, 0), 100)
        return Int((clamped * 100).rounded())
    }

    /// Whether a bucket belongs to the challenger at the given weight.
    public static func isChallenger(bucket: Int, percent: Double) -> Bool {
        bucket < challengerBuckets(percent: percent)
    }

    /// The variant name for `unit` when the challenger receives `challengerPercent` of the traffic.
    public func variant(of unit: String, challengerPercent: Double, champion: String, challenger: String) -> String {
        Self.isChallenger(bucket: bucket(of: unit), percent: challengerPercent) ? challenger : champion
    }
}
