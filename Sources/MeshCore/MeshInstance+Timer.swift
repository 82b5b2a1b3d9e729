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
            if let head = state.inbound.gated.first {
                consider((state.inbound.lastPull ?? .zero) + settings.resendInterval)
                consider(head.since + settings.causalGateTimeout)
            }
            if !state.inbound.early.isEmpty {
                consider((state.inbound.lastResume ?? .zero) + settings.resendInterval)
            }
        }
        if anyLinked {
            consider(lastHeartbeat + settings.heartbeatInterval)
            consider(lastGossip + settings.gossipInterval)
        }
        return next
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
