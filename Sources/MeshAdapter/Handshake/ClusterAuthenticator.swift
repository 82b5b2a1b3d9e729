import Crypto
@_spi(MeshInternals) import MeshCore

/// Challenge-response over a shared secret: each side proves it knows the secret by a MAC over
/// the nonce the other side chose, bound to the cluster and to who is speaking to whom, so a
/// MAC can be neither replayed on another connection nor reflected back.
struct ClusterAuthenticator: Sendable {
    private let secret: [UInt8]

    init(secret: [UInt8]) { self.secret = secret }

    private var key: SymmetricKey { SymmetricKey(data: secret) }

    func mac(cluster: String, challenge: [UInt8], from sender: NodeID, to receiver: NodeID) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.message(cluster, challenge, sender, receiver), using: key))
    }

    func verify(_ mac: [UInt8], cluster: String, challenge: [UInt8], from sender: NodeID, to receiver: NodeID) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: Self.message(cluster, challenge, sender, receiver), using: key)
    }

    private static func message(_ cluster: String, _ challenge: [UInt8], _ sender: NodeID, _ receiver: NodeID)
        -> [UInt8]
    {
        var bytes = Array("meshadapter-auth-v1".utf8)
        for part in [cluster, sender.name, "\(sender.incarnation)", receiver.name, "\(receiver.incarnation)"] {
            bytes += Array(part.utf8) + [0]
        }
        return bytes + challenge
    }
}
