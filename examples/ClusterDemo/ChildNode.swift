import Foundation
import MeshNodeCLI
import NIOConcurrencyHelpers

/// One node of the demo: a copy of this executable run as `mesh-demo node`, read line by line.
final class ChildNode: Sendable {
    let name: String
    private let process: Process
    private let input: FileHandle
    private let state = NIOLockedValueBox(State())

    struct State {
        var address: String?
        var incarnation: String?
        var stats: [String: String] = [:]
        var events: [String] = []
        var exited = false
    }

    init(name: String, arguments: [String]) throws {
        self.name = name
        process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        process.arguments = ["node", "--name", name, "--log-level", "warning", "--quiet-deliveries"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        input = stdin.fileHandleForWriting
        let state = self.state
        let name = self.name
        process.terminationHandler = { _ in state.withLockedValue { $0.exited = true } }
        try process.run()
        LineReader.pump(stdout.fileHandleForReading) { line in Self.read(line, into: state, node: name) }
    }

    private static func read(_ line: String, into state: NIOLockedValueBox<State>, node: String) {
        let words = line.split(separator: " ").map(String.init)
        guard let kind = words.first else { return }
        state.withLockedValue { state in
            switch kind {
            case "ready" where words.count >= 4:
                state.incarnation = words[2]
                state.address = words[3]
            case "stats":
                for word in words.dropFirst() {
                    let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
                    if pair.count == 2 { state.stats[pair[0]] = pair[1] }
                }
            case "peer-up", "peer-down", "frames-lost":
                state.events.append("\(node): \(line)")
            default:
                break
            }
        }
    }

    var snapshot: State { state.withLockedValue { $0 } }

    /// Waits until the node listens; returns its address.
    func ready(timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let address = snapshot.address { return address }
            if snapshot.exited { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DemoError("\(name) did not start")
    }

    func kill(signal: Int32 = SIGKILL) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
