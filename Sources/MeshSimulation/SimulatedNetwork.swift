@_spi(MeshInternals) import MeshCore
import NIOCore

/// Messages in flight between simulated nodes, each to be delivered at its own time.
///
/// Every message goes through the real wire codec: it is encoded when sent and decoded on
/// arrival. A message belongs to the connection it was sent on; when that connection breaks,
/// what is still in flight on it is lost, as with TCP.
struct SimulatedNetwork {
    struct Packet {
        var at: Double
        var order: UInt64
        var from: String
        var to: String
        var connection: UInt64
        var bytes: ByteBuffer
    }

    private var heap: [Packet] = []
    private var order: UInt64 = 0
    private(set) var sent = 0
    private(set) var dropped = 0
    private(set) var duplicated = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    mutating func send(
        _ message: MeshMessage, from: String, to: String, connection: UInt64, now: Double,
        faults: FaultProfile, random: inout SimulationRandom
    ) {
        send(
            frame: MeshWire.encode(message), from: from, to: to, connection: connection, now: now, faults: faults,
            random: &random)
    }

    /// Sends one encoded frame (as the ordered channel hands them over).
    mutating func send(
        frame bytes: ByteBuffer, from: String, to: String, connection: UInt64, now: Double,
        faults: FaultProfile, random: inout SimulationRandom
    ) {
        sent += 1
        if random.chance(faults.dropProbability) {
            dropped += 1
            return
        }
        let copies = random.chance(faults.duplicateProbability) ? 2 : 1
        if copies == 2 { duplicated += 1 }
        for _ in 0..<copies {
            let delay = Double.random(in: faults.delay, using: &random)
            push(Packet(at: now + delay, order: order, from: from, to: to, connection: connection, bytes: bytes))
            order += 1
        }
    }

    /// Removes and returns the next packet due at or before `time`.
    mutating func popDue(before time: Double) -> Packet? {
        guard let first = heap.first, first.at <= time else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return first
    }

    private func less(_ a: Packet, _ b: Packet) -> Bool { (a.at, a.order) < (b.at, b.order) }

    private mutating func push(_ packet: Packet) {
        heap.append(packet)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && less(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
