// Webhook verification: signing against an independent HMAC-SHA256, typed and unknown events,
// every rejection, secret rotation.
package tailnettest

import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.Test
import tailnet.*
import tailnet.core.*

private const val SECRET = "whsec-test-secret"
private const val NOW = 1_763_798_400uL
private val BODY = ("""[{"timestamp":"2026-11-22T08:00:00Z","version":1,"type":"nodeCreated","tailnet":"example.com",""" +
    """"message":"Node host created","data":{"nodeID":"n1CNTRL","deviceName":"host"}},{"type":"somethingNew","version":2,"data":{"x":1}}]""").toByteArray()

/** An independent HMAC-SHA256 (javax.crypto) to check the core's signature against. */
private fun hmacHex(secret: String, timestamp: ULong, body: ByteArray): String {
    val mac = Mac.getInstance("HmacSHA256").apply { init(SecretKeySpec(secret.toByteArray(), "HmacSHA256")) }
    mac.update("$timestamp.".toByteArray())
    return mac.doFinal(body).joinToString("") { "%02x".format(it) }
}

private fun rejection(block: () -> Unit): TailnetException.Webhook = thrown(block)

class WebhookTest {
    private val header = webhookSign(BODY, SECRET, NOW)

    @Test
    @DisplayName("webhook: each core rejection is TailnetException.Webhook with its rejection and the core's message")
    fun eachRejectionIsTheCoresKind() {
        val notArray = """{"not":"an array"}""".toByteArray()
        val cases = listOf(
            Triple({ webhookVerify(null, BODY, SECRET, NOW) }, WebhookRejection.MISSING, "the Tailscale-Webhook-Signature header is missing or empty"),
            Triple({ webhookVerify("t=abc,v1=00", BODY, SECRET, NOW) }, WebhookRejection.MALFORMED, "the Tailscale-Webhook-Signature header is malformed: `t` is not a Unix timestamp"),
            Triple({ webhookVerify(header, BODY, SECRET, NOW + 301u) }, WebhookRejection.STALE, "the delivery is 301 s old, beyond the 300 s tolerance (a replay?)"),
            Triple({ webhookVerify(header, BODY, SECRET, NOW - 301u) }, WebhookRejection.FUTURE, "the delivery is timestamped 301 s in the future, beyond the 300 s tolerance"),
            Triple({ webhookVerify(header, BODY, "other-secret", NOW) }, WebhookRejection.MISMATCH, "no signature in the header matches the body and secret"),
            Triple({ webhookSign(BODY, "", NOW) }, WebhookRejection.EMPTY_SECRET, "the webhook secret is empty"),
            Triple({ webhookVerify(webhookSign(notArray, SECRET, NOW), notArray, SECRET, NOW) }, WebhookRejection.INVALID_BODY, "the body is not a JSON array of events: "),
        )
        for ((block, expected, message) in cases) {
            val e = rejection { block() }
            expect(e.rejection == expected && e.reason.startsWith(message)) { "$expected: $e" }
            expect(!e.reason.contains(SECRET)) { "no secret: $e" }
        }
        val stale = rejection { webhookVerify(header, BODY, SECRET, NOW + 301u) }
        expect(stale.ageSeconds == 301uL && stale.aheadSeconds == null && stale.toleranceSeconds == 300uL) { "$stale" }
        val future = rejection { webhookVerify(header, BODY, SECRET, NOW - 301u) }
        expect(future.aheadSeconds == 301uL && future.ageSeconds == null && future.toleranceSeconds == 300uL) { "$future" }
    }

    @Test
    @DisplayName("webhook: signing matches an independent HMAC-SHA256")
    fun signing() {
        expect(header == "t=$NOW,v1=${hmacHex(SECRET, NOW, BODY)}") { header }
    }

