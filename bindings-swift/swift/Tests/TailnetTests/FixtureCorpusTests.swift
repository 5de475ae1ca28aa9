// The whole fixture corpus (tests/fixtures/<operation>/<case>.json, format in tests/fixtures/README.md)
// through the Swift surface, three ways: sans-IO buildRequest/parseResponse, TailnetClient.callJson
// and TailnetClient.callTypedJson (through the typed records) over a replay transport.
import Foundation
import XCTest
@testable import Tailnet

final class ReplayTransport: HttpTransport, @unchecked Sendable {
    private let response: HttpResponse
    let sent = Locked<[HttpRequest]>([])
    init(_ response: HttpResponse) { self.response = response }
    func send(request: HttpRequest) async throws -> HttpResponse {
        sent.withLock { $0.append(request) }
        return response
    }
    func sleep(millis: UInt64) async {}
}

struct Fixture {
    let name: String
    let json: Json

    var operation: String { json["operation"]?.string ?? "" }
    var params: String { (json["params"] ?? .object([])).description }
    var expectedError: Json? { json["error"] }
    var isBuildError: Bool { expectedError?["kind"]?.string == "build" }

    var options: ClientOptions {
        let c = json["config"] ?? .object([])
        return ClientOptions(
            baseUrl: c["baseUrl"]?.string ?? "https://api.tailscale.com",
            tailnet: c["tailnet"]?.string ?? "-",
            apiKey: c["apiKey"]?.string ?? c["apiKeyBasic"]?.string,
            basicAuth: c["apiKeyBasic"] != nil,
            maxAttempts: 1
        )
    }

    var response: HttpResponse {
        guard let r = json["response"] else { return HttpResponse(status: 599) }
        let body: Data
        if let b = r["body"] {
            body = Data(b.description.utf8)
        } else if let text = r["bodyText"]?.string {
            body = Data(text.utf8)
        } else {
            body = Data()
        }
        let headers = (r["headers"]?.members ?? []).map { HttpHeader(name: $0.0, value: $0.1.string ?? "") }
        return HttpResponse(status: UInt16(r["status"]?.int ?? 0), headers: headers, body: body)
    }

    static func all() throws -> [Fixture] {
        let root = Paths.fixtures
        let fm = FileManager.default
        var fixtures: [Fixture] = []
        for dir in try fm.contentsOfDirectory(atPath: root.path).sorted() {
            var isDir: ObjCBool = false
            let dirURL = root.appendingPathComponent(dir)
            guard fm.fileExists(atPath: dirURL.path, isDirectory: &isDir), isDir.boolValue else { continue }
            for file in try fm.contentsOfDirectory(atPath: dirURL.path).sorted() where file.hasSuffix(".json") {
                let data = try Data(contentsOf: dirURL.appendingPathComponent(file))
                fixtures.append(Fixture(name: "\(dir)/\(file)", json: try Json.parse(data)))
            }
        }
        return fixtures
    }
}

/// Checks one fixture expectation; returns a failure description or nil.
enum FixtureCheck {
    static func request(_ expected: Json, _ request: HttpRequest) -> String? {
        if request.method != expected["method"]?.string { return "method \(request.method) != \(expected["method"] ?? .null)" }
        if request.url != expected["url"]?.string { return "url \(request.url) != \(expected["url"] ?? .null)" }
        var headers: [String: String] = [:]
        for h in request.headers where h.name.lowercased() != "user-agent" {
            if headers[h.name.lowercased()] != nil { return "header \(h.name) sent twice" }
            headers[h.name.lowercased()] = h.value
        }
        var want: [String: String] = [:]
        for (k, v) in expected["headers"]?.members ?? [] { want[k.lowercased()] = v.string ?? "" }
        if headers != want { return "headers \(headers) != \(want)" }
        let body = String(decoding: request.body, as: UTF8.self)
        if let expectedBody = expected["body"] {
            guard let parsed = try? Json.parse(body) else { return "body is not JSON: \(body)" }
            if parsed != expectedBody { return "body \(body) != \(expectedBody)" }
        } else if let text = expected["bodyText"]?.string {
            if body != text { return "bodyText \(body) != \(text)" }
        } else if !request.body.isEmpty {
            return "unexpected body \(body)"
        }
        return nil
    }

