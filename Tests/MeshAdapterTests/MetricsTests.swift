import CoreMetrics
import MeshAdapter
import Metrics
import MetricsTestKit
import NIOCore
import RealtimeAdapter
import Testing

/// The metrics factory of this test process, bootstrapped once. Nodes created by other tests
/// before it was bootstrapped record nowhere, which is fine: this suite names its own nodes.
enum SharedTestMetrics {
    static let metrics: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()
}

@Suite struct MetricsTests {
    @Test func linksFramesBytesAndTheDirectoryAreMeasured() async throws {
        let metrics = SharedTestMetrics.metrics
        try await TestCluster.with(count: 2, prefix: "metrics") { cluster in
            #expect(try await cluster.formed())
            try await cluster.adapters[1].addAll("s", rooms: ["room"])
            #expect(
                await eventually {
                    (try? await cluster.adapters[0].fetchSockets(BroadcastOptions(rooms: ["room"])).count) == 1
                })
            try await cluster.adapters[0].broadcast(ByteBuffer(string: "x"), options: BroadcastOptions(rooms: ["room"]))
            #expect(await eventually { cluster.hosts[1].delivered["s"] == ["x"] })
            let node = [("node", "metrics0")]
            let framesOut = try metrics.expectCounter("mesh_frames_out_total", node).totalValue
            let bytesOut = try metrics.expectCounter("mesh_bytes_out_total", node).totalValue
            let framesIn = try metrics.expectCounter("mesh_frames_in_total", [("node", "metrics1")]).totalValue
            #expect(framesOut > 0 && bytesOut > framesOut && framesIn > 0)
            // Gauges are refreshed once a second.
            #expect(await eventually { (try? metrics.expectGauge("mesh_links_up", node).lastValue) == 1 })
            #expect(await eventually { (try? metrics.expectGauge("mesh_directory_memberships", node).lastValue) == 2 })
        }
    }
}
