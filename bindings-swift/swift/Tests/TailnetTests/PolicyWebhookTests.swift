// The policy document (the core's lossless HuJSON document over the policy corpus), updatePolicyFile
// against the fake tailnet (concurrent editors, guards, editor failures, lost races, "ts-default")
// and webhook verification (checked against an independent HMAC-SHA256).
import Foundation
import XCTest
@testable import Tailnet

private func comments(_ text: String) -> [String] {
    // Split on every line break ("\r\n" is one Character in Swift, so not on "\n" alone).
    text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).compactMap { line in
        let starts = ["//", "/*"].compactMap { line.range(of: $0)?.lowerBound }
        guard let start = starts.min() else { return nil }
        var comment = String(line[start...])
        while let last = comment.last, last.isWhitespace { comment.removeLast() }
        return comment
    }
}

private let rule = #"{"action":"accept","src":["group:new"],"dst":["tag:new:443"]}"#
private let small = "{\n  // rules\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"a\"], \"dst\": [\"b:*\"]}, // first\n  ],\n  \"custom\": {\"x\": 1},\n}\n"

final class PolicyDocumentTests: XCTestCase {
    func testPolicyCorpusRoundTripsAndEditsKeepComments() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Paths.policies.path).filter { $0.hasSuffix(".hujson") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 6, "policy corpus in \(Paths.policies.path)")
        for file in files {
            let data = try Data(contentsOf: Paths.policies.appendingPathComponent(file))
            let text = String(decoding: data, as: UTF8.self) // CRLF stays CRLF
            let original = try PolicyDocument(text: text)
            XCTAssertEqual(original.text(), text, "\(file): written back byte for byte")
            XCTAssertTrue(try PolicyDocument(text: text) == original, file)
            XCTAssertTrue(original.copy() == original, file)
            let before = try Json.parse(original.toJson())

            let pushed = original.copy()
            try pushed.push(path: ["acls"], valueJson: rule)
            let acls = try Json.parse(try XCTUnwrap(pushed.get(path: ["acls"]), file))
            XCTAssertTrue(acls.items.last == (try Json.parse(rule)), "\(file): pushed \(String(describing: acls.items.last))")
            XCTAssertEqual(comments(pushed.text()), comments(text), "\(file): comments changed by push")
            XCTAssertEqual(original.text(), text, "\(file): editing a copy changed the original")

            let set = original.copy()
            try set.set(path: ["tagOwners", "tag:ci"], valueJson: #"["group:ops"]"#)
            XCTAssertEqual(set.get(path: ["tagOwners", "tag:ci"]), #"["group:ops"]"#, file)
            XCTAssertEqual(comments(set.text()), comments(text), "\(file): comments changed by set")

            let removed = original.copy()
            let hadHost = before["hosts"]?["db-primary"] != nil
            XCTAssertEqual(try removed.remove(path: ["hosts", "db-primary"]), hadHost, file)
            if hadHost {
                XCTAssertNil(removed.get(path: ["hosts", "db-primary"]), file)
                XCTAssertTrue(removed.text().contains("// the office"), file)
            } else {
                XCTAssertEqual(removed.text(), text, "\(file): removing nothing changed the text")
            }
        }
    }

    func testPathsValuesAndErrors() throws {
        let doc = try PolicyDocument(text: small)
        try doc.set(path: ["acls", "0", "src"], valueJson: #"["group:x"]"#)
        XCTAssertEqual(doc.get(path: ["acls", "0", "src"]), #"["group:x"]"#)
        XCTAssertTrue(doc.text().contains("// first") && doc.text().contains("// rules"))
        XCTAssertNil(doc.get(path: ["nope"]))
        XCTAssertNil(doc.get(path: ["acls", "9"]))
        XCTAssertTrue(try Json.parse(try XCTUnwrap(doc.get(path: []))) == Json.parse(doc.toJson()), "the empty path is the document")
        try doc.set(path: ["hosts", "db.example.com"], valueJson: "\"100.64.0.9\"")
        XCTAssertEqual(doc.get(path: ["hosts", "db.example.com"]), "\"100.64.0.9\"", "a dotted key is one key")

        func editError(_ body: () throws -> Void) -> (PolicyEditKind, [String]?)? {
            do {
                try body()
                XCTFail("expected a PolicyEdit error")
            } catch TailnetError.PolicyEdit(let kind, let path, _) {
                return (kind, path)
            } catch {
                XCTFail("expected a PolicyEdit error, got \(error)")
            }
            return nil
        }
        let path = editError { try doc.set(path: ["acls", "7", "src"], valueJson: "[]") }
        XCTAssertEqual(path?.0, .path)
        XCTAssertEqual(path?.1, ["acls", "7", "src"])
        let value = editError { try doc.set(path: ["x"], valueJson: "{not json") }
        XCTAssertEqual(value?.0, .value)
        XCTAssertEqual(value?.1, ["x"])
        XCTAssertEqual(editError { _ = try doc.remove(path: []) }?.0, .path)
        let parse = editError { _ = try PolicyDocument(text: "{'single': 1}") }
        XCTAssertEqual(parse?.0, .parse)
        XCTAssertNil(parse?.1 ?? nil)
        XCTAssertEqual(editError { _ = try PolicyDocument(text: "[1, 2]") }?.0, .notAnObject)

        XCTAssertTrue(doc.hasAccessRules())
        XCTAssertTrue(try doc.remove(path: ["acls"]))
        XCTAssertFalse(doc.hasAccessRules())
    }

    /// Every core policy failure is the `.PolicyEdit` case (never `.Build`), with the core's kind,
    /// path and reason; the core's policy update reports an unparseable read the same way.
    func testEveryCorePolicyFailureIsThePolicyEditCase() async throws {
        let doc = try PolicyDocument(text: small)
        let cases: [(() throws -> Void, PolicyEditKind, [String]?, String)] = [
            ({ try doc.set(path: ["acls", "7", "src"], valueJson: "[]") }, .path, ["acls", "7", "src"], "index 7 does not exist"),
            ({ _ = try doc.remove(path: []) }, .path, [], "the path is empty"),
            ({ try doc.push(path: ["acls", "0"], valueJson: "1") }, .path, ["acls", "0"], "is not an array"),
            ({ _ = try PolicyDocument(text: "[1, 2]") }, .notAnObject, nil, "the policy's top level must be an object"),
        ]
        for (call, kind, path, reason) in cases {
            guard case .PolicyEdit(let gotKind, let gotPath, let gotReason)? = thrownSync(call) as? TailnetError else {
                XCTFail("expected .PolicyEdit(\(kind))"); continue
            }
            XCTAssertEqual(gotKind, kind)
            XCTAssertEqual(gotPath, path)
            XCTAssertEqual(gotReason, reason)
        }
        guard case .PolicyEdit(.value, ["x"]?, let valueReason)? = thrownSync({ try doc.set(path: ["x"], valueJson: "{not json") }) as? TailnetError else {
            return XCTFail("expected .PolicyEdit(.value)")
        }
        XCTAssertTrue(valueReason.hasPrefix("the value is not JSON text: "), valueReason)

        let transport = HujsonTransport(policy: "[1, 2]")
        let client = try TailnetClient(options: ClientOptions(apiKey: "tskey-api-x", maxAttempts: 1), transport: transport)
        let read = await thrown { try await client.updatePolicyFile { _ in } }
        guard case .PolicyEdit(.notAnObject, nil, _)? = read as? TailnetError else { return XCTFail("update: \(String(describing: read))") }
        XCTAssertEqual(transport.methods, ["GET"], "nothing is written")
    }
}

/// Answers every request with a HuJSON policy and an ETag.
final class HujsonTransport: HttpTransport, @unchecked Sendable {
    private let recorded = Locked<[String]>([])
    var methods: [String] { recorded.current }
    let policy: String
    init(policy: String) { self.policy = policy }
    func send(request: HttpRequest) async throws -> HttpResponse {
        recorded.withLock { $0.append(request.method) }
        let headers = [HttpHeader(name: "content-type", value: "application/hujson"), HttpHeader(name: "etag", value: "\"e1\"")]
        return HttpResponse(status: 200, headers: headers, body: Data(policy.utf8))
    }
    func sleep(millis: UInt64) async {}
}

// ---- updatePolicyFile against the fake tailnet -----------------------------------------------------

private let seeded = "// Team policy: keep this comment.\n{\n  \"acls\": [\n    // everyone to everything, for now\n" +
    "    {\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]},\n  ],\n  \"tagOwners\": {},\n}\n"

/// A one-shot signal between tasks.
actor Gate {
    private var open = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func signal() {
        open = true
        waiters.forEach { $0.resume() }
        waiters = []
    }
    func wait() async {
        if open { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

struct EditorBoom: Error, CustomStringConvertible {
    let description: String
}

final class ThrowingEditor: PolicyEditor, @unchecked Sendable {
    func edit(document: PolicyDocument) async throws { throw EditorBoom(description: "interface boom") }
}

final class SettingEditor: PolicyEditor, @unchecked Sendable {
    let calls = Locked(0)
    let key: String
    init(key: String) { self.key = key }
    func edit(document: PolicyDocument) async throws {
        calls.withLock { $0 += 1 }
        try document.set(path: ["tagOwners", key], valueJson: #"["autogroup:admin"]"#)
    }
}

final class PolicyUpdateTests: XCTestCase {
    private var fake: FakeTailnet!
    private var client: TailnetClient!

    override func setUp() async throws {
        fake = try FakeTailnet()
        client = try TailnetClient.withApiKey(fakeApiKey, baseUrl: fake.baseUrl)
    }

    override func tearDown() async throws {
        if let fake {
            let violations = try await fake.violations()
            XCTAssertEqual(violations.count, 0, "the fake's response-schema violations: \(violations)")
            fake.stop()
        }
        fake = nil
        client = nil
    }

    private func seed() async throws {
        let current = try await client.getPolicyFile(params: GetPolicyFileParams())
        _ = try await client.setPolicyFile(params: SetPolicyFileParams(ifMatch: current.etag, body: PolicySource(policy: seeded)))
        try await fake.control("DELETE", "/_fake/requests")
    }

    private func aclWrites() async throws -> [Json] {
        try await fake.requests().filter { $0["method"]?.string == "POST" && ($0["path"]?.string ?? "").hasSuffix("/acl") }
    }

    private func ifMatch(_ request: Json) -> String? { request["headers"]?["if-match"]?.string }

    func testTwoConcurrentEditorsBothLandAndCommentsSurvive() async throws {
        try await seed()
        let alphaCalls = Locked(0)
        let alphaEditing = Gate()
        let betaDone = Gate()
        let client = self.client!
        let beta = SettingEditor(key: "tag:beta")
        async let alpha = client.updatePolicyFile { doc in // the closure overload (Convenience.swift)
            try doc.set(path: ["tagOwners", "tag:alpha"], valueJson: #"["autogroup:admin"]"#)
            if alphaCalls.withLock({ $0 += 1; return $0 }) == 1 {
                await alphaEditing.signal()
                await betaDone.wait() // beta writes while alpha is editing: alpha's write loses (412)
            }
        }
        await alphaEditing.wait()
        let betaResult: PolicyFile
        do {
            betaResult = try await client.updatePolicyFile(editor: beta) // the PolicyEditor protocol
            await betaDone.signal()
        } catch {
            await betaDone.signal()
            throw error
        }
        let alphaResult = try await alpha
        XCTAssertEqual(alphaCalls.current, 2, "alpha re-applied after losing the race")
        XCTAssertEqual(beta.calls.current, 1)
        let final = try await client.getPolicyFile(params: GetPolicyFileParams())
        XCTAssertEqual(final.policy, alphaResult.policy)
        XCTAssertEqual(final.etag, alphaResult.etag)
        XCTAssertTrue(betaResult.policy.contains("tag:beta"))
        for want in ["\"tag:alpha\"", "\"tag:beta\"", "// Team policy: keep this comment.", "// everyone to everything, for now"] {
            XCTAssertTrue(final.policy.contains(want), "the final policy lacks \(want)")
        }
        let tags = try await aclWrites().map(ifMatch)
        XCTAssertEqual(tags.count, 3, "alpha's lost write, beta's, alpha's again")
        XCTAssertTrue(tags.allSatisfy { $0 != nil })
        if tags.count == 3 {
            XCTAssertEqual(tags[0], tags[1])
            XCTAssertNotEqual(tags[2], tags[0])
        }
    }

    func testAllowAllGuardUnchangedEditAndAllowAllowAll() async throws {
        try await seed()
        let guarded = await thrown { try await self.client.updatePolicyFile { doc in _ = try doc.remove(path: ["acls"]) } }
        guard case .Build(let parameter, let reason)? = guarded as? TailnetError else {
            return XCTFail("guard: \(String(describing: guarded))")
        }
        XCTAssertEqual(parameter, "policy")
        XCTAssertTrue(reason.contains("allows all traffic"), reason)
        let writesAfterGuard = try await aclWrites().count
        XCTAssertEqual(writesAfterGuard, 0, "the guard refuses before anything is sent")

        let unchanged = try await client.updatePolicyFile { _ in }
        XCTAssertEqual(unchanged.policy, seeded)
        let writesAfterUnchanged = try await aclWrites().count
        XCTAssertEqual(writesAfterUnchanged, 0, "an edit that changes nothing writes nothing")

        let written = try await client.updatePolicyFile(options: PolicyUpdateOptions(allowAllowAll: true)) { doc in _ = try doc.remove(path: ["acls"]) }
        XCTAssertFalse(written.policy.contains("\"acls\""))
        XCTAssertTrue(written.policy.contains("// Team policy: keep this comment."))
        let writesAfterAllowAll = try await aclWrites().count
        XCTAssertEqual(writesAfterAllowAll, 1)
    }

    func testEditorFailuresAreErrorsAndNothingIsWritten() async throws {
        try await seed()
        let edit = await thrown { try await self.client.updatePolicyFile { doc in try doc.set(path: ["acls", "7", "src"], valueJson: "[]") } }
        guard case .PolicyEdit(.path, _, _)? = edit as? TailnetError else { return XCTFail("edit error: \(String(describing: edit))") }

        let swiftError = await thrown { try await self.client.updatePolicyFile { _ in throw EditorBoom(description: "boom from the Swift editor") } }
        guard case .Callback(let reason)? = swiftError as? TailnetError else { return XCTFail("Swift error: \(String(describing: swiftError))") }
        XCTAssertTrue(reason.contains("boom from the Swift editor"), reason)

        let viaProtocol = await thrown { try await self.client.updatePolicyFile(editor: ThrowingEditor()) }
        guard case .Callback(let protocolReason)? = viaProtocol as? TailnetError else { return XCTFail("protocol: \(String(describing: viaProtocol))") }
        XCTAssertTrue(protocolReason.contains("interface boom"), protocolReason)

        let zero = await thrown { try await self.client.updatePolicyFile(options: PolicyUpdateOptions(maxAttempts: 0)) { _ in } }
        guard case .Build("maxAttempts", _)? = zero as? TailnetError else { return XCTFail("maxAttempts 0: \(String(describing: zero))") }
        let writesAfterFailures = try await aclWrites().count
        XCTAssertEqual(writesAfterFailures, 0)
    }

    func testAnotherWriterWinningEveryTimeEndsWith412() async throws {
        try await seed()
        let attempts = Locked(0)
        let other = try TailnetClient.withApiKey(fakeApiKey, baseUrl: fake.baseUrl)
        let error = await thrown {
            try await self.client.updatePolicyFile(options: PolicyUpdateOptions(maxAttempts: 3)) { doc in
                let n = attempts.withLock { $0 += 1; return $0 }
                try doc.set(path: ["tagOwners", "tag:loser"], valueJson: "[\"attempt-\(n)@example.com\"]")
                _ = try await other.updatePolicyFile { doc in try doc.set(path: ["tagOwners", "tag:winner"], valueJson: "[\"w\(n)@example.com\"]") }
            }
        }
        XCTAssertEqual(apiStatus(error), 412, "after \(attempts.current) attempts: \(String(describing: error))")
        XCTAssertEqual(attempts.current, 3)
    }

    func testReplaceDefaultOnlySendsTsDefault() async throws {
        let options = PolicyUpdateOptions(maxAttempts: 2, replaceDefaultOnly: true)
        let first = try await client.updatePolicyFile(options: options) { doc in try doc.set(path: ["tagOwners", "tag:first"], valueJson: #"["autogroup:admin"]"#) }
        XCTAssertTrue(first.policy.contains("\"tag:first\""))
        let defaultTags = try await aclWrites().map(ifMatch)
        XCTAssertEqual(defaultTags, ["\"ts-default\""])
        let second = await thrown {
            try await self.client.updatePolicyFile(options: options) { doc in try doc.set(path: ["tagOwners", "tag:second"], valueJson: #"["autogroup:admin"]"#) }
        }
        XCTAssertEqual(apiStatus(second), 412, "second: \(String(describing: second))")
        let writesAfterSecond = try await aclWrites().count
        XCTAssertEqual(writesAfterSecond, 3, "the first write, then two refused attempts")
    }
}

// ---- webhooks -----------------------------------------------------------------------------------

private let secret = "whsec-test-secret"
private let now: UInt64 = 1_763_798_400
private let body = Data((#"[{"timestamp":"2026-11-22T08:00:00Z","version":1,"type":"nodeCreated","tailnet":"example.com","# +
    #""message":"Node host created","data":{"nodeID":"n1CNTRL","deviceName":"host"}},{"type":"somethingNew","version":2,"data":{"x":1}}]"#).utf8)

private func hmacHex(_ secret: String, _ timestamp: UInt64, _ body: Data) -> String {
    Sha256.hex(Sha256.hmac(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + Array(body)))
}

final class WebhookTests: XCTestCase {
    private func rejection(_ body: () throws -> [WebhookEvent], file: StaticString = #filePath, line: UInt = #line)
        -> (rejection: WebhookRejection, reason: String, age: UInt64?, ahead: UInt64?, tolerance: UInt64?, error: Error)? {
        do {
            let events = try body()
            XCTFail("expected a rejection, got \(events.count) events", file: file, line: line)
        } catch TailnetError.Webhook(let rejection, let reason, let age, let ahead, let tolerance) {
            return (rejection, reason, age, ahead, tolerance, TailnetError.Webhook(rejection: rejection, reason: reason, ageSeconds: age,
                                                                                  aheadSeconds: ahead, toleranceSeconds: tolerance))
        } catch {
            XCTFail("expected a Webhook error, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testSigningMatchesAnIndependentHmacSha256() throws {
        // The test's own SHA-256/HMAC against published vectors first (FIPS 180-2, RFC 4231 case 2).
        XCTAssertEqual(Sha256.hex(Sha256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Sha256.hex(Sha256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let header = try webhookSign(body: body, secret: secret, timestamp: now)
        XCTAssertEqual(header, "t=\(now),v1=\(hmacHex(secret, now, body))")
        XCTAssertEqual(webhookSignatureHeader, "Tailscale-Webhook-Signature")
    }

    func testValidDeliveryVerifiesAndParsesTypedAndUnknownEvents() throws {
        let header = try webhookSign(body: body, secret: secret, timestamp: now)
        let events = try webhookVerify(header: header, body: body, secret: secret, nowUnixSeconds: now + 10)
        XCTAssertEqual(events.count, 2)
        guard events.count == 2 else { return }
        XCTAssertEqual(events[0].type, .nodeCreated)
        XCTAssertEqual(events[0].tailnet, "example.com")
        XCTAssertEqual(events[0].message, "Node host created")
        XCTAssertEqual(events[0].timestamp, "2026-11-22T08:00:00Z")
        XCTAssertEqual(events[0].version, 1)
        XCTAssertEqual(try Json.parse(try XCTUnwrap(events[0].dataJson))["nodeID"]?.string, "n1CNTRL")
        XCTAssertEqual(events[1].type, .unknown("somethingNew"))
        XCTAssertEqual(try Json.parse(events[1].rawJson)["data"]?["x"], .number("1"))
        XCTAssertEqual(try webhookParseEvents(body: body), events, "parsing without verifying gives the same events")
    }

    func testRejections() throws {
        let header = try webhookSign(body: body, secret: secret, timestamp: now)
        var tampered = body
        tampered[3] ^= 1
        XCTAssertEqual(rejection { try webhookVerify(header: header, body: tampered, secret: secret, nowUnixSeconds: now) }?.rejection, .mismatch)
        let wrongSecret = rejection { try webhookVerify(header: header, body: body, secret: "other-secret", nowUnixSeconds: now) }
        XCTAssertEqual(wrongSecret?.rejection, .mismatch)
        let stale = rejection { try webhookVerify(header: header, body: body, secret: secret, nowUnixSeconds: now + 301) }
        XCTAssertEqual(stale?.rejection, .stale)
        XCTAssertEqual(stale?.age, 301)
        XCTAssertEqual(stale?.tolerance, 300)
        XCTAssertEqual(try webhookVerify(header: header, body: body, secret: secret, nowUnixSeconds: now + 3600, toleranceSeconds: 3600).count, 2,
                       "a wider tolerance accepts it")
        let future = rejection { try webhookVerify(header: header, body: body, secret: secret, nowUnixSeconds: now - 301) }
        XCTAssertEqual(future?.rejection, .future)
        XCTAssertEqual(future?.ahead, 301)
        let missing = rejection { try webhookVerify(header: nil, body: body, secret: secret, nowUnixSeconds: now) }
        XCTAssertEqual(missing?.rejection, .missing)
        XCTAssertTrue(missing?.reason.contains(webhookSignatureHeader) == true, missing?.reason ?? "")
        XCTAssertEqual(rejection { try webhookVerify(header: "", body: body, secret: secret, nowUnixSeconds: now) }?.rejection, .missing)
        for garbled in ["t=abc,v1=00", "v1=zz", "t=1", "nonsense", "t=\(now),v1=\(String(repeating: "g", count: 64))"] {
            XCTAssertEqual(rejection { try webhookVerify(header: garbled, body: body, secret: secret, nowUnixSeconds: now) }?.rejection, .malformed, garbled)
        }
        XCTAssertEqual(rejection { try webhookVerify(header: header, body: body, secret: "", nowUnixSeconds: now) }?.rejection, .emptySecret)
        let notArray = Data("{}".utf8)
        let signed = try webhookSign(body: notArray, secret: secret, timestamp: now)
        XCTAssertEqual(rejection { try webhookVerify(header: signed, body: notArray, secret: secret, nowUnixSeconds: now) }?.rejection, .invalidBody)
        for case let r? in [wrongSecret, stale, future, missing] {
            for text in [r.reason, String(describing: r.error), r.error.localizedDescription] {
                XCTAssertFalse(text.contains(secret) || text.contains("other-secret"), "a secret in an error")
                XCTAssertFalse(text.contains(hmacHex(secret, now, body)), "the MAC in an error")
            }
        }
    }

    /// Each core rejection is the `.Webhook` case with its rejection, numbers and the core's message.
    func testEachCoreRejectionIsTheWebhookCaseWithTheCoresMessage() throws {
        let header = try webhookSign(body: body, secret: secret, timestamp: now)
        let notArray = Data("{}".utf8)
        let signed = try webhookSign(body: notArray, secret: secret, timestamp: now)
        let cases: [(() throws -> [WebhookEvent], WebhookRejection, String)] = [
            ({ try webhookVerify(header: nil, body: body, secret: secret, nowUnixSeconds: now) }, .missing, "the Tailscale-Webhook-Signature header is missing or empty"),
            ({ try webhookVerify(header: "t=abc,v1=00", body: body, secret: secret, nowUnixSeconds: now) }, .malformed,
             "the Tailscale-Webhook-Signature header is malformed: `t` is not a Unix timestamp"),
            ({ try webhookVerify(header: header, body: body, secret: secret, nowUnixSeconds: now + 301) }, .stale, "the delivery is 301 s old, beyond the 300 s tolerance (a replay?)"),
            ({ try webhookVerify(header: header, body: body, secret: secret, nowUnixSeconds: now - 301) }, .future,
             "the delivery is timestamped 301 s in the future, beyond the 300 s tolerance"),
            ({ try webhookVerify(header: header, body: body, secret: "other-secret", nowUnixSeconds: now) }, .mismatch, "no signature in the header matches the body and secret"),
            ({ try webhookVerify(header: header, body: body, secret: "", nowUnixSeconds: now) }, .emptySecret, "the webhook secret is empty"),
            ({ try webhookVerify(header: signed, body: notArray, secret: secret, nowUnixSeconds: now) }, .invalidBody, "the body is not a JSON array of events: "),
        ]
        for (call, expected, message) in cases {
            let got = rejection(call)
            XCTAssertEqual(got?.rejection, expected, message)
            XCTAssertTrue(got?.reason.hasPrefix(message) == true, got?.reason ?? "no rejection")
        }
        let stale = rejection { try webhookVerify(header: header, body: body, secret: secret, nowUnixSeconds: now + 301) }
        XCTAssertTrue(stale?.age == 301 && stale?.ahead == nil && stale?.tolerance == 300, String(describing: stale))
        let future = rejection { try webhookVerify(header: header, body: body, secret: secret, nowUnixSeconds: now - 301) }
        XCTAssertTrue(future?.ahead == 301 && future?.age == nil && future?.tolerance == 300, String(describing: future))
    }

    func testAnyOfSeveralSignaturesMatchesForSecretRotation() throws {
        let header = try webhookSign(body: body, secret: secret, timestamp: now)
        let current = try XCTUnwrap(header.components(separatedBy: "v1=").last)
        let rotated = "t=\(now),v1=\(String(repeating: "0", count: 64)),v1=\(current)"
        XCTAssertEqual(try webhookVerify(header: rotated, body: body, secret: secret, nowUnixSeconds: now).count, 2)
        let oldSecret = "t=\(now),v1=\(hmacHex("whsec-old", now, body)),v1=\(String(repeating: "1", count: 64))"
        XCTAssertEqual(try webhookVerify(header: oldSecret, body: body, secret: "whsec-old", nowUnixSeconds: now).count, 2)
        XCTAssertEqual(rejection { try webhookVerify(header: oldSecret, body: body, secret: secret, nowUnixSeconds: now) }?.rejection, .mismatch)
    }
}
