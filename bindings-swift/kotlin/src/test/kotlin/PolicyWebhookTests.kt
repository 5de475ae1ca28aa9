// Kotlin tests of the policy document, updatePolicyFile (against the fake tailnet: two concurrent
// coroutine editors, the allow-all guard, lost races, "ts-default") and webhook verification.
package tailnettest

import java.io.File
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import tailnet.*

private fun comments(text: String): List<String> = text.lines().mapNotNull { line ->
    listOf("//", "/*").map { line.indexOf(it) }.filter { it >= 0 }.minOrNull()?.let { line.substring(it).trimEnd() }
}

private inline fun <reified E : Throwable> thrown(block: () -> Unit): E {
    val e = runCatching(block).exceptionOrNull()
    if (e !is E) throw AssertionError("expected ${E::class.simpleName}, got $e")
    return e
}

private const val RULE = """{"action":"accept","src":["group:new"],"dst":["tag:new:443"]}"""
private const val SMALL = "{\n  // rules\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"a\"], \"dst\": [\"b:*\"]}, // first\n  ],\n  \"custom\": {\"x\": 1},\n}\n"

fun policyDocumentTests(corpus: File) {
    val files = corpus.listFiles()?.filter { it.name.endsWith(".hujson") }?.sortedBy { it.name }.orEmpty()
    check("policy corpus is there") { expect(files.size >= 6) { "only ${files.size} files in $corpus" } }
    for (file in files) {
        check("PolicyDocument ${file.name}: parse and write back byte for byte; edits keep every comment") {
            val text = file.readBytes().decodeToString() // CRLF stays CRLF
            val original = PolicyDocument(text)
            expect(original.text() == text) { "text changed" }
            expect(PolicyDocument(text) == original && original.copy() == original) { "equality" }
            val before = MiniJson.parse(original.toJson()).obj()

            val pushed = original.copy()
            pushed.push(listOf("acls"), RULE)
            val acls = MiniJson.parse(pushed.get(listOf("acls"))!!) as List<*>
            expect(MiniJson.same(acls.last(), MiniJson.parse(RULE))) { "pushed ${acls.last()}" }
            expect(comments(pushed.text()) == comments(text)) { "comments changed by push" }
            expect(original.text() == text) { "editing a copy changed the original" }

            val set = original.copy()
            set.set(listOf("tagOwners", "tag:ci"), """["group:ops"]""")
            expect(set.get(listOf("tagOwners", "tag:ci")) == """["group:ops"]""") { "get ${set.get(listOf("tagOwners", "tag:ci"))}" }
            expect(comments(set.text()) == comments(text)) { "comments changed by set" }

            val removed = original.copy()
            val hadHost = (before["hosts"].obj()).containsKey("db-primary")
            expect(removed.remove(listOf("hosts", "db-primary")) == hadHost) { "remove said ${!hadHost}" }
            if (!hadHost) expect(removed.text() == text) { "removing nothing changed the text" }
            else expect(removed.get(listOf("hosts", "db-primary")) == null && removed.text().contains("// the office")) { "after remove" }
        }
    }
    check("PolicyDocument paths, JSON values and errors") {
        val doc = PolicyDocument(SMALL)
        doc.set(listOf("acls", "0", "src"), """["group:x"]""")
        expect(doc.get(listOf("acls", "0", "src")) == """["group:x"]""" && doc.text().contains("// first") && doc.text().contains("// rules")) { doc.text() }
        expect(doc.get(listOf("nope")) == null && doc.get(listOf("acls", "9")) == null) { "absent paths" }
        expect(MiniJson.same(MiniJson.parse(doc.get(listOf())!!), MiniJson.parse(doc.toJson()))) { "empty path is the document" }
        doc.set(listOf("hosts", "db.example.com"), "\"100.64.0.9\"")
        expect(doc.get(listOf("hosts", "db.example.com")) == "\"100.64.0.9\"") { "dotted key" }

        val path = thrown<TailnetException.PolicyEdit> { doc.set(listOf("acls", "7", "src"), "[]") }
        expect(path.kind == PolicyEditKind.PATH && path.path == listOf("acls", "7", "src")) { "$path" }
        val value = thrown<TailnetException.PolicyEdit> { doc.set(listOf("x"), "{not json") }
        expect(value.kind == PolicyEditKind.VALUE && value.path == listOf("x")) { "$value" }
        expect(thrown<TailnetException.PolicyEdit> { doc.remove(listOf()) }.kind == PolicyEditKind.PATH) { "empty path" }
        val parse = thrown<TailnetException.PolicyEdit> { PolicyDocument("{'single': 1}") }
        expect(parse.kind == PolicyEditKind.PARSE && parse.path == null) { "$parse" }
        expect(thrown<TailnetException.PolicyEdit> { PolicyDocument("[1, 2]") }.kind == PolicyEditKind.NOT_AN_OBJECT) { "array" }

        expect(doc.hasAccessRules()) { "acls" }
        expect(doc.remove(listOf("acls")) && !doc.hasAccessRules()) { "removed acls" }
    }
}

