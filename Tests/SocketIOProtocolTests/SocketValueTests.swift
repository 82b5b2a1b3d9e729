import NIOCore
import OrderedCollections
import SocketIOProtocol
import TestSupport
import Testing

@Suite struct SocketValueTests {
    @Test func jsonTextParsesToValuesAndWritesBackCompact() throws {
        let cases: [(String, SocketValue, String)] = [
            ("null", .null, "null"), (" true ", .bool(true), "true"), ("false", .bool(false), "false"),
            ("0", .number(0), "0"), ("-12", .number(-12), "-12"), ("1.5e3", .number(1500), "1500"),
            ("0.25", .number(0.25), "0.25"),
            (#""a\"b\\c\n\u00e9\ud83d\ude00/""#, .string("a\"b\\c\né😀/"), #""a\"b\\c\né😀/""#),
            (#"[1, "x", [], {}]"#, .array([.number(1), .string("x"), .array([]), .object([:])]), #"[1,"x",[],{}]"#),
            (#"{"b": 2, "a": [null]}"#, .object(["b": .number(2), "a": .array([.null])]), #"{"b":2,"a":[null]}"#),
            (#""\u0001""#, .string("\u{01}"), #""\u0001""#),
            (#""é😀\tb\u00e9c""#, .string("é😀\tbéc"), #""é😀\tbéc""#),
        ]
        for (text, value, written) in cases {
            #expect(try SocketValue.parse(json: text) == value, "\(text)")
            #expect(value.json == written)
            #expect(try SocketValue.parse(json: value.json) == value)
        }
    }

    @Test func textThatIsNotExactlyOneJSONValueIsRefused() {
        let invalid = [
            "", " ", "[", "[1,]", "[1 2]", "{\"a\"}", "{\"a\":}", "{a:1}", "01", "1.", "1e", "-", "+1", "tru", "nul",
            "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\\u0041\"", "\"a\u{01}\"", "[] []", "1 2", "{\"a\":1,}", "NaN",
            "\"a\\n", "\"a\\n\u{01}\"", "\"a\\",
        ]
        for text in invalid {
            #expect(
                "\(text)", performing: { try SocketValue.parse(json: text) },
                throws: { ($0 as? ProtocolError)?.code == .invalidJSON })
        }
    }

    @Test func nestingDeeperThanTheLimitIsRefusedNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(
            performing: { try SocketValue.parse(json: deep) }, throws: { ($0 as? ProtocolError)?.code == .invalidJSON })
        let allowed = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        _ = try SocketValue.parse(json: allowed)
    }

    @Test func binaryAnywhereBecomesNumberedPlaceholdersAndComesBack() throws {
        let one = ByteBuffer(bytes: [1, 2, 3])
        let two = ByteBuffer(bytes: [4])
        let value = SocketValue.array([
            .string("upload"), .object(["file": .binary(one), "parts": .array([.number(1), .binary(two)])]),
        ])
        #expect(value.containsBinary)
        let (shape, attachments) = value.deconstruct()
        #expect(attachments == [one, two])
        #expect(!shape.containsBinary)
        #expect(
            shape.json
                == #"["upload",{"file":{"_placeholder":true,"num":0},"parts":[1,{"_placeholder":true,"num":1}]}]"#)
        #expect(try SocketValue.parse(json: shape.json).reconstruct(attachments) == value)
    }

    @Test func placeholdersAndAttachmentsThatDoNotMatchAreRefused() throws {
        let shape = try SocketValue.parse(json: #"["x",{"_placeholder":true,"num":1}]"#)
        let attachment = ByteBuffer(bytes: [9])
        for attachments in [[attachment], []] {
            #expect(
                performing: { try shape.reconstruct(attachments) },
                throws: {
                    ($0 as? ProtocolError)?.code == .invalidAttachments
                })
        }
        // Two attachments but only the second is named: the first has no place.
        #expect(
            performing: { try shape.reconstruct([attachment, attachment]) },
            throws: {
                ($0 as? ProtocolError)?.code == .invalidAttachments
            })
        for bad in [#"{"_placeholder":true,"num":-1}"#, #"{"_placeholder":true,"num":0.5}"#, #"{"_placeholder":true}"#]
        {
            #expect(
                performing: { try SocketValue.parse(json: bad).reconstruct([attachment]) },
                throws: {
                    ($0 as? ProtocolError)?.code == .invalidAttachments
                })
        }
        #expect(try SocketValue.parse(json: "[1]").reconstruct([]) == .array([.number(1)]))
    }

    @Test func seededCorruptionsOfJSONNeverTrap() throws {
        let seeds = [#"["message",{"a":[1,2.5e-3,"\u00e9"],"b":null,"c":true}]"#, #"{"_placeholder":true,"num":0}"#]
        let alphabet = Array("[]{}\",:\\u0123456789.eE+-truefalsn ".utf8)
        var random = SeededGenerator(seed: 0x5eed_0002)
        var outcomes = (parsed: 0, refused: 0)
        for seed in seeds {
            let bytes = Array(seed.utf8)
            for end in 0...bytes.count {
                if (try? SocketValue.parse(json: String(decoding: bytes[..<end], as: UTF8.self))) != nil {
                    outcomes.parsed += 1
                } else {
                    outcomes.refused += 1
                }
            }
            for _ in 0..<3_000 {
                var corrupted = bytes
                for _ in 0...Int.random(in: 0..<3, using: &random) {
                    let position = Int.random(in: 0..<corrupted.count, using: &random)
                    if Bool.random(using: &random) {
                        corrupted[position] = alphabet.randomElement(using: &random)!
                    } else {
                        corrupted.remove(at: position)
                    }
                }
                let text = String(decoding: corrupted, as: UTF8.self)
                if let value = try? SocketValue.parse(json: text) {
                    outcomes.parsed += 1
                    // Whatever parses writes back to text that parses to the same value.
                    #expect(try SocketValue.parse(json: value.json) == value, "\(text)")
                    _ = try? value.reconstruct([ByteBuffer(bytes: [0])])
                } else {
                    outcomes.refused += 1
                }
            }
        }
        #expect(outcomes.parsed > 100 && outcomes.refused > 1_000, "\(outcomes)")
    }
}
