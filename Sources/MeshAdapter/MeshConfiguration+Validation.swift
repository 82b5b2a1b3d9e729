@_spi(MeshInternals) import MeshCore

/// A configuration whose settings contradict each other, refused when the node is made.
public struct MeshConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case sizes
            case timing
        }
        private let base: Base

        /// Size limits that cannot hold together (a replay window smaller than one frame, say).
        public static let sizes = Code(base: .sizes)
        /// Intervals that cannot hold together (suspicion shorter than a heartbeat, say).
        public static let timing = Code(base: .timing)

        public var description: String {
            switch base {
            case .sizes: "sizes"
            case .timing: "timing"
            }
        }
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "MeshConfigurationError(\(code), \(message))" }
}

extension MeshConfiguration {
    /// The smallest frame limit a node accepts: room for a handshake and a small broadcast.
    public static let minimumFrameSize = 4_096

    /// Checks that the limits and intervals fit together; `MeshNode.init` calls it.
    ///
    /// Every size limit is here or in `MeshSettings`: `limits.maximumFrameSize` bounds one frame
    /// (a broadcast larger than it is refused to its caller, catch-up is cut below it); the
    /// replay window and each link's outbound queue must hold at least one such frame.
    public func validate() throws(MeshConfigurationError) {
        let frame = limits.maximumFrameSize
        let settings = protocolSettings
        func sizes(_ holds: Bool, _ message: String) throws(MeshConfigurationError) {
            if !holds { throw MeshConfigurationError(code: .sizes, message: message) }
        }
        func timing(_ holds: Bool, _ message: String) throws(MeshConfigurationError) {
            if !holds { throw MeshConfigurationError(code: .timing, message: message) }
        }
        try sizes(
            frame >= Self.minimumFrameSize, "limits.maximumFrameSize \(frame) is below \(Self.minimumFrameSize)")
        try sizes(
            settings.replayBytes >= frame,
            "protocolSettings.replayBytes \(settings.replayBytes) cannot hold one frame of \(frame) bytes")
        try sizes(
            limits.outboundQueueBytes >= 2 * frame,
            "limits.outboundQueueBytes \(limits.outboundQueueBytes) must hold two frames of \(frame) bytes")
        try sizes(settings.replayFrames >= 1, "protocolSettings.replayFrames must be at least 1")
        try sizes(settings.snapshotChunk >= 1, "protocolSettings.snapshotChunk must be at least 1")
        try sizes(settings.acknowledgeEvery >= 1, "protocolSettings.acknowledgeEvery must be at least 1")
        try sizes(settings.deltaLogCapacity >= 1, "protocolSettings.deltaLogCapacity must be at least 1")
        try sizes(settings.maximumNamespaces >= 1, "protocolSettings.maximumNamespaces must be at least 1")
        try timing(settings.heartbeatInterval > .zero, "protocolSettings.heartbeatInterval must be positive")
        try timing(
            settings.suspectAfter > settings.heartbeatInterval,
            "protocolSettings.suspectAfter \(settings.suspectAfter) must exceed the heartbeat interval "
                + "\(settings.heartbeatInterval)")
        try timing(
            settings.suspicionTimeout >= settings.heartbeatInterval,
            "protocolSettings.suspicionTimeout \(settings.suspicionTimeout) is shorter than a heartbeat "
                + "(\(settings.heartbeatInterval))")
        try timing(settings.requestTimeout > .zero, "protocolSettings.requestTimeout must be positive")
        try timing(settings.gossipInterval > .zero, "protocolSettings.gossipInterval must be positive")
        try timing(settings.resendInterval > .zero, "protocolSettings.resendInterval must be positive")
        try timing(settings.causalGateTimeout > .zero, "protocolSettings.causalGateTimeout must be positive")
    }
}
