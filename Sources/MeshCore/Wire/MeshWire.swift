public import NIOCore
package import RealtimeAdapter

/// The binary frame format: `[length: UInt32][type: UInt8][version: UInt8][body]`, big-endian,
/// where `length` counts every byte after itself.
@_spi(MeshInternals) public enum MeshWire {
    /// The body version this node writes and reads.
    package static let version: UInt8 = 2
    /// Bytes before the body: length, type, version.
    package static let headerSize = 6

    /// Appends `message` as one complete frame.
    public static func encode(_ message: MeshMessage, into buffer: inout ByteBuffer) {
        if case .ordered(let frame) = message, frame.vector.isEmpty, case .broadcast(let broadcast) = frame.payload {
            encodeOrderedBroadcast(sequence: frame.sequence, broadcast, into: &buffer)
        } else {
            encodeInGeneral(message, into: &buffer)
        }
    }

    /// The frame nearly every broadcast becomes, byte for byte what `encodeInGeneral` writes
    /// for it: its size is known up front, so it is written with plain stores into space
    /// reserved once, instead of a checked write per field.
    static func encodeOrderedBroadcast(sequence: UInt64, _ frame: BroadcastFrame, into buffer: inout ByteBuffer) {
        encodeOrderedBroadcast(
            sequence: sequence, namespace: frame.namespace, rooms: frame.rooms, except: frame.except,
            number: frame.number, compress: frame.compress, packet: frame.packet, into: &buffer)
    }

    /// An ordered broadcast frame straight from the application's options and packet, with no
    /// `BroadcastFrame` in between unless the frame carries vector changes (rare: only after
    /// the directory changed), which the general encoder writes.
    /// `size`, when the caller has it, is `orderedBroadcastSize` of the same broadcast: a
    /// broadcast to several peers measures itself once.
    static func encodeOrderedBroadcast(
        sequence: UInt64, vector: [VectorEntry], namespace: String, number: UInt64, options: BroadcastOptions,
        packet: BroadcastPacket, size: Int? = nil, into buffer: inout ByteBuffer
    ) {
        guard vector.isEmpty else {
            let frame = OrderedFrame(
                sequence: sequence, vector: vector,
                payload: .broadcast(
                    BroadcastFrame(namespace: namespace, options: options, number: number, packet: packet)))
            encodeInGeneral(.ordered(frame), into: &buffer)
            return
        }
        encodeOrderedBroadcast(
            sequence: sequence, namespace: namespace, rooms: options.rooms, except: options.except, number: number,
            compress: options.flags.compress, packet: packet, length: size.map { $0 - 4 }, into: &buffer)
    }

    /// The bytes of an ordered broadcast frame, length prefix included, for a broadcast of
    /// `namespace` to `options` of `packet`: what a peer must accept for it to arrive.
    package static func orderedBroadcastSize(namespace: String, options: BroadcastOptions, packet: BroadcastPacket)
        -> Int
    {
        4 + broadcastLength(namespace: namespace, rooms: options.rooms, except: options.except, packet: packet)
    }

    private static func broadcastLength(
        namespace: String, rooms: some Collection<Room>, except: some Collection<Room>, packet: BroadcastPacket
    ) -> Int {
        var roomBytes = 0
        for room in rooms { roomBytes += 2 + room.name.utf8.count }
        for room in except { roomBytes += 2 + room.name.utf8.count }
        var packetBytes = 4 + packet.header.readableBytes + 4
        if packet.hasAttachments {
            for attachment in packet.attachments { packetBytes += 4 + attachment.readableBytes }
        }
        // type, version, sequence, vector count, payload kind, namespace, two room counts,
        // number, flags, then the packet.
        return 2 + 8 + 4 + 1 + 2 + namespace.utf8.count + 4 + 4 + roomBytes + 8 + 1 + packetBytes
    }

    private static func encodeOrderedBroadcast(
        sequence: UInt64, namespace: String, rooms: some Collection<Room>, except: some Collection<Room>,
        number: UInt64, compress: Bool, packet: BroadcastPacket, length: Int? = nil, into buffer: inout ByteBuffer
    ) {
        let length = length ?? broadcastLength(namespace: namespace, rooms: rooms, except: except, packet: packet)
        buffer.reserveCapacity(minimumWritableBytes: 4 + length)
        buffer.withUnsafeMutableWritableBytes { out in
            var writer = RawWriter(base: out.baseAddress!)
            writer.put(UInt32(length))
            writer.put(MessageType.ordered.rawValue)
            writer.put(version)
            writer.put(sequence)
            writer.put(UInt32(0))
            writer.put(PayloadKind.broadcast.rawValue)
            writer.put(name: namespace)
            writer.put(rooms: rooms)
            writer.put(rooms: except)
            writer.put(number)
            writer.put(UInt8(compress ? 1 : 0))
            writer.put(UInt32(packet.header.readableBytes))
            packet.header.withUnsafeReadableBytes { writer.put(bytes: $0) }
            if packet.hasAttachments {
                let attachments = packet.attachments
                writer.put(UInt32(attachments.count))
                for attachment in attachments {
                    writer.put(UInt32(attachment.readableBytes))
                    attachment.withUnsafeReadableBytes { writer.put(bytes: $0) }
                }
            } else {
                writer.put(UInt32(0))
            }
        }
        buffer.moveWriterIndex(forwardBy: 4 + length)
    }

