package io.tributary.pipelines.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;

import io.tributary.pipelines.cli.Tributary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@code tributary graph}: the DOT of clickstream.yaml has exactly its nodes and edges (with the
 * schema field counts of the built spec), the HTML page is self-contained, and the command's exit
 * codes are 0 for a good spec and 2 (with file:line:column errors) for a bad one.
 */
@RunWith(JUnit4.class)
public class SpecGraphTest {
  static final Path CLICKSTREAM = Path.of("specs", "clickstream.yaml");
  // The spec's input is relative to the repository root; tests run in pipelines/.
  static final String INPUT = "--input=../testdata/clickstream/small.jsonl";

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private SpecGraph clickstream() throws Exception {
    Spec spec = SpecParser.parse(CLICKSTREAM);
    PipelineOptionsFactory.register(SpecOptions.class);
    SpecOptions options =
        PipelineOptionsFactory.fromArgs("--output=" + tmp.getRoot()).as(SpecOptions.class);
    StepCatalog catalog = StepCatalog.load();
    Map<String, String> vars = new LinkedHashMap<>(spec.options());
    vars.put("output", tmp.getRoot().toString());
    vars.put("input", INPUT.substring("--input=".length()));
    SpecBuilder.Built built =
        SpecBuilder.build(Pipeline.create(options), spec, catalog, Variables.of(vars), null);
    return SpecGraph.of(spec, catalog, built);
  }

  @Test
  public void dotOfClickstreamHasExactlyItsStepsAndInputs() throws Exception {
    String dot = clickstream().toDot();
    List<String> nodes = new ArrayList<>();
    List<String> edges = new ArrayList<>();
    for (String line : dot.lines().collect(java.util.stream.Collectors.toList())) {
      if (line.contains(" -> ")) {
        edges.add(line.trim());
      } else if (line.startsWith("  \"")) {
        nodes.add(line.trim());
      }
    }
    assertThat(dot, startsWith("digraph \"clickstream\" {\n  rankdir=LR;\n"));
    assertEquals(
        List.of(
            "\"decode\" [label=\"decode\\nReadFiles\", shape=invhouse];",
            "\"validate\" [label=\"validate\\nValidate\", shape=box, style=rounded];",
            "\"protect\" [label=\"protect\\nProtect\", shape=box, style=rounded];",
            "\"event_time\" [label=\"event_time\\nEventTime\", shape=box, style=rounded];",
            "\"dedup\" [label=\"dedup\\nDedup\", shape=box, style=rounded];",
            "\"window\" [label=\"window\\nWindow\", shape=box, style=rounded];",
            "\"aggregate\" [label=\"aggregate\\nAggregate\", shape=box, style=rounded];",
            "\"write_aggregates\" [label=\"write_aggregates\\nWriteLake\", shape=house];",
            "\"write_late\" [label=\"write_late\\nWriteJsonLines\", shape=house];"),
        nodes);
    // The contract has 10 fields; protect drops user_agent; the aggregates have 7 columns; a
    // too-late record keeps its 9 fields plus the window's 4 (start, end, lateness, watermark).
    assertEquals(
        List.of(
            "\"decode\" -> \"validate\" [label=\"10 fields\"];",
            "\"validate\" -> \"protect\" [label=\"10 fields\"];",
            "\"protect\" -> \"event_time\" [label=\"9 fields\"];",
            "\"event_time\" -> \"dedup\" [label=\"9 fields\"];",
            "\"dedup\" -> \"window\" [label=\"9 fields\"];",
            "\"window\" -> \"aggregate\" [label=\"9 fields\"];",
            "\"aggregate\" -> \"write_aggregates\" [label=\"7 fields\"];",
            "\"window\" -> \"write_late\" [label=\"too_late, 13 fields\"];"),
        edges);
  }

  @Test
  public void layersAreTheLongestPathFromTheSources() throws Exception {
    Map<String, Integer> expected = new LinkedHashMap<>();
    String[] chain = {
      "decode",
      "validate",
      "protect",
      "event_time",
      "dedup",
      "window",
      "aggregate",
      "write_aggregates"
    };
    for (int i = 0; i < chain.length; i++) {
      expected.put(chain[i], i);
    }
    expected.put("write_late", 6);
    assertEquals(expected, clickstream().layers());
  }

  @Test
  public void htmlIsSelfContainedWithStepsConfigAndSchemas() throws Exception {
    String html = clickstream().toHtml();
    assertThat(html, startsWith("<!DOCTYPE html>"));
    assertThat(html, containsString("<svg "));
    assertThat(html, not(containsString("http://")));
    assertThat(html, not(containsString("https://")));
    assertThat(html, not(containsString("<script")));
    assertThat(html, not(containsString("<link")));
    // A box per step, with its config and schemas in its hover title.
    assertThat(html, containsString("<g class=\"step source\"><title>decode (ReadFiles, source)"));
    assertThat(html, containsString("config: {spec: fixed:1h}"));
    assertThat(html, containsString("too_late: {"));
    assertThat(html, containsString("<g class=\"step sink\"><title>write_late (WriteJsonLines"));
    assertThat(html, containsString(">too_late, 13 fields</text>"));
    assertThat(html, containsString("marker-end=\"url(#arrow)\""));
    // The legend.
    assertThat(html, containsString(">source</text>"));
    assertThat(html, containsString(">transform</text>"));
    assertThat(html, containsString(">sink</text>"));
  }

  @Test
  public void graphCommandPrintsDotOrWritesHtml() throws Exception {
    Cli dot = Cli.run("graph", CLICKSTREAM.toString(), INPUT);
    assertEquals(dot.err, 0, dot.code);
    assertThat(dot.out, startsWith("digraph \"clickstream\""));

    Path out = tmp.getRoot().toPath().resolve("g.html");
    Cli html = Cli.run("graph", CLICKSTREAM.toString(), INPUT, "--format=html", "--out=" + out);
    assertEquals(html.err, 0, html.code);
    assertThat(Files.readString(out), containsString("<svg "));
    assertThat(html.out, containsString("html graph of 9 steps"));

    Cli png = Cli.run("graph", CLICKSTREAM.toString(), INPUT, "--format=png");
    assertEquals(2, png.code);
    assertThat(png.err, containsString("--format: expected dot or html, got png"));
  }

  @Test
  public void graphOfABadSpecIsExit2WithPositions() throws Exception {
    Path bad = tmp.newFile("bad.yaml").toPath();
    Files.writeString(
        bad,
        "pipeline:\n"
            + "  type: chain\n"
            + "  transforms:\n"
            + "    - type: ReadFiles\n"
            + "      config: {path: ../testdata/clickstream/small.jsonl, format: jsonl,"
            + " subject: clickstream-event}\n"
            + "    - type: Validat\n",
        StandardCharsets.UTF_8);
    Cli r = Cli.run("graph", bad.toString());
    assertEquals(2, r.code);
    assertThat(
        r.err, startsWith(bad + ":6:13: unknown step type 'Validat' (did you mean 'Validate'?)"));
    assertEquals("", r.out);
  }

  /** One in-process run of the command line. */
  static final class Cli {
    final int code;
    final String out;
    final String err;

    private Cli(int code, String out, String err) {
      this.code = code;
      this.out = out;
      this.err = err;
    }

    static Cli run(String... args) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      ByteArrayOutputStream e = new ByteArrayOutputStream();
      int code =
          Tributary.run(
              args,
              new PrintStream(o, true, StandardCharsets.UTF_8),
              new PrintStream(e, true, StandardCharsets.UTF_8));
      return new Cli(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }
  }
}
