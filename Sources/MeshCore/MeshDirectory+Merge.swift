package import RealtimeAdapter

/// One origin's replicated state as a plain value, for comparing nodes' directories.
package struct OriginView: Hashable, Sendable {
    package var version: UInt64
    /// Per namespace name, each socket's rooms.
    package var memberships: [String: [SocketID: Set<Room>]]
}

extension MeshDirectory {
    /// Every origin this node holds other than itself, with its version and memberships.
    package var remoteView: [NodeID: OriginView] {
        var view: [NodeID: OriginView] = [:]
        for (origin, state) in remotes where state.version > 0 || !state.sockets.isEmpty {
            var memberships: [String: [SocketID: Set<Room>]] = [:]
            for entry in state.snapshotEntries(index: index, namespaces: namespaces) {
                memberships[entry.namespace, default: [:]][entry.socket] = Set(entry.rooms)
            }
            view[origin] = OriginView(version: state.version, memberships: memberships)
        }
        return view
    }

    /// State-based merge: per origin, the higher incarnation wins, then the higher version.
    ///
    /// Made of what the protocol runs when a peer is too far behind for deltas: every origin
    /// `other` holds ahead of this directory is cut into snapshot parts (`snapshotParts`) and
    /// applied as a peer would apply them (`applySnapshot`). Two states of one origin at the
    /// same version are equal (only the origin writes), so this is commutative, associative
    /// and idempotent; `MergeLawTests` checks those laws over generated states, which is to say
    /// it checks catch-up by snapshot.
    public mutating func merge(_ other: MeshDirectory) {
        for origin in other.origins where origin != selfID {
            guard other.vector[origin] > vector[origin] else { continue }
            for part in other.snapshotParts(of: origin, chunk: Int.max) {
                guard case .snapshot(let origin, let version, let index, let last, let entries) = part else {
                    continue
                }
                applySnapshot(of: origin, version: version, part: index, last: last, entries: entries)
            }
        }
    }
}
