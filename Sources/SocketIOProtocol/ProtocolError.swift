/// Why bytes from a client were refused. Every parser in this module throws it instead of
/// trapping: everything it reads came from the network.
package struct ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    package enum Code: Equatable, Sendable {
        /// Nothing where a packet was expected.
        case empty
        /// A packet type this protocol does not have.
        case unknownType
        /// A binary packet in base64 that does not decode.
        case invalidBase64
        /// More bytes than the configured maximum.
        case tooLarge
        /// A Socket.IO header field out of its form: attachment count, namespace, ack id.
        case invalidHeader
        /// Text that is not UTF-8.
        case invalidText
        /// Data that is not JSON, or nested deeper than the limit.
        case invalidJSON
        /// Binary attachments that do not match the placeholders of their packet, or arrive
        /// where no packet awaits them.
        case invalidAttachments
        /// Data whose shape this packet type does not allow (an event without a name, an ack
        /// without an id).
        case invalidPayload
    }

    package var code: Code
    package var detail: String

    package init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    package var description: String { "ProtocolError(\(code), \(detail))" }
}
