import DequeModule
@_spi(MeshInternals) import MeshCore
import NIOConcurrencyHelpers
import NIOCore
import RealtimeAdapter

/// Broadcasts and emits handed to a node from other threads.
///
/// They wait here and the node's event loop takes them in batches: one hop onto the loop and
/// one pass through the protocol for as many as arrived while the loop was busy, instead of a
/// scheduled closure each. Order is kept: one queue, drained front to back.
final class Submissions: Sendable {
    enum Item: Sendable {
        case broadcast(BroadcastPacket, BroadcastOptions, NamespaceID)
        case emit(ByteBuffer, NamespaceID)
    }

    enum Appended {
        /// Queued behind a drain already scheduled.
        case queued
        /// Queued; the caller must schedule a drain on the loop.
        case drainNeeded
        /// Refused: the node has shut down.
        case closed
    }

    private struct State {
        var items: Deque<Item> = []
        var drainScheduled = false
        var closed = false
    }

    private let state = NIOLockedValueBox(State())

    /// Queues `item` unless the node has shut down.
    func append(_ item: Item) -> Appended {
        state.withLockedValue { state in
            if state.closed { return .closed }
            state.items.append(item)
            if state.drainScheduled { return .queued }
            state.drainScheduled = true
            return .drainNeeded
        }
    }

    /// Refuses everything from now on.
    func close() {
        state.withLockedValue { $0.closed = true }
    }

    /// Moves everything queued into `batch` (which must be empty), keeping both buffers'
    /// capacity for the next round.
    func take(into batch: inout Deque<Item>) {
        state.withLockedValue { state in
            swap(&state.items, &batch)
            state.drainScheduled = false
        }
    }
}
