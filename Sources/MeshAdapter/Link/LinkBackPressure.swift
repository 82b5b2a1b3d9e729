/// What a link does with one more frame, given the bytes already waiting for its socket: the
/// link's back-pressure policy, apart from the channel so that it can be tested alone.
///
/// While the socket is not writable, encoded frames stay in the link's buffer, which is the
/// bounded queue. A volatile broadcast is dropped once that queue is over half its limit (it
/// may be lost by contract, and dropping it keeps room for what may not); anything over the
/// whole limit closes the link, which resynchronises on reconnect from the replay log and the
/// directory's catch-up instead of growing without bound.
struct LinkBackPressure: Sendable, Equatable {
    /// `MeshConfiguration.limits.outboundQueueBytes`.
    let limit: Int

    enum Decision: Sendable, Equatable {
        case queue
        case dropVolatile
        case closeLink
    }

    func decide(queued: Int, volatile: Bool) -> Decision {
        if volatile, queued > limit / 2 { return .dropVolatile }
        if queued > limit { return .closeLink }
        return .queue
    }
}
