import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Seeded fuzz corpus of hostile input for Tributary's pipelines, and the exact outcome each line
 * must have. JDK only; run from the repository root:
 *
 * <pre>
 * java testdata/fuzz/GenerateFuzz.java --seed=1 --out=/tmp/fuzz
 * </pre>
 *
 * <p>Writes {@code clicks/part-1.jsonl} (good events mixed with one or more lines of every hostile
 * class), {@code clicks/part-2.jsonl} (a UTF-8 BOM and CRLF line ends, all good), {@code
 * clicks/part-3.jsonl.gz} (a gzip file cut in the middle), {@code orders/orders.jsonl} and {@code
 * orders/products.jsonl} (testdata/cdc's change logs with hostile lines added), and {@code
 * manifest.json}: the exact read, written, deduplicated and dead-letter counts per stage and
 * reason, and every planted personal value, which must appear in clear in no output file.
 *
 * <p>Every mutation is chosen so its outcome is certain: truncations cut inside a string value (the
 * JSON ends early), bit flips set the high bit of one ASCII byte inside a string (invalid UTF-8),
 * NUL bytes go inside a string (JSON forbids raw control characters). The same seed always gives
 * the same bytes (the program never reads the clock).
 */
public final class GenerateFuzz {
  // Stage names in Tributary's pipelines. Clickstream reads and decodes files in one stage
  // (decode), so a line the reader rejects is a decode dead letter too; orders-mart reads each
  // table's change file in its own stage (read_orders) before applying it (cdc_orders).
  static final String DECODE = "decode";
  static final String VALIDATE = "validate";
  static final String READ_ORDERS = "read_orders";
  static final String CDC_ORDERS = "cdc_orders";

  private final SplittableRandom random;
  private final Map<String, Integer> clickDeadLetters = new TreeMap<>();
  private final Map<String, Integer> orderDeadLetters = new TreeMap<>();
  // The expected dead letter of each hostile clickstream line, in the order they were made.
  private final List<String> hostileReasons = new ArrayList<>();
  private final java.util.Set<String> planted = new java.util.LinkedHashSet<>();
  private int eventSeq = 0;

  GenerateFuzz(long seed) {
    random = new SplittableRandom(seed);
  }

  public static void main(String[] args) throws IOException {
    long seed = 1;
    Path out = null;
    Path cdc = Path.of("testdata", "cdc");
    int good = 1500;
    for (String arg : args) {
      if (arg.startsWith("--seed=")) {
        seed = Long.parseLong(arg.substring(7));
      } else if (arg.startsWith("--out=")) {
        out = Path.of(arg.substring(6));
      } else if (arg.startsWith("--cdc=")) {
        cdc = Path.of(arg.substring(6));
      } else if (arg.startsWith("--good=")) {
        good = Integer.parseInt(arg.substring(7));
      } else {
        System.err.println("GenerateFuzz: unknown option " + arg);
        System.exit(2);
      }
    }
    if (out == null) {
      System.err.println("GenerateFuzz: --out=DIR is required");
      System.exit(2);
    }
    new GenerateFuzz(seed).write(out, cdc, good);
  }

  void write(Path out, Path cdc, int good) throws IOException {
    Files.createDirectories(out.resolve("clicks"));
    Files.createDirectories(out.resolve("orders"));

    // part-1: good lines with every hostile class spread among them.
    List<byte[]> goodLines = new ArrayList<>();
    for (int i = 0; i < good; i++) {
      goodLines.add(utf8(event(null)));
    }
    List<byte[]> hostile = hostileClicks(goodLines);
    // The same hostile lines as Kafka messages, for a streaming job: one per line, except those
    // over a broker's default 1 MB message limit (a broker refuses them before any job sees them).
    Files.createDirectories(out.resolve("kafka"));
    List<byte[]> messages = new ArrayList<>();
    Map<String, Integer> kafkaDeadLetters = new TreeMap<>();
    for (int i = 0; i < hostile.size(); i++) {
      if (hostile.get(i).length < 900_000) {
        messages.add(hostile.get(i));
        kafkaDeadLetters.merge(hostileReasons.get(i), 1, Integer::sum);
      }
    }
    writeLines(out.resolve("kafka/hostile.jsonl"), messages, "\n", false);
    int unknownFieldLines = 3;
    for (int i = 0; i < unknownFieldLines; i++) {
      String line = event(null);
      hostile.add(utf8(line.substring(0, line.length() - 1) + ",\"coupon\":\"WINTER" + i + "\"}"));
    }
    int duplicates = 20;
    for (int i = 0; i < duplicates; i++) {
      hostile.add(goodLines.get(random.nextInt(goodLines.size())).clone());
    }
    List<byte[]> part1 = new ArrayList<>(goodLines);
    for (byte[] h : hostile) {
      part1.add(random.nextInt(part1.size() + 1), h);
    }
    writeLines(out.resolve("clicks/part-1.jsonl"), part1, "\n", false);

    // part-2: BOM and CRLF, all good.
    List<byte[]> part2 = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      part2.add(utf8(event(null)));
    }
    writeLines(out.resolve("clicks/part-2.jsonl"), part2, "\r\n", true);

