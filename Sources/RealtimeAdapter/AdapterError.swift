/// An error from an adapter operation.
///
/// Codes are an open set: match on the ones you handle (`error.code == .timeout`).
public struct AdapterError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case timeout
            case shutdown
            case socketNotLocal
            case invalidArgument
            case packetTooLarge
            case namespaceInUse
            case closed
        }
        private let base: Base

        /// Some servers did not answer in time; `missingServers` names them.
        public static let timeout = Code(base: .timeout)
        /// The adapter is shutting down or has shut down.
        public static let shutdown = Code(base: .shutdown)
        /// A local-only operation named a socket this server does not own.
        public static let socketNotLocal = Code(base: .socketNotLocal)
        /// A room name, socket id or namespace the adapter cannot carry (empty, or longer than
        /// `AdapterLimits.maximumNameBytes`).
        public static let invalidArgument = Code(base: .invalidArgument)
        /// A packet larger than the cluster carries (`AdapterLimits`, `MeshConfiguration.limits`).
        public static let packetTooLarge = Code(base: .packetTooLarge)
        /// A namespace that already has an adapter on this node.
        public static let namespaceInUse = Code(base: .namespaceInUse)
        /// The adapter was closed; make a new one for its namespace.
        public static let closed = Code(base: .closed)

        public var description: String {
            switch base {
            case .timeout: "timeout"
            case .shutdown: "shutdown"
            case .socketNotLocal: "socketNotLocal"
            case .invalidArgument: "invalidArgument"
            case .packetTooLarge: "packetTooLarge"
            case .namespaceInUse: "namespaceInUse"
            case .closed: "closed"
            }
        }
    }

    public var code: Code
    /// For `.timeout`: the servers that did not answer before the deadline.
    public var missingServers: [String]
    public var message: String

    public init(code: Code, missingServers: [String] = [], message: String = "") {
        self.code = code
        self.missingServers = missingServers.sorted()
        self.message = message
    }

    public var description: String {
        var text = "AdapterError(\(code)"
        if !missingServers.isEmpty { text += ", missing: \(missingServers.joined(separator: ","))" }
        if !message.isEmpty { text += ", \(message)" }
        return text + ")"
    }
}
