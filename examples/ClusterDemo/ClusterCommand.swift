import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import UnixSignals

/// Starts three nodes on loopback, each with a few sockets in room "chat" broadcasting to it;
/// kills one with SIGKILL, restarts it, and shows the cluster noticing and healing.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Run the three-node demo (the default).")

    @Option(help: "Seconds to run; 0 runs until Ctrl-C.") var duration: Int = 40
    @Option(help: "Broadcasts per second each node sends to room 'chat'.") var rate: Int = 300
    @Option(help: "Sockets each node has in room 'chat'.") var sockets: Int = 5
    @Option(help: "Second at which the third node is killed with SIGKILL (0: never).") var killAt: Int = 12
    @Option(help: "Second at which it is started again.") var restartAt: Int = 20

    func run() async throws {
        let names = ["alpha", "bravo", "charlie"]
        let timing = ["--heartbeat-ms", "250", "--suspect-ms", "1000", "--suspicion-ms", "750", "--gossip-ms", "250"]
        let load = ["--demo-sockets", "\(sockets)", "--demo-rate", "\(rate)"]
        let nodes = NIOLockedValueBox<[String: ChildNode]>([:])
        defer { for node in nodes.withLockedValue({ $0.values }) { node.kill() } }

        print("Starting \(names.joined(separator: ", ")) on 127.0.0.1 …")
        let seed = try ChildNode(name: names[0], arguments: timing + load)
        nodes.withLockedValue { $0[names[0]] = seed }
        let seedAddress = try await seed.ready()
        for name in names.dropFirst() {
            let node = try ChildNode(name: name, arguments: timing + load + ["--seed", seedAddress])
            nodes.withLockedValue { $0[name] = node }
            _ = try await node.ready()
        }

        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let start = ContinuousClock.now
        let (duration, killAt, restartAt) = (duration, killAt, restartAt)
        let interactive = isatty(STDOUT_FILENO) == 1
        let view = try await withThrowingTaskGroup(of: LiveView?.self) { group in
            group.addTask {
                for await _ in signals { return nil }
                return nil
            }
            group.addTask {
                var view = LiveView(names: names, interactive: interactive)
                var notes: [String] = []
                var second = 0
                while duration == 0 || second < duration {
                    try await Task.sleep(until: start + .seconds(second + 1))
                    second += 1
                    if second == killAt, let victim = nodes.withLockedValue({ $0[names[2]] }) {
                        victim.kill()
                        notes.append("t=\(second)s: killed \(names[2]) with SIGKILL")
                    }
                    if second == restartAt, killAt > 0 {
                        let node = try ChildNode(name: names[2], arguments: timing + load + ["--seed", seedAddress])
                        nodes.withLockedValue { $0[names[2]] = node }
                        notes.append("t=\(second)s: restarted \(names[2])")
                    }
                    view.render(second: second, nodes: nodes.withLockedValue { $0 }, notes: notes)
                }
                return view
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        (view ?? LiveView(names: names, interactive: interactive))
            .summary(nodes: nodes.withLockedValue { $0 }, elapsed: ContinuousClock.now - start)
    }
}
