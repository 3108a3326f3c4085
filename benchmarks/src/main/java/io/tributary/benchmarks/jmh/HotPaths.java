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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.schemas.Schema;
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
  }

  /** Tributary's DecodeJson decode: Jackson tree model, then the contract's types into a Row. */
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
}
