public import ArgumentParser
import Foundation
import Logging
import MeshAdapter
@_spi(MeshInternals) import MeshCore
import NIOSSL
import ServiceLifecycle
import UnixSignals

/// One mesh node as a process: `mesh-node --name a --listen 127.0.0.1:7001 --seed 127.0.0.1:7000`.
///
/// Commands on stdin drive its adapter (see `ControlService`); events, deliveries and answers
/// are printed on stdout, one per line; logs go to stderr.
public struct NodeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run one MeshAdapter node, driven by commands on stdin.")

    public init() {}

    @Option(help: "This node's name, unique in the cluster.") var name: String
    @Option(help: "Where to listen, host:port (port 0: any).") var listen: String = "127.0.0.1:0"
    @Option(help: "The address other nodes should dial, when not the listening one.") var advertise: String?
    @Option(help: "A node to dial at start (repeatable).") var seed: [String] = []
    @Option(help: "The cluster's name: nodes of other clusters are refused.") var cluster: String = "mesh"
    @Option(help: "A file holding the shared cluster secret.") var secretFile: String?
    @Option(help: "PEM certificate chain for mutual TLS.") var tlsCert: String?
    @Option(help: "PEM private key for mutual TLS.") var tlsKey: String?
    @Option(help: "PEM roots that peers' certificates must chain to.") var tlsCA: String?
    @Option(help: "Override the incarnation (default: start time in microseconds).") var incarnation: UInt64?
    @Option(help: "Heartbeat interval, ms.") var heartbeatMs: Int = 1_000
    @Option(help: "Silence before a peer is suspected, ms.") var suspectMs: Int = 3_000
    @Option(help: "Suspicion before a peer is declared down, ms.") var suspicionMs: Int = 2_000
    @Option(help: "Anti-entropy interval, ms.") var gossipMs: Int = 500
    @Option(help: "Request timeout, ms.") var requestTimeoutMs: Int = 5_000
    @Option(help: "Handshake deadline, ms.") var handshakeMs: Int = 5_000
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"
    @Flag(help: "Count deliveries instead of printing them.") var quietDeliveries = false
    @Option(help: "Demo workload: sockets in room 'chat' on this node.") var demoSockets: Int = 0
    @Option(help: "Demo workload: broadcasts per second to 'chat'.") var demoRate: Int = 0

    public func run() async throws {
        StandardInput.ensureOpen()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "mesh-node.\(name)")
        guard let listenAddress = MeshAddress(listen) else { throw ValidationError("--listen must be host:port") }
        let seeds = try seed.map { text in
            guard let address = MeshAddress(text) else { throw ValidationError("--seed must be host:port: \(text)") }
            return address
        }
        var configuration = MeshConfiguration(
            nodeName: name, clusterName: cluster, listen: listenAddress,
            advertisedAddress: advertise.flatMap(MeshAddress.init), seeds: seeds, incarnation: incarnation,
            protocolSettings: MeshSettings(
                heartbeatInterval: .milliseconds(heartbeatMs), suspectAfter: .milliseconds(suspectMs),
                suspicionTimeout: .milliseconds(suspicionMs), gossipInterval: .milliseconds(gossipMs),
                requestTimeout: .milliseconds(requestTimeoutMs)))
        configuration.timeouts.handshake = .milliseconds(handshakeMs)
        if let secretFile {
            let secret = try Data(contentsOf: URL(fileURLWithPath: secretFile))
            configuration.secret = Array(secret).trimmingTrailingNewlines
        }
        if let tlsCert, let tlsKey, let tlsCA {
            configuration.tls = MeshConfiguration.TLS(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tlsCert),
                privateKey: try NIOSSLPrivateKey(file: tlsKey, format: .pem),
                trustRoots: try NIOSSLCertificate.fromPEMFile(tlsCA))
        } else if tlsCert != nil || tlsKey != nil || tlsCA != nil {
            throw ValidationError("TLS needs --tls-cert, --tls-key and --tls-ca together")
        }

        let node = try MeshNode(configuration: configuration, logger: logger)
        let host = CommandHost(name: name, quiet: quietDeliveries)
        let adapter = try await node.makeAdapter(host: host)
        host.attach(adapter)
        var services: [any Service] = [node, ControlService(adapter: adapter, node: node), EventPrinter(node: node)]
        if demoSockets > 0 || demoRate > 0 {
            services.append(
                DemoLoad(adapter: adapter, host: host, name: name, sockets: demoSockets, ratePerSecond: demoRate))
        }
        // A service ending (the node shut down by the `shutdown` command) ends the process
        // gracefully; the end of stdin does not (see `ControlService`).
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Prints the node's events for the driving process.
struct EventPrinter: Service {
    let node: MeshNode

    func run() async throws {
        for await event in node.events.cancelOnGracefulShutdown() {
            switch event {
            case .listening(let bound, let advertised):
                Output.line("ready \(node.id.name) \(node.id.incarnation) \(bound) \(advertised)")
            case .peerUp(let peer): Output.line("peer-up \(peer.name) \(peer.incarnation)")
            case .peerDown(let peer, let reason): Output.line("peer-down \(peer.name) \(peer.incarnation) \(reason)")
            case .framesLost(let peer, let count): Output.line("frames-lost \(peer.name) \(count)")
            }
        }
    }
}

extension Array where Element == UInt8 {
    var trimmingTrailingNewlines: [UInt8] {
        var bytes = self
        while let last = bytes.last, last == 10 || last == 13 { bytes.removeLast() }
        return bytes
    }
}
