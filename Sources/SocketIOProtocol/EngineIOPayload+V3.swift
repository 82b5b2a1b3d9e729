import Foundation
package import NIOCore

extension EngineIOPayload {
    /// The packets of a v3 client's polling body, in either of its forms, told apart by the
    /// first byte (a text body starts with a length digit, a binary one with 0 or 1); a body
    /// over `maximumBytes` is refused whole. `OutboundMessage.payloadV3` writes both forms.
    package static func decodeV3(_ body: ByteBuffer, maximumBytes: Int) throws(ProtocolError) -> [EngineIOPacket] {
        guard body.readableBytes <= maximumBytes else {
            throw ProtocolError(.tooLarge, "payload of \(body.readableBytes) bytes > \(maximumBytes)")
        }
        guard let first = body.readableBytesView.first else { throw ProtocolError(.empty, "empty payload") }
        return first <= 1 ? try decodeV3Binary(body) : try decodeV3Text(body)
    }

    /// Each packet: 0 (text) or 1 (binary), its length in bytes as one byte per decimal digit,
    /// 0xFF, the packet.
    private static func decodeV3Binary(_ body: ByteBuffer) throws(ProtocolError) -> [EngineIOPacket] {
        var rest = body
        var packets: [EngineIOPacket] = []
        while let marker = rest.readInteger(as: UInt8.self) {
            guard marker <= 1 else { throw ProtocolError(.invalidHeader, "binary payload marker \(marker)") }
            var length = 0
            var digits = 0
            while true {
                guard let digit = rest.readInteger(as: UInt8.self) else {
                    throw ProtocolError(.invalidHeader, "binary payload length without its end")
                }
                if digit == 0xFF { break }
                guard digit <= 9, digits < 10 else { throw ProtocolError(.invalidHeader, "binary payload length") }
                length = length * 10 + Int(digit)
                digits += 1
            }
            guard digits > 0, let part = rest.readSlice(length: length) else {
                throw ProtocolError(.invalidHeader, "binary payload part of \(length) bytes past the body's end")
            }
            packets.append(
                marker == 0 ? try EngineIOPacket.decode(text: part) : try EngineIOPacket.decodeV3(binary: part))
        }
        return packets
    }

    /// Each packet: `<length>:<packet>`, the length in UTF-16 code units (engine.io's client
    /// counts JavaScript string lengths), a binary message as "b4" and base64.
    private static func decodeV3Text(_ body: ByteBuffer) throws(ProtocolError) -> [EngineIOPacket] {
        var bytes = body
        guard let text = bytes.readValidatedString(length: bytes.readableBytes) else {
            throw ProtocolError(.invalidText, "payload is not UTF-8")
        }
        let units = text.utf16
        var packets: [EngineIOPacket] = []
        var index = units.startIndex
        while index < units.endIndex {
            guard let colon = units[index...].firstIndex(of: UInt16(UInt8(ascii: ":"))),
                text[index..<colon].utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let length = Int(text[index..<colon]),
                let end = units.index(units.index(after: colon), offsetBy: length, limitedBy: units.endIndex),
                end.samePosition(in: text.unicodeScalars) != nil
            else { throw ProtocolError(.invalidHeader, "text payload length") }
            packets.append(try decodeV3Part(text[units.index(after: colon)..<end]))
            index = end
        }
        return packets
    }

    private static func decodeV3Part(_ part: Substring) throws(ProtocolError) -> EngineIOPacket {
        guard part.hasPrefix("b") else { return try EngineIOPacket.decode(text: ByteBuffer(string: String(part))) }
        guard part.dropFirst().first == "4" else { throw ProtocolError(.unknownType, "base64 packet of another type") }
        guard let data = Data(base64Encoded: String(part.dropFirst(2))) else {
            throw ProtocolError(.invalidBase64, "binary packet of \(part.utf8.count) bytes")
        }
        return .binaryMessage(ByteBuffer(bytes: data))
    }
}
