import InMemoryLogging
import Logging
import NIOCore
import SocketIO

/// A `SocketIOServer` listening on a loopback port the OS picked, for one test.
struct TestServer {
    let io: SocketIOServer
    let listener: SocketIOServer.Listener
    var port: Int { listener.localAddress!.port! }

    static func with<T>(
        _ configuration: SocketIOConfiguration = SocketIOConfiguration(),
        adapter: AdapterFactory = .local(),
        log: InMemoryLogHandler? = nil,
        setUp: (SocketIOServer) -> Void = { _ in },
        _ body: (TestServer) async throws -> T
    ) async throws -> T {
        var logger =
            log.map { log in Logger(label: "test.socketio", factory: { _ in log }) } ?? Logger(label: "test.socketio")
        logger.logLevel = log == nil ? .warning : .debug
        let io = SocketIOServer(configuration: configuration, adapter: adapter, logger: logger)
        setUp(io)
        let listener = try await io.listen(port: 0)
        let server = TestServer(io: io, listener: listener)
        do {
            let result = try await body(server)
            io.close()
            try await listener.shutdown()
            return result
        } catch {
            io.close()
            try? await listener.shutdown()
            throw error
        }
    }

    /// A websocket client that joined namespace "/" (or `namespace`), and the socket id.
    func connectedClient(namespace: String = "/", auth: String = "") async throws -> (TestWebSocket, String) {
        let (socket, _) = try await TestWebSocket.engine(port: port)
        let prefix = namespace == "/" ? "40" : "40\(namespace),"
        try await socket.send(text: prefix + auth)
        guard case .text(let answer)? = try await socket.nextMessage(), answer.hasPrefix(prefix),
            let id = try? SocketValue(json: String(answer.dropFirst(prefix.count)))["sid"]?.stringValue
        else { throw TestWebSocket.Refused(status: 0) }
        return (socket, id)
    }
}

/// Runs `body`, failing after `seconds` instead of hanging a test run.
func withTimeout<T: Sendable>(_ seconds: Double = 10, _ body: @escaping @Sendable () async throws -> T) async throws
    -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut()
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}

struct TimedOut: Error {}
