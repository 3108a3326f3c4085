package io.tributary.transforms.windowing;

import static io.tributary.transforms.windowing.WindowingTest.hhmm;
import static io.tributary.transforms.windowing.WindowingTest.min;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.testing.Counters;
import io.tributary.testing.EventScript;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.metrics.StageGraph;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The Kappa proof: the same events as a bounded collection and as an out-of-order unbounded stream
 * give the same final panes; with arrivals beyond the allowed lateness, the difference is exactly
 * the too-late output.
 *
 * <p>Windows are fixed 1h (W0 = 00:00-01:00, W1 = 01:00-02:00, W2 = 02:00-03:00), lateness 1h,
 * accumulating, so a window's last pane is its result. Minutes are event times.
 */
@RunWith(JUnit4.class)
public class KappaTest implements Serializable {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  static final String SPEC = "fixed:1h;late=every;lateness=1h;accumulating";

  /** Out of order, watermark steps, late arrivals inside the lateness only. */
  static EventScript stream(boolean withTooLate) {
    EventScript s =
        EventScript.create()
            .add(min(5), "a,1")
            .add(min(12), "b,2")
            .add(min(3), "c,3")
            .add(min(25), "a,4")
            .watermark(min(20))
            .add(min(40), "b,5")
            .add(min(31), "c,6")
            .add(min(65), "a,7")
            .add(min(58), "b,8")
            .watermark(min(55))
            .add(min(70), "c,9")
            .add(min(62), "a,10")
            .add(min(90), "b,11")
            .watermark(min(75)) // W0 fires ON_TIME
            .add(min(44), "c,12") // W0 ended at 60, watermark 75 < 60 + 1h: late, accepted
            .add(min(100), "a,13")
            .add(min(115), "b,14")
            .add(min(81), "c,15")
            .watermark(min(110))
            .add(min(50), "a,16") // W0 late again, 110 < 120: accepted
            .add(min(125), "b,17")
            .add(min(130), "c,18")
            .add(min(119), "a,19")
            .watermark(min(150)); // W1 ON_TIME; W0 expires at 120
    if (withTooLate) {
      s.add(min(33), "a,25"); // W0 expired at 120, watermark 150: too late
    }
    s.add(min(95), "b,20") // W1 ended at 120, 150 < 180: late, accepted
        .add(min(160), "c,21")
        .add(min(170), "a,22")
        .add(min(145), "b,23")
        .watermark(min(200)); // W2 ON_TIME; W1 expires at 180
    if (withTooLate) {
      s.add(min(110), "b,26"); // W1 expired at 180, watermark 200: too late
    }
    return s.add(min(175), "c,24"); // W2 ended at 180, 200 < 240: late, accepted
  }

  /** "source|HH:mm #pane count sum" per pane. */
  static PCollection<String> panes(String source, PCollection<String> lines) {
    return panesOf(source, window(source, lines).output());
  }

  static WindowedResult<Row> window(String source, PCollection<String> lines) {
    return lines
        .apply(
            source + "ToRow",
            MapElements.into(TypeDescriptors.rows())
                .via(
                    (String l) ->
                        Row.withSchema(WindowingTest.SCHEMA)
                            .addValues(l.split(",", -1)[0], Long.parseLong(l.split(",", -1)[1]))
                            .build()))
        .setRowSchema(WindowingTest.SCHEMA)
        .apply(source + "Window", Windowing.<Row>of(SPEC).withStageName("window_" + source));
  }

  static PCollection<String> panesOf(String source, PCollection<Row> windowed) {
    return windowed
        .apply(
            source + "N", MapElements.into(TypeDescriptors.longs()).via((Row r) -> r.getInt64("n")))
        .apply(source + "CountSum", Combine.globally(new CountSumFn()).withoutDefaults())
        .apply(
            source + "Describe",
            ParDo.of(
                new DoFn<long[], String>() {
                  @ProcessElement
                  public void process(
                      @Element long[] cs,
                      BoundedWindow window,
                      PaneInfo pane,
                      OutputReceiver<String> out) {
                    out.output(
                        source
                            + "|"
                            + hhmm(PaneMetadata.of(window, pane).windowStart())
                            + " #"
                            + pane.getIndex()
                            + " "
                            + cs[0]
                            + " "
                            + cs[1]);
                  }
                }))
        .apply(
            source + "Global",
            Window.<String>into(new GlobalWindows())
                .triggering(DefaultTrigger.of())
                .withAllowedLateness(Duration.ZERO)
                .discardingFiredPanes());
  }

  static final class CountSumFn extends Combine.CombineFn<Long, long[], long[]> {
    @Override
    public long[] createAccumulator() {
      return new long[2];
    }

    @Override
    public long[] addInput(long[] acc, Long n) {
      acc[0]++;
      acc[1] += n;
      return acc;
    }

    @Override
    public long[] mergeAccumulators(Iterable<long[]> accs) {
      long[] m = new long[2];
      for (long[] a : accs) {
        m[0] += a[0];
        m[1] += a[1];
      }
      return m;
    }

    @Override
    public long[] extractOutput(long[] acc) {
      return acc;
    }
  }

  /** Window start -> "count sum" of its highest pane, for one source. */
  static Map<String, String> finals(Iterable<String> lines, String source) {
    Map<String, Integer> bestPane = new TreeMap<>();
    Map<String, String> result = new TreeMap<>();
    for (String line : lines) {
      if (!line.startsWith(source + "|")) {
        continue;
      }
      String[] f = line.substring(source.length() + 1).split(" ", -1);
      int pane = Integer.parseInt(f[1].substring(1));
      if (!bestPane.containsKey(f[0]) || bestPane.get(f[0]) < pane) {
        bestPane.put(f[0], pane);
        result.put(f[0], f[2] + " " + f[3]);
      }
    }
    return result;
  }

