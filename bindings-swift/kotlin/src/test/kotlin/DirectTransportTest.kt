// The JVM's direct transport path (JvmPort.kt, bindings-swift/src/jvm_port.rs) against uniffi's
// async callbacks: the same outcomes through both (responses, transport errors, foreign
// exceptions, sleeps, a transport that suspends, cancellation), and the direct path really taken.
package tailnettest

import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import org.junit.jupiter.api.Test
import tailnet.*
import tailnet.core.*

class DirectTransportTest {
    private val json = listOf(HttpHeader("content-type", "application/json"))

    /** How the test's clients are made: the generated class, or the JVM's direct-call subclass. */
    private var direct = false
    private fun client(options: ClientOptions, transport: HttpTransport): TailnetClient =
        if (direct) JvmTailnetClient(options, transport) else TailnetClient(options, transport)

    /**
     * Runs [block] three ways: the generated methods through uniffi's async callbacks, the generated
     * methods through the direct transport path, and JvmTailnetClient's direct calls (what
     * tailnetClient() returns). Returns the first and checks the others gave the same.
     */
    private fun <T> bothPaths(block: () -> T): Pair<T, T> {
        tailnetClient(ClientOptions(), StubTransport(200, "{}")) // loads the direct paths
        try {
            directTransport = false
            val viaUniffi = block()
            directTransport = true
            expect(directTransport) { "the direct path did not install" }
            val viaPort = block()
            direct = true
            val viaCalls = block()
            expect(viaCalls == viaPort) { "direct calls $viaCalls, generated methods over the direct transport $viaPort" }
            return viaUniffi to viaPort
        } finally {
            directTransport = true
            direct = false
        }
    }

    private fun outcome(transport: HttpTransport, attempts: UInt = 1u): String = runBlocking {
        try {
            val device = client(ClientOptions(apiKey = "tskey-api-x", maxAttempts = attempts), transport).getDevice(GetDeviceParams(deviceId = "n1"))
            "device ${device.nodeId} ${device.name}"
        } catch (e: TailnetException) {
            "${e.javaClass.simpleName}: ${e.message}"
        }
    }

    @Test
    fun `a response, a typed error and a request arrive the same through both paths`() {
        val (a, b) = bothPaths {
            val stub = StubTransport(200, """{"nodeId":"n1","name":"a.example"}""")
            val ok = outcome(stub)
            val notFound = outcome(StubTransport(404, """{"message":"no such device"}"""))
            Triple(ok, notFound, stub.sent.single().let { "${it.method} ${it.url} ${it.headers.map { h -> h.name }} ${it.maxResponseBytes}" })
        }
        expect(a == b) { "uniffi path $a, direct path $b" }
        expect(b.first == "device n1 a.example") { b.first }
        expect(b.second.startsWith("Api: ") && b.second.contains("no such device")) { b.second }
        expect(b.third.startsWith("GET https://api.tailscale.com/api/v2/device/n1 ")) { b.third }
    }

