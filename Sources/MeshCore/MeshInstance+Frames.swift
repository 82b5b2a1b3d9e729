public import NIOCore
public import RealtimeAdapter

/// What `MeshInstance.receive(frame:from:now:actions:)` did with one frame.
public enum ReceivedFrame: Sendable {
    /// The next broadcast in order from a live peer, with nothing waiting at the causal gate
    /// (nearly every frame): the caller hands `delivery` to the namespace's host for these
    /// local sockets (none when this node has no member). No action says so.
    case broadcast(Delivery, to: [SocketID], namespace: NamespaceID)
    /// Any other frame, decoded and handled as `receive(_:from:now:actions:)` handles it; the
    /// message is returned for the shell's own bookkeeping (metrics).
    case message(MeshMessage)
}

extension MeshInstance {
    /// The one receive path, for the shell and the simulation alike: a frame as it came off a
    /// link (without its length prefix), decided here between the in-order broadcast shortcut
    /// and the general decoder and receive.
    ///
    /// - Throws: `MeshWireError` for a malformed frame; nothing changed, and the caller closes
    ///   the link.
    public mutating func receive(
        frame: ByteBuffer, from peer: NodeID, now: MeshInstant, actions: inout [MeshAction]
    ) throws(MeshWireError) -> ReceivedFrame {
        if let broadcast = MeshWire.readOrderedBroadcast(frame) {
            if let (namespace, sockets) = receiveBroadcastInOrder(broadcast, from: peer, now: now, actions: &actions) {
                let delivery = Delivery(
                    packet: broadcast.packet, compress: broadcast.compress,
                    id: BroadcastID(origin: peer.name, incarnation: peer.incarnation, sequence: broadcast.number))
                return .broadcast(delivery, to: sockets, namespace: namespace)
            }
            let message = broadcast.message
            receive(message, from: peer, now: now, actions: &actions)
            return .message(message)
        }
        var frame = frame
        let message = try MeshWire.decodeInGeneral(frame: &frame)
        receive(message, from: peer, now: now, actions: &actions)
        return .message(message)
    }
}
