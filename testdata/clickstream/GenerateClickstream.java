/*
 * GenerateClickstream - deterministic sample-data generator for Tributary.
 *
 * A single-file Java 17 program with no dependencies beyond the JDK. Run it from the repository
 * root with the source launcher (no Maven, no compile step):
 *
 *   java testdata/clickstream/GenerateClickstream.java --seed=42 --lines=50000 \
 *       --out=testdata/clickstream/sample.jsonl.gz \
 *       --expected=testdata/clickstream/sample.expected.json \
 *       --golden=testdata/clickstream/golden/sample
 *
 * Options (all optional):
 *   --seed=N        random seed (default 42)
 *   --lines=N       total number of lines in the output, every kind counted (default 50000, min 100)
 *   --out=PATH      output file; a ".gz" suffix writes gzip (GZIPOutputStream writes mtime 0);
 *                   without --out the lines go to stdout
 *   --expected=PATH manifest: exact counts of every line class + sha256 of the uncompressed bytes
 *   --golden=DIR    writes DIR/aggregates.jsonl: the 1-hour UTC tumbling-window aggregates a correct
 *                   pipeline must produce from the valid, de-duplicated events
 *
 * Determinism: everything comes from one java.util.SplittableRandom seeded with --seed (split into
 * independent streams per phase, always in the same order). The clock is never read, and no output
 * depends on hash iteration order (only TreeMaps and lists are iterated). Same --seed and --lines
 * give byte-identical output. (The gzip container is deterministic for a given JDK/zlib; the
 * canonical fingerprint is sha256_uncompressed in the manifest.)
 *
 * ----------------------------------------------------------------------------------------------
 * What a line is
 * ----------------------------------------------------------------------------------------------
 * A VALID line is a JSON object with exactly these keys, in this order:
 *   event_id    string  "e-0000001"         unique per event (ids follow event-time order)
 *   user_id     string  "u-00042"
 *   event_type  string  page_view | search | add_to_cart | remove_from_cart | checkout | purchase
 *   product_id  string  "p-0123"
 *   price       number  exactly two decimals, > 0 (JPY is whole yen, still written 1200.00)
 *   currency    string  USD | EUR | GBP | JPY | CHF (fixed per user)
 *   event_time  string  ISO-8601 with offset and milliseconds, e.g. 2026-11-01T10:15:30.123+01:00;
 *                       the offset is fixed per user (Z, +01:00, -05:00 or +05:30), so the same
 *                       instant is rendered in different local times
 *   email       string  PII, per user, @example.com
 *   ip          string  PII, per user, from the documentation ranges 192.0.2.0/24,
 *                       198.51.100.0/24, 203.0.113.0/24
 *   user_agent  string  PII-ish, per user
 * Required (what the pipeline validates): event_id, user_id, event_type, event_time, product_id,
 * price, currency.
 *
 * Event instants lie in [2026-11-01T00:00:00Z, 2026-11-03T00:00:00Z). The file is roughly ordered by
 * event time: about 10% of events arrive up to 5 minutes after their event time, i.e. they are
 * displaced behind events that happened later.
 *
 * ----------------------------------------------------------------------------------------------
 * Line classes, in exactly known numbers
 * ----------------------------------------------------------------------------------------------
 * count(rate) = max(1, round(lines * rate)), computed in integer arithmetic (rates are stored per
 * 100,000 lines, round = half up). Every defect line carries exactly ONE defect; every other field
 * of it is valid. No defect line is byte-identical to any other line.
 *
 *   duplicates        1%     A re-sent event: a byte-identical copy of an earlier valid, non-late
 *                            line, 1..200 lines after the original (at-least-once delivery). Each
 *                            original is re-sent at most once. A correct pipeline drops it by
 *                            event_id.
 *   not_json          0.12%  Garbage that is not JSON at all: an HTML error page from a proxy, an
 *                            HTTP request line, a row of commas, random words, a log line.
 *   truncated_json    0.08%  A valid event line cut in the middle (a writer died mid-line): a
 *                            prefix of a JSON object that ends abruptly, so it never parses.
 *   missing_field     0.1%   A valid event with one REQUIRED field removed (the fields are cycled
 *                            so every one of them occurs once the count allows).
 *   wrong_type        0.08%  A required field with the wrong JSON type: price as a non-numeric
 *                            string ("twelve") or as true, user_id as an object or a number,
 *                            event_type as a number. (Lenient accessors such as Jackson's
 *                            asDouble()/asText() would silently accept these: check node types.)
 *   bad_timestamp     0.06%  event_time is a string but not ISO-8601 with an offset: "yesterday",
 *                            "2026-13-45T25:61:00Z", "2026-11-01 10:00:00", "2026-11-01T10:00:00"
 *                            (no offset: the instant is ambiguous) or epoch seconds "1793520000".
 *   negative_price    0.05%  price < 0 (a refund mis-sent as an event), otherwise a valid event.
 *   unknown_currency  0.05%  currency is three upper-case letters outside {USD,EUR,GBP,JPY,CHF}.
 *   late              0.04%  NOT a defect: valid, unique events whose event_time is 3..6 hours
 *                            behind the maximum event_time of all earlier lines (a device that was
 *                            offline). In a bounded run they are aggregated normally; in a
 *                            streaming run they are beyond any small allowed lateness.
 *
 * valid_unique = lines - duplicates - dead_letters_total (late events are part of valid_unique).
 * Defect lines get their own unique event_ids (never one of a valid event) and an event_time that
 * is never after the latest valid event before them, so they do not move the "max event time seen"
 * used for out_of_order and late: out_of_order and late are the same whether one looks at all
 * earlier lines or only at earlier valid lines.
 */

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

