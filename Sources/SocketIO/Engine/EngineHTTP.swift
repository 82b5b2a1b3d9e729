import Foundation
package import NIOCore
package import NIOHTTP1
package import SocketIOProtocol

/// An HTTP request to the Engine.IO path, read whole, as any HTTP layer (our NIO server, a
/// framework's router) hands it to the engine.
package struct EngineHTTPRequest: Sendable {
    package var method: HTTPMethod
    package var uri: String
    package var headers: HTTPHeaders
    package var remoteAddress: SocketAddress?
    package var body: ByteBuffer?
    /// The body was longer than `maxHttpBufferSize` and was not kept.
    package var bodyTooLarge = false

    package init(
        method: HTTPMethod, uri: String, headers: HTTPHeaders, remoteAddress: SocketAddress?, body: ByteBuffer? = nil
    ) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.body = body
    }

    /// The path, without the query.
    package var path: Substring { uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] }

    /// The query's parameters; for a name given twice, the last value.
    package var query: [String: String] { URIQuery.parameters(of: uri) }

    package var handshake: HandshakeRequest {
        HandshakeRequest(method: method.rawValue, uri: uri, headers: headers, address: remoteAddress?.ipAddress)
    }
}

/// The engine's answer to one HTTP request.
package struct EngineHTTPResponse: Sendable {
    package var status: HTTPResponseStatus
    package var headers: HTTPHeaders
    package var body: ByteBuffer

    package init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    package static func text(_ text: String, status: HTTPResponseStatus = .ok) -> EngineHTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=UTF-8")
        return EngineHTTPResponse(status: status, headers: headers, body: ByteBuffer(string: text))
    }

    /// One of the protocol's errors, with its status and JSON body.
    package static func error(_ error: EngineIOError) -> EngineHTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        return EngineHTTPResponse(
            status: HTTPResponseStatus(statusCode: error.httpStatus), headers: headers,
            body: ByteBuffer(string: error.body))
    }
}
