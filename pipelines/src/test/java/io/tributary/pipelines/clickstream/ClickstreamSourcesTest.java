package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

import io.tributary.pipelines.Testdata;
import io.tributary.transforms.metrics.RunAccounting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The clickstream pipeline, unchanged, over a bounded file and a watched directory: both give the
 * golden aggregates of testdata/clickstream/small.jsonl and the same accounting. (Kafka:
 * ClickstreamKafkaIT.)
 */
@RunWith(JUnit4.class)
public class ClickstreamSourcesTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final Map<String, Long> SMALL_DEAD_LETTERS =
      Map.of(
          "decode.not_json",
          1L,
          "decode.truncated_json",
          1L,
          "decode.missing_field",
          1L,
          "decode.wrong_type",
          1L,
          "decode.bad_timestamp",
          1L,
          "validate.negative_price",
          1L,
          "validate.unknown_currency",
          1L);

  static void assertSmallAccounting(RunAccounting a) {
    assertThat(a.line(), a.read(), is(1000L));
    assertThat(a.line(), a.written(), is(983L));
    assertThat(a.line(), a.deduplicated(), is(10L));
    assertThat(a.deadLettersByReason(), equalTo(SMALL_DEAD_LETTERS));
    assertThat(a.line(), a.balanced(), is(true));
  }

  @Test
  public void fileSourceKeepsTheGoldenOutput() throws Exception {
    String out = tmp.newFolder("out").toString();
    RunAccounting a =
        ClickstreamGolden.run(ClickstreamGolden.options(out, "--input=" + ClickstreamGolden.SMALL));
    assertSmallAccounting(a);
    Testdata.assertMatchesGolden("small", Path.of(ClickstreamPipeline.aggregatesDir(out)));
  }

  @Test
  public void watchedDirectoryGivesTheSameResult() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    Files.copy(ClickstreamGolden.SMALL, in.resolve("small.jsonl"));
    String out = tmp.newFolder("out").toString();
    // Bounded for the test: the watch stops 3 s after the last new file; the watermark is held
    // until then, so no event of these (old) files is late. The window stage's router runs on four
    // keys here (the Kafka ITs run the default, one), with the same golden result.
    RunAccounting a =
        ClickstreamGolden.run(
            ClickstreamGolden.options(
                out,
                "--source=watch",
                "--input=" + in + "/*.jsonl",
                "--pollInterval=500ms",
                "--stopAfterIdle=3s",
                "--watchWatermark=held",
                "--routerBuckets=4"));
    assertSmallAccounting(a);
    Testdata.assertMatchesGolden("small", Path.of(ClickstreamPipeline.aggregatesDir(out)));
  }
}
