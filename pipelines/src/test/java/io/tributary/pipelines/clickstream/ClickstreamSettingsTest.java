package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;

import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.options.SourceKind;
import io.tributary.pipelines.runtime.UsageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** {@link ClickstreamSettings}: every bad option is one line naming it; one parse per run. */
@RunWith(JUnit4.class)
public class ClickstreamSettingsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private ClickstreamOptions options(String... args) {
    List<String> all = new ArrayList<>();
    all.add("--input=" + Testdata.file("clickstream/small.jsonl"));
    all.add("--output=" + tmp.getRoot());
    all.addAll(List.of(args));
    return PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(ClickstreamOptions.class);
  }

  private String parseError(String... args) {
    return parseError(options(args), options(args));
  }

  /** The parse error of {@code o}, and that validating {@code same} reports the same line. */
  private static String parseError(ClickstreamOptions o, ClickstreamOptions same) {
    String message =
        assertThrows(IllegalArgumentException.class, () -> ClickstreamSettings.parse(o))
            .getMessage();
    assertFalse("one line: " + message, message.contains("\n"));
    String usage =
        assertThrows(UsageException.class, () -> new ClickstreamJob().validate(same)).getMessage();
    assertEquals(message, usage);
    return message;
  }

  @Test
  public void eachBadOptionIsOneLineNamingIt() {
    assertThat(parseError("--window=fixed:1h;lateness=2h"), startsWith("--window: WindowSpec"));
    assertThat(parseError("--dedupTtl=forever"), startsWith("--dedupTtl: "));
    assertEquals(
        "--routerBuckets: expected a whole number from 1 to 4096, got 0",
        parseError("--routerBuckets=0"));
    assertEquals("--source: expected file, watch or kafka, got 'ftp'", parseError("--source=ftp"));
    assertEquals(
        "--source=kafka: --bootstrapServers and --topic are required",
        parseError("--source=kafka", "--topic=clicks"));
    assertThat(
        parseError(
            "--source=kafka", "--bootstrapServers=b:9092", "--topic=t", "--kafkaWatermark=x"),
        startsWith("--kafkaWatermark: "));
    assertEquals(
        "--input: required for --source=watch; expected a file pattern such as /data/in/*.jsonl",
        parseError(noInput(options("--source=watch")), noInput(options("--source=watch"))));
    assertThat(
        parseError("--source=watch", "--pollInterval=often"), startsWith("--pollInterval: "));
    assertThat(
        parseError("--source=watch", "--stopAfterIdle=never"), startsWith("--stopAfterIdle: "));
    assertEquals(
        "--watchWatermark: expected held, arrival or a lag like 5m, got 'soon'",
        parseError("--source=watch", "--watchWatermark=soon"));
    assertEquals("--sinkTopic: --bootstrapServers is required", parseError("--sinkTopic=out"));
    assertEquals(
        "--sinkShards: expected a number >= 1, got 0",
        parseError("--sinkTopic=out", "--bootstrapServers=b:9092", "--sinkShards=0"));
    assertEquals(
        "--currencies: expected a comma-separated list of ISO-4217 codes, got ''",
        parseError("--currencies= , "));
    Path noChecks = tmp.getRoot().toPath().resolve("no-checks.json");
    assertEquals("--checks: no checks file '" + noChecks + "'", parseError("--checks=" + noChecks));
    assertEquals(
        "--maxRecordBytes: expected bytes between 16 and 1073741824, got 1",
        parseError("--maxRecordBytes=1"));
    assertEquals(
        "--keyset: the privacy policy tokenizes or encrypts; expected file:<path> or env:<VARIABLE>",
        parseError("--privacyPolicy=" + Testdata.file("clickstream/privacy.json")));
  }

  private static ClickstreamOptions noInput(ClickstreamOptions o) {
    o.setInput("");
    return o;
  }

  @Test
  public void valuesAreParsed() {
    ClickstreamSettings s =
        ClickstreamSettings.parse(
            options("--dedupTtl=2h", "--currencies= USD, EUR ", "--source=watch"));
    assertEquals(1, s.routerBuckets());
    assertEquals(
        8,
        ClickstreamSettings.parse(options("--source=watch", "--routerBuckets=8")).routerBuckets());
    assertEquals(SourceKind.WATCH, s.source());
    assertEquals(org.joda.time.Duration.standardHours(2), s.dedupTtl());
    assertEquals(List.of("USD", "EUR"), s.currencies());
    assertEquals(org.joda.time.Duration.standardSeconds(10), s.pollInterval());
    assertEquals(null, s.checks());
  }

  @Test
  public void oneParseAndOneProtectionSpecPerRun() throws Exception {
    ClickstreamOptions o = options();
    ClickstreamSettings parsed = ClickstreamSettings.of(o);
    ClickstreamJob job = new ClickstreamJob();
    job.validate(o);
    assertSame(parsed, ClickstreamSettings.of(o));
    job.lineageOutputs(o);
    job.input(o);
    ClickstreamPipeline.build(Pipeline.create(o), o);
    // a view of the same options through another interface shares the parse
    assertSame(
        parsed, ClickstreamSettings.of(o.as(io.tributary.pipelines.runtime.RunOptions.class)));
    assertSame(parsed.protection(), ClickstreamSettings.of(o).protection());
  }

  @Test
  public void aChangedOptionIsParsedAgain() {
    ClickstreamOptions o = options();
    ClickstreamSettings first = ClickstreamSettings.of(o);
    o.setWindow("fixed:2h");
    ClickstreamSettings second = ClickstreamSettings.of(o);
    assertNotSame(first, second);
    assertEquals(org.joda.time.Duration.standardHours(2), second.window().size());
    assertSame(second, ClickstreamSettings.of(o));
  }
}
