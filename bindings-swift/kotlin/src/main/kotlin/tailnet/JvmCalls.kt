// The JVM's direct typed calls (bindings-swift/src/jvm_calls.rs): what the generated
// JvmTailnetClient's operation methods call instead of uniffi's generated async methods. The core's
// sans-IO Call of the operation is advanced one step per native call; each step comes back as one
// frame in a per-thread direct buffer: send this request, wait this long, or done (the output or
// the TailnetError). This loop only converts (with the generated FfiConverters: the same bytes
// uniffi would put in a RustBuffer), sends and sleeps with the client's transport in the calling
// coroutine. No JNA Structure, no tracked native Memory, no callback, no thread hop per call; the
// decisions (credentials, retries, backoff, rate limits) are the core's.
package tailnet

import com.sun.jna.Native
import java.nio.ByteBuffer
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.cancellation.CancellationException

internal object JvmCalls {
    @JvmStatic external fun tailnet_jvm_op_index(name: ByteArray, nameLen: Int): Int
    @JvmStatic external fun tailnet_jvm_client_free(client: Long)
    @JvmStatic external fun tailnet_jvm_call_start(client: Long, op: Int, call: Long, params: ByteArray, paramsLen: Int, out: ByteBuffer, cap: Int): Int
    @JvmStatic external fun tailnet_jvm_call_respond(call: Long, response: ByteArray, responseLen: Int, out: ByteBuffer, cap: Int): Int
    @JvmStatic external fun tailnet_jvm_call_fail(call: Long, reason: ByteArray, reasonLen: Int, flags: Int, out: ByteBuffer, cap: Int): Int
    @JvmStatic external fun tailnet_jvm_call_resume(call: Long, out: ByteBuffer, cap: Int): Int
    @JvmStatic external fun tailnet_jvm_call_output(call: Long, out: ByteBuffer, cap: Int): Int
    @JvmStatic external fun tailnet_jvm_call_free(call: Long)

    // Frame kinds (jvm_calls.rs).
    private const val DONE: Byte = 0
    private const val ERROR: Byte = 1
    private const val SEND: Byte = 3
    private const val WAIT: Byte = 4

    private val nextCall = AtomicLong(1)
    /** Registers a clean-up for when an object is collected (java.lang.ref.Cleaner, or JNA's before Android API 33, as uniffi does). */
    private val whenCollected: (Any, Runnable) -> Unit = try {
        val cleaner = java.lang.ref.Cleaner.create()
        val register: (Any, Runnable) -> Unit = { value, task -> cleaner.register(value, task) }
        register
    } catch (e: Throwable) {
        val cleaner = com.sun.jna.internal.Cleaner.getCleaner()
        val register: (Any, Runnable) -> Unit = { value, task -> cleaner.register(value, task) }
        register
    }
    /** Each thread's frame buffer: a frame is read before the coroutine can suspend. */
    private val scratch = ThreadLocal.withInitial { ByteBuffer.allocateDirect(32 * 1024) }

    init {
        Native.register(JvmCalls::class.java, System.getProperty("uniffi.component.tailnet.libraryOverride") ?: "tailnet_uniffi")
    }

    /** Indexes of the operations by their snake-case names (the generated client's table). */
    fun ops(vararg names: String): IntArray = IntArray(names.size) { i ->
        val bytes = names[i].toByteArray(Charsets.UTF_8)
        tailnet_jvm_op_index(bytes, bytes.size).also { check(it >= 0) { "unknown operation ${names[i]}" } }
    }

    /** A client's own handle for direct calls (released when the Kotlin object is collected) and its transport. */
    class Handle(client: TailnetClient, val transport: HttpTransport) {
        private val raw: Long = client.uniffiCloneHandle()
        private val destroyed = AtomicBoolean(false)

        init {
            val raw = raw
            whenCollected(client, Runnable { tailnet_jvm_client_free(raw) })
        }

        fun destroy() = destroyed.set(true)

        fun live(): Long {
            check(!destroyed.get()) { "TailnetClient object has already been destroyed" }
            return raw
        }
    }

