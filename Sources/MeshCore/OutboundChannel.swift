import NIOCore

/// This node's numbered frames to one peer, kept until acknowledged for replay.
///
/// The kept frames, numbered `firstKept ..< nextSequence`, are stored back to back in `log`
/// exactly as they go on the wire. Sending one is a copy of its bytes onto the link;
/// acknowledging frames moves an index over their lengths. No frame is an object to retain,
/// copy or free, and the packet a broadcast carries is let go of as soon as it is encoded.
struct OutboundChannel: Sendable {
    private(set) var nextSequence: UInt64 = 1
    /// The number of the oldest frame kept (`nextSequence` when none is).
    private(set) var firstKept: UInt64 = 1
    /// Frames `firstKept ..< nextSequence`, encoded; the oldest starts at the reader index.
    private(set) var log = ByteBuffer()
    /// Where the frames not yet handed to the link begin, and the number of the first of them
    /// (`log.writerIndex` and `nextSequence` when every frame was handed over).
    private var unsentIndex = 0
    private var unsentSequence: UInt64 = 1
    /// What the peer has been told of this node's version vector, and at which epoch.
    var sentVector = VersionVector()
    var sentEpoch: UInt64?

    var keptFrames: Int { Int(nextSequence - firstKept) }
    /// Bytes of the kept frames as they are on the wire.
    var keptBytes: Int { log.readableBytes }
    /// True while frames wait to be copied onto the link.
    var hasUnsent: Bool { unsentSequence < nextSequence }

    /// Numbers the next frame and keeps it: `encode` writes the whole frame for the number
    /// it is given. When `send` is false the frame is only kept (the link is down): a replay
    /// sends it once the peer asks.
    mutating func append(send: Bool, _ encode: (_ sequence: UInt64, _ into: inout ByteBuffer) -> Void) {
        encode(nextSequence, &log)
        nextSequence += 1
        if !send { markAllSent() }
    }

    /// Takes back the frame just appended, which begins at `start` in the log, so that it can
    /// be appended again differently; its number is given to the next frame.
    mutating func retractLast(from start: Int) {
        precondition(nextSequence > firstKept && start >= log.readerIndex, "no frame of this node's own to retract")
        nextSequence -= 1
        log.moveWriterIndex(to: start)
        if unsentIndex > start {
            unsentIndex = start
            unsentSequence = nextSequence
        }
    }

    /// Copies the frames not yet handed to the link onto `buffer`; returns how many.
    mutating func takeUnsent(into buffer: inout ByteBuffer) -> Int {
        let count = Int(nextSequence - unsentSequence)
        if count > 0, let bytes = log.getSlice(at: unsentIndex, length: log.writerIndex - unsentIndex) {
            buffer.writeImmutableBuffer(bytes)
        }
        markAllSent()
        return count
    }

    /// Forgets that frames wait to be sent (the link they were for is gone).
    mutating func markAllSent() {
        unsentIndex = log.writerIndex
        unsentSequence = nextSequence
    }

    /// Makes every kept frame wait to be sent again.
    mutating func resendAll() {
        unsentIndex = log.readerIndex
        unsentSequence = firstKept
    }

    /// Lets go of the oldest kept frame.
    mutating func evictOldest() {
        guard firstKept < nextSequence else { return }
        dropOldest(1)
    }

    /// Forgets frames the peer has acknowledged.
    mutating func acknowledge(below sequence: UInt64) {
        guard sequence > firstKept else { return }
        dropOldest(Int(min(sequence, nextSequence) - firstKept))
    }

    /// Lets go of every kept frame; numbering continues.
    mutating func dropReplay() {
        dropOldest(keptFrames)
    }

    private mutating func dropOldest(_ count: Int) {
        guard count > 0 else { return }
        var index = log.readerIndex
        for _ in 0..<count {
            // Every kept frame starts with its length, written by this node's own encoder.
            index += 4 + Int(log.getInteger(at: index, as: UInt32.self)!)
        }
        log.moveReaderIndex(to: index)
        firstKept += UInt64(count)
        if unsentSequence < firstKept {
            // Frames dropped before they were sent: the peer finds the gap and is told to skip it.
            unsentIndex = index
            unsentSequence = firstKept
        }
        reclaimSpace()
    }

    /// Moves the kept frames to the front of the log once the space before them is at least
    /// as large as they are, so each byte is moved at most about once; empties it for free.
    private mutating func reclaimSpace() {
        let dropped = log.readerIndex
        if log.readableBytes == 0 {
            if log.capacity > 1 << 20 { log = ByteBuffer() } else { log.clear() }
            unsentIndex = 0
        } else if dropped >= 64 * 1024, dropped >= log.readableBytes {
            log.discardReadBytes()
            unsentIndex -= dropped
        }
    }
}
