import Foundation
import MeshAdapter
import Testing

/// Separate mesh-node processes on loopback.
@Suite(.serialized, .timeLimit(.minutes(3))) struct MultiProcessTests {
    /// Failure detection in about a second, so the suite stays quick.
    static let fast = [
        "--heartbeat-ms", "100", "--suspect-ms", "600", "--suspicion-ms", "400", "--gossip-ms", "100",
        "--request-timeout-ms", "3000",
    ]
    /// Silence until suspicion plus suspicion until down, as configured above.
    static let detection = Duration.milliseconds(1_000)

    func counts(_ nodes: [NodeProcess], equal expected: Int) async -> Bool {
        await eventually(timeout: .seconds(20)) {
            for node in nodes where (try? await node.command("count")) != "\(expected)" { return false }
            return true
        }
    }

    @Test func aClusterFormsFromOneSeed() async throws {
        try await ProcessScope.with { scope in
            let seed = try await scope.start("a", Self.fast)
            var nodes = [seed]
            for name in ["b", "c", "d"] {
                nodes.append(try await scope.start(name, Self.fast + ["--seed", seed.address.description]))
            }
            #expect(await counts(nodes, equal: 4))
        }
    }

    /// Started as systemd or `nohup` would start it, with standard input closed, a node keeps
    /// serving until SIGTERM, then announces leaving and exits 0.
    @Test func aNodeWithItsInputClosedServesUntilSIGTERM() async throws {
        try await ProcessScope.with { scope in
            let service = try await scope.start("service", Self.fast, inputClosed: true)
            try await Task.sleep(for: .seconds(10))
            #expect(service.process.isRunning)
            let peer = try await scope.start("peer", Self.fast + ["--seed", service.address.description])
            #expect(await counts([peer], equal: 2))
            try await peer.command("join p1 room")
            // A cluster-wide request: it fails with a timeout unless the service node answers.
            #expect(try await peer.command("fetch room") == "p1@peer")
            kill(service.process.processIdentifier, SIGTERM)
            service.process.waitUntilExit()
            #expect(service.process.terminationReason == .exit)
            #expect(service.process.terminationStatus == 0)
            let left = try await peer.waitForLine { $0.hasPrefix("peer-down service ") }
            #expect(left?.hasSuffix(" left") == true)
        }
    }

    @Test func joinThenBroadcastAcrossProcessesNeverMissesNorDuplicates() async throws {
        try await ProcessScope.with { scope in
            let a = try await scope.start("a", Self.fast)
            let b = try await scope.start("b", Self.fast + ["--seed", a.address.description])
            let c = try await scope.start("c", Self.fast + ["--seed", a.address.description])
            #expect(await counts([a, b, c], equal: 3))
            let rounds = 1_000
            var expected: [(NodeProcess, String)] = []
            for round in 0..<rounds {
                // a makes fresh sockets of b and c join a room, then broadcasts to it.
                try await b.command("join b\(round)")
                try await c.command("join c\(round)")
                try await a.command("add-sockets b\(round),c\(round) - room\(round)")
                try await a.command("broadcast m\(round) room\(round)")
                expected += [(b, "deliver b\(round) m\(round)"), (c, "deliver c\(round) m\(round)")]
                // Every fifth round, b's socket joins a room, then b asks a (an emit) to broadcast to it.
                if round % 5 == 0 {
                    try await b.command("join x\(round) g\(round)")
                    try await b.command("emit relay:a:g\(round):r\(round)")
                    expected.append((b, "deliver x\(round) r\(round)"))
                }
            }
            _ = await eventually(timeout: .seconds(30)) {
                expected.allSatisfy { node, line in node.lines.contains(line) }
            }
            var misses = 0
            var duplicates = 0
            let deliveries = [b.name: countLines(b.lines), c.name: countLines(c.lines)]
            for (node, line) in expected {
                let count = deliveries[node.name]?[line] ?? 0
                if count == 0 { misses += 1 }
                if count > 1 { duplicates += 1 }
            }
            #expect(expected.count == 2 * rounds + rounds / 5)
            #expect(misses == 0)
            #expect(duplicates == 0)
        }
    }

    private func countLines(_ lines: [String]) -> [String: Int] {
        lines.filter { $0.hasPrefix("deliver ") }.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    @Test func aKilledNodeIsDeclaredDownItsSocketsDroppedAndItRejoinsAsANewIncarnation() async throws {
        try await ProcessScope.with { scope in
            let a = try await scope.start("a", Self.fast)
            let b = try await scope.start("b", Self.fast + ["--seed", a.address.description])
            let c = try await scope.start("c", Self.fast + ["--seed", a.address.description])
            #expect(await counts([a, b, c], equal: 3))
            try await c.command("join c1 room")
            #expect(await eventually { (try? await a.command("fetch room")) == "c1@c" })

            let killed = ContinuousClock.now
            c.kill(signal: SIGKILL)
            let downA = try await a.waitForLine { $0.hasPrefix("peer-down c \(c.incarnation) unreachable") }
            let noticed = ContinuousClock.now - killed
            let downB = try await b.waitForLine { $0.hasPrefix("peer-down c \(c.incarnation) unreachable") }
            #expect(downA != nil && downB != nil)
            // Within the configured detection time, plus a second of slack for ticks and scheduling.
            #expect(noticed < Self.detection + .seconds(1), "declared down after \(noticed)")
            #expect(try await a.command("fetch room") == "")
            #expect(try await a.command("count") == "2")

            let restarted = try await scope.start("c", Self.fast + ["--seed", a.address.description])
            #expect(restarted.incarnation > c.incarnation)
            #expect(try await a.waitForLine { $0 == "peer-up c \(restarted.incarnation)" } != nil)
            #expect(try await b.waitForLine { $0 == "peer-up c \(restarted.incarnation)" } != nil)
            try await restarted.command("join c2 room")
            #expect(await eventually { (try? await a.command("fetch room")) == "c2@c" })
            #expect(await counts([a, b, restarted], equal: 3))
        }
    }

    @Test func aLinkStalledAndResetInsideTheReplayWindowLosesAndDuplicatesNothing() async throws {
        let proxyA = try await TCPProxy()
        let proxyB = try await TCPProxy()
        try await ProcessScope.with { scope in
            // Each node advertises its proxy, so every connection between them crosses one.
            let a = try await scope.start("a", Self.fast + ["--advertise", proxyA.address.description])
            proxyA.forward(to: a.address)
            let b = try await scope.start(
                "b", Self.fast + ["--advertise", proxyB.address.description, "--seed", proxyA.address.description])
            proxyB.forward(to: b.address)
            #expect(await counts([a, b], equal: 2))
            try await b.command("join b1 room")
            #expect(await eventually { (try? await a.command("fetch room")) == "b1@b" })

            let total = 2_000
            var stalledAt: ContinuousClock.Instant?
            for index in 0..<total {
                // Each broadcast is on a's event loop before the next is sent, so the ones sent
                // while the proxies drop everything can only arrive by replay.
                try await a.command("broadcast m\(index) room")
                if index == 600 {
                    proxyA.stall()
                    proxyB.stall()
                    stalledAt = .now
                }
                // Reset after 300 ms: inside the replay window, and shorter than the 600 ms of
                // silence after which a peer is suspected.
                if let since = stalledAt, ContinuousClock.now - since > .milliseconds(300) {
                    proxyA.reset()
                    proxyB.reset()
                    stalledAt = nil
                }
            }
            _ = await eventually(timeout: .seconds(30)) { b.lines.contains("deliver b1 m\(total - 1)") }
            let received = b.lines.filter { $0.hasPrefix("deliver b1 ") }.map {
                String($0.dropFirst("deliver b1 ".count))
            }
            #expect(received.count == total, "lost or duplicated: \(received.count) of \(total)")
            #expect(received == (0..<total).map { "m\($0)" }, "in order, each once")
            #expect(!b.lines.contains { $0.hasPrefix("frames-lost") })
            let replayed = try await a.command("counters")
            #expect(!replayed.hasPrefix("replayed=0 "), "the stalled frames came by replay: \(replayed)")
        }
        await proxyA.close()
        await proxyB.close()
    }

    @Test func authenticationFailuresAcrossProcessesAreRefusedAndLogged() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-auth-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let right = directory.appendingPathComponent("right").path
        let wrong = directory.appendingPathComponent("wrong").path
        try "right-secret\n".write(toFile: right, atomically: true, encoding: .utf8)
        try "wrong-secret\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let authority = try TestAuthority(name: "Mesh CA")
        let stranger = try TestAuthority(name: "Stranger CA")
        let (certA, keyA, caA) = try authority.writeFiles(for: "a", in: directory)
        let (certB, keyB, caB) = try authority.writeFiles(for: "b", in: directory)
        let (certX, keyX, caX) = try stranger.writeFiles(for: "x", in: directory)

        try await ProcessScope.with { scope in
            let a = try await scope.start("a", Self.fast + ["--secret-file", right])
            let intruder = try await scope.start(
                "i", Self.fast + ["--secret-file", wrong, "--seed", a.address.description])
            let foreign = try await scope.start(
                "f", Self.fast + ["--cluster", "other", "--seed", a.address.description])
            let friend = try await scope.start(
                "b", Self.fast + ["--secret-file", right, "--seed", a.address.description])
            #expect(await counts([a, friend], equal: 2))
            #expect(try await intruder.command("count") == "1")
            #expect(try await foreign.command("count") == "1")
            #expect(a.log.contains("mesh.refusal.code=authenticationFailed"))
            #expect(
                a.log.contains("mesh.refusal.code=clusterMismatch")
                    || foreign.log.contains("mesh.refusal.code=clusterMismatch"))

            let tlsA = try await scope.start(
                "ta", Self.fast + ["--tls-cert", certA, "--tls-key", keyA, "--tls-ca", caA])
            let tlsB = try await scope.start(
                "tb",
                Self.fast + [
                    "--tls-cert", certB, "--tls-key", keyB, "--tls-ca", caB, "--seed", tlsA.address.description,
                ])
            let tlsX = try await scope.start(
                "tx",
                Self.fast + [
                    "--tls-cert", certX, "--tls-key", keyX, "--tls-ca", caX, "--seed", tlsA.address.description,
                ])
            #expect(await counts([tlsA, tlsB], equal: 2))
            #expect(try await tlsX.command("count") == "1")
            #expect(await eventually { tlsA.log.contains("Mesh link failed") && tlsX.log.contains("Mesh link failed") })
        }
    }

    @Test func aNodeRefusesToListenBeyondLoopbackWithoutASecretOrTLS() async throws {
        let process = Process()
        process.executableURL = NodeProcess.binary
        process.arguments = ["--name", "open", "--listen", "0.0.0.0:0"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        process.standardInput = Pipe()
        try process.run()
        process.waitUntilExit()
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(log.contains("refusing to listen on 0.0.0.0"))
    }

    /// The README's main command, shortened: the cluster forms, loses a node to SIGKILL, and heals.
    @Test func theClusterDemoShowsAKilledNodeHealing() async throws {
        let process = Process()
        process.executableURL = NodeProcess.binary.deletingLastPathComponent().appendingPathComponent("mesh-demo")
        process.arguments = ["--duration", "9", "--kill-at", "3", "--restart-at", "5", "--rate", "100"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        process.standardInput = Pipe()
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("killed charlie with SIGKILL"))
        #expect(text.contains("peer-down charlie"))
        #expect(text.contains("restarted charlie"))
        #expect(text.contains("Every node sees 3 servers: the cluster is whole."), "\(text.suffix(1_500))")
    }
}
