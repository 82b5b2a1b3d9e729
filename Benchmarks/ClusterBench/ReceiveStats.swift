import Histogram
import NIOConcurrencyHelpers

/// What one worker received: counts, first and last arrival, latency histogram (µs).
final class ReceiveStats: Sendable {
    private struct State {
        var deliveries = 0
        var packets = 0
        var first: UInt64 = 0
        var last: UInt64 = 0
        var latency = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    }

    private let state = NIOLockedValueBox(State())

    func record(sentAt: UInt64?, recipients: Int) {
        let now = BenchPacket.now()
        state.withLockedValue { state in
            if state.packets == 0 { state.first = now }
            state.last = now
            state.packets += 1
            state.deliveries += recipients
            if let sentAt, now > sentAt { _ = state.latency.record((now - sentAt) / 1_000) }
        }
    }

    func reset() {
        state.withLockedValue { $0 = State() }
    }

    /// One line for the coordinator.
    var report: String {
        state.withLockedValue { state in
            let latency = state.latency
            return
                "report packets=\(state.packets) deliveries=\(state.deliveries) first=\(state.first) last=\(state.last)"
                + " p50=\(latency.valueAtPercentile(50)) p99=\(latency.valueAtPercentile(99))"
                + " p999=\(latency.valueAtPercentile(99.9)) max=\(latency.max)"
        }
    }
}
