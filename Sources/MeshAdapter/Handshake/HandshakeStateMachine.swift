@_spi(MeshInternals) import MeshCore

/// The handshake of one connection, as a state machine: each input returns what to do.
///
/// Both sides send preamble and hello on connect. The dialing side then proves it knows the
/// secret (a MAC over the accepting side's nonce); the accepting side checks that before it
/// proves the same in return, so it never computes a MAC for an unauthenticated stranger that
/// could be relayed to a third node. The link is up once each side has verified the other.
struct HandshakeStateMachine {
    struct Identity: Sendable {
        var cluster: String
        var node: NodeID
        var address: String
        var authenticator: ClusterAuthenticator?
    }

    enum Action {
        case send([HandshakeMessage])
        /// The peer is verified; send `send` first (the accepting side's own proof).
        case established(HandshakeMessage.Hello, send: [HandshakeMessage])
        /// Tell the peer why (when it can understand) and close.
        case refuse(HandshakeError, tellPeer: Bool)
        case none
    }

    private enum State {
        case awaitingPreamble
        case awaitingHello
        case awaitingAuth(HandshakeMessage.Hello)
        case established
        case closed
    }

    private var state: State = .awaitingPreamble
    let identity: Identity
    let nonce: [UInt8]
    let isInitiator: Bool

    init(identity: Identity, nonce: [UInt8], isInitiator: Bool) {
        self.identity = identity
        self.nonce = nonce
        self.isInitiator = isInitiator
    }

    var hello: HandshakeMessage {
        .hello(
            .init(
                cluster: identity.cluster, node: identity.node, address: identity.address, nonce: nonce,
                usesSecret: identity.authenticator != nil))
    }

    var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    mutating func receivedPreamble(magic: UInt32, version: UInt16) -> Action {
        guard case .awaitingPreamble = state else { return fail(.protocolViolation, "a second preamble") }
        guard magic == HandshakeMessage.magic else {
            return fail(.notAMeshPeer, "the connection did not start with the mesh magic", tellPeer: false)
        }
        guard version == HandshakeMessage.protocolVersion else {
            return fail(
                .versionMismatch, "peer speaks protocol \(version), this node \(HandshakeMessage.protocolVersion)")
        }
        state = .awaitingHello
        return .none
    }

    mutating func received(_ message: HandshakeMessage) -> Action {
        switch (state, message) {
        case (_, .refuse(let reason)):
            state = .closed
            return .refuse(HandshakeError(.refusedByPeer, reason), tellPeer: false)
        case (.awaitingHello, .hello(let peer)):
            return receivedHello(peer)
        case (.awaitingAuth(let peer), .auth(let mac)):
            return receivedAuth(mac, from: peer)
        default:
            return fail(.protocolViolation, "unexpected \(message.kind) during the handshake")
        }
    }

    private mutating func receivedHello(_ peer: HandshakeMessage.Hello) -> Action {
        guard peer.cluster == identity.cluster else {
            return fail(
                .clusterMismatch, "peer is in cluster \"\(peer.cluster)\", this node in \"\(identity.cluster)\"")
        }
        guard peer.node.name != identity.node.name else {
            return fail(.selfConnection, "peer has this node's own name \(peer.node.name)")
        }
        guard peer.usesSecret == (identity.authenticator != nil) else {
            return fail(
                .authenticationFailed,
                peer.usesSecret ? "peer uses a cluster secret and this node has none" : "peer has no cluster secret")
        }
        guard peer.nonce.count == nonce.count else {
            return fail(.protocolViolation, "nonce of \(peer.nonce.count) bytes")
        }
        state = .awaitingAuth(peer)
        return isInitiator ? .send([proof(for: peer)]) : .none
    }

    private func proof(for peer: HandshakeMessage.Hello) -> HandshakeMessage {
        .auth(
            mac: identity.authenticator?.mac(
                cluster: identity.cluster, challenge: peer.nonce, from: identity.node, to: peer.node) ?? [])
    }

    private mutating func receivedAuth(_ mac: [UInt8], from peer: HandshakeMessage.Hello) -> Action {
        if let authenticator = identity.authenticator {
            guard
                authenticator.verify(
                    mac, cluster: identity.cluster, challenge: nonce, from: peer.node, to: identity.node)
            else {
                return fail(.authenticationFailed, "wrong cluster secret")
            }
        } else if !mac.isEmpty {
            return fail(.authenticationFailed, "unexpected authentication code")
        }
        state = .established
        return isInitiator ? .established(peer, send: []) : .established(peer, send: [proof(for: peer)])
    }

    mutating func timedOut() -> Action {
        if case .established = state { return .none }
        return fail(.timeout, "handshake not finished in time")
    }

    private mutating func fail(_ code: HandshakeError.Code, _ reason: String, tellPeer: Bool = true) -> Action {
        state = .closed
        return .refuse(HandshakeError(code, reason), tellPeer: tellPeer)
    }
}

extension HandshakeMessage {
    var kind: String {
        switch self {
        case .hello: "hello"
        case .auth: "auth"
        case .refuse: "refusal"
        }
    }
}