    @Test
    @DisplayName("webhook: a valid delivery verifies and parses typed and unknown events")
    fun validDelivery() {
        val events = webhookVerify(header, BODY, SECRET, NOW + 10u)
        expect(events.size == 2) { "${events.size} events" }
        expect(events[0].type == WebhookEventType.NodeCreated && events[0].tailnet == "example.com" && events[0].message == "Node host created") { "${events[0]}" }
        expect(events[0].timestamp == "2026-11-22T08:00:00Z" && events[0].version == 1L) { "${events[0]}" }
        expect(MiniJson.parse(events[0].dataJson!!).obj()["nodeID"] == "n1CNTRL") { "data ${events[0].dataJson}" }
        expect(events[1].type == WebhookEventType.Unknown("somethingNew")) { "type ${events[1].type}" }
        expect(MiniJson.parse(events[1].rawJson).obj()["data"].obj()["x"] == java.math.BigDecimal.ONE) { "raw ${events[1].rawJson}" }
        expect(webhookParseEvents(BODY) == events) { "parse without verifying" }
    }

    @Test
    @DisplayName("webhook: rejections (tampered, wrong secret, stale, future, missing, malformed, empty secret, invalid body)")
    fun rejections() {
        val tampered = BODY.copyOf().also { it[3] = (it[3].toInt() xor 1).toByte() }
        expect(rejection { webhookVerify(header, tampered, SECRET, NOW) }.rejection == WebhookRejection.MISMATCH) { "tampered" }
        val wrongSecret = rejection { webhookVerify(header, BODY, "other-secret", NOW) }
        expect(wrongSecret.rejection == WebhookRejection.MISMATCH) { "wrong secret" }
        val stale = rejection { webhookVerify(header, BODY, SECRET, NOW + 301u) }
        expect(stale.rejection == WebhookRejection.STALE && stale.ageSeconds == 301uL && stale.toleranceSeconds == 300uL) { "$stale" }
        expect(webhookVerify(header, BODY, SECRET, NOW + 3600u, toleranceSeconds = 3600u).size == 2) { "a wider tolerance accepts it" }
        val future = rejection { webhookVerify(header, BODY, SECRET, NOW - 301u) }
        expect(future.rejection == WebhookRejection.FUTURE && future.aheadSeconds == 301uL) { "$future" }
        val missing = rejection { webhookVerify(null, BODY, SECRET, NOW) }
        expect(missing.rejection == WebhookRejection.MISSING && missing.reason.contains(WEBHOOK_SIGNATURE_HEADER)) { "$missing" }
        expect(rejection { webhookVerify("", BODY, SECRET, NOW) }.rejection == WebhookRejection.MISSING) { "empty header" }
        for (garbled in listOf("t=abc,v1=00", "v1=zz", "t=1", "nonsense", "t=$NOW,v1=${"g".repeat(64)}")) {
            expect(rejection { webhookVerify(garbled, BODY, SECRET, NOW) }.rejection == WebhookRejection.MALFORMED) { "malformed $garbled" }
        }
        expect(rejection { webhookVerify(header, BODY, "", NOW) }.rejection == WebhookRejection.EMPTY_SECRET) { "empty secret" }
        val notArray = "{}".toByteArray()
        expect(rejection { webhookVerify(webhookSign(notArray, SECRET, NOW), notArray, SECRET, NOW) }.rejection == WebhookRejection.INVALID_BODY) { "body" }
        for (e in listOf(wrongSecret, stale, future, missing)) {
            for (text in listOf(e.reason, e.message ?: "", e.toString())) expect(!text.contains(SECRET) && !text.contains("other-secret")) { "secret in $text" }
        }
    }

    @Test
    @DisplayName("webhook: any of several v1 signatures matches (secret rotation)")
    fun rotation() {
        val current = header.substringAfter("v1=")
        val rotated = "t=$NOW,v1=${"0".repeat(64)},v1=$current"
        expect(webhookVerify(rotated, BODY, SECRET, NOW).size == 2) { "rotation" }
        val oldSecret = "t=$NOW,v1=${hmacHex("whsec-old", NOW, BODY)},v1=${"1".repeat(64)}"
        expect(webhookVerify(oldSecret, BODY, "whsec-old", NOW).size == 2) { "the old secret's signature" }
        expect(rejection { webhookVerify(oldSecret, BODY, SECRET, NOW) }.rejection == WebhookRejection.MISMATCH) { "no match" }
    }
}
