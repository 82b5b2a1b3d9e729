public import NIOHTTP1
import SocketIOProtocol

/// Everything a Socket.IO server can be told, with socket.io's defaults, in one `init`.
public struct SocketIOConfiguration: Sendable {
    /// The HTTP path the server answers at (socket.io's `path`), with its trailing slash.
    public var path: String
    /// How long after the open (and after each pong) the server pings a client.
    public var pingInterval: Duration
    /// How long a client has to answer a ping before it is closed ("ping timeout").
    public var pingTimeout: Duration
    /// How long an upgrade from polling to websocket may take before the probe is dropped.
    public var upgradeTimeout: Duration
    /// The largest message, and the largest polling body, a client may send (socket.io's
    /// `maxHttpBufferSize`; the open packet's `maxPayload`).
    public var maxHttpBufferSize: Int
    /// How long a client may stay connected without joining any namespace.
    public var connectTimeout: Duration
    /// The transports clients may use.
    public var transports: Set<Transport>
    /// Whether a polling client may upgrade to a websocket.
    public var allowUpgrades: Bool
    /// Whether clients of Engine.IO v3 may connect (socket.io's `allowEIO3`): socket.io-client
    /// 2.x, sails.io.js, python-socketio 4. Off, they are refused with "Unsupported protocol
    /// version".
    public var allowEIO3: Bool
    /// Cross-origin requests (CORS) for the polling transport; nil sends no CORS headers.
    public var cors: CORS?
    /// What each client may have waiting to be written (see `OutboundLimits`).
    public var outbound: OutboundLimits
    /// Called for each new session's first request; false refuses it with 403 "Forbidden"
    /// (engine.io's `allowRequest`).
    public var allowRequest: (@Sendable (HandshakeRequest) async -> Bool)?

    public init(
        path: String = "/socket.io/",
        pingInterval: Duration = .seconds(25),
        pingTimeout: Duration = .seconds(20),
        upgradeTimeout: Duration = .seconds(10),
        maxHttpBufferSize: Int = 1_000_000,
        connectTimeout: Duration = .seconds(45),
        transports: Set<Transport> = [.polling, .websocket],
        allowUpgrades: Bool = true,
        allowEIO3: Bool = false,
        cors: CORS? = nil,
        outbound: OutboundLimits = OutboundLimits(),
        allowRequest: (@Sendable (HandshakeRequest) async -> Bool)? = nil
    ) {
        self.path = path.hasSuffix("/") ? path : path + "/"
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.upgradeTimeout = upgradeTimeout
        self.maxHttpBufferSize = maxHttpBufferSize
        self.connectTimeout = connectTimeout
        self.transports = transports
        self.allowUpgrades = allowUpgrades
        self.allowEIO3 = allowEIO3
        self.cors = cors
        self.outbound = outbound
        self.allowRequest = allowRequest
    }

    public enum Transport: String, Sendable, Hashable {
        case polling, websocket
    }

    /// The CORS answer to browsers on another origin.
    public struct CORS: Sendable {
        /// The origins allowed; empty allows any (`*`, or the request's origin with credentials).
        public var origins: Set<String>
        public var credentials: Bool
        public var allowedHeaders: [String]
        public var maxAge: Duration?

        public init(
            origins: Set<String> = [], credentials: Bool = false, allowedHeaders: [String] = [],
            maxAge: Duration? = nil
        ) {
            self.origins = origins
            self.credentials = credentials
            self.allowedHeaders = allowedHeaders
            self.maxAge = maxAge
        }

        /// Any origin, as socket.io's `cors: { origin: "*" }`.
        public static let anyOrigin = CORS()
    }

    /// The bound on what one client may have waiting to be written. Volatile packets that do not
    /// fit under `limit` are dropped; a client over `limit` for longer than `grace` is
    /// disconnected ("too slow"), and one over `hardLimit` at once.
    public struct OutboundLimits: Sendable {
        public var limit: Int
        public var hardLimit: Int
        public var grace: Duration

        public init(limit: Int = 1 << 20, hardLimit: Int? = nil, grace: Duration = .seconds(10)) {
            self.limit = limit
            self.hardLimit = max(limit, hardLimit ?? 8 * limit)
            self.grace = grace
        }
    }
}

/// The first HTTP request of a session, as the `allowRequest` hook and `Handshake` see it.
///
/// A session keeps it for its whole life, so it is stored compactly: the headers in one
/// buffer, the query parsed from `uri` when asked for.
public struct HandshakeRequest: Sendable {
    public var method: String
    public var uri: String
    /// The client's IP address, when known (socket.io's `handshake.address`).
    public var address: String?
    private var storedHeaders: StoredHeaders
    private var queryOverride: [String: String]?

    public var headers: HTTPHeaders {
        get { storedHeaders.headers }
        set { storedHeaders = StoredHeaders(newValue) }
    }

    /// The query's parameters (the last value of each name), from `uri` unless set.
    public var query: [String: String] {
        get { queryOverride ?? URIQuery.parameters(of: uri) }
        set { queryOverride = newValue }
    }

    /// - Parameter query: the query's parameters; `nil` reads them from `uri`.
    public init(method: String, uri: String, headers: HTTPHeaders, query: [String: String]? = nil, address: String?) {
        self.method = method
        self.uri = uri
        self.storedHeaders = StoredHeaders(headers)
        self.queryOverride = query
        self.address = address
    }
}
