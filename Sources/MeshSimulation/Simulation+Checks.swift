@_spi(MeshInternals) package import MeshCore
import RealtimeAdapter

extension Simulation {
    /// Checks the safety invariants that must hold after every step, recording violations:
    /// - every node's own directory equals its independent model of its sockets, namespace
    ///   by namespace;
    /// - every replica of an origin equals that origin's memberships at the replica's version
    ///   (never a mix of versions, never a forged entry);
    /// - a replica is never ahead of its origin.
    package func checkInvariants() {
        for name in runningNames {
            let node = nodes[name]!
            if localMemberships(of: node) != node.memberships {
                violation("\(name)'s directory differs from its own sockets")
            }
            for (origin, view) in node.instance.directory.remoteView {
                if let current = nodes[origin.name], current.id == origin,
                    view.version > current.instance.directory.localVersion
                {
                    violation("\(name) holds \(origin) at \(view.version), ahead of the origin")
                }
                if let expected = history[origin]?[view.version],
                    expected != Self.fingerprint(view.memberships)
                {
                    violation("\(name)'s replica of \(origin) at version \(view.version) differs from the origin's")
                }
            }
        }
    }

    /// True when every running node holds exactly the running origins' own memberships, and
    /// nothing of any other origin (no ghosts of crashed or restarted incarnations).
    package var isConverged: Bool {
        let running = runningNames.map { nodes[$0]! }
        for observer in running {
            let view = observer.instance.directory.remoteView
            for origin in running where origin.name != observer.name {
                let held = view[origin.id]?.memberships ?? [:]
                if held != origin.memberships { return false }
            }
            let live = Set(running.map(\.id))
            if view.contains(where: { !live.contains($0.key) && !$0.value.memberships.isEmpty }) { return false }
        }
        return true
    }

    /// Entries of origins that are not a running incarnation, per observer.
    package var ghostOrigins: [String: [NodeID]] {
        let live = Set(runningNames.map { nodes[$0]!.id })
        var result: [String: [NodeID]] = [:]
        for name in runningNames {
            let ghosts = nodes[name]!.instance.directory.remoteView
                .filter { !live.contains($0.key) && !$0.value.memberships.isEmpty }.map(\.key)
            if !ghosts.isEmpty { result[name] = ghosts.sorted() }
        }
        return result
    }

    /// Replicated memberships held across the cluster, for reports.
    package var totalReplicatedMemberships: Int {
        runningNames.reduce(0) { $0 + nodes[$1]!.instance.directory.replicatedMembershipCount }
    }

    /// Broadcasts every running node received from peers, by either receive path.
    package var broadcastsReceived: Int {
        runningNames.reduce(0) { $0 + nodes[$1]!.instance.counters.broadcastsReceived }
    }
}
