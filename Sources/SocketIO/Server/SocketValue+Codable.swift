public import Foundation
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