public final class GenerateClickstream {

  // ---------------------------------------------------------------------------------------------
  // Fixed parameters of the data set
  // ---------------------------------------------------------------------------------------------

  static final long START_MS = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
  static final long END_MS = Instant.parse("2026-11-03T00:00:00Z").toEpochMilli(); // exclusive
  static final long SECOND = 1_000L;
  static final long MINUTE = 60 * SECOND;
  static final long HOUR = 60 * MINUTE;

  /** Share of regular events that arrive late by up to MAX_DISPLACEMENT_MS (out of order). */
  static final double DISPLACED_FRACTION = 0.10;
  static final long MAX_DISPLACEMENT_MS = 5 * MINUTE;

  /** Late events lag the max event time of earlier lines by strictly between 3 h and 6 h. */
  static final long LATE_MIN_LAG_MS = 3 * HOUR + SECOND;
  static final long LATE_MAX_LAG_MS = 6 * HOUR - SECOND;
  static final long LATE_THRESHOLD_MS = 3 * HOUR; // anything this far behind counts as late

  /** A duplicate follows its original by 1..MAX_DUP_DISTANCE lines. */
  static final int MAX_DUP_DISTANCE = 200;
  /** Gap drawn for a duplicate; the slack to MAX_DUP_DISTANCE absorbs two duplicates falling due together. */
  static final int MAX_DUP_GAP_DRAWN = 190;

  static final int MIN_LINES = 100;
  static final int PRODUCTS = 500;

  /** Rates per 100,000 lines. */
  static final int DUPLICATE_RATE = 1_000; // 1%
  static final int LATE_RATE = 40; // 0.04%

  /** Dead-letter classes: each line of these has exactly one defect. */
  enum Defect {
    NOT_JSON("not_json", 120),
    TRUNCATED_JSON("truncated_json", 80),
    MISSING_FIELD("missing_field", 100),
    WRONG_TYPE("wrong_type", 80),
    BAD_TIMESTAMP("bad_timestamp", 60),
    NEGATIVE_PRICE("negative_price", 50),
    UNKNOWN_CURRENCY("unknown_currency", 50);

    final String key;
    final int ratePer100k;

    Defect(String key, int ratePer100k) {
      this.key = key;
      this.ratePer100k = ratePer100k;
    }
  }

  static final String[] EVENT_TYPES = {
    "page_view", "search", "add_to_cart", "remove_from_cart", "checkout", "purchase"
  };
  /** Realistic funnel skew: mostly browsing, purchases rare. */
  static final double[] EVENT_TYPE_WEIGHTS = {0.56, 0.20, 0.11, 0.04, 0.05, 0.04};

  static final String[] CURRENCIES = {"USD", "EUR", "GBP", "JPY", "CHF"};
  static final double[] CURRENCY_WEIGHTS = {0.35, 0.30, 0.15, 0.10, 0.10};
  /** Fixed conversion from a product's USD list price; JPY is then rounded to whole yen. */
  static final BigDecimal[] USD_TO = {
    new BigDecimal("1"), new BigDecimal("0.92"), new BigDecimal("0.79"),
    new BigDecimal("150"), new BigDecimal("0.88")
  };
  static final int JPY = 3;

  static final ZoneOffset[] OFFSETS = {
    ZoneOffset.UTC, ZoneOffset.ofHours(1), ZoneOffset.ofHours(-5), ZoneOffset.ofHoursMinutes(5, 30)
  };

  /** Codes that look like currencies but are not in the known set. */
  static final String[] UNKNOWN_CURRENCIES = {"XXX", "BTC", "ZZZ", "ABC", "QQQ", "DOG"};

  static final String[] REQUIRED_FIELDS = {
    "event_id", "user_id", "event_type", "event_time", "product_id", "price", "currency"
  };

