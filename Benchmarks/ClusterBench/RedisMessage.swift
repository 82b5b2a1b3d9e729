import NIOCore
import RealtimeAdapter

/// What one server publishes for the others, whichever client publishes it: the sender's
/// index, the rooms, then the packet.
enum RedisMessage {
    /// Each client's workers publish on their own channel, so while one client is measured
    /// redis-server does not also feed the other's subscribers.
    static func channel(client: String) -> String { "mesh#/#\(client)" }

    static func encode(sender: UInt8, rooms: Set<Room>, packet: ByteBuffer) -> ByteBuffer {
        var payload = ByteBuffer()
        payload.writeInteger(sender)
        payload.writeInteger(UInt16(rooms.count))
        for room in rooms {
            payload.writeInteger(UInt16(room.name.utf8.count))
            payload.writeString(room.name)
        }
        payload.writeImmutableBuffer(packet)
        return payload
    }

    /// The rooms of a message another server sent, leaving `payload` at the packet; nil for
    /// this server's own messages and for anything malformed.
    static func decode(_ payload: inout ByteBuffer, receiver: UInt8) -> Set<Room>? {
        guard let sender = payload.readInteger(as: UInt8.self), sender != receiver,
            let count = payload.readInteger(as: UInt16.self)
        else { return nil }
        var rooms: Set<Room> = []
        for _ in 0..<count {
            guard let length = payload.readInteger(as: UInt16.self), let name = payload.readString(length: Int(length))
            else { return nil }
            rooms.insert(Room(name))
        }
        return rooms
    }
}
