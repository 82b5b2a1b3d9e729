import NIOCore

/// Runs tasks on one event loop: a socket's handlers run on its client's loop, so what they
/// emit is written there without a hop to another thread and back.
final class LoopTaskExecutor: TaskExecutor {
    private let loop: any EventLoop

    private init(loop: any EventLoop) { self.loop = loop }

    private static let executors = PerLoop { LoopTaskExecutor(loop: $0) }

    /// The executor of `loop` (one per loop, for the life of the process).
    static func of(_ loop: any EventLoop) -> LoopTaskExecutor { executors.of(loop) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
