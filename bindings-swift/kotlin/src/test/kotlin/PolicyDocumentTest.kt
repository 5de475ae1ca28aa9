// PolicyDocument: the policy corpus (core/tests/policies, one test per file: byte-for-byte write
// back, edits keep every comment) and paths, JSON values and errors.
package tailnettest

import java.io.File
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.DisplayName
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import tailnet.*
import tailnet.core.*

internal fun comments(text: String): List<String> = text.lines().mapNotNull { line ->
    listOf("//", "/*").map { line.indexOf(it) }.filter { it >= 0 }.minOrNull()?.let { line.substring(it).trimEnd() }
}

internal inline fun <reified E : Throwable> thrown(block: () -> Unit): E {
    val e = runCatching(block).exceptionOrNull()
    if (e !is E) throw AssertionError("expected ${E::class.simpleName}, got $e")
    return e
}

private const val RULE = """{"action":"accept","src":["group:new"],"dst":["tag:new:443"]}"""
private const val SMALL = "{\n  // rules\n  \"acls\": [\n    {\"action\": \"accept\", \"src\": [\"a\"], \"dst\": [\"b:*\"]}, // first\n  ],\n  \"custom\": {\"x\": 1},\n}\n"

class PolicyDocumentTest {
    private fun files(): List<File> = Paths.policies.listFiles()?.filter { it.name.endsWith(".hujson") }?.sortedBy { it.name }.orEmpty()

    @Test
    fun `policy corpus is there`() {
        val files = files()
        expect(files.size >= 6) { "only ${files.size} files in ${Paths.policies}" }
    }

    @TestFactory
    fun corpus(): List<DynamicTest> {
        val files = files()
        expect(files.size >= 6) { "only ${files.size} files in ${Paths.policies}" }
        return files.map { file ->
            dynamicTest("PolicyDocument ${file.name}: parse and write back byte for byte; edits keep every comment", file.toURI()) { corpusFile(file) }
        }
    }

    private fun corpusFile(file: File) {
        val text = file.readBytes().decodeToString() // CRLF stays CRLF
        val original = PolicyDocument(text)
        expect(original.text() == text) { "text changed" }
        expect(PolicyDocument(text) == original && original.copy() == original) { "equality" }
        val before = MiniJson.parse(original.toJson()).obj()

        val pushed = original.copy()
        pushed.push(listOf("acls"), RULE)
        val acls = MiniJson.parse(pushed.get(listOf("acls"))!!) as List<*>
        expect(MiniJson.same(acls.last(), MiniJson.parse(RULE))) { "pushed ${acls.last()}" }
        expect(comments(pushed.text()) == comments(text)) { "comments changed by push" }
        expect(original.text() == text) { "editing a copy changed the original" }

        val set = original.copy()
        set.set(listOf("tagOwners", "tag:ci"), """["group:ops"]""")
        expect(set.get(listOf("tagOwners", "tag:ci")) == """["group:ops"]""") { "get ${set.get(listOf("tagOwners", "tag:ci"))}" }
        expect(comments(set.text()) == comments(text)) { "comments changed by set" }

        val removed = original.copy()
        val hadHost = (before["hosts"].obj()).containsKey("db-primary")
        expect(removed.remove(listOf("hosts", "db-primary")) == hadHost) { "remove said ${!hadHost}" }
        if (!hadHost) expect(removed.text() == text) { "removing nothing changed the text" }
        else expect(removed.get(listOf("hosts", "db-primary")) == null && removed.text().contains("// the office")) { "after remove" }
    }

