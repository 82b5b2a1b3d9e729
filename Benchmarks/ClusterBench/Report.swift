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
    /// Redis with the benchmark's RESP client on SwiftNIO.
    var redis = SystemFigures()
    /// Redis with hiredis, the C client.
    var hiredis = SystemFigures()
    /// p50, p99, p99.9 in µs of one bare TCP hop between processes, in the same rounds: the
    /// machine's own floor.
    var rawLatency: [UInt64] = [0, 0, 0]
    var bytesPerMembership = 0.0

    private func ratio(_ a: Double, _ b: Double, format: String = "%.2f") -> String {
        b == 0 ? "-" : String(format: format, a / b)
    }

    /// One figure for the three systems, with the ratio against the better Redis client:
    /// the higher rate, or the lower latency or byte count.
    private func row(
        _ title: String, _ value: (SystemFigures) -> Double, higherIsBetter: Bool, format: String = "%.0f",
        meshOverRedis: Bool = true, target: String = "-"
    ) -> [String] {
        let redisValues = [value(redis), value(hiredis)].filter { $0 > 0 }
        let best = (higherIsBetter ? redisValues.max() : redisValues.min()) ?? 0
        let shown = [mesh, redis, hiredis].map { String(format: format, value($0)) }
        let ratioText = meshOverRedis ? ratio(value(mesh), best) : ratio(best, value(mesh), format: "%.0f")
        return [title] + shown + [ratioText, target]
    }

    var rows: [[String]] {
        [
            row(
                "100 B broadcasts, 1 room on 3 nodes (msg/s per receiver)", \.throughput100, higherIsBetter: true,
                target: "mesh/redis >= 3"),
            row("1 KiB broadcasts (msg/s per receiver)", \.throughput1k, higherIsBetter: true),
            row("latency p50 at 10k msg/s (µs)", { Double($0.latency[0]) }, higherIsBetter: false),
            row(
                "latency p99 at 10k msg/s (µs)", { Double($0.latency[1]) }, higherIsBetter: false,
                target: "mesh/redis <= 0.5"),
            row("latency p99.9 at 10k msg/s (µs)", { Double($0.latency[2]) }, higherIsBetter: false),
            [
                "the machine's floor: one bare TCP hop, same rounds, p50 / p99 / p99.9 (µs)",
                rawLatency.map(String.init).joined(separator: " / "), "-", "-", "-", "-",
            ],
            row(
                "1,000 single-node rooms, sent from their node: bytes on the wire per broadcast (ratio redis/mesh)",
                \.ownRoomBytesPerMessage, higherIsBetter: false, format: "%.2f", meshOverRedis: false,
                target: "redis/mesh >= 10"),
            row(
                "1,000 single-node rooms, sent from their node: broadcasts delivered per second",
                \.ownRoomThroughput, higherIsBetter: true),
            row(
                "1,000 single-node rooms, sent from one node: bytes on the wire per broadcast (ratio redis/mesh)",
                \.bytesPerMessage, higherIsBetter: false, meshOverRedis: false),
            row(
                "1,000 single-node rooms, sent from one node: broadcasts delivered per second",
                \.singleRoomThroughput, higherIsBetter: true),
            [
                "join visible on every node, p50 / p99 (ms)",
                mesh.convergence.map { String(format: "%.2f / %.2f", $0[0], $0[1]) } ?? "-", "n/a", "n/a", "-",
                "p99 <= 5",
            ],
            [
                "resident bytes per replicated membership (1M)", String(format: "%.0f", bytesPerMembership), "n/a",
                "n/a", "-", "<= 150",
            ],
        ]
    }

    static let header = ["figure", "mesh", "redis (Swift client)", "redis (hiredis, C)", "mesh ÷ best redis", "target"]

    func print() {
        let header = Self.header
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
        let csv = ([Self.header.joined(separator: ",")] + rows.map { $0.map { "\"\($0)\"" }.joined(separator: ",") })
            .joined(separator: "\n")
        try csv.write(toFile: "\(directory)/cluster.csv", atomically: true, encoding: .utf8)
        let data = """
            "100 B msg/s (÷1000)" \(mesh.throughput100 / 1000) \(redis.throughput100 / 1000) \(hiredis.throughput100 / 1000)
            "1 KiB msg/s (÷1000)" \(mesh.throughput1k / 1000) \(redis.throughput1k / 1000) \(hiredis.throughput1k / 1000)
            "p99 latency µs (÷10)" \(Double(mesh.latency[1]) / 10) \(Double(redis.latency[1]) / 10) \(Double(hiredis.latency[1]) / 10)
            "B/broadcast, own-node rooms (÷10)" \(mesh.ownRoomBytesPerMessage / 10) \(redis.ownRoomBytesPerMessage / 10) \(hiredis.ownRoomBytesPerMessage / 10)
            "B/broadcast, other-node rooms (÷10)" \(mesh.bytesPerMessage / 10) \(redis.bytesPerMessage / 10) \(hiredis.bytesPerMessage / 10)
            """
        try data.write(toFile: "\(directory)/cluster.dat", atomically: true, encoding: .utf8)
        let script = """
            set terminal pngcairo size 1000,560 font ",10"
            set output '\(directory)/cluster.png'
            set title "MeshAdapter vs Redis pub/sub (Swift and C clients), 3 processes on loopback (\(machine))"
            set style data histograms
            set style histogram clustered gap 1
            set style fill solid 0.85 border -1
            set boxwidth 0.9
            set key top right
            set grid ytics
            set xtics noenhanced rotate by -15
            plot '\(directory)/cluster.dat' using 2:xtic(1) title 'mesh', '' using 3 title 'redis (Swift client)', '' using 4 title 'redis (hiredis)'
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