    /// A name read off the wire, nil if it is not UTF-8. Names are read on every frame: plain
    /// ASCII (nearly every name) is checked byte by byte and decoded directly; anything else
    /// goes through full UTF-8 validation.
    static func name(_ bytes: UnsafeRawBufferPointer) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Any message, through its body writer; the length is patched in at the end.
    static func encodeInGeneral(_ message: MeshMessage, into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))  // patched below
        buffer.writeInteger(message.wireType.rawValue)
        buffer.writeInteger(version)
        message.writeBody(into: &buffer)
        let length = buffer.writerIndex - start - 4
        buffer.setInteger(UInt32(length), at: start)
    }

    public static func encode(_ message: MeshMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(message, into: &buffer)
        return buffer
    }

    /// Reads one frame from the front of `buffer`: nil when it is not complete yet. A length
    /// over `maximumFrameSize` throws before the body is waited for.
    public static func readFrame(
        from buffer: inout ByteBuffer,
        maximumFrameSize: Int
    ) throws(MeshWireError) -> MeshMessage? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard Int(length) <= maximumFrameSize else {
            throw MeshWireError(.frameTooLarge, "\(length) > \(maximumFrameSize)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        guard var frame = buffer.readSlice(length: Int(length)) else { return nil }
        return try decode(frame: &frame)
    }

    /// Decodes a frame without its length prefix: type, version and body, all of it.
    package static func decode(frame: inout ByteBuffer) throws(MeshWireError) -> MeshMessage {
        if let message = decodeOrderedBroadcast(frame) {
            frame.moveReaderIndex(to: frame.writerIndex)
            return message
        }
        return try decodeInGeneral(frame: &frame)
    }

    /// The frame nearly every broadcast arrives as (an ordered broadcast with no vector
    /// change), decoded into a message.
    static func decodeOrderedBroadcast(_ frame: ByteBuffer) -> MeshMessage? {
        readOrderedBroadcast(frame)?.message
    }

    /// An ordered broadcast with no vector change read with plain loads from the bytes of a
    /// frame (without its length) in one pass; the packet is a slice of the frame, not a copy.
    /// Nil for anything else or anything malformed, which the general decoder then reads (and
    /// refuses with the precise error).
    package static func readOrderedBroadcast(_ frame: ByteBuffer) -> OrderedBroadcast? {
        // Only plain values leave the closure: offsets, not strings or lists, so that nothing
        // needs releasing on the way out. A packet with attachments takes the general path.
        typealias Parsed = (
            sequence: UInt64, namespace: Range<Int>, target: OrderedBroadcast.Target, number: UInt64, compress: Bool,
            header: Range<Int>
        )
        let parsed: Parsed? = frame.withUnsafeReadableBytes { bytes in
            var reader = RawReader(bytes: bytes)
            guard reader.take(UInt8.self) == MessageType.ordered.rawValue, reader.take(UInt8.self) == version,
                let sequence = reader.take(UInt64.self), reader.take(UInt32.self) == 0,
                reader.take(UInt8.self) == PayloadKind.broadcast.rawValue,
                let namespace = reader.takeNameRange(),
                let target = reader.takeTarget(),
                let number = reader.take(UInt64.self),
                let flags = reader.take(UInt8.self), flags & ~1 == 0,
                let header = reader.takeBytes(),
                reader.take(UInt32.self) == 0, reader.remaining == 0
            else { return nil }
            return (sequence, namespace, target, number, flags & 1 != 0, header)
        }
        guard let parsed, let header = frame.slice(parsed.header), let namespace = frame.name(parsed.namespace)
        else { return nil }
        return OrderedBroadcast(
            sequence: parsed.sequence, namespace: namespace, target: parsed.target, number: parsed.number,
            compress: parsed.compress, packet: BroadcastPacket(header))
    }

    static func decodeInGeneral(frame: inout ByteBuffer) throws(MeshWireError) -> MeshMessage {
        let rawType = try frame.readWire(UInt8.self)
        guard let type = MessageType(rawValue: rawType) else {
            throw MeshWireError(.unknownType, "message type \(rawType)")
        }
        let bodyVersion = try frame.readWire(UInt8.self)
        guard bodyVersion == version else {
            throw MeshWireError(.unsupportedVersion, "body version \(bodyVersion)")
        }
        let message = try MeshMessage.readBody(type, from: &frame)
        guard frame.readableBytes == 0 else {
            throw MeshWireError(.trailingBytes, "\(frame.readableBytes) bytes after \(type)")
        }
        return message
    }
}

