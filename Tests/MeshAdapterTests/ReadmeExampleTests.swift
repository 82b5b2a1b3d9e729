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
        return adapter
    }

    /// Run, too: it makes a node (it does not listen until run) and its main adapter.
    @Test func theReadmeExampleMakesANodeAndItsAdapter() async throws {
        let adapter = try await usingItInAServer(
            secretFileContents: Array("secret".utf8), mySocketServer: TestHost(name: "web-1"))
        #expect(adapter.namespace == "/")
        await adapter.node.shutdown()
    }
}
