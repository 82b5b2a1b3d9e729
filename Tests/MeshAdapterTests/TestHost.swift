import NIOConcurrencyHelpers
import NIOCore
import RealtimeAdapter

/// A server's sockets, simulated: records deliveries, acknowledges with the socket id, answers
/// emits with "<name> got <text>".
final class TestHost: SocketHost {
    let name: String
    private let state = NIOLockedValueBox(State())

    struct State {
        var delivered: [SocketID: [String]] = [:]
        var deliveries: [Delivery] = []
        var disconnected: [SocketID] = []
        var emits: [String] = []
        var emitDelay: Duration = .zero
        var ackDelay: Duration = .zero
    }

    init(name: String) { self.name = name }

    func deliver(_ delivery: Delivery, to sockets: [SocketID]) {
        let text = String(buffer: delivery.packet.header)
        state.withLockedValue { state in
            state.deliveries.append(delivery)
            for socket in sockets { state.delivered[socket, default: []].append(text) }
        }
    }

    func deliverWithAck(_ packet: BroadcastPacket, to sockets: [SocketID], timeout: Duration) async
        -> [SocketID: ByteBuffer]
    {
        deliver(Delivery(packet: packet, id: BroadcastID(origin: name, incarnation: 0, sequence: 0)), to: sockets)
        let delay = state.withLockedValue { $0.ackDelay }
        if delay > .zero { try? await Task.sleep(for: delay) }
        return Dictionary(uniqueKeysWithValues: sockets.map { ($0, ByteBuffer(string: "ack-\($0)")) })
    }

    func disconnect(_ sockets: [SocketID], closeTransport: Bool) {
        state.withLockedValue { $0.disconnected += sockets }
    }

    func details(of socket: SocketID) -> ByteBuffer? { ByteBuffer(string: "\(name):\(socket)") }

    func receiveServerSideEmit(_ packet: ByteBuffer, from server: String) async -> ByteBuffer? {
        let text = String(buffer: packet)
        let delay = state.withLockedValue { state in
            state.emits.append("\(server):\(text)")
            return state.emitDelay
        }
        if delay > .zero { try? await Task.sleep(for: delay) }
        return ByteBuffer(string: "\(name) got \(text)")
    }

    var delivered: [SocketID: [String]] { state.withLockedValue { $0.delivered } }
    /// Every broadcast handed to this host, in order.
    var deliveries: [Delivery] { state.withLockedValue { $0.deliveries } }
    var disconnected: [SocketID] { state.withLockedValue { $0.disconnected } }
    var emits: [String] { state.withLockedValue { $0.emits } }
    /// Makes this server slow to answer emits.
    func answerEmits(after delay: Duration) { state.withLockedValue { $0.emitDelay = delay } }
    /// Makes this server's clients slow to acknowledge.
    func answerAcks(after delay: Duration) { state.withLockedValue { $0.ackDelay = delay } }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
