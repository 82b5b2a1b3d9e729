import Foundation
@_spi(MeshInternals) import MeshCore
import RealtimeAdapter

/// Resident bytes a directory adds per replicated membership: one origin's sockets, each in its
/// own room plus 3 of 1,000 shared rooms, with Socket.IO-length (20 character) socket ids.
enum MemoryBench {
    static func bytesPerMembership(_ memberships: Int) -> Double {
        let origin = NodeID(name: "origin", incarnation: 1)
        let before = residentBytes()
        var directory = MeshDirectory(selfID: NodeID(name: "observer", incarnation: 1), logCapacity: 64)
        let sockets = memberships / 4
        var version: UInt64 = 0
        var batch: [DirectoryDelta] = []
        batch.reserveCapacity(10_000)
        for index in 0..<sockets {
            let digits = String(index)
            let socket = SocketID("s" + String(repeating: "0", count: 19 - digits.count) + digits)
            version += 1
            batch.append(
                DirectoryDelta(
                    version: version,
                    change: .join(socket, [socket.room] + (0..<3).map { Room("room-\((index + $0 * 337) % 1_000)") })))
            if batch.count == 10_000 {
                _ = directory.apply(batch, from: origin)
                batch.removeAll(keepingCapacity: true)
            }
        }
        _ = directory.apply(batch, from: origin)
        batch = []
        let after = residentBytes()
        let held = directory.replicatedMembershipCount
        let perMembership = Double(after - before) / Double(max(1, held))
        print("  \(held) memberships, \(after - before) resident bytes: \(Int(perMembership)) bytes each")
        withExtendedLifetime(directory) {}
        return perMembership
    }
}

/// The process's resident set, from /proc/self/statm.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}
