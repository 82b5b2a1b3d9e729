import NIOCore
import RealtimeAdapter

extension MeshMessage {
    static func readBody(
        _ type: MeshWire.MessageType,
        from buffer: inout ByteBuffer
    ) throws(MeshWireError) -> MeshMessage {
        switch type {
        case .deltas:
            let origin = try buffer.readWireNode()
            let deltas = try buffer.readWireArray(minimumSize: 13) { (b) throws(MeshWireError) in
                try b.readWireDelta()
            }
            return .deltas(origin: origin, deltas)
        case .snapshot:
            let origin = try buffer.readWireNode()
            let version = try buffer.readWire(UInt64.self)
            let part = try buffer.readWire(UInt32.self)
            let last = try buffer.readWireBool()
            let entries = try buffer.readWireArray(minimumSize: 8) { (b) throws(MeshWireError) in
                SnapshotEntry(
                    namespace: try b.readWireString(), socket: try b.readWireSocket(), rooms: try b.readWireRooms())
            }
            return .snapshot(origin: origin, version: version, part: part, last: last, entries)
        case .digest:
            let isReply = try buffer.readWireBool()
            var vector = VersionVector()
            for entry in try buffer.readWireVector() { vector[entry.origin] = entry.version }
            return .digest(vector, isReply: isReply)
        case .heartbeat:
            let received = try buffer.readWire(UInt64.self)
            return .heartbeat(Heartbeat(receivedBelow: received, nextToSend: try buffer.readWire(UInt64.self)))
        case .members:
            let records = try buffer.readWireArray(minimumSize: 12) { (b) throws(MeshWireError) in
                MemberRecord(node: try b.readWireNode(), address: try b.readWireString())
            }
            return .members(records)
        case .probe:
            let target = try buffer.readWireNode()
            return .probe(target: target, nonce: try buffer.readWire(UInt64.self))
        case .probeReply:
            let target = try buffer.readWireNode()
            let nonce = try buffer.readWire(UInt64.self)
            return .probeReply(target: target, nonce: nonce, alive: try buffer.readWireBool())
        case .leaving:
            return .leaving
        case .ordered:
            let sequence = try buffer.readWire(UInt64.self)
            let vector = try buffer.readWireVector()
            let payload = try buffer.readWirePayload()
            return .ordered(OrderedFrame(sequence: sequence, vector: vector, payload: payload))
        case .resume:
            return .resume(next: try buffer.readWire(UInt64.self))
        case .skip:
            return .skip(next: try buffer.readWire(UInt64.self))
        case .volatileBroadcast:
            return .volatileBroadcast(try buffer.readWireBroadcast())
        case .hello, .auth, .refuse:
            throw MeshWireError(.unknownType, "handshake frame \(type) on an established link")
        }
    }
}

extension ByteBuffer {
    mutating func readWireDelta() throws(MeshWireError) -> DirectoryDelta {
        let version = try readWire(UInt64.self)
        let namespace = try readWireString()
        let raw = try readWire(UInt8.self)
        guard let kind = MeshWire.ChangeKind(rawValue: raw) else {
            throw MeshWireError(.unknownType, "change kind \(raw)")
        }
        let socket = try readWireSocket()
        switch kind {
        case .join:
            return DirectoryDelta(version: version, namespace: namespace, change: .join(socket, try readWireRooms()))
        case .leave:
            return DirectoryDelta(version: version, namespace: namespace, change: .leave(socket, try readWireRooms()))
        case .remove: return DirectoryDelta(version: version, namespace: namespace, change: .remove(socket))
        }
    }

    mutating func readWireVector() throws(MeshWireError) -> [VectorEntry] {
        try readWireArray(minimumSize: 10) { (b) throws(MeshWireError) in
            VectorEntry(origin: try b.readWireNode(), version: try b.readWire(UInt64.self))
        }
    }

