import Foundation
import NIOCore
import RealtimeAdapter

/// What the coordinator can ask of a worker, whichever system it runs on.
protocol BenchSystem: Sendable {
    func join(_ socket: SocketID, rooms: Set<Room>) async throws
    func broadcast(_ packet: ByteBuffer, rooms: Set<Room>) async throws
    /// The event loop the system's connections run on.
    var loop: any EventLoop { get }
    /// `broadcast` from code running on `loop`, without suspending.
    func broadcastNow(_ packet: ByteBuffer, rooms: Set<Room>) throws
    /// Waits while too much is queued towards the other processes.
    func pace() async throws
    func trafficBytes() async throws -> Int
    func watch(_ room: Room) async throws
    func serverCount() async throws -> Int
}

/// Reads commands on stdin, answers on stdout; the same protocol for the mesh and for Redis.
struct Worker {
    let system: any BenchSystem
    let stats: ReceiveStats
    /// This worker's place among the three (which rooms its sockets are in).
    let index: Int

    func run() async throws {
        let lines = AsyncStream<String> { continuation in
            Thread {
                while let line = readLine() { continuation.yield(line) }
                continuation.finish()
            }.start()
        }
        emit("ready")
        for await line in lines {
            let words = line.split(separator: " ").map(String.init)
            guard let verb = words.first else { continue }
            let answer: String
            switch verb {
            case "join" where words.count >= 3:
                try await system.join(
                    SocketID(words[1]), rooms: Set(words[2].split(separator: ",").map { Room(String($0)) }))
                answer = "ok"
            case "count":
                answer = "count \(try await system.serverCount())"
            case "reset":
                stats.reset()
                answer = "ok"
            case "report":
                answer = stats.report
            case "bytes":
                answer = "bytes \(try await system.trafficBytes())"
            case "watch" where words.count >= 2:
                let room = Room(words[1])
                emit("watching")
                try await system.watch(room)
                answer = "visible \(words[1]) \(BenchPacket.now())"
            case "join-at" where words.count >= 3:
                let start = BenchPacket.now()
                try await system.join(SocketID(words[1]), rooms: [Room(words[2])])
                answer = "joined \(start)"
            case "send" where words.count >= 5:
                answer = try await send(
                    count: Int(words[1]) ?? 0, size: Int(words[2]) ?? 100, rooms: words[3], rate: Int(words[4]) ?? 0)
            case "quit":
                return
            default:
                answer = "error unknown \(line)"
            }
            emit(answer)
        }
    }

    /// Sends `count` packets to `rooms`: "chat"; "single:N" for a random one of N rooms;
    /// "own:N" for a random one of those of N rooms this worker has a socket in (worker i of
    /// 3 holds room-k for k % 3 == i). At `rate` per second from the system's event loop, or
    /// as fast as the links take them from a task (rate 0).
    private func send(count: Int, size: Int, rooms: String, rate: Int) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        let parts = rooms.split(separator: ":")
        let spread = parts.count == 2 ? Int(parts[1]) ?? 1 : 0
        let fixed: Set<Room> = [Room(rooms)]
        let start = BenchPacket.now()
        if rate > 0 {
            try await PacedSender.send(system: system, count: count, size: size, rooms: fixed, rate: rate)
            return "sent \(count) \(BenchPacket.now() - start)"
        }
        for sequence in 0..<count {
            if sequence % 4096 == 0 { try await system.pace() }
            var target = fixed
            if spread > 0 {
                let room =
                    parts[0] == "own"
                    ? index + 3 * Int.random(in: 0..<max(1, (spread - index + 2) / 3), using: &generator)
                    : Int.random(in: 0..<spread, using: &generator)
                target = [Room("room-\(room)")]
            }
            try await system.broadcast(BenchPacket.make(size: size, sequence: UInt64(sequence)), rooms: target)
        }
        return "sent \(count) \(BenchPacket.now() - start)"
    }
}

/// One line on stdout, at once (stdout is a pipe, so print alone would buffer it).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
