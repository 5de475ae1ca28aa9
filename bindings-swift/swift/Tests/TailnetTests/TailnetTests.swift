// XCTest for the Swift package. Runs only where a Swift toolchain exists (macOS, or Linux with
// swift.org toolchains); the Linux CI of this repository exercises the identical FFI surface
// through the uniffi-generated Python bindings and Kotlin instead.
import Foundation
import XCTest
@testable import Tailnet

final class StubTransport: HttpTransport, @unchecked Sendable {
    var sent: [HttpRequest] = []
    let status: UInt16
    let body: String
    init(status: UInt16, body: String) { self.status = status; self.body = body }
    func send(request: HttpRequest) async throws -> HttpResponse {
        sent.append(request)
        return HttpResponse(status: status, headers: [HttpHeader(name: "content-type", value: "application/json")], body: Data(body.utf8))
    }
    func sleep(millis: UInt64) async {}
}

struct Boom: Error {}

final class ThrowingTransport: HttpTransport, @unchecked Sendable {
    func send(request: HttpRequest) async throws -> HttpResponse { throw Boom() }
    func sleep(millis: UInt64) async {}
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
        XCTAssertEqual(users.first?.role, .unknown(value: "superhero"))
    }

    func testApiErrorsAreTyped() async throws {
        let stub = StubTransport(status: 404, body: #"{"message":"not found"}"#)
        let client = try TailnetClient.withApiKey("tskey-api-x", transport: stub)
        do {
            _ = try await client.getDevice(params: GetDeviceParams(deviceId: "n1"))
            XCTFail("expected an error")
        } catch TailnetError.Api(let status, let detail, _, _, _, _, _, _, _, _) {
            XCTAssertEqual(status, 404)
            XCTAssertEqual(detail, "not found")
        }
    }

    func testAThrowingTransportIsATransportError() async throws {
        let client = try TailnetClient(options: ClientOptions(apiKey: "tskey-api-x", maxAttempts: 1), transport: ThrowingTransport())
        do {
            _ = try await client.getDevice(params: GetDeviceParams(deviceId: "n1"))
            XCTFail("expected an error")
        } catch TailnetError.Transport(_, _) {
        }
    }

    func testSansIo() throws {
        let request = try buildRequest(operationId: "getDevice", options: ClientOptions(apiKey: "tskey-api-x"), paramsJson: #"{"deviceId":"a/b"}"#)
        XCTAssertEqual(request.url, "https://api.tailscale.com/api/v2/device/a%2Fb")
        XCTAssertEqual(operations().count, 96)
    }

    // Policy documents, updatePolicyFile and webhooks (NOT COMPILED on the Linux CI; the same
    // surface runs in the Kotlin tests and the uniffi-Python replay).

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
