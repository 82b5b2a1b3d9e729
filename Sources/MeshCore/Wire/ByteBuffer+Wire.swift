import NIOCore
import RealtimeAdapter

// Primitive fields. Every read checks what is left and throws instead of trapping: these bytes
// come from the network.

extension ByteBuffer {
    mutating func writeWireString(_ string: String) {
        let length = string.utf8.count
        precondition(length <= Int(UInt16.max), "names are at most 65535 bytes")
        writeInteger(UInt16(length))
        writeString(string)
    }

    /// A length-prefixed name, decoded by `MeshWire.name`.
    mutating func readWireString() throws(MeshWireError) -> String {
        let length = Int(try readWire(UInt16.self))
        guard readableBytes >= length else { throw MeshWireError(.truncated, "string") }
        let string = withUnsafeReadableBytes { MeshWire.name(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
        guard let string else { throw MeshWireError(.invalidValue, "string is not UTF-8") }
        moveReaderIndex(forwardBy: length)
        return string
    }

    mutating func readWire<T: FixedWidthInteger>(_: T.Type) throws(MeshWireError) -> T {
        guard let value = readInteger(as: T.self) else { throw MeshWireError(.truncated, "\(T.self)") }
        return value
    }

    mutating func readWireBool() throws(MeshWireError) -> Bool {
        switch try readWire(UInt8.self) {
        case 0: return false
        case 1: return true
        case let other: throw MeshWireError(.invalidValue, "bool \(other)")
        }
    }

    /// A count of elements that each take at least `minimumSize` bytes: a count the remaining
    /// bytes cannot hold is refused before anything is allocated for it.
    mutating func readWireCount(minimumSize: Int = 1) throws(MeshWireError) -> Int {
        let count = Int(try readWire(UInt32.self))
        guard count <= readableBytes / max(1, minimumSize) else {
            throw MeshWireError(.invalidValue, "count \(count) exceeds the frame")
        }
        return count
    }

    mutating func writeWireBytes(_ bytes: ByteBuffer) {
        writeInteger(UInt32(bytes.readableBytes))
        writeImmutableBuffer(bytes)
    }

    mutating func readWireBytes() throws(MeshWireError) -> ByteBuffer {
        let length = try readWire(UInt32.self)
        guard let slice = readSlice(length: Int(length)) else { throw MeshWireError(.truncated, "bytes") }
        return slice
    }

    mutating func writeWireOptionalBytes(_ bytes: ByteBuffer?) {
        if let bytes {
            writeInteger(UInt8(1))
            writeWireBytes(bytes)
        } else {
            writeInteger(UInt8(0))
        }
    }

    mutating func readWireOptionalBytes() throws(MeshWireError) -> ByteBuffer? {
        try readWireBool() ? try readWireBytes() : nil
    }

    mutating func writeWireNode(_ node: NodeID) {
        writeWireString(node.name)
        writeInteger(node.incarnation)
    }

    mutating func readWireNode() throws(MeshWireError) -> NodeID {
        let name = try readWireString()
        return NodeID(name: name, incarnation: try readWire(UInt64.self))
    }

    mutating func writeWireRooms(_ rooms: some Collection<Room>) {
        writeInteger(UInt32(rooms.count))
        for room in rooms { writeWireString(room.name) }
    }

    mutating func readWireRooms() throws(MeshWireError) -> [Room] {
        let count = try readWireCount(minimumSize: 2)
        var rooms: [Room] = []
        rooms.reserveCapacity(count)
        for _ in 0..<count { rooms.append(Room(try readWireString())) }
        return rooms
    }

    mutating func writeWireSocket(_ socket: SocketID) { writeWireString(socket.rawValue) }

    mutating func readWireSocket() throws(MeshWireError) -> SocketID {
        SocketID(try readWireString())
    }

    /// Reads `count` elements with `element`, the count checked against the bytes left.
    mutating func readWireArray<T>(
        minimumSize: Int,
        _ element: (inout ByteBuffer) throws(MeshWireError) -> T
    ) throws(MeshWireError) -> [T] {
        let count = try readWireCount(minimumSize: minimumSize)
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }
}
