import NIOHTTP1
import Testing

@testable import SocketIO

@Suite struct StoredHeadersTests {
    @Test func headersComeBackInOrderWithRepeatsAndAnyText() {
        let headers: HTTPHeaders = [
            "Host": "127.0.0.1:3000", "Cookie": "a=1", "cookie": "b=2", "X-Name": "Zoë ✓",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Empty": "",
        ]
        let stored = StoredHeaders(headers)
        #expect(stored.headers.map { "\($0.name): \($0.value)" } == headers.map { "\($0.name): \($0.value)" })
        #expect(stored.headers["cookie"] == ["a=1", "b=2"])
        #expect(StoredHeaders(HTTPHeaders()).headers.isEmpty)
    }

    @Test func aHandshakeReadsItsQueryFromTheURLUnlessOneIsSet() {
        var handshake = Handshake(headers: ["User-Agent": "test"], url: "/socket.io/?EIO=4&transport=websocket&x=1")
        #expect(handshake.query == ["EIO": "4", "transport": "websocket", "x": "1"])
        #expect(handshake.headers.first(name: "user-agent") == "test")
        handshake.query = ["y": "2"]
        handshake.headers.add(name: "X-More", value: "yes")
        #expect(handshake.query == ["y": "2"])
        #expect(handshake.headers.first(name: "x-more") == "yes")
    }
}
