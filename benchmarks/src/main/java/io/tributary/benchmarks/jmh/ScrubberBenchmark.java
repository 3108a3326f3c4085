package io.tributary.benchmarks.jmh;

import io.tributary.transforms.privacy.FieldProtector;
import io.tributary.transforms.privacy.PayloadScrubber;
import io.tributary.transforms.privacy.PrivacyPolicy;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Dead-letter payload scrubbing ({@link PayloadScrubber#scrub}) on 1 KB, 100 KB and 5 MB payloads,
 * one operation = one payload, and the regex implementation it replaced as a baseline. Run by hand
 * (docs/performance.md has the command and the numbers), never by the test phase.
 *
 * <p>Payloads: {@code clickstream-cut}, a generated clickstream line (PII included) cut open and
 * padded with prose that holds an e-mail, a phone number and an address every ~160 bytes, so it
 * takes the text path as a truncated dead letter does; {@code clickstream-json}, the same padding
 * as a field of a complete JSON object (the object path); {@code alphanumeric}, one line of random
 * letters and digits, the input that made the old e-mail pattern backtrack quadratically.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ScrubberBenchmark {
  static final String PROSE =
      " Customer wrote: please call me on +44 20 7946 0958 or mail ana.souza@example.com, I moved"
          + " to 742 Evergreen Terrace last May and order 88231 arrived twice at 12:40.";

  /** The clickstream defaults, without keys: the masks run, nothing needs a keyset. */
  static FieldProtector protector() {
    return FieldProtector.create(
        PrivacyPolicy.of(Map.of("email", "mask:email", "ip", "mask:ipv4", "user_agent", "drop")),
        null,
        null);
  }

  static String payload(String kind, int size) {
    StringBuilder b = new StringBuilder(size + PROSE.length());
    switch (kind) {
      case "alphanumeric":
        String alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        Random random = new Random(42);
        while (b.length() < size) {
          b.append(alnum.charAt(random.nextInt(alnum.length())));
        }
        return b.toString();
      case "clickstream-cut":
      case "clickstream-json":
        String line = HotPaths.LINE;
        b.append(line, 0, line.length() - 1).append(",\"note\":\"");
        while (b.length() < size - 2) {
          b.append(PROSE);
        }
        b.setLength(size - 2);
        return kind.equals("clickstream-json") ? b.append("\"}").toString() : b.toString();
      default:
        throw new IllegalArgumentException("unknown payload kind " + kind);
    }
  }

  /** The new scrubber over every size. */
  @State(Scope.Benchmark)
  public static class Current {
    @Param({"1024", "102400", "5242880"})
    int size;

    @Param({"clickstream-cut", "clickstream-json", "alphanumeric"})
    String kind;

    String payload;
    PayloadScrubber scrubber;

    @Setup
    public void setup() {
      payload = payload(kind, size);
      scrubber = PayloadScrubber.create(protector());
    }
  }

  /**
   * The old implementation's text path. Not run at 5 MB: on the alphanumeric line it would not
   * finish (its cost grows with the square of the length).
   */
  @State(Scope.Benchmark)
  public static class Old {
    @Param({"1024", "102400"})
    int size;

    @Param({"clickstream-cut", "alphanumeric"})
    String kind;

    String payload;
    String[] fields;

    @Setup
    public void setup() {
      payload = payload(kind, size);
      fields = protector().fields().keySet().toArray(new String[0]);
    }
  }

  @Benchmark
  public String scrub(Current s) {
    return s.scrubber.scrub(s.payload);
  }

  /**
   * The regexes of PayloadScrubber before the linear scanner (commit c8023a0), copied: one
   * replaceAll per policy field, then e-mail and IPv4. Jackson's parse attempt is left out (it
   * fails within the first bytes on these payloads). Single shots: one call on the 100 KB
   * alphanumeric line takes seconds.
   */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 1)
  @Measurement(iterations = 3)
  public String oldRegexBaseline(Old s) {
    String out = s.payload;
    for (String field : s.fields) {
      out =
          out.replaceAll(
              "(\"" + Pattern.quote(field) + "\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"?",
              "$1\"[redacted]\"");
    }
    return OLD_IPV4
        .matcher(OLD_EMAIL.matcher(out).replaceAll("[redacted-email]"))
        .replaceAll("[redacted-ip]");
  }

  private static final Pattern OLD_EMAIL =
      Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
  private static final Pattern OLD_IPV4 =
      Pattern.compile("(?<![\\w./])\\d{1,3}(?:\\.\\d{1,3}){3}(?![\\w.])");
}
