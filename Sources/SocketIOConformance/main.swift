import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import SocketIO
import UnixSignals

/// The server the official Engine.IO v4 and Socket.IO v5 protocol test suites talk to,
/// configured as their READMEs ask.
struct ConformanceServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketio-conformance",
        abstract: "The server of the Engine.IO v4 and Socket.IO v5 protocol test suites, on 127.0.0.1.")

    @Option(help: "The TCP port to listen on.")
    var port: Int = 3000

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Flag(help: "Also take Engine.IO v3 clients (socket.io-client 2.x, python-socketio 4).")
    var allowEIO3 = false

    func run() async throws {
        var logger = Logger(label: "socketio-conformance")
        logger.logLevel = .info
        let server = try await ConformanceSetup.start(host: host, port: port, allowEIO3: allowEIO3, logger: logger)
        logger.info("listening", metadata: ["address": "\(server.localAddress.map { "\($0)" } ?? "?")"])
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        for await _ in signals { break }
        try await server.shutdown()
    }
}

/// Runs an async command's `main` (a plain `ConformanceServer.main()` here would pick the
/// synchronous overload).
func start<Command: AsyncParsableCommand>(_: Command.Type) async { await Command.main() }

await start(ConformanceServer.self)
