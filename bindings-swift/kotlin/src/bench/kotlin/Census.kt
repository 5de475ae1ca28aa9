// What one call allocates (not a test): runs a call N and 2N times and prints the difference of
// the JVM's class histogram (every object, reachable or not) divided by N: JNA structures and
// native Memory blocks, uniffi objects, coroutine machinery. Exact only without collections, so
// run it with the Epsilon collector (bindings-swift/measure.sh --census does):
//   java -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xmx4g ... tailnetbench.CensusKt
package tailnetbench

import java.lang.management.ManagementFactory
import javax.management.ObjectName
import kotlinx.coroutines.runBlocking
import tailnet.*
import tailnet.core.*

private fun histogram(): Map<String, Long> {
    val server = ManagementFactory.getPlatformMBeanServer()
    val text = server.invoke(
        ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        arrayOf<Any>(arrayOf("-all")), arrayOf(Array<String>::class.java.name),
    ) as String
    val counts = HashMap<String, Long>()
    val row = Regex("""^\s*\d+:\s+(\d+)\s+\d+\s+(\S+)""")
    for (line in text.lineSequence()) {
        val m = row.find(line) ?: continue
        counts[m.groupValues[2]] = m.groupValues[1].toLong()
    }
    return counts
}

private fun census(label: String, n: Int, block: suspend () -> Unit) {
    runBlocking { repeat(200) { block() } }
    val before = histogram()
    runBlocking { repeat(n) { block() } }
    val after = histogram()
    val interesting = Regex("""^(com\.sun\.jna\.|tailnet\.|kotlinx\.coroutines\.|java\.lang\.ref\.|jdk\.internal\.ref\.|java\.util\.concurrent\.ConcurrentHashMap)""")
    val rows = after.mapNotNull { (name, count) ->
        val per = (count - (before[name] ?: 0)).toDouble() / n
        if (per >= 0.5 && interesting.containsMatchIn(name)) name to per else null
    }.sortedByDescending { it.second }
    println("== $label: objects per call (of the classes that matter)")
    for ((name, per) in rows) println("  %6.1f  %s".format(per, name))
    // Native blocks JNA allocates and tracks (map entry + cleaner registration each): a Structure's
    // own memory (Structure$AutoAllocated) or a plain Memory; SharedMemory is a view into one.
    val memory = rows.filter { it.first == "com.sun.jna.Structure\$AutoAllocated" || it.first == "com.sun.jna.Memory" }.sumOf { it.second }
    val structures = rows.filter { (name, _) ->
        runCatching { com.sun.jna.Structure::class.java.isAssignableFrom(Class.forName(name)) }.getOrDefault(false)
    }.sumOf { it.second }
    println("  → %.1f JNA Structure objects, %.1f tracked native Memory blocks per call".format(structures, memory))
}

fun main() {
    val n = 2000
    val small = """{"nodeId":"n1CNTRL","id":"1","name":"a.example.ts.net","addresses":["100.64.0.1"],"tags":["tag:a"]}""".toByteArray()
    val generated = TailnetClient(ClientOptions(apiKey = "tskey-api-x"), Stub(small))
    val client = tailnetClient(ClientOptions(apiKey = "tskey-api-x"), Stub(small))
    directTransport = false
    census("getDevice: generated method, uniffi async callbacks (directTransport off)", n) { generated.getDevice(GetDeviceParams(deviceId = "n1CNTRL")) }
    directTransport = true
    census("getDevice: generated method, direct transport path", n) { generated.getDevice(GetDeviceParams(deviceId = "n1CNTRL")) }
    census("getDevice: tailnetClient() (JvmTailnetClient: direct call + direct transport)", n) { client.getDevice(GetDeviceParams(deviceId = "n1CNTRL")) }
    census("buildRequest", n) { buildRequest("getDevice", ClientOptions(apiKey = "tskey-api-x"), """{"deviceId":"n1CNTRL"}""") }
}

object Micro {
    @JvmStatic fun main(args: Array<String>) {
        val small = """{"nodeId":"n1CNTRL","id":"1","name":"a.example.ts.net","addresses":["100.64.0.1"],"tags":["tag:a"]}""".toByteArray()
        val client = tailnetClient(ClientOptions(apiKey = "tskey-api-x"), Stub(small))
        val resp = HttpResponse(200u, listOf(HttpHeader("content-type", "application/json")), small)
        repeat(2) {
            perCall("tokenFetches (clone + call: 2 statuses)", 100000) { client.tokenFetches() }
            perCall("parseResponse small", 20000) { parseResponse("getDevice", resp) }
            perCall("buildRequest", 20000) { buildRequest("getDevice", ClientOptions(apiKey = "tskey-api-x"), """{"deviceId":"n1CNTRL"}""") }
            perCall("getDevice", 20000) { client.getDevice(GetDeviceParams(deviceId = "n1CNTRL")) }
        }
    }
}

