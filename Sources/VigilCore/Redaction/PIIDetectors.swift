/// The built-in personal-data detectors.
public enum BuiltinRedactionRule: String, Sendable, CaseIterable, Hashable {
    /// E-mail addresses (`local@domain.tld`).
    case email
    /// E.164 numbers (`+` then 8–15 digits, single spaces or dashes allowed between digits) and
    /// Chinese mobile numbers (`1[3-9]` + 9 digits, optionally `+86`).
    case phone
    /// Dotted-quad IPv4 addresses with octets 0–255.
    case ipv4
    /// IPv6 addresses in RFC 4291 text form (with `::` compression and embedded IPv4).
    case ipv6
    /// Payment-card numbers: 13–19 digits (single spaces or dashes allowed) that pass the Luhn check.
    case card
    /// Chinese resident identity numbers: 17 digits and a check character that passes ISO 7064 MOD 11-2.
    case cnID = "cn_id"

    /// The text that replaces a match.
    public var replacement: String { "[redacted:\(rawValue)]" }
}

/// One detector match inside a string's decoded content.
public struct PIIMatch: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var rule: BuiltinRedactionRule

    public init(start: Int, end: Int, rule: BuiltinRedactionRule) {
        self.start = start
        self.end = end
        self.rule = rule
    }
}

