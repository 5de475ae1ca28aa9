// XCTest for the Swift package: the surface without a server (stub transports). On Linux
// bindings-swift/swift/run-swift-tests.sh runs these with the fixture corpus (FixtureCorpusTests),
// end to end over URLSession (EndToEndTests) and the policy/webhook tests; on macOS
// build-xcframework.sh runs `swift test`.
import Foundation
import XCTest
@testable import Tailnet

final class StubTransport: HttpTransport, @unchecked Sendable {
    private let recorded = Locked<[HttpRequest]>([])
    var sent: [HttpRequest] { recorded.current }
    let status: UInt16
    let body: String
    init(status: UInt16, body: String) { self.status = status; self.body = body }
    func send(request: HttpRequest) async throws -> HttpResponse {
        recorded.withLock { $0.append(request) }
        return HttpResponse(status: status, headers: [HttpHeader(name: "content-type", value: "application/json")], body: Data(body.utf8))
    }
    func sleep(millis: UInt64) async {}
}

struct Boom: Error, CustomStringConvertible {
    var description: String { "boom from Swift" }
}

final class ThrowingTransport: HttpTransport, @unchecked Sendable {
    func send(request: HttpRequest) async throws -> HttpResponse { throw Boom() }
    func sleep(millis: UInt64) async {}
}

/// Answers from a list, recording the foreign sleeps.
final class ScriptedTransport: HttpTransport, @unchecked Sendable {
    private let responses: Locked<[HttpResponse]>
    let slept = Locked<[UInt64]>([])
    init(_ responses: [HttpResponse]) { self.responses = Locked(responses) }
    func send(request: HttpRequest) async throws -> HttpResponse {
        guard let next = responses.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw TransportError.Failed(reason: "no more scripted responses", maybeSent: false, timedOut: false)
        }
        return next
    }
    func sleep(millis: UInt64) async { slept.withLock { $0.append(millis) } }
}

