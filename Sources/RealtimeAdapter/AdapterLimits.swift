/// What every adapter accepts, so that the same input gets the same answer from `LocalAdapter`
/// and from a cluster: names are carried with a 16-bit length on the mesh's wire.
public enum AdapterLimits {
    /// The longest room name, socket id or namespace, in UTF-8 bytes.
    public static let maximumNameBytes = 65_535

    /// Throws `.invalidArgument` unless `id` is a socket id an adapter can carry: not empty,
    /// not longer than `maximumNameBytes`.
    public static func check(_ id: SocketID) throws(AdapterError) {
        guard !id.rawValue.isEmpty else {
            throw AdapterError(code: .invalidArgument, message: "empty socket id")
        }
        try checkLength(id.rawValue, "socket id")
    }

    /// Throws `.invalidArgument` for a room name longer than `maximumNameBytes`. (A set, not any
    /// sequence: it runs on every broadcast, and a generic call across modules would not be
    /// specialized.)
    public static func check(_ rooms: Set<Room>) throws(AdapterError) {
        for room in rooms where room.name.utf8.count > maximumNameBytes { try checkLength(room.name, "room name") }
    }

    /// Throws `.invalidArgument` unless every name in `options` can be carried.
    public static func check(_ options: BroadcastOptions) throws(AdapterError) {
        try check(options.rooms)
        try check(options.except)
    }

    /// Throws `.invalidArgument` for an empty namespace or one longer than `maximumNameBytes`.
    public static func check(namespace: String) throws(AdapterError) {
        guard !namespace.isEmpty else { throw AdapterError(code: .invalidArgument, message: "empty namespace") }
        try checkLength(namespace, "namespace")
    }

    private static func checkLength(_ name: String, _ what: String) throws(AdapterError) {
        let bytes = name.utf8.count
        guard bytes <= maximumNameBytes else {
            throw AdapterError(
                code: .invalidArgument, message: "\(what) of \(bytes) bytes (at most \(maximumNameBytes))")
        }
    }
}
