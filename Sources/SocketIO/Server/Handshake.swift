public import Foundation
public import NIOHTTP1
import OrderedCollections
public import SocketIOProtocol

/// What the client sent to connect, as socket.io's `socket.handshake` holds it.
///
/// Every socket keeps one for its whole life; its session's `HandshakeRequest` (headers in
/// one buffer, the query read from the URL) is shared by the session's sockets.
public struct Handshake: Sendable {
    /// The `auth` object of the namespace's CONNECT packet (empty when the client sent none).
    public var auth: SocketValue
    /// When the connection was made.
    public var time: Date
    private var request: HandshakeRequest

    /// The headers of the session's first HTTP request.
    public var headers: HTTPHeaders {
        get { request.headers }
        set { request.headers = newValue }
    }

    /// The query of that request (`EIO`, `transport` and the client's own parameters), from
    /// `url` unless set.
    public var query: [String: String] {
        get { request.query }
        set { request.query = newValue }
    }

    /// The client's IP address (socket.io's `handshake.address`).
    public var address: String? {
        get { request.address }
        set { request.address = newValue }
    }

    /// The request's URI.
    public var url: String {
        get { request.uri }
        set { request.uri = newValue }
    }

    /// - Parameter query: the query's parameters; `nil` reads them from `url`.
    public init(
        headers: HTTPHeaders = [:], query: [String: String]? = nil, auth: SocketValue = [:], address: String? = nil,
        time: Date = Date(), url: String = "/"
    ) {
        self.init(
            request: HandshakeRequest(method: "GET", uri: url, headers: headers, query: query, address: address),
            auth: auth, time: time)
    }

    init(request: HandshakeRequest, auth: SocketValue?, time: Date) {
        self.request = request
        self.auth = auth ?? [:]
        self.time = time
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
