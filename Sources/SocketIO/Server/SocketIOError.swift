import OrderedCollections
public import SocketIOProtocol

/// Why a Socket.IO operation did not complete.
public struct SocketIOError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case timeout, disconnected, encoding, decoding, invalidNamespace
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No acknowledgement came within the timeout.
        public static let timeout = Code(.timeout)
        /// The socket is no longer connected.
        public static let disconnected = Code(.disconnected)
        /// A value could not be turned into Socket.IO data.
        public static let encoding = Code(.encoding)
        /// Socket.IO data did not have the shape of the type asked for.
        public static let decoding = Code(.decoding)
        /// A namespace name that does not start with "/".
        public static let invalidNamespace = Code(.invalidNamespace)

        public var description: String { "\(value)" }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "SocketIOError(\(code): \(message))" }
}

/// Thrown by a namespace's middleware to refuse a connection: the client reads a
/// CONNECT_ERROR with `message` and, when given, `data` (socket.io's `next(err)` with
/// `err.data`).
public struct ConnectionRefused: Error, Sendable {
    public var message: String
    public var data: SocketValue?

    public init(_ message: String, data: SocketValue? = nil) {
        self.message = message
        self.data = data
    }
}

/// Why a socket left its namespace, in socket.io's words.
public enum DisconnectReason: String, Sendable, Hashable {
    /// The server called `disconnect()`.
    case serverNamespaceDisconnect = "server namespace disconnect"
    /// The client called `disconnect()` (it sent a DISCONNECT packet).
    case clientNamespaceDisconnect = "client namespace disconnect"
    /// The server is shutting down.
    case serverShuttingDown = "server shutting down"
    case pingTimeout = "ping timeout"
    /// The connection was closed (the client left, a network change).
    case transportClose = "transport close"
    case transportError = "transport error"
    /// The client sent a packet that is not Socket.IO.
    case parseError = "parse error"
    /// The server closed the whole connection (`disconnect(close: true)`).
    case forcedServerClose = "forced server close"
    /// The client's outbound buffer stayed over its limit.
    case tooSlow = "too slow"
}
