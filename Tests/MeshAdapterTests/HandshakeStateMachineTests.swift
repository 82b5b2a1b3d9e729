@_spi(MeshInternals) import MeshCore
import Testing

@testable import MeshAdapter

/// The handshake state machine on its own: every state against every input, and the whole
/// exchange between a dialing and an accepting side.
@Suite struct HandshakeStateMachineTests {
    static let dialer = NodeID(name: "dialer", incarnation: 1)
    static let acceptor = NodeID(name: "acceptor", incarnation: 2)
    static let nonceA = [UInt8](repeating: 1, count: 32)
    static let nonceB = [UInt8](repeating: 2, count: 32)

    static func machine(
        _ node: NodeID, initiator: Bool, secret: String? = "s3cret", cluster: String = "mesh"
    ) -> HandshakeStateMachine {
        HandshakeStateMachine(
            identity: .init(
                cluster: cluster, node: node, address: "127.0.0.1:1",
                authenticator: secret.map { ClusterAuthenticator(secret: Array($0.utf8)) }),
            nonce: initiator ? nonceA : nonceB, isInitiator: initiator)
    }

    /// An action as a short text, to compare.
    static func describe(_ action: HandshakeStateMachine.Action) -> String {
        switch action {
        case .none: "none"
        case .send(let messages): "send " + messages.map(\.kind).joined(separator: ",")
        case .established(let hello, let send): "established \(hello.node.name) send [\(send.map(\.kind).joined())]"
        case .refuse(let error, let tellPeer): "refuse \(error.code)\(tellPeer ? " tell" : "")"
        }
    }

    /// The states a machine can be driven to, by the inputs that reach them.
    enum Reached: String, CaseIterable, CustomTestStringConvertible {
        case awaitingPreamble, awaitingHello, awaitingAuth, established, closed
        var testDescription: String { rawValue }
    }

    /// An accepting machine in `state`, and what the dialer's messages are.
    static func acceptor(in state: Reached) -> (HandshakeStateMachine, hello: HandshakeMessage, auth: HandshakeMessage)
    {
        var dialing = machine(dialer, initiator: true)
        var accepting = machine(acceptor, initiator: false)
        let dialerHello = dialing.hello
        _ = dialing.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
        guard case .send(let proof) = dialing.received(accepting.hello), let auth = proof.first else {
            preconditionFailure("the dialer answers the acceptor's hello with its proof")
        }
        switch state {
        case .awaitingPreamble: break
        case .awaitingHello:
            _ = accepting.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
        case .awaitingAuth:
            _ = accepting.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
            _ = accepting.received(dialerHello)
        case .established:
            _ = accepting.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
            _ = accepting.received(dialerHello)
            _ = accepting.received(auth)
        case .closed:
            _ = accepting.timedOut()
        }
        return (accepting, dialerHello, auth)
    }

    /// Per state: preamble, hello, good auth, bad auth, refusal, timeout.
    static let expected: [Reached: [String]] = [
        .awaitingPreamble: [
            "none", "refuse protocolViolation tell", "refuse protocolViolation tell",
            "refuse protocolViolation tell", "refuse refusedByPeer", "refuse timeout tell",
        ],
        .awaitingHello: [
            "refuse protocolViolation tell", "none", "refuse protocolViolation tell",
            "refuse protocolViolation tell", "refuse refusedByPeer", "refuse timeout tell",
        ],
        .awaitingAuth: [
            "refuse protocolViolation tell", "refuse protocolViolation tell",
            "established dialer send [auth]", "refuse authenticationFailed tell", "refuse refusedByPeer",
            "refuse timeout tell",
        ],
        .established: [
            "refuse protocolViolation tell", "refuse protocolViolation tell",
            "refuse protocolViolation tell", "refuse protocolViolation tell", "refuse refusedByPeer", "none",
        ],
        .closed: [
            "refuse protocolViolation tell", "refuse protocolViolation tell", "refuse protocolViolation tell",
            "refuse protocolViolation tell", "refuse refusedByPeer", "refuse timeout tell",
        ],
    ]

    /// What a machine made by `make` answers to each input, in order: preamble, the peer's
    /// hello, its good auth, a bad auth, a refusal, a timeout.
    static func answers(
        _ make: () -> (HandshakeStateMachine, hello: HandshakeMessage, auth: HandshakeMessage)
    ) -> [String] {
        let inputs:
            [(inout HandshakeStateMachine, HandshakeMessage, HandshakeMessage) -> HandshakeStateMachine.Action] = [
                { machine, _, _ in
                    machine.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
                },
                { machine, hello, _ in machine.received(hello) },
                { machine, _, auth in machine.received(auth) },
                { machine, _, _ in machine.received(.auth(mac: [UInt8](repeating: 0, count: 32))) },
                { machine, _, _ in machine.received(.refuse(reason: "no")) },
                { machine, _, _ in machine.timedOut() },
            ]
        return inputs.map { input in
            var (machine, hello, auth) = make()
            return describe(input(&machine, hello, auth))
        }
    }

    @Test(arguments: Reached.allCases)
    func everyStateAnswersEveryInput(state: Reached) {
        #expect(Self.answers { Self.acceptor(in: state) } == Self.expected[state])
    }

