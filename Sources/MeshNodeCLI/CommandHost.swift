import NIOConcurrencyHelpers
import NIOCore
import RealtimeAdapter

/// The sockets of a mesh-node process are virtual: a delivery is printed (or, with
/// `--quiet-deliveries`, counted), acknowledgements are immediate, emits are answered.
///
/// An emit "relay:<node>:<room>:<text>" makes that node broadcast <text> to <room>: a broadcast
/// caused by another server's message, for the causal-order tests.
final class CommandHost: SocketHost {
    let name: String
    let quiet: Bool
    private let counts = NIOLockedValueBox(Counts())
    private let adapterBox = NIOLockedValueBox<(any Adapter)?>(nil)

    func attach(_ adapter: any Adapter) { adapterBox.withLockedValue { $0 = adapter } }

    struct Counts {
        var deliveries = 0
        var packets = 0
    }

    init(name: String, quiet: Bool) {
        self.name = name
        self.quiet = quiet
    }

    var snapshot: Counts { counts.withLockedValue { $0 } }

    func deliver(_ delivery: Delivery, to sockets: [SocketID]) {
        counts.withLockedValue {
            $0.deliveries += sockets.count
            $0.packets += 1
        }
        guard !quiet else { return }
        let text = String(buffer: delivery.packet.header)
        for socket in sockets { Output.line("deliver \(socket) \(text)") }
    }

    func deliverWithAck(_ packet: BroadcastPacket, to sockets: [SocketID], timeout: Duration) async
        -> [SocketID: ByteBuffer]
    {
        deliver(Delivery(packet: packet, id: BroadcastID(origin: name, incarnation: 0, sequence: 0)), to: sockets)
        return Dictionary(uniqueKeysWithValues: sockets.map { ($0, ByteBuffer(string: "ack:\($0)")) })
    }

    func disconnect(_ sockets: [SocketID], closeTransport: Bool) {
        for socket in sockets { Output.line("disconnected \(socket)") }
    }

    func details(of socket: SocketID) -> ByteBuffer? { nil }

    func receiveServerSideEmit(_ packet: ByteBuffer, from server: String) async -> ByteBuffer? {
        let text = String(buffer: packet)
        Output.line("emit \(server) \(text)")
        let parts = text.split(separator: ":", maxSplits: 3).map(String.init)
        if parts.count == 4, parts[0] == "relay", parts[1] == name, let adapter = adapterBox.withLockedValue({ $0 }) {
            try? await adapter.broadcast(
                ByteBuffer(string: parts[3]), options: BroadcastOptions(rooms: [Room(parts[2])]))
        }
        return ByteBuffer(string: "\(name):\(text)")
    }
}
