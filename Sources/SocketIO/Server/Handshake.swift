public import Foundation
public import NIOHTTP1
import OrderedCollections
public import SocketIOProtocol

/// What the client sent to connect, as socket.io's `socket.handshake` holds it.
///
/// Every socket keeps one for its whole life: the headers are held in one buffer shared by
/// the session's sockets, the query is read from `url` when asked for.
public struct Handshake: Sendable {
    /// The `auth` object of the namespace's CONNECT packet (empty when the client sent none).
    public var auth: SocketValue
    /// The client's IP address (socket.io's `handshake.address`).
    public var address: String?
    /// When the connection was made.
    public var time: Date
    /// The request's URI.
    public var url: String
    private var storedHeaders: StoredHeaders
    private var queryOverride: [String: String]?

    /// The headers of the session's first HTTP request.
    public var headers: HTTPHeaders {
        get { storedHeaders.headers }
        set { storedHeaders = StoredHeaders(newValue) }
    }

    /// The query of that request (`EIO`, `transport` and the client's own parameters), from
    /// `url` unless set.
    public var query: [String: String] {
        get { queryOverride ?? EngineHTTPRequest.query(of: url) }
        set { queryOverride = newValue }
    }

    /// - Parameter query: the query's parameters; `nil` reads them from `url`.
    public init(
        headers: HTTPHeaders = [:], query: [String: String]? = nil, auth: SocketValue = [:], address: String? = nil,
        time: Date = Date(), url: String = "/"
    ) {
        self.storedHeaders = StoredHeaders(headers)
        self.queryOverride = query
        self.auth = auth
        self.address = address
        self.time = time
        self.url = url
    }

    init(request: HandshakeRequest, auth: SocketValue?, time: Date) {
        self.storedHeaders = request.compactHeaders
        self.queryOverride = nil
        self.auth = auth ?? [:]
        self.address = request.address
        self.time = time
        self.url = request.uri
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
