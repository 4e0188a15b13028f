/// Byte-parallel tests on eight bytes in a `UInt64` (SWAR): bit 7 of each byte of the result says whether that
/// byte passes. `inRange` and `equal` need every byte below 0x80 (callers check), so the additions never carry
/// across bytes.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let high: UInt64 = 0x8080_8080_8080_8080

    /// Bytes in `lo...hi`.
    @inline(__always)
    static func inRange(_ x: UInt64, _ lo: UInt8, _ hi: UInt8) -> UInt64 {
        (x &+ ones &* UInt64(0x80 - lo)) & ~(x &+ ones &* UInt64(0x7F - hi)) & high
    }

    /// Bytes equal to `c`.
    @inline(__always)
    static func equal(_ x: UInt64, _ c: UInt8) -> UInt64 { inRange(x, c, c) }

    /// Bit 7 of a byte of the result is set where `x` has `"`, `\` or a byte below 0x20: what ends a run of
    /// plain JSON string content. Works on any bytes (no ASCII precondition), but only the lowest set bit is
    /// exact (borrows may set higher ones), which is all the string scanners use.
    @inline(__always)
    static func quoteBackslashOrControl(_ x: UInt64) -> UInt64 {
        let quote = x ^ (ones &* 0x22)
        let backslash = x ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (x &- ones &* 0x20) & ~x
        return (hasQuote | hasBackslash | hasControl) & high
    }
}
