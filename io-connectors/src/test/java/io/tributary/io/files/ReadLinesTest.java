package io.tributary.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.formats.FileFormat;
import io.tributary.io.formats.ReadRows;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.testing.SourceStageAssert;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.json.DecodeJson;
import io.tributary.transforms.limits.RecordLimits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.avro.Schema;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Hostile files become dead letters, read through a real {@link DeadLetterFiles} handler, and the
 * good lines of the same run survive.
 */
@RunWith(JUnit4.class)
public class ReadLinesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  static final RegisteredSchema SCHEMA =
      RegisteredSchema.unregistered(
          new Schema.Parser()
              .parse(
                  "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}"));

  private Path deadLetterDir;

  private BadRecordErrorHandler<?> deadLetters() throws Exception {
    deadLetterDir = tmp.newFolder("dead-letter").toPath();
    return p.registerBadRecordErrorHandler(DeadLetterFiles.to(deadLetterDir.toString()));
  }

  private List<JsonNode> readDeadLetters() throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(deadLetterDir)) {
      for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
        for (String line : Files.readAllLines(f)) {
          out.add(mapper.readTree(line));
        }
      }
    }
    return out;
  }

  private PCollection<String> lines(String glob, ReadLines read) {
    return p.apply("Match", FileIO.match().filepattern(glob))
        .apply("Open", FileIO.readMatches())
        .apply("ReadLines", read);
  }

  private static long counter(PipelineResult result, String name) {
    long n = 0;
    for (var c :
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.named("tributary", name))
                    .build())
            .getCounters()) {
      n += c.getAttempted();
    }
    return n;
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  public void oversizedLineIsOneDeadLetterWithHeadLengthAndHash() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    String big = "{\"id\":\"" + "x".repeat(300) + "\"}";
    Files.writeString(dir.resolve("a.jsonl"), "first\nsecond\n" + big + "\nthird\n");
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> lines =
        lines(
            dir + "/*.jsonl",
            ReadLines.create()
                .withLimits(
                    RecordLimits.defaults().withMaxRecordBytes(100).withKeptPayloadBytes(10))
                .withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(lines).containsInAnyOrder("first", "second", "third");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();

    List<JsonNode> dl = readDeadLetters();
    assertThat(dl.size(), is(1));
    JsonNode d = dl.get(0);
    assertThat(d.get("stage").asText(), equalTo("read"));
    assertThat(d.get("reason").asText(), equalTo("too_large"));
    assertThat(d.get("payload").asText(), equalTo(big.substring(0, 10)));
    assertThat(d.get("payload_truncated").asBoolean(), is(true));
    assertThat(d.get("payload_bytes").asLong(), is((long) big.length()));
    String hash = sha256(big.getBytes(StandardCharsets.UTF_8));
    assertThat(d.get("payload_sha256").asText(), equalTo(hash));
    assertThat(d.has("payload_encoding"), is(false));
    String message = d.get("message").asText();
    assertThat(message, containsString("a.jsonl line 3: " + big.length() + " bytes"));
    assertThat(message, containsString("limit of 100 (RecordLimits.withMaxRecordBytes)"));
    assertThat(message, containsString(hash));
    stage.check(result, "read", 4, 3, Map.of("too_large", 1L));
    assertThat(counter(result, "dead_letter.read.too_large"), is(1L));
  }

  private static final TupleTag<String> DECODED = new TupleTag<String>() {};

  /**
   * {@code then}: a decoder in the reading step gets every readable line (a blank one too) with its
   * file's timestamp; what cannot be read is rejected before it, counted as by the reader alone.
   */
  @Test
  public void aDecoderInTheReadingStepGetsEveryReadableLine() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    String big = "x".repeat(300);
    Files.writeString(dir.resolve("a.txt"), "first\n\n" + big + "\nthird\n");
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollectionTuple decoded =
        p.apply("Match", FileIO.match().filepattern(dir + "/*.txt"))
            .apply("Open", FileIO.readMatches())
            .apply(
                "ReadLines",
                ReadLines.create()
                    .asFirstStepOf("decode")
                    .withLimits(RecordLimits.defaults().withMaxRecordBytes(100))
                    .withBadRecordErrorHandler(handler)
                    .then(
                        DECODED,
                        (line, timestamp, out) ->
                            out.get(DECODED).output(line.length() + "@" + timestamp)));
    DeadLetters.register(handler, decoded);
    handler.close();
    String min = BoundedWindow.TIMESTAMP_MIN_VALUE.toString();
    PAssert.that(decoded.get(DECODED).setCoder(StringUtf8Coder.of()))
        .containsInAnyOrder("5@" + min, "0@" + min, "5@" + min);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    List<JsonNode> dl = readDeadLetters();
    assertThat(dl.size(), is(1));
    assertThat(dl.get(0).get("stage").asText(), equalTo("decode"));
    assertThat(dl.get(0).get("reason").asText(), equalTo("too_large"));
    assertThat(counter(result, "stage.decode.in"), is(4L));
    assertThat(counter(result, "stage.decode.out"), is(0L)); // the decoder's to count
  }

  @Test
  public void fiveMegabyteLineGivesTwoRowsAndOneDeadLetterOnEveryRunner() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    String big = "{\"id\":\"" + "y".repeat(5 * 1000 * 1000) + "\"}"; // valid JSON, 5 MB
    Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a\"}\n" + big + "\n{\"id\":\"b\"}\n");
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<Row> rows =
        p.apply("Files", FileSource.glob(dir + "/*.jsonl"))
            .apply(
                "Read", ReadRows.of(FileFormat.JSONL, SCHEMA).withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(FileSourceTest.ids(rows)).containsInAnyOrder("a", "b");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    List<JsonNode> dl = readDeadLetters();
    assertThat(dl.size(), is(1));
    assertThat(dl.get(0).get("reason").asText(), equalTo("too_large"));
    assertThat(dl.get(0).get("payload_bytes").asLong(), is((long) big.length()));
    assertThat(
        dl.get(0).get("payload").asText().length(), is(RecordLimits.DEFAULT_KEPT_PAYLOAD_BYTES));
    stage.check(result, ReadRows.STAGE, 3, 2, Map.of("too_large", 1L));
  }

  @Test
  public void rejectedLineJustUnderTheLimitReachesTheDeadLetterFile() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    int n = (int) RecordLimits.DEFAULT_MAX_RECORD_BYTES - 1;
    String notJson = "z".repeat(n);
    Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a\"}\n" + notJson + "\n");
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<Row> rows =
        p.apply("Files", FileSource.glob(dir + "/*.jsonl"))
            .apply(
                "Read", ReadRows.of(FileFormat.JSONL, SCHEMA).withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(FileSourceTest.ids(rows)).containsInAnyOrder("a");
    p.run().waitUntilFinish();
    List<JsonNode> dl = readDeadLetters();
    assertThat(dl.size(), is(1));
    assertThat(dl.get(0).get("reason").asText(), equalTo("not_json"));
    assertThat(dl.get(0).get("payload").asText(), equalTo(notJson));
  }

  @Test
  public void invalidUtf8KeepsTheOriginalBytesBomAndCrlfAreHandled() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    byte[] bad = {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, '(', (byte) 0xFF, '"', '}'};
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    data.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    data.write("crlf-1\r\n".getBytes(StandardCharsets.UTF_8));
    data.write(bad);
    data.write("\r\nh\u00e9\r\n\n".getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("a.txt"), data.toByteArray());
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> lines =
        lines(dir + "/*.txt", ReadLines.create().withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(lines).containsInAnyOrder("crlf-1", "h\u00e9", "");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(result, "read", 4, 3, Map.of("invalid_utf8", 1L));
    List<JsonNode> dl = readDeadLetters();
    assertThat(dl.size(), is(1));
    JsonNode d = dl.get(0);
    assertThat(d.get("reason").asText(), equalTo("invalid_utf8"));
    assertThat(d.get("payload_encoding").asText(), equalTo("base64"));
    assertThat(Base64.getDecoder().decode(d.get("payload").asText()), equalTo(bad));
    assertThat(
        d.get("message").asText(),
        containsString("a.txt line 2: not valid UTF-8 at byte 7 of the line (file offset 18)"));
  }

  @Test
  public void truncatedGzipKeepsTheLinesBeforeTheCutAndOtherFiles() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    int n = 5_000;
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      for (int i = 0; i < n; i++) {
        out.write(("gz-" + i + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] all = gz.toByteArray();
    Files.write(dir.resolve("cut.jsonl.gz"), Arrays.copyOf(all, all.length * 2 / 3));
    Files.writeString(dir.resolve("good.jsonl"), "good-0\ngood-1\ngood-2\n");
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<String> lines =
        lines(dir + "/*", ReadLines.create().withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(lines)
        .satisfies(
            got -> {
              List<String> good = new ArrayList<>();
              long gzLines = 0;
              boolean[] seen = new boolean[n];
              for (String l : got) {
                if (l.startsWith("good-")) {
                  good.add(l);
                } else {
                  seen[Integer.parseInt(l.substring(3))] = true;
                  gzLines++;
                }
              }
              assertThat(good.size(), is(3));
              for (int i = 0; i < gzLines; i++) {
                assertThat("gz-" + i + " read", seen[i], is(true)); // a prefix, nothing skipped
              }
              assertThat(gzLines, lessThan((long) n));
              assertThat(gzLines > 0, is(true));
              return null;
            });
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    List<JsonNode> dl = readDeadLetters();
    assertThat(dl.size(), is(1));
    JsonNode d = dl.get(0);
    assertThat(d.get("reason").asText(), equalTo("corrupt_file"));
    assertThat(d.get("payload").asText(), containsString("cut.jsonl.gz"));
    String message = d.get("message").asText();
    assertThat(message, containsString("cut.jsonl.gz: unreadable after "));
    assertThat(message, containsString("EOFException"));
    long complete =
        Long.parseLong(message.replaceAll(".*unreadable after (\\d+) complete.*", "$1"));
    // in = good lines + complete gz lines + the one file-level rejection
    stage.check(result, "read", 3 + complete + 1, 3 + complete, Map.of("corrupt_file", 1L));
  }

  @Test
  public void blankLinesAreOutputRawForTheDecoderAndCountedInAndOut() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    Files.writeString(dir.resolve("a.txt"), "one\n\n   \n\t\ntwo\n");
    PCollection<String> lines =
        lines(dir + "/*.txt", ReadLines.create().withStageName("read_text"));
    PAssert.that(lines).containsInAnyOrder("one", "", "   ", "\t", "two");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(result, "read_text", 5, 5, Map.of());
  }

  @Test
  public void beforeDecodeJsonABlankLineIsTheDecodersEmptyLine() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a\"}\n\n  \n{\"id\":\"b\"}\n");
    BadRecordErrorHandler<?> handler = deadLetters();
    PCollection<Row> rows =
        lines(dir + "/*.jsonl", ReadLines.create().withBadRecordErrorHandler(handler))
            .apply(
                "Decode",
                DecodeJson.toRows(SCHEMA.beamSchema()).withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(FileSourceTest.ids(rows)).containsInAnyOrder("a", "b");
    SourceStageAssert stage = SourceStageAssert.before(p);
    PipelineResult result = p.run();
    result.waitUntilFinish();
    stage.check(result, "read", 4, 4, Map.of());
    assertThat(counter(result, "dead_letter.decode.empty_line"), is(2L));
    List<JsonNode> dl = readDeadLetters();
    assertThat(dl.size(), is(2));
    for (JsonNode d : dl) {
      assertThat(d.get("stage").asText(), equalTo("decode"));
      assertThat(d.get("reason").asText(), equalTo("empty_line"));
    }
  }

  @Test
  public void rangesOfABigPlainFileReadEveryLineOnce() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    StringBuilder text = new StringBuilder();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      String line = "line-" + i + "-" + "p".repeat(i % 37);
      expected.add(line);
      text.append(line).append(i % 5 == 0 ? "\r\n" : "\n");
    }
    Files.writeString(dir.resolve("plain.txt"), text);
    PCollection<String> lines = lines(dir + "/*.txt", ReadLines.create().withSplitBytes(61));
    PAssert.that(lines).containsInAnyOrder(expected);
    p.run().waitUntilFinish();
  }

  @Test
  public void displayDataAndArgumentChecks() {
    DisplayData data =
        DisplayData.from(
            ReadLines.create()
                .withLimits(RecordLimits.defaults().withMaxRecordBytes(777))
                .withStageName("ingest"));
    assertThat(data.toString(), containsString("777"));
    assertThat(data.toString(), containsString("ingest"));
    assertThat(ReadLines.create().stageName(), equalTo("read"));
    assertThat(ReadLines.create().withStageName("read_orders").stageName(), equalTo("read_orders"));
    IllegalArgumentException bad =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class, () -> ReadLines.create().withStageName("Read-1"));
    assertThat(bad.getMessage(), containsString("ReadLines.withStageName"));
    IllegalArgumentException e =
        org.junit.Assert.assertThrows(
            IllegalArgumentException.class, () -> ReadLines.create().withLimits(null));
    assertThat(e.getMessage(), containsString("ReadLines.withLimits"));
    p.enableAbandonedNodeEnforcement(false);
  }
}