    /** The frame of length [len] written into [buffer] (or, larger, fetched into a buffer of its own). */
    private fun frame(call: Long, buffer: ByteBuffer, len: Int): ByteBuffer {
        if (len <= buffer.capacity()) return buffer.limit(len).position(0) as ByteBuffer
        val large = ByteBuffer.allocateDirect(len)
        large.clear()
        check(tailnet_jvm_call_output(call, large, len) == len) { "the call's frame went missing" }
        return large.limit(len).position(0) as ByteBuffer
    }

    private sealed class Next {
        class Send(val request: HttpRequest) : Next()
        class Wait(val millis: Long) : Next()
        class Done(val value: Any?) : Next()
    }

    /** Decodes the step in [frame] now, before anything can reuse the buffer. */
    private fun <R> decode(frame: ByteBuffer, read: ((ByteBuffer) -> R)?): Next {
        val kind = frame.get()
        return when (kind) {
            SEND -> Next.Send(FfiConverterTypeHttpRequest.read(frame))
            WAIT -> Next.Wait(frame.getLong())
            DONE -> {
                val value = read?.invoke(frame) ?: Unit
                if (frame.hasRemaining()) throw InternalException("junk remaining in buffer after lifting, something is very wrong!!")
                Next.Done(value)
            }
            ERROR -> throw FfiConverterTypeTailnetError.read(frame)
            else -> throw InternalException(ByteArray(frame.remaining()).also { frame.get(it) }.toString(Charsets.UTF_8))
        }
    }

    private inline fun <R> step(call: Long, noinline read: ((ByteBuffer) -> R)?, native: (ByteBuffer) -> Int): Next {
        val buffer = scratch.get()
        buffer.clear() // JNA passes a direct buffer's address at its position
        val len = native(buffer)
        return decode(frame(call, buffer, len), read)
    }

    private class Failure(val reason: String, val flags: Int)

    private fun bytesOf(response: HttpResponse): ByteBuffer =
        ByteBuffer.allocate(FfiConverterTypeHttpResponse.allocationSize(response).toInt()).also { FfiConverterTypeHttpResponse.write(response, it) }

    /**
     * Calls operation [op] of [client]: [size] and [write] put the parameters in a buffer, [read]
     * (null for no result) reads the result.
     */
    @Suppress("UNCHECKED_CAST")
    suspend fun <R> call(client: Handle, op: Int, size: () -> ULong, write: (ByteBuffer) -> Unit, read: ((ByteBuffer) -> R)?): R {
        val handle = client.live()
        val params = ByteBuffer.allocate(size().toInt())
        write(params)
        val id = nextCall.getAndIncrement()
        var finished = false
        try {
            var next = step(id, read) { out -> tailnet_jvm_call_start(handle, op, id, params.array(), params.position(), out, out.capacity()) }
            while (true) {
                next = when (next) {
                    is Next.Done -> { finished = true; return next.value as R }
                    is Next.Wait -> {
                        client.transport.sleep(next.millis.toULong())
                        step(id, read) { out -> tailnet_jvm_call_resume(id, out, out.capacity()) }
                    }
                    is Next.Send -> {
                        val outcome: Any = try {
                            bytesOf(client.transport.send(next.request))
                        } catch (e: CancellationException) {
                            throw e
                        } catch (e: TransportException.Failed) {
                            Failure(e.reason, (if (e.maybeSent) 1 else 0) or (if (e.timedOut) 2 else 0))
                        } catch (e: Exception) {
                            Failure(e.toString(), 4) // as uniffi reports any other exception of a callback
                        }
                        if (outcome is ByteBuffer) {
                            step(id, read) { out -> tailnet_jvm_call_respond(id, outcome.array(), outcome.position(), out, out.capacity()) }
                        } else {
                            val failure = outcome as Failure
                            val reason = failure.reason.toByteArray(Charsets.UTF_8)
                            step(id, read) { out -> tailnet_jvm_call_fail(id, reason, reason.size, failure.flags, out, out.capacity()) }
                        }
                    }
                }
            }
        } finally {
            // Anything but a result abandons the call (freeing a call that ended with an error
            // frame finds nothing).
            if (!finished) tailnet_jvm_call_free(id)
        }
    }
}
