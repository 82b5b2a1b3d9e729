/// One Socket.IO v5 packet, as it travels in an Engine.IO message:
/// `<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]`. A binary event or ack is
/// this header followed by `attachments` binary Engine.IO messages, which take the places of
/// the `{"_placeholder":true,"num":N}` objects in its data.
///
/// The data stays JSON text here: the header is what routing needs, and the data is parsed
/// once, where the application reads it.
package struct SocketIOPacket: Equatable, Sendable {
    package enum Kind: UInt8, Sendable {
        case connect = 0, disconnect, event, ack, connectError, binaryEvent, binaryAck

        package var isBinary: Bool { self == .binaryEvent || self == .binaryAck }
    }

    package var kind: Kind
    package var namespace: String
    /// The acknowledgement id: on an event, the ack the sender waits for; on an ack, the event
    /// it answers.
    package var id: UInt64?
    /// For binary events and acks, how many binary messages follow.
    package var attachments: Int
    /// The JSON text after the header, if any.
    package var data: String?

    package init(kind: Kind, namespace: String = "/", id: UInt64? = nil, attachments: Int = 0, data: String? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.id = id
        self.attachments = attachments
        self.data = data
    }

    /// Limits on what a client may claim in a header.
    package struct Limits: Sendable {
        /// Binary attachments one packet may announce (socket.io has no limit; a client that
        /// announces millions would have them awaited).
        package var maximumAttachments: Int
        package init(maximumAttachments: Int = 1_000) { self.maximumAttachments = maximumAttachments }
    }

    package static func decode(_ text: String, limits: Limits = Limits()) throws(ProtocolError) -> SocketIOPacket {
        var utf8 = text.utf8[...]
        guard let first = utf8.popFirst() else { throw ProtocolError(.empty, "empty Socket.IO packet") }
        guard first >= UInt8(ascii: "0"), let kind = Kind(rawValue: first &- UInt8(ascii: "0")) else {
            throw ProtocolError(.unknownType, "Socket.IO packet type \(first)")
        }
        var attachments = 0
        if kind.isBinary {
            guard let count = readNumber(&utf8, maximum: UInt64(limits.maximumAttachments)),
                utf8.first == UInt8(ascii: "-")
            else { throw ProtocolError(.invalidHeader, "binary packet without a valid attachment count") }
            utf8.removeFirst()
            attachments = Int(count)
        }
        var namespace = "/"
        if utf8.first == UInt8(ascii: "/") {
            let end = utf8.firstIndex(of: UInt8(ascii: ",")) ?? utf8.endIndex
            namespace = String(Substring(utf8[..<end]))
            utf8 = utf8[end...]
            if !utf8.isEmpty { utf8.removeFirst() }
        }
        var id: UInt64?
        if let digit = utf8.first, isDigit(digit) {
            // Socket.IO's ids count up from 0; anything past 2^53 is not a JSON-safe number.
            guard let number = readNumber(&utf8, maximum: 1 << 53) else {
                throw ProtocolError(.invalidHeader, "ack id out of range")
            }
            id = number
        }
        let data = utf8.isEmpty ? nil : String(Substring(utf8))
        return SocketIOPacket(kind: kind, namespace: namespace, id: id, attachments: attachments, data: data)
    }

    package func encode() -> String {
        var text = String(kind.rawValue)
        if kind.isBinary { text += "\(attachments)-" }
        // socket.io-parser writes the comma whether or not anything follows.
        if namespace != "/" { text += namespace + "," }
        if let id { text += String(id) }
        if let data { text += data }
        return text
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Decimal digits up to `maximum`; nil when there are none or the number is larger.
    private static func readNumber(_ utf8: inout Substring.UTF8View, maximum: UInt64) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        while let byte = utf8.first, isDigit(byte) {
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
            digits += 1
            guard value <= maximum, digits <= 20 else { return nil }
            utf8.removeFirst()
        }
        return digits > 0 ? value : nil
    }
}
