import NIOCore
import NIOPosix

/// A benchmark packet: the monotonic send time, a sequence number, then padding to its size.
enum BenchPacket {
    private static let allocator = ByteBufferAllocator()

    static func make(size: Int, sequence: UInt64) -> ByteBuffer {
        // One allocation of the final size (an empty buffer then a reserve would be two).
        var buffer = allocator.buffer(capacity: max(16, size))
        buffer.writeInteger(now())
        buffer.writeInteger(sequence)
        if size > 16 { buffer.writeRepeatingByte(0x78, count: size - 16) }
        return buffer
    }

    static func sentAt(_ packet: ByteBuffer) -> UInt64? {
        packet.getInteger(at: packet.readerIndex, as: UInt64.self)
    }

    /// CLOCK_MONOTONIC in nanoseconds: one clock for every process on this machine.
    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}
