import Testing

@testable import SocketIO

@Suite struct QueryTests {
    @Test func queryParametersArePercentDecodedAndTheLastValueWins() {
        let query = EngineHTTPRequest.query(of: "/socket.io/?EIO=4&transport=polling&name=a%20b&x=1&x=2&flag")
        #expect(query == ["EIO": "4", "transport": "polling", "name": "a b", "x": "2", "flag": ""])
    }
}