  static final String[] FIRST_NAMES = {
    "alice", "bruno", "chloe", "dmitri", "elena", "farid", "greta", "hiro", "ines", "jonas",
    "kara", "liam", "maya", "nils", "olga", "pavel", "quinn", "rosa", "sven", "tara",
    "umar", "vera", "wei", "xenia", "yusuf", "zoe", "anil", "bea", "carlos", "dana",
    "emil", "fatima", "gustav", "hana", "ivan", "julia", "kenji", "lena", "marco", "nora"
  };
  static final String[] LAST_NAMES = {
    "smith", "mueller", "rossi", "garcia", "dubois", "tanaka", "kowalski", "nielsen", "silva",
    "novak", "jensen", "moreau", "fischer", "bianchi", "lopez", "sato", "schmidt", "martin",
    "khan", "patel", "ivanova", "berg", "costa", "weber", "yamamoto", "okafor", "murphy",
    "lindqvist", "horvat", "meyer"
  };

  static final String[] USER_AGENTS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36"
  };

  static final String[] DOC_NETS = {"192.0.2.", "198.51.100.", "203.0.113."};

  static final String[] WORDS = {
    "lorem", "ipsum", "banana", "checkout", "basket", "oops", "nil", "pointer", "retry", "queue",
    "kafka", "timeout", "hello", "world", "foo", "bar", "baz", "qux", "stream", "window",
    "late", "broken", "pipe", "socket", "gateway", "cookie", "session", "cart", "mango", "purple",
    "river", "tributary", "delta", "signal", "noise", "offset", "commit", "flush", "buffer", "panic"
  };

  static final DateTimeFormatter EVENT_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT);
  static final DateTimeFormatter SPACE_NO_OFFSET =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT);
  static final DateTimeFormatter T_NO_OFFSET =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss", Locale.ROOT);
  static final DateTimeFormatter WINDOW_TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'", Locale.ROOT);

  // ---------------------------------------------------------------------------------------------
  // Model
  // ---------------------------------------------------------------------------------------------

  record User(String id, int num, int currency, ZoneOffset offset, String email, String ip, String userAgent) {}

  /** One line-to-be (except re-sent duplicates, which reuse their original's line). */
  static final class Event {
    final Defect defect; // null for a valid event
    final boolean late;
    long timeMs; // the event instant (for defect lines: the instant the line would have had)
    User user;
    int product; // 0-based
    int type; // index into EVENT_TYPES
    int variant; // which flavour of the defect
    String eventId;
    String line;
    boolean resent; // a byte-identical duplicate of this line follows
    int basePos; // position among non-duplicate lines

    Event(Defect defect, boolean late) {
      this.defect = defect;
      this.late = late;
    }

    boolean valid() {
      return defect == null;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Entry point
  // ---------------------------------------------------------------------------------------------

  public static void main(String[] args) throws Exception {
    long seed = 42;
    int lines = 50_000;
    String out = null;
    String expected = null;
    String golden = null;
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        usage(null);
        return;
      }
      int eq = a.indexOf('=');
      if (!a.startsWith("--") || eq < 0) usage("bad argument: " + a);
      String k = a.substring(2, eq);
      String v = a.substring(eq + 1);
      switch (k) {
        case "seed" -> seed = Long.parseLong(v);
        case "lines" -> lines = Integer.parseInt(v);
        case "out" -> out = v;
        case "expected" -> expected = v;
        case "golden" -> golden = v;
        default -> usage("unknown option: --" + k);
      }
    }
    if (lines < MIN_LINES) usage("--lines must be at least " + MIN_LINES);
    new GenerateClickstream(seed, lines).run(out, expected, golden);
  }

  static void usage(String error) {
    String text =
        "usage: java testdata/clickstream/GenerateClickstream.java [--seed=N] [--lines=N]"
            + " [--out=PATH[.gz]] [--expected=PATH] [--golden=DIR]";
    if (error == null) {
      System.out.println(text);
      return;
    }
    System.err.println(error);
    System.err.println(text);
    System.exit(2);
  }

  /** count(rate) = max(1, round(lines * rate)), rate per 100,000, half-up rounding, no floating point. */
  static int count(long lines, int ratePer100k) {
    return (int) Math.max(1, (lines * ratePer100k + 50_000) / 100_000);
  }

  // ---------------------------------------------------------------------------------------------
  // Generation
  // ---------------------------------------------------------------------------------------------

  final long seed;
  final int lines;
  final SplittableRandom rngCatalog;
  final SplittableRandom rngTimes;
  final SplittableRandom rngLate;
  final SplittableRandom rngDefects;
  final SplittableRandom rngDuplicates;

  final List<User> users = new ArrayList<>();
  BigDecimal[][] prices; // [product][currency], scale 2, > 0

  GenerateClickstream(long seed, int lines) {
    this.seed = seed;
    this.lines = lines;
    SplittableRandom master = new SplittableRandom(seed);
    // One independent stream per phase, always split in this order.
    rngCatalog = master.split();
    rngTimes = master.split();
    rngLate = master.split();
    rngDefects = master.split();
    rngDuplicates = master.split();
  }

  void run(String out, String expectedPath, String goldenDir) throws IOException {
    // ---- 1. exact counts of every line class
    int duplicates = count(lines, DUPLICATE_RATE);
    int late = count(lines, LATE_RATE);
    TreeMap<String, Integer> deadCounts = new TreeMap<>();
    int deadTotal = 0;
    for (Defect d : Defect.values()) {
      int c = count(lines, d.ratePer100k);
      deadCounts.put(d.key, c);
      deadTotal += c;
    }
    int validUnique = lines - duplicates - deadTotal;
    int regular = validUnique - late;
    if (regular < duplicates || regular < 10) {
      throw new IllegalArgumentException("--lines=" + lines + " too small for the defect mix");
    }

    // ---- 2. catalog: users (fixed currency, offset, PII) and products (fixed prices)
    buildCatalog(Math.max(50, lines / 25));

    // ---- 3. regular valid events: event times, then arrival order with ~10% displaced
    List<Event> regulars = new ArrayList<>(regular);
    long[] times = new long[regular];
    for (int i = 0; i < regular; i++) times[i] = diurnalInstant(rngTimes);
    Arrays.sort(times);
    long[] arrival = new long[regular];
    for (int i = 0; i < regular; i++) {
      Event e = new Event(null, false);
      e.timeMs = times[i];
      fillEvent(e, rngTimes);
      boolean displaced = rngTimes.nextDouble() < DISPLACED_FRACTION;
      arrival[i] = times[i] + (displaced ? 1 + rngTimes.nextLong(MAX_DISPLACEMENT_MS) : 0);
      regulars.add(e);
    }
    Integer[] order = new Integer[regular];
    for (int i = 0; i < regular; i++) order[i] = i;
    Arrays.sort(order, Comparator.<Integer>comparingLong(i -> arrival[i]).thenComparingInt(i -> i));
    List<Event> arrivalOrder = new ArrayList<>(regular);
    for (Integer i : order) arrivalOrder.add(regulars.get(i));

    // ---- 4. late events: inserted where the max event time so far is >= start + 6 h, so that
    //         (max so far - lag) stays inside the two days. Their time is fixed relative to the max
    //         event time of the regular events before them (defect lines never raise that max).
    long[] maxBefore = new long[regular + 1]; // max event time of arrivalOrder[0..i-1]
    maxBefore[0] = Long.MIN_VALUE;
    for (int i = 0; i < regular; i++) maxBefore[i + 1] = Math.max(maxBefore[i], arrivalOrder.get(i).timeMs);
    List<Integer> eligible = new ArrayList<>();
    for (int i = 1; i <= regular; i++) if (maxBefore[i] >= START_MS + LATE_MAX_LAG_MS) eligible.add(i);
    if (eligible.size() < late) throw new IllegalStateException("not enough room for late events");
    boolean[] lateBefore = new boolean[regular + 1];
    for (int i : pick(eligible, late, rngLate)) lateBefore[i] = true;
    List<Event> validSeq = new ArrayList<>(validUnique);
    for (int i = 0; i <= regular; i++) {
      if (lateBefore[i]) {
        Event e = new Event(null, true);
        e.timeMs = maxBefore[i] - (LATE_MIN_LAG_MS + rngLate.nextLong(LATE_MAX_LAG_MS - LATE_MIN_LAG_MS + 1));
        fillEvent(e, rngLate);
        validSeq.add(e);
      }
      if (i < regular) validSeq.add(arrivalOrder.get(i));
    }

    // ---- 5. interleave the dead letters at uniformly random positions
    List<Defect> slots = new ArrayList<>(validUnique + deadTotal);
    for (int i = 0; i < validUnique; i++) slots.add(null);
    for (Defect d : Defect.values()) for (int i = 0; i < deadCounts.get(d.key); i++) slots.add(d);
    shuffle(slots, rngDefects);
    // Each defect class cycles through its variants from a random start, so all variants appear
    // once the count allows.
    int[] nextVariant = new int[Defect.values().length];
    for (Defect d : Defect.values()) nextVariant[d.ordinal()] = rngDefects.nextInt(variants(d));
    List<Event> base = new ArrayList<>(validUnique + deadTotal);
    Iterator<Event> validIt = validSeq.iterator();
    long maxValid = Long.MIN_VALUE;
    for (Defect d : slots) {
      Event e;
      if (d == null) {
        e = validIt.next();
        maxValid = Math.max(maxValid, e.timeMs);
      } else {
        e = new Event(d, false);
        // Never after the latest valid event so far: defect lines do not move "max event time".
        e.timeMs = maxValid == Long.MIN_VALUE
            ? START_MS
            : Math.max(START_MS, maxValid - rngDefects.nextLong(MAX_DISPLACEMENT_MS + 1));
        fillEvent(e, rngDefects);
        e.variant = nextVariant[d.ordinal()]++ % variants(d);
      }
      e.basePos = base.size();
      base.add(e);
    }

    // ---- 6. event ids in event-time order (as a producer stamps them), for every line that has one
    List<Event> withId = new ArrayList<>();
    for (Event e : base) if (e.defect != Defect.NOT_JSON) withId.add(e);
    withId.sort(Comparator.<Event>comparingLong(e -> e.timeMs).thenComparingInt(e -> e.basePos));
    int width = Math.max(7, Integer.toString(withId.size()).length());
    for (int i = 0; i < withId.size(); i++) withId.get(i).eventId = "e-" + pad(i + 1, width);

    // ---- 7. render every line; all of them must be distinct
    Set<String> seen = new HashSet<>();
    for (Event e : base) {
      e.line = render(e, seen);
      if (!seen.add(e.line)) throw new IllegalStateException("line not unique: " + e.line);
    }

    // ---- 8. duplicates: originals are regular (non-late) valid events, each re-sent once
    List<Event> candidates = new ArrayList<>();
    for (Event e : base) if (e.valid() && !e.late) candidates.add(e);
    for (Event e : pick(candidates, duplicates, rngDuplicates)) e.resent = true;

    // ---- 9. final order: a duplicate falls due 1..190 lines after its original
    record Pending(long due, int origOut, Event original) {}
    PriorityQueue<Pending> pending = new PriorityQueue<>(
        Comparator.<Pending>comparingLong(p -> p.due).thenComparingInt(p -> p.origOut));
    List<Event> output = new ArrayList<>(lines);
    List<Boolean> isDup = new ArrayList<>(lines);
    int b = 0;
    while (b < base.size() || !pending.isEmpty()) {
      int pos = output.size();
      if (!pending.isEmpty() && (pending.peek().due() <= pos || b >= base.size())) {
        Pending p = pending.poll();
        int distance = pos - p.origOut();
        if (distance < 1 || distance > MAX_DUP_DISTANCE) throw new IllegalStateException("dup distance " + distance);
        output.add(p.original());
        isDup.add(true);
      } else {
        Event e = base.get(b++);
        output.add(e);
        isDup.add(false);
        if (e.resent) pending.add(new Pending(pos + 1 + rngDuplicates.nextInt(MAX_DUP_GAP_DRAWN), pos, e));
      }
    }
    if (output.size() != lines) throw new IllegalStateException("wrote " + output.size() + " lines");

    // ---- 10. self-checks on the final order: out_of_order and late, computed not estimated
    int outOfOrder = 0;
    int outOfOrderWithDups = 0;
    int lateSeen = 0;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < lines; i++) {
      Event e = output.get(i);
      if (!e.valid()) {
        if (e.timeMs > max && max != Long.MIN_VALUE) throw new IllegalStateException("defect raises max");
        continue;
      }
      if (max != Long.MIN_VALUE && e.timeMs < max) {
        outOfOrderWithDups++;
        if (!isDup.get(i)) outOfOrder++;
      }
      if (!isDup.get(i)) {
        boolean isLate = max != Long.MIN_VALUE && max - e.timeMs >= LATE_THRESHOLD_MS;
        if (isLate != e.late) throw new IllegalStateException("late mismatch at line " + (i + 1));
        if (isLate) {
          if (max - e.timeMs > 6 * HOUR) throw new IllegalStateException("late by more than 6 h");
          lateSeen++;
        }
      }
      if (e.timeMs < START_MS || e.timeMs >= END_MS) throw new IllegalStateException("time out of range");
      max = Math.max(max, e.timeMs);
    }
    if (lateSeen != late) throw new IllegalStateException("late " + lateSeen + " != " + late);

    // ---- 11. write the lines (and hash the uncompressed bytes)
    MessageDigest sha = sha256();
    try (OutputStream os = open(out)) {
      for (Event e : output) {
        byte[] bytes = (e.line + "\n").getBytes(StandardCharsets.UTF_8);
        sha.update(bytes);
        os.write(bytes);
      }
    }
    String sha256 = hex(sha.digest());

    // ---- 12. manifest
    TreeMap<String, Object> manifest = new TreeMap<>();
    manifest.put("seed", seed);
    manifest.put("lines", lines);
    manifest.put("valid_unique", validUnique);
    manifest.put("duplicates", duplicates);
    manifest.put("dead_letters", new TreeMap<String, Object>(deadCounts));
    manifest.put("dead_letters_total", deadTotal);
    manifest.put("late", late);
    manifest.put("out_of_order", outOfOrder);
    manifest.put("sha256_uncompressed", sha256);
    if (expectedPath != null) writeText(Path.of(expectedPath), pretty(manifest, "") + "\n");

    // ---- 13. golden aggregates from the valid unique events (what a correct pipeline outputs)
    if (goldenDir != null) writeText(Path.of(goldenDir, "aggregates.jsonl"), aggregates(validSeq));

    System.err.printf(
        Locale.ROOT,
        "seed=%d lines=%d valid_unique=%d duplicates=%d dead_letters_total=%d late=%d out_of_order=%d"
            + " (out_of_order counting re-sent duplicates too: %d) users=%d sha256_uncompressed=%s%n",
        seed, lines, validUnique, duplicates, deadTotal, late, outOfOrder, outOfOrderWithDups,
        users.size(), sha256);
  }

  // ---------------------------------------------------------------------------------------------
  // Catalog
  // ---------------------------------------------------------------------------------------------

  void buildCatalog(int userCount) {
    SplittableRandom r = rngCatalog;
    for (int n = 1; n <= userCount; n++) {
      String first = FIRST_NAMES[r.nextInt(FIRST_NAMES.length)];
      String last = LAST_NAMES[r.nextInt(LAST_NAMES.length)];
      int currency = weighted(CURRENCY_WEIGHTS, r);
      ZoneOffset offset = OFFSETS[r.nextInt(OFFSETS.length)];
      String ip = DOC_NETS[r.nextInt(DOC_NETS.length)] + (1 + r.nextInt(254));
      String ua = USER_AGENTS[r.nextInt(USER_AGENTS.length)];
      users.add(new User("u-" + pad(n, 5), n, currency, offset, first + "." + last + n + "@example.com", ip, ua));
    }
    prices = new BigDecimal[PRODUCTS][CURRENCIES.length];
    for (int p = 0; p < PRODUCTS; p++) {
      // USD list price, log-uniform between 2 and 400; most end in .99, the rest any cents.
      double raw = Math.exp(Math.log(2) + r.nextDouble() * (Math.log(400) - Math.log(2)));
      BigDecimal usd = r.nextDouble() < 0.6
          ? BigDecimal.valueOf((long) Math.floor(raw)).add(new BigDecimal("0.99"))
          : BigDecimal.valueOf(Math.round(raw * 100), 2);
      for (int c = 0; c < CURRENCIES.length; c++) {
        BigDecimal v = usd.multiply(USD_TO[c]);
        v = c == JPY ? v.setScale(0, RoundingMode.HALF_UP).setScale(2) : v.setScale(2, RoundingMode.HALF_UP);
        if (v.signum() <= 0) v = c == JPY ? new BigDecimal("1.00") : new BigDecimal("0.01");
        prices[p][c] = v;
      }
    }
  }

  /** Picks user, product and event type; active users and popular products are skewed. */
  void fillEvent(Event e, SplittableRandom r) {
    e.user = users.get((int) (users.size() * Math.pow(r.nextDouble(), 1.6)));
    e.product = (int) (PRODUCTS * Math.pow(r.nextDouble(), 1.3));
    e.type = weighted(EVENT_TYPE_WEIGHTS, r);
  }

  /** Instant in [START, END) with a daily traffic curve (quiet around 04:00 UTC, busy around 16:00). */
  static long diurnalInstant(SplittableRandom r) {
    while (true) {
      long t = START_MS + r.nextLong(END_MS - START_MS);
      double hour = ((t - START_MS) % (24 * HOUR)) / (double) HOUR;
      double w = 0.3 + 0.7 * (1 - Math.cos(2 * Math.PI * (hour - 4) / 24)) / 2;
      if (r.nextDouble() < w) return t;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering
  // ---------------------------------------------------------------------------------------------

  static int variants(Defect d) {
    return switch (d) {
      case NOT_JSON -> 5;
      case MISSING_FIELD -> REQUIRED_FIELDS.length;
      case WRONG_TYPE -> 5;
      case BAD_TIMESTAMP -> 5;
      default -> 1;
    };
  }

  /** The valid rendering of an event as ordered (key, raw JSON value) pairs. */
  List<String[]> fields(Event e) {
    User u = e.user;
    List<String[]> f = new ArrayList<>(10);
    f.add(new String[] {"event_id", q(e.eventId)});
    f.add(new String[] {"user_id", q(u.id())});
    f.add(new String[] {"event_type", q(EVENT_TYPES[e.type])});
    f.add(new String[] {"product_id", q("p-" + pad(e.product + 1, 4))});
    f.add(new String[] {"price", prices[e.product][u.currency()].toPlainString()});
    f.add(new String[] {"currency", q(CURRENCIES[u.currency()])});
    f.add(new String[] {"event_time", q(EVENT_TIME.format(Instant.ofEpochMilli(e.timeMs).atOffset(u.offset())))});
    f.add(new String[] {"email", q(u.email())});
    f.add(new String[] {"ip", q(u.ip())});
    f.add(new String[] {"user_agent", q(u.userAgent())});
    return f;
  }

  static void set(List<String[]> f, String key, String raw) {
    for (String[] kv : f) if (kv[0].equals(key)) kv[1] = raw;
  }

  static String join(List<String[]> f) {
    StringBuilder sb = new StringBuilder(384).append('{');
    for (int i = 0; i < f.size(); i++) {
      if (i > 0) sb.append(',');
      sb.append(q(f.get(i)[0])).append(':').append(f.get(i)[1]);
    }
    return sb.append('}').toString();
  }

  String render(Event e, Set<String> seen) {
    if (e.defect == null) return join(fields(e));
    SplittableRandom r = rngDefects;
    if (e.defect == Defect.NOT_JSON) return notJson(e.variant, r, seen); // carries no event at all
    List<String[]> f = fields(e);
    LocalDateTime local = LocalDateTime.ofInstant(Instant.ofEpochMilli(e.timeMs), e.user.offset());
    switch (e.defect) {
      case TRUNCATED_JSON: {
        // Cut strictly inside the object, after the event_id value (keeps the line unique) and
        // before the closing brace: a prefix of an object can never parse.
        String full = join(f);
        int lo = Math.max(full.indexOf(",\"user_id\"") + 1, full.length() * 3 / 10);
        int hi = full.length() * 9 / 10;
        int cut = lo + r.nextInt(hi - lo + 1);
        while (full.charAt(cut - 1) == ' ') cut--; // no trailing blank that a line reader might trim
        return full.substring(0, cut);
      }
      case MISSING_FIELD: {
        String drop = REQUIRED_FIELDS[e.variant];
        f.removeIf(kv -> kv[0].equals(drop));
        return join(f);
      }
      case WRONG_TYPE:
        switch (e.variant) {
          case 0 -> set(f, "price", q(new String[] {"twelve", "free", "N/A", "ten euros"}[r.nextInt(4)]));
          case 1 -> set(f, "price", "true");
          case 2 -> set(f, "user_id", "{\"id\":" + e.user.num() + "}");
          case 3 -> set(f, "user_id", Integer.toString(e.user.num()));
          default -> set(f, "event_type", Integer.toString(e.type + 1));
        }
        return join(f);
      case BAD_TIMESTAMP:
        String ts = switch (e.variant) {
          case 0 -> "yesterday";
          case 1 -> "2026-13-45T25:61:00Z"; // impossible month, day, hour and minute
          case 2 -> SPACE_NO_OFFSET.format(local); // space instead of T, no offset
          case 3 -> T_NO_OFFSET.format(local); // ISO local date-time, but no offset
          default -> Long.toString(e.timeMs / 1000); // epoch seconds as a string
        };
        set(f, "event_time", q(ts));
        return join(f);
      case NEGATIVE_PRICE:
        set(f, "price", prices[e.product][e.user.currency()].negate().toPlainString());
        return join(f);
      case UNKNOWN_CURRENCY:
        set(f, "currency", q(UNKNOWN_CURRENCIES[r.nextInt(UNKNOWN_CURRENCIES.length)]));
        return join(f);
      default:
        throw new AssertionError(e.defect);
    }
  }

  /**
   * A line that is not JSON at all, unique among all lines. Never blank, never starts with '{' or
   * '[', never a bare JSON literal or number.
   */
  String notJson(int variant, SplittableRandom r, Set<String> seen) {
    for (int attempt = 0; ; attempt++) {
      int v = attempt < 20 ? variant : 3; // random words always find a fresh line
      String s = switch (v) {
        case 0 -> "<html><body>" + new String[] {"oops", "502 Bad Gateway", "503 Service Unavailable"}[r.nextInt(3)]
            + " (request " + Integer.toHexString(0x100000 + r.nextInt(0xF00000)) + ")</body></html>";
        case 1 -> "GET " + new String[] {
              "/index.html", "/cart", "/products/p-" + pad(1 + r.nextInt(PRODUCTS), 4),
              "/search?q=" + WORDS[r.nextInt(WORDS.length)]}[r.nextInt(4)] + " HTTP/1.1";
        case 2 -> ",".repeat(3 + r.nextInt(38));
        case 3 -> {
          StringBuilder sb = new StringBuilder();
          int n = 3 + r.nextInt(4) + attempt / 20;
          for (int i = 0; i < n; i++) sb.append(i > 0 ? " " : "").append(WORDS[r.nextInt(WORDS.length)]);
          yield sb.toString();
        }
        default -> "ERROR [ingest] upstream " + WORDS[r.nextInt(WORDS.length)] + " after "
            + (100 * (1 + r.nextInt(300))) + " ms";
      };
      if (!seen.contains(s)) return s;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Golden aggregates: 1-hour UTC tumbling windows over the valid, de-duplicated events
  // ---------------------------------------------------------------------------------------------

  static final class Window {
    int events;
    final TreeMap<String, Integer> byType = new TreeMap<>();
    final TreeMap<String, BigDecimal> revenue = new TreeMap<>();
    final Set<String> users = new HashSet<>(); // only its size is output
  }

  String aggregates(List<Event> validUnique) {
    TreeMap<Long, Window> windows = new TreeMap<>();
    for (Event e : validUnique) {
      long start = Math.floorDiv(e.timeMs, HOUR) * HOUR;
      Window w = windows.computeIfAbsent(start, k -> new Window());
      w.events++;
      w.byType.merge(EVENT_TYPES[e.type], 1, Integer::sum);
      if (EVENT_TYPES[e.type].equals("purchase")) {
        w.revenue.merge(CURRENCIES[e.user.currency()], prices[e.product][e.user.currency()], BigDecimal::add);
      }
      w.users.add(e.user.id());
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<Long, Window> en : windows.entrySet()) {
      Window w = en.getValue();
      sb.append("{\"window_start\":").append(q(utc(en.getKey())))
          .append(",\"window_end\":").append(q(utc(en.getKey() + HOUR)))
          .append(",\"events\":").append(w.events)
          .append(",\"events_by_type\":{");
      String sep = "";
      for (Map.Entry<String, Integer> t : w.byType.entrySet()) {
        sb.append(sep).append(q(t.getKey())).append(':').append(t.getValue());
        sep = ",";
      }
      sb.append("},\"revenue_by_currency\":{");
      sep = "";
      for (Map.Entry<String, BigDecimal> c : w.revenue.entrySet()) {
        sb.append(sep).append(q(c.getKey())).append(':').append(q(c.getValue().setScale(2).toPlainString()));
        sep = ",";
      }
      sb.append("},\"distinct_users\":").append(w.users.size()).append("}\n");
    }
    return sb.toString();
  }

  static String utc(long ms) {
    return WINDOW_TIME.format(Instant.ofEpochMilli(ms).atOffset(ZoneOffset.UTC));
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------------

  /** JSON string literal (our values are ASCII, but escape properly anyway). */
  static String q(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    return sb.append('"').toString();
  }

  static String pad(long n, int width) {
    String s = Long.toString(n);
    return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
  }

  static int weighted(double[] weights, SplittableRandom r) {
    double x = r.nextDouble();
    double acc = 0;
    for (int i = 0; i < weights.length; i++) {
      acc += weights[i];
      if (x < acc) return i;
    }
    return weights.length - 1;
  }

  static <T> void shuffle(List<T> list, SplittableRandom r) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      T t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }

  /** k distinct elements of the list, chosen uniformly (partial Fisher-Yates on a copy). */
  static <T> List<T> pick(List<T> from, int k, SplittableRandom r) {
    List<T> copy = new ArrayList<>(from);
    for (int i = 0; i < k; i++) {
      int j = i + r.nextInt(copy.size() - i);
      T t = copy.get(i);
      copy.set(i, copy.get(j));
      copy.set(j, t);
    }
    return copy.subList(0, k);
  }

  /** Manifest JSON: keys sorted (TreeMap), two-space indent, like json.dumps(indent=2, sort_keys=True). */
  @SuppressWarnings("unchecked")
  static String pretty(Map<String, Object> m, String indent) {
    StringBuilder sb = new StringBuilder("{\n");
    Iterator<Map.Entry<String, Object>> it = m.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Object> en = it.next();
      sb.append(indent).append("  ").append(q(en.getKey())).append(": ");
      Object v = en.getValue();
      if (v instanceof Map) sb.append(pretty((Map<String, Object>) v, indent + "  "));
      else if (v instanceof String s) sb.append(q(s));
      else sb.append(v);
      sb.append(it.hasNext() ? ",\n" : "\n");
    }
    return sb.append(indent).append('}').toString();
  }

  static OutputStream open(String out) throws IOException {
    if (out == null) {
      return new BufferedOutputStream(new java.io.FilterOutputStream(System.out) {
        @Override
        public void close() throws IOException {
          flush(); // keep stdout open
        }
      }, 1 << 16);
    }
    Path p = Path.of(out);
    if (p.getParent() != null) Files.createDirectories(p.getParent());
    OutputStream os = new BufferedOutputStream(Files.newOutputStream(p), 1 << 16);
    if (out.endsWith(".gz")) {
      // GZIPOutputStream writes a fixed header (mtime 0, no file name): deterministic bytes.
      os = new GZIPOutputStream(os, 1 << 16) {
        {
          def.setLevel(Deflater.BEST_COMPRESSION);
        }
      };
    }
    return new BufferedOutputStream(os, 1 << 16);
  }

  static void writeText(Path p, String text) throws IOException {
    if (p.getParent() != null) Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException(ex);
    }
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte x : bytes) sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
    return sb.toString();
  }
}
