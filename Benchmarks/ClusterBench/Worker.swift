import Foundation
import NIOCore
import RealtimeAdapter

/// What the coordinator can ask of a worker, whichever system it runs on.
protocol BenchSystem: Sendable {
    func join(_ socket: SocketID, rooms: Set<Room>) async throws
    func broadcast(_ packet: ByteBuffer, rooms: Set<Room>) async throws
    /// Waits while too much is queued towards the other processes.
    func pace() async throws
    func trafficBytes() async -> Int
    func watch(_ room: Room) async throws
    func serverCount() async -> Int
}

/// Reads commands on stdin, answers on stdout; the same protocol for the mesh and for Redis.
struct Worker {
    let system: any BenchSystem
    let stats: ReceiveStats

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
                answer = "count \(await system.serverCount())"
            case "reset":
                stats.reset()
                answer = "ok"
            case "report":
                answer = stats.report
            case "bytes":
                answer = "bytes \(await system.trafficBytes())"
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

    /// Sends `count` packets to `rooms` ("chat", or "single:N" for a random one of N rooms), at
    /// `rate` per second or as fast as the links take them (rate 0).
    private func send(count: Int, size: Int, rooms: String, rate: Int) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        let singleRooms = rooms.hasPrefix("single:") ? Int(rooms.dropFirst("single:".count)) ?? 1 : 0
        let fixed: Set<Room> = [Room(rooms)]
        let start = BenchPacket.now()
        let interval = rate > 0 ? 1_000_000_000 / UInt64(rate) : 0
        for sequence in 0..<count {
            if interval > 0 {
                let due = start + UInt64(sequence) * interval
                let now = BenchPacket.now()
                if due > now + 200_000 { try await Task.sleep(for: .nanoseconds(Int64(due - now))) }
            } else if sequence % 512 == 0 {
                try await system.pace()
            }
            let target: Set<Room> =
                singleRooms > 0 ? [Room("room-\(Int.random(in: 0..<singleRooms, using: &generator))")] : fixed
            try await system.broadcast(BenchPacket.make(size: size, sequence: UInt64(sequence)), rooms: target)
        }
        return "sent \(count) \(BenchPacket.now() - start)"
    }
}

/// One line on stdout, at once (stdout is a pipe, so print alone would buffer it).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
