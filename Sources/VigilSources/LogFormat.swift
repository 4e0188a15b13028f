import VigilCore

/// How a file source's lines are wrapped.
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    /// One JSON object per line.
    case json
    /// Kubernetes CRI: `<RFC 3339 time> <stdout|stderr> <P|F> <content>`; `P` parts are joined until `F`.
    case cri
    /// Docker's json-file driver: `{"log":"…\n","stream":"stdout","time":"…"}`; a `log` without a final
    /// newline is a partial line (Docker splits at 16 KiB) continued by the next record.
    case docker
}

/// Turns physical lines of a container log into the application's logical lines. Pure.
///
/// Invariants:
/// - A logical line is emitted when its last part arrives; ``pendingStart`` is then the offset of the first
///   part of an incomplete logical line (the safe checkpoint), nil when none is pending.
/// - A reassembled line longer than `maxLineBytes` is cut and marked `truncated`; later parts are skipped.
/// - A physical line that is not in the expected wrapper is passed through unchanged (the pipeline rejects
///   it with its reason if it is not a JSON object).
public struct ContainerLogDecoder: Sendable {
    /// A logical line. `bytes` is valid only during the callback.
    public struct Line {
        public var bytes: UnsafeRawBufferPointer
        public var start: Int64
        public var end: Int64
        public var truncated: Bool
        /// The container runtime's timestamp, used when the line has none of its own.
        public var timeMillis: Int64?
    }

    public let format: LogFormat
    public let maxLineBytes: Int
    private var assembly: [UInt8] = []
    private var assemblyStart: Int64 = 0
    private var assembling = false
    private var assemblyTruncated = false
    private var scanner = JSONScanner(keys: JSONKeyTable(slots: ["log", "time"]), maxDepth: 4, collectStrings: false)

    public init(format: LogFormat, maxLineBytes: Int) {
        self.format = format
        self.maxLineBytes = maxLineBytes
    }

    public var pendingStart: Int64? { assembling ? assemblyStart : nil }

    public mutating func reset() {
        assembly.removeAll(keepingCapacity: false)
        assembling = false
        assemblyTruncated = false
    }

    /// Decodes one physical line.
    public mutating func decode(_ line: LineFramer.Line, _ emit: (Line) -> Void) {
        switch format {
        case .json:
            emit(Line(bytes: line.bytes, start: line.start, end: line.end, truncated: line.truncated, timeMillis: nil))
        case .cri:
            decodeCRI(line, emit)
        case .docker:
            decodeDocker(line, emit)
        }
    }

    private mutating func decodeCRI(_ line: LineFramer.Line, _ emit: (Line) -> Void) {
        let b = line.bytes
        // Three space-separated fields, then the content.
        var spaces: [Int] = []
        var i = 0
        while i < b.count && spaces.count < 3 {
            if b[i] == UInt8(ascii: " ") { spaces.append(i) }
            i += 1
        }
        guard spaces.count == 3, spaces[2] == spaces[1] + 2,
              b[spaces[1] + 1] == UInt8(ascii: "P") || b[spaces[1] + 1] == UInt8(ascii: "F") else {
            passThrough(line, emit)
            return
        }
        let time = RFC3339.parse(UnsafeBufferPointer(
            start: b.baseAddress!.assumingMemoryBound(to: UInt8.self), count: spaces[0]))
        let partial = b[spaces[1] + 1] == UInt8(ascii: "P")
        let content = UnsafeRawBufferPointer(rebasing: b[(spaces[2] + 1)...])
        part(content, partial: partial, line: line, time: time, emit)
    }

    private mutating func decodeDocker(_ line: LineFramer.Line, _ emit: (Line) -> Void) {
        guard !line.truncated, scanner.scan(line.bytes) == nil, scanner.slots[0].kind == .string else {
            passThrough(line, emit)
            return
        }
        let base = line.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let log = scanner.slots[0]
        let raw = UnsafeBufferPointer(start: base + log.start, count: log.end - log.start)
        var content = log.hasEscapes ? JSONString.unescape(raw) : Array(raw)
        let complete = content.last == 0x0A
        if complete {
            content.removeLast()
            if content.last == 0x0D { content.removeLast() }
        }
        var time: Int64?
        let t = scanner.slots[1]
        if t.kind == .string { time = RFC3339.parse(UnsafeBufferPointer(start: base + t.start, count: t.end - t.start)) }
        content.withUnsafeBytes { part($0, partial: !complete, line: line, time: time, emit) }
    }

    private mutating func passThrough(_ line: LineFramer.Line, _ emit: (Line) -> Void) {
        if assembling {
            // A wrapper-less line ends any pending assembly: emit what was gathered first.
            flushAssembly(end: line.start, time: nil, emit)
        }
        emit(Line(bytes: line.bytes, start: line.start, end: line.end, truncated: line.truncated, timeMillis: nil))
    }

    private mutating func part(_ content: UnsafeRawBufferPointer, partial: Bool, line: LineFramer.Line, time: Int64?,
                               _ emit: (Line) -> Void) {
        if !assembling && !partial {
            emit(Line(bytes: content, start: line.start, end: line.end, truncated: line.truncated, timeMillis: time))
            return
        }
        if !assembling {
            assembling = true
            assemblyStart = line.start
            assembly.removeAll(keepingCapacity: true)
            assemblyTruncated = false
        }
        let room = maxLineBytes - assembly.count
        if content.count > room {
            assembly.append(contentsOf: UnsafeRawBufferPointer(rebasing: content[0..<max(0, room)]))
            assemblyTruncated = true
        } else {
            assembly.append(contentsOf: content)
        }
        if line.truncated { assemblyTruncated = true }
        if !partial { flushAssembly(end: line.end, time: time, emit) }
    }

    private mutating func flushAssembly(end: Int64, time: Int64?, _ emit: (Line) -> Void) {
        assembly.withUnsafeBytes {
            emit(Line(bytes: $0, start: assemblyStart, end: end, truncated: assemblyTruncated, timeMillis: time))
        }
        assembly.removeAll(keepingCapacity: true)
        assembling = false
        assemblyTruncated = false
    }

    /// Emits a pending reassembly as complete (idle timeout). Returns whether one was emitted.
    @discardableResult
    public mutating func flush(end: Int64, _ emit: (Line) -> Void) -> Bool {
        guard assembling else { return false }
        flushAssembly(end: end, time: nil, emit)
        return true
    }
}
