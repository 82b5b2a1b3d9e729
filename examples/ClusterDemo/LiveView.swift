import Foundation

/// The demo's screen: one row per node, refreshed every second, then a summary.
struct LiveView: Sendable {
    let names: [String]
    let interactive: Bool
    private var previous: [String: Int] = [:]
    private(set) var peak = 0

    init(names: [String], interactive: Bool) {
        self.names = names
        self.interactive = interactive
    }

    mutating func render(second: Int, nodes: [String: ChildNode], notes: [String]) {
        var lines: [String] = []
        lines.append("MeshAdapter cluster demo: t=\(second)s   (Ctrl-C stops every node)")
        lines.append("")
        lines.append(
            pad("node", 10) + pad("incarnation", 20) + pad("servers", 9) + pad("sent/s", 9) + pad("delivered/s", 13)
                + pad("delivered", 12) + "replicated memberships")
        var totalPerSecond = 0
        for name in names {
            guard let node = nodes[name] else { continue }
            let state = node.snapshot
            let delivered = Int(state.stats["delivered"] ?? "") ?? 0
            let sent = Int(state.stats["sent"] ?? "") ?? 0
            let deliveredRate = max(0, delivered - (previous["d" + name] ?? 0))
            let sentRate = max(0, sent - (previous["s" + name] ?? 0))
            previous["d" + name] = delivered
            previous["s" + name] = sent
            totalPerSecond += deliveredRate
            let status = state.exited ? "killed" : (state.stats["servers"] ?? "-")
            lines.append(
                pad(name, 10) + pad(state.incarnation ?? "-", 20) + pad(status, 9) + pad("\(sentRate)", 9)
                    + pad("\(deliveredRate)", 13) + pad("\(delivered)", 12)
                    + (state.stats["replicated_memberships"] ?? "-"))
        }
        peak = max(peak, totalPerSecond)
        lines.append("")
        lines.append("deliveries per second, all nodes: \(totalPerSecond)")
        let events = names.compactMap { nodes[$0] }.flatMap { $0.snapshot.events }.suffix(6)
        lines.append("")
        lines.append("recent events:")
        lines += (notes.suffix(3) + events).map { "  " + $0 }
        if interactive {
            print("\u{1B}[H\u{1B}[2J" + lines.joined(separator: "\n"))
        } else {
            print(lines.joined(separator: "\n") + "\n")
        }
    }

    func summary(nodes: [String: ChildNode], elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds)
        let delivered = names.compactMap { nodes[$0] }.map { Int($0.snapshot.stats["delivered"] ?? "") ?? 0 }.reduce(
            0, +)
        print("")
        print("Stopped after \(Int(seconds)) s: \(delivered) deliveries counted by the nodes still running.")
        if peak > 0 { print("Peak: \(peak) deliveries per second across the cluster.") }
        let healed = names.allSatisfy { nodes[$0]?.snapshot.stats["servers"] == "\(names.count)" }
        print(
            healed
                ? "Every node sees \(names.count) servers: the cluster is whole."
                : "Not every node sees every server yet.")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
