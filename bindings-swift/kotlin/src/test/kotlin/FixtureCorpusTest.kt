// The whole fixture corpus (tests/fixtures/<operation>/<case>.json) through TailnetClient with a
// replay transport: one test per fixture file and surface (callJson, typed records).
package tailnettest

import java.io.File
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.DynamicTest.dynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

class FixtureCorpusTest {
    private fun files(): List<File> {
        val root = Paths.fixtures
        val dirs = root.listFiles() ?: throw AssertionError("no fixtures folder at $root")
        return dirs.filter { it.isDirectory }.flatMap { dir -> dir.listFiles()!!.filter { it.name.endsWith(".json") } }.sortedBy { it.path }
    }

    @Test
    fun `the corpus is there`() {
        val files = files()
        expect(files.size > 100) { "only ${files.size} fixtures under ${Paths.fixtures}" }
    }

    @TestFactory
    fun fixtures(): List<DynamicTest> {
        val files = files()
        expect(files.size > 100) { "only ${files.size} fixtures under ${Paths.fixtures}" }
        return files.flatMap { file ->
            val fixture = MiniJson.parse(file.readText()).obj()
            val name = "${file.parentFile.name}/${file.name}"
            val tests = mutableListOf(dynamicTest("fixture $name (callJson)", file.toURI()) { replay(fixture, typed = false) })
            // Build errors too: the typed call decodes its JSON parameters in the core, naming the parameter.
            tests += dynamicTest("fixture $name (typed records)", file.toURI()) { replay(fixture, typed = true) }
            tests
        }
    }
}
