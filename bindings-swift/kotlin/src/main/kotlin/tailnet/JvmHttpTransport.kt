// The JVM transport of tailnet: java.net.http.HttpClient with coroutines. The only IO of the
// library; credentials, retries and rate limits are decided in Rust by the core's state machines.
package tailnet

import java.io.IOException
import java.net.ConnectException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpConnectTimeoutException
import java.net.http.HttpTimeoutException
import java.net.http.HttpRequest as JHttpRequest
import java.net.http.HttpResponse as JHttpResponse
import java.nio.channels.UnresolvedAddressException
import java.time.Duration
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.future.await
import kotlinx.coroutines.withContext

/** Sends requests with [java.net.http.HttpClient]; [timeout] bounds each attempt. */
class JvmHttpTransport(
    private val client: HttpClient = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER)
        .build(),
    private val timeout: Duration = Duration.ofSeconds(30),
) : HttpTransport {

    init {
        JvmPort.ensureLoaded() // clients reach this transport through the direct path (JvmPort.kt)
    }

    override suspend fun send(request: HttpRequest): HttpResponse {
        val builder = try {
            JHttpRequest.newBuilder(URI.create(request.url)).timeout(timeout)
        } catch (e: IllegalArgumentException) {
            throw TransportException.Failed("invalid URL: ${e.message}", maybeSent = false, timedOut = false)
        }
        for (header in request.headers) {
            if (header.name.lowercase() !in RESTRICTED) builder.header(header.name, header.value)
        }
        val body = if (request.body.isEmpty()) JHttpRequest.BodyPublishers.noBody()
                   else JHttpRequest.BodyPublishers.ofByteArray(request.body)
        builder.method(request.method, body)
        val response = try {
            client.sendAsync(builder.build(), JHttpResponse.BodyHandlers.ofInputStream()).await()
        } catch (e: HttpConnectTimeoutException) {
            throw TransportException.Failed("connect timed out: ${e.message}", maybeSent = false, timedOut = true)
        } catch (e: HttpTimeoutException) {
            throw TransportException.Failed("timed out after $timeout: ${e.message}", maybeSent = true, timedOut = true)
        } catch (e: ConnectException) {
            throw TransportException.Failed("connection failed: ${e.message}", maybeSent = false, timedOut = false)
        } catch (e: UnresolvedAddressException) {
            throw TransportException.Failed("unresolved address", maybeSent = false, timedOut = false)
        } catch (e: IOException) {
            throw TransportException.Failed("I/O error: ${e.message ?: e.javaClass.simpleName}", maybeSent = true, timedOut = false)
        }
        val limit = request.maxResponseBytes.toLong()
        val bytes = withContext(Dispatchers.IO) {
            response.body().use { input ->
                val out = java.io.ByteArrayOutputStream()
                val buffer = ByteArray(64 * 1024)
                var total = 0L
                while (true) {
                    val n = try { input.read(buffer) } catch (e: IOException) {
                        throw TransportException.Failed("reading the body: ${e.message}", maybeSent = true, timedOut = false)
                    }
                    if (n < 0) break
                    total += n
                    if (total > limit) throw TransportException.Failed("response larger than the $limit byte limit", maybeSent = true, timedOut = false)
                    out.write(buffer, 0, n)
                }
                out.toByteArray()
            }
        }
        val headers = response.headers().map().flatMap { (name, values) ->
            if (name.startsWith(":")) emptyList() else values.map { HttpHeader(name.lowercase(), it) }
        }
        return HttpResponse(response.statusCode().toUShort(), headers, bytes)
    }

    override suspend fun sleep(millis: ULong) {
        delay(millis.toLong())
    }

    private companion object {
        // java.net.http sets these itself and refuses them from callers.
        val RESTRICTED = setOf("connection", "content-length", "expect", "host", "upgrade")
    }
}

/**
 * A client over the JVM transport: `tailnetClient(ClientOptions(apiKey = "tskey-api-…"))`. Its
 * operation methods take the JVM's direct call path ([JvmTailnetClient]), and any Kotlin
 * [transport] is reached through the direct transport path ([directTransport]).
 */
fun tailnetClient(options: ClientOptions, transport: HttpTransport = JvmHttpTransport()): TailnetClient {
    JvmPort.ensureLoaded()
    return JvmTailnetClient(options, transport)
}
