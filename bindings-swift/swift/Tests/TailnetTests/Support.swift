// Test support: a small JSON value (numbers compared by value, booleans never numbers), a lock,
// the fake tailnet as a subprocess, and an independent HMAC-SHA256 (no CryptoKit on Linux).
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import Tailnet

// ---- JSON ----------------------------------------------------------------------------------------

indirect enum Json: Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(String)          // the literal text; compared by value
    case string(String)
    case array([Json])
    case object([(String, Json)]) // key order kept (written back as read)

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ text: String) throws -> Json {
        var parser = Parser(Array(text.utf8))
        let value = try parser.value()
        parser.whitespace()
        guard parser.index == parser.bytes.count else { throw ParseError(description: "trailing text at \(parser.index)") }
        return value
    }

    static func parse(_ data: Data) throws -> Json {
        try parse(String(decoding: data, as: UTF8.self))
    }

    subscript(key: String) -> Json? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    var members: [(String, Json)] { if case .object(let m) = self { return m }; return [] }
    var items: [Json] { if case .array(let a) = self { return a }; return [] }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var int: Int? { if case .number(let n) = self { return Int(n) ?? Double(n).map { Int($0) } }; return nil }
    var isObject: Bool { if case .object = self { return true }; return false }

    /// Structural equality: numbers by value (`5` == `5.0`), object key order ignored.
    static func == (a: Json, b: Json) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)):
            if x == y { return true }
            guard let dx = Decimal(string: x), let dy = Decimal(string: y) else { return false }
            return dx == dy
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0 == $1 }
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            let ys = Dictionary(y, uniquingKeysWith: { first, _ in first })
            return x.allSatisfy { key, value in ys[key].map { $0 == value } ?? false }
        default: return false
        }
    }

    var description: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n
        case .string(let s): Json.quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                Json.quote(key, into: &out)
                out += ":"
                value.write(into: &out)
            }
            out += "}"
        }
    }

    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func whitespace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        func fail(_ what: String) -> ParseError { ParseError(description: "\(what) at byte \(index)") }

        mutating func literal(_ word: String, _ value: Json) throws -> Json {
            let w = Array(word.utf8)
            guard index + w.count <= bytes.count, Array(bytes[index..<index + w.count]) == w else { throw fail("bad literal") }
            index += w.count
            return value
        }

        mutating func value() throws -> Json {
            whitespace()
            guard index < bytes.count else { throw fail("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [(String, Json)] = []
                whitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while true {
                    whitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let key = try string()
                    whitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    index += 1
                    members.append((key, try value()))
                    whitespace()
                    guard index < bytes.count else { throw fail("unterminated object") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                index += 1
                var items: [Json] = []
                whitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                while true {
                    items.append(try value())
                    whitespace()
                    guard index < bytes.count else { throw fail("unterminated array") }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default:
                let start = index
                while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                guard !text.isEmpty, Decimal(string: text) != nil || Double(text) != nil else { throw fail("bad number '\(text)'") }
                return .number(text)
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
                throw fail("bad \\u escape")
            }
            index += 4
            return v
        }

        mutating func string() throws -> String {
            index += 1 // the opening quote
            var out = [UInt8]()
            while true {
                guard index < bytes.count else { throw fail("unterminated string") }
                let b = bytes[index]
                index += 1
                if b == UInt8(ascii: "\"") { break }
                if b != UInt8(ascii: "\\") { out.append(b); continue }
                guard index < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    out.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
                default: out.append(e) // \" \\ \/
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

/// `XCTAssertEqual` for JSON texts and values, with both sides in the failure message.
func assertSameJson(_ actual: String, _ expected: Json, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    do {
        let parsed = try Json.parse(actual)
        XCTAssert(parsed == expected, "\(message) \(actual) != \(expected)", file: file, line: line)
    } catch {
        XCTFail("\(message) not JSON (\(error)): \(actual)", file: file, line: line)
    }
}

// ---- concurrency helpers -------------------------------------------------------------------------

final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    var current: Value { withLock { $0 } }
}

/// Where the test data lives: `TAILNET_FIXTURES` (set by run-swift-tests.sh) or the repository
/// around this file.
enum Paths {
    static let repo = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static var fixtures: URL {
        ProcessInfo.processInfo.environment["TAILNET_FIXTURES"].map { URL(fileURLWithPath: $0) }
            ?? repo.appendingPathComponent("tests/fixtures")
    }
    static var policies: URL { repo.appendingPathComponent("core/tests/policies") }
}

// ---- the fake tailnet ----------------------------------------------------------------------------

/// The fake tailnet binary (`TAILNET_FAKE_BIN`, set by run-swift-tests.sh) on a loopback port. It
/// exits on EOF of its standard input, so it never outlives the test process.
final class FakeTailnet: @unchecked Sendable {
    let baseUrl: String
    private let process: Process
    private let stdin: Pipe

    init(_ args: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        guard let binary = ProcessInfo.processInfo.environment["TAILNET_FAKE_BIN"], !binary.isEmpty else {
            XCTFail("TAILNET_FAKE_BIN is not set (run bindings-swift/swift/run-swift-tests.sh)", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--listen", "127.0.0.1:0"] + args
        stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line of its standard output is the base URL.
        var output = Data()
        while !output.contains(0x0A) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            output.append(chunk)
        }
        let first = String(decoding: output, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        guard first.hasPrefix("http://127.0.0.1:") else {
            process.terminate()
            XCTFail("fake-tailnet printed '\(first)'", file: file, line: line)
            throw CocoaError(.fileReadCorruptFile)
        }
        baseUrl = first
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// A `/_fake/…` control request; returns the body.
    @discardableResult
    func control(_ method: String, _ path: String, _ body: String? = nil) async throws -> String {
        guard let url = URL(string: baseUrl + path) else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        if let body { request.httpBody = Data(body.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw TestFailure("control \(method) \(path): HTTP \(status) \(String(decoding: data, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The `/api/v2` requests the fake received (secrets redacted by the fake).
    func requests() async throws -> [Json] {
        let json = try Json.parse(try await control("GET", "/_fake/requests"))
        return json["requests"]?.items ?? json.items
    }

    func violations() async throws -> [Json] {
        let json = try Json.parse(try await control("GET", "/_fake/violations"))
        return json["violations"]?.items ?? json.items
    }
}

/// The fields of a `TailnetError.Api`: the one place that spells out the case's arity (it grows as
/// the error gains fields).
struct ApiFailure {
    let status: UInt16
    let detail: String
    let code: String?
    let dataKind: String?
    let dataJson: String?
    let testResults: [AclTestResult]
    let retryAfterSeconds: UInt64?
    let retryAfterAtUnixSeconds: UInt64?
    let body: String?
    let requiredScope: String?
    let display: String
}

extension Error {
    var api: ApiFailure? {
        guard case .Api(let status, let detail, let code, let dataKind, let dataJson, let testResults, let retryAfterSeconds,
                        let retryAfterAtUnixSeconds, let body, let requiredScope, let display)? = self as? TailnetError else { return nil }
        return ApiFailure(status: status, detail: detail, code: code, dataKind: dataKind, dataJson: dataJson, testResults: testResults,
                          retryAfterSeconds: retryAfterSeconds, retryAfterAtUnixSeconds: retryAfterAtUnixSeconds, body: body,
                          requiredScope: requiredScope, display: display)
    }
}

/// The HTTP status of an `Api` error thrown (nil for no error or another error).
func apiStatus(_ error: Error?) -> UInt16? { error?.api?.status }

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The error a throwing async expression throws (fails the test when it does not throw).
func thrown<T>(_ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line) async -> Error? {
    do {
        let value = try await body()
        XCTFail("expected an error, got \(value)", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

func thrownSync<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> Error? {
    do {
        let value = try body()
        XCTFail("expected an error, got \(value)", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

// ---- HMAC-SHA256 (FIPS 180-4 / RFC 2104), to check the core's webhook signatures independently ----

enum Sha256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for i in (0..<8).reversed() { data.append(UInt8(truncatingIfNeeded: bitLength >> (UInt64(i) * 8))) }
        func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                w[i] = (0..<4).reduce(UInt32(0)) { ($0 << 8) | UInt32(data[chunk + i * 4 + $1]) }
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (i, v) in [a, b, c, d, e, f, g, hh].enumerated() { h[i] = h[i] &+ v }
        }
        return h.flatMap { v in (0..<4).reversed().map { UInt8(truncatingIfNeeded: v >> (UInt32($0) * 8)) } }
    }

    static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? hash(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = hash(block.map { $0 ^ 0x36 } + message)
        return hash(block.map { $0 ^ 0x5c } + inner)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
