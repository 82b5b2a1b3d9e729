extension MeshInstance {
    /// Deadlines closer than this to the present are taken as this far away, so that a tick
    /// that finds nothing to do never asks to run again at once.
    package static let timerResolution: Duration = .milliseconds(1)

    /// The earliest time `tick` has something to do, nil when nothing is pending (a node with
    /// no peers and no requests sleeps until an input arrives).
    ///
    /// What each deadline stands for is what `tick` checks: the next heartbeat and gossip
    /// round while a peer is linked, each live peer's silence running out, each suspicion
    /// running out, each request's deadline, the next pull or give-up at a causal gate, and
    /// the next resume request for frames that arrived ahead of a gap.
    package func nextDeadline() -> MeshInstant? {
        var next = requests.nextDeadline
        func consider(_ instant: MeshInstant) {
            if next.map({ instant < $0 }) ?? true { next = instant }
        }
        var anyLinked = false
        for (_, state) in peers {
            switch state.status {
            case .alive: consider(state.lastHeard + settings.suspectAfter)
            case .suspect(let since): consider(since + settings.suspicionTimeout)
            case .joining, .down, .left: break
            }
            guard state.linked else { continue }
            if state.status.isLive { anyLinked = true }
            if let retry = retryDeadline(of: state) { consider(retry) }
        }
        if anyLinked {
            consider(lastHeartbeat + settings.heartbeatInterval)
            consider(lastGossip + settings.gossipInterval)
        }
        return next
    }

    /// When `tick` next retries for a linked peer: a pull or the give-up at its causal gate,
    /// a resume request for frames that arrived ahead of a gap.
    private func retryDeadline(of state: Peer) -> MeshInstant? {
        var next: MeshInstant?
        if let head = state.inbound.gated.first {
            next = min(
                (state.inbound.lastPull ?? .zero) + settings.resendInterval, head.since + settings.causalGateTimeout)
        }
        if !state.inbound.early.isEmpty {
            let resume = (state.inbound.lastResume ?? .zero) + settings.resendInterval
            next = next.map { min($0, resume) } ?? resume
        }
        return next
    }

    /// Asks for a tick when `peer`'s gate or gap is next retried (an input just made one wait).
    mutating func wakeForRetries(of peer: NodeID, now: MeshInstant, actions: inout [MeshAction]) {
        if let retry = peers.read(peer, { retryDeadline(of: $0) }) ?? nil {
            wake(at: retry, now: now, actions: &actions)
        }
    }

    /// Asks the shell to tick at `instant`, unless it is asked to tick by then already. Inputs
    /// that make something fall due before the next tick call it (a request with a short
    /// timeout, a frame waiting at the gate, a gap); the tick itself asks for the next
    /// deadline whenever it runs.
    mutating func wake(at instant: MeshInstant, now: MeshInstant, actions: inout [MeshAction]) {
        let at = max(instant, now + Self.timerResolution)
        if let asked = tickAsked, asked <= at { return }
        tickAsked = at
        actions.append(.scheduleTick(at: at))
    }

    /// After a tick: ask for the next one.
    mutating func scheduleNextTick(now: MeshInstant, actions: inout [MeshAction]) {
        tickAsked = nil
        if let next = nextDeadline() { wake(at: next, now: now, actions: &actions) }
    }
}
