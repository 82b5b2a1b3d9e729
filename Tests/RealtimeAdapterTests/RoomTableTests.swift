import RealtimeAdapter
import Testing

/// The room table against plain sets: after any sequence of joins and leaves, every room's
/// member list holds exactly its members, once each, and matching agrees with set algebra.
@Suite struct RoomTableTests {
    @Test(arguments: [7, 8, 9]) func membersAndMatchingAgreeWithSets(seed: UInt64) {
        var random = Xorshift(state: seed)
        var table = RoomTable()
        var model: [Room: Set<SocketID>] = [:]
        let sockets = (0..<12).map { SocketID("s\($0)") }
        let rooms = (0..<5).map { Room("r\($0)") }
        for _ in 0..<3_000 {
            let socket = sockets.randomElement(using: &random)!
            let room = rooms.randomElement(using: &random)!
            switch Int.random(in: 0..<5, using: &random) {
            case 0..<3:
                if table.roomsOf[socket] == nil { model[socket.room, default: []].insert(socket) }
                table.add(socket, to: [room])
                model[room, default: []].insert(socket)
            case 3:
                table.remove(socket, from: [room])
                model[room]?.remove(socket)
            default:
                for room in table.removeAll(socket) { model[room]?.remove(socket) }
            }
            model = model.filter { !$0.value.isEmpty }
            #expect(table.members.mapValues { Set($0.elements) } == model)
            #expect(table.members.values.allSatisfy { $0.elements.count == Set($0.elements).count })
            let target = rooms.randomElement(using: &random)!
            let excluded = rooms.randomElement(using: &random)!
            #expect(Set(table.matching(BroadcastOptions(rooms: [target]))) == model[target] ?? [])
            #expect(
                Set(table.matching(BroadcastOptions(rooms: [target], except: [excluded])))
                    == (model[target] ?? []).subtracting(model[excluded] ?? []))
        }
    }
}

/// Xorshift64: deterministic, so a failing seed fails the same way again.
struct Xorshift: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