    static func error(_ expected: Json, _ error: Error) -> String? {
        guard let error = error as? TailnetError else { return "not a TailnetError: \(error)" }
        let kind: String
        let message: String
        var status: UInt16?
        switch error {
        case .Api: kind = "api"; message = error.api?.detail ?? ""; status = error.api?.status
        case .Build(_, let reason): kind = "build"; message = reason
        case .Decode(let s, _, let reason, _): kind = "decode"; message = reason; status = s
        case .Transport(let reason, _): kind = "transport"; message = reason
        default: kind = "?"; message = ""
        }
        if kind != expected["kind"]?.string { return "kind \(kind) != \(expected["kind"] ?? .null): \(error)" }
        for (key, want) in expected.members {
            switch key {
            case "kind": continue
            case "status":
                if status.map(Int.init) != want.int { return "status \(String(describing: status)) != \(want)" }
            case "message":
                if message != want.string { return "message '\(message)' != \(want)" }
            case "messageContains":
                if !message.contains(want.string ?? "\u{0}") { return "message '\(message)' lacks \(want)" }
            case "messageExcludes":
                var body = ""
                if let api = error.api { body = (api.body ?? "") + api.display }
                let texts = [message, String(describing: error), String(reflecting: error), error.localizedDescription, body]
                if let w = want.string, texts.contains(where: { $0.contains(w) }) { return "'\(w)' leaked into the error" }
            case "parameter":
                guard case .Build(let parameter, _) = error, parameter == want.string else { return "parameter of \(error) != \(want)" }
            case "path":
                guard case .Decode(_, let path, _, _) = error, path == want.string else { return "path of \(error) != \(want)" }
            case "retryAfter":
                guard let api = error.api else { return "retryAfter on \(error)" }
                let (seconds, at) = (api.retryAfterSeconds, api.retryAfterAtUnixSeconds)
                if let s = want["seconds"] {
                    if seconds.map(Int.init) != s.int || at != nil { return "retryAfter \(String(describing: seconds)) / \(String(describing: at)) != \(want)" }
                } else if at.map(Int.init) != want["atUnixSeconds"]?.int {
                    return "retryAfterAt \(String(describing: at)) != \(want)"
                }
            case "dataKind":
                guard let api = error.api, api.dataKind == want.string else { return "dataKind of \(error) != \(want)" }
                if want.string == "aclTests" && api.testResults.isEmpty { return "no test results" }
            case "bodyContains":
                guard let body = error.api?.body, body.contains(want.string ?? "\u{0}") else { return "kept body lacks \(want)" }
            case "requiredScope":
                guard let api = error.api, api.requiredScope == want.string else { return "requiredScope of \(error) != \(want)" }
            case "code":
                guard let api = error.api, api.code == want.string else { return "code of \(error) != \(want)" }
            default:
                return "unknown fixture assertion \(key)"
            }
        }
        return nil
    }

    static func result(_ expected: Json?, _ outcome: String) -> String? {
        guard let parsed = try? Json.parse(outcome) else { return "result is not JSON: \(outcome)" }
        if parsed != (expected ?? .null) { return "result \(outcome) != \(expected ?? .null)" }
        return nil
    }
}

final class FixtureCorpusTests: XCTestCase {
    /// Each fixture with its outcome; fails once per broken fixture, then checks the counts.
    private func replayAll(_ label: String, _ replay: (Fixture) async -> String?) async throws {
        let fixtures = try Fixture.all()
        XCTAssertGreaterThan(fixtures.count, 100, "only \(fixtures.count) fixtures under \(Paths.fixtures.path)")
        var replayed = 0
        var failures: [String] = []
        for fixture in fixtures {
            replayed += 1
            if let failure = await replay(fixture) {
                failures.append(fixture.name)
                XCTFail("fixture \(fixture.name) (\(label)): \(failure)")
            }
        }
        let skipped = fixtures.count - replayed
        print("fixtures (\(label)): \(replayed) replayed, \(replayed - failures.count) passed\(skipped > 0 ? ", \(skipped) build-error fixtures not applicable" : "") of \(fixtures.count) files")
        XCTAssertEqual(failures, [])
        XCTAssertEqual(replayed + skipped, fixtures.count)
    }