/// An ordered broadcast frame's fields as `MeshWire.readOrderedBroadcast` reads them, before
/// (and usually instead of) becoming a `MeshMessage`.
package struct OrderedBroadcast: Sendable {
    /// The sockets a broadcast is for: one room and no exclusion, as nearly every broadcast
    /// (read without building a list), or lists of rooms and of rooms excluded.
    package enum Target: Sendable {
        case room(Room)
        case rooms([Room], except: [Room])
    }

    package var sequence: UInt64
    package var namespace: String
    package var target: Target
    package var number: UInt64
    package var compress: Bool
    package var packet: BroadcastPacket

    package var rooms: [Room] {
        switch target {
        case .room(let room): [room]
        case .rooms(let rooms, _): rooms
        }
    }

    package var except: [Room] {
        switch target {
        case .room: []
        case .rooms(_, let except): except
        }
    }

    /// The same frame as a message, for the general receive path.
    package var message: MeshMessage {
        let payload = BroadcastFrame(
            namespace: namespace, rooms: rooms, except: except, number: number, compress: compress, packet: packet)
        return .ordered(OrderedFrame(sequence: sequence, vector: [], payload: .broadcast(payload)))
    }
}

/// Big-endian stores through a raw pointer into space the caller has reserved.
private struct RawWriter {
    var base: UnsafeMutableRawPointer
    var offset = 0

    mutating func put<T: FixedWidthInteger>(_ value: T) {
        base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
    }

    mutating func put(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        (base + offset).copyMemory(from: source, byteCount: bytes.count)
        offset += bytes.count
    }

    /// A count, then each name as its length and UTF-8 bytes.
    mutating func put(rooms: some Collection<Room>) {
        put(UInt32(rooms.count))
        for room in rooms { put(name: room.name) }
    }

    /// A name as its length and UTF-8 bytes.
    mutating func put(name: String) {
        var name = name
        put(UInt16(name.utf8.count))
        name.withUTF8 { put(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Big-endian loads from bytes received; every read checks what is left and gives nil past
/// the end.
private struct RawReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var remaining: Int { bytes.count - offset }

    mutating func take<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard remaining >= MemoryLayout<T>.size else { return nil }
        defer { offset += MemoryLayout<T>.size }
        return T(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// A count, then each name as its length and UTF-8 bytes; nil if any name is not UTF-8.
    mutating func takeRooms() -> [Room]? {
        guard let count = take(UInt32.self).map(Int.init), count <= remaining / 2 else { return nil }
        return takeRooms(count: count)
    }

    private mutating func takeRooms(count: Int) -> [Room]? {
        var rooms: [Room] = []
        rooms.reserveCapacity(count)
        for _ in 0..<count {
            guard let room = takeRoom() else { return nil }
            rooms.append(room)
        }
        return rooms
    }

    private mutating func takeRoom() -> Room? { takeName().map { Room($0) } }

    /// A 32-bit length and that many bytes: where they lie, relative to the start.
    mutating func takeBytes() -> Range<Int>? {
        guard let length = take(UInt32.self).map(Int.init), remaining >= length else { return nil }
        defer { offset += length }
        return offset..<(offset + length)
    }

    /// Where a name's bytes lie: a 16-bit length and that many bytes.
    mutating func takeNameRange() -> Range<Int>? {
        guard let length = take(UInt16.self).map(Int.init), remaining >= length else { return nil }
        defer { offset += length }
        return offset..<(offset + length)
    }

    mutating func takeName() -> String? {
        guard let length = take(UInt16.self).map(Int.init), remaining >= length else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
        offset += length
        return MeshWire.name(name)
    }

    /// The rooms then the exclusions of a broadcast; one room and no exclusion without a list.
    mutating func takeTarget() -> OrderedBroadcast.Target? {
        guard let count = take(UInt32.self).map(Int.init), count <= remaining / 2 else { return nil }
        if count == 1, remaining >= 2 {
            guard let room = takeRoom(), let excluded = take(UInt32.self).map(Int.init) else { return nil }
            if excluded == 0 { return .room(room) }
            guard excluded <= remaining / 2, let except = takeRooms(count: excluded) else { return nil }
            return .rooms([room], except: except)
        }
        guard let rooms = takeRooms(count: count), let except = takeRooms() else { return nil }
        return .rooms(rooms, except: except)
    }
}

extension ByteBuffer {
    /// The bytes at `range` of the readable bytes, as a slice (no copy).
    fileprivate func slice(_ range: Range<Int>) -> ByteBuffer? {
        getSlice(at: readerIndex + range.lowerBound, length: range.count)
    }

    /// The name at `range` of the readable bytes; the main namespace, nearly every broadcast's,
    /// without decoding.
    fileprivate func name(_ range: Range<Int>) -> String? {
        if range.count == 1, getInteger(at: readerIndex + range.lowerBound, as: UInt8.self) == UInt8(ascii: "/") {
            return "/"
        }
        return withUnsafeReadableBytes { bytes in
            guard range.upperBound <= bytes.count else { return nil }
            return MeshWire.name(UnsafeRawBufferPointer(rebasing: bytes[range]))
        }
    }
}