    @Test
    @DisplayName("PolicyDocument paths, JSON values and errors")
    fun pathsValuesErrors() {
        val doc = PolicyDocument(SMALL)
        doc.set(listOf("acls", "0", "src"), """["group:x"]""")
        expect(doc.get(listOf("acls", "0", "src")) == """["group:x"]""" && doc.text().contains("// first") && doc.text().contains("// rules")) { doc.text() }
        expect(doc.get(listOf("nope")) == null && doc.get(listOf("acls", "9")) == null) { "absent paths" }
        expect(MiniJson.same(MiniJson.parse(doc.get(listOf())!!), MiniJson.parse(doc.toJson()))) { "empty path is the document" }
        doc.set(listOf("hosts", "db.example.com"), "\"100.64.0.9\"")
        expect(doc.get(listOf("hosts", "db.example.com")) == "\"100.64.0.9\"") { "dotted key" }

        val path = thrown<TailnetException.PolicyEdit> { doc.set(listOf("acls", "7", "src"), "[]") }
        expect(path.kind == PolicyEditKind.PATH && path.path == listOf("acls", "7", "src")) { "$path" }
        val value = thrown<TailnetException.PolicyEdit> { doc.set(listOf("x"), "{not json") }
        expect(value.kind == PolicyEditKind.VALUE && value.path == listOf("x")) { "$value" }
        expect(thrown<TailnetException.PolicyEdit> { doc.remove(listOf()) }.kind == PolicyEditKind.PATH) { "empty path" }
        val parse = thrown<TailnetException.PolicyEdit> { PolicyDocument("{'single': 1}") }
        expect(parse.kind == PolicyEditKind.PARSE && parse.path == null) { "$parse" }
        expect(thrown<TailnetException.PolicyEdit> { PolicyDocument("[1, 2]") }.kind == PolicyEditKind.NOT_AN_OBJECT) { "array" }

        expect(doc.hasAccessRules()) { "acls" }
        expect(doc.remove(listOf("acls")) && !doc.hasAccessRules()) { "removed acls" }
    }

    @Test
    @DisplayName("PolicyDocument: every core policy failure is TailnetException.PolicyEdit with the core's kind, path and reason")
    fun policyFailuresAreTheCoresKind() {
        val doc = PolicyDocument(SMALL)
        val path = thrown<TailnetException.PolicyEdit> { doc.set(listOf("acls", "7", "src"), "[]") }
        expect(path.kind == PolicyEditKind.PATH && path.path == listOf("acls", "7", "src") && path.reason == "index 7 does not exist") { "$path" }
        val empty = thrown<TailnetException.PolicyEdit> { doc.remove(listOf()) }
        expect(empty.kind == PolicyEditKind.PATH && empty.path == listOf<String>() && empty.reason == "the path is empty") { "$empty" }
        val notArray = thrown<TailnetException.PolicyEdit> { doc.push(listOf("acls", "0"), "1") }
        expect(notArray.kind == PolicyEditKind.PATH && notArray.path == listOf("acls", "0") && notArray.reason == "is not an array") { "$notArray" }
        val value = thrown<TailnetException.PolicyEdit> { doc.set(listOf("x"), "{not json") }
        expect(value.kind == PolicyEditKind.VALUE && value.reason.startsWith("the value is not JSON text: ")) { "$value" }
        val array = thrown<TailnetException.PolicyEdit> { PolicyDocument("[1, 2]") }
        expect(array.kind == PolicyEditKind.NOT_AN_OBJECT && array.path == null && array.reason == "the policy's top level must be an object") { "$array" }

        // The core's policy update reports a read it cannot parse as the same kind, not as Build.
        val transport = StubTransport(200, "[1, 2]", listOf(HttpHeader("content-type", "application/hujson"), HttpHeader("etag", "\"e1\"")))
        val client = TailnetClient(ClientOptions(apiKey = "tskey-api-x", maxAttempts = 1u), transport)
        val read = runCatching { runBlocking { client.updatePolicyFile { } } }.exceptionOrNull()
        expect(read is TailnetException.PolicyEdit && read.kind == PolicyEditKind.NOT_AN_OBJECT && read.path == null) { "update: $read" }
        expect(transport.sent.map { it.method } == listOf("GET")) { "nothing written: ${transport.sent.map { it.method }}" }
    }
}
