// Kotlin conveniences over the generated policy and webhook surface.
package tailnet

import tailnet.core.PolicyFile

/**
 * Safe read-modify-write of the policy file with a lambda editor:
 *
 * ```kotlin
 * client.updatePolicyFile { doc -> doc.set(listOf("tagOwners", "tag:ci"), """["group:ops"]""") }
 * ```
 *
 * The lambda may run more than once (after another writer won, on the re-read policy). Anything it
 * throws ends the update: a [TailnetException] as is, any other exception or error as
 * [TailnetException.Callback].
 */
suspend fun TailnetClient.updatePolicyFile(
    options: PolicyUpdateOptions = PolicyUpdateOptions(),
    edit: suspend (PolicyDocument) -> Unit,
): PolicyFile = updatePolicyFile(LambdaPolicyEditor(edit), options)

private class LambdaPolicyEditor(private val block: suspend (PolicyDocument) -> Unit) : PolicyEditor {
    override suspend fun edit(document: PolicyDocument) {
        try {
            block(document)
        } catch (e: Exception) {
            throw e // uniffi passes a TailnetException through and turns any other into Callback
        } catch (e: VirtualMachineError) {
            throw e
        } catch (e: Throwable) {
            // uniffi only catches Exception; an Error (AssertionError, NotImplementedError) would
            // otherwise escape its coroutine and leave the update waiting forever.
            throw TailnetException.Callback("the callback threw: $e")
        }
    }
}

/** The header carrying a webhook delivery's signature (`tailnet::webhooks::SIGNATURE_HEADER`). */
const val WEBHOOK_SIGNATURE_HEADER: String = "Tailscale-Webhook-Signature"
