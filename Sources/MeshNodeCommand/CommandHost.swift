import NIOConcurrencyHelpers
import NIOCore
import RealtimeAdapter

/// The sockets of a mesh-node process are virtual: a delivery is printed (or, with
/// `--quiet-deliveries`, counted), acknowledgements are immediate, emits are answered.
final class CommandHost: SocketHost {
    let name: String
    let quiet: Bool
    private let counts = NIOLockedValueBox(Counts())

    struct Counts {
        var deliveries = 0
        var packets = 0
    }

    init(name: String, quiet: Bool) {
        self.name = name
        self.quiet = quiet
    }

    var snapshot: Counts { counts.withLockedValue { $0 } }

    func deliver(_ packet: ByteBuffer, to sockets: [SocketID]) {
        counts.withLockedValue {
            $0.deliveries += sockets.count
            $0.packets += 1
        }
        guard !quiet else { return }
        let text = String(buffer: packet)
        for socket in sockets { Output.line("deliver \(socket) \(text)") }
    }

    func deliverWithAck(_ packet: ByteBuffer, to sockets: [SocketID], timeout: Duration) async -> [SocketID: ByteBuffer]
    {
        deliver(packet, to: sockets)
        return Dictionary(uniqueKeysWithValues: sockets.map { ($0, ByteBuffer(string: "ack:\($0)")) })
    }

    func disconnect(_ sockets: [SocketID], closeTransport: Bool) {
        for socket in sockets { Output.line("disconnected \(socket)") }
    }

    func details(of socket: SocketID) -> ByteBuffer? { nil }

    func receiveServerSideEmit(_ packet: ByteBuffer, from server: String) async -> ByteBuffer? {
        let text = String(buffer: packet)
        Output.line("emit \(server) \(text)")
        return ByteBuffer(string: "\(name):\(text)")
    }
}
