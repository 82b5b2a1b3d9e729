import Testing

@testable import SocketIOProtocol

@Suite struct NamespaceMapTests {
    @Test func aNamespaceMapKeepsOneValuePerNamespaceInOrder() {
        var map = NamespaceMap<Int>()
        map["/"] = 1
        map["/chat"] = 2
        map["/"] = 3
        #expect(map["/"] == 3 && map["/chat"] == 2 && map["/none"] == nil)
        #expect(map.values == [3, 2])
        #expect(map.removeValue(forKey: "/") == 3)
        map["/chat"] = nil
        #expect(map.values.isEmpty)
    }
}
