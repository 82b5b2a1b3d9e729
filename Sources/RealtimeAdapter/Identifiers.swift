/// The identifier of one connected client (a websocket). A socket lives on exactly one node.
public struct SocketID: Hashable, Sendable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    /// The room named by this socket's id: every socket is a member of it.
    public var room: Room { Room(rawValue) }

    public static func < (lhs: SocketID, rhs: SocketID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A room name. A socket is in any number of rooms, and always in the room named by its own id.
public struct Room: Hashable, Sendable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var name: String

    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }

    public var description: String { name }

    public static func < (lhs: Room, rhs: Room) -> Bool { lhs.name < rhs.name }
}
