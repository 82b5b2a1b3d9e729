import SocketIO

/// The events of the chat example, on one namespace. Each is acknowledged when the client
/// asks for an ack; a bad argument is acknowledged with `{error: message}`.
enum ChatEvents {
    struct Say: Sendable {
        var room: String?
        var except: String?
        var text: String
        var volatile: Bool

        /// `{room?, except?, text, volatile?}`; nil for anything else.
        init?(_ value: SocketValue?) {
            guard let value, case .object = value, let text = value["text"]?.stringValue else { return nil }
            func optionalString(_ key: String) -> String?? {
                switch value[key] {
                case nil, .null?: .some(nil)
                case .string(let string)?: .some(string)
                default: nil
                }
            }
            guard let room = optionalString("room"), let except = optionalString("except") else { return nil }
            switch value["volatile"] {
            case nil, .null?: volatile = false
            case .bool(let flag)?: volatile = flag
            default: return nil
            }
            self.room = room
            self.except = except
            self.text = text
        }
    }

    struct Ask: Decodable, Sendable {
        var event: String
        var timeoutMs: Int?
        var arguments: [SocketValue]?
    }

    static func install(on io: SocketIOServer, node: String) {
        io.sockets.onConnection { socket in
            socket.on("join") { arguments, ack in
                guard let room = arguments.first?.stringValue, !room.isEmpty else {
                    return ack?(error("join takes a room name")) ?? ()
                }
                await answer(ack) {
                    try await socket.join(Room(room))
                    return try await roomList(socket)
                }
            }
            socket.on("leave") { arguments, ack in
                guard let room = arguments.first?.stringValue, !room.isEmpty else {
                    return ack?(error("leave takes a room name")) ?? ()
                }
                await answer(ack) {
                    try await socket.leave(Room(room))
                    return try await roomList(socket)
                }
            }
            socket.on("say") { arguments, ack in
                // Read by hand rather than through Codable: this is the broadcast path.
                guard let say = Say(arguments.first) else {
                    return ack?(error("say takes {room?, except?, text, volatile?}")) ?? ()
                }
                await answer(ack) {
                    let message: SocketValue = [
                        "text": .string(say.text), "room": say.room.map { .string($0) } ?? .null,
                        "from": .string(socket.id.rawValue), "node": .string(node),
                    ]
                    var target = say.room.map { socket.namespace.to(Room($0)) } ?? socket.namespace.except()
                    if let except = say.except { target = target.except(Room(except)) }
                    if say.volatile { target = target.volatile }
                    try await target.emit("message", message)
                    return true
                }
            }
            socket.on("who") { arguments, ack in
                guard let room = arguments.first?.stringValue, !room.isEmpty else {
                    return ack?(error("who takes a room name")) ?? ()
                }
                await answer(ack) {
                    let sockets = try await socket.namespace.in(Room(room)).fetchSockets()
                    return .array(
                        sockets.sorted { $0.id < $1.id }.map { member in
                            [
                                "id": .string(member.id.rawValue), "node": .string(member.server),
                                "rooms": .array(member.rooms.sorted().map { .string($0.name) }),
                            ]
                        })
                }
            }
            // The server asks the client a question and reports the answer (or the timeout).
            socket.on("ask", as: Ask.self) { ask, ack in
                do {
                    let timeout = Duration.milliseconds(ask.timeoutMs ?? 1_000)
                    let answer = try await socket.emitWithAck(ask.event, ask.arguments ?? [], timeout: timeout)
                    ack?(["answer": .array(answer)])
                } catch let error as SocketIOError {
                    ack?(["error": .string(error.code == .timeout ? "timeout" : error.message)])
                } catch {
                    ack?(["error": .string("\(error)")])
                }
            }
        }
    }

    private static func roomList(_ socket: Socket) async throws -> SocketValue {
        .array(try await socket.rooms().sorted().map { .string($0.name) })
    }

    private static func error(_ message: String) -> SocketValue { ["error": .string(message)] }

    private static func answer(_ ack: Acknowledgement?, _ body: () async throws -> SocketValue) async {
        do {
            let value = try await body()
            ack?(value)
        } catch {
            ack?(Self.error("\(error)"))
        }
    }
}
