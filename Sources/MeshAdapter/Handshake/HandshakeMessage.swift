@_spi(MeshInternals) import MeshCore
import NIOCore

/// What two nodes say before a connection becomes a link. The stream starts with a preamble
/// (magic and protocol version); then hello, auth, or a refusal with its reason, each a frame
/// in the mesh frame format.
enum HandshakeMessage: Hashable, Sendable {
    case hello(Hello)
    case auth(mac: [UInt8])
    case refuse(reason: String)

    /// "MESH"
    static let magic: UInt32 = 0x4D45_5348
    /// 3: ordered frames may carry only vector changes (`OrderedPayload.vectorOnly`).
    static let protocolVersion: UInt16 = 3
    static let preambleSize = 6

    static let helloType = MeshWire.MessageType.hello.rawValue
    static let authType = MeshWire.MessageType.auth.rawValue
    static let refuseType = MeshWire.MessageType.refuse.rawValue

    struct Hello: Hashable, Sendable {
        var cluster: String
        var node: NodeID
        var address: String
        var nonce: [UInt8]
        var usesSecret: Bool
    }

    static func writePreamble(into buffer: inout ByteBuffer, version: UInt16 = protocolVersion) {
        buffer.writeInteger(magic)
        buffer.writeInteger(version)
    }

    func encode(into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        switch self {
        case .hello(let hello):
            buffer.writeInteger(Self.helloType)
            buffer.writeInteger(MeshWire.version)
            buffer.writeHandshakeString(hello.cluster)
            buffer.writeHandshakeString(hello.node.name)
            buffer.writeInteger(hello.node.incarnation)
            buffer.writeHandshakeString(hello.address)
            buffer.writeInteger(UInt8(hello.nonce.count))
            buffer.writeBytes(hello.nonce)
            buffer.writeInteger(UInt8(hello.usesSecret ? 1 : 0))
        case .auth(let mac):
            buffer.writeInteger(Self.authType)
            buffer.writeInteger(MeshWire.version)
            buffer.writeInteger(UInt8(mac.count))
            buffer.writeBytes(mac)
        case .refuse(let reason):
            buffer.writeInteger(Self.refuseType)
            buffer.writeInteger(MeshWire.version)
            buffer.writeHandshakeString(String(reason.utf8.prefix(512)) ?? "refused")
        }
        buffer.setInteger(UInt32(buffer.writerIndex - start - 4), at: start)
    }

    /// Decodes a handshake frame (type, version, body). Throws a typed error on anything else.
    static func decode(_ frame: inout ByteBuffer) throws(HandshakeError) -> HandshakeMessage {
        guard let type = frame.readInteger(as: UInt8.self), let version = frame.readInteger(as: UInt8.self) else {
            throw HandshakeError(.protocolViolation, "empty handshake frame")
        }
        guard version == MeshWire.version else {
            throw HandshakeError(.versionMismatch, "handshake body version \(version)")
        }
        let message: HandshakeMessage
        switch type {
        case helloType:
            guard let cluster = frame.readHandshakeString(), let name = frame.readHandshakeString(),
                let incarnation = frame.readInteger(as: UInt64.self), let address = frame.readHandshakeString(),
                let nonceLength = frame.readInteger(as: UInt8.self),
                let nonce = frame.readBytes(length: Int(nonceLength)),
                let usesSecret = frame.readInteger(as: UInt8.self), usesSecret <= 1
            else { throw HandshakeError(.protocolViolation, "malformed hello") }
            message = .hello(
                Hello(
                    cluster: cluster, node: NodeID(name: name, incarnation: incarnation), address: address,
                    nonce: nonce, usesSecret: usesSecret == 1))
        case authType:
            guard let length = frame.readInteger(as: UInt8.self), let mac = frame.readBytes(length: Int(length)) else {
                throw HandshakeError(.protocolViolation, "malformed auth")
            }
            message = .auth(mac: mac)
        case refuseType:
            guard let reason = frame.readHandshakeString() else {
                throw HandshakeError(.protocolViolation, "malformed refusal")
            }
            message = .refuse(reason: reason)
        default:
            throw HandshakeError(.protocolViolation, "frame type \(type) before the handshake finished")
        }
        guard frame.readableBytes == 0 else { throw HandshakeError(.protocolViolation, "trailing bytes in handshake") }
        return message
    }
}

extension ByteBuffer {
    fileprivate mutating func writeHandshakeString(_ string: String) {
        let bytes = Array(string.utf8.prefix(Int(UInt16.max)))
        writeInteger(UInt16(bytes.count))
        writeBytes(bytes)
    }

    fileprivate mutating func readHandshakeString() -> String? {
        guard let length = readInteger(as: UInt16.self), let bytes = readBytes(length: Int(length)) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