final class TailnetTests: XCTestCase {
    func testTypedCallBuildsAndParses() async throws {
        let stub = StubTransport(status: 200, body: #"{"devices":[{"nodeId":"n1CNTRL","name":"a.ts.net","future":1}]}"#)
        let client = try TailnetClient.withApiKey("tskey-api-x", transport: stub)
        let devices = try await client.devices()
        XCTAssertEqual(devices.first?.nodeId, "n1CNTRL")
        XCTAssertEqual(devices.first?.extra["future"], "1")
        XCTAssertEqual(stub.sent.first?.url, "https://api.tailscale.com/api/v2/tailnet/-/devices?fields=all")
    }

    func testUnknownEnumValuesAreKept() async throws {
        let stub = StubTransport(status: 200, body: #"{"users":[{"id":"u1","role":"superhero"}]}"#)
        let client = try TailnetClient.withApiKey("tskey-api-x", transport: stub)
        let users = try await client.listUsers(params: ListUsersParams()).users ?? []
        XCTAssertEqual(users.first?.role, .unknown("superhero"))
    }

    func testApiErrorsAreTyped() async throws {
        let stub = StubTransport(status: 404, body: #"{"message":"not found"}"#)
        let client = try TailnetClient.withApiKey("tskey-api-x", transport: stub)
        let error = await thrown { try await client.getDevice(params: GetDeviceParams(deviceId: "n1")) }
        XCTAssertEqual(error?.api?.status, 404)
        XCTAssertEqual(error?.api?.detail, "not found")
    }

    func testAThrowingTransportIsATransportError() async throws {
        let client = try TailnetClient(options: ClientOptions(apiKey: "tskey-api-x", maxAttempts: 1), transport: ThrowingTransport())
        do {
            _ = try await client.getDevice(params: GetDeviceParams(deviceId: "n1"))
            XCTFail("expected an error")
        } catch TailnetError.Transport(let reason, let timedOut) {
            XCTAssertTrue(reason.contains("boom from Swift"), reason)
            XCTAssertFalse(timedOut)
        }
    }

    func testUnknownFieldsLandInExtraBothWays() async throws {
        let body = #"{"users":[{"id":"u1","role":"superhero","status":"active","futureField":{"a":[1,2]}}]}"#
        let client = try TailnetClient.withApiKey("tskey-api-x", transport: StubTransport(status: 200, body: body))
        let users = try await client.listUsers(params: ListUsersParams()).users
        let user = try XCTUnwrap(users?.first)
        XCTAssertEqual(user.status, .active)
        XCTAssertTrue(try Json.parse(try XCTUnwrap(user.extra["futureField"])) == Json.parse(#"{"a":[1,2]}"#))

        let stub = StubTransport(status: 200, body: #"{"tags":["tag:a"]}"#)
        let tagger = try TailnetClient.withApiKey("tskey-api-x", transport: stub)
        try await tagger.setDeviceTags(params: SetDeviceTagsParams(deviceId: "n1", body: SetDeviceTagsRequest(tags: ["tag:a"], extra: ["future": "true"])))
        let sent = try Json.parse(try XCTUnwrap(stub.sent.first).body)
        XCTAssertEqual(sent["tags"], .array([.string("tag:a")]))
        XCTAssertEqual(sent["future"], .bool(true), "a typed record's extra field goes to the wire")
    }

    func testRetryAfterIsHonouredThroughTheForeignSleep() async throws {
        let transport = ScriptedTransport([
            HttpResponse(status: 429, headers: [HttpHeader(name: "retry-after", value: "2")], body: Data(#"{"message":"slow down"}"#.utf8)),
            HttpResponse(status: 200, headers: [HttpHeader(name: "content-type", value: "application/json")], body: Data(#"{"nodeId":"n1"}"#.utf8)),
        ])
        let client = try TailnetClient(options: ClientOptions(apiKey: "tskey-api-x"), transport: transport)
        let device = try await client.getDevice(params: GetDeviceParams(deviceId: "n1"))
        XCTAssertEqual(device.nodeId, "n1")
        XCTAssertEqual(transport.slept.current, [2000])
    }

    func testSansIo() throws {
        let request = try buildRequest(operationId: "getDevice", options: ClientOptions(apiKey: "tskey-api-x"), paramsJson: #"{"deviceId":"a/b"}"#)
        XCTAssertEqual(request.url, "https://api.tailscale.com/api/v2/device/a%2Fb")
        let parsed = try parseResponse(operationId: "getDevice", response: HttpResponse(status: 200, body: Data(#"{"nodeId":"n1"}"#.utf8)))
        XCTAssertEqual(try Json.parse(parsed)["nodeId"], .string("n1"))
        XCTAssertEqual(operations().count, 96)
    }

    // Policy documents, updatePolicyFile and webhooks: more in PolicyWebhookTests.swift.

    func testPolicyDocumentEditsKeepComments() throws {
        let text = "{\n  // rules\n  \"acls\": [],\n}\n"
        let doc = try PolicyDocument(text: text)
        XCTAssertEqual(doc.text(), text)
        try doc.set(path: ["tagOwners", "tag:ci"], valueJson: #"["group:ops"]"#)
        XCTAssertTrue(doc.text().contains("// rules"))
        XCTAssertEqual(doc.get(path: ["tagOwners", "tag:ci"]), #"["group:ops"]"#)
        XCTAssertThrowsError(try PolicyDocument(text: "[1]"))
    }

    func testUpdatePolicyFileRefusesAllowAll() async throws {
        let stub = StubTransport(status: 200, body: #"{"acls": []}"#)
        let client = try TailnetClient.withApiKey("tskey-api-x", transport: stub)
        do {
            _ = try await client.updatePolicyFile { doc in _ = try doc.remove(path: ["acls"]) }
            XCTFail("expected an error")
        } catch TailnetError.Build(let parameter, _) {
            XCTAssertEqual(parameter, "policy")
        }
        XCTAssertEqual(stub.sent.count, 1, "only the GET")
    }

    func testWebhookVerify() throws {
        let body = Data(#"[{"type":"nodeCreated","data":{"nodeID":"n1"}}]"#.utf8)
        let header = try webhookSign(body: body, secret: "whsec-x", timestamp: 1000)
        let events = try webhookVerify(header: header, body: body, secret: "whsec-x", nowUnixSeconds: 1010)
        XCTAssertEqual(events.first?.type, .nodeCreated)
        XCTAssertThrowsError(try webhookVerify(header: header, body: body, secret: "other", nowUnixSeconds: 1010))
    }
}
