import DequeModule
import NIOConcurrencyHelpers

/// Runs jobs one after another, in the order they were added, with no task while idle: one
/// socket's connection handler and events, so a handler sees the events in the order the
/// client sent them.
final class SerialJobs: Sendable {
    typealias Job = @Sendable () async -> Void

    private struct State {
        var jobs = Deque<Job>()
        var running = false
    }

    private let state = NIOLockedValueBox(State())

    func enqueue(_ job: @escaping Job) {
        let start = state.withLockedValue { state in
            state.jobs.append(job)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        guard start else { return }
        Task { await self.drain() }
    }

    private func drain() async {
        while let job = state.withLockedValue({ state -> Job? in
            guard let job = state.jobs.popFirst() else {
                state.running = false
                return nil
            }
            return job
        }) {
            await job()
        }
    }
}