    func testCorpusIsCompleteAndWellFormed() throws {
        let fixtures = try Fixture.all()
        // Every file of the corpus, counted independently of the loader.
        let counted = FileManager.default.enumerator(atPath: Paths.fixtures.path)?
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".json") && $0.contains("/") }.count ?? 0
        XCTAssertEqual(fixtures.count, counted)
        XCTAssertGreaterThan(fixtures.count, 100)
        let known = Set(operations().map(\.id))
        XCTAssertEqual(known.count, 96)
        for fixture in fixtures {
            XCTAssertTrue(known.contains(fixture.operation), "\(fixture.name): unknown operation \(fixture.operation)")
            XCTAssertEqual(fixture.name.split(separator: "/").first.map(String.init), fixture.operation, fixture.name)
            XCTAssertTrue((fixture.json["result"] != nil) != (fixture.expectedError != nil), "\(fixture.name): exactly one of result/error")
        }
        // Every operation has its success case.
        let withOk = Set(fixtures.filter { $0.name.hasSuffix("/ok.json") }.map(\.operation))
        XCTAssertEqual(known.subtracting(withOk), [], "operations without ok.json")
    }

    func testCorpusSansIo() async throws {
        try await replayAll("sans-IO buildRequest/parseResponse") { fixture in
            let request: HttpRequest
            do {
                request = try buildRequest(operationId: fixture.operation, options: fixture.options, paramsJson: fixture.params)
            } catch {
                guard let expected = fixture.expectedError, fixture.isBuildError else { return "build failed: \(error)" }
                return FixtureCheck.error(expected, error)
            }
            if fixture.isBuildError { return "expected a build error, built \(request.url)" }
            if let failure = FixtureCheck.request(fixture.json["request"] ?? .null, request) { return failure }
            do {
                let outcome = try parseResponse(operationId: fixture.operation, response: fixture.response)
                if fixture.expectedError != nil { return "expected an error, got \(outcome)" }
                return FixtureCheck.result(fixture.json["result"], outcome)
            } catch {
                guard let expected = fixture.expectedError else { return "unexpected error \(error)" }
                return FixtureCheck.error(expected, error)
            }
        }
    }

    private func replayThroughClient(_ fixture: Fixture, typed: Bool) async -> String? {
        let transport = ReplayTransport(fixture.response)
        let client: TailnetClient
        do {
            client = try TailnetClient(options: fixture.options, transport: transport)
        } catch {
            return "client: \(error)"
        }
        var outcome: String?
        var failure: Error?
        do {
            outcome = typed
                ? try await client.callTypedJson(operationId: fixture.operation, paramsJson: fixture.params)
                : try await client.callJson(operationId: fixture.operation, paramsJson: fixture.params)
        } catch {
            failure = error
        }
        let sent = transport.sent.current
        if let expected = fixture.expectedError, fixture.isBuildError {
            guard let failure, sent.isEmpty else { return "expected a build error, got \(outcome ?? "nil"), sent \(sent.count)" }
            return FixtureCheck.error(expected, failure)
        }
        guard sent.count == 1 else { return "sent \(sent.count) requests (error: \(String(describing: failure)))" }
        if let problem = FixtureCheck.request(fixture.json["request"] ?? .null, sent[0]) { return problem }
        if let expected = fixture.expectedError {
            guard let failure else { return "expected an error, got \(outcome ?? "nil")" }
            return FixtureCheck.error(expected, failure)
        }
        if let failure { return "unexpected error \(failure)" }
        return FixtureCheck.result(fixture.json["result"], outcome ?? "")
    }

    func testCorpusThroughCallJson() async throws {
        try await replayAll("TailnetClient.callJson") { await self.replayThroughClient($0, typed: false) }
    }

    func testCorpusThroughTypedRecords() async throws {
        // Build errors are the JSON surface's (unknown keys cannot be expressed in a typed record).
        try await replayAll("TailnetClient.callTypedJson") { await self.replayThroughClient($0, typed: true) }
    }

    /// The replay itself must be able to fail: a tampered expectation is caught.
    func testReplayDetectsWrongExpectations() throws {
        let fixtures = try Fixture.all()
        guard let ok = fixtures.first(where: { $0.name == "listTailnetDevices/ok.json" }) else {
            return XCTFail("listTailnetDevices/ok.json missing")
        }
        let request = try buildRequest(operationId: ok.operation, options: ok.options, paramsJson: ok.params)
        XCTAssertNil(FixtureCheck.request(ok.json["request"] ?? .null, request))
        let wrongUrl = Json.object((ok.json["request"]?.members ?? []).map { $0.0 == "url" ? ($0.0, .string("https://example.com/")) : $0 })
        XCTAssertNotNil(FixtureCheck.request(wrongUrl, request))
        let outcome = try parseResponse(operationId: ok.operation, response: ok.response)
        XCTAssertNil(FixtureCheck.result(ok.json["result"], outcome))
        XCTAssertNotNil(FixtureCheck.result(.object([("devices", .array([]))]), outcome))
        XCTAssertTrue(try Json.parse("[5, {\"a\": true}]") == Json.parse("[5.0, {\"a\": true}]"))
        XCTAssertFalse(try Json.parse("[1]") == Json.parse("[true]"))
        XCTAssertFalse(try Json.parse("{\"a\": 1}") == Json.parse("{\"a\": 1, \"b\": null}"))
    }
}
