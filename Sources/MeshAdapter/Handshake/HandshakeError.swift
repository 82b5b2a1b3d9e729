/// Why a connection was refused before it became a link.
public struct HandshakeError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case notAMeshPeer, versionMismatch, clusterMismatch, authenticationFailed, selfConnection,
                timeout, protocolViolation, refusedByPeer
        }
        private let base: Base

        /// The first bytes were not the mesh magic: something else connected.
        public static let notAMeshPeer = Code(base: .notAMeshPeer)
        public static let versionMismatch = Code(base: .versionMismatch)
        public static let clusterMismatch = Code(base: .clusterMismatch)
        /// The peer did not prove it knows the cluster secret (or this node has none and it does).
        public static let authenticationFailed = Code(base: .authenticationFailed)
        /// The connection leads back to this very node (a seed naming itself).
        public static let selfConnection = Code(base: .selfConnection)
        /// The handshake did not finish within its deadline.
        public static let timeout = Code(base: .timeout)
        /// A message came out of order or malformed.
        public static let protocolViolation = Code(base: .protocolViolation)
        /// The peer refused this node, and said why.
        public static let refusedByPeer = Code(base: .refusedByPeer)

        public var description: String { "\(base)" }
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
