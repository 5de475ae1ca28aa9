// The JVM's direct transport path (bindings-swift/src/jvm_port.rs): a Kotlin HttpTransport's
// send/sleep reached through C callbacks and functions with primitive arguments, instead of uniffi's
// foreign-future callbacks (JNA structures, a coroutine launched on Dispatchers.Default and a
// thread hop back, per exchange). Installed when this object loads: by JvmHttpTransport,
// tailnetClient() and directTransport; a client created before that still uses it from its next
// exchange. The core decides everything; this only converts the request and the outcome and runs
// the transport's coroutine, unconfined: a transport that answers at once answers inside the call.
package tailnet

import com.sun.jna.Callback
import com.sun.jna.Native
import com.sun.jna.Pointer
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.util.concurrent.ConcurrentHashMap
import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.DelicateCoroutinesApi
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.GlobalScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch

/**
 * Whether clients made with the generated `TailnetClient(options, transport)` constructor reach a
 * Kotlin transport through the direct transport path (the default once the tailnet Kotlin runtime
 * is loaded) or through uniffi's async callbacks. Both give the same results; the direct path costs
 * a fraction per call. Takes effect from each client's next exchange. ([JvmTailnetClient], what
 * `tailnetClient()` returns, calls its transport from the calling coroutine either way.)
 */
var directTransport: Boolean
    get() = JvmPort.installed
    set(value) { JvmPort.install(value) }

internal object JvmPort {
    // JNA direct mapping of bindings-swift/src/jvm_port.rs (only primitives, arrays and callbacks:
    // no Structure, no tracked native Memory).
    @JvmStatic external fun tailnet_jvm_port_install(send: SendCallback?, sleep: SleepCallback?, cancel: CancelCallback?): Int
    @JvmStatic external fun tailnet_jvm_port_respond(exchange: Long, response: ByteArray, responseLen: Int)
    @JvmStatic external fun tailnet_jvm_port_fail(exchange: Long, reason: ByteArray, reasonLen: Int, flags: Int)
    @JvmStatic external fun tailnet_jvm_port_slept(exchange: Long)

    interface SendCallback : Callback { fun callback(port: Long, exchange: Long, request: Pointer?, requestLen: Int) }
    interface SleepCallback : Callback { fun callback(port: Long, exchange: Long, millis: Long) }
    interface CancelCallback : Callback { fun callback(exchange: Long) }

    /** Exchanges whose coroutine suspended (a real transport), by exchange id, for cancellation. */
    private val inFlight = ConcurrentHashMap<Long, Job>()

    @Volatile var installed = false
        private set

    init {
        Native.register(JvmPort::class.java, System.getProperty("uniffi.component.tailnet.libraryOverride") ?: "tailnet_uniffi")
        install(true)
    }

    @Synchronized fun install(on: Boolean) {
        installed = if (on) tailnet_jvm_port_install(OnSend, OnSleep, OnCancel) == 1 else tailnet_jvm_port_install(null, null, null) == 1
    }

    /** Loads (and so installs) the path. */
    fun ensureLoaded() = Unit

    private object OnSend : SendCallback {
        override fun callback(port: Long, exchange: Long, request: Pointer?, requestLen: Int) {
            try {
                val transport = FfiConverterTypeHttpTransport.handleMap.get(port) // borrowed: the client owns the handle
                val bytes = request?.getByteBuffer(0, requestLen.toLong())?.order(ByteOrder.BIG_ENDIAN) ?: ByteBuffer.allocate(0)
                val decoded = FfiConverterTypeHttpRequest.read(bytes)
                run(exchange) {
                    val response = try {
                        transport.send(decoded)
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: TransportException.Failed) {
                        fail(exchange, e.reason, (if (e.maybeSent) 1 else 0) or (if (e.timedOut) 2 else 0))
                        return@run
                    } catch (e: Throwable) {
                        fail(exchange, e.toString(), 4)
                        return@run
                    }
                    respond(exchange, response)
                }
            } catch (e: Throwable) {
                fail(exchange, e.toString(), 4)
            }
        }
    }

    private object OnSleep : SleepCallback {
        override fun callback(port: Long, exchange: Long, millis: Long) {
            try {
                val transport = FfiConverterTypeHttpTransport.handleMap.get(port) // borrowed: the client owns the handle
                run(exchange) {
                    try {
                        transport.sleep(millis.toULong())
                    } catch (e: CancellationException) {
                        throw e
                    } catch (e: Throwable) {
                        // A sleep that threw has still ended; the core decides what comes next.
                    }
                    tailnet_jvm_port_slept(exchange)
                }
            } catch (e: Throwable) {
                tailnet_jvm_port_slept(exchange)
            }
        }
    }

    private object OnCancel : CancelCallback {
        override fun callback(exchange: Long) {
            inFlight.remove(exchange)?.cancel()
        }
    }

    /** Runs [block] in the calling thread until it first suspends; remembers it if it did. */
    @OptIn(DelicateCoroutinesApi::class)
    private fun run(exchange: Long, block: suspend () -> Unit) {
        val job = GlobalScope.launch(Dispatchers.Unconfined, CoroutineStart.UNDISPATCHED) {
            try {
                block()
            } finally {
                inFlight.remove(exchange)
            }
        }
        if (!job.isCompleted) {
            inFlight[exchange] = job
            if (job.isCompleted) inFlight.remove(exchange)
        }
    }

    private fun respond(exchange: Long, response: HttpResponse) {
        val buffer = try {
            ByteBuffer.allocate(FfiConverterTypeHttpResponse.allocationSize(response).toInt()).also {
                FfiConverterTypeHttpResponse.write(response, it)
            }
        } catch (e: Throwable) {
            fail(exchange, e.toString(), 4)
            return
        }
        tailnet_jvm_port_respond(exchange, buffer.array(), buffer.position())
    }

    private fun fail(exchange: Long, reason: String, flags: Int) {
        val bytes = reason.toByteArray(Charsets.UTF_8)
        tailnet_jvm_port_fail(exchange, bytes, bytes.size, flags)
    }
}
