import NIOCore
import TestSupport
import Testing

@_spi(MeshInternals) @testable import MeshCore

/// The ordered channel's replay log against a plain model of it: whatever is appended,
/// acknowledged, evicted or sent again, the bytes handed to the link are exactly the frames the
/// model says are waiting, whole and in order, including after the log compacts itself.
@Suite struct OutboundChannelTests {
    /// A frame as the log holds it: its length, its number, then `size` filler bytes.
    static func frame(_ sequence: UInt64, size: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(8 + size))
        buffer.writeInteger(sequence)
        buffer.writeRepeatingByte(UInt8(truncatingIfNeeded: sequence), count: size)
        return buffer
    }

    struct Model {
        var frames: [(sequence: UInt64, bytes: ByteBuffer)] = []
        var next: UInt64 = 1
        var unsentFrom: UInt64 = 1

        func bytes(from sequence: UInt64) -> ByteBuffer {
            var all = ByteBuffer()
            for frame in frames where frame.sequence >= sequence {
                var bytes = frame.bytes
                all.writeBuffer(&bytes)
            }
            return all
        }
    }

    @Test(arguments: [1, 2, 3, 4]) func handsOverExactlyTheFramesTheModelSays(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var channel = OutboundChannel()
        var model = Model()
        var compactions = 0
        for _ in 0..<4_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5:
                let send = Int.random(in: 0..<8, using: &random) != 0
                let size = Int.random(in: 0...2_000, using: &random)
                channel.append(send: send) { sequence, buffer in
                    var bytes = Self.frame(sequence, size: size)
                    buffer.writeBuffer(&bytes)
                }
                model.frames.append((model.next, Self.frame(model.next, size: size)))
                model.next += 1
                if !send { model.unsentFrom = model.next }
            case 5, 6:
                var taken = ByteBuffer()
                let count = channel.takeUnsent(into: &taken)
                #expect(count == Int(model.next - model.unsentFrom))
                #expect(taken == model.bytes(from: model.unsentFrom))
                model.unsentFrom = model.next
            case 7:
                let first = model.frames.first?.sequence ?? model.next
                let below = first + UInt64.random(in: 0...6, using: &random)
                let offset = channel.log.readerIndex
                channel.acknowledge(below: below)
                model.frames.removeAll { $0.sequence < below }
                // The kept frames moved to the front of the log.
                if channel.keptFrames > 0, channel.log.readerIndex < offset { compactions += 1 }
            case 8:
                channel.evictOldest()
                if !model.frames.isEmpty { model.frames.removeFirst() }
            default:
                channel.resendAll()
                model.unsentFrom = model.frames.first?.sequence ?? model.next
            }
            // Frames dropped before they were sent are skipped, not sent.
            model.unsentFrom = max(model.unsentFrom, model.frames.first?.sequence ?? model.next)
            #expect(channel.keptFrames == model.frames.count)
            #expect(channel.keptBytes == model.frames.reduce(0) { $0 + $1.bytes.readableBytes })
            #expect(channel.firstKept == (model.frames.first?.sequence ?? model.next))
            #expect(channel.nextSequence == model.next)
            #expect(channel.hasUnsent == (model.unsentFrom < model.next))
        }
        #expect(compactions > 0, "the log compacted itself while it kept frames")
        channel.resendAll()
        var all = ByteBuffer()
        _ = channel.takeUnsent(into: &all)
        #expect(all == model.bytes(from: 0), "after all of it, the kept frames are intact")
    }
}