  /** The oracle: count and sum per hour over every event, computed without Beam. */
  static Map<String, String> oracle(EventScript script) {
    Map<String, long[]> acc = new TreeMap<>();
    for (TimestampedValue<String> e : script.elements()) {
      long hour = (e.getTimestamp().getMillis() - WindowingTest.T0.getMillis()) / 3_600_000;
      long[] cs = acc.computeIfAbsent(String.format("%02d:00", hour), k -> new long[2]);
      cs[0]++;
      cs[1] += Long.parseLong(e.getValue().split(",", -1)[1]);
    }
    Map<String, String> out = new TreeMap<>();
    acc.forEach((k, v) -> out.put(k, v[0] + " " + v[1]));
    return out;
  }

  @Test
  public void streamFinalPanesEqualBatchResults() {
    EventScript script = stream(false);
    PCollection<String> batch =
        panes(
            "batch",
            p.apply(
                "BatchEvents",
                Create.timestamped(script.elements()).withCoder(StringUtf8Coder.of())));
    PCollection<String> stream = panes("stream", script.apply(p, "StreamEvents"));
    Map<String, String> expected = oracle(script);
    PAssert.that(PCollectionList.of(batch).and(stream).apply(Flatten.pCollections()))
        .satisfies(
            all -> {
              assertEquals(expected, finals(all, "batch"));
              assertEquals(finals(all, "batch"), finals(all, "stream"));
              return null;
            });
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    assertEquals(24, script.elements().size());
    Counters.assertStage(Counters.stage(run, graph, "window_batch"), 24, 24, Map.of(), Map.of());
    Counters.assertStage(Counters.stage(run, graph, "window_stream"), 24, 24, Map.of(), Map.of());
    // 24 streamed events (the bounded branch needs no routing): 4 arrived after their window's
    // end (c12, a16, b20, c24), inside the lateness.
    assertEquals(4, Counters.get(run, Windowing.LATE_ACCEPTED));
    assertEquals(24 - 4, Counters.get(run, Windowing.ON_TIME));
  }

  @Test
  public void beyondLatenessTheDifferenceIsExactlyTheTooLateOutput() {
    EventScript script = stream(true);
    PCollection<String> batch =
        panes(
            "batch",
            p.apply(
                "BatchEvents",
                Create.timestamped(script.elements()).withCoder(StringUtf8Coder.of())));
    WindowedResult<Row> streamed = window("stream", script.apply(p, "StreamEvents"));
    PCollection<String> stream = panesOf("stream", streamed.output());
    SerializableFunction<Row, String> lateLine =
        r ->
            "late|"
                + hhmm(r.getDateTime(Windowing.MISSED_WINDOW_START).toInstant())
                + " "
                + r.getString("user")
                + " "
                + r.getInt64("n");
    PCollection<String> late =
        streamed
            .tooLate()
            .apply("LateLines", MapElements.into(TypeDescriptors.strings()).via(lateLine));
    PAssert.that(late).containsInAnyOrder("late|00:00 a 25", "late|01:00 b 26");
    PAssert.that(PCollectionList.of(batch).and(stream).and(late).apply(Flatten.pCollections()))
        .satisfies(
            all -> {
              Map<String, String> b = finals(all, "batch");
              Map<String, String> s = finals(all, "stream");
              assertEquals(oracle(script), b);
              // batch - stream, per window, must be exactly the too-late records of that window
              Map<String, long[]> lateByWindow = new TreeMap<>();
              for (String line : all) {
                if (line.startsWith("late|")) {
                  String[] f = line.substring(5).split(" ", -1);
                  long[] cs = lateByWindow.computeIfAbsent(f[0], k -> new long[2]);
                  cs[0]++;
                  cs[1] += Long.parseLong(f[2]);
                }
              }
              Map<String, String> difference = new TreeMap<>();
              for (String window : b.keySet()) {
                String[] bs = b.get(window).split(" ", -1);
                String[] ss = s.getOrDefault(window, "0 0").split(" ", -1);
                long dc = Long.parseLong(bs[0]) - Long.parseLong(ss[0]);
                long ds = Long.parseLong(bs[1]) - Long.parseLong(ss[1]);
                if (dc != 0 || ds != 0) {
                  difference.put(window, dc + " " + ds);
                }
              }
              Map<String, String> lateStrings = new TreeMap<>();
              lateByWindow.forEach((k, v) -> lateStrings.put(k, v[0] + " " + v[1]));
              assertEquals(lateStrings, difference);
              return null;
            });
    StageGraph graph = StageGraph.of(p);
    PipelineResult run = p.run();
    run.waitUntilFinish();
    long n = script.elements().size();
    Counters.assertStage(Counters.stage(run, graph, "window_batch"), n, n, Map.of(), Map.of());
    Counters.assertStage(
        Counters.stage(run, graph, "window_stream"), n, n - 2, Map.of(), Map.of("too_late", 2L));
    RunAccounting line = Counters.accounting(run, graph);
    assertEquals(2 * n, line.read());
    assertEquals(2, line.tooLate());
    assertTrue(line.line(), line.balanced());
    assertEquals(2, Counters.get(run, Windowing.MISSED));
  }
}
