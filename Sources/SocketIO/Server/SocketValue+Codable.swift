public import Foundation
import OrderedCollections
public import SocketIOProtocol

extension SocketValue {
    /// The Socket.IO data of an `Encodable` value, through its JSON.
    public init(encoding value: some Encodable) throws(SocketIOError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(value)
        } catch {
            throw SocketIOError(.encoding, "\(error)")
        }
        do {
            self = try SocketValue.parse(json: String(decoding: data, as: UTF8.self))
        } catch {
            throw SocketIOError(.encoding, "\(error)")
        }
    }

    /// This data as a `Decodable` type, through its JSON (binary has no JSON form).
    public func decode<T: Decodable>(as type: T.Type = T.self) throws(SocketIOError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(json.utf8))
        } catch {
            throw SocketIOError(.decoding, "\(error)")
        }
    }

    /// JSON text as Socket.IO data.
    public init(json text: String) throws(SocketIOError) {
        do {
            self = try SocketValue.parse(json: text)
        } catch {
            throw SocketIOError(.decoding, "\(error)")
        }
    }
}

/// A value decodes from any JSON and encodes as its JSON; binary has no JSON form and
/// encodes as null (send binary as an event argument, where it travels as an attachment).
extension SocketValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([SocketValue].self) {
            self = .array(value)
        } else {
            let members = try container.decode([String: SocketValue].self)
            self = .object(OrderedDictionary(uniqueKeysWithValues: members.sorted { $0.key < $1.key }))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null, .binary: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(Dictionary(uniqueKeysWithValues: members.map { ($0, $1) }))
        }
    }
}
