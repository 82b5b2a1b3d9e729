/// The bound on what one client may have waiting to be written, as a policy free of channels:
/// the transport asks it before queueing bytes and tells it what the socket took.
///
/// A volatile packet that does not fit is dropped (the application said it may be). Any other
/// packet is queued even past the limit, because dropping it would silently lose an event;
/// but a client that stays over the limit for `grace` (a reader too slow for what it is sent)
/// is disconnected, and one that reaches `hardLimit` is disconnected at once, so the server's
/// memory stays bounded whatever a client does.
package struct ClientOutbox: Sendable {
    package enum Outcome: Equatable, Sendable {
        case queued
        /// A volatile packet that did not fit; nothing was queued.
        case droppedVolatile
        /// Disconnect the client; nothing was queued.
        case overHardLimit
    }

    package let limit: Int
    package let hardLimit: Int
    package let grace: Duration
    package private(set) var queuedBytes = 0
    private var overSince: Duration?

    package init(limit: Int, hardLimit: Int? = nil, grace: Duration = .seconds(5)) {
        self.limit = limit
        self.hardLimit = max(limit, hardLimit ?? 4 * limit)
        self.grace = grace
    }

    /// Queues `bytes` when they fit under the limit, with no clock needed (a client under its
    /// limit is never too slow); false means: ask `admit`.
    package mutating func admitWithinLimit(bytes: Int) -> Bool {
        guard queuedBytes + bytes <= limit else { return false }
        queuedBytes += bytes
        return true
    }

    package mutating func admit(bytes: Int, volatile: Bool, now: Duration) -> Outcome {
        let after = queuedBytes + bytes
        if volatile, after > limit { return .droppedVolatile }
        guard after <= hardLimit else { return .overHardLimit }
        queuedBytes = after
        if after > limit, overSince == nil { overSince = now }
        return .queued
    }

    /// The socket took `bytes` of what was queued.
    package mutating func wrote(bytes: Int) {
        queuedBytes = max(0, queuedBytes - bytes)
        if queuedBytes <= limit { overSince = nil }
    }

    /// Whether the client has stayed over the limit for longer than `grace`.
    package func isTooSlow(now: Duration) -> Bool {
        guard let overSince else { return false }
        return now - overSince >= grace
    }

    /// When `isTooSlow` turns true if nothing is written before.
    package var slowDeadline: Duration? { overSince.map { $0 + grace } }
}
