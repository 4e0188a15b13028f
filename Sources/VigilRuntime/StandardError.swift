import Foundation

extension VigilRuntime {
    /// Writes `text` to standard error unbuffered (commands print their own failures this way).
    public static func writeStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