    mutating func readWireBroadcast() throws(MeshWireError) -> BroadcastFrame {
        let namespace = try readWireString()
        let rooms = try readWireRooms()
        let except = try readWireRooms()
        let number = try readWire(UInt64.self)
        let flags = try readWire(UInt8.self)
        guard flags & ~1 == 0 else { throw MeshWireError(.invalidValue, "broadcast flags \(flags)") }
        return BroadcastFrame(
            namespace: namespace, rooms: rooms, except: except, number: number, compress: flags & 1 != 0,
            packet: try readWirePacket())
    }

    mutating func readWirePacket() throws(MeshWireError) -> BroadcastPacket {
        let header = try readWireBytes()
        let attachments = try readWireArray(minimumSize: 4) { (b) throws(MeshWireError) in try b.readWireBytes() }
        return BroadcastPacket(header, attachments: attachments)
    }

    mutating func readWireOptions() throws(MeshWireError) -> BroadcastOptions {
        let rooms = try readWireRooms()
        let except = try readWireRooms()
        let flags = try readWire(UInt8.self)
        guard flags & ~3 == 0 else { throw MeshWireError(.invalidValue, "option flags \(flags)") }
        return BroadcastOptions(
            rooms: Set(rooms), except: Set(except), flags: .init(volatile: flags & 1 != 0, compress: flags & 2 != 0))
    }

    mutating func readWirePayload() throws(MeshWireError) -> OrderedPayload {
        let raw = try readWire(UInt8.self)
        guard let kind = MeshWire.PayloadKind(rawValue: raw) else {
            throw MeshWireError(.unknownType, "payload kind \(raw)")
        }
        switch kind {
        case .broadcast: return .broadcast(try readWireBroadcast())
        case .request:
            let id = try readWire(UInt64.self)
            let namespace = try readWireString()
            return .request(id, namespace: namespace, try readWireRequest())
        case .response:
            let id = try readWire(UInt64.self)
            return .response(id, try readWireResponse())
        case .emit:
            let namespace = try readWireString()
            return .emit(namespace: namespace, try readWireBytes())
        case .vectorOnly:
            return .vectorOnly
        }
    }

    mutating func readWireRequest() throws(MeshWireError) -> RequestBody {
        let raw = try readWire(UInt8.self)
        guard let kind = MeshWire.RequestKind(rawValue: raw) else {
            throw MeshWireError(.unknownType, "request kind \(raw)")
        }
        switch kind {
        case .fetchSockets: return .fetchSockets(try readWireOptions())
        case .addSockets:
            let options = try readWireOptions()
            return .addSockets(options, rooms: try readWireRooms())
        case .delSockets:
            let options = try readWireOptions()
            return .delSockets(options, rooms: try readWireRooms())
        case .disconnectSockets:
            let options = try readWireOptions()
            return .disconnectSockets(options, closeTransport: try readWireBool())
        case .serverSideEmit: return .serverSideEmit(try readWireBytes())
        case .broadcastWithAck:
            let options = try readWireOptions()
            let packet = try readWirePacket()
            return .broadcastWithAck(options, packet: packet, timeoutMilliseconds: try readWire(UInt32.self))
        }
    }

    mutating func readWireResponse() throws(MeshWireError) -> ResponseBody {
        let raw = try readWire(UInt8.self)
        guard let kind = MeshWire.ResponseKind(rawValue: raw) else {
            throw MeshWireError(.unknownType, "response kind \(raw)")
        }
        switch kind {
        case .sockets:
            let records = try readWireArray(minimumSize: 7) { (b) throws(MeshWireError) in
                SocketRecord(
                    socket: try b.readWireSocket(), rooms: try b.readWireRooms(),
                    details: try b.readWireOptionalBytes())
            }
            return .sockets(records)
        case .applied:
            let affected = try readWire(UInt32.self)
            return .applied(affected: affected, version: try readWire(UInt64.self))
        case .emitReply: return .emitReply(try readWireOptionalBytes())
        case .acks:
            let expected = try readWire(UInt32.self)
            let records = try readWireArray(minimumSize: 6) { (b) throws(MeshWireError) in
                AckRecord(socket: try b.readWireSocket(), response: try b.readWireBytes())
            }
            return .acks(expected: expected, records)
        }
    }
}
