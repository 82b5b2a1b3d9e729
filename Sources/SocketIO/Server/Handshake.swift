public import Foundation
public import NIOHTTP1
import OrderedCollections
public import SocketIOProtocol

/// What the client sent to connect, as socket.io's `socket.handshake` holds it.
public struct Handshake: Sendable {
    /// The headers of the session's first HTTP request.
    public var headers: HTTPHeaders
    /// The query of that request (`EIO`, `transport` and the client's own parameters).
    public var query: [String: String]
    /// The `auth` object of the namespace's CONNECT packet (empty when the client sent none).
    public var auth: SocketValue
    /// The client's address, "ip:port".
    public var address: String?
    /// When the connection was made.
    public var time: Date
    /// The request's URI.
    public var url: String

    public init(
        headers: HTTPHeaders = [:], query: [String: String] = [:], auth: SocketValue = [:], address: String? = nil,
        time: Date = Date(), url: String = "/"
    ) {
        self.headers = headers
        self.query = query
        self.auth = auth
        self.address = address
        self.time = time
        self.url = url
    }

    init(request: HandshakeRequest, auth: SocketValue?, time: Date) {
        self.init(
            headers: request.headers, query: request.query, auth: auth ?? [:], address: request.address, time: time,
            url: request.uri)
    }

    /// The JSON form `fetchSockets` carries across servers.
    var value: SocketValue {
        var headers: OrderedDictionary<String, SocketValue> = [:]
        for (name, value) in self.headers { headers[name.lowercased()] = .string(value) }
        var query: OrderedDictionary<String, SocketValue> = [:]
        for (name, value) in self.query.sorted(by: { $0.key < $1.key }) { query[name] = .string(value) }
        return [
            "headers": .object(headers), "query": .object(query), "auth": auth,
            "address": address.map { .string($0) } ?? .null, "time": .string(time.description),
            "issued": .number((time.timeIntervalSince1970 * 1000).rounded()), "url": .string(url),
        ]
    }

    init(value: SocketValue) {
        var headers = HTTPHeaders()
        if case .object(let members)? = value["headers"] {
            for (name, value) in members { if let value = value.stringValue { headers.add(name: name, value: value) } }
        }
        var query: [String: String] = [:]
        if case .object(let members)? = value["query"] {
            for (name, value) in members { query[name] = value.stringValue }
        }
        let issued = value["issued"]?.numberValue ?? 0
        self.init(
            headers: headers, query: query, auth: value["auth"] ?? [:], address: value["address"]?.stringValue,
            time: Date(timeIntervalSince1970: issued / 1000), url: value["url"]?.stringValue ?? "/")
    }
}
