import CHiredis
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RealtimeAdapter

/// The Redis adapter's path through hiredis, Redis's own C client: the fastest Redis client
/// there is, so the mesh is held against the best Redis path and not only against a Swift
/// client. One blocking connection subscribes, on its own thread; another publishes, on its
/// own thread, pipelining every message queued while it waited for the previous replies.
struct HiredisSystem: BenchSystem {
    let index: UInt8
    let rooms: NIOLockedValueBox<RoomTable>
    let stats: ReceiveStats
    let publisher: HiredisPublisher
    let loop: any EventLoop

    static func connect(port: Int, index: UInt8, stats: ReceiveStats) throws -> HiredisSystem {
        let rooms = NIOLockedValueBox(RoomTable())
        let subscriber = try HiredisConnection(port: port)
        subscriber.append([CString.subscribe, CString.channel])
        Thread {
            while var payload = subscriber.nextMessage() {
                guard let targets = RedisMessage.decode(&payload, receiver: index) else { continue }
                let recipients = rooms.withLockedValue { $0.matching(BroadcastOptions(rooms: targets)).count }
                if recipients > 0 { stats.record(sentAt: BenchPacket.sentAt(payload), recipients: recipients) }
            }
        }.start()
        return HiredisSystem(
            index: index, rooms: rooms, stats: stats, publisher: try HiredisPublisher(port: port),
            loop: MultiThreadedEventLoopGroup.singleton.next())
    }

    func join(_ socket: SocketID, rooms: Set<Room>) async throws {
        _ = self.rooms.withLockedValue { $0.add(socket, to: rooms) }
    }

    func broadcast(_ packet: ByteBuffer, rooms: Set<Room>) async throws { broadcastNow(packet, rooms: rooms) }

    func broadcastNow(_ packet: ByteBuffer, rooms: Set<Room>) {
        let local = self.rooms.withLockedValue { $0.matching(BroadcastOptions(rooms: rooms)).count }
        if local > 0 { stats.record(sentAt: BenchPacket.sentAt(packet), recipients: local) }
        publisher.publish(RedisMessage.encode(sender: index, rooms: rooms, packet: packet))
    }

    func pace() async throws {
        while publisher.outstanding > 2_000 { try await Task.sleep(for: .microseconds(200)) }
    }

    func trafficBytes() async -> Int { 0 }
    func watch(_ room: Room) async throws {}
    func serverCount() async -> Int { 3 }
}

/// One blocking hiredis connection, used by one thread at a time.
final class HiredisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>

    init(port: Int) throws {
        guard let context = redisConnect("127.0.0.1", Int32(port)) else { throw BenchError("hiredis: out of memory") }
        guard context.pointee.err == 0 else {
            let message = withUnsafeBytes(of: context.pointee.errstr) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            redisFree(context)
            throw BenchError("hiredis: \(message)")
        }
        self.context = context
    }

    deinit { redisFree(context) }

    /// Queues one command, `words` then `payload`, in hiredis's output buffer (hiredis copies
    /// them there); the next `reply` writes it.
    func append(_ words: [UnsafePointer<CChar>], payload: ByteBuffer? = nil) {
        var arguments = words.map { UnsafePointer<CChar>?($0) }
        var lengths = words.map { strlen($0) }
        guard let payload else {
            _ = redisAppendCommandArgv(context, Int32(arguments.count), &arguments, &lengths)
            return
        }
        payload.withUnsafeReadableBytes { bytes in
            arguments.append(bytes.baseAddress?.assumingMemoryBound(to: CChar.self) ?? words[0])
            lengths.append(bytes.count)
            _ = redisAppendCommandArgv(context, Int32(arguments.count), &arguments, &lengths)
        }
    }

    /// Writes what is queued, then blocks for the next reply; nil when the connection failed.
    func reply() -> UnsafeMutablePointer<redisReply>? {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { return nil }
        return raw.assumingMemoryBound(to: redisReply.self)
    }

    /// The payload of the next pub/sub "message" push; nil when the connection ends.
    func nextMessage() -> ByteBuffer? {
        while let reply = reply() {
            defer { freeReplyObject(reply) }
            let push = reply.pointee
            guard push.type == REDIS_REPLY_ARRAY, push.elements == 3, let items = push.element,
                let kind = items[0]?.pointee, kind.len == 7, memcmp(kind.str, "message", 7) == 0,
                let body = items[2]?.pointee, body.type == REDIS_REPLY_STRING
            else { continue }
            return ByteBuffer(bytes: UnsafeRawBufferPointer(start: body.str, count: body.len))
        }
        return nil
    }
}

/// Publishes from its own thread: takes every message queued so far, appends one PUBLISH for
/// each, and reads their replies (hiredis writes the whole batch before the first read).
final class HiredisPublisher: Sendable {
    private let queue = NIOLockedValueBox<(waiting: [ByteBuffer], inFlight: Int)>(([], 0))
    private let wakeup = ConditionLock(value: 0)

    init(port: Int) throws {
        let connection = try HiredisConnection(port: port)
        Thread { [queue, wakeup] in
            while true {
                wakeup.lock(whenValue: 1)
                wakeup.unlock(withValue: 0)
                let batch = queue.withLockedValue { state in
                    defer { state.waiting = [] }
                    state.inFlight = state.waiting.count
                    return state.waiting
                }
                for message in batch { connection.append([CString.publish, CString.channel], payload: message) }
                for _ in batch {
                    guard let reply = connection.reply() else { return }
                    freeReplyObject(reply)
                }
                queue.withLockedValue { $0.inFlight = 0 }
            }
        }.start()
    }

    /// Messages queued or waiting for their reply.
    var outstanding: Int { queue.withLockedValue { $0.waiting.count + $0.inFlight } }

    func publish(_ message: ByteBuffer) {
        queue.withLockedValue { $0.waiting.append(message) }
        wakeup.lock()
        wakeup.unlock(withValue: 1)
    }
}

/// The commands' words as C strings, made once for the process.
private enum CString {
    nonisolated(unsafe) static let subscribe = UnsafePointer(strdup("SUBSCRIBE")!)
    nonisolated(unsafe) static let publish = UnsafePointer(strdup("PUBLISH")!)
    nonisolated(unsafe) static let channel = UnsafePointer(strdup(RedisMessage.channel(client: "hiredis"))!)
}
