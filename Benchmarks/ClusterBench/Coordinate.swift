import ArgumentParser
import Foundation

/// Starts both systems side by side, runs each workload on one then the other (latency in
/// alternating rounds), and reports both with their ratios. Both clusters stay up for the
/// whole run, so a change in the machine's load hits both rather than one.
struct Coordinate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the whole comparison (default).")

    @Option(help: "Broadcasts of 100 bytes for the throughput run (any count may be 0 to skip that run).")
    var messages: Int = 200_000
    @Option(help: "Broadcasts of 1 KiB for the throughput run.") var largeMessages: Int = 50_000
    @Option(help: "Throughput rounds per system and size, alternating; the median round is reported.")
    var throughputRounds: Int = 5
    @Option(help: "Offered rate for the latency run, per second.") var latencyRate: Int = 10_000
    @Option(help: "Seconds of each latency round.") var latencySeconds: Int = 1
    @Option(help: "Latency rounds per system, alternating; the median round is reported.") var latencyRounds: Int = 7
    @Option(help: "Broadcasts to 1,000 single-node rooms.") var singleRoomMessages: Int = 50_000
    @Option(help: "Joins timed for convergence.") var convergenceRounds: Int = 200
    @Option(help: "Replicated memberships for the memory figure.") var memberships: Int = 1_000_000
    @Option(help: "Where to write the JSON, CSV and PNG.") var output: String = "bench-results"
    @Option(help: "The redis-server binary.") var redisServer: String = "redis-server"

    /// One system under test: its three worker processes and how to read its wire bytes.
    private struct System {
        let name: String
        let workers: [Child]
        let bytes: () async throws -> Int
        /// Run in the latency rounds only (the raw TCP floor).
        var latencyOnly = false
    }

    func run() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        var report = Report()
        report.machine = machineDescription()

        print("== mesh: 3 node processes")
        let mesh = try await startMesh(executable)
        defer { mesh.forEach { $0.stop() } }
        try await setUp(mesh)

        print("== redis: redis-server, 3 subscriber processes with the Swift client, 3 with hiredis")
        let port = try freePort()
        let redis = Process()
        redis.executableURL = URL(fileURLWithPath: try which(redisServer))
        redis.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        redis.standardOutput = FileHandle.nullDevice
        try redis.run()
        defer { Child.stop(redis) }
        try await waitForRedis(port: port)
        let workers = try await startRedisWorkers(executable, port: port, client: "swift")
        defer { workers.forEach { $0.stop() } }
        let hiredis = try await startRedisWorkers(executable, port: port, client: "hiredis")
        defer { hiredis.forEach { $0.stop() } }
        let raw = try await startRawWorkers(executable)
        defer { raw.forEach { $0.stop() } }
        try await Task.sleep(for: .milliseconds(500))

        // Both Redis clients publish on one channel of one server; only one runs at a time,
        // and each ignores what the other's workers would send (none, while it runs).
        let systems = [
            System(name: "mesh", workers: mesh, bytes: { try await meshBytes(mesh) }),
            System(name: "redis", workers: workers, bytes: { try redisBytes(port: port) }),
            System(name: "hiredis", workers: hiredis, bytes: { try redisBytes(port: port) }),
            System(name: "raw TCP", workers: raw, bytes: { 0 }, latencyOnly: true),
        ]
        let figures = try await measure(systems)
        report.mesh = figures[0]
        report.redis = figures[1]
        report.hiredis = figures[2]
        report.rawLatency = figures[3].latency
        report.mesh.convergence = try await convergence(mesh)

        print("== memory: \(memberships) replicated memberships in one directory")
        report.bytesPerMembership = MemoryBench.bytesPerMembership(memberships)
        report.print()
        try report.write(to: output)
    }

    // MARK: Set-up

    private func startMesh(_ executable: String) async throws -> [Child] {
        let first = try Child(
            "mesh0", executable: executable, arguments: ["mesh-worker", "--name", "m0", "--index", "0"])
        let address = String(try await first.next().dropFirst("address ".count))
        _ = try await first.next()
        var nodes = [first]
        for index in 1..<3 {
            let node = try Child(
                "mesh\(index)", executable: executable,
                arguments: ["mesh-worker", "--name", "m\(index)", "--index", "\(index)", "--seed", address])
            _ = try await node.next()
            _ = try await node.next()
            nodes.append(node)
        }
        print("  started \(nodes.count) nodes, waiting for them to link")
        for node in nodes {
            let deadline = ContinuousClock.now + .seconds(20)
            while try await node.ask("count") != "count 3" {
                guard ContinuousClock.now < deadline else { throw BenchError("the mesh did not form") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return nodes
    }

    private func startRedisWorkers(_ executable: String, port: Int, client: String) async throws -> [Child] {
        let workers = try await (0..<3).asyncMap { index in
            try Child(
                "\(client)\(index)", executable: executable,
                arguments: ["redis-worker", "--index", "\(index)", "--port", "\(port)", "--client", client])
        }
        for worker in workers { _ = try await worker.next() }
        try await setUp(workers)
        return workers
    }

    /// Two receivers listening, then the sender connected to them.
    private func startRawWorkers(_ executable: String) async throws -> [Child] {
        var receivers: [Child] = []
        var ports: [String] = []
        for index in 1..<3 {
            let worker = try Child(
                "raw\(index)", executable: executable, arguments: ["raw-worker", "--index", "\(index)"])
            ports.append(String(try await worker.next().dropFirst("address ".count)))
            _ = try await worker.next()
            receivers.append(worker)
        }
        let sender = try Child(
            "raw0", executable: executable,
            arguments: ["raw-worker", "--index", "0", "--peers", ports.joined(separator: ",")])
        _ = try await sender.next()
        _ = try await sender.next()
        return [sender] + receivers
    }

    /// One socket per node in "chat"; node i has a socket in every room-k with k % 3 == i.
    private func setUp(_ workers: [Child]) async throws {
        for (index, worker) in workers.enumerated() {
            _ = try await worker.ask("join chat-\(index) chat")
            let rooms = stride(from: index, to: 1_000, by: 3).map { "room-\($0)" }.joined(separator: ",")
            _ = try await worker.ask("join single-\(index) \(rooms)")
        }
    }

    // MARK: Workloads

    /// Every workload, on each system in turn.
    private func measure(_ systems: [System]) async throws -> [SystemFigures] {
        var figures = Array(repeating: SystemFigures(), count: systems.count)
        for (size, count) in [(100, messages), (1_024, largeMessages)] {
            var rounds = Array(repeating: [Double](), count: systems.count)
            for _ in 0..<throughputRounds {
                for (index, system) in systems.enumerated() where !system.latencyOnly {
                    rounds[index].append(try await throughput(system.workers, count: count, size: size))
                    print("    \(system.name) \(size) B round: \(Int(rounds[index].last!)) msg/s per receiver")
                }
            }
            for (index, system) in systems.enumerated() where !rounds[index].isEmpty && !system.latencyOnly {
                let median = rounds[index].sorted()[rounds[index].count / 2]
                if size == 100 { figures[index].throughput100 = median } else { figures[index].throughput1k = median }
                print(
                    "  \(system.name) \(size) B, median of \(throughputRounds) rounds: \(Int(median)) msg/s per receiver"
                )
            }
        }
        var rounds = Array(repeating: [[UInt64]](), count: systems.count)
        for _ in 0..<latencyRounds {
            for (index, system) in systems.enumerated() {
                rounds[index].append(try await latency(system.workers))
                print(
                    "    \(system.name) round: p50/p99/p99.9 \(rounds[index].last!.map(String.init).joined(separator: " / ")) µs"
                )
            }
        }
        for (index, system) in systems.enumerated() where !rounds[index].isEmpty {
            // Per percentile, the median over the rounds.
            figures[index].latency = (0..<3).map { column in
                rounds[index].map { $0[column] }.sorted()[rounds[index].count / 2]
            }
            let latency = figures[index].latency
            print(
                "  \(system.name) latency at \(latencyRate)/s, median of \(latencyRounds) rounds: p50 \(latency[0]) µs, p99 \(latency[1]) µs, p99.9 \(latency[2]) µs"
            )
        }
        guard singleRoomMessages > 0 else { return figures }
        for (index, system) in systems.enumerated() where !system.latencyOnly {
            let before = try await system.bytes()
            figures[index].singleRoomThroughput = try await throughput(
                system.workers, count: singleRoomMessages, size: 100, rooms: "single:1000")
            figures[index].bytesPerMessage = Double(try await system.bytes() - before) / Double(singleRoomMessages)
            print(
                "  \(system.name) 1,000 single-node rooms, sent from one node: \(Int(figures[index].bytesPerMessage)) bytes per broadcast"
            )
        }
        for (index, system) in systems.enumerated() where !system.latencyOnly {
            let before = try await system.bytes()
            figures[index].ownRoomThroughput = try await throughput(
                system.workers, count: singleRoomMessages, size: 100, rooms: "own:1000")
            figures[index].ownRoomBytesPerMessage =
                Double(try await system.bytes() - before) / Double(singleRoomMessages)
            print(
                "  \(system.name) 1,000 single-node rooms, sent from their node: \(figures[index].ownRoomBytesPerMessage) bytes per broadcast"
            )
        }
        return figures
    }

    /// Messages per second each remote receiver got (the slower of the two), or for single-node
    /// rooms the broadcasts per second the whole run delivered.
    private func throughput(_ workers: [Child], count: Int, size: Int, rooms: String = "chat") async throws -> Double {
        guard count > 0 else { return 0 }
        for worker in workers { _ = try await worker.ask("reset") }
        _ = try await workers[0].ask("send \(count) \(size) \(rooms) 0")
        // Single-node rooms are delivered wherever their members are, the sender's own sockets
        // included; a room spanning all nodes is counted at the other two.
        let receivers = rooms == "chat" ? Array(workers.dropFirst()) : workers
        let expected = rooms == "chat" ? count : nil
        let reports = try await settle(receivers, expected: expected)
        // Every broadcast must arrive: once at each receiver of the shared room, once in all
        // for single-node rooms. A rate over fewer would flatter the system that lost them.
        let counts = reports.map { $0["packets"] ?? 0 }
        let complete =
            rooms == "chat" ? counts.allSatisfy { $0 == UInt64(count) } : counts.reduce(0, +) == UInt64(count)
        if !complete { print("  ! INCOMPLETE: \(rooms), \(size) B: delivered \(counts) of \(count) sent") }
        if rooms == "chat" {
            return reports.map { Double($0["packets"] ?? 0) / seconds($0) }.min() ?? 0
        }
        let receiving = reports.filter { ($0["packets"] ?? 0) > 0 }
        let first = receiving.compactMap { $0["first"] }.min() ?? 0
        let last = receiving.compactMap { $0["last"] }.max() ?? 0
        let packets = reports.reduce(0) { $0 + Double($1["packets"] ?? 0) }
        return packets / max(1e-9, Double(last - first) / 1e9)
    }

    private func latency(_ workers: [Child]) async throws -> [UInt64] {
        for worker in workers { _ = try await worker.ask("reset") }
        let count = latencyRate * latencySeconds
        _ = try await workers[0].ask("send \(count) 100 chat \(latencyRate)")
        let reports = try await settle(Array(workers.dropFirst()), expected: count)
        return ["p50", "p99", "p999"].map { key in reports.compactMap { $0[key] }.max() ?? 0 }
    }

    /// Waits until every receiver has `expected` packets (or its count stops growing).
    private func settle(_ receivers: [Child], expected: Int?) async throws -> [[String: UInt64]] {
        var previous: [UInt64] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let reports = try await receivers.asyncMap { fields(try await $0.ask("report")) }
            let counts = reports.map { $0["packets"] ?? 0 }
            if let expected, counts.allSatisfy({ $0 >= UInt64(expected) }) { return reports }
            if expected == nil, counts == previous, counts.contains(where: { $0 > 0 }) { return reports }
            if ContinuousClock.now > deadline { return reports }
            previous = counts
            try await Task.sleep(for: .milliseconds(expected == nil ? 300 : 50))
        }
    }

    private func seconds(_ report: [String: UInt64]) -> Double {
        max(1e-9, Double((report["last"] ?? 0) &- (report["first"] ?? 0)) / 1e9)
    }

    /// Time from a join on one node until both others see the room.
    private func convergence(_ mesh: [Child]) async throws -> [Double] {
        guard convergenceRounds > 0 else { return [0, 0] }
        var samples: [Double] = []
        for round in 0..<convergenceRounds {
            for node in mesh.dropFirst() {
                node.send("watch conv-\(round)")
                _ = try await node.next()  // watching
            }
            let joined = fields(
                try await mesh[0].ask("join-at conv-socket-\(round) conv-\(round)").replacingOccurrences(
                    of: "joined ", with: "t="))
            var latest: UInt64 = 0
            for node in mesh.dropFirst() {
                let words = try await node.next().split(separator: " ")
                latest = max(latest, UInt64(words.last ?? "") ?? 0)
            }
            samples.append(Double(latest &- (joined["t"] ?? latest)) / 1e6)
        }
        samples.sort()
        let p50 = samples[samples.count / 2]
        let p99 = samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))]
        print("  convergence: p50 \(p50) ms, p99 \(p99) ms over \(samples.count) joins")
        return [p50, p99]
    }

    // MARK: Bytes on the wire

    private func meshBytes(_ mesh: [Child]) async throws -> Int {
        var total = 0
        for node in mesh {
            total += Int(try await node.ask("bytes").dropFirst("bytes ".count)) ?? 0
        }
        return total
    }

    /// Everything Redis read and wrote: each byte of the pub/sub path crosses loopback once.
    private func redisBytes(port: Int) throws -> Int {
        let info = try shell(try which("redis-cli"), ["-p", "\(port)", "info", "stats"])
        var total = 0
        for line in info.split(whereSeparator: \.isNewline) {
            let pair = line.split(separator: ":")
            if pair.count == 2, pair[0] == "total_net_input_bytes" || pair[0] == "total_net_output_bytes" {
                total += Int(pair[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
        return total
    }

    private func waitForRedis(port: Int) async throws {
        for _ in 0..<100 {
            if (try? shell(try which("redis-cli"), ["-p", "\(port)", "ping"]))?.contains("PONG") == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("redis-server did not start")
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

func which(_ name: String) throws -> String {
    if name.contains("/") { return name }
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let path = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    throw BenchError("\(name) not found; run Benchmarks/run-cluster-benchmark.sh, which installs it")
}

func shell(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// A port the OS just handed out and released.
func freePort() throws -> Int {
    let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

func machineDescription() -> String {
    let cpu =
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
}
