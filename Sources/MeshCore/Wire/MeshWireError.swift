/// Why bytes from a peer could not be decoded. The link that sent them is closed; the process
/// carries on.
@_spi(MeshInternals) public struct MeshWireError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case truncated, frameTooLarge, unknownType, unsupportedVersion, invalidValue,
                trailingBytes
        }
        private let base: Base

        /// The frame ended before its body did.
        public static let truncated = Code(base: .truncated)
        /// The length prefix exceeds the configured maximum; nothing was buffered.
        public static let frameTooLarge = Code(base: .frameTooLarge)
        /// A type or kind byte names nothing this version knows.
        public static let unknownType = Code(base: .unknownType)
        /// The body version is not one this node speaks.
        public static let unsupportedVersion = Code(base: .unsupportedVersion)
        /// A field holds a value that cannot be (a count larger than the bytes left, bad UTF-8).
        public static let invalidValue = Code(base: .invalidValue)
        /// The body ended before the frame did.
        public static let trailingBytes = Code(base: .trailingBytes)

        public var description: String { "\(base)" }
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? "\(code)" : "\(code): \(detail)" }
}
