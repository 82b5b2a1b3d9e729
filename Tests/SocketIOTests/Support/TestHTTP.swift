import Foundation
import NIOCore

/// One HTTP/1.1 request on its own connection (`Connection: close`), read to the end.
struct TestHTTPResponse {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

enum TestHTTP {
    static func request(
        port: Int, _ method: String, _ uri: String, body: String? = nil, headers: [(String, String)] = []
    ) async throws -> TestHTTPResponse {
        let connection = try await RawConnection.connect(port: port)
        var head = "\(method) \(uri) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.utf8.count)\r\n" }
        head += "\r\n" + (body ?? "")
        try await connection.write(head)
        await connection.readToEnd()
        let text = String(buffer: connection.buffer)
        await connection.close()
        return try parse(text)
    }

    struct Malformed: Error { var text: String }

    static func parse(_ text: String) throws -> TestHTTPResponse {
        guard let split = text.range(of: "\r\n\r\n") else { throw Malformed(text: text) }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Malformed(text: text) }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return TestHTTPResponse(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}
