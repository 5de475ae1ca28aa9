// The binding's surface without a server: foreign exceptions, unknown fields and enum values,
// typed request extras, the sans-IO functions and Retry-After through the foreign sleep.
package tailnettest

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.Test
import tailnet.*
import tailnet.core.*

class SurfaceTest {
    @Test
    fun `the native library is bundled where JNA looks on the class path`() {
        val resource = javaClass.getResource("/linux-x86-64/libtailnet_uniffi.so")
        expect(resource != null) { "linux-x86-64/libtailnet_uniffi.so is not on the class path (-Dtailnet.nativeDir)" }
        expect(System.getProperty("jna.library.path") == null) { "the tests must load the bundled library, not jna.library.path" }
    }

    @Test
    fun `a foreign exception becomes TailnetException Transport`() {
        val throwing = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse = throw IllegalStateException("boom from Kotlin")
            override suspend fun sleep(millis: ULong) {}
        }
        val client = TailnetClient(ClientOptions(apiKey = "tskey-api-x", maxAttempts = 1u), throwing)
        val e = runCatching { runBlocking { client.getDevice(GetDeviceParams(deviceId = "n1")) } }.exceptionOrNull()
        expect(e is TailnetException.Transport && e.reason.contains("boom from Kotlin")) { "got $e" }
    }

    @Test
    fun `unknown fields land in extra, unknown enum values in Unknown`() {
        val body = """{"users":[{"id":"u1","role":"superhero","status":"active","futureField":{"a":[1,2]}}]}"""
        val client = TailnetClient(ClientOptions(apiKey = "tskey-api-x"), StubTransport(200, body))
        val users = runBlocking { client.listUsers(ListUsersParams()) }.users!!
        expect(users[0].role == UserRole.Unknown("superhero")) { "role ${users[0].role}" }
        expect(users[0].status == UserStatus.Active) { "status ${users[0].status}" }
        expect(MiniJson.same(MiniJson.parse(users[0].extra["futureField"]!!), MiniJson.parse("""{"a":[1,2]}"""))) { "extra ${users[0].extra}" }
    }

    @Test
    fun `typed request records carry extra fields to the wire`() {
        val stub = StubTransport(200, """{"tags":["tag:a"]}""")
        val client = TailnetClient(ClientOptions(apiKey = "tskey-api-x"), stub)
        runBlocking { client.setDeviceTags(SetDeviceTagsParams(deviceId = "n1", body = SetDeviceTagsRequest(tags = listOf("tag:a"), extra = mapOf("future" to "true")))) }
        val sent = MiniJson.parse(String(stub.sent[0].body)).obj()
        expect(sent["tags"] == listOf("tag:a") && sent["future"] == true) { "sent $sent" }
    }

    @Test
    @DisplayName("sans-IO buildRequest / parseResponse / operations")
    fun sansIo() {
        val request = buildRequest("getDevice", ClientOptions(apiKey = "tskey-api-x"), """{"deviceId":"a/b"}""")
        expect(request.url == "https://api.tailscale.com/api/v2/device/a%2Fb") { request.url }
        val parsed = parseResponse("getDevice", HttpResponse(200u, listOf(), """{"nodeId":"n1"}""".toByteArray()))
        expect(MiniJson.parse(parsed).obj()["nodeId"] == "n1") { parsed }
        expect(operations().size == 96) { "operations ${operations().size}" }
    }

    @Test
    fun `Retry-After is honoured through the foreign sleep`() {
        val slept = mutableListOf<ULong>()
        val responses = ArrayDeque(listOf(
            HttpResponse(429u, listOf(HttpHeader("retry-after", "2")), """{"message":"slow down"}""".toByteArray()),
            HttpResponse(200u, listOf(HttpHeader("content-type", "application/json")), """{"nodeId":"n1"}""".toByteArray()),
        ))
        val transport = object : HttpTransport {
            override suspend fun send(request: HttpRequest) = responses.removeFirst()
            override suspend fun sleep(millis: ULong) { slept.add(millis) }
        }
        val device = runBlocking { TailnetClient(ClientOptions(apiKey = "tskey-api-x"), transport).getDevice(GetDeviceParams(deviceId = "n1")) }
        expect(device.nodeId == "n1" && slept == listOf(2000uL)) { "slept $slept" }
    }
}
