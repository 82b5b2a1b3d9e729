import Foundation

struct SystemFigures: Codable {
    var throughput100 = 0.0
    var throughput1k = 0.0
    /// p50, p99, p99.9 in µs.
    var latency: [UInt64] = [0, 0, 0]
    var singleRoomThroughput = 0.0
    var bytesPerMessage = 0.0
    /// Broadcasts sent by the node that holds the room's members (as when a room's members,
    /// the sender among them, are kept on one server).
    var ownRoomThroughput = 0.0
    var ownRoomBytesPerMessage = 0.0
    /// p50, p99 in ms (mesh only).
    var convergence: [Double]?
}

struct Report: Codable {
    var machine = ""
    var mesh = SystemFigures()
    var redis = SystemFigures()
    var bytesPerMembership = 0.0

    private func ratio(_ a: Double, _ b: Double, format: String = "%.2f") -> String {
        b == 0 ? "-" : String(format: format, a / b)
    }

    var rows: [[String]] {
        [
            [
                "100 B broadcasts, 1 room on 3 nodes (msg/s per receiver)", "\(Int(mesh.throughput100))",
                "\(Int(redis.throughput100))", ratio(mesh.throughput100, redis.throughput100), "mesh/redis >= 3",
            ],
            [
                "1 KiB broadcasts (msg/s per receiver)", "\(Int(mesh.throughput1k))", "\(Int(redis.throughput1k))",
                ratio(mesh.throughput1k, redis.throughput1k), "-",
            ],
            [
                "latency p50 at 10k msg/s (µs)", "\(mesh.latency[0])", "\(redis.latency[0])",
                ratio(Double(mesh.latency[0]), Double(redis.latency[0])), "-",
            ],
            [
                "latency p99 at 10k msg/s (µs)", "\(mesh.latency[1])", "\(redis.latency[1])",
                ratio(Double(mesh.latency[1]), Double(redis.latency[1])), "mesh/redis <= 0.5",
            ],
            [
                "latency p99.9 at 10k msg/s (µs)", "\(mesh.latency[2])", "\(redis.latency[2])",
                ratio(Double(mesh.latency[2]), Double(redis.latency[2])), "-",
            ],
            [
                "1,000 single-node rooms, sent from their node: bytes on the wire per broadcast",
                String(format: "%.2f", mesh.ownRoomBytesPerMessage),
                String(format: "%.0f", redis.ownRoomBytesPerMessage),
                ratio(redis.ownRoomBytesPerMessage, mesh.ownRoomBytesPerMessage, format: "%.0f"), "redis/mesh >= 10",
            ],
            [
                "1,000 single-node rooms, sent from their node: broadcasts delivered per second",
                "\(Int(mesh.ownRoomThroughput))", "\(Int(redis.ownRoomThroughput))",
                ratio(mesh.ownRoomThroughput, redis.ownRoomThroughput), "-",
            ],
            [
                "1,000 single-node rooms, sent from one node: bytes on the wire per broadcast",
                String(format: "%.0f", mesh.bytesPerMessage), String(format: "%.0f", redis.bytesPerMessage),
                ratio(redis.bytesPerMessage, mesh.bytesPerMessage), "-",
            ],
            [
                "1,000 single-node rooms, sent from one node: broadcasts delivered per second",
                "\(Int(mesh.singleRoomThroughput))", "\(Int(redis.singleRoomThroughput))",
                ratio(mesh.singleRoomThroughput, redis.singleRoomThroughput), "-",
            ],
            [
                "join visible on every node, p50 / p99 (ms)",
                mesh.convergence.map { String(format: "%.2f / %.2f", $0[0], $0[1]) } ?? "-", "n/a", "-", "p99 <= 5",
            ],
            [
                "resident bytes per replicated membership (1M)", String(format: "%.0f", bytesPerMembership), "n/a", "-",
                "<= 150",
            ],
        ]
    }

    func print() {
        let header = ["figure", "mesh", "redis", "ratio", "target"]
        let table = [header] + rows
        let widths = (0..<header.count).map { column in table.map { $0[column].count }.max() ?? 0 }
        Swift.print("\nMachine: \(machine)")
        for (index, row) in table.enumerated() {
            Swift.print(
                "| "
                    + row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                        separator: " | ") + " |")
            if index == 0 {
                Swift.print("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|")
            }
        }
    }

    func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: "\(directory)/cluster.json"))
        let csv = (["figure,mesh,redis,ratio,target"] + rows.map { $0.map { "\"\($0)\"" }.joined(separator: ",") })
            .joined(separator: "\n")
        try csv.write(toFile: "\(directory)/cluster.csv", atomically: true, encoding: .utf8)
        let data = """
            "100 B msg/s (÷1000)" \(mesh.throughput100 / 1000) \(redis.throughput100 / 1000)
            "1 KiB msg/s (÷1000)" \(mesh.throughput1k / 1000) \(redis.throughput1k / 1000)
            "p99 latency µs (÷10)" \(Double(mesh.latency[1]) / 10) \(Double(redis.latency[1]) / 10)
            "B/broadcast, own-node rooms (÷10)" \(mesh.ownRoomBytesPerMessage / 10) \(redis.ownRoomBytesPerMessage / 10)
            "B/broadcast, other-node rooms (÷10)" \(mesh.bytesPerMessage / 10) \(redis.bytesPerMessage / 10)
            """
        try data.write(toFile: "\(directory)/cluster.dat", atomically: true, encoding: .utf8)
        let script = """
            set terminal pngcairo size 1000,560 font ",10"
            set output '\(directory)/cluster.png'
            set title "MeshAdapter vs Redis pub/sub, 3 processes on loopback (\(machine))"
            set style data histograms
            set style histogram clustered gap 1
            set style fill solid 0.85 border -1
            set boxwidth 0.9
            set key top right
            set grid ytics
            set xtics noenhanced rotate by -15
            plot '\(directory)/cluster.dat' using 2:xtic(1) title 'mesh', '' using 3 title 'redis'
            """
        try script.write(toFile: "\(directory)/cluster.gnuplot", atomically: true, encoding: .utf8)
        if let gnuplot = try? which("gnuplot") {
            _ = try shell(gnuplot, ["\(directory)/cluster.gnuplot"])
            Swift.print("Wrote \(directory)/cluster.json, cluster.csv and cluster.png")
        } else {
            Swift.print("Wrote \(directory)/cluster.json and cluster.csv (gnuplot not found: no chart)")
        }
    }
}
