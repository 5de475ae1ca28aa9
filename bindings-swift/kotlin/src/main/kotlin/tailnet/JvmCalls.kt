// The JVM's direct typed calls (bindings-swift/src/jvm_calls.rs): what the generated
// JvmTailnetClient's operation methods call instead of uniffi's generated async methods. The
// parameters are written and the result read by the generated FfiConverters (the same bytes
// uniffi would put in a RustBuffer), passed as byte arrays through C functions with primitive
// arguments: no JNA Structure, no tracked native Memory, no future polling per call. The core
// decides everything; this converts, starts and waits.
package tailnet

import com.sun.jna.Callback
import com.sun.jna.Native
import com.sun.jna.Pointer
import java.nio.ByteBuffer
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.suspendCancellableCoroutine

internal object JvmCalls {
    @JvmStatic external fun tailnet_jvm_call_install(done: DoneCallback?): Int
    @JvmStatic external fun tailnet_jvm_op_index(name: ByteArray, nameLen: Int): Int
    @JvmStatic external fun tailnet_jvm_client_free(client: Long)
    @JvmStatic external fun tailnet_jvm_call_start(client: Long, op: Int, call: Long, params: ByteArray, paramsLen: Int)
    @JvmStatic external fun tailnet_jvm_call_cancel(call: Long)

    interface DoneCallback : Callback { fun callback(call: Long, kind: Int, data: Pointer?, len: Int) }

    private class Waiter(val continuation: CancellableContinuation<Any?>, val read: ((ByteBuffer) -> Any?)?)

    private val waiting = ConcurrentHashMap<Long, Waiter>()
    private val nextCall = AtomicLong(1)
    private val cleaner = java.lang.ref.Cleaner.create()

    init {
        Native.register(JvmCalls::class.java, System.getProperty("uniffi.component.tailnet.libraryOverride") ?: "tailnet_uniffi")
        JvmPort.ensureLoaded()
        check(tailnet_jvm_call_install(OnDone) == 1) { "cannot install the direct call path" }
    }

    /** Indexes of the operations by their snake-case names (the generated client's table). */
    fun ops(vararg names: String): IntArray = IntArray(names.size) { i ->
        val bytes = names[i].toByteArray(Charsets.UTF_8)
        tailnet_jvm_op_index(bytes, bytes.size).also { check(it >= 0) { "unknown operation ${names[i]}" } }
    }

    /** A client's own handle for direct calls, released when the Kotlin object is collected. */
    class Handle(client: TailnetClient) {
        val raw: Long = client.uniffiCloneHandle()
        private val destroyed = AtomicBoolean(false)

        init {
            val raw = raw
            cleaner.register(client) { tailnet_jvm_client_free(raw) }
        }

        fun destroy() = destroyed.set(true)

        fun live(): Long {
            check(!destroyed.get()) { "TailnetClient object has already been destroyed" }
            return raw
        }
    }

    private object OnDone : DoneCallback {
        override fun callback(call: Long, kind: Int, data: Pointer?, len: Int) {
            val waiter = waiting.remove(call) ?: return
            val bytes = if (data == null || len <= 0) ByteArray(0) else data.getByteArray(0, len)
            val outcome = runCatching {
                when (kind) {
                    0 -> {
                        val buffer = ByteBuffer.wrap(bytes)
                        val value = waiter.read?.invoke(buffer) ?: Unit
                        if (buffer.hasRemaining()) throw InternalException("junk remaining in buffer after lifting, something is very wrong!!")
                        value
                    }
                    1 -> throw FfiConverterTypeTailnetError.read(ByteBuffer.wrap(bytes))
                    else -> throw InternalException(bytes.toString(Charsets.UTF_8))
                }
            }
            outcome.fold({ waiter.continuation.resume(it) }, { waiter.continuation.resumeWithException(it) })
        }
    }

    /**
     * Calls operation [op] of [client]: [size] and [write] put the parameters in a buffer, [read]
     * (null for no result) reads the result.
     */
    @Suppress("UNCHECKED_CAST")
    suspend fun <R> call(client: Handle, op: Int, size: () -> ULong, write: (ByteBuffer) -> Unit, read: ((ByteBuffer) -> R)?): R {
        val handle = client.live()
        val buffer = ByteBuffer.allocate(size().toInt())
        write(buffer)
        val id = nextCall.getAndIncrement()
        return suspendCancellableCoroutine<Any?> { continuation ->
            waiting[id] = Waiter(continuation, read)
            continuation.invokeOnCancellation { if (waiting.remove(id) != null) tailnet_jvm_call_cancel(id) }
            tailnet_jvm_call_start(handle, op, id, buffer.array(), buffer.position())
        } as R
    }
}
