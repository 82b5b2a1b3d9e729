import NIOCore
import RealtimeAdapter

extension MeshMessage {
    /// The frame type this message is written as (never a handshake type).
    var wireType: MeshWire.MessageType {
        switch self {
        case .deltas: .deltas
        case .snapshot: .snapshot
        case .digest: .digest
        case .heartbeat: .heartbeat
        case .members: .members
        case .probe: .probe
        case .probeReply: .probeReply
        case .leaving: .leaving
        case .ordered: .ordered
        case .resume: .resume
        case .skip: .skip
        case .volatileBroadcast: .volatileBroadcast
        }
    }

    func writeBody(into buffer: inout ByteBuffer) {
        switch self {
        case .deltas(let origin, let deltas):
            buffer.writeWireNode(origin)
            buffer.writeInteger(UInt32(deltas.count))
            for delta in deltas { buffer.writeWireDelta(delta) }
        case .snapshot(let origin, let version, let part, let last, let entries):
            buffer.writeWireNode(origin)
            buffer.writeInteger(version)
            buffer.writeInteger(part)
            buffer.writeInteger(UInt8(last ? 1 : 0))
            buffer.writeInteger(UInt32(entries.count))
            for entry in entries {
                buffer.writeWireString(entry.namespace)
                buffer.writeWireSocket(entry.socket)
                buffer.writeWireRooms(entry.rooms)
            }
        case .digest(let vector, let isReply):
            buffer.writeInteger(UInt8(isReply ? 1 : 0))
            buffer.writeWireVector(vector.entries.map { VectorEntry(origin: $0.key, version: $0.value) })
        case .heartbeat(let heartbeat):
            buffer.writeInteger(heartbeat.receivedBelow)
            buffer.writeInteger(heartbeat.nextToSend)
        case .members(let records):
            buffer.writeInteger(UInt32(records.count))
            for record in records {
                buffer.writeWireNode(record.node)
                buffer.writeWireString(record.address)
            }
        case .probe(let target, let nonce):
            buffer.writeWireNode(target)
            buffer.writeInteger(nonce)
        case .probeReply(let target, let nonce, let alive):
            buffer.writeWireNode(target)
            buffer.writeInteger(nonce)
            buffer.writeInteger(UInt8(alive ? 1 : 0))
        case .leaving:
            break
        case .ordered(let frame):
            buffer.writeInteger(frame.sequence)
            buffer.writeWireVector(frame.vector)
            buffer.writeWirePayload(frame.payload)
        case .resume(let next), .skip(let next):
            buffer.writeInteger(next)
        case .volatileBroadcast(let frame):
            buffer.writeWireBroadcast(frame)
        }
    }
}

extension ByteBuffer {
    mutating func writeWireDelta(_ delta: DirectoryDelta) {
        writeInteger(delta.version)
        writeWireString(delta.namespace)
        switch delta.change {
        case .join(let socket, let rooms):
            writeInteger(MeshWire.ChangeKind.join.rawValue)
            writeWireSocket(socket)
            writeWireRooms(rooms)
        case .leave(let socket, let rooms):
            writeInteger(MeshWire.ChangeKind.leave.rawValue)
            writeWireSocket(socket)
            writeWireRooms(rooms)
        case .remove(let socket):
            writeInteger(MeshWire.ChangeKind.remove.rawValue)
            writeWireSocket(socket)
        }
    }

    mutating func writeWireVector(_ entries: [VectorEntry]) {
        writeInteger(UInt32(entries.count))
        for entry in entries {
            writeWireNode(entry.origin)
            writeInteger(entry.version)
        }
    }

    /// namespace, rooms, except, number, flags (bit 0: compress), packet.
    mutating func writeWireBroadcast(_ frame: BroadcastFrame) {
        writeWireString(frame.namespace)
        writeWireRooms(frame.rooms)
        writeWireRooms(frame.except)
        writeInteger(frame.number)
        writeInteger(UInt8(frame.compress ? 1 : 0))
        writeWirePacket(frame.packet)
    }

