import ArgumentParser
import Foundation
import Histogram
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The Socket.IO load of the README's figures, against any server that speaks the chat
/// example's `join` and `say` (chat-node, or the python-socketio server beside it):
/// `fanout`, one sender and N receivers in one room; `idle`, resident memory per idle
/// connection. Bounded in count and time.
@main
struct SocketIOBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socketio-bench", subcommands: [Fanout.self, Idle.self])
}

struct Fanout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "One sender, N receivers in one room: deliveries per second, server CPU per delivery, latency.")

    @Option var host = "127.0.0.1"
    @Option var port: Int
    @Option(help: "The server's process id (its CPU time is read from /proc).") var serverPID: Int32
    @Option var receivers = 29
    @Option(help: "Seconds measured, after one second of warm-up.") var duration = 10.0
    @Option(help: "Says per second; 0 sends as fast as acks come back (a window of --window).")
    var rate = 0
    @Option var window = 64
    @Option(help: "Bytes of text in each message.") var payload = 100

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let latencies = NIOLockedValueBox(
            Histogram<UInt64>(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three))
        var clients: [(BenchClient, any Channel)] = []
        for _ in 0..<receivers {
            let (client, channel) = try await BenchClient.connect(host: host, port: port, group: group)
            if rate > 0 { client.recordLatency = { value in latencies.withLockedValue { _ = $0.record(value) } } }
            try await join(client, channel)
            clients.append((client, channel))
        }
        let (sender, senderChannel) = try await BenchClient.connect(host: host, port: port, group: group)
        let running = NIOLockedValueBox(true)
        let padding = String(repeating: "x", count: max(0, payload - 20))
        let say: @Sendable () -> String = {
            #"42["say",{"room":"bench","text":"\#(BenchClock.now)\#(padding)"}]"#
        }
        let ackedSay: @Sendable () -> String = {
            #"421["say",{"room":"bench","text":"\#(BenchClock.now)\#(padding)"}]"#
        }
        if rate > 0 {
            let interval = TimeAmount.nanoseconds(Int64(1_000_000_000 / rate))
            _ = senderChannel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
                guard running.withLockedValue({ $0 }) else { return task.cancel() }
                sender.send(text: say())
            }
        } else {
            try await senderChannel.eventLoop.submit {
                sender.onAck = {
                    if running.withLockedValue({ $0 }) { sender.send(text: ackedSay()) }
                }
                for _ in 0..<window { sender.send(text: ackedSay(), flush: false) }
                sender.flush()
            }.get()
        }
        try await Task.sleep(for: .seconds(1))
        latencies.withLockedValue { $0.reset() }
        let startCount = try await total(clients)
        let startCPU = cpuSeconds(serverPID)
        let started = BenchClock.now
        try await Task.sleep(for: .seconds(duration))
        let endCount = try await total(clients)
        let endCPU = cpuSeconds(serverPID)
        let elapsed = Double(BenchClock.now - started) / 1e9
        running.withLockedValue { $0 = false }
        let deliveries = endCount - startCount
        var line = String(
            format: "deliveries=%d deliveries_per_s=%.0f server_cpu_us_per_delivery=%.2f", deliveries,
            Double(deliveries) / elapsed, (endCPU - startCPU) * 1e6 / Double(max(deliveries, 1)))
        if rate > 0 {
            let histogram = latencies.withLockedValue { $0 }
            line += String(
                format: " rate_deliveries_per_s=%d p50_us=%.0f p99_us=%.0f", rate * receivers,
                Double(histogram.valueAtPercentile(50)) / 1_000, Double(histogram.valueAtPercentile(99)) / 1_000)
        }
        print(line)
        for (_, channel) in clients { try? await channel.close() }
        try? await senderChannel.close()
        try await group.shutdownGracefully()
    }

    private func join(_ client: BenchClient, _ channel: any Channel) async throws {
        let joined = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
            client.onAck = {
                client.onAck = nil
                joined.succeed()
            }
            client.send(text: #"420["join","bench"]"#)
        }
        try await joined.futureResult.get()
    }

    private func total(_ clients: [(BenchClient, any Channel)]) async throws -> Int {
        var sum = 0
        for (client, channel) in clients { sum += try await channel.eventLoop.submit { client.received }.get() }
        return sum
    }
}

struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resident memory of the server per idle connection.")

    @Option var host = "127.0.0.1"
    @Option var port: Int
    @Option var serverPID: Int32
    @Option var connections = 10_000
    @Option(help: "The Engine.IO path.") var path = "/socket.io/"
    @Flag(help: "Stop at the Engine.IO session: join no Socket.IO namespace.") var engineOnly = false

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        try await Task.sleep(for: .seconds(1))
        let before = residentKiB(serverPID)
        var channels: [any Channel] = []
        while channels.count < connections {
            let batch = min(200, connections - channels.count)
            try await withThrowingTaskGroup(of: (any Channel).self) { tasks in
                for _ in 0..<batch {
                    tasks.addTask {
                        try await BenchClient.connect(
                            host: host, port: port, group: group, path: path, joinNamespace: !engineOnly
                        ).1
                    }
                }
                for try await channel in tasks { channels.append(channel) }
            }
        }
        try await Task.sleep(for: .seconds(3))
        let after = residentKiB(serverPID)
        print(
            String(
                format: "connections=%d rss_before_kib=%d rss_after_kib=%d kib_per_connection=%.2f", connections,
                before,
                after, Double(after - before) / Double(connections)))
        for channel in channels { try? await channel.close() }
        try await group.shutdownGracefully()
    }
}

/// User plus system CPU time of a process, from /proc.
func cpuSeconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command: state is field 3, utime 14, stime 15 (1-based over the whole line).
    let utime = Double(fields[11]) ?? 0
    let stime = Double(fields[12]) ?? 0
    return (utime + stime) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Resident memory of a process in KiB, from /proc.
func residentKiB(_ pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
    }
    return 0
}
