import Foundation

/// The parameters of a URI's query (`?a=1&b=x%20y`): percent-decoded, "+" read as a space,
/// and for a name given twice, the last value. Engine.IO reads its request's query this way,
/// and Socket.IO v2 clients put one after a namespace's name (`/admin?token=x`).
package enum URIQuery {
    package static func parameters(of uri: some StringProtocol) -> [String: String] {
        guard let mark = uri.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            result[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    private static func decode(_ part: some StringProtocol) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
