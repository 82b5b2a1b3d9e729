import DequeModule

/// Jobs run one after another, in the order they were added, with no task while idle: one
/// socket's connection handler and events, so a handler sees the events in the order the
/// client sent them. Pure state: its owner keeps it under its own lock (a socket holds one
/// lock for everything, a few hundred bytes less per connection).
struct SerialJobs: Sendable {
    typealias Job = @Sendable () async -> Void

    private var jobs = Deque<Job>()
    private var running = false

    /// Queues `job`; true when the caller must start a task that drains the queue.
    mutating func enqueue(_ job: @escaping Job) -> Bool {
        jobs.append(job)
        guard !running else { return false }
        running = true
        return true
    }

    /// The next job, or nil when the queue is empty (the draining task then ends).
    mutating func next() -> Job? {
        guard let job = jobs.popFirst() else {
            running = false
            return nil
        }
        return job
    }
}
