import MeshAdapter
import NIOCore
import RealtimeAdapter
import ServiceLifecycle

/// The cluster demo's workload on one node: a few sockets in the shared room "chat", a steady
/// rate of broadcasts to it, and a `stats` line every second for the demo's live view.
struct DemoLoad: Service {
    let adapter: ClusterAdapter
    let host: CommandHost
    let name: String
    let sockets: Int
    let ratePerSecond: Int

    func run() async throws {
        for index in 0..<sockets {
            try await adapter.addAll(SocketID("\(name)-s\(index)"), rooms: ["chat"])
        }
        let interval = Duration.milliseconds(100)
        let perTick = max(1, ratePerSecond / 10)
        var sent = 0
        var tick = 0
        while !Task.isCancelledOrShuttingDown {
            for _ in 0..<perTick {
                sent += 1
                try await adapter.broadcast(
                    ByteBuffer(string: "\(name)#\(sent)"), options: BroadcastOptions(rooms: ["chat"]))
            }
            tick += 1
            if tick % 10 == 0 {
                let counts = host.snapshot
                let servers = try await adapter.serverCount()
                let members = try await adapter.sockets(in: []).count
                let replicated = try await adapter.node.replicatedMemberships()
                Output.line(
                    "stats node=\(name) sent=\(sent) delivered=\(counts.deliveries) servers=\(servers)"
                        + " local_sockets=\(members) replicated_memberships=\(replicated)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool { Task.isCancelled || Task.isShuttingDownGracefully }
}
