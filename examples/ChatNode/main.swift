import ArgumentParser
import Logging
import SocketIO
import UnixSignals

/// One chat server: Socket.IO at /socket.io/ on 127.0.0.1, on `LocalAdapter` for now (the
/// next stage makes it a cluster with the same events). Runs until SIGTERM or SIGINT; it
/// never reads standard input.
struct ChatNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-node", abstract: "A Socket.IO chat server (join, leave, say, who).")

    @Option(help: "This server's name, reported in every message and in `who`.")
    var name: String = "chat-1"

    @Option(help: "The TCP port to listen on (0 picks one).")
    var port: Int = 3000

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    func run() async throws {
        var logger = Logger(label: "chat-node")
        logger.logLevel = .info
        let io = SocketIOServer(
            configuration: SocketIOConfiguration(cors: .anyOrigin), adapter: .local(serverName: name), logger: logger)
        ChatEvents.install(on: io, node: name)
        let listener = try await io.listen(host: host, port: port)
        // The line scripts wait for.
        print("chat-node \(name) listening on \(listener.localAddress.map { "\($0)" } ?? "?")")
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        for await _ in signals { break }
        logger.info("shutting down", metadata: ["chat.node": "\(name)"])
        io.close()
        try await listener.shutdown()
    }
}

/// Runs an async command's `main` (a plain `ChatNode.main()` here would pick the synchronous
/// overload).
func start<Command: AsyncParsableCommand>(_: Command.Type) async { await Command.main() }

await start(ChatNode.self)
