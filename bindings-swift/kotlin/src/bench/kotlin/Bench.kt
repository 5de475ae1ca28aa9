// Measurements (not a test): Kotlin per-call overhead through a stub transport, and the time to
// parse a 10,000-device `fields=all` list into records. Run by bindings-swift/measure.sh.
package tailnetbench

import java.net.URI
import kotlinx.coroutines.runBlocking
import tailnet.*
import tailnet.core.*

class Stub(private val body: ByteArray) : HttpTransport {
    private val headers = listOf(HttpHeader("content-type", "application/json"))
    override suspend fun send(request: HttpRequest) = HttpResponse(200u, headers, body)
    override suspend fun sleep(millis: ULong) {}
}

fun perCall(label: String, n: Int, block: suspend () -> Unit) = runBlocking {
    repeat(n / 5) { block() }
    val started = System.nanoTime()
    repeat(n) { block() }
    val us = (System.nanoTime() - started) / 1000.0 / n
    println("%-58s %8.1f µs/call (%d calls)".format(label, us, n))
}

fun main(args: Array<String>) {
    val fakeBinary = args[0]
    val small = """{"nodeId":"n1CNTRL","id":"1","name":"a.example.ts.net","addresses":["100.64.0.1"],"tags":["tag:a"]}""".toByteArray()
    val params = GetDeviceParams(deviceId = "n1CNTRL")
    // What tailnetClient() returns (JvmTailnetClient: direct typed calls) first: the generated
    // methods below leave tens of thousands of JNA Memory blocks per second for JNA's cleaner thread
    // and the collector, which then compete with whatever is measured after them (on 2 cores).
    // Then the generated TailnetClient's method through the direct transport path, and through
    // uniffi's async callbacks (the direct transport path off: how every call went before).
    val generated = TailnetClient(ClientOptions(apiKey = "tskey-api-x"), Stub(small))
    val client = tailnetClient(ClientOptions(apiKey = "tskey-api-x"), Stub(small))
    perCall("getDevice, typed records (tailnetClient(): direct call)", 100000) { client.getDevice(params) }
    perCall("getDevice: generated method, direct transport path", 20000) { generated.getDevice(params) }
    directTransport = false
    perCall("getDevice: generated method, uniffi async callbacks", 20000) { generated.getDevice(params) }
    directTransport = true
    perCall("callJson(getDevice) (JSON text in and out)", 20000) { client.callJson("getDevice", """{"deviceId":"n1CNTRL"}""") }
    // The floor of any generated uniffi call: a method with no arguments and a primitive result
    // still clones the object handle and passes a JNA call-status Structure (2 crossings).
    perCall("tokenFetches() (the cheapest generated method call)", 20000) { client.tokenFetches() }
    perCall("sans-IO buildRequest only (sync FFI call)", 20000) { buildRequest("getDevice", ClientOptions(apiKey = "tskey-api-x"), """{"deviceId":"n1CNTRL"}""") }

    val process = ProcessBuilder(fakeBinary, "--listen", "127.0.0.1:0", "--devices", "10000")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start()
    val base = process.inputStream.bufferedReader().readLine()
    val http = java.net.http.HttpClient.newHttpClient()
    val request = java.net.http.HttpRequest.newBuilder(URI.create("$base/api/v2/tailnet/-/devices?fields=all"))
        .header("authorization", "Bearer tskey-api-fake").build()
    val body = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body()
    process.outputStream.close()
    process.destroy()
    val response = HttpResponse(200u, listOf(HttpHeader("content-type", "application/json")), body)
    // parseDeviceList and the Rust share of it in this same run, interleaved, each warmed up the
    // same way (3 rounds: the JIT compiles the Kotlin readers in the first ones): the typed parse
    // alone, then the parse + lowering into the buffer Kotlin reads (the rest of parseDeviceList is
    // Kotlin reading that buffer and freeing it).
    val kotlin = ArrayList<Double>(); val rustParse = ArrayList<Double>(); val rustLower = ArrayList<Double>()
    var lowered = 0uL
    fun ms(block: () -> Unit): Double { val started = System.nanoTime(); block(); return (System.nanoTime() - started) / 1e6 }
    repeat(3 + 7) { round ->
        val k = ms { check(parseDeviceList(response).devices!!.size == 10000) }
        val p = ms { check(benchDeviceListRust(response, false) == 10000uL) }
        val l = ms { lowered = benchDeviceListRust(response, true) }
        if (round >= 3) { kotlin.add(k); rustParse.add(p); rustLower.add(l) }
    }
    kotlin.sort(); rustParse.sort(); rustLower.sort()
    println("10,000-device fields=all list (%.1f MB) → records: min %.0f ms, median %.0f ms (parseDeviceList, 7 runs after 3 warm-up)".format(body.size / 1e6, kotlin[0], kotlin[3]))
    println("  Rust typed parse alone (same library, through the FFI): min %.0f ms, median %.0f ms → parseDeviceList / Rust parse = %.2fx by min, %.2fx by median (goal ≤ 1.5x)".format(rustParse[0], rustParse[3], kotlin[0] / rustParse[0], kotlin[3] / rustParse[3]))
    println("  Rust parse + lowering into the %.1f MB buffer Kotlin reads: min %.0f ms (so Kotlin's reading ≈ %.0f ms)".format(lowered.toDouble() / 1e6, rustLower[0], kotlin[0] - rustLower[0]))
    val big = tailnetClient(ClientOptions(apiKey = "tskey-api-x"), Stub(body))
    val viaClient = (1..3).map {
        val started = System.nanoTime()
        runBlocking { big.listTailnetDevices(ListTailnetDevicesParams(fields = DeviceFields.All)) }
        (System.nanoTime() - started) / 1e6
    }.sorted()
    println("same through TailnetClient.listTailnetDevices (stub transport): min %.0f ms".format(viaClient[0]))
}