    /// A dialing machine in `state`, and what the acceptor's messages are (its hello, and the
    /// proof it sends once it has verified the dialer).
    static func dialer(in state: Reached) -> (HandshakeStateMachine, hello: HandshakeMessage, auth: HandshakeMessage) {
        var dialing = machine(dialer, initiator: true)
        var accepting = machine(acceptor, initiator: false)
        let acceptorHello = accepting.hello
        var probe = machine(dialer, initiator: true)
        _ = probe.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
        guard case .send(let proof) = probe.received(acceptorHello), let dialerAuth = proof.first else {
            preconditionFailure("the dialer answers the acceptor's hello with its proof")
        }
        _ = accepting.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
        _ = accepting.received(dialing.hello)
        guard case .established(_, let answer) = accepting.received(dialerAuth), let auth = answer.first else {
            preconditionFailure("the acceptor answers a good proof with its own")
        }
        switch state {
        case .awaitingPreamble: break
        case .awaitingHello:
            _ = dialing.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
        case .awaitingAuth:
            _ = dialing.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
            _ = dialing.received(acceptorHello)
        case .established:
            _ = dialing.receivedPreamble(magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion)
            _ = dialing.received(acceptorHello)
            _ = dialing.received(auth)
        case .closed:
            _ = dialing.timedOut()
        }
        return (dialing, acceptorHello, auth)
    }

    /// The dialing side, per state: preamble, hello, good auth, bad auth, refusal, timeout. It
    /// proves itself first (on the acceptor's hello) and is established on the acceptor's proof.
    static let expectedOfDialer: [Reached: [String]] = [
        .awaitingPreamble: [
            "none", "refuse protocolViolation tell", "refuse protocolViolation tell",
            "refuse protocolViolation tell", "refuse refusedByPeer", "refuse timeout tell",
        ],
        .awaitingHello: [
            "refuse protocolViolation tell", "send auth", "refuse protocolViolation tell",
            "refuse protocolViolation tell", "refuse refusedByPeer", "refuse timeout tell",
        ],
        .awaitingAuth: [
            "refuse protocolViolation tell", "refuse protocolViolation tell", "established acceptor send []",
            "refuse authenticationFailed tell", "refuse refusedByPeer", "refuse timeout tell",
        ],
        .established: [
            "refuse protocolViolation tell", "refuse protocolViolation tell",
            "refuse protocolViolation tell", "refuse protocolViolation tell", "refuse refusedByPeer", "none",
        ],
        .closed: [
            "refuse protocolViolation tell", "refuse protocolViolation tell", "refuse protocolViolation tell",
            "refuse protocolViolation tell", "refuse refusedByPeer", "refuse timeout tell",
        ],
    ]

    @Test(arguments: Reached.allCases)
    func everyStateOfTheDialingSideAnswersEveryInput(state: Reached) {
        #expect(Self.answers { Self.dialer(in: state) } == Self.expectedOfDialer[state])
    }

    @Test func aWrongPreambleIsRefusedWithoutAnsweringOrWithItsReason() {
        var stranger = Self.machine(Self.acceptor, initiator: false)
        #expect(Self.describe(stranger.receivedPreamble(magic: 0x4854_5450, version: 1)) == "refuse notAMeshPeer")
        var older = Self.machine(Self.acceptor, initiator: false)
        let action = older.receivedPreamble(
            magic: HandshakeMessage.magic, version: HandshakeMessage.protocolVersion - 1)
        #expect(Self.describe(action) == "refuse versionMismatch tell")
    }

    /// The whole exchange, both ways, with the messages each side sends carried to the other.
    @Test(
        arguments: [
            ("s3cret", "s3cret", "mesh", "mesh", "established"),
            (nil, nil, "mesh", "mesh", "established"),
            ("s3cret", "other", "mesh", "mesh", "refuse authenticationFailed tell"),
            ("s3cret", nil, "mesh", "mesh", "refuse authenticationFailed tell"),
            ("s3cret", "s3cret", "mesh", "elsewhere", "refuse clusterMismatch tell"),
        ] as [(String?, String?, String, String, String)])
    func aDialerAndAnAcceptorAgreeOrRefuse(
        dialerSecret: String?, acceptorSecret: String?, dialerCluster: String, acceptorCluster: String,
        outcome: String
    ) {
        var dialing = Self.machine(Self.dialer, initiator: true, secret: dialerSecret, cluster: dialerCluster)
        var accepting = Self.machine(Self.acceptor, initiator: false, secret: acceptorSecret, cluster: acceptorCluster)
        let magic = HandshakeMessage.magic
        let version = HandshakeMessage.protocolVersion
        _ = dialing.receivedPreamble(magic: magic, version: version)
        _ = accepting.receivedPreamble(magic: magic, version: version)
        var toAcceptor: [HandshakeMessage] = [dialing.hello]
        var toDialer: [HandshakeMessage] = [accepting.hello]
        var results: [String] = []
        for _ in 0..<4 where !toAcceptor.isEmpty || !toDialer.isEmpty {
            for message in toAcceptor {
                let action = accepting.received(message)
                results.append("acceptor " + Self.describe(action))
                toAcceptor = []
                if case .send(let more) = action { toDialer += more }
                if case .established(_, let more) = action { toDialer += more }
            }
            toAcceptor = []
            for message in toDialer {
                let action = dialing.received(message)
                results.append("dialer " + Self.describe(action))
                if case .send(let more) = action { toAcceptor += more }
                if case .established(_, let more) = action { toAcceptor += more }
            }
            toDialer = []
        }
        if outcome == "established" {
            #expect(dialing.isEstablished && accepting.isEstablished, "\(results)")
            #expect(results.contains("acceptor established dialer send [auth]"), "\(results)")
            #expect(results.contains("dialer established acceptor send []"), "\(results)")
        } else {
            #expect(!dialing.isEstablished && !accepting.isEstablished, "\(results)")
            #expect(results.contains { $0.hasSuffix(outcome) }, "\(results)")
        }
    }
}