/// Hand-written matchers for ``BuiltinRedactionRule``; pure functions over UTF-8 bytes.
///
/// Numbers are matched only as whole tokens: a digit run that touches a letter, a digit or a decimal
/// point is not a card, an id or a phone number. That keeps UUIDs, timestamps, versions and decimals
/// intact while catching the values people write.
public enum PIIDetectors {
    /// A set of enabled rules as a bit mask.
    public struct RuleSet: Sendable, Equatable {
        public var bits: UInt8
        public init(_ rules: [BuiltinRedactionRule]) {
            bits = 0
            for r in rules { bits |= Self.bit(r) }
        }
        @inline(__always) static func bit(_ r: BuiltinRedactionRule) -> UInt8 {
            switch r {
            case .email: 1
            case .phone: 2
            case .ipv4: 4
            case .ipv6: 8
            case .card: 16
            case .cnID: 32
            }
        }
        @inline(__always) public func contains(_ r: BuiltinRedactionRule) -> Bool { bits & Self.bit(r) != 0 }
        public static let all = RuleSet(BuiltinRedactionRule.allCases)
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- UInt8(ascii: "a") < 26 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20) &- UInt8(ascii: "a") < 6 }
    /// Letters, digits, `_` and any non-ASCII byte count as word characters for token boundaries.
    @inline(__always) static func isWord(_ b: UInt8) -> Bool { isAlnum(b) || b == UInt8(ascii: "_") || b >= 0x80 }

    /// Finds all matches of the enabled rules in `s`, left to right and non-overlapping.
    /// What a cheap pass over a string found: enough to rule detectors out.
    public struct Summary: Sendable {
        public var digits: Int
        public var hasAt: Bool
        public var hasColon: Bool
        public var hasPlus: Bool

        /// Whether any enabled detector could match.
        @inline(__always)
        public func mayMatch(_ rules: RuleSet) -> Bool {
            (hasAt && rules.contains(.email)) || (hasColon && rules.contains(.ipv6)) || (digits >= 4 && rules.contains(.ipv4))
                || (digits >= 8 && (rules.contains(.phone) || rules.contains(.card) || rules.contains(.cnID)))
        }
    }

    /// Whether the whole string is shaped like an RFC 3339 timestamp or a UUID: the two most common digit-rich values
    /// in logs, which hold no personal data and would otherwise cost a full detector pass each.
    /// Checked eight bytes at a time (two such strings are in almost every log line); same answers as
    /// ``isTimestampOrUUIDByteByByte(_:)``.
    @inline(__always)
    public static func isTimestampOrUUID(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = s.count
        guard n >= 10 else { return false }   // shorter than a date: most strings of a line, decided without a call
        guard n >= 16, n <= 40, let base = UnsafeRawPointer(s.baseAddress) else { return isTimestampOrUUIDByteByByte(s) }
        @inline(__always) func word(_ at: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        let high: UInt64 = 0x8080_8080_8080_8080
        if n == 36 {
            // Dashes exactly at 8, 13, 18, 23; hex digits everywhere else.
            let words = (word(0), word(8), word(16), word(24), word(28))
            guard (words.0 | words.1 | words.2 | words.3 | words.4) & high == 0 else { return false }
            let expectedDashes: (UInt64, UInt64, UInt64) = (0x0000_8000_0000_0080, 0x8000_0000_0080_0000, 0)
            func check(_ x: UInt64, dashes: UInt64) -> Bool {
                let dash = SWAR.equal(x, 0x2D)
                return dash == dashes && (SWAR.inRange(x, 0x30, 0x39) | SWAR.inRange(x | 0x2020_2020_2020_2020, 0x61, 0x66) | dash) == high
            }
            return check(words.0, dashes: 0) && check(words.1, dashes: expectedDashes.0) && check(words.2, dashes: expectedDashes.1)
                && check(words.3, dashes: 0) && check(words.4, dashes: 0)
        }
        // `YYYY-MM-DD`, two more digits at 8 and 9, then only characters of a time and offset from 10 on.
        let first = word(0)
        guard first & high == 0, SWAR.equal(first, 0x2D) == 0x8000_0080_0000_0000,
              SWAR.inRange(first, 0x30, 0x39) == 0x0080_8000_8080_8080 else { return false }
        guard s[8] &- 0x30 < 10, s[9] &- 0x30 < 10 else { return false }
        func isTail(_ x: UInt64) -> Bool {
            guard x & high == 0 else { return false }
            let tail = SWAR.inRange(x, 0x30, 0x3A)   // digits and ':'
                | SWAR.equal(x, 0x2E) | SWAR.equal(x, 0x54) | SWAR.equal(x, 0x5A) | SWAR.equal(x, 0x2B) | SWAR.equal(x, 0x2D)
            return tail == high
        }
        var at = 8
        while at + 8 <= n {
            guard isTail(word(at)) else { return false }
            at += 8
        }
        return at == n || isTail(word(n - 8))
    }

    /// The byte-by-byte definition of ``isTimestampOrUUID(_:)``, kept as the reference its tests compare with.
    static func isTimestampOrUUIDByteByByte(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = s.count
        if n == 36 {
            for k in 0..<36 {
                let b = s[k]
                if k == 8 || k == 13 || k == 18 || k == 23 {
                    if b != UInt8(ascii: "-") { return false }
                } else if !isHex(b) {
                    return false
                }
            }
            return true
        }
        // `YYYY-MM-DD` then only characters of a time and offset (no spaces, so nothing else can follow).
        guard n >= 10 && n <= 40, s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-") else { return false }
        for k in 0..<n where k != 4 && k != 7 {
            let b = s[k]
            if isDigit(b) { continue }
            guard k >= 10, b == UInt8(ascii: ":") || b == UInt8(ascii: ".") || b == UInt8(ascii: "T")
                || b == UInt8(ascii: "Z") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") else { return false }
        }
        return true
    }

    /// One pass, eight bytes at a time: counts digits and notes `@`, `:` and `+`.
    @inline(__always)
    public static func summarize(_ s: UnsafeBufferPointer<UInt8>) -> Summary {
        let n = s.count
        var digits = 0
        var hasAt = false
        var hasColon = false
        var hasPlus = false
        var i = 0
        if let base = UnsafeRawPointer(s.baseAddress) {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let high: UInt64 = 0x8080_8080_8080_8080
            var specials: UInt64 = 0
            while i + 8 <= n {
                let x = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if x & high != 0 { break }  // non-ASCII: the byte loop below handles the rest
                // For ASCII bytes the additions cannot carry into the next byte.
                // One bit per digit at the top of its byte, moved to the bottom and summed into the top byte by a
                // multiply: cheaper than `nonzeroBitCount`, which is a dozen instructions on CPUs without POPCNT
                // (Swift's default x86-64 target).
                digits &+= Int(truncatingIfNeeded: ((((x &+ ones &* 0x50) & ~(x &+ ones &* 0x46) & high) &>> 7) &* ones) &>> 56)
                let at = x ^ (ones &* 0x40)
                let colon = x ^ (ones &* 0x3A)
                let plus = x ^ (ones &* 0x2B)
                specials |= ((at &- ones) & ~at) | ((colon &- ones) & ~colon) | ((plus &- ones) & ~plus)
                i += 8
            }
            if specials & high != 0 {
                // Rare: find out which (exactly) with the byte loop over the words already seen.
                for k in 0..<i {
                    let b = s[k]
                    if b == UInt8(ascii: "@") { hasAt = true } else if b == UInt8(ascii: ":") { hasColon = true } else if b == UInt8(ascii: "+") { hasPlus = true }
                }
            }
        }
        while i < n {
            let b = s[i]
            if isDigit(b) {
                digits += 1
            } else if b == UInt8(ascii: "@") {
                hasAt = true
            } else if b == UInt8(ascii: ":") {
                hasColon = true
            } else if b == UInt8(ascii: "+") {
                hasPlus = true
            }
            i += 1
        }
        return Summary(digits: digits, hasAt: hasAt, hasColon: hasColon, hasPlus: hasPlus)
    }

    /// Finds all matches of the enabled rules in `s`, left to right and non-overlapping.
    public static func scan(_ s: UnsafeBufferPointer<UInt8>, rules: RuleSet, into matches: inout [PIIMatch]) {
        scan(s, rules: rules, summary: summarize(s), into: &matches)
    }

    /// ``scan(_:rules:into:)`` with the summary already computed.
    public static func scan(_ s: UnsafeBufferPointer<UInt8>, rules: RuleSet, summary: Summary, into matches: inout [PIIMatch]) {
        let n = s.count
        let digits = summary.digits
        let hasAt = summary.hasAt
        let hasColon = summary.hasColon
        let hasPlus = summary.hasPlus
        var i = 0
        let wantEmail = hasAt && rules.contains(.email)
        let wantIPv6 = hasColon && rules.contains(.ipv6)
        let wantIPv4 = digits >= 4 && rules.contains(.ipv4)
        let wantLong = digits >= 8 && (rules.contains(.phone) || rules.contains(.card) || rules.contains(.cnID))
        let wantPlus = wantLong && hasPlus && rules.contains(.phone)
        guard wantEmail || wantIPv6 || wantIPv4 || wantLong else { return }
        let startCount = matches.count
        if wantEmail { scanEmails(s, into: &matches) }
        guard wantIPv6 || wantIPv4 || wantLong else { return }
        let emailEnd = matches.count
        var nextEmail = startCount
        i = 0
        while i < n {
            // Skip over e-mail matches so the number detectors never overlap them.
            if nextEmail < emailEnd && i >= matches[nextEmail].start {
                i = max(i, matches[nextEmail].end)
                nextEmail += 1
                continue
            }
            let b = s[i]
            let candidate = isDigit(b) || (wantIPv6 && (b == UInt8(ascii: ":") || (b | 0x20) &- UInt8(ascii: "a") < 6))
                || (wantPlus && b == UInt8(ascii: "+"))
            if !candidate {
                i += 1
                continue
            }
            if i > 0 {
                let p = s[i - 1]
                if isWord(p) || p == UInt8(ascii: ".") || (p == UInt8(ascii: "-") && i >= 2 && isWord(s[i - 2])) {
                    i = skipToken(s, i + 1, n)
                    continue
                }
            }
            let limit = nextEmail < emailEnd ? matches[nextEmail].start : n
            if let m = matchAt(s, i, limit: limit, wantIPv4: wantIPv4, wantIPv6: wantIPv6,
                               wantLong: wantLong, hasPlus: hasPlus, rules: rules) {
                matches.append(m)
                i = m.end
                continue
            }
            i = skipToken(s, i + 1, n)
        }
        if wantEmail && emailEnd > startCount && matches.count > emailEnd {
            matches[startCount...].sort { $0.start < $1.start }
        }
    }

    /// Skips the rest of a token: word characters, and dashes or dots that join word characters
    /// (no position inside such a token is at a boundary).
    @inline(__always)
    static func skipToken(_ s: UnsafeBufferPointer<UInt8>, _ from: Int, _ n: Int) -> Int {
        var i = from
        while i < n {
            let b = s[i]
            if isWord(b) {
                i += 1
            } else if (b == UInt8(ascii: "-") || b == UInt8(ascii: ".")) && i + 1 < n && isWord(s[i + 1]) {
                i += 2
            } else {
                break
            }
        }
        return i
    }

    static func matchAt(_ s: UnsafeBufferPointer<UInt8>, _ i: Int, limit n: Int, wantIPv4: Bool, wantIPv6: Bool,
                        wantLong: Bool, hasPlus: Bool, rules: RuleSet) -> PIIMatch? {
        let b = s[i]
        if b == UInt8(ascii: "+") {
            if wantLong && hasPlus && rules.contains(.phone), let end = matchE164(s, i, n) {
                return PIIMatch(start: i, end: end, rule: .phone)
            }
            return nil
        }
        if isDigit(b) {
            if wantLong, let m = matchDigitRun(s, i, n, rules: rules) { return m }
            if wantIPv4, let end = matchIPv4(s, i, n) { return PIIMatch(start: i, end: end, rule: .ipv4) }
        }
        if wantIPv6, let end = matchIPv6(s, i, n) { return PIIMatch(start: i, end: end, rule: .ipv6) }
        return nil
    }

    /// A token ends at `end` when the next byte is not a word character and not a decimal point before a digit.
    @inline(__always)
    static func endsToken(_ s: UnsafeBufferPointer<UInt8>, _ end: Int, _ n: Int) -> Bool {
        if end >= n { return true }
        let b = s[end]
        if isWord(b) { return false }
        // A dash joining more word characters makes this part of a longer token (a UUID, a SKU, a date).
        if b == UInt8(ascii: "-") && end + 1 < n && isWord(s[end + 1]) { return false }
        if (b == UInt8(ascii: ".") || b == UInt8(ascii: ",")) && end + 1 < n && isDigit(s[end + 1]) { return false }
        return true
    }

    /// `+` then 8–15 digits with single spaces/dashes between digits.
    static func matchE164(_ s: UnsafeBufferPointer<UInt8>, _ start: Int, _ n: Int) -> Int? {
        var j = start + 1
        var count = 0
        var end = j
        while j < n {
            if isDigit(s[j]) {
                count += 1
                j += 1
                end = j
            } else if (s[j] == UInt8(ascii: " ") || s[j] == UInt8(ascii: "-")) && j + 1 < n && isDigit(s[j + 1]) && count > 0 {
                j += 1
            } else {
                break
            }
        }
        guard count >= 8 && count <= 15 && endsToken(s, end, n) else { return nil }
        return end
    }

    /// Digits from `start` (single spaces or dashes allowed between them): a Chinese id number, a card
    /// number or a Chinese mobile number.
    static func matchDigitRun(_ s: UnsafeBufferPointer<UInt8>, _ start: Int, _ n: Int, rules: RuleSet) -> PIIMatch? {
        // Contiguous part first: an 18-character id is 17 digits plus a digit or X.
        var j = start
        while j < n && isDigit(s[j]) { j += 1 }
        let contiguous = j - start
        if rules.contains(.cnID) {
            if contiguous == 17 && j < n && (s[j] | 0x20) == UInt8(ascii: "x") && endsToken(s, j + 1, n) {
                if isValidChineseID(s, start) { return PIIMatch(start: start, end: j + 1, rule: .cnID) }
            } else if contiguous == 18 && endsToken(s, j, n) && isValidChineseID(s, start) {
                return PIIMatch(start: start, end: j, rule: .cnID)
            }
        }
        // Then the run with separators.
        var count = 0
        var end = start
        var separated = false
        j = start
        while j < n && count <= 19 {
            if isDigit(s[j]) {
                count += 1
                j += 1
                end = j
            } else if (s[j] == UInt8(ascii: " ") || s[j] == UInt8(ascii: "-")) && j + 1 < n && isDigit(s[j + 1]) {
                separated = true
                j += 1
            } else {
                break
            }
        }
        guard endsToken(s, end, n) else { return nil }
        if rules.contains(.card) && count >= 13 && count <= 19 && luhnValid(s, start, end) {
            return PIIMatch(start: start, end: end, rule: .card)
        }
        if rules.contains(.phone) && count == 11 && s[start] == UInt8(ascii: "1") {
            // Second digit 3-9 (China mobile ranges); find it past a possible separator.
            var k = start + 1
            while k < end && !isDigit(s[k]) { k += 1 }
            if k < end && s[k] >= UInt8(ascii: "3") {
                _ = separated
                return PIIMatch(start: start, end: end, rule: .phone)
            }
        }
        return nil
    }

    /// The Luhn check over the digits in `start..<end` (separators skipped).
    public static func luhnValid(_ s: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var sum = 0
        var double = false
        var k = end - 1
        while k >= start {
            let b = s[k]
            if isDigit(b) {
                var d = Int(b &- UInt8(ascii: "0"))
                if double {
                    d *= 2
                    if d > 9 { d -= 9 }
                }
                sum += d
                double.toggle()
            }
            k -= 1
        }
        return sum % 10 == 0
    }

    /// ISO 7064 MOD 11-2 over 17 digits at `start` and the check character after them.
    public static func isValidChineseID(_ s: UnsafeBufferPointer<UInt8>, _ start: Int) -> Bool {
        // Weights are 2^(17-i) mod 11.
        let weights: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
            (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        var sum = 0
        withUnsafeBytes(of: weights) { raw in
            let w = raw.bindMemory(to: Int.self)
            for k in 0..<17 { sum += Int(s[start + k] &- UInt8(ascii: "0")) * w[k] }
        }
        // Check character for (12 - sum mod 11) mod 11, where 10 is written X.
        let check = (12 - sum % 11) % 11
        let c = s[start + 17]
        if check == 10 { return (c | 0x20) == UInt8(ascii: "x") }
        return isDigit(c) && Int(c &- UInt8(ascii: "0")) == check
    }

    /// Four decimal octets 0–255 separated by dots.
    static func matchIPv4(_ s: UnsafeBufferPointer<UInt8>, _ start: Int, _ n: Int) -> Int? {
        var j = start
        for part in 0..<4 {
            if part > 0 {
                guard j < n, s[j] == UInt8(ascii: ".") else { return nil }
                j += 1
            }
            var value = 0
            var len = 0
            while j < n && isDigit(s[j]) && len < 4 {
                value = value * 10 + Int(s[j] &- UInt8(ascii: "0"))
                len += 1
                j += 1
            }
            guard len >= 1 && len <= 3 && value <= 255 else { return nil }
        }
        if j < n && (isWord(s[j]) || (s[j] == UInt8(ascii: ".") && j + 1 < n && isDigit(s[j + 1]))) { return nil }
        return j
    }

    /// An RFC 4291 text address: up to eight groups of 1–4 hex digits, at most one `::`, optionally ending
    /// in a dotted IPv4 address.
    static func matchIPv6(_ s: UnsafeBufferPointer<UInt8>, _ start: Int, _ n: Int) -> Int? {
        var j = start
        var groups = 0
        var compressed = false
        var end = start
        if j + 1 < n && s[j] == UInt8(ascii: ":") && s[j + 1] == UInt8(ascii: ":") {
            compressed = true
            j += 2
            end = j
        } else if s[j] == UInt8(ascii: ":") {
            return nil
        }
        while j < n && groups < 8 {
            // One group (or an embedded IPv4 address in the last position).
            var len = 0
            while j + len < n && isHex(s[j + len]) && len < 5 { len += 1 }
            if len == 0 { break }
            if j + len < n && s[j + len] == UInt8(ascii: ".") {
                guard groups <= 6, let v4End = matchIPv4(s, j, n) else { return nil }
                groups += 2
                end = v4End
                j = v4End
                break
            }
            guard len <= 4 else { return nil }
            groups += 1
            j += len
            end = j
            if j + 1 < n && s[j] == UInt8(ascii: ":") && s[j + 1] == UInt8(ascii: ":") {
                if compressed { return nil }
                compressed = true
                j += 2
                end = j
            } else if j + 1 < n && s[j] == UInt8(ascii: ":") && isHex(s[j + 1]) {
                j += 1
            } else {
                break
            }
        }
        guard compressed ? groups <= 7 : groups == 8 else { return nil }
        if compressed && groups == 0 && end - start == 2 {
            // A bare `::` is an address too, but in text it is far more often punctuation.
            return nil
        }
        if end < n && (isWord(s[end]) || s[end] == UInt8(ascii: ":") || s[end] == UInt8(ascii: ".")) { return nil }
        return end
    }

    /// Finds e-mail addresses around each `@`.
    static func scanEmails(_ s: UnsafeBufferPointer<UInt8>, into matches: inout [PIIMatch]) {
        let n = s.count
        var at = 0
        var lastEnd = 0
        while at < n {
            guard s[at] == UInt8(ascii: "@") else {
                at += 1
                continue
            }
            // Local part: letters, digits and . _ % + - (at most 64), not starting with a dot.
            var ls = at
            while ls > lastEnd && at - ls < 64 {
                let b = s[ls - 1]
                if isAlnum(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "%")
                    || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") {
                    ls -= 1
                } else {
                    break
                }
            }
            while ls < at && s[ls] == UInt8(ascii: ".") { ls += 1 }
            guard ls < at else {
                at += 1
                continue
            }
            // Domain: labels of letters, digits and inner dashes, at least two, the last alphabetic (>= 2).
            var j = at + 1
            var labels = 0
            var lastLabelAlpha = false
            var lastLabelLength = 0
            var end = at + 1
            while j < n {
                var k = j
                var alpha = true
                while k < n && (isAlnum(s[k]) || s[k] == UInt8(ascii: "-")) {
                    if !isAlpha(s[k]) { alpha = false }
                    k += 1
                }
                let len = k - j
                if len == 0 || s[j] == UInt8(ascii: "-") || s[k - 1] == UInt8(ascii: "-") { break }
                labels += 1
                lastLabelAlpha = alpha
                lastLabelLength = len
                end = k
                if k + 1 < n && s[k] == UInt8(ascii: ".") && isAlnum(s[k + 1]) {
                    j = k + 1
                } else {
                    break
                }
            }
            if labels >= 2 && lastLabelAlpha && lastLabelLength >= 2 {
                matches.append(PIIMatch(start: ls, end: end, rule: .email))
                lastEnd = end
                at = end
            } else {
                at += 1
            }
        }
    }
}