    /// The header's bytes, then a count of attachments and each one's bytes.
    mutating func writeWirePacket(_ packet: BroadcastPacket) {
        writeWireBytes(packet.header)
        writeInteger(UInt32(packet.attachments.count))
        for attachment in packet.attachments { writeWireBytes(attachment) }
    }

    /// rooms, except, flags (bit 0: volatile, bit 1: compress).
    mutating func writeWireOptions(_ options: BroadcastOptions) {
        writeWireRooms(options.rooms)
        writeWireRooms(options.except)
        writeInteger(UInt8((options.flags.volatile ? 1 : 0) | (options.flags.compress ? 2 : 0)))
    }

    mutating func writeWirePayload(_ payload: OrderedPayload) {
        switch payload {
        case .broadcast(let frame):
            writeInteger(MeshWire.PayloadKind.broadcast.rawValue)
            writeWireBroadcast(frame)
        case .request(let id, let namespace, let body):
            writeInteger(MeshWire.PayloadKind.request.rawValue)
            writeInteger(id)
            writeWireString(namespace)
            writeWireRequest(body)
        case .response(let id, let body):
            writeInteger(MeshWire.PayloadKind.response.rawValue)
            writeInteger(id)
            writeWireResponse(body)
        case .emit(let namespace, let packet):
            writeInteger(MeshWire.PayloadKind.emit.rawValue)
            writeWireString(namespace)
            writeWireBytes(packet)
        case .vectorOnly:
            writeInteger(MeshWire.PayloadKind.vectorOnly.rawValue)
        }
    }

    mutating func writeWireRequest(_ body: RequestBody) {
        switch body {
        case .fetchSockets(let options):
            writeInteger(MeshWire.RequestKind.fetchSockets.rawValue)
            writeWireOptions(options)
        case .addSockets(let options, let rooms):
            writeInteger(MeshWire.RequestKind.addSockets.rawValue)
            writeWireOptions(options)
            writeWireRooms(rooms)
        case .delSockets(let options, let rooms):
            writeInteger(MeshWire.RequestKind.delSockets.rawValue)
            writeWireOptions(options)
            writeWireRooms(rooms)
        case .disconnectSockets(let options, let close):
            writeInteger(MeshWire.RequestKind.disconnectSockets.rawValue)
            writeWireOptions(options)
            writeInteger(UInt8(close ? 1 : 0))
        case .serverSideEmit(let packet):
            writeInteger(MeshWire.RequestKind.serverSideEmit.rawValue)
            writeWireBytes(packet)
        case .broadcastWithAck(let options, let packet, let timeout):
            writeInteger(MeshWire.RequestKind.broadcastWithAck.rawValue)
            writeWireOptions(options)
            writeWirePacket(packet)
            writeInteger(timeout)
        }
    }

    mutating func writeWireResponse(_ body: ResponseBody) {
        switch body {
        case .sockets(let records):
            writeInteger(MeshWire.ResponseKind.sockets.rawValue)
            writeInteger(UInt32(records.count))
            for record in records {
                writeWireSocket(record.socket)
                writeWireRooms(record.rooms)
                writeWireOptionalBytes(record.details)
            }
        case .applied(let affected, let version):
            writeInteger(MeshWire.ResponseKind.applied.rawValue)
            writeInteger(affected)
            writeInteger(version)
        case .emitReply(let reply):
            writeInteger(MeshWire.ResponseKind.emitReply.rawValue)
            writeWireOptionalBytes(reply)
        case .acks(let expected, let records):
            writeInteger(MeshWire.ResponseKind.acks.rawValue)
            writeInteger(expected)
            writeInteger(UInt32(records.count))
            for record in records {
                writeWireSocket(record.socket)
                writeWireBytes(record.response)
            }
        }
    }
}
