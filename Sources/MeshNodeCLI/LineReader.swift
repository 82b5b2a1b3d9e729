public import Foundation

/// Reads a child process's output line by line on a thread of its own: what drives a
/// `mesh-node` (the demo, the tests) reads its answers with it.
public enum LineReader {
    /// Calls `line` with each line `handle` yields, without the newline, until end of file.
    public static func pump(_ handle: FileHandle, _ line: @escaping @Sendable (String) -> Void) {
        Thread {
            var pending = Data()
            while case let chunk = handle.availableData, !chunk.isEmpty {
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 10) {
                    line(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
        }.start()
    }
}
