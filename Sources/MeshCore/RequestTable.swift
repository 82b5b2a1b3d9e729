/// Requests this node sent and the answers they collected, each with a deadline.
struct RequestTable: Sendable {
    private struct Pending: Sendable {
        var waiting: Set<NodeID>
        var outcome = RequestOutcome()
        var deadline: MeshInstant
    }

    private var pending: [RequestID: Pending] = [:]
    private var nextID: RequestID = 1

    /// Starts a request to `targets`; with none it is complete at once.
    mutating func start(targets: Set<NodeID>, deadline: MeshInstant, actions: inout [MeshAction]) -> RequestID {
        let id = nextID
        nextID += 1
        if targets.isEmpty {
            actions.append(.complete(id, RequestOutcome()))
        } else {
            pending[id] = Pending(waiting: targets, deadline: deadline)
        }
        return id
    }

    mutating func receive(_ body: ResponseBody, id: RequestID, from node: NodeID, actions: inout [MeshAction]) {
        guard var request = pending[id], request.waiting.remove(node) != nil else { return }
        request.outcome.responses[node] = body
        finishOrStore(id, request, actions: &actions)
    }

    /// `node` is gone: requests stop waiting for it instead of timing out.
    mutating func depart(_ node: NodeID, actions: inout [MeshAction]) {
        for (id, var request) in pending.sorted(by: { $0.key < $1.key }) where request.waiting.remove(node) != nil {
            request.outcome.departed.append(node)
            finishOrStore(id, request, actions: &actions)
        }
    }

    /// When the first pending request expires.
    var nextDeadline: MeshInstant? { pending.values.lazy.map(\.deadline).min() }

    /// Completes every request whose deadline has passed; returns them with the silent nodes.
    mutating func expire(now: MeshInstant, actions: inout [MeshAction]) -> [(RequestID, [NodeID])] {
        var expired: [(RequestID, [NodeID])] = []
        for (id, request) in pending.sorted(by: { $0.key < $1.key }) where request.deadline <= now {
            var outcome = request.outcome
            outcome.missing = request.waiting.sorted()
            pending[id] = nil
            actions.append(.complete(id, outcome))
            expired.append((id, outcome.missing))
        }
        return expired
    }

    private mutating func finishOrStore(_ id: RequestID, _ request: Pending, actions: inout [MeshAction]) {
        if request.waiting.isEmpty {
            pending[id] = nil
            actions.append(.complete(id, request.outcome))
        } else {
            pending[id] = request
        }
    }
}
