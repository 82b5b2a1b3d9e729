import Crypto
import Foundation
import MeshAdapter
import NIOSSL
import SwiftASN1
import X509

/// A certificate authority made at test time, so no certificate in the repository expires.
struct TestAuthority {
    let key = P256.Signing.PrivateKey()
    let certificate: Certificate
    let name: DistinguishedName

    init(name commonName: String) throws {
        name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(key))
    }

    /// A node certificate for mutual TLS, signed by this authority.
    func issue(node: String) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        let leafKey = P256.Signing.PrivateKey()
        let now = Date()
        let leaf = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: name,
            subject: try DistinguishedName { CommonName(node) }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames([.dnsName("localhost")])
            },
            issuerPrivateKey: .init(key))
        return (leaf, leafKey)
    }

    func tls(for node: String) throws -> MeshConfiguration.TLS {
        let (leaf, leafKey) = try issue(node: node)
        return MeshConfiguration.TLS(
            certificateChain: [try NIOSSLCertificate(bytes: Array(leaf.serializeAsPEM().pemString.utf8), format: .pem)],
            privateKey: try NIOSSLPrivateKey(bytes: Array(leafKey.pemRepresentation.utf8), format: .pem),
            trustRoots: [try NIOSSLCertificate(bytes: Array(certificate.serializeAsPEM().pemString.utf8), format: .pem)]
        )
    }

    /// PEM files for a mesh-node process: (certificate, key, ca).
    func writeFiles(for node: String, in directory: URL) throws -> (String, String, String) {
        let (leaf, leafKey) = try issue(node: node)
        let paths = ["cert", "key", "ca"].map { directory.appendingPathComponent("\(node)-\($0).pem").path }
        try leaf.serializeAsPEM().pemString.write(toFile: paths[0], atomically: true, encoding: .utf8)
        try leafKey.pemRepresentation.write(toFile: paths[1], atomically: true, encoding: .utf8)
        try certificate.serializeAsPEM().pemString.write(toFile: paths[2], atomically: true, encoding: .utf8)
        return (paths[0], paths[1], paths[2])
    }
}
