import NIOCore

/// The parts of RESP2 this benchmark needs: commands out; integers, strings, bulk strings and
/// arrays in.
indirect enum RESPValue {
    case simple(ByteBuffer)
    case error(ByteBuffer)
    case integer(Int)
    case bulk(ByteBuffer?)
    case array([RESPValue])
}

enum RESP {
    static func writeCommand(_ words: [String], payload: ByteBuffer? = nil, into buffer: inout ByteBuffer) {
        buffer.writeString("*\(words.count + (payload == nil ? 0 : 1))\r\n")
        for word in words { buffer.writeString("$\(word.utf8.count)\r\n\(word)\r\n") }
        if let payload {
            buffer.writeString("$\(payload.readableBytes)\r\n")
            buffer.writeImmutableBuffer(payload)
            buffer.writeString("\r\n")
        }
    }
}

struct RESPDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = RESPValue

    struct Malformed: Error {}

    mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        var copy = buffer
        guard let value = try Self.parse(&copy) else { return nil }
        buffer = copy
        return value
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try decode(buffer: &buffer)
    }

    private static func line(_ buffer: inout ByteBuffer) -> ByteBuffer? {
        guard let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\r")),
            end + 1 < buffer.writerIndex
        else { return nil }
        let line = buffer.getSlice(at: buffer.readerIndex, length: end - buffer.readerIndex)
        buffer.moveReaderIndex(to: end + 2)
        return line
    }

    private static func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        guard let kind = buffer.readInteger(as: UInt8.self), let header = line(&buffer) else { return nil }
        let text = String(buffer: header)
        switch kind {
        case UInt8(ascii: "+"): return .simple(header)
        case UInt8(ascii: "-"): return .error(header)
        case UInt8(ascii: ":"):
            guard let value = Int(text) else { throw Malformed() }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = Int(text) else { throw Malformed() }
            if length < 0 { return .bulk(nil) }
            guard buffer.readableBytes >= length + 2, let bytes = buffer.readSlice(length: length) else { return nil }
            buffer.moveReaderIndex(forwardBy: 2)
            return .bulk(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(text) else { throw Malformed() }
            var items: [RESPValue] = []
            for _ in 0..<max(0, count) {
                guard let item = try parse(&buffer) else { return nil }
                items.append(item)
            }
            return .array(items)
        default:
            throw Malformed()
        }
    }
}
