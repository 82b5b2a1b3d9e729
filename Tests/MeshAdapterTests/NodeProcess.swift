import Foundation
import MeshAdapter
import MeshNodeCLI
import NIOConcurrencyHelpers

/// A `mesh-node` child process, driven over stdin and read line by line from stdout.
final class NodeProcess: Sendable {
    let name: String
    let process: Process
    private let input: FileHandle
    private let output = NIOLockedValueBox<[String]>([])
    private let errors = NIOLockedValueBox<String>("")
    private let nextCommand = NIOLockedValueBox(0)
    let address: MeshAddress
    let incarnation: UInt64

    /// The mesh-node binary, built beside the test bundle by `swift build` / `swift test`.
    static var binary: URL {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("mesh-node")
    }

    /// Starts a node and waits until it listens. With `inputClosed`, it starts as a service
    /// manager may start it: with standard input closed (through `sh -c 'exec ... <&-'`, so the
    /// process id is the node's own); `send` and `command` then reach nothing.
    init(name: String, arguments: [String] = [], inputClosed: Bool = false, timeout: Duration = .seconds(20))
        async throws
    {
        self.name = name
        process = Process()
        let nodeArguments = ["--name", name, "--log-level", "info"] + arguments
        if inputClosed {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "exec \"$0\" \"$@\" <&-", Self.binary.path] + nodeArguments
        } else {
            process.executableURL = Self.binary
            process.arguments = nodeArguments
        }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        input = stdin.fileHandleForWriting
        let output = self.output
        let errors = self.errors
        LineReader.pump(stdout.fileHandleForReading) { line in output.withLockedValue { $0.append(line) } }
        LineReader.pump(stderr.fileHandleForReading) { line in errors.withLockedValue { $0 += line + "\n" } }
        try process.run()
        var ready: [Substring]?
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, process.isRunning {
            if let line = output.withLockedValue({ $0.first { $0.hasPrefix("ready ") } }) {
                ready = line.split(separator: " ")
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let ready, ready.count == 5, let incarnation = UInt64(ready[2]),
            let address = MeshAddress(String(ready[3]))
        else {
            process.terminate()
            throw ProcessError("\(name) did not become ready: \(errors.withLockedValue { $0 })")
        }
        self.address = address
        self.incarnation = incarnation
    }

    var lines: [String] { output.withLockedValue { $0 } }
    var log: String { errors.withLockedValue { $0 } }

    /// Sends a command without waiting for its answer; returns its id.
    @discardableResult
    func send(_ command: String) -> Int {
        let id = nextCommand.withLockedValue {
            $0 += 1
            return $0
        }
        input.write(Data("\(id) \(command)\n".utf8))
        return id
    }

    /// Sends a command and returns what follows `ok <id>`; throws on `error <id>` or timeout.
    @discardableResult
    func command(_ command: String, timeout: Duration = .seconds(20)) async throws -> String {
        let id = send(command)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let answer = output.withLockedValue { lines in
                lines.last { $0 == "ok \(id)" || $0.hasPrefix("ok \(id) ") || $0.hasPrefix("error \(id) ") }
            }
            if let answer {
                if answer.hasPrefix("error") { throw ProcessError("\(name): \(command): \(answer)") }
                return String(answer.dropFirst("ok \(id)".count)).trimmingCharacters(in: .whitespaces)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ProcessError("\(name): no answer to \(command)")
    }

    /// Waits for an output line satisfying `predicate`; returns it.
    func waitForLine(timeout: Duration = .seconds(20), _ predicate: (String) -> Bool) async throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.withLockedValue({ $0.first(where: predicate) }) { return line }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    func kill(signal: Int32 = SIGKILL) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }
}

struct ProcessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with processes it starts, and kills whatever is still running afterwards.
final class ProcessScope: Sendable {
    private let processes = NIOLockedValueBox<[NodeProcess]>([])

    func start(_ name: String, _ arguments: [String] = [], inputClosed: Bool = false) async throws -> NodeProcess {
        let process = try await NodeProcess(name: name, arguments: arguments, inputClosed: inputClosed)
        processes.withLockedValue { $0.append(process) }
        return process
    }

    func killAll() {
        for process in processes.withLockedValue({ $0 }) { process.kill() }
    }

    static func with<T>(_ body: (ProcessScope) async throws -> T) async throws -> T {
        let scope = ProcessScope()
        do {
            let result = try await body(scope)
            scope.killAll()
            return result
        } catch {
            scope.killAll()
            throw error
        }
    }
}
