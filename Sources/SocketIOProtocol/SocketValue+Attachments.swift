package import NIOCore
import OrderedCollections

/// Binary data inside a value travels as attachments: each `.binary` is replaced by
/// `{"_placeholder":true,"num":N}` in the packet's JSON and sent as the Nth binary message
/// after it, at any depth.
extension SocketValue {
    /// The value with placeholders for its binary data, and that data in order.
    package func deconstruct() -> (value: SocketValue, attachments: [ByteBuffer]) {
        var attachments: [ByteBuffer] = []
        let value = replacingBinary(&attachments)
        return (value, attachments)
    }

    private func replacingBinary(_ attachments: inout [ByteBuffer]) -> SocketValue {
        switch self {
        case .binary(let bytes):
            attachments.append(bytes)
            return .object(["_placeholder": .bool(true), "num": .number(Double(attachments.count - 1))])
        case .array(let items): return .array(items.map { $0.replacingBinary(&attachments) })
        case .object(let members): return .object(members.mapValues { $0.replacingBinary(&attachments) })
        case .null, .bool, .number, .string: return self
        }
    }

    /// The value with each placeholder replaced by its attachment. A placeholder naming an
    /// attachment that is not there, or an attachment no placeholder names, is refused.
    package func reconstruct(_ attachments: [ByteBuffer]) throws(ProtocolError) -> SocketValue {
        var used = [Bool](repeating: false, count: attachments.count)
        let value = try replacingPlaceholders(attachments, &used)
        guard used.allSatisfy({ $0 }) else {
            throw ProtocolError(.invalidAttachments, "\(used.filter { !$0 }.count) attachments without a placeholder")
        }
        return value
    }

    private func replacingPlaceholders(_ attachments: [ByteBuffer], _ used: inout [Bool]) throws(ProtocolError)
        -> SocketValue
    {
        switch self {
        case .object(let members) where members["_placeholder"] == .bool(true):
            guard members.count == 2, case .number(let number)? = members["num"], number >= 0,
                number == number.rounded(), number < Double(attachments.count)
            else { throw ProtocolError(.invalidAttachments, "placeholder for a missing attachment") }
            used[Int(number)] = true
            return .binary(attachments[Int(number)])
        case .object(let members):
            var result: OrderedDictionary<String, SocketValue> = [:]
            for (key, member) in members { result[key] = try member.replacingPlaceholders(attachments, &used) }
            return .object(result)
        case .array(let items):
            var result: [SocketValue] = []
            result.reserveCapacity(items.count)
            for item in items { result.append(try item.replacingPlaceholders(attachments, &used)) }
            return .array(result)
        case .null, .bool, .number, .string, .binary: return self
        }
    }
}
