package io.tributary.pipelines.docs;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The rules DocsCommandsIT reads pages by: blocks and markers, shell lines, output matching. */
@RunWith(JUnit4.class)
public class DocsParsingTest {
  private static List<MarkdownBlocks.Block> parse(String... lines) {
    return MarkdownBlocks.parse("page.md", List.of(lines));
  }

  @Test
  public void aMarkerBelongsToTheNextBlockAndAnIndentedFenceIsABlock() {
    List<MarkdownBlocks.Block> blocks =
        parse(
            "text",
            "<!-- docs-test: skip reason=\"needs a cluster\" -->",
            "",
            "```sh",
            "echo hi",
            "```",
            "   ```json",
            "   {\"a\": 1}",
            "   ```");
    assertEquals(2, blocks.size());
    assertEquals("sh", blocks.get(0).lang);
    assertEquals(4, blocks.get(0).line);
    assertEquals("needs a cluster", blocks.get(0).get("reason"));
    assertTrue(blocks.get(0).has("skip"));
    assertEquals(List.of("{\"a\": 1}"), blocks.get(1).lines);
    assertTrue(blocks.get(1).marker.isEmpty());
  }

  @Test
  public void aSkipWithoutAReasonOrAnUnknownKeyOrAStrayMarkerIsRefused() {
    assertThat(
        assertThrows(
                MarkdownBlocks.MarkerException.class,
                () -> parse("<!-- docs-test: skip -->", "```sh", "ls", "```"))
            .getMessage(),
        containsString("page.md:1: a docs-test skip needs reason="));
    assertThat(
        assertThrows(
                MarkdownBlocks.MarkerException.class,
                () -> parse("<!-- docs-test: skipp reason=\"x\" -->", "```sh", "ls", "```"))
            .getMessage(),
        containsString("unknown docs-test key 'skipp'"));
    assertThat(
        assertThrows(
                MarkdownBlocks.MarkerException.class,
                () -> parse("<!-- docs-test: output -->", "some prose", "```", "x", "```"))
            .getMessage(),
        containsString("must come right before a ``` block"));
    assertThat(
        assertThrows(
                MarkdownBlocks.MarkerException.class,
                () -> parse("<!-- docs-test: file=\"/etc/x\" -->", "```yaml", "a: 1", "```"))
            .getMessage(),
        containsString("under /tmp/"));
  }

  @Test
  public void continuationsCommentsAndHeredocsMakeOneCommandEach() {
    MarkdownBlocks.Block b =
        parse(
                "```sh",
                "# a comment",
                "java -jar $JAR run x \\",
                "  --output=/tmp/o   # trailing",
                "",
                "cat > /tmp/p.json <<'JSON'",
                "{\"a\": 1}",
                "JSON",
                "ls /tmp/o",
                "```")
            .get(0);
    List<ShellScript.Command> commands = ShellScript.commands(b);
    assertEquals(3, commands.size());
    assertEquals("java -jar $JAR run x   --output=/tmp/o   # trailing", commands.get(0).text);
    assertEquals(3, commands.get(0).line);
    assertEquals("cat > /tmp/p.json <<'JSON'\n{\"a\": 1}\nJSON", commands.get(1).text);
    assertEquals("ls /tmp/o", commands.get(2).text);
    assertEquals(9, commands.get(2).line);
  }

  @Test
  public void aTranscriptGivesEachPromptItsOutput() {
    MarkdownBlocks.Block b =
        parse(
                "```console",
                "$ sed 's/a/b/' \\",
                "    in > /tmp/out",
                "$ tributary check x",
                "tributary: check: wrong",
                "  detail",
                "```")
            .get(0);
    List<ShellScript.Command> commands = ShellScript.commands(b);
    assertEquals(2, commands.size());
    assertEquals("sed 's/a/b/'     in > /tmp/out", commands.get(0).text);
    assertTrue(commands.get(0).output.isEmpty());
    assertEquals(List.of("tributary: check: wrong", "  detail"), commands.get(1).output);
  }

  @Test
  public void wordsFollowQuotesAndExpandVariablesAsBashDoes() {
    Map<String, String> vars = Map.of("JAR", "a b.jar", "T", "java -jar x.jar", "Q", "it's");
    ShellScript.Words w =
        ShellScript.words(
            "$T run --window='fixed:1h;late=every' \"$JAR\" --x=\"$Q\" a\\ b # comment", vars);
    assertTrue(w.plain);
    assertEquals(
        List.of(
            "java",
            "-jar",
            "x.jar",
            "run",
            "--window=fixed:1h;late=every",
            "a b.jar",
            "--x=it's",
            "a b"),
        w.words);
    assertFalse(ShellScript.words("jq -r .x /tmp/f | sort", vars).plain);
    assertFalse(ShellScript.words("echo \"$(head -c 1 /dev/urandom)\"", vars).plain);
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> ShellScript.words("ls $NOPE", vars))
            .getMessage(),
        containsString("$NOPE is not set by the page"));
  }

  @Test
  public void andListsSplitOutsideQuotesOnly() {
    assertEquals(
        List.of("mvn -q install", "java -jar x.jar run 'a && b'"),
        ShellScript.splitAnd("mvn -q install && java -jar x.jar run 'a && b'"));
    assertEquals(List.of("echo \"$(a && b)\""), ShellScript.splitAnd("echo \"$(a && b)\""));
  }

  @Test
  public void volatilePartsAreNormalisedAndCountsAreNot() {
    String actual =
        String.join(
            "\n",
            "tributary clickstream: DONE on FlinkRunner in 71.0 s (run"
                + " e638607c-9940-41a9-bcc1-47f9476394fc)",
            "  read=1000 = written=983 + dead-lettered=7 [balanced]",
            "    dead-lettered decode.bad_timestamp          1",
            "    2026-12-05T21:10:56.274323110Z COMPLETE tributary.clickstream.small.jsonl-411352",
            "  cost: cpu 5.2 s + stored 16.3 kB = 0.000073 USD");
    List<String> documented =
        List.of(
            "tributary clickstream: DONE on FlinkRunner in 14.0 s (run ...)",
            "  read=1000 = written=983 + dead-lettered=7 [balanced]",
            "    dead-lettered decode.bad_timestamp  1",
            "...",
            "    2026-11-01T00:00:00Z COMPLETE tributary.clickstream.small.jsonl-b05a8a",
            "  cost: cpu ... s + stored ... = 0.000... USD");
    assertEquals(Optional.empty(), OutputMatcher.firstMismatch(documented, actual));

    Optional<String> wrongCount =
        OutputMatcher.firstMismatch(
            List.of("  read=1001 = written=983 + dead-lettered=7 [balanced]"), actual);
    assertTrue(wrongCount.isPresent());
    assertThat(wrongCount.get(), containsString("read=1001"));

    Optional<String> outOfOrder =
        OutputMatcher.firstMismatch(
            List.of("dead-lettered decode.bad_timestamp 1", "read=1000 = ... [balanced]"), actual);
    assertThat(outOfOrder.get(), containsString("it appears, but before"));
  }
}
