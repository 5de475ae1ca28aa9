// updatePolicyFile against the fake tailnet: two concurrent coroutine editors, the allow-all guard,
// editor failures, lost races, "ts-default".
package tailnettest

import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.MethodOrderer
import org.junit.jupiter.api.Order
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.TestMethodOrder
import tailnet.*
import tailnet.core.*

private const val SEEDED = "// Team policy: keep this comment.\n{\n  \"acls\": [\n    // everyone to everything, for now\n" +
    "    {\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]},\n  ],\n  \"tagOwners\": {},\n}\n"

private fun aclWrites(fake: Fake) = fake.requests().filter { it["method"] == "POST" && (it["path"] as String).endsWith("/acl") }

private fun ifMatch(request: Map<String, Any?>) = request["headers"].obj()["if-match"] as String?

/** One fake for the class; each test seeds the policy first (as the harness did). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation::class)
class PolicyUpdateTest {
    private lateinit var fake: Fake
    private lateinit var client: TailnetClient

    @BeforeAll
    fun start() {
        fake = Fake(Paths.fakeTailnet)
        client = tailnetClient(ClientOptions(baseUrl = fake.baseUrl, apiKey = "tskey-api-fake"))
    }

    @AfterAll
    fun stop() {
        if (::fake.isInitialized) fake.close()
    }

    private fun seed() = runBlocking {
        val current = client.getPolicyFile(GetPolicyFileParams())
        client.setPolicyFile(SetPolicyFileParams(ifMatch = current.etag, body = PolicySource(policy = SEEDED)))
        fake.control("DELETE", "/_fake/requests")
    }

    @Test @Order(1)
    @DisplayName("updatePolicyFile: two concurrent coroutine editors both land; comments survive")
    fun concurrentEditors() {
        seed()
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

    @Test @Order(2)
    @DisplayName("updatePolicyFile: allow-all guard, unchanged edit, allowAllowAll")
    fun allowAllGuard() {
        seed()
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

    @Test @Order(3)
    @DisplayName("updatePolicyFile: editor failures are errors, never crashes; nothing is written")
    fun editorFailures() {
        seed()
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

    @Test @Order(4)
    @DisplayName("updatePolicyFile: another writer winning every time ends with the 412 after maxAttempts")
    fun alwaysLosing() {
        seed()
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

    @Test @Order(5)
    @DisplayName("updatePolicyFile: replaceDefaultOnly sends If-Match \"ts-default\" and fails once the default is gone")
    fun replaceDefaultOnly() {
        // A fresh fake: its policy is still the default one.
        Fake(Paths.fakeTailnet).use { fake ->
            val client = tailnetClient(ClientOptions(baseUrl = fake.baseUrl, apiKey = "tskey-api-fake"))
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
