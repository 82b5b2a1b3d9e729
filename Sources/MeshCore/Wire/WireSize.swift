import NIOCore
import RealtimeAdapter

/// The encoded size of directory entries, as `ByteBuffer+Wire` writes them: what catch-up
/// counts to keep each message below the frame limit.
enum WireSize {
    static func name(_ name: String) -> Int { 2 + name.utf8.count }

    static func rooms(_ rooms: [Room]) -> Int { rooms.reduce(4) { $0 + name($1.name) } }

    static func delta(_ delta: DirectoryDelta) -> Int {
        let rooms: Int
        switch delta.change {
        case .join(let socket, let list), .leave(let socket, let list): rooms = name(socket.rawValue) + Self.rooms(list)
        case .remove(let socket): rooms = name(socket.rawValue)
        }
        return 8 + name(delta.namespace) + 1 + rooms
    }

    static func snapshotEntry(_ entry: SnapshotEntry) -> Int {
        name(entry.namespace) + name(entry.socket.rawValue) + rooms(entry.rooms)
    }

    static func socketRecord(_ record: SocketRecord) -> Int {
        name(record.socket.rawValue) + rooms(record.rooms) + 1 + (record.details.map { 4 + $0.readableBytes } ?? 0)
    }

    static func ackRecord(_ record: AckRecord) -> Int {
        name(record.socket.rawValue) + 4 + record.response.readableBytes
    }
}
