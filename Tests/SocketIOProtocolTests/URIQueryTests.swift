import SocketIOProtocol
import Testing

@Suite struct URIQueryTests {
    @Test func queryParametersArePercentDecodedAndTheLastValueWins() {
        let query = URIQuery.parameters(of: "/socket.io/?EIO=4&transport=polling&name=a%20b&x=1&x=2&flag")
        #expect(query == ["EIO": "4", "transport": "polling", "name": "a b", "x": "2", "flag": ""])
    }
}