    @Test
    fun `transport exceptions and any other exception become the same TailnetException`() {
        fun throwing(e: Exception) = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse = throw e
            override suspend fun sleep(millis: ULong) {}
        }
        val (a, b) = bothPaths {
            listOf(
                outcome(throwing(TransportException.Failed("connection refused", maybeSent = false, timedOut = false))),
                outcome(throwing(TransportException.Failed("read timed out", maybeSent = true, timedOut = true))),
                outcome(throwing(IllegalStateException("boom from Kotlin"))),
            )
        }
        expect(a == b) { "uniffi path $a, direct path $b" }
        expect(b[0] == "Transport: reason=connection refused, timedOut=false") { b[0] }
        expect(b[1].contains("read timed out") && b[1].endsWith("timedOut=true")) { b[1] }
        expect(b[2].contains("transport raised: java.lang.IllegalStateException: boom from Kotlin")) { b[2] }
    }

    @Test
    fun `a refused connection is retried with the core's backoff through the transport's sleep`() {
        val (a, b) = bothPaths {
            val slept = mutableListOf<ULong>()
            var sends = 0
            val transport = object : HttpTransport {
                override suspend fun send(request: HttpRequest): HttpResponse {
                    sends++
                    if (sends < 3) throw TransportException.Failed("connection refused", maybeSent = false, timedOut = false)
                    return HttpResponse(200u, json, """{"nodeId":"n1","name":"x"}""".toByteArray())
                }
                override suspend fun sleep(millis: ULong) { slept.add(millis) }
            }
            outcome(transport, attempts = 4u) to "$sends sends, ${slept.size} sleeps"
        }
        expect(a == b) { "uniffi path $a, direct path $b" }
        expect(b == ("device n1 x" to "3 sends, 2 sleeps")) { "$b" }
    }

    @Test
    fun `a transport that suspends and answers from another thread`() {
        val transport = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse = withContext(Dispatchers.IO) {
                delay(20)
                HttpResponse(200u, json, """{"nodeId":"n1","name":"later"}""".toByteArray())
            }
            override suspend fun sleep(millis: ULong) = delay(millis.toLong())
        }
        val (a, b) = bothPaths { outcome(transport) }
        expect(a == b && b == "device n1 later") { "uniffi path $a, direct path $b" }
    }

    @Test
    fun `cancelling the caller cancels the transport's coroutine`() {
        val (a, b) = bothPaths {
            val cancelled = CountDownLatch(1)
            val transport = object : HttpTransport {
                override suspend fun send(request: HttpRequest): HttpResponse {
                    try {
                        CompletableDeferred<Unit>().await()
                    } finally {
                        cancelled.countDown()
                    }
                    error("unreachable")
                }
                override suspend fun sleep(millis: ULong) {}
            }
            val client = client(ClientOptions(apiKey = "tskey-api-x"), transport)
            val result = runBlocking { withTimeoutOrNull(300) { client.getDevice(GetDeviceParams(deviceId = "n1")) } }
            (result == null) to cancelled.await(10, TimeUnit.SECONDS)
        }
        expect(a == (true to true)) { "uniffi path: timed out, transport cancelled = $a" }
        expect(b == (true to true)) { "direct path: timed out, transport cancelled = $b" }
    }

    @Test
    fun `JvmTailnetClient answers every kind of result like the generated methods`() {
        // A list, a map, no result (Unit), a parameter error from the core, and a decode error.
        val bodies = mapOf(
            "/api/v2/tailnet/-/devices" to """{"devices":[{"nodeId":"n1","tags":["tag:a"]},{"nodeId":"n2"}]}""",
            "/api/v2/device/n1/attributes" to """{"attributes":{"custom:x":"1"}}""",
            "/api/v2/device/n1" to "",
        )
        val transport = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse {
                val path = java.net.URI(request.url).path
                val body = bodies[path] ?: """{"nodeId":"x","created":12}"""
                return HttpResponse(200u, json, body.toByteArray())
            }
            override suspend fun sleep(millis: ULong) {}
        }
        fun run(client: TailnetClient): List<String> = runBlocking {
            listOf(
                runCatching { client.listTailnetDevices(ListTailnetDevicesParams()).devices!!.map { "${it.nodeId} ${it.tags}" } },
                runCatching { client.getDevicePostureAttributes(GetDevicePostureAttributesParams(deviceId = "n1")).toString() },
                runCatching { client.deleteDevice(DeleteDeviceParams(deviceId = "n1")) },
                runCatching { client.getDevice(GetDeviceParams(deviceId = "")) },
                runCatching { client.getDevice(GetDeviceParams(deviceId = "n2")) },
            ).map { r -> r.fold({ "ok $it" }, { "${it.javaClass.simpleName}: ${it.message}" }) }
        }
        val options = ClientOptions(apiKey = "tskey-api-x", maxAttempts = 1u)
        val generated = run(TailnetClient(options, transport))
        val direct = run(JvmTailnetClient(options, transport))
        expect(generated == direct) { "generated $generated, direct $direct" }
        expect(direct[0] == "ok [n1 [tag:a], n2 null]" && direct[2] == "ok kotlin.Unit") { "$direct" }
        expect(direct[3].startsWith("Build: ") && direct[4].startsWith("Decode: ")) { "$direct" }
    }

    @Test
    fun `callJson answers the same through JvmTailnetClient`() {
        val transport = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse {
                val path = java.net.URI(request.url).path
                return when {
                    path.endsWith("/device/missing") -> HttpResponse(404u, json, """{"message":"no such device"}""".toByteArray())
                    request.method == "DELETE" -> HttpResponse(200u, listOf(), ByteArray(0))
                    else -> HttpResponse(200u, json, """{"nodeId":"n1","tags":["tag:a"],"futureField":{"x":1}}""".toByteArray())
                }
            }
            override suspend fun sleep(millis: ULong) {}
        }
        fun run(client: TailnetClient): List<String> = runBlocking {
            listOf(
                "getDevice" to """{"deviceId":"n1"}""",
                "getDevice" to """{"deviceId":"missing"}""",
                "deleteDevice" to """{"deviceId":"n1"}""",
                "noSuchOperation" to "{}",
                "getDevice" to "{not json",
            ).map { (op, params) ->
                runCatching { client.callJson(op, params) }.fold({ "ok $it" }, { "${it.javaClass.simpleName}: ${it.message}" })
            }
        }
        val options = ClientOptions(apiKey = "tskey-api-x", maxAttempts = 1u)
        val generated = run(TailnetClient(options, transport))
        val direct = run(JvmTailnetClient(options, transport))
        expect(generated == direct) { "generated $generated, direct $direct" }
        expect(direct[0].startsWith("ok {") && direct[0].contains("futureField") && direct[2] == "ok null") { "$direct" }
        expect(direct[1].startsWith("Api: ") && direct[3].startsWith("Build: ") && direct[4].startsWith("Build: ")) { "$direct" }
    }

    @Test
    fun `results and requests larger than the frame buffer`() {
        // 3,000 devices (~300 KB of records, more than the 32 KB per-thread frame buffer) and a
        // request body of ~120 KB.
        val devices = (1..3000).joinToString(",") { """{"nodeId":"n$it","name":"device-$it.example.ts.net","tags":["tag:a","tag:b"]}""" }
        var sentBody = 0
        val transport = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse {
                sentBody = request.body.size
                return HttpResponse(200u, json, if (request.method == "GET") """{"devices":[$devices]}""".toByteArray() else """{"tags":[]}""".toByteArray())
            }
            override suspend fun sleep(millis: ULong) {}
        }
        val client = JvmTailnetClient(ClientOptions(apiKey = "tskey-api-x"), transport)
        val listed = runBlocking { client.listTailnetDevices(ListTailnetDevicesParams()) }.devices!!
        expect(listed.size == 3000 && listed[2999].name == "device-3000.example.ts.net") { "${listed.size} devices" }
        val tags = (1..10000).map { "tag:t$it" }
        runBlocking { client.setDeviceTags(SetDeviceTagsParams(deviceId = "n1", body = SetDeviceTagsRequest(tags = tags))) }
        expect(sentBody > 64 * 1024) { "sent $sentBody bytes" }
    }

    @Test
    fun `a destroyed JvmTailnetClient refuses calls like the generated class`() {
        val client = JvmTailnetClient(ClientOptions(apiKey = "tskey-api-x"), StubTransport(200, """{"nodeId":"n1"}"""))
        expect(runBlocking { client.getDevice(GetDeviceParams(deviceId = "n1")) }.nodeId == "n1") { "before destroy" }
        client.destroy()
        val e = runCatching { runBlocking { client.getDevice(GetDeviceParams(deviceId = "n1")) } }.exceptionOrNull()
        expect(e is IllegalStateException) { "got $e" }
    }

    @Test
    fun `the direct path leaves uniffi's foreign futures unused`() {
        val client = tailnetClient(ClientOptions(apiKey = "tskey-api-x"), StubTransport(200, """{"nodeId":"n1"}"""))
        expect(directTransport) { "the direct path is not installed" }
        val before = uniffiForeignFutureHandleCount()
        val launched = java.util.concurrent.atomic.AtomicInteger()
        val counting = object : HttpTransport {
            override suspend fun send(request: HttpRequest): HttpResponse {
                // uniffi's async callbacks run the transport on Dispatchers.Default; the direct path
                // runs it in the calling thread.
                if (Thread.currentThread().name.contains("DefaultDispatcher")) launched.incrementAndGet()
                return HttpResponse(200u, json, """{"nodeId":"n1"}""".toByteArray())
            }
            override suspend fun sleep(millis: ULong) {}
        }
        runBlocking { repeat(50) { TailnetClient(ClientOptions(apiKey = "tskey-api-x"), counting).getDevice(GetDeviceParams(deviceId = "n1")) } }
        runBlocking { client.getDevice(GetDeviceParams(deviceId = "n1")) }
        expect(launched.get() == 0) { "${launched.get()} sends ran on Dispatchers.Default" }
        expect(uniffiForeignFutureHandleCount() == before) { "foreign futures ${uniffiForeignFutureHandleCount()} (before $before)" }
    }
}
