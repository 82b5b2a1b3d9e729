/// Every kind byte of the wire, in one place: the encoder writes these and the decoder reads
/// them, so the two cannot drift apart.
extension MeshWire {
    /// The type byte of a frame, after its length. The handshake's frames share the space.
    package enum MessageType: UInt8, Sendable {
        case deltas = 1, snapshot, digest, heartbeat, members, probe, probeReply, leaving
        case ordered, resume, skip, volatileBroadcast
        /// Handshake frames (`HandshakeMessage`), refused once a link is established.
        case hello = 0x70, auth, refuse
    }

    /// What an ordered frame carries.
    enum PayloadKind: UInt8, Sendable {
        case broadcast = 1, request, response, emit, vectorOnly
    }

    enum RequestKind: UInt8, Sendable {
        case fetchSockets = 1, addSockets, delSockets, disconnectSockets, serverSideEmit, broadcastWithAck
    }

    enum ResponseKind: UInt8, Sendable {
        case sockets = 1, applied, emitReply, acks
    }

    /// The change a delta makes.
    enum ChangeKind: UInt8, Sendable {
        case join = 1, leave, remove
    }
}
