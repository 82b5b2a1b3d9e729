import NIOCore
import RealtimeAdapter

/// Sends packets at a fixed rate from the system's own event loop: a timer on the loop fires,
/// every packet then due is sent without leaving the loop, and the next timer is set. Both
/// systems are driven this way in the latency run, so neither pays a hop from a task onto its
/// loop per packet, and what is measured is the path between processes.
final class PacedSender {
    private let system: any BenchSystem
    private let count: Int
    private let size: Int
    private let rooms: Set<Room>
    private let interval: UInt64
    private let start: UInt64
    private var sequence = 0
    private let done: EventLoopPromise<Void>

    private init(system: any BenchSystem, count: Int, size: Int, rooms: Set<Room>, rate: Int) {
        self.system = system
        self.count = count
        self.size = size
        self.rooms = rooms
        self.interval = 1_000_000_000 / UInt64(max(1, rate))
        self.start = BenchPacket.now()
        self.done = system.loop.makePromise()
    }

    /// Sends `count` packets of `size` bytes to `rooms` at `rate` per second; returns when the
    /// last is handed to the system.
    static func send(system: any BenchSystem, count: Int, size: Int, rooms: Set<Room>, rate: Int) async throws {
        let loop = system.loop
        let future = try await loop.submit {
            let sender = PacedSender(system: system, count: count, size: size, rooms: rooms, rate: rate)
            sender.step()
            return sender.done.futureResult
        }.get()
        try await future.get()
    }

    private func step() {
        let now = BenchPacket.now()
        while sequence < count, start + UInt64(sequence) * interval <= now {
            do {
                try system.broadcastNow(BenchPacket.make(size: size, sequence: UInt64(sequence)), rooms: rooms)
            } catch {
                done.fail(error)
                return
            }
            sequence += 1
        }
        guard sequence < count else {
            done.succeed()
            return
        }
        let due = start + UInt64(sequence) * interval
        let bound = NIOLoopBound(self, eventLoop: system.loop)
        system.loop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(due)) { bound.value.step() }
    }
}