    // part-3: gzip cut at 60% of its compressed bytes.
    List<byte[]> part3 = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      part3.add(utf8(event(null)));
    }
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream zip = new GZIPOutputStream(gz)) {
      for (byte[] l : part3) {
        zip.write(l);
        zip.write('\n');
      }
    }
    byte[] cut = java.util.Arrays.copyOf(gz.toByteArray(), gz.size() * 6 / 10);
    Files.write(out.resolve("clicks/part-3.jsonl.gz"), cut);
    int completeBeforeCut = completeLinesBeforeDamage(cut);
    count(clickDeadLetters, DECODE + ".corrupt_file");

    int read = part1.size() + part2.size() + completeBeforeCut + 1;
    int dead = clickDeadLetters.values().stream().mapToInt(Integer::intValue).sum();
    int written = good + unknownFieldLines + part2.size() + completeBeforeCut;

    Map<String, Object> orders = orders(cdc, out.resolve("orders"));

    StringBuilder m = new StringBuilder();
    m.append("{\n  \"clickstream\": {\n");
    m.append("    \"read\": ").append(read).append(",\n");
    m.append("    \"written\": ").append(written).append(",\n");
    m.append("    \"deduplicated\": ").append(duplicates).append(",\n");
    m.append("    \"quarantined\": 0,\n    \"too_late\": 0,\n");
    m.append("    \"dead_lettered\": ").append(dead).append(",\n");
    m.append("    \"unknown_field_lines\": ").append(unknownFieldLines).append(",\n");
    m.append("    \"gzip_complete_lines\": ").append(completeBeforeCut).append(",\n");
    m.append("    \"dead_letters\": ").append(json(clickDeadLetters)).append("\n  },\n");
    m.append("  \"kafka_hostile\": {\n");
    m.append("    \"messages\": ").append(messages.size()).append(",\n");
    m.append("    \"dead_letters\": ").append(json(kafkaDeadLetters)).append("\n  },\n");
    m.append("  \"orders\": {\n");
    m.append("    \"added_lines\": ").append(orders.get("added")).append(",\n");
    m.append("    \"dead_letters\": ").append(json(orderDeadLetters)).append("\n  },\n");
    m.append("  \"planted\": [");
    int p = 0;
    for (String value : planted) {
      m.append(p++ == 0 ? "\n    " : ",\n    ").append(quote(value));
    }
    m.append("\n  ]\n}\n");
    Files.writeString(out.resolve("manifest.json"), m.toString());
  }

  /** One line of every hostile class, with the dead letter each must become. */
  List<byte[]> hostileClicks(List<byte[]> goodLines) {
    List<byte[]> lines = new ArrayList<>();
    hostileReasons.clear();
    // Oversized: a 5 MB non-JSON line with PII in its kept head, a 5 MB valid JSON event.
    lines.add(utf8("contact " + plant(email()) + " or " + plant(phone()) + " " + "a".repeat(5 << 20)));
    count(clickDeadLetters, DECODE + ".too_large");
    lines.add(utf8(event("\"user_agent\":\"" + "Mozilla/5.0 ".repeat(450_000) + "\"")));
    count(clickDeadLetters, DECODE + ".too_large");
    // Under the limit but long: 100 KB of letters and digits, the worst case of a naive e-mail regex.
    lines.add(utf8(plant(ssn()) + " " + "ab1".repeat(34_000)));
    count(clickDeadLetters, DECODE + ".not_json");
    // Nesting beyond any sane depth, inside an event and as a whole line.
    lines.add(utf8(event("\"extra\":" + "[".repeat(1001) + "]".repeat(1001))));
    count(clickDeadLetters, DECODE + ".too_deep");
    lines.add(utf8("[".repeat(5000)));
    count(clickDeadLetters, DECODE + ".too_deep");
    // Numbers: too long to parse, out of the contract's decimal(12,2), out of range as times.
    lines.add(utf8(event("\"price\":" + "9".repeat(150) + ".00")));
    count(clickDeadLetters, DECODE + ".number_too_long");
    for (String price : new String[] {"1e400", "19.999", "1234567890123.00"}) {
      lines.add(utf8(event("\"price\":" + price)));
      count(clickDeadLetters, DECODE + ".out_of_range");
    }
    for (String time :
        new String[] {
          "+292278994-08-17T07:12:55.807Z", "-0001-06-01T00:00:00Z", "0000-12-31T23:59:59Z"
        }) {
      lines.add(utf8(event("\"event_time\":\"" + time + "\"")));
      count(clickDeadLetters, DECODE + ".out_of_range");
    }
    // Invalid UTF-8: one bit flip inside a string of an event carrying PII; a binary line.
    byte[] flipped = utf8(event("\"email\":\"" + plant(email()) + "\""));
    int at = indexOf(flipped, utf8("\"event_type\":\"")) + 14;
    flipped[at] = (byte) (flipped[at] | 0x80);
    lines.add(flipped);
    count(clickDeadLetters, DECODE + ".invalid_utf8");
    byte[] binary = new byte[600];
    random.nextBytes(binary);
    for (int i = 0; i < binary.length; i++) {
      if (binary[i] == '\n' || binary[i] == '\r') {
        binary[i] = 0x7f;
      }
    }
    binary[0] = (byte) 0xff;
    lines.add(binary);
    count(clickDeadLetters, DECODE + ".invalid_utf8");
    // Duplicate keys in one object.
    String dup = event(null);
    lines.add(utf8(dup.substring(0, dup.length() - 1) + ",\"price\":1.00}"));
    count(clickDeadLetters, DECODE + ".duplicate_key");
    // Truncated inside a string value, with PII before the cut.
    for (int i = 0; i < 5; i++) {
      String line =
          event(
              "\"email\":\""
                  + plant(email())
                  + "\",\"note\":\"call "
                  + plant(phone())
                  + " at "
                  + plant(address())
                  + "\"");
      int noteEnd = line.indexOf("\"note\":\"") + 8;
      int cut = noteEnd + 1 + random.nextInt(line.indexOf('"', noteEnd) - noteEnd - 1);
      lines.add(utf8(line.substring(0, cut)));
      count(clickDeadLetters, DECODE + ".truncated_json");
    }
    // A NUL byte inside a string; free text full of PII; an e-mail written with a JSON escape.
    String nul = event(null);
    int typeAt = nul.indexOf("\"event_type\":\"") + 14;
    lines.add(utf8(nul.substring(0, typeAt) + "\u0000" + nul.substring(typeAt)));
    count(clickDeadLetters, DECODE + ".not_json");
    lines.add(
        utf8(
            "support ticket: "
                + plant(email())
                + ", card "
                + plant(card())
                + ", ssn "
                + plant(ssn())
                + ", from "
                + plant(ipv4())
                + ", lives at "
                + plant(address())));
    count(clickDeadLetters, DECODE + ".not_json");
    String escaped = email();
    planted.add(escaped);
    planted.add(escaped.replace("@", "\\u0040"));
    lines.add(utf8("{\"event_id\":\"x\",\"note\":\"" + escaped.replace("@", "\\u0040") + "\"} trailing"));
    count(clickDeadLetters, DECODE + ".not_json");
    // Blank and whitespace-only lines.
    lines.add(new byte[0]);
    count(clickDeadLetters, DECODE + ".empty_line");
    lines.add(utf8("   \t "));
    count(clickDeadLetters, DECODE + ".empty_line");
    // Contract violations that were already handled, now with PII in fields the policy covers and
    // in fields it does not know.
    lines.add(utf8(event("\"price\":\"12.00\"")));
    count(clickDeadLetters, DECODE + ".wrong_type");
    String noId = event(null);
    lines.add(utf8("{" + noId.substring(noId.indexOf(',') + 1)));
    count(clickDeadLetters, DECODE + ".missing_field");
    lines.add(utf8(event("\"event_time\":\"yesterday\"")));
    count(clickDeadLetters, DECODE + ".bad_timestamp");
    for (int i = 0; i < 2; i++) {
      lines.add(
          utf8(
              event(
                  "\"price\":-5.00,\"email\":\""
                      + plant(email())
                      + "\",\"ip\":\""
                      + plant(ipv4())
                      + "\",\"user_agent\":\""
                      + plant("FuzzBrowser/" + (9000 + eventSeq) + " (victim device)")
                      + "\",\"comment\":\"ring "
                      + plant(phone())
                      + "\"")));
      count(clickDeadLetters, VALIDATE + ".negative_price");
    }
    lines.add(utf8(event("\"currency\":\"XXX\"")));
    count(clickDeadLetters, VALIDATE + ".unknown_currency");
    return lines;
  }

  /**
   * A valid event line; {@code override} replaces fields ({@code "k":v,...}) or adds them when the
   * key is not one of the contract's.
   */
  String event(String override) {
    int n = eventSeq++;
    Map<String, String> f = new LinkedHashMap<>();
    f.put("event_id", quote(String.format("f-%07d", n)));
    f.put("user_id", quote(String.format("u-%05d", n % 97)));
    f.put("event_type", quote(new String[] {"page_view", "search", "purchase"}[n % 3]));
    f.put("product_id", quote(String.format("p-%04d", n % 50)));
    f.put("price", String.format("%d.%02d", 1 + n % 90, n % 100));
    f.put("currency", quote(new String[] {"USD", "EUR", "GBP", "JPY", "CHF"}[n % 5]));
    long millis = 1793527200000L + (long) n * 2000L; // 2026-11-01T10:00:00Z + 2 s per event
    f.put("event_time", quote(java.time.Instant.ofEpochMilli(millis).toString()));
    f.put("email", quote(plant(String.format("good.user%05d@shop.example", n % 97))));
    f.put("ip", quote(plant(String.format("198.51.100.%d", n % 97 + 1))));
    f.put("user_agent", quote("Mozilla/5.0 (X11; Linux x86_64) FuzzAgent/" + (n % 97)));
    if (override != null) {
      for (String part : splitTopLevel(override)) {
        int colon = part.indexOf("\":");
        String key = part.substring(1, colon);
        f.put(key, part.substring(colon + 2));
      }
    }
    StringBuilder b = new StringBuilder("{");
    f.forEach((k, v) -> b.append(b.length() == 1 ? "" : ",").append(quote(k)).append(':').append(v));
    return b.append('}').toString();
  }

  Map<String, Object> orders(Path cdc, Path out) throws IOException {
    List<byte[]> orders = new ArrayList<>();
    for (String l : Files.readAllLines(cdc.resolve("orders.jsonl"), StandardCharsets.UTF_8)) {
      orders.add(utf8(l));
    }
    String template = new String(orders.get(0), StandardCharsets.UTF_8);
    List<byte[]> added = new ArrayList<>();
    added.add(utf8(template.replace("\"status\":\"paid\"", "\"status\":\"" + "x".repeat(2 << 20) + "\"")));
    count(orderDeadLetters, READ_ORDERS + ".too_large");
    added.add(utf8(template.replace("\"quantity\":1", "\"quantity\":" + "[".repeat(2000) + "]".repeat(2000))));
    count(orderDeadLetters, CDC_ORDERS + ".too_deep");
    byte[] flip = utf8(template);
    int at = indexOf(flip, utf8("\"status\":\"")) + 10;
    flip[at] = (byte) (flip[at] | 0x80);
    added.add(flip);
    count(orderDeadLetters, READ_ORDERS + ".invalid_utf8");
    added.add(utf8(template.replace("\"status\":\"paid\"", "\"status\":\"pa\u0000id\"")));
    count(orderDeadLetters, CDC_ORDERS + ".not_json");
    added.add(utf8(template.substring(0, template.length() - 1) + ",\"op\":\"u\"}"));
    count(orderDeadLetters, CDC_ORDERS + ".duplicate_key");
    added.add(
        utf8(
            "{\"before\":null,\"after\":{\"order_id\":\"o-99999\",\"note\":\"refund to "
                + plant(card())
                + " for "
                + plant(email())));
    count(orderDeadLetters, CDC_ORDERS + ".truncated_json");
    added.add(new byte[0]);
    count(orderDeadLetters, CDC_ORDERS + ".empty_line");
    // The lake holds decimal(38,2): three decimals would need rounding.
    added.add(utf8(template.replaceFirst("\"amount\":[0-9.]+", "\"amount\":166.255")));
    count(orderDeadLetters, CDC_ORDERS + ".out_of_range");
    for (byte[] a : added) {
      orders.add(random.nextInt(orders.size() + 1), a);
    }
    writeLines(out.resolve("orders.jsonl"), orders, "\n", false);
    Files.copy(
        cdc.resolve("products.jsonl"),
        out.resolve("products.jsonl"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return Map.of("added", added.size());
  }

  // ---- planted personal data: unique values, so a search of the outputs means something ----

  String plant(String value) {
    planted.add(value);
    return value;
  }

  String email() {
    return String.format("fuzz.victim%04d@mailhost.example", random.nextInt(10_000));
  }

  String phone() {
    return String.format("+1 415 555 %04d", random.nextInt(10_000));
  }

  String ssn() {
    return String.format("%03d-%02d-%04d", 100 + random.nextInt(600), 10 + random.nextInt(89), 1000 + random.nextInt(9000));
  }

  String ipv4() {
    return String.format("203.0.113.%d", 1 + random.nextInt(254));
  }

  String address() {
    String[] streets = {"Elm Street", "Harbor Avenue", "Mill Road", "Juniper Lane"};
    return (10 + random.nextInt(9000)) + " " + streets[random.nextInt(streets.length)];
  }

  /** A 16-digit card number that passes the Luhn check, in groups of four. */
  String card() {
    int[] d = new int[16];
    d[0] = 4;
    for (int i = 1; i < 15; i++) {
      d[i] = random.nextInt(10);
    }
    int sum = 0;
    for (int i = 0; i < 15; i++) {
      int v = d[14 - i];
      if (i % 2 == 0) {
        v *= 2;
        if (v > 9) {
          v -= 9;
        }
      }
      sum += v;
    }
    d[15] = (10 - sum % 10) % 10;
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      if (i > 0 && i % 4 == 0) {
        b.append(' ');
      }
      b.append(d[i]);
    }
    return b.toString();
  }

  // ---- helpers ----

  /** Lines a reader gets from a gzip cut short: those ending in '\n' before the damage. */
  static int completeLinesBeforeDamage(byte[] cut) throws IOException {
    int lines = 0;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(cut))) {
      int b;
      while ((b = in.read()) >= 0) {
        if (b == '\n') {
          lines++;
        }
      }
      throw new IllegalStateException("the cut gzip file read to its end");
    } catch (EOFException expected) {
      return lines;
    }
  }

  static void writeLines(Path file, List<byte[]> lines, String eol, boolean bom) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    if (bom) {
      b.write(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
    }
    for (byte[] l : lines) {
      b.write(l);
      b.write(eol.getBytes(StandardCharsets.US_ASCII));
    }
    Files.write(file, b.toByteArray());
  }

  void count(Map<String, Integer> counts, String key) {
    counts.merge(key, 1, Integer::sum);
    if (counts == clickDeadLetters) {
      hostileReasons.add(key);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new IllegalStateException("not found");
  }

  /** Splits {@code "a":1,"b":"x,y"} at commas outside strings. */
  static List<String> splitTopLevel(String s) {
    List<String> parts = new ArrayList<>();
    boolean inString = false;
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' && (i == 0 || s.charAt(i - 1) != '\\')) {
        inString = !inString;
      } else if (!inString && (c == '[' || c == '{')) {
        depth++;
      } else if (!inString && (c == ']' || c == '}')) {
        depth--;
      } else if (!inString && depth == 0 && c == ',') {
        parts.add(s.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(s.substring(start));
    return parts;
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.append('"').toString();
  }

  static String json(Map<String, Integer> counts) {
    StringBuilder b = new StringBuilder("{");
    counts.forEach(
        (k, v) -> b.append(b.length() == 1 ? "" : ", ").append(quote(k)).append(": ").append(v));
    return b.append('}').toString();
  }
}
