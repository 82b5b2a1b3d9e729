public import NIOCore
public import OrderedCollections

/// One argument of a Socket.IO event or acknowledgement: a JSON value, or binary data
/// anywhere inside one (a binary event carries it as an attachment after the packet).
///
/// Numbers are `Double`, as in JavaScript; integers up to 2^53 round-trip exactly.
public enum SocketValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([SocketValue])
    /// Members in the order they were written: a value echoed back is the same text.
    case object(OrderedDictionary<String, SocketValue>)
    case binary(ByteBuffer)

    /// Whether any binary data is inside: such a value goes as a binary event.
    public var containsBinary: Bool {
        switch self {
        case .binary: true
        case .array(let items): items.contains { $0.containsBinary }
        case .object(let members): members.values.contains { $0.containsBinary }
        case .null, .bool, .number, .string: false
        }
    }
}
