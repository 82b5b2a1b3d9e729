import InMemoryLogging
import Logging
import MeshAdapter
@_spi(MeshInternals) import MeshCore
import NIOCore
import NIOPosix
import Testing

/// The handshake refuses every peer that is not of this cluster, version and secret, with a
/// clear log line, and closes connections that never finish it.
@Suite(.timeLimit(.minutes(2))) struct SecurityTests {
    /// Two nodes in this process, the second seeded with the first; returns their logs.
    func pair(
        _ first: MeshConfiguration, _ second: (MeshAddress) -> MeshConfiguration,
        _ body: (ClusterAdapter, ClusterAdapter) async throws -> Void
    ) async throws -> (InMemoryLogHandler, InMemoryLogHandler) {
        let logs = (InMemoryLogHandler(), InMemoryLogHandler())
        try await withThrowingTaskGroup(of: Void.self) { group in
            let a = try MeshNode(configuration: first, logger: Logger(label: "a", factory: { _ in logs.0 }))
            let adapterA = try await a.makeAdapter(host: TestHost(name: "a"))
            group.addTask { try await a.run() }
            let address = try await a.listeningAddress()
            let b = try MeshNode(configuration: second(address), logger: Logger(label: "b", factory: { _ in logs.1 }))
            let adapterB = try await b.makeAdapter(host: TestHost(name: "b"))
            group.addTask { try await b.run() }
            _ = try await b.listeningAddress()
            try await body(adapterA, adapterB)
            await a.shutdown()
            await b.shutdown()
            try await group.waitForAll()
        }
        return logs
    }

    func linked(_ a: ClusterAdapter, _ b: ClusterAdapter) async throws -> Bool {
        try await eventually {
            let (countA, countB) = (try await a.serverCount(), try await b.serverCount())
            return countA == 2 && countB == 2
        }
    }

    func refusals(_ log: InMemoryLogHandler) -> [String] {
        log.entries.filter { $0.message == "Mesh connection refused" }.compactMap {
            $0.metadata["mesh.refusal.code"]?.description
        }
    }

    /// Waits long enough for several dial attempts, then checks no link formed.
    func staysApart(_ a: ClusterAdapter, _ b: ClusterAdapter) async throws -> Bool {
        try await Task.sleep(for: .milliseconds(600))
        let (countA, countB) = (try await a.serverCount(), try await b.serverCount())
        return countA == 1 && countB == 1
    }

    @Test func nodesWithTheSameSecretLink() async throws {
        _ = try await pair(
            MeshConfiguration(nodeName: "a", secret: Array("s3cret".utf8)),
            { MeshConfiguration(nodeName: "b", seeds: [$0], secret: Array("s3cret".utf8)) }
        ) { a, b in
            let isLinked = try await linked(a, b)
            #expect(isLinked)
        }
    }

    @Test func aWrongSecretIsRefusedOnBothSides() async throws {
        let (logA, logB) = try await pair(
            MeshConfiguration(nodeName: "a", secret: Array("right".utf8)),
            { MeshConfiguration(nodeName: "b", seeds: [$0], secret: Array("wrong".utf8)) }
        ) { a, b in
            let apart = try await staysApart(a, b)
            #expect(apart)
        }
        #expect(refusals(logA).contains("authenticationFailed"))
        #expect(refusals(logB).contains("refusedByPeer"))
    }

    @Test func aMissingSecretIsRefused() async throws {
        let (logA, _) = try await pair(
            MeshConfiguration(nodeName: "a", secret: Array("right".utf8)),
            { MeshConfiguration(nodeName: "b", seeds: [$0]) }
        ) { a, b in
            let apart = try await staysApart(a, b)
            #expect(apart)
        }
        #expect(refusals(logA).contains("authenticationFailed"))
    }

    @Test func anotherClusterIsRefused() async throws {
        let (logA, logB) = try await pair(
            MeshConfiguration(nodeName: "a", clusterName: "blue"),
            { MeshConfiguration(nodeName: "b", clusterName: "green", seeds: [$0]) }
        ) { a, b in
            let apart = try await staysApart(a, b)
            #expect(apart)
        }
        #expect(refusals(logA).contains("clusterMismatch") || refusals(logB).contains("clusterMismatch"))
    }

    @Test func mutualTLSLinksNodesOfOneAuthorityAndRefusesAnUnknownOne() async throws {
        let authority = try TestAuthority(name: "Mesh CA")
        let stranger = try TestAuthority(name: "Other CA")
        _ = try await pair(
            MeshConfiguration(nodeName: "a", tls: try authority.tls(for: "a")),
            { MeshConfiguration(nodeName: "b", seeds: [$0], tls: try! authority.tls(for: "b")) }
        ) { a, b in
            let isLinked = try await linked(a, b)
            #expect(isLinked)
        }
        let (logA, logB) = try await pair(
            MeshConfiguration(nodeName: "a", tls: try authority.tls(for: "a")),
            { MeshConfiguration(nodeName: "b", seeds: [$0], tls: try! stranger.tls(for: "b")) }
        ) { a, b in
            let apart = try await staysApart(a, b)
            #expect(apart)
        }
        let failures = (logA.entries + logB.entries).filter { $0.message == "Mesh link failed" }
        #expect(!failures.isEmpty, "the TLS failure is logged")
        #expect(
            failures.contains {
                "\($0.metadata["mesh.error"] ?? "")".contains("handshake")
                    || "\($0.metadata["mesh.error"] ?? "")".contains("SSL")
            })
    }

    @Test func aListenerReachableFromOtherMachinesNeedsASecretOrTLS() async throws {
        let node = try MeshNode(
            configuration: MeshConfiguration(nodeName: "open", listen: MeshAddress(host: "0.0.0.0", port: 0)))
        let error = await #expect(throws: MeshNodeError.self) { try await node.run() }
        #expect(error?.code == .insecureListen)
    }

    /// A configuration may end up in a log line or a crash report: its secret never does.
    @Test func theSecretNeverAppearsInADescription() {
        let secret = "hunter2-\(UInt64.random(in: 1...UInt64.max))"
        let configuration = MeshConfiguration(nodeName: "a", secret: Array(secret.utf8))
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(configuration)", String(reflecting: configuration), dumped] {
            #expect(!text.contains(secret))
            #expect(!text.contains("\(Array(secret.utf8))"), "nor its bytes")
            #expect(text.contains("<redacted>"))
        }
    }

    @Test func aWrongProtocolVersionIsRefusedWithItsReason() async throws {
        let log = InMemoryLogHandler()
        let node = try MeshNode(
            configuration: MeshConfiguration(nodeName: "a"), logger: Logger(label: "a", factory: { _ in log }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await node.run() }
            let address = try await node.listeningAddress()
            var preamble = ByteBuffer()
            preamble.writeInteger(UInt32(0x4D45_5348))
            preamble.writeInteger(UInt16(99))
            let reply = try await RawClient.exchange(with: address, sending: preamble)
            #expect(String(decoding: reply.readableBytesView, as: UTF8.self).contains("versionMismatch"))
            await node.shutdown()
            try await group.waitForAll()
        }
        #expect(refusals(log).contains("versionMismatch"))
    }

    @Test func aConnectionThatNeverFinishesItsHandshakeIsClosed() async throws {
        let log = InMemoryLogHandler()
        var configuration = MeshConfiguration(nodeName: "a")
        configuration.timeouts.handshake = .milliseconds(300)
        let node = try MeshNode(configuration: configuration, logger: Logger(label: "a", factory: { _ in log }))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await node.run() }
            let address = try await node.listeningAddress()
            // Says nothing; the node closes the connection after its deadline.
            _ = try await RawClient.exchange(with: address, sending: ByteBuffer())
            await node.shutdown()
            try await group.waitForAll()
        }
        #expect(refusals(log).contains("timeout"))
    }
}

/// A plain TCP client: sends bytes, then collects everything until the server closes.
enum RawClient {
    static func exchange(with address: MeshAddress, sending bytes: ByteBuffer) async throws -> ByteBuffer {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            if bytes.readableBytes > 0 { try await outbound.write(bytes) }
            var received = ByteBuffer()
            for try await var chunk in inbound { received.writeBuffer(&chunk) }
            return received
        }
    }
}
