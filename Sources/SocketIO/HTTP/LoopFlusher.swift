import NIOCore

/// Flushes, once per event-loop tick, every websocket of its loop written to during the tick:
/// one task for all of them instead of one per client, and no allocation in steady state.
final class LoopFlusher: @unchecked Sendable {
    private let loop: any EventLoop
    private var pending: [WebSocketTransport] = []
    private var spare: [WebSocketTransport] = []
    private var scheduled = false

    private init(loop: any EventLoop) { self.loop = loop }

    private static let flushers = PerLoop { LoopFlusher(loop: $0) }

    /// The flusher of `loop` (one per loop, for the life of the process).
    static func of(_ loop: any EventLoop) -> LoopFlusher { flushers.of(loop) }

    /// On `loop`: flush `transport` at the end of this tick.
    func flushLater(_ transport: WebSocketTransport) {
        pending.append(transport)
        guard !scheduled else { return }
        scheduled = true
        loop.execute { self.flushAll() }
    }

    private func flushAll() {
        scheduled = false
        swap(&pending, &spare)
        for transport in spare { transport.flush() }
        spare.removeAll(keepingCapacity: true)
    }
}
