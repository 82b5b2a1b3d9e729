import Foundation
import NIOConcurrencyHelpers

/// Line-oriented output on stdout, one whole line at a time, flushed at once: the protocol a
/// driving process (a test, the cluster demo) reads.
enum Output {
    private static let lock = NIOLock()

    static func line(_ text: String) {
        lock.withLock {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
    }
}