// ---- updatePolicyFile against the fake tailnet -----------------------------------------------------

private const val SEEDED = "// Team policy: keep this comment.\n{\n  \"acls\": [\n    // everyone to everything, for now\n" +
    "    {\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]},\n  ],\n  \"tagOwners\": {},\n}\n"

private fun seed(client: TailnetClient, fake: Fake) = runBlocking {
    val current = client.getPolicyFile(GetPolicyFileParams())
    client.setPolicyFile(SetPolicyFileParams(ifMatch = current.etag, policy = SEEDED))
    fake.control("DELETE", "/_fake/requests")
}

private fun aclWrites(fake: Fake) = fake.requests().filter { it["method"] == "POST" && (it["path"] as String).endsWith("/acl") }

private fun ifMatch(request: Map<String, Any?>) = request["headers"].obj()["if-match"] as String?

fun policyUpdateTests(fakeBinary: String) {
    Fake(fakeBinary).use { fake ->
        val client = tailnetClient(ClientOptions(baseUrl = fake.baseUrl, apiKey = "tskey-api-fake"))
        check("updatePolicyFile: two concurrent coroutine editors both land; comments survive") {
            seed(client, fake)
            val alphaCalls = AtomicInteger()
            val betaCalls = AtomicInteger()
            val (alpha, beta) = runBlocking {
                val alphaEditing = CompletableDeferred<Unit>()
                val betaDone = CompletableDeferred<Unit>()
                val alpha = async {
                    client.updatePolicyFile { doc -> // the lambda overload
                        doc.set(listOf("tagOwners", "tag:alpha"), """["autogroup:admin"]""")
                        if (alphaCalls.incrementAndGet() == 1) {
                            alphaEditing.complete(Unit)
                            withTimeout(10_000) { betaDone.await() }
                        }
                    }
                }
                val beta = async {
                    alphaEditing.await()
                    try {
                        client.updatePolicyFile(object : PolicyEditor { // the callback interface
                            override suspend fun edit(document: PolicyDocument) {
                                betaCalls.incrementAndGet()
                                document.set(listOf("tagOwners", "tag:beta"), """["autogroup:admin"]""")
                            }
                        })
                    } finally {
                        betaDone.complete(Unit)
                    }
                }
                alpha.await() to beta.await()
            }
            expect(alphaCalls.get() == 2 && betaCalls.get() == 1) { "alpha ran ${alphaCalls.get()}, beta ${betaCalls.get()}" }
            val final = runBlocking { client.getPolicyFile(GetPolicyFileParams()) }
            expect(final.policy == alpha.policy && final.etag == alpha.etag && beta.policy.contains("tag:beta")) { "final is alpha's write" }
            for (want in listOf("\"tag:alpha\"", "\"tag:beta\"", "// Team policy: keep this comment.", "// everyone to everything, for now")) {
                expect(final.policy.contains(want)) { "final lacks $want:\n${final.policy}" }
            }
            val writes = aclWrites(fake)
            expect(writes.size == 3) { "${writes.size} writes" }
            val tags = writes.map(::ifMatch)
            expect(tags[0] == tags[1] && tags[2] != tags[0] && tags.all { it != null }) { "If-Match $tags" }
            val violations = MiniJson.parse(fake.control("GET", "/_fake/violations"))
            expect(violations is List<*> && violations.isEmpty()) { "violations $violations" }
        }
        check("updatePolicyFile: allow-all guard, unchanged edit, allowAllowAll") {
            seed(client, fake)
            runBlocking {
                val guard = runCatching { client.updatePolicyFile { it.remove(listOf("acls")) } }.exceptionOrNull()
                expect(guard is TailnetException.Build && guard.parameter == "policy" && guard.reason.contains("allows all traffic")) { "guard: $guard" }
                expect(aclWrites(fake).isEmpty()) { "the guard refuses before anything is sent" }
                val unchanged = client.updatePolicyFile { }
                expect(unchanged.policy == SEEDED && aclWrites(fake).isEmpty()) { "unchanged wrote" }
                val written = client.updatePolicyFile(PolicyUpdateOptions(allowAllowAll = true)) { it.remove(listOf("acls")) }
                expect(!written.policy.contains("\"acls\"") && written.policy.contains("// Team policy: keep this comment.")) { written.policy }
            }
        }
        check("updatePolicyFile: editor failures are errors, never crashes; nothing is written") {
            seed(client, fake)
            runBlocking {
                val edit = runCatching { client.updatePolicyFile { it.set(listOf("acls", "7", "src"), "[]") } }.exceptionOrNull()
                expect(edit is TailnetException.PolicyEdit && edit.kind == PolicyEditKind.PATH) { "edit error: $edit" }
                val thrownByKotlin = runCatching { client.updatePolicyFile { throw IllegalStateException("boom from the editor") } }.exceptionOrNull()
                expect(thrownByKotlin is TailnetException.Callback && thrownByKotlin.reason.contains("boom from the editor")) { "exception: $thrownByKotlin" }
                val error = runCatching { client.updatePolicyFile { throw AssertionError("an Error, not an Exception") } }.exceptionOrNull()
                expect(error is TailnetException.Callback && error.reason.contains("an Error, not an Exception")) { "Error: $error" }
                val viaInterface = runCatching {
                    client.updatePolicyFile(object : PolicyEditor {
                        override suspend fun edit(document: PolicyDocument) { throw UnsupportedOperationException("interface boom") }
                    })
                }.exceptionOrNull()
                expect(viaInterface is TailnetException.Callback && viaInterface.reason.contains("interface boom")) { "interface: $viaInterface" }
                val zero = runCatching { client.updatePolicyFile(PolicyUpdateOptions(maxAttempts = 0u)) { } }.exceptionOrNull()
                expect(zero is TailnetException.Build && zero.parameter == "maxAttempts") { "maxAttempts 0: $zero" }
                expect(aclWrites(fake).isEmpty()) { "wrote ${aclWrites(fake).size}" }
            }
        }
        check("updatePolicyFile: another writer winning every time ends with the 412 after maxAttempts") {
            seed(client, fake)
            val attempts = AtomicInteger()
            val other = tailnetClient(ClientOptions(baseUrl = fake.baseUrl, apiKey = "tskey-api-fake"))
            val e = runCatching {
                runBlocking {
                    client.updatePolicyFile(PolicyUpdateOptions(maxAttempts = 3u)) { doc ->
                        val n = attempts.incrementAndGet()
                        doc.set(listOf("tagOwners", "tag:loser"), """["attempt-$n@example.com"]""")
                        other.updatePolicyFile { it.set(listOf("tagOwners", "tag:winner"), """["w$n@example.com"]""") }
                    }
                }
            }.exceptionOrNull()
            expect(e is TailnetException.Api && e.status.toInt() == 412 && attempts.get() == 3) { "after ${attempts.get()} attempts: $e" }
        }
    }
    Fake(fakeBinary).use { fake ->
        val client = tailnetClient(ClientOptions(baseUrl = fake.baseUrl, apiKey = "tskey-api-fake"))
        check("updatePolicyFile: replaceDefaultOnly sends If-Match \"ts-default\" and fails once the default is gone") {
            runBlocking {
                val options = PolicyUpdateOptions(replaceDefaultOnly = true, maxAttempts = 2u)
                val first = client.updatePolicyFile(options) { it.set(listOf("tagOwners", "tag:first"), """["autogroup:admin"]""") }
                expect(first.policy.contains("\"tag:first\"")) { first.policy }
                expect(aclWrites(fake).map(::ifMatch) == listOf("\"ts-default\"")) { "If-Match ${aclWrites(fake).map(::ifMatch)}" }
                val second = runCatching { client.updatePolicyFile(options) { it.set(listOf("tagOwners", "tag:second"), """["autogroup:admin"]""") } }.exceptionOrNull()
                expect(second is TailnetException.Api && second.status.toInt() == 412 && aclWrites(fake).size == 3) { "second: $second" }
            }
        }
    }
}

