import Foundation
import MeshAdapter
@_spi(MeshInternals) import MeshCore
import NIOCore
import RealtimeAdapter
import ServiceLifecycle

/// Reads commands from stdin, one per line as `<id> <verb> <arguments>`, runs them in order
/// against the adapter and answers `ok <id> ...` or `error <id> ...`. Rooms are written
/// comma-separated, `-` for none.
///
/// The end of standard input is not the end of the node: run as a service (systemd, `nohup`,
/// a container) its input is closed or `/dev/null`, and it keeps serving until SIGTERM or
/// SIGINT. Only the `shutdown` command or a signal stops it.
struct ControlService: Service {
    let adapter: ClusterAdapter
    let node: MeshNode

    func run() async throws {
        let lines = AsyncStream<String> { continuation in
            let thread = Thread {
                while let line = readLine() { continuation.yield(line) }
                continuation.finish()
            }
            thread.start()
        }
        await withGracefulShutdownHandler {
            for await line in lines.cancelOnGracefulShutdown() {
                let words = line.split(separator: " ").map(String.init)
                guard words.count >= 2 else { continue }
                do {
                    let answer = try await execute(words[1], Array(words.dropFirst(2)))
                    Output.line("ok \(words[0])" + (answer.isEmpty ? "" : " \(answer)"))
                } catch {
                    Output.line("error \(words[0]) \(error)")
                }
            }
        } onGracefulShutdown: {
        }
        // Input ended (or was never there): keep the node up until the group shuts down.
        try? await gracefulShutdown()
    }

    private func rooms(_ text: String?) -> Set<Room> {
        guard let text, text != "-" else { return [] }
        return Set(text.split(separator: ",").map { Room(String($0)) })
    }

    private func options(_ arguments: [String], from index: Int) -> BroadcastOptions {
        let flags = Set(arguments.dropFirst(index + 2))
        var options = BroadcastOptions(
            rooms: rooms(arguments.count > index ? arguments[index] : nil),
            except: rooms(arguments.count > index + 1 ? arguments[index + 1] : nil))
        options.flags.local = flags.contains("local")
        options.flags.volatile = flags.contains("volatile")
        return options
    }

    private func execute(_ verb: String, _ arguments: [String]) async throws -> String {
        func argument(_ index: Int) throws -> String {
            guard arguments.count > index else { throw CommandError("\(verb) needs more arguments") }
            return arguments[index]
        }
        switch verb {
        case "join":
            try await adapter.addAll(SocketID(try argument(0)), rooms: rooms(arguments.count > 1 ? arguments[1] : nil))
        case "leave":
            try await adapter.del(SocketID(try argument(0)), room: Room(try argument(1)))
        case "remove":
            try await adapter.delAll(SocketID(try argument(0)))
        case "broadcast":
            try await adapter.broadcast(ByteBuffer(string: try argument(0)), options: options(arguments, from: 1))
        case "add-sockets":
            try await adapter.addSockets(options(Array(arguments.prefix(2)), from: 0), rooms: rooms(try argument(2)))
        case "del-sockets":
            try await adapter.delSockets(options(Array(arguments.prefix(2)), from: 0), rooms: rooms(try argument(2)))
        case "disconnect-sockets":
            try await adapter.disconnectSockets(options(arguments, from: 0), closeTransport: true)
        case "fetch":
            let found = try await adapter.fetchSockets(options(arguments, from: 0))
            return found.map { "\($0.id)@\($0.server)" }.sorted().joined(separator: ",")
        case "emit":
            try await adapter.serverSideEmit(ByteBuffer(string: try argument(0)))
        case "emit-ack":
            let replies = try await adapter.serverSideEmitWithAck(
                ByteBuffer(string: try argument(0)), timeout: .milliseconds(Int(try argument(1)) ?? 5_000))
            return replies.replies.map { "\($0.server)=\($0.reply.map { String(buffer: $0) } ?? "-")" }
                .joined(separator: ",")
        case "count":
            return "\(try await adapter.serverCount())"
        case "rooms":
            let found = try await adapter.socketRooms(SocketID(try argument(0)))
            return found.map { $0.map(\.name).sorted().joined(separator: ",") } ?? "-"
        case "sockets":
            return try await adapter.sockets(in: rooms(arguments.first)).map(\.rawValue).sorted().joined(separator: ",")
        case "counters":
            let counters = try await node.counters()
            return
                "replayed=\(counters.framesReplayed) lost=\(counters.framesLost) duplicates=\(counters.duplicateFrames)"
                + " gate_waits=\(counters.gateWaits)"
        case "shutdown":
            await node.shutdown()
        default:
            throw CommandError("unknown command \(verb)")
        }
        return ""
    }
}

struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
