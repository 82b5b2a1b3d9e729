import Foundation
import NIOConcurrencyHelpers

/// A worker process, answering one line per command.
///
/// Lines are handed over as they arrive: a waiting `next()` is resumed by the thread that reads
/// the pipe, so the coordinator does not poll (a poll every few hundred microseconds competed
/// with the systems under test for the machine's two cores).
final class Child: Sendable {
    private struct Lines {
        var items: [String] = []
        var finished = false
        var waiter: (ticket: UInt64, continuation: CheckedContinuation<String?, Never>)?
        var tickets: UInt64 = 0
    }

    let name: String
    private let process: Process
    private let input: FileHandle
    private let lines = NIOLockedValueBox(Lines())

    init(_ name: String, executable: String, arguments: [String]) throws {
        self.name = name
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        input = stdin.fileHandleForWriting
        let lines = self.lines
        try process.run()
        Thread {
            var pending = Data()
            let handle = stdout.fileHandleForReading
            while case let chunk = handle.availableData, !chunk.isEmpty {
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...newline)
                    Self.deliver(line, to: lines)
                }
            }
            Self.deliver(nil, to: lines)
        }.start()
    }

    /// Hands `line` to a waiting `next()` or queues it; nil marks the end of the output.
    private static func deliver(_ line: String?, to lines: NIOLockedValueBox<Lines>) {
        let (waiter, next) = lines.withLockedValue { state -> (CheckedContinuation<String?, Never>?, String?) in
            if let line { state.items.append(line) } else { state.finished = true }
            guard let waiter = state.waiter else { return (nil, nil) }
            state.waiter = nil
            return (waiter.continuation, state.items.isEmpty ? nil : state.items.removeFirst())
        }
        waiter?.resume(returning: next)
    }

    /// The next line this worker prints.
    func next(timeout: Duration = .seconds(120)) async throws -> String {
        let lines = self.lines
        var watchdog: Task<Void, Never>?
        let line: String? = await withCheckedContinuation { continuation in
            let ticket = lines.withLockedValue { state -> UInt64? in
                if !state.items.isEmpty {
                    continuation.resume(returning: state.items.removeFirst())
                    return nil
                }
                if state.finished {
                    continuation.resume(returning: nil)
                    return nil
                }
                state.tickets += 1
                state.waiter = (state.tickets, continuation)
                return state.tickets
            }
            guard let ticket else { return }
            watchdog = Task {
                try? await Task.sleep(for: timeout)
                let expired = lines.withLockedValue { state -> CheckedContinuation<String?, Never>? in
                    guard let waiter = state.waiter, waiter.ticket == ticket else { return nil }
                    state.waiter = nil
                    return waiter.continuation
                }
                expired?.resume(returning: nil)
            }
        }
        watchdog?.cancel()
        guard let line else { throw BenchError("\(name) did not answer") }
        return line
    }

    func send(_ command: String) { input.write(Data((command + "\n").utf8)) }

    func ask(_ command: String) async throws -> String {
        send(command)
        return try await next()
    }

    func stop() { Child.stop(process) }

    /// SIGTERM, then SIGKILL if it is still running a second later. (Polls rather than
    /// `waitUntilExit`, which was seen to hang here.)
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<100 where process.isRunning { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// "report packets=... p99=..." as a dictionary of integers.
func fields(_ line: String) -> [String: UInt64] {
    var result: [String: UInt64] = [:]
    for word in line.split(separator: " ") {
        let pair = word.split(separator: "=", maxSplits: 1)
        if pair.count == 2, let value = UInt64(pair[1]) { result[String(pair[0])] = value }
    }
    return result
}