// ---- webhooks -----------------------------------------------------------------------------------

private const val SECRET = "whsec-test-secret"
private const val NOW = 1_763_798_400uL
private val BODY = ("""[{"timestamp":"2026-11-22T08:00:00Z","version":1,"type":"nodeCreated","tailnet":"example.com",""" +
    """"message":"Node host created","data":{"nodeID":"n1CNTRL","deviceName":"host"}},{"type":"somethingNew","version":2,"data":{"x":1}}]""").toByteArray()

/** An independent HMAC-SHA256 (javax.crypto) to check the core's signature against. */
private fun hmacHex(secret: String, timestamp: ULong, body: ByteArray): String {
    val mac = Mac.getInstance("HmacSHA256").apply { init(SecretKeySpec(secret.toByteArray(), "HmacSHA256")) }
    mac.update("$timestamp.".toByteArray())
    return mac.doFinal(body).joinToString("") { "%02x".format(it) }
}

private fun rejection(block: () -> Unit): TailnetException.Webhook = thrown(block)

fun webhookTests() {
    val header = webhookSign(BODY, SECRET, NOW)
    check("webhook: signing matches an independent HMAC-SHA256") {
        expect(header == "t=$NOW,v1=${hmacHex(SECRET, NOW, BODY)}") { header }
    }
    check("webhook: a valid delivery verifies and parses typed and unknown events") {
        val events = webhookVerify(header, BODY, SECRET, NOW + 10u)
        expect(events.size == 2) { "${events.size} events" }
        expect(events[0].type == WebhookEventType.NodeCreated && events[0].tailnet == "example.com" && events[0].message == "Node host created") { "${events[0]}" }
        expect(events[0].timestamp == "2026-11-22T08:00:00Z" && events[0].version == 1L) { "${events[0]}" }
        expect(MiniJson.parse(events[0].dataJson!!).obj()["nodeID"] == "n1CNTRL") { "data ${events[0].dataJson}" }
        expect(events[1].type == WebhookEventType.Unknown("somethingNew")) { "type ${events[1].type}" }
        expect(MiniJson.parse(events[1].rawJson).obj()["data"].obj()["x"] == java.math.BigDecimal.ONE) { "raw ${events[1].rawJson}" }
        expect(webhookParseEvents(BODY) == events) { "parse without verifying" }
    }
    check("webhook: rejections (tampered, wrong secret, stale, future, missing, malformed, empty secret, invalid body)") {
        val tampered = BODY.copyOf().also { it[3] = (it[3].toInt() xor 1).toByte() }
        expect(rejection { webhookVerify(header, tampered, SECRET, NOW) }.rejection == WebhookRejection.MISMATCH) { "tampered" }
        val wrongSecret = rejection { webhookVerify(header, BODY, "other-secret", NOW) }
        expect(wrongSecret.rejection == WebhookRejection.MISMATCH) { "wrong secret" }
        val stale = rejection { webhookVerify(header, BODY, SECRET, NOW + 301u) }
        expect(stale.rejection == WebhookRejection.STALE && stale.ageSeconds == 301uL && stale.toleranceSeconds == 300uL) { "$stale" }
        expect(webhookVerify(header, BODY, SECRET, NOW + 3600u, toleranceSeconds = 3600u).size == 2) { "a wider tolerance accepts it" }
        val future = rejection { webhookVerify(header, BODY, SECRET, NOW - 301u) }
        expect(future.rejection == WebhookRejection.FUTURE && future.aheadSeconds == 301uL) { "$future" }
        val missing = rejection { webhookVerify(null, BODY, SECRET, NOW) }
        expect(missing.rejection == WebhookRejection.MISSING && missing.reason.contains(WEBHOOK_SIGNATURE_HEADER)) { "$missing" }
        expect(rejection { webhookVerify("", BODY, SECRET, NOW) }.rejection == WebhookRejection.MISSING) { "empty header" }
        for (garbled in listOf("t=abc,v1=00", "v1=zz", "t=1", "nonsense", "t=$NOW,v1=${"g".repeat(64)}")) {
            expect(rejection { webhookVerify(garbled, BODY, SECRET, NOW) }.rejection == WebhookRejection.MALFORMED) { "malformed $garbled" }
        }
        expect(rejection { webhookVerify(header, BODY, "", NOW) }.rejection == WebhookRejection.EMPTY_SECRET) { "empty secret" }
        val notArray = "{}".toByteArray()
        expect(rejection { webhookVerify(webhookSign(notArray, SECRET, NOW), notArray, SECRET, NOW) }.rejection == WebhookRejection.INVALID_BODY) { "body" }
        for (e in listOf(wrongSecret, stale, future, missing)) {
            for (text in listOf(e.reason, e.message ?: "", e.toString())) expect(!text.contains(SECRET) && !text.contains("other-secret")) { "secret in $text" }
        }
    }
    check("webhook: any of several v1 signatures matches (secret rotation)") {
        val current = header.substringAfter("v1=")
        val rotated = "t=$NOW,v1=${"0".repeat(64)},v1=$current"
        expect(webhookVerify(rotated, BODY, SECRET, NOW).size == 2) { "rotation" }
        val oldSecret = "t=$NOW,v1=${hmacHex("whsec-old", NOW, BODY)},v1=${"1".repeat(64)}"
        expect(webhookVerify(oldSecret, BODY, "whsec-old", NOW).size == 2) { "the old secret's signature" }
        expect(rejection { webhookVerify(oldSecret, BODY, SECRET, NOW) }.rejection == WebhookRejection.MISMATCH) { "no match" }
    }
}
