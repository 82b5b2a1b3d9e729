package import NIOCore
package import RealtimeAdapter

/// What `MeshInstance.receive(_:from:now:actions:)` did with one frame.
package enum ReceivedFrame: Sendable {
    /// The next broadcast in order from a live peer, with nothing waiting at the causal gate
    /// (nearly every frame): the caller hands the broadcast (`OrderedBroadcast.delivery(from:)`)
    /// to the namespace's host for these local sockets (none when this node has no member). No
    /// action says so. (Small on purpose: the delivery is made once, where it is handed over.)
    case broadcast(to: [SocketID], namespace: NamespaceID)
    /// Any other frame, decoded and handled as `receive(_:from:now:actions:)` handles it; the
    /// message is returned for the shell's own bookkeeping (metrics).
    case message(MeshMessage)
}

/// A frame as the receive path reads it, before the instance takes it: the in-order shortcut's
/// fields, or a whole message.
package enum IncomingFrame: Sendable {
    case broadcast(OrderedBroadcast)
    case message(MeshMessage)

    /// Reads a frame (without its length): an ordered broadcast with no vector change (nearly
    /// every frame) into its fields, anything else through the general decoder.
    ///
    /// - Throws: `MeshWireError` for a malformed frame.
    package init(frame: ByteBuffer) throws(MeshWireError) {
        if let broadcast = MeshWire.readOrderedBroadcast(frame) {
            self = .broadcast(broadcast)
        } else {
            var frame = frame
            self = .message(try MeshWire.decodeInGeneral(frame: &frame))
        }
    }
}

extension MeshInstance {
    /// The one receive path, for the shell and the simulation alike: a frame read by
    /// `IncomingFrame(frame:)`, taken by the in-order broadcast shortcut when it is the next
    /// frame from a live peer with nothing waiting at the causal gate, by the general receive
    /// otherwise. (Reading the frame is apart so that the shell decodes before it enters the
    /// instance.)
    package mutating func receive(
        _ incoming: IncomingFrame, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) -> ReceivedFrame {
        switch incoming {
        case .broadcast(let broadcast):
            if let (namespace, sockets) = receiveBroadcastInOrder(broadcast, from: peer, now: now, actions: &actions) {
                return .broadcast(to: sockets, namespace: namespace)
            }
            let message = broadcast.message
            receive(message, from: peer, now: now, actions: &actions)
            return .message(message)
        case .message(let message):
            receive(message, from: peer, now: now, actions: &actions)
            return .message(message)
        }
    }

}

extension OrderedBroadcast {
    /// What the host is handed for this broadcast from `peer`.
    package func delivery(from peer: NodeID) -> Delivery {
        Delivery(
            packet: packet, compress: compress,
            id: BroadcastID(origin: peer.name, incarnation: peer.incarnation, sequence: number))
    }
}
