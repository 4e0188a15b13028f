import FoundationEssentials

/// JSON with sorted keys, the form of every rollout body Vigil writes (API answers, audit evidence, webhook and
/// Alertmanager bodies), so the same value always gives the same bytes (and the same webhook signature).
public enum SortedJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [UInt8](try encoder.encode(value))
    }

    /// For values whose numbers are all finite (rollout types store non-finite numbers as absent), where encoding
    /// cannot fail; a failure would be a programming error and yields an error object instead of a crash.
    public static func bytes<T: Encodable>(_ value: T) -> [UInt8] {
        (try? encode(value)) ?? Array(#"{"error":"encoding failed"}"#.utf8)
    }
}