/** The 10,000-device `fields=all` list, as a fake tailnet started from `fakeTailnet` answers it. */
private fun deviceListFrom(fakeTailnet: String): HttpResponse {
    val process = ProcessBuilder(fakeTailnet, "--listen", "127.0.0.1:0", "--devices", "10000")
        .redirectError(ProcessBuilder.Redirect.DISCARD).start()
    val base = process.inputStream.bufferedReader().readLine()
    val http = java.net.http.HttpClient.newHttpClient()
    val request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("$base/api/v2/tailnet/-/devices?fields=all"))
        .header("authorization", "Bearer tskey-api-fake").build()
    val body = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray()).body()
    process.outputStream.close()
    process.destroy()
    return HttpResponse(200u, listOf(HttpHeader("content-type", "application/json")), body)
}

/** Profiling aid: parses the 10,000-device list repeatedly (run under JFR). Args: fake-tailnet binary, seconds. */
object ParseLoop {
    @JvmStatic fun main(args: Array<String>) {
        val response = deviceListFrom(args[0])
        val until = System.nanoTime() + args[1].toLong() * 1_000_000_000
        var runs = 0
        while (System.nanoTime() < until) { check(parseDeviceList(response).devices!!.size == 10000); runs++ }
        println("$runs parses")
    }
}

/** Where the 10,000-device list's time goes on the Kotlin side. Args: fake-tailnet binary. */
object ReadSplit {
    @JvmStatic fun main(args: Array<String>) {
        val response = deviceListFrom(args[0])
        val parsed = parseDeviceList(response)
        val size = FfiConverterTypeListTailnetDevicesResponse.allocationSize(parsed).toInt()
        val heap = java.nio.ByteBuffer.allocate(size)
        FfiConverterTypeListTailnetDevicesResponse.write(parsed, heap)
        val len = heap.position()
        val direct = java.nio.ByteBuffer.allocateDirect(len)
        direct.put(heap.array(), 0, len)
        fun time(label: String, block: () -> Unit) {
            repeat(3) { block() }
            val t = (1..7).map { val s = System.nanoTime(); block(); (System.nanoTime() - s) / 1e6 }.sorted()
            println("%-60s min %6.1f ms  median %6.1f ms".format(label, t[0], t[3]))
        }
        time("parseDeviceList (whole)") { parseDeviceList(response) }
        time("benchDeviceListRust(lower=false) (Rust parse)") { benchDeviceListRust(response, false) }
        time("benchDeviceListRust(lower=true) (Rust parse + lower)") { benchDeviceListRust(response, true) }
        time("Kotlin read of the $len-byte buffer, heap ByteBuffer") { heap.position(0); FfiConverterTypeListTailnetDevicesResponse.read(heap) }
        time("Kotlin read of the same buffer, direct ByteBuffer") { direct.position(0); FfiConverterTypeListTailnetDevicesResponse.read(direct) }
        time("Kotlin lowering of the 12 MB response (write only)") {
            val b = java.nio.ByteBuffer.allocate(FfiConverterTypeHttpResponse.allocationSize(response).toInt()); FfiConverterTypeHttpResponse.write(response, b)
        }
    }
}

/** Profiling aid: tailnetClient().getDevice with a stub transport in a loop. Args: seconds. */
object DirectLoop {
    @JvmStatic fun main(args: Array<String>) {
        val small = """{"nodeId":"n1CNTRL","id":"1","name":"a.example.ts.net","addresses":["100.64.0.1"],"tags":["tag:a"]}""".toByteArray()
        val client = tailnetClient(ClientOptions(apiKey = "tskey-api-x"), Stub(small))
        val params = GetDeviceParams(deviceId = "n1CNTRL")
        val until = System.nanoTime() + args[0].toLong() * 1_000_000_000
        var n = 0L
        val started = System.nanoTime()
        runBlocking { while (System.nanoTime() < until) { client.getDevice(params); n++ } }
        println("%.1f µs/call over %d calls".format((System.nanoTime() - started) / 1000.0 / n, n))
    }
}
