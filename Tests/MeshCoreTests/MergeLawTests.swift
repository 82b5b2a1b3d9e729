@_spi(MeshInternals) import MeshCore
import RealtimeAdapter
import TestSupport
import Testing

/// Directory merge is commutative, associative and idempotent over generated states: replicas
/// that saw different prefixes of several origins' histories, including restarted origins.
@Suite struct MergeLawTests {
    /// Histories of three node names, two incarnations of one of them.
    static func histories(seed: UInt64) -> [NodeID: [DirectoryDelta]] {
        var random = SeededGenerator(seed: seed)
        var result: [NodeID: [DirectoryDelta]] = [:]
        let origins = [
            NodeID(name: "a", incarnation: 1), NodeID(name: "b", incarnation: 1),
            NodeID(name: "b", incarnation: 2), NodeID(name: "c", incarnation: 3),
        ]
        for origin in origins {
            var source = MeshDirectory(selfID: origin)
            var deltas: [DirectoryDelta] = []
            for _ in 0..<Int.random(in: 1...25, using: &random) {
                let socket = SocketID("\(origin.name)\(Int.random(in: 0...5, using: &random))")
                let room = Room("r\(Int.random(in: 0...4, using: &random))")
                let change: DirectoryChange
                switch Int.random(in: 0...9, using: &random) {
                case 0...5: change = .join(socket, [room])
                case 6...8: change = .leave(socket, [room])
                default: change = .remove(socket)
                }
                if let delta = source.applyLocal(change) { deltas.append(delta) }
            }
            result[origin] = deltas
        }
        return result
    }

    /// A replica that applied a random prefix of each history.
    static func replica(_ name: String, histories: [NodeID: [DirectoryDelta]], random: inout SeededGenerator)
        -> MeshDirectory
    {
        var directory = MeshDirectory(selfID: NodeID(name: name, incarnation: 1))
        for origin in histories.keys.sorted() {
            let deltas = histories[origin]!
            let count = Int.random(in: 0...deltas.count, using: &random)
            _ = directory.apply(Array(deltas.prefix(count)), from: origin)
        }
        return directory
    }

    func merged(_ first: MeshDirectory, _ second: MeshDirectory) -> MeshDirectory {
        var result = first
        result.merge(second)
        return result
    }

    @Test(arguments: 1...100)
    func mergeIsCommutativeAssociativeAndIdempotent(seed: UInt64) {
        let histories = Self.histories(seed: seed)
        var random = SeededGenerator(seed: seed &* 31)
        // Observers with distinct names merge into each other; compare what they hold of others.
        let x = Self.replica("x", histories: histories, random: &random)
        let y = Self.replica("y", histories: histories, random: &random)
        let z = Self.replica("z", histories: histories, random: &random)
        #expect(merged(x, y).remoteView == merged(y, x).remoteView, "commutative")
        #expect(merged(merged(x, y), z).remoteView == merged(x, merged(y, z)).remoteView, "associative")
        #expect(merged(x, x).remoteView == x.remoteView, "idempotent")
        #expect(merged(merged(x, y), y).remoteView == merged(x, y).remoteView, "absorbs what it has")
        // The merge holds each origin at the higher version, and the newer incarnation only.
        let both = merged(x, y)
        for origin in histories.keys where both.knows(origin) {
            #expect(both.version(of: origin) == max(x.version(of: origin), y.version(of: origin)) || origin.name == "b")
        }
        #expect(!(both.knows(NodeID(name: "b", incarnation: 1)) && both.knows(NodeID(name: "b", incarnation: 2))))
    }
}
