import DequeModule
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
        case broadcast(ByteBuffer, BroadcastOptions)
        case emit(ByteBuffer)
    }

    private struct State {
        var items: Deque<Item> = []
        var drainScheduled = false
    }

    private let state = NIOLockedValueBox(State())

    /// Queues `item`; true when the caller must schedule a drain on the loop (none is yet).
    func append(_ item: Item) -> Bool {
        state.withLockedValue { state in
            state.items.append(item)
            if state.drainScheduled { return false }
            state.drainScheduled = true
            return true
        }
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
