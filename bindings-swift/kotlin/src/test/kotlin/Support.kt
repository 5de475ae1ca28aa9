// Shared helpers of the JUnit 5 tests: the paths Surefire passes as system properties, the fixture
// replay (request, result and error checks), stub transports and the fake tailnet process.
package tailnettest

import java.io.File
import java.net.URI
import kotlinx.coroutines.runBlocking
import tailnet.*
import tailnet.core.*

/** The paths the build passes (pom.xml, surefire systemPropertyVariables); a missing one fails the test. */
object Paths {
    private fun property(name: String): String =
        System.getProperty(name)?.takeIf { it.isNotBlank() } ?: throw AssertionError("system property $name is not set (see pom.xml)")

    val fixtures: File get() = File(property("tailnet.fixtures"))
    val policies: File get() = File(property("tailnet.policies"))
    val fakeTailnet: String get() = property("tailnet.fakeTailnet").also {
        if (!File(it).canExecute()) throw AssertionError("fake tailnet binary $it is missing (cargo build -p fake-tailnet)")
    }
}

fun expect(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

@Suppress("UNCHECKED_CAST")
fun Any?.obj(): Map<String, Any?> = (this as? Map<String, Any?>) ?: emptyMap()

// ---- fixture replay ------------------------------------------------------------------------------

class ReplayTransport(private val response: HttpResponse) : HttpTransport {
    val sent = mutableListOf<HttpRequest>()
    override suspend fun send(request: HttpRequest): HttpResponse { sent.add(request); return response }
    override suspend fun sleep(millis: ULong) {}
}

fun responseOf(fixture: Map<String, Any?>): HttpResponse {
    val r = fixture["response"].obj()
    if (r.isEmpty()) return HttpResponse(599u, listOf(), ByteArray(0))
    val body = when {
        r.containsKey("body") -> MiniJson.write(r["body"]).toByteArray()
        r.containsKey("bodyText") -> (r["bodyText"] as String).toByteArray()
        else -> ByteArray(0)
    }
    val headers = r["headers"].obj().map { (k, v) -> HttpHeader(k, v as String) }
    return HttpResponse((r["status"] as java.math.BigDecimal).toInt().toUShort(), headers, body)
}

fun optionsOf(fixture: Map<String, Any?>): ClientOptions {
    val c = fixture["config"].obj()
    return ClientOptions(
        baseUrl = c["baseUrl"] as String? ?: "https://api.tailscale.com",
        tailnet = c["tailnet"] as String? ?: "-",
        apiKey = (c["apiKey"] ?: c["apiKeyBasic"]) as String?,
        basicAuth = c.containsKey("apiKeyBasic"),
        maxAttempts = 1u,
    )
}

fun checkRequest(expected: Map<String, Any?>, request: HttpRequest) {
    expect(request.method == expected["method"]) { "method ${request.method} != ${expected["method"]}" }
    expect(request.url == expected["url"]) { "url ${request.url} != ${expected["url"]}" }
    val headers = request.headers.filter { it.name.lowercase() != "user-agent" }.associate { it.name.lowercase() to it.value }
    val want = expected["headers"].obj().map { (k, v) -> k.lowercase() to v }.toMap()
    expect(headers == want) { "headers $headers != $want" }
    when {
        expected.containsKey("body") -> expect(MiniJson.same(MiniJson.parse(String(request.body)), expected["body"])) {
            "body ${String(request.body)} != ${MiniJson.write(expected["body"])}"
        }
        expected.containsKey("bodyText") -> expect(String(request.body) == expected["bodyText"]) { "bodyText ${String(request.body)}" }
        else -> expect(request.body.isEmpty()) { "unexpected body ${String(request.body)}" }
    }
}

fun checkError(expected: Map<String, Any?>, error: Throwable) {
    expect(error is TailnetException) { "not a TailnetException: $error" }
    val kind = when (error) {
        is TailnetException.Api -> "api"
        is TailnetException.Build -> "build"
        is TailnetException.Decode -> "decode"
        is TailnetException.Transport -> "transport"
        else -> "?"
    }
    expect(kind == expected["kind"]) { "kind $kind != ${expected["kind"]}: $error" }
    val message = when (error) {
        is TailnetException.Api -> error.detail
        is TailnetException.Build -> error.reason
        is TailnetException.Decode -> error.reason
        is TailnetException.Transport -> error.reason
        else -> ""
    }
    for ((key, want) in expected) {
        when (key) {
            "kind" -> {}
            "status" -> {
                val status = when (error) { is TailnetException.Api -> error.status.toInt(); is TailnetException.Decode -> error.status.toInt(); else -> -1 }
                expect(status == (want as java.math.BigDecimal).toInt()) { "status $status != $want" }
            }
            "message" -> expect(message == want) { "message '$message' != '$want'" }
            "messageContains" -> expect(message.contains(want as String)) { "message '$message' lacks '$want'" }
            "messageExcludes" -> {
                val body = (error as? TailnetException.Api)?.body ?: ""
                for (text in listOf(message, error.toString(), error.message ?: "", body)) {
                    expect(!text.contains(want as String)) { "'$want' leaked in '$text'" }
                }
            }
            "parameter" -> expect((error as? TailnetException.Build)?.parameter == want) { "parameter ${(error as? TailnetException.Build)?.parameter} != $want" }
            "path" -> expect((error as? TailnetException.Decode)?.path == want) { "path ${(error as? TailnetException.Decode)?.path} != $want" }
            "retryAfter" -> {
                val api = error as TailnetException.Api
                val w = want.obj()
                if (w.containsKey("seconds")) expect(api.retryAfterSeconds?.toLong() == (w["seconds"] as java.math.BigDecimal).toLong() && api.retryAfterAtUnixSeconds == null) { "retryAfter ${api.retryAfterSeconds}" }
                else expect(api.retryAfterAtUnixSeconds?.toLong() == (w["atUnixSeconds"] as java.math.BigDecimal).toLong()) { "retryAfterAt ${api.retryAfterAtUnixSeconds}" }
            }
            "dataKind" -> {
                val api = error as TailnetException.Api
                expect(api.dataKind == want) { "dataKind ${api.dataKind} != $want" }
                if (want == "aclTests") expect(api.testResults.isNotEmpty()) { "no test results" }
            }
            "bodyContains" -> expect((error as TailnetException.Api).body?.contains(want as String) == true) { "body lacks $want" }
            "requiredScope" -> expect((error as TailnetException.Api).requiredScope == want) { "requiredScope ${error.requiredScope} != $want" }
            "code" -> expect((error as TailnetException.Api).code == want) { "code ${error.code} != $want" }
            else -> throw AssertionError("unknown fixture assertion $key")
        }
    }
}

/** Replays one fixture through TailnetClient: callJson (the JSON surface) or callTypedJson (typed records). */
fun replay(fixture: Map<String, Any?>, typed: Boolean) = runBlocking {
    val transport = ReplayTransport(responseOf(fixture))
    val client = TailnetClient(optionsOf(fixture), transport)
    val op = fixture["operation"] as String
    val params = MiniJson.write(fixture["params"] ?: emptyMap<String, Any?>())
    val expectedError = fixture["error"]?.obj()
    var outcome: String? = null
    var error: Throwable? = null
    try {
        outcome = if (typed) client.callTypedJson(op, params) else client.callJson(op, params)
    } catch (e: Throwable) {
        error = e
    }
    client.close()
    if (expectedError != null && expectedError["kind"] == "build") {
        expect(error != null && transport.sent.isEmpty()) { "expected a build error, got $outcome" }
        checkError(expectedError, error!!)
        return@runBlocking
    }
    expect(transport.sent.size == 1) { "sent ${transport.sent.size} requests (error: $error)" }
    checkRequest(fixture["request"].obj(), transport.sent[0])
    if (expectedError != null) {
        expect(error != null) { "expected an error, got $outcome" }
        checkError(expectedError, error!!)
    } else {
        expect(error == null) { "unexpected error $error" }
        expect(MiniJson.same(MiniJson.parse(outcome!!), fixture["result"])) { "result $outcome != ${MiniJson.write(fixture["result"])}" }
    }
}

// ---- stubs and the fake tailnet ------------------------------------------------------------------

class StubTransport(private val status: Int, private val body: String, private val headers: List<HttpHeader> = listOf(HttpHeader("content-type", "application/json"))) : HttpTransport {
    val sent = mutableListOf<HttpRequest>()
    override suspend fun send(request: HttpRequest): HttpResponse { sent.add(request); return HttpResponse(status.toUShort(), headers, body.toByteArray()) }
    override suspend fun sleep(millis: ULong) {}
}

/** The fake tailnet (tests/fake-tailnet) on a free loopback port; closing it ends the process. */
class Fake(binary: String, vararg args: String) : AutoCloseable {
    private val process = ProcessBuilder(listOf(binary, "--listen", "127.0.0.1:0") + args)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start()
    val baseUrl: String = process.inputStream.bufferedReader().readLine() ?: error("fake-tailnet printed nothing")
    private val http = java.net.http.HttpClient.newHttpClient()

    fun control(method: String, path: String, body: String? = null): String {
        val b = java.net.http.HttpRequest.newBuilder(URI.create(baseUrl + path))
            .method(method, if (body == null) java.net.http.HttpRequest.BodyPublishers.noBody() else java.net.http.HttpRequest.BodyPublishers.ofString(body))
            .header("content-type", "application/json").build()
        return http.send(b, java.net.http.HttpResponse.BodyHandlers.ofString()).body()
    }

    @Suppress("UNCHECKED_CAST")
    fun requests(): List<Map<String, Any?>> {
        val v = MiniJson.parse(control("GET", "/_fake/requests"))
        return (if (v is List<*>) v else (v.obj()["requests"] as List<*>)) as List<Map<String, Any?>>
    }

    override fun close() {
        process.outputStream.close()
        process.destroy()
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly()
    }
}
