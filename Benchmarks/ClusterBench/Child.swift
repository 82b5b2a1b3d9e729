import Foundation
import NIOConcurrencyHelpers

/// A worker process, answering one line per command.
final class Child: Sendable {
    let name: String
    private let process: Process
    private let input: FileHandle
    private let lines = NIOLockedValueBox<(items: [String], cursor: Int)>(([], 0))

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
                    lines.withLockedValue { $0.items.append(line) }
                }
            }
        }.start()
    }

    /// The next line this worker prints.
    func next(timeout: Duration = .seconds(120)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let line: String? = lines.withLockedValue { state in
                guard state.cursor < state.items.count else { return nil }
                state.cursor += 1
                return state.items[state.cursor - 1]
            }
            if let line { return line }
            guard process.isRunning else { break }
            try await Task.sleep(for: .microseconds(200))
        }
        throw BenchError("\(name) did not answer")
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
