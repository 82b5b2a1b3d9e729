import Testing

@_spi(MeshInternals) @testable import MeshCore

/// The peer table: found by id whether it holds a few peers (compared) or many (hashed), slots
/// reused after removals, changes made in place.
@Suite struct PeerTableTests {
    func node(_ index: Int) -> NodeID { NodeID(name: "n\(index % 7)", incarnation: UInt64(index)) }

    @Test func addsFindsChangesAndRemovesAcrossBothLookups() {
        var table = PeerTable()
        var model: [NodeID: Int] = [:]
        for index in 0..<20 {
            table[node(index)] = Peer(address: "a\(index)", now: .zero)
            model[node(index)] = 0
            // Every peer so far is found, with or without the hashed index in use.
            for (id, _) in model { #expect(table.read(id) { $0.address } == "a\(id.incarnation)") }
        }
        for index in stride(from: 0, to: 20, by: 3) {
            table[node(index)] = nil
            model[node(index)] = nil
        }
        #expect(table.count == model.count)
        #expect(table.read(node(0)) { $0.address } == nil)
        for (id, _) in model {
            table.update(id) { $0.inbound.expected += id.incarnation }
            model[id] = Int(id.incarnation) + 1
        }
        // Removed slots are reused by new peers, old ones are untouched.
        for index in 100..<104 {
            table[node(index)] = Peer(address: nil, now: .zero)
            model[node(index)] = 1
        }
        #expect(table.count == model.count)
        for (id, expected) in model { #expect(table.read(id) { $0.inbound.expected } == UInt64(expected)) }
        #expect(Set(table.map(\.key)) == Set(model.keys))
        #expect(table.ids { $0.inbound.expected > 1 } == model.filter { $0.value > 1 }.map(\.key).sorted())
    }
}
