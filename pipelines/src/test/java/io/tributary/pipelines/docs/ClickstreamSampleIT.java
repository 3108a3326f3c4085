package io.tributary.pipelines.docs;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The README's first command, in-process: `tributary run clickstream` on the committed 50,000-line
 * sample with the default profile (embedded Flink). Asserts the exact counts that
 * testdata/README.md states, the golden aggregates, and the output block the README shows under the
 * command (as DocsCommandsIT would, which skips that block so that the sample runs once).
 */
@RunWith(JUnit4.class)
public class ClickstreamSampleIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** The README's command, as it appears there (after {@code java -jar <bundled jar>}). */
  static final String README_COMMAND =
      "run clickstream --input=testdata/clickstream/sample.jsonl.gz"
          + " --output=/tmp/tributary/clickstream";

  /** The output block right after the README's command block, which must mark it skipped. */
  static MarkdownBlocks.Block readmeOutput() throws Exception {
    List<MarkdownBlocks.Block> blocks =
        MarkdownBlocks.parse("README.md", Files.readAllLines(Testdata.root().resolve("README.md")));
    for (int i = 0; i + 1 < blocks.size(); i++) {
      MarkdownBlocks.Block b = blocks.get(i);
      if (b.lang.equals("sh") && String.join("\n", b.lines).contains(README_COMMAND)) {
        assertTrue(
            b.where() + " must be skipped by DocsCommandsIT, naming this test",
            b.has("skip") && b.get("reason").contains("ClickstreamSampleIT"));
        MarkdownBlocks.Block output = blocks.get(i + 1);
        assertTrue(output.where() + " must be the command's output block", output.has("output"));
        return output;
      }
    }
    throw new AssertionError("README.md has no ```sh block with: " + README_COMMAND);
  }

  @Test
  public void fullSampleOnTheDefaultProfile() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    CliRun run =
        CliRun.of(
            "run",
            "clickstream",
            "--input=" + Testdata.file("clickstream/sample.jsonl.gz"),
            "--output=" + out);
    String text = run.out;
    assertEquals(run.err, 0, run.code);

    // testdata/README.md: 50,000 lines = 49,230 valid unique + 500 duplicates + 270 dead letters.
    assertThat(
        text,
        containsString(
            "read=50000 = written=49230 + dead-lettered=270 + quarantined=0 + deduplicated=500 + too-late=0 [balanced]"));
    JsonNode m = Testdata.manifest("clickstream/sample.expected.json");
    assertEquals(49230, m.get("valid_unique").asLong());
    String[][] perReason = {
      {"decode.not_json", "not_json", "60"},
      {"decode.truncated_json", "truncated_json", "40"},
      {"decode.missing_field", "missing_field", "50"},
      {"decode.wrong_type", "wrong_type", "40"},
      {"decode.bad_timestamp", "bad_timestamp", "30"},
      {"validate.negative_price", "negative_price", "25"},
      {"validate.unknown_currency", "unknown_currency", "25"},
    };
    for (String[] r : perReason) {
      assertEquals(r[0], Long.parseLong(r[2]), m.get("dead_letters").get(r[1]).asLong());
      assertThat(text, containsString(String.format("dead-lettered %-28s %s", r[0], r[2])));
    }
    Testdata.assertMatchesGolden("sample", out.resolve("aggregates"));
    System.out.print(text);

    // The README shows this output under the command; DocsCommandsIT's rules compare it.
    MarkdownBlocks.Block documented = readmeOutput();
    Optional<String> mismatch =
        OutputMatcher.firstMismatch(
            documented.lines, text.replace(out.toString(), "/tmp/tributary/clickstream"));
    assertTrue(
        "a line of the output block at "
            + documented.where()
            + " is not in the output: "
            + mismatch.orElse("")
            + "\n--- actual:\n"
            + text,
        mismatch.isEmpty());

    // The run's OpenLineage events answer `tributary lineage`: the aggregates come from the sample.
    CliRun lineage = CliRun.of("lineage", "aggregates", "--events=" + out);
    assertEquals(0, lineage.code);
    String tree = lineage.out;
    assertThat(tree, containsString("<- job tributary.clickstream.sample.jsonl.gz-"));
    assertThat(
        tree,
        containsString(
            "<- file:"
                + Testdata.file("clickstream/sample.jsonl.gz").toAbsolutePath().normalize()));
    System.out.print(tree);
  }
}
