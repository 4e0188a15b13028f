import Foundation

/// A one-line progress bar on stderr, redrawn in place; silent unless enabled.
///
/// `vigil evaluate` enables it when stderr is a terminal or the input is large (stdout stays clean for JSON).
public final class ProgressBar: @unchecked Sendable {
    // Used from one thread (the command's); @unchecked because FileHandle is not Sendable.
    private let enabled: Bool
    private let width = 30
    private var lastDrawn = ""

    public init(enabled: Bool) {
        self.enabled = enabled
    }

    /// Whether stderr is a terminal.
    public static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// Draws `fraction` (0…1) with a label.
    public func update(_ fraction: Double, _ label: String) {
        guard enabled else { return }
        let f = min(max(fraction, 0), 1)
        let filled = Int((f * Double(width)).rounded())
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            + "] " + String(Int((f * 100).rounded())) + "% " + label
        guard line != lastDrawn else { return }
        lastDrawn = line
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
    }

    /// Clears the line.
    public func finish() {
        guard enabled, !lastDrawn.isEmpty else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        lastDrawn = ""
    }
}
