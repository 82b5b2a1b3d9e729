import SocketIOProtocol
import Testing

@Suite struct ClientOutboxTests {
    @Test func volatilePacketsAreDroppedWhenTheyDoNotFitAndOthersAreKept() {
        var outbox = ClientOutbox(limit: 100, hardLimit: 300, grace: .seconds(1))
        #expect(outbox.admit(bytes: 80, volatile: true, now: .zero) == .queued)
        #expect(outbox.admit(bytes: 30, volatile: true, now: .zero) == .droppedVolatile)
        #expect(outbox.queuedBytes == 80)
        #expect(outbox.admit(bytes: 30, volatile: false, now: .zero) == .queued)
        #expect(outbox.queuedBytes == 110)
        #expect(outbox.admit(bytes: 1, volatile: true, now: .zero) == .droppedVolatile)
    }

    @Test func aClientThatStaysOverTheLimitIsTooSlowAndOneThatCatchesUpIsNot() {
        var outbox = ClientOutbox(limit: 100, hardLimit: 300, grace: .seconds(1))
        _ = outbox.admit(bytes: 150, volatile: false, now: .milliseconds(100))
        #expect(outbox.slowDeadline == .milliseconds(1_100))
        #expect(!outbox.isTooSlow(now: .milliseconds(1_099)))
        #expect(outbox.isTooSlow(now: .milliseconds(1_100)))
        outbox.wrote(bytes: 60)
        #expect(!outbox.isTooSlow(now: .seconds(5)) && outbox.slowDeadline == nil)
        // Over again: the grace starts anew.
        _ = outbox.admit(bytes: 20, volatile: false, now: .seconds(6))
        #expect(!outbox.isTooSlow(now: .milliseconds(6_500)) && outbox.isTooSlow(now: .seconds(7)))
    }

    @Test func theHardLimitBoundsMemoryWhateverTheClientDoes() {
        var outbox = ClientOutbox(limit: 100, hardLimit: 300, grace: .seconds(60))
        var outcomes: [ClientOutbox.Outcome] = []
        for _ in 0..<10 { outcomes.append(outbox.admit(bytes: 70, volatile: false, now: .zero)) }
        #expect(outcomes.prefix(4).allSatisfy { $0 == .queued })
        #expect(outcomes[4] == .overHardLimit)
        #expect(outbox.queuedBytes == 280)
        outbox.wrote(bytes: 1_000)
        #expect(outbox.queuedBytes == 0)
        #expect(ClientOutbox(limit: 100, hardLimit: 10).hardLimit == 100)
    }

    @Test func theFastPathAgreesWithAdmitUnderTheLimit() {
        var fast = ClientOutbox(limit: 100, hardLimit: 300, grace: .seconds(1))
        var slow = fast
        for bytes in [30, 30, 30] {
            let fits = fast.admitWithinLimit(bytes: bytes)
            let outcome = slow.admit(bytes: bytes, volatile: true, now: .zero)
            #expect(fits && outcome == .queued)
        }
        #expect(fast.queuedBytes == slow.queuedBytes && fast.slowDeadline == nil)
        // Past the limit the fast path declines and leaves the count alone.
        let fits = fast.admitWithinLimit(bytes: 20)
        #expect(!fits && fast.queuedBytes == 90)
        #expect(fast.admit(bytes: 20, volatile: true, now: .zero) == .droppedVolatile)
    }
}
