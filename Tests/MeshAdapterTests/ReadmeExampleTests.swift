import Foundation
import MeshAdapter
import ServiceLifecycle
import Testing

/// The README's "Using it in a server" code, kept compiling: a change of the public API that
/// breaks it breaks the test build. The body below is the README's, line for line.
@Suite struct ReadmeExampleTests {
    func usingItInAServer(secretFileContents: [UInt8], mySocketServer: any SocketHost) async throws -> ClusterAdapter {
        let node = try MeshNode(
            configuration: MeshConfiguration(
                nodeName: "web-1",  // unique, stable across restarts
                listen: MeshAddress(host: "10.0.0.5", port: 7946),
                seeds: [MeshAddress("10.0.0.6:7946")!],  // any one node; the rest is gossiped
                secret: Array(secretFileContents)))  // or tls: ..., or both
        let adapter = try await node.makeAdapter(namespace: "/", host: mySocketServer)  // a SocketHost
        // Run `node` in the server's ServiceGroup beside the HTTP server; use `adapter` where the
        // server used LocalAdapter, and make one adapter per namespace.
        try await adapter.broadcast(ByteBuffer(string: "hello"), options: BroadcastOptions(rooms: ["lobby"]))
        return adapter
    }

    /// Run, too: it makes a node (it does not listen until run) and its main adapter.
    @Test func theReadmeExampleMakesANodeAndItsAdapter() async throws {
        let adapter = try await usingItInAServer(
            secretFileContents: Array("secret".utf8), mySocketServer: TestHost(name: "web-1"))
        #expect(adapter.namespace == "/")
        await adapter.node.shutdown()
    }

    /// The README's block and the body above are the same code (compared without whitespace,
    /// since the README lines it up for reading): editing one without the other fails here.
    @Test func theReadmeShowsTheCodeThatIsCompiledHere() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let block = try #require(
            readme.components(separatedBy: "## Using it in a server\n\n```swift\n").dropFirst().first?
                .components(separatedBy: "```").first)
        let shown = block.split(separator: "\n").filter { !$0.hasPrefix("import ") }.joined()
        let body = try #require(
            source.components(separatedBy: "mySocketServer: any SocketHost) async throws -> ClusterAdapter {\n")
                .dropFirst().first?.components(separatedBy: "        return adapter").first)
        func squeezed(_ text: some StringProtocol) -> String { String(text.filter { !$0.isWhitespace }) }
        #expect(!squeezed(shown).isEmpty)
        #expect(squeezed(shown) == squeezed(body))
    }
}
