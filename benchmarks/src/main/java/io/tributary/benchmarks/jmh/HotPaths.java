package io.tributary.benchmarks.jmh;

import io.tributary.benchmarks.Click;
import io.tributary.benchmarks.ClickParser;
import io.tributary.transforms.json.JsonRowDecoder;
import io.tributary.transforms.privacy.Crypto;
import io.tributary.transforms.privacy.FieldProtector;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.PrivacyPolicy;
import io.tributary.transforms.quality.metrics.Metric;
import io.tributary.transforms.quality.metrics.MetricsFn;
import io.tributary.transforms.values.FieldPath;
import io.tributary.transforms.values.RowBytesCoder;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.Row;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-record hot paths of the clickstream pipeline, one operation = one record. Run by
 * benchmarks/run.sh with {@code JMH=1}, never by the test phase.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class HotPaths {
  /** A generated line (testdata/clickstream/GenerateClickstream.java --seed=42), PII included. */
  static final String LINE =
      "{\"event_id\":\"e-0000001\",\"user_id\":\"u-00004\",\"event_type\":\"search\",\"product_id\":\"p-0043\","
          + "\"price\":26.76,\"currency\":\"EUR\",\"event_time\":\"2026-11-01T00:02:44.759Z\","
          + "\"email\":\"nils.bianchi4@example.com\",\"ip\":\"198.51.100.16\",\"user_agent\":\"Mozilla/5.0 (Linux; "
          + "Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 "
          + "Mobile Safari/537.36\"}";

  static final Schema SCHEMA =
      Schema.builder()
          .addStringField("event_id")
          .addStringField("user_id")
          .addStringField("event_type")
          .addStringField("product_id")
          .addDecimalField("price")
          .addStringField("currency")
          .addDateTimeField("event_time")
          .addNullableField("email", Schema.FieldType.STRING)
          .addNullableField("ip", Schema.FieldType.STRING)
          .addNullableField("user_agent", Schema.FieldType.STRING)
          .build();

  private JsonRowDecoder decoder;
  private ClickParser parser;
  private Row row;
  private FieldPath idPath;
  private Keyset keys;
  private FieldProtector protector;
  private Schema protectedSchema;
  private MetricsFn metrics;
  private List<?> metricsAcc;
  private RowCoder rowCoder;
  private RowBytesCoder rowBytesCoder;
  private byte[] rowBytes;

  @Setup
  public void setup() throws Exception {
    decoder = JsonRowDecoder.of(SCHEMA, "decode");
    parser = new ClickParser();
    row = decoder.decode(LINE);
    idPath = FieldPath.of("event_id");
    Path keyset = Files.createTempFile("bench-keyset", ".json");
    keyset.toFile().deleteOnExit();
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) i;
    }
    Files.writeString(
        keyset,
        "{\"primary\":\"k1\",\"keys\":{\"k1\":\""
            + Base64.getEncoder().encodeToString(key)
            + "\"}}");
    keys = Keyset.load(Keyset.KeysetSource.file(keyset.toString()));
    // The clickstream defaults: email and ip masked, user_agent dropped, user_id tokenized.
    protector =
        FieldProtector.create(
            PrivacyPolicy.of(
                Map.of(
                    "email",
                    "mask:email",
                    "ip",
                    "mask:ipv4",
                    "user_agent",
                    "drop",
                    "user_id",
                    "tokenize")),
            keys,
            null);
    protectedSchema = protector.outputSchema(SCHEMA);
    metrics =
        MetricsFn.of(
            List.of(
                Metric.size(),
                Metric.completeness("email"),
                Metric.mean("price"),
                Metric.approxCountDistinct("user_id")),
            "clicks",
            "bench",
            null);
    metricsAcc = metrics.createAccumulator();
    rowCoder = RowCoder.of(SCHEMA);
    rowBytesCoder = RowBytesCoder.of(SCHEMA);
    rowBytes = CoderUtils.encodeToByteArray(rowCoder, row);
  }

  /**
   * Tributary's DecodeJson decode: a flat object read from Jackson's tokens (the tree model only
   * for what that path declines), then the contract's types into a Row.
   */
  @Benchmark
  public Row decodeTributary() throws Exception {
    return decoder.decode(LINE);
  }

  /**
   * The hand-written streaming parser of the native/built-ins/plain variants (includes validation).
   */
  @Benchmark
  public Click parseHandwritten() {
    return parser.parse(LINE);
  }

  /** Dedup's keying function: the id field of a Row as the state key. */
  @Benchmark
  public String dedupKey() {
    return String.valueOf(idPath.get(row));
  }

  /** One keyed token (HMAC) of a field value. */
  @Benchmark
  public String token() {
    return Crypto.token(keys, "user_id", "u-00004");
  }

  /** The whole per-row protection: two masks, one token, one drop, a new Row. */
  @Benchmark
  public Row protectRow() {
    return protector.protect(row, protectedSchema);
  }

  /** Quality-metric accumulation of one row: size, completeness, mean, HLL distinct count. */
  @Benchmark
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Object qualityAdd() {
    return metrics.addInput((List) metricsAcc, row);
  }

  /** Beam's RowCoder reads a clickstream row: every field decoded. */
  @Benchmark
  public Row rowCoderDecode() throws Exception {
    return rowCoder.decode(new BytesIn(rowBytes));
  }

  /** Tributary's RowBytesCoder reads the same bytes: the row's fields located, none decoded. */
  @Benchmark
  public Row rowBytesDecode() throws Exception {
    return rowBytesCoder.decode(new BytesIn(rowBytes));
  }

  /** Read, then the one field a keyed step reads (Dedup's event_id). */
  @Benchmark
  public String rowBytesDecodeReadId() throws Exception {
    return rowBytesCoder.decode(new BytesIn(rowBytes)).getString(0);
  }

  /** Read, then every field: a row that is used whole costs this much more than RowCoder's. */
  @Benchmark
  public List<Object> rowBytesDecodeReadAll() throws Exception {
    return rowBytesCoder.decode(new BytesIn(rowBytes)).getValues();
  }

  /** A row passed on: read with Beam's coder, written again with it (a shuffle between steps). */
  @Benchmark
  public byte[] rowCoderPassOn() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    rowCoder.encode(rowCoder.decode(new BytesIn(rowBytes)), out);
    return out.toByteArray();
  }

  /** The same with Tributary's coder: the row written again is a copy of its bytes. */
  @Benchmark
  public byte[] rowBytesPassOn() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    rowBytesCoder.encode(rowBytesCoder.decode(new BytesIn(rowBytes)), out);
    return out.toByteArray();
  }

  /**
   * A stream over bytes without {@code ByteArrayInputStream}'s lock per call (which would cost more
   * than the decoding measured here): what Flink's deserializer hands a coder.
   */
  static final class BytesIn extends InputStream {
    private final byte[] bytes;
    private int at;

    BytesIn(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read() {
      return at < bytes.length ? bytes[at++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (at >= bytes.length) {
        return -1;
      }
      int n = Math.min(len, bytes.length - at);
      System.arraycopy(bytes, at, b, off, n);
      at += n;
      return n;
    }
  }
}
