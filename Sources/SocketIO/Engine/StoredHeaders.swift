package import NIOHTTP1

/// The headers of a session's handshake, kept for the session's whole life in one buffer.
///
/// `HTTPHeaders` as the decoder hands it over holds an array reserved for sixteen headers and
/// a string per name and value; a server holding tens of thousands of idle sessions pays for
/// that per session. Here each name and value is a 32-bit length and its UTF-8 bytes, in one
/// array; `headers` rebuilds the `HTTPHeaders` when someone asks, which is rare.
package struct StoredHeaders: Sendable, Hashable {
    private var bytes: [UInt8] = []

    package init(_ headers: HTTPHeaders) {
        var count = 0
        for (name, value) in headers { count += 8 + name.utf8.count + value.utf8.count }
        guard count > 0 else { return }
        bytes.reserveCapacity(count)
        for (name, value) in headers {
            append(name)
            append(value)
        }
    }

    package var headers: HTTPHeaders {
        var headers = HTTPHeaders()
        var index = 0
        while index < bytes.count {
            let name = read(at: &index)
            let value = read(at: &index)
            headers.add(name: name, value: value)
        }
        return headers
    }

    private mutating func append(_ string: String) {
        let count = UInt32(string.utf8.count)
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: count >> shift)) }
        bytes.append(contentsOf: string.utf8)
    }

    private func read(at index: inout Int) -> String {
        var count = 0
        for shift in stride(from: 0, to: 32, by: 8) {
            count |= Int(bytes[index]) << shift
            index += 1
        }
        defer { index += count }
        return String(decoding: bytes[index..<index + count], as: UTF8.self)
    }
}
