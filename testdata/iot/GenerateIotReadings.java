/*
 * GenerateIotReadings - deterministic sample data for Tributary's IoT sensor pipeline.
 *
 * A single-file Java 17 program with no dependencies beyond the JDK, in the style of
 * testdata/clickstream/GenerateClickstream.java. Run it from the repository root with the source
 * launcher (no Maven, no compile step):
 *
 *   java testdata/iot/GenerateIotReadings.java --seed=11 \
 *       --out=testdata/iot/readings.jsonl \
 *       --expected=testdata/iot/readings.expected.json \
 *       --golden=testdata/iot/golden/readings --registry=testdata/iot/devices.jsonl
 *
 * Options (all optional):
 *   --seed=N        random seed (default 11)
 *   --devices=N     number of devices d-001.. (default 12, 1..999)
 *   --hours=N       hours of event time (default 3, 1..48); every device reports every 30 s, so
 *                   the file has devices * hours * 120 report slots plus re-sent duplicates and
 *                   garbage lines (defaults: 4,320 slots, 4,394 lines)
 *   --out=PATH      output file (plain text; a ".gz" suffix writes gzip with mtime 0); without
 *                   --out the lines go to stdout
 *   --expected=PATH manifest: exact counts of every line class, the run accounting a correct
 *                   bounded run reports, the device table, and the sha256 of the uncompressed bytes
 *   --golden=DIR    writes DIR/device_windows.jsonl: the per-device sliding-window aggregates a
 *                   correct pipeline outputs (see "Golden output" below)
 *   --registry=PATH writes the device registry (JSON lines: device_id, site, model, installed),
 *                   the reference table the spec's lookup enriches readings from. Every device but
 *                   the last is registered, so the last one's windows carry the lookup's default
 *                   site "unregistered". Sites, models and dates follow from the device number
 *                   alone (no random draw), so the readings stay what they were.
 *
 * Determinism: every random draw comes from one java.util.SplittableRandom seeded with --seed and
 * consumed in a fixed order. The clock is never read; nothing is iterated in hash order (only
 * TreeMaps and lists). Same arguments, byte-identical files. The canonical fingerprint is
 * sha256_uncompressed in the manifest.
 *
 * ----------------------------------------------------------------------------------------------
 * The world being simulated
 * ----------------------------------------------------------------------------------------------
 * N devices (d-001..) report one reading every 30 s of their own clock for H hours starting at
 * 2026-11-02T06:00:00Z (true time). Each device has, fixed for the whole run:
 *   - a phase (0..29.999 s: when in the 30 s cycle it reports) and a per-reading jitter of
 *     0..399 ms, so the milliseconds of ts are not all zero;
 *   - a clock SKEW, uniform in [-90 s, +90 s]. The device stamps its readings with its own clock:
 *     ts = true emission time + skew. Nothing corrects it: ts IS the event time the pipeline
 *     windows on (a device 80 s fast puts a reading made at 06:09:50 true time into the windows
 *     of 06:11:10);
 *   - a UTC offset (Z, +01:00, -05:00, +05:30 or +09:00): ts is written in the device's local
 *     time, the same instant in another notation;
 *   - a unit: a quarter of the devices (rounded) report in Fahrenheit, the others in Celsius;
 *   - a temperature curve (base 4..28 C, a slow sine of 0.5..3 C, noise), a humidity curve
 *     (base 30..70 %, a slow sine, noise, kept in [1, 99]) and a battery (2.95..3.30 V, draining
 *     0..0.06 V over the run, noise; 2.89..3.25 V are written for seed 11).
 * A third of the devices (rounded) have one EXCURSION: a door left open, a heater failing: the
 * temperature moves 9..14 C away from the curve within 2 minutes, stays there 4..12 minutes and
 * comes back within 2 minutes. Those produce the windows whose temperature range exceeds 8 C
 * (anomaly = true in the golden output); ordinary noise never does.
 *
 * ----------------------------------------------------------------------------------------------
 * What a line is
 * ----------------------------------------------------------------------------------------------
 * A VALID line is a compact JSON object with exactly these keys, in this order (contract
 * iot-reading v1, runners-config/schemas/iot-reading/v1.avsc):
 *   reading_id   string  "r-000001"   unique per reading; assigned in ts order (ties: device)
 *   device_id    string  "d-001"
 *   ts           string  ISO-8601 with offset and milliseconds, device local clock (skewed)
 *   temperature  number  one decimal, in the unit below
 *   unit         string  "C" or "F"
 *   humidity     number  one decimal, percent
 *   battery      number  two decimals, volts
 * e.g. {"reading_id":"r-000123","device_id":"d-004","ts":"2026-11-02T07:01:12.345+01:00",
 *       "temperature":21.4,"unit":"C","humidity":48.2,"battery":3.12}
 *
 * Every number is written with a fixed number of decimals, so temperature_c * 180 is an integer
 * for every reading (C: 18 * tenths; F: (tenths - 320) * 10, because (F - 32) * 5 / 9 =
 * (tenths - 320) / 18). The golden output is computed from those integers: exact, no floating
 * point anywhere in it.
 *
 * ----------------------------------------------------------------------------------------------
 * Line classes, in exactly known numbers
 * ----------------------------------------------------------------------------------------------
 * slots = devices * hours * 120. count(rate) = max(1, round(slots * rate)), integer arithmetic,
 * rates per 100,000 slots, half up. Every slot yields exactly one line; a defect line carries
 * exactly ONE defect and is otherwise the slot's valid reading (own reading_id, never one of a
 * valid line). No two lines are byte-identical except a duplicate and its original.
 *
 * Slot lines rejected by decode (reason = the DecodeJson reason code):
 *   truncated_json        0.15%  a valid line cut in the middle, after the reading_id value and
 *                                before the closing brace: a prefix of an object never parses
 *                                (never cut right after a ',' or a decimal point: see render)
 *   missing_field         0.175% one required field removed, cycling through all seven
 *   wrong_type            0.125% temperature as a JSON string: "21.4" (a quoted number: lenient
 *                                parsers accept it, the contract does not), "N/A", "hot", "err"
 * Slot lines rejected by validate:
 *   unknown_unit          0.15%  unit "K" (the temperature then in kelvin) or "celsius";
 *                                rule: unit one of [C, F]
 *   humidity_out_of_range 0.15%  humidity < 0 (-0.1..-5.0) or > 100 (100.1..110.0);
 *                                rule: 0 <= humidity <= 100
 * Slot lines that pass decode and validate but fail the quality stage:
 *   spikes                0.1%   temperature_c above 85 (90..140) or below -40 (-45..-60) after
 *                                conversion; the error rule temperature_c between -40 and 85
 *                                (testdata/iot/checks.json) quarantines them
 * Extra lines (not slots):
 *   duplicates            1.5%   a re-send: byte-identical copy of an earlier valid, non-spike,
 *                                non-late line, delivered 2..120 s (by arrival key) after it;
 *                                each original is re-sent at most once; drop by reading_id
 *   not_json              0.2%   garbage: a proxy's HTML error page, an HTTP request line, a
 *                                modem AT command, a row of commas, random words, a log line
 *
 * Delivery (valid, unique readings only; not defects, counted in the manifest):
 *   delayed               5%     delivered 1 ms..4 min behind its place in ts order (a flaky
 *                                uplink): out of order, but at most 240 s behind the maximum ts
 *                                of the lines before it
 *   late                  0.1%   delivered 20..45 min behind its place (a device that buffered
 *                                during an outage and flushed later): MORE than 15 min behind the
 *                                maximum ts of the lines before it (the self-check asserts it and
 *                                that every other unique reading lags by at most 240 s)
 *   out_of_order (measured)      unique readings that reach the window stage whose ts is strictly
 *                                less than the maximum ts of earlier lines that reach it
 *
 * File order: lines are sorted by an arrival key, as in clickstream: arrival = ts for a regular
 * reading (so the file is in event-time order except for the delayed and late ones), ts + delay
 * for delayed and late ones, the original's arrival + 2..120 s for a duplicate, a uniform instant
 * of the run for garbage. Ties keep creation order. The skew does not show as disorder (the file
 * is ordered by the device clocks, as a gateway that sorts by device time would write it); it
 * shows in which window a reading lands.
 *
 * ----------------------------------------------------------------------------------------------
 * Too-late: why the exact prediction for this file is 0
 * ----------------------------------------------------------------------------------------------
 * transforms/windowing/Windowing.java decides too-late before any GroupByKey. On a BOUNDED input
 * (a file read with the file source, what tests and the "run" command do) it takes the Admit path:
 * the watermark of a bounded input stays at its minimum until the input is exhausted, so no window
 * can have expired when a record arrives; every record is counted in and out and windowed;
 * tooLate() is Create.empty. So too_late = 0 exactly, whatever the file order, and the 'late'
 * readings are aggregated normally: they ARE in the golden windows. (This is how clickstream's
 * 'late' events behave too: a class of the file, not of the accounting.)
 * On an unbounded run (the same lines replayed through Kafka) a 'late' reading is too late only
 * if the router has already LEARNED a watermark past its windows' expiry (end + allowed lateness)
 * through its event-time timers, which depends on the source's watermark and on when the runner
 * fires those timers; with sliding windows it can even miss one of its two windows and make the
 * other. That is not a property of the file, so no number for it is given; what the file
 * guarantees is the gap: every non-late reading is at most 4 min behind, every late one more than
 * 15 min (in practice about 20 min or more).
 *
 * ----------------------------------------------------------------------------------------------
 * Golden output (DIR/device_windows.jsonl)
 * ----------------------------------------------------------------------------------------------
 * Over the readings that reach the window stage - valid, not quarantined (no spikes), first copy
 * only (no duplicates), admitted (all of them on a bounded run, late ones included) - after
 * deriving temperature_c = unit == "F" ? (temperature - 32) * 5 / 9 : temperature:
 * sliding event-time windows of 10 minutes every 5 minutes (Beam's SlidingWindows.of(10 min)
 * .every(5 min), epoch-aligned: a reading at t is in [s, s + 10 min) for s = floor(t, 5 min) and
 * s - 5 min, so every reading is in exactly two windows, and the first window of the run starts
 * 5 minutes before the first reading's bucket), per device_id. One line per non-empty
 * (device, window), sorted by device_id then window_start, keys in this order:
 *   device_id, window_start, window_end   ISO-8601 UTC as java.time.Instant.toString() writes it,
 *                                         "...T06:05:00Z" (no milliseconds when they are zero,
 *                                         as on every window bound): the form the Aggregate
 *                                         step writes
 *   readings                              count
 *   temperature_c_avg, _min, _max         degrees Celsius
 *   humidity_max                          percent
 *   battery_min                           volts
 *   anomaly                               temperature_c_max - temperature_c_min > 8.0
 * ROUNDING: every double is written rounded to 3 decimals (half up, from the exact value), always
 * with exactly three decimals ("21.400"). Compare a pipeline's doubles with that rounding (or
 * within 0.0005 + a few ulps): min, max, humidity and battery are exact; an average is a rational
 * that a double sum approximates. Where a window's exact average would lie ON a rounding midpoint
 * (21.4625: a double sum may land on either side), or its range be exactly 8.0, step 6 nudges one
 * reading of that window by 0.1 of its unit (2 readings for seed 11) until none is; the golden
 * step then checks that every average is at least 1e-9 from a midpoint and every range at least
 * 0.001 from the threshold (it fails otherwise), so double arithmetic in any summation order
 * rounds to the same text and decides anomaly the same (IotTestdataTest does exactly that).
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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

public final class GenerateIotReadings {

  // ---------------------------------------------------------------------------------------------
  // Fixed parameters of the data set
  // ---------------------------------------------------------------------------------------------

  static final long START_MS = Instant.parse("2026-11-02T06:00:00Z").toEpochMilli();
  static final long SECOND = 1_000L;
  static final long MINUTE = 60 * SECOND;
  static final long HOUR = 60 * MINUTE;

  static final long REPORT_EVERY_MS = 30 * SECOND;
  static final long MAX_SKEW_MS = 90 * SECOND; // skew uniform in [-90 s, +90 s]
  static final int JITTER_MS = 400; // 0..399 ms added to every report

  /** Delayed readings: 1 ms .. 4 min behind their place; within any sensible allowed lateness. */
  static final long MAX_DELAY_MS = 4 * MINUTE;
  /** Late readings: 20 .. 45 min behind their place. */
  static final long LATE_MIN_MS = 20 * MINUTE;
  static final long LATE_MAX_MS = 45 * MINUTE;
  /** A reading is 'late' when its ts is MORE than this behind the max ts of earlier lines. */
  static final long LATE_THRESHOLD_MS = 15 * MINUTE;
  /** Late readings come from slots whose ts is at least this far into the run ... */
  static final long LATE_FROM_MS = 30 * MINUTE;
  /** ... and at least this far before its end, so that later lines exist behind which they sit. */
  static final long LATE_UNTIL_BEFORE_END_MS = 60 * MINUTE;

  /** A duplicate is re-sent 2..120 s (arrival key) after its original. */
  static final long DUP_MIN_MS = 2 * SECOND;
  static final long DUP_MAX_MS = 120 * SECOND;

  /** Golden windows: sliding, 10 minutes every 5 minutes, epoch-aligned. */
  static final long WINDOW_SIZE_MS = 10 * MINUTE;
  static final long WINDOW_PERIOD_MS = 5 * MINUTE;
  /** anomaly = temperature_c_max - temperature_c_min > 8.0, in units of 1/180 degree. */
  static final long ANOMALY_RANGE_180 = 8 * 180;

  /** Quality bounds of temperature_c (checks.json): spikes lie outside, with a margin. */
  static final double QUALITY_MIN_C = -40;
  static final double QUALITY_MAX_C = 85;

  /** Rates per 100,000 slots. */
  static final int DUPLICATE_RATE = 1_500; // 1.5%
  static final int NOT_JSON_RATE = 200; // 0.2%
  static final int SPIKE_RATE = 100; // 0.1%
  static final int LATE_RATE = 100; // 0.1%
  static final int DELAYED_RATE = 5_000; // 5%

  /** Slot defects: one per line; the key is the dead-letter reason code. */
  enum Defect {
    TRUNCATED_JSON("truncated_json", "decode", 150),
    MISSING_FIELD("missing_field", "decode", 175),
    WRONG_TYPE("wrong_type", "decode", 125),
    UNKNOWN_UNIT("unknown_unit", "validate", 150),
    HUMIDITY_OUT_OF_RANGE("humidity_out_of_range", "validate", 150);

    final String key;
    final String stage;
    final int ratePer100k;

    Defect(String key, String stage, int ratePer100k) {
      this.key = key;
      this.stage = stage;
      this.ratePer100k = ratePer100k;
    }
  }

  static final String[] FIELDS = {
    "reading_id", "device_id", "ts", "temperature", "unit", "humidity", "battery"
  };

  static final ZoneOffset[] OFFSETS = {
    ZoneOffset.UTC, ZoneOffset.ofHours(1), ZoneOffset.ofHours(-5),
    ZoneOffset.ofHoursMinutes(5, 30), ZoneOffset.ofHours(9)
  };

  static final String[] WORDS = {
    "sensor", "gateway", "timeout", "retry", "uplink", "mqtt", "broker", "offline", "battery",
    "reboot", "firmware", "checksum", "frame", "lost", "signal", "noise", "buffer", "flush",
    "watchdog", "panic", "modem", "antenna", "packet", "queue", "river", "tributary", "delta"
  };

  static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT);

  // ---------------------------------------------------------------------------------------------
  // Model
  // ---------------------------------------------------------------------------------------------

  static final class Device {
    String id;
    long phaseMs;
    long skewMs;
    ZoneOffset offset;
    boolean fahrenheit;
    double baseC, ampC, periodH, phaseRad;
    double baseH, ampH, periodHH, phaseRadH;
    double batteryStart, batteryDrain;
    // excursion (none when excursionDeltaC == 0)
    long excStartMs, excRampMs, excHoldMs;
    double excursionDeltaC;
  }

  enum Delivery { REGULAR, DELAYED, LATE }

  /** One slot: a report of one device at one tick of its clock. */
  static final class Reading {
    Device device;
    int slot; // creation order: device-major, then tick
    long tsMs; // the device clock (event time)
    long tenthsT; // temperature in tenths of the written unit
    String unit; // written unit (defects may change it)
    long tenthsH; // humidity in tenths of a percent
    long hundredthsB; // battery in hundredths of a volt
    Defect defect; // null: decodes and validates
    boolean spike; // valid, but temperature_c outside the quality bounds
    Delivery delivery = Delivery.REGULAR;
    int variant;
    String readingId;
    String line;
    boolean resent;

    boolean valid() {
      return defect == null;
    }

    boolean reachesWindows() {
      return defect == null && !spike;
    }

    /** temperature_c * 180, exact (only meaningful for valid lines). */
    long c180() {
      return unit.equals("F") ? (tenthsT - 320) * 10 : tenthsT * 18;
    }
  }

  /** One output line with its arrival key. */
  record Line(long arrival, long seq, Reading reading, boolean duplicate, String text) {}

  // ---------------------------------------------------------------------------------------------
  // Entry point
  // ---------------------------------------------------------------------------------------------

  public static void main(String[] args) throws Exception {
    long seed = 11;
    int devices = 12;
    int hours = 3;
    String out = null;
    String expected = null;
    String golden = null;
    String registry = null;
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
        case "devices" -> devices = Integer.parseInt(v);
        case "hours" -> hours = Integer.parseInt(v);
        case "out" -> out = v;
        case "expected" -> expected = v;
        case "golden" -> golden = v;
        case "registry" -> registry = v;
        default -> usage("unknown option: --" + k);
      }
    }
    if (devices < 1 || devices > 999) usage("--devices must be 1..999");
    if (hours < 1 || hours > 48) usage("--hours must be 1..48");
    GenerateIotReadings g = new GenerateIotReadings(seed, devices, hours);
    g.run(out, expected, golden);
    if (registry != null) writeText(Path.of(registry), registryText(devices));
  }

  static final String[] SITES = {"plant-north", "plant-south", "warehouse"};
  static final String[] MODELS = {"TH-200", "TH-300"};
  /** The site of device n (1-based); the last device is not in the registry. */
  static String site(int n, int deviceCount) {
    return n == deviceCount ? "unregistered" : SITES[(n - 1) % SITES.length];
  }

  /** The registry's lines: devices 1 .. deviceCount - 1 (at least one), in id order. */
  static String registryText(int deviceCount) {
    StringBuilder sb = new StringBuilder();
    for (int n = 1; n < Math.max(2, deviceCount); n++) {
      sb.append("{\"device_id\":").append(q("d-" + pad(n, 3)))
          .append(",\"site\":").append(q(site(n, deviceCount)))
          .append(",\"model\":").append(q(MODELS[(n - 1) % MODELS.length]))
          .append(",\"installed\":").append(q(String.format(Locale.ROOT, "2026-%02d-%02d", 1 + (n - 1) % 9, 1 + (7 * n) % 28)))
          .append("}\n");
    }
    return sb.toString();
  }

  static void usage(String error) {
    String text =
        "usage: java testdata/iot/GenerateIotReadings.java [--seed=N] [--devices=N] [--hours=N]"
            + " [--out=PATH[.gz]] [--expected=PATH] [--golden=DIR]";
    if (error == null) {
      System.out.println(text);
      return;
    }
    System.err.println(error);
    System.err.println(text);
    System.exit(2);
  }

  /** count(rate) = max(1, round(n * rate)), rate per 100,000, half up, no floating point. */
  static int count(long n, int ratePer100k) {
    return (int) Math.max(1, (n * ratePer100k + 50_000) / 100_000);
  }

  // ---------------------------------------------------------------------------------------------
  // Generation
  // ---------------------------------------------------------------------------------------------

  final long seed;
  final int deviceCount;
  final int hours;
  final long endMs;
  /** The one source of randomness, consumed in a fixed order. */
  final SplittableRandom rng;

  GenerateIotReadings(long seed, int deviceCount, int hours) {
    this.seed = seed;
    this.deviceCount = deviceCount;
    this.hours = hours;
    this.endMs = START_MS + hours * HOUR;
    this.rng = new SplittableRandom(seed);
  }

  void run(String out, String expectedPath, String goldenDir) throws IOException {
    int slotsPerDevice = (int) (hours * HOUR / REPORT_EVERY_MS);
    int slots = deviceCount * slotsPerDevice;

    // ---- 1. exact counts of every class
    int duplicates = count(slots, DUPLICATE_RATE);
    int notJson = count(slots, NOT_JSON_RATE);
    int spikes = count(slots, SPIKE_RATE);
    int late = count(slots, LATE_RATE);
    int delayed = count(slots, DELAYED_RATE);
    TreeMap<String, Integer> deadCounts = new TreeMap<>();
    int slotDefects = 0;
    for (Defect d : Defect.values()) {
      int c = count(slots, d.ratePer100k);
      deadCounts.put(d.key, c);
      slotDefects += c;
    }
    deadCounts.put("not_json", notJson);
    int deadTotal = slotDefects + notJson;
    int lines = slots + duplicates + notJson;
    int validUnique = slots - slotDefects;

    // ---- 2. devices
    List<Device> devices = buildDevices();

    // ---- 3. every slot's reading from the device model
    List<Reading> readings = new ArrayList<>(slots);
    for (Device d : devices) {
      for (int k = 0; k < slotsPerDevice; k++) {
        Reading r = new Reading();
        r.device = d;
        r.slot = readings.size();
        long trueMs = START_MS + d.phaseMs + k * REPORT_EVERY_MS + rng.nextInt(JITTER_MS);
        r.tsMs = trueMs + d.skewMs;
        double c = temperatureC(d, trueMs) + noise(0.2);
        r.unit = d.fahrenheit ? "F" : "C";
        r.tenthsT = Math.round((d.fahrenheit ? c * 9 / 5 + 32 : c) * 10);
        double h = humidity(d, trueMs) + noise(0.6);
        r.tenthsH = Math.round(Math.max(1, Math.min(99, h)) * 10);
        double b = d.batteryStart - d.batteryDrain * (trueMs - START_MS) / (hours * HOUR) + noise(0.006);
        r.hundredthsB = Math.round(b * 100);
        readings.add(r);
      }
    }

    // ---- 4. classes: one shuffle of the slots; late ones first (from the eligible part of the
    //         run), then the defects, the spikes and the delayed ones, disjoint
    List<Reading> shuffled = new ArrayList<>(readings);
    shuffle(shuffled, rng);
    List<Reading> rest = new ArrayList<>();
    int lateLeft = late;
    for (Reading r : shuffled) {
      boolean eligible = r.tsMs >= START_MS + LATE_FROM_MS && r.tsMs <= endMs - LATE_UNTIL_BEFORE_END_MS;
      if (lateLeft > 0 && eligible) {
        r.delivery = Delivery.LATE;
        lateLeft--;
      } else {
        rest.add(r);
      }
    }
    if (lateLeft > 0) throw new IllegalStateException("not enough room for late readings");
    Iterator<Reading> it = rest.iterator();
    for (Defect d : Defect.values()) {
      int variants = variants(d);
      int v = rng.nextInt(variants); // cycle through the variants from a random start
      for (int i = 0; i < deadCounts.get(d.key); i++) {
        Reading r = it.next();
        r.defect = d;
        r.variant = v++ % variants;
      }
    }
    for (int i = 0; i < spikes; i++) it.next().spike = true;
    for (int i = 0; i < delayed; i++) it.next().delivery = Delivery.DELAYED;
    if (!it.hasNext()) throw new IllegalStateException("too few slots for the defect mix");

    // ---- 5. reading ids in ts order (ties: creation order)
    List<Reading> byTs = new ArrayList<>(readings);
    byTs.sort(Comparator.<Reading>comparingLong(r -> r.tsMs).thenComparingInt(r -> r.slot));
    for (int i = 0; i < byTs.size(); i++) byTs.get(i).readingId = "r-" + pad(i + 1, 6);

    // ---- 6. exactness of the golden output: no window average may be a rounding midpoint at 3
    //         decimals (21.4625 exactly: a double sum could land on either side of it) and no
    //         window's range exactly 8.0 C (the anomaly threshold). Where one is, the reading of
    //         that window with the smallest reading_id is nudged by one tenth of its unit (the
    //         maximum reading, upwards, for a range of exactly 8.0), and all windows are checked
    //         again. Deterministic (no random draw); the number of nudges is printed.
    List<Reading> reaching = new ArrayList<>();
    for (Reading r : readings) if (r.reachesWindows()) reaching.add(r);
    int nudges = repair(reaching);

    // ---- 7. render every slot line (defects and spikes change their values here)
    TreeSet<String> seen = new TreeSet<>();
    for (Reading r : readings) {
      r.line = render(r);
      if (!seen.add(r.line)) throw new IllegalStateException("line not unique: " + r.line);
    }

    // ---- 8. arrival keys, duplicates and garbage, then the file order
    List<Line> all = new ArrayList<>(lines);
    long seq = 0;
    List<Line> slotLines = new ArrayList<>(slots);
    for (Reading r : readings) {
      long arrival = switch (r.delivery) {
        case REGULAR -> r.tsMs;
        case DELAYED -> r.tsMs + 1 + rng.nextLong(MAX_DELAY_MS);
        case LATE -> r.tsMs + LATE_MIN_MS + rng.nextLong(LATE_MAX_MS - LATE_MIN_MS + 1);
      };
      Line l = new Line(arrival, seq++, r, false, r.line);
      slotLines.add(l);
      all.add(l);
    }
    List<Line> candidates = new ArrayList<>();
    for (Line l : slotLines) {
      Reading r = l.reading();
      if (r.valid() && !r.spike && r.delivery != Delivery.LATE) candidates.add(l);
    }
    for (Line l : pick(candidates, duplicates, rng)) {
      l.reading().resent = true;
      long arrival = l.arrival() + DUP_MIN_MS + rng.nextLong(DUP_MAX_MS - DUP_MIN_MS + 1);
      all.add(new Line(arrival, seq++, l.reading(), true, l.text()));
    }
    int nextGarbage = rng.nextInt(6);
    for (int i = 0; i < notJson; i++) {
      String g = notJson(nextGarbage++ % 6, seen);
      seen.add(g);
      long arrival = START_MS + rng.nextLong(endMs - START_MS);
      all.add(new Line(arrival, seq++, null, false, g));
    }
    all.sort(Comparator.<Line>comparingLong(Line::arrival).thenComparingLong(Line::seq));
    if (all.size() != lines) throw new IllegalStateException("wrote " + all.size() + " lines");

    // ---- 9. self-checks on the final order: late, out_of_order and the lag gap, computed
    //         not estimated. maxReach: max ts of earlier lines that reach the window stage;
    //         maxAny: max ts of earlier lines that carry a ts at all (every slot line and copy).
    long maxReach = Long.MIN_VALUE;
    long maxAny = Long.MIN_VALUE;
    int lateSeen = 0;
    int outOfOrder = 0;
    long maxLagNonLate = 0;
    long minLagLate = Long.MAX_VALUE;
    TreeSet<String> firstSeen = new TreeSet<>();
    for (Line l : all) {
      Reading r = l.reading();
      if (r == null) continue; // garbage: no ts
      if (l.duplicate()) {
        if (!firstSeen.contains(r.readingId)) throw new IllegalStateException("copy before original");
        maxAny = Math.max(maxAny, r.tsMs);
        continue;
      }
      if (!firstSeen.add(r.readingId)) throw new IllegalStateException("reading id twice");
      if (r.valid()) {
        long lagReach = maxReach == Long.MIN_VALUE ? 0 : maxReach - r.tsMs;
        long lagAny = maxAny == Long.MIN_VALUE ? 0 : maxAny - r.tsMs;
        boolean isLate = lagReach > LATE_THRESHOLD_MS;
        if (isLate != (lagAny > LATE_THRESHOLD_MS)) throw new IllegalStateException("late depends on dead letters");
        if (isLate != (r.delivery == Delivery.LATE)) {
          throw new IllegalStateException("late mismatch: " + r.readingId + " lag " + lagReach);
        }
        if (isLate) {
          lateSeen++;
          minLagLate = Math.min(minLagLate, lagReach);
        } else {
          maxLagNonLate = Math.max(maxLagNonLate, Math.max(lagReach, lagAny));
        }
        if (r.reachesWindows() && lagReach > 0) outOfOrder++;
      }
      maxAny = Math.max(maxAny, r.tsMs);
      if (r.reachesWindows()) maxReach = Math.max(maxReach, r.tsMs);
    }
    if (lateSeen != late) throw new IllegalStateException("late " + lateSeen + " != " + late);
    if (maxLagNonLate > MAX_DELAY_MS) throw new IllegalStateException("non-late lag " + maxLagNonLate);

    // ---- 10. write the lines (and hash the uncompressed bytes)
    MessageDigest sha = sha256();
    try (OutputStream os = open(out)) {
      for (Line l : all) {
        byte[] bytes = (l.text() + "\n").getBytes(StandardCharsets.UTF_8);
        sha.update(bytes);
        os.write(bytes);
      }
    }
    String sha256 = hex(sha.digest());

    // ---- 11. golden windows (computed before the manifest: it reports their number)
    Golden g = golden(reaching);

    // ---- 12. manifest
    TreeMap<String, Object> manifest = new TreeMap<>();
    manifest.put("seed", seed);
    manifest.put("devices", deviceCount);
    manifest.put("hours", hours);
    manifest.put("slots", slots);
    manifest.put("lines", lines);
    manifest.put("valid_unique", validUnique);
    manifest.put("duplicates", duplicates);
    manifest.put("dead_letters", new TreeMap<String, Object>(deadCounts));
    manifest.put("dead_letters_total", deadTotal);
    manifest.put("spikes", spikes);
    manifest.put("late", late);
    manifest.put("delayed", delayed);
    manifest.put("out_of_order", outOfOrder);
    manifest.put("window_rows", g.rows);
    manifest.put("anomaly_windows", g.anomalies);
    TreeMap<String, Object> accounting = new TreeMap<>();
    accounting.put("read", lines);
    TreeMap<String, Object> byReason = new TreeMap<>();
    for (Defect d : Defect.values()) byReason.put(d.stage + "." + d.key, deadCounts.get(d.key));
    byReason.put("decode.not_json", notJson);
    accounting.put("dead_lettered", byReason);
    accounting.put("quarantined", spikes);
    accounting.put("deduplicated", duplicates);
    accounting.put("too_late", 0);
    int written = validUnique - spikes;
    accounting.put("written", written);
    if (lines != written + deadTotal + spikes + duplicates) throw new IllegalStateException("accounting");
    manifest.put("accounting_bounded_run", accounting);
    TreeMap<String, Object> deviceTable = new TreeMap<>();
    for (Device d : devices) {
      TreeMap<String, Object> row = new TreeMap<>();
      row.put("unit", d.fahrenheit ? "F" : "C");
      row.put("skew_ms", d.skewMs);
      row.put("offset", d.offset.getId());
      row.put("excursion", d.excursionDeltaC != 0);
      row.put("site", site(Integer.parseInt(d.id.substring(2)), deviceCount));
      deviceTable.put(d.id, row);
    }
    manifest.put("device_table", deviceTable);
    manifest.put("sha256_uncompressed", sha256);
    if (expectedPath != null) writeText(Path.of(expectedPath), pretty(manifest, "") + "\n");
    if (goldenDir != null) writeText(Path.of(goldenDir, "device_windows.jsonl"), g.text);

    System.err.printf(
        Locale.ROOT,
        "seed=%d devices=%d hours=%d slots=%d lines=%d valid_unique=%d duplicates=%d"
            + " dead_letters_total=%d spikes=%d late=%d delayed=%d out_of_order=%d written=%d"
            + " window_rows=%d anomaly_windows=%d nudged=%d max_lag_non_late_ms=%d min_lag_late_ms=%d"
            + " closest_avg_to_midpoint=%s closest_range_to_8C=%s sha256_uncompressed=%s%n",
        seed, deviceCount, hours, slots, lines, validUnique, duplicates, deadTotal, spikes, late,
        delayed, outOfOrder, written, g.rows, g.anomalies, nudges, maxLagNonLate, minLagLate,
        g.closestMidpoint.toPlainString(), g.closestThreshold.toPlainString(), sha256);
  }

  // ---------------------------------------------------------------------------------------------
  // Devices and their curves
  // ---------------------------------------------------------------------------------------------

  List<Device> buildDevices() {
    List<Device> devices = new ArrayList<>();
    for (int n = 1; n <= deviceCount; n++) {
      Device d = new Device();
      d.id = "d-" + pad(n, 3);
      d.phaseMs = rng.nextLong(REPORT_EVERY_MS);
      d.skewMs = rng.nextLong(2 * MAX_SKEW_MS + 1) - MAX_SKEW_MS;
      d.offset = OFFSETS[rng.nextInt(OFFSETS.length)];
      d.baseC = 4 + rng.nextDouble() * 24;
      d.ampC = 0.5 + rng.nextDouble() * 2.5;
      d.periodH = 2 + rng.nextDouble() * 4;
      d.phaseRad = rng.nextDouble() * 2 * Math.PI;
      d.baseH = 30 + rng.nextDouble() * 40;
      d.ampH = 2 + rng.nextDouble() * 6;
      d.periodHH = 2 + rng.nextDouble() * 4;
      d.phaseRadH = rng.nextDouble() * 2 * Math.PI;
      d.batteryStart = 2.95 + rng.nextDouble() * 0.35;
      d.batteryDrain = rng.nextDouble() * 0.06;
      devices.add(d);
    }
    // A quarter of the devices (at least one) report in Fahrenheit, a third (at least one) have
    // one excursion; chosen without repetition.
    for (Device d : pick(devices, Math.max(1, (deviceCount + 2) / 4), rng)) d.fahrenheit = true;
    for (Device d : pick(devices, Math.max(1, (deviceCount + 1) / 3), rng)) {
      d.excRampMs = 2 * MINUTE;
      d.excHoldMs = 4 * MINUTE + rng.nextLong(8 * MINUTE + 1);
      long span = 2 * d.excRampMs + d.excHoldMs;
      d.excStartMs = START_MS + 10 * MINUTE + rng.nextLong(hours * HOUR - span - 20 * MINUTE);
      double delta = 9 + rng.nextDouble() * 5;
      d.excursionDeltaC = rng.nextBoolean() ? delta : -delta;
    }
    return devices;
  }

  /** The device's true temperature at true time t: curve plus excursion (no noise). */
  static double temperatureC(Device d, long t) {
    double hoursIn = (t - START_MS) / (double) HOUR;
    double c = d.baseC + d.ampC * Math.sin(2 * Math.PI * hoursIn / d.periodH + d.phaseRad);
    if (d.excursionDeltaC != 0) {
      long x = t - d.excStartMs;
      long ramp = d.excRampMs;
      long hold = d.excHoldMs;
      double f;
      if (x <= 0 || x >= 2 * ramp + hold) f = 0;
      else if (x < ramp) f = x / (double) ramp;
      else if (x <= ramp + hold) f = 1;
      else f = (2 * ramp + hold - x) / (double) ramp;
      c += f * d.excursionDeltaC;
    }
    return c;
  }

  static double humidity(Device d, long t) {
    double hoursIn = (t - START_MS) / (double) HOUR;
    return d.baseH + d.ampH * Math.sin(2 * Math.PI * hoursIn / d.periodHH + d.phaseRadH);
  }

  /** Roughly normal noise: sum of four uniforms, standard deviation sd. */
  double noise(double sd) {
    double s = 0;
    for (int i = 0; i < 4; i++) s += rng.nextDouble() - 0.5;
    return s * sd * Math.sqrt(3); // var of the sum of 4 U(-.5,.5) is 1/3
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering
  // ---------------------------------------------------------------------------------------------

  static int variants(Defect d) {
    return switch (d) {
      case MISSING_FIELD -> FIELDS.length;
      case WRONG_TYPE -> 4;
      case UNKNOWN_UNIT -> 2;
      case HUMIDITY_OUT_OF_RANGE -> 2;
      default -> 1;
    };
  }

  /** Tenths or hundredths as a decimal literal with exactly that many decimals ("-0.5", "3.05"). */
  static String fixed(long units, int decimals) {
    return BigDecimal.valueOf(units, decimals).toPlainString();
  }

  List<String[]> fields(Reading r) {
    List<String[]> f = new ArrayList<>(7);
    f.add(new String[] {"reading_id", q(r.readingId)});
    f.add(new String[] {"device_id", q(r.device.id)});
    f.add(new String[] {"ts", q(TS.format(Instant.ofEpochMilli(r.tsMs).atOffset(r.device.offset)))});
    f.add(new String[] {"temperature", fixed(r.tenthsT, 1)});
    f.add(new String[] {"unit", q(r.unit)});
    f.add(new String[] {"humidity", fixed(r.tenthsH, 1)});
    f.add(new String[] {"battery", fixed(r.hundredthsB, 2)});
    return f;
  }

  static void set(List<String[]> f, String key, String raw) {
    for (String[] kv : f) if (kv[0].equals(key)) kv[1] = raw;
  }

  static String join(List<String[]> f) {
    StringBuilder sb = new StringBuilder(160).append('{');
    for (int i = 0; i < f.size(); i++) {
      if (i > 0) sb.append(',');
      sb.append(q(f.get(i)[0])).append(':').append(f.get(i)[1]);
    }
    return sb.append('}').toString();
  }

  /** The slot's line; draws the defect's or spike's values from the one random stream. */
  String render(Reading r) {
    if (r.spike) {
      // 90..140 C or -45..-60 C, written in the device's unit: far outside [-40, 85].
      double c = rng.nextBoolean() ? 90 + rng.nextDouble() * 50 : -45 - rng.nextDouble() * 15;
      r.tenthsT = Math.round((r.unit.equals("F") ? c * 9 / 5 + 32 : c) * 10);
      double back = r.c180() / 180.0;
      if (back >= QUALITY_MIN_C - 1 && back <= QUALITY_MAX_C + 1) throw new AssertionError("spike " + back);
    }
    List<String[]> f = fields(r);
    if (r.defect == null) return join(f);
    switch (r.defect) {
      case TRUNCATED_JSON: {
        // Strictly inside the object: after the reading_id value (keeps the line unique) and
        // before the closing brace. Never right after a ',' between entries or a '.' inside a
        // number: Jackson (2.15) reports those two prefixes as a parse error rather than an
        // early end of input, so the decoder's reason would be not_json instead of
        // truncated_json (see testdata/README.md). Moving one character on fixes both.
        String full = join(f);
        int lo = full.indexOf(",\"device_id\"") + 2;
        int hi = full.length() - 2;
        int cut = lo + rng.nextInt(hi - lo + 1);
        if (full.charAt(cut - 1) == ',' || full.charAt(cut - 1) == '.') cut++;
        return full.substring(0, cut);
      }
      case MISSING_FIELD: {
        String drop = FIELDS[r.variant];
        f.removeIf(kv -> kv[0].equals(drop));
        return join(f);
      }
      case WRONG_TYPE:
        set(f, "temperature", switch (r.variant) {
          case 0 -> q(fixed(r.tenthsT, 1)); // the right number, as a string
          case 1 -> q("N/A");
          case 2 -> q("hot");
          default -> q("err");
        });
        return join(f);
      case UNKNOWN_UNIT:
        if (r.variant == 0) {
          // Kelvin: the temperature is converted too, so the line is self-consistent.
          double c = r.unit.equals("F") ? (r.tenthsT / 10.0 - 32) * 5 / 9 : r.tenthsT / 10.0;
          set(f, "temperature", fixed(Math.round((c + 273.15) * 10), 1));
          set(f, "unit", q("K"));
        } else {
          set(f, "unit", q("celsius"));
        }
        return join(f);
      case HUMIDITY_OUT_OF_RANGE:
        long h = r.variant == 0 ? -(1 + rng.nextInt(50)) : 1001 + rng.nextInt(100);
        set(f, "humidity", fixed(h, 1));
        return join(f);
      default:
        throw new AssertionError(r.defect);
    }
  }

  /** A line that is not JSON at all, never seen before; never starts with '{' or '['. */
  String notJson(int variant, TreeSet<String> seen) {
    for (int attempt = 0; ; attempt++) {
      int v = attempt < 20 ? variant : 4; // random words always find a fresh line
      String s = switch (v) {
        case 0 -> "<html><body>" + new String[] {"502 Bad Gateway", "503 Service Unavailable", "504 Gateway Timeout"}[rng.nextInt(3)]
            + " (request " + Integer.toHexString(0x100000 + rng.nextInt(0xF00000)) + ")</body></html>";
        case 1 -> "POST /ingest/d-" + pad(1 + rng.nextInt(deviceCount), 3) + " HTTP/1.1";
        case 2 -> "AT+CSQ " + rng.nextInt(32) + "," + rng.nextInt(8) + " OK";
        case 3 -> ",".repeat(3 + rng.nextInt(20));
        case 4 -> {
          StringBuilder sb = new StringBuilder();
          int n = 3 + rng.nextInt(4) + attempt / 20;
          for (int i = 0; i < n; i++) sb.append(i > 0 ? " " : "").append(WORDS[rng.nextInt(WORDS.length)]);
          yield sb.toString();
        }
        default -> "WARN [gateway] uplink " + WORDS[rng.nextInt(WORDS.length)] + " after "
            + (100 * (1 + rng.nextInt(300))) + " ms";
      };
      if (!seen.contains(s)) return s;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Golden windows: sliding 10 min every 5 min per device, exact integer arithmetic
  // ---------------------------------------------------------------------------------------------

  static final class Window {
    final List<Reading> members = new ArrayList<>();
    int readings;
    long sum180; // sum of temperature_c * 180
    long min180 = Long.MAX_VALUE;
    long max180 = Long.MIN_VALUE;
    long maxTenthsH = Long.MIN_VALUE;
    long minHundredthsB = Long.MAX_VALUE;

    /** True when avg = sum180 / (180 n) lies exactly on a midpoint of the 3rd decimal. */
    boolean averageIsMidpoint() {
      // avg * 1000 = m + 1/2  <=>  2000 * sum180 = 180 n (2m + 1)
      long num = 2000 * sum180;
      long den = 180L * readings;
      return num % den == 0 && Math.abs(num / den) % 2 == 1;
    }

    boolean rangeIsThreshold() {
      return max180 - min180 == ANOMALY_RANGE_180;
    }
  }

  static final class Golden {
    String text;
    int rows;
    int anomalies;
    BigDecimal closestMidpoint; // smallest distance of an average from a rounding midpoint
    BigDecimal closestThreshold; // smallest |range - 8.0|
  }

  static final BigDecimal C180 = BigDecimal.valueOf(180);

  /** (device_id, window_start) -> window, in the sort order of the golden file. */
  static TreeMap<String, TreeMap<Long, Window>> windows(List<Reading> reaching) {
    TreeMap<String, TreeMap<Long, Window>> windows = new TreeMap<>();
    for (Reading r : reaching) {
      long last = Math.floorDiv(r.tsMs, WINDOW_PERIOD_MS) * WINDOW_PERIOD_MS;
      for (long start = last; start > r.tsMs - WINDOW_SIZE_MS; start -= WINDOW_PERIOD_MS) {
        Window w = windows.computeIfAbsent(r.device.id, k -> new TreeMap<>()).computeIfAbsent(start, k -> new Window());
        long c = r.c180();
        w.members.add(r);
        w.readings++;
        w.sum180 += c;
        w.min180 = Math.min(w.min180, c);
        w.max180 = Math.max(w.max180, c);
        w.maxTenthsH = Math.max(w.maxTenthsH, r.tenthsH);
        w.minHundredthsB = Math.min(w.minHundredthsB, r.hundredthsB);
      }
    }
    return windows;
  }

  /** Step 6: nudges readings until no window is a rounding midpoint or on the threshold. */
  static int repair(List<Reading> reaching) {
    for (int nudges = 0; nudges < 10_000; nudges++) {
      Reading fix = null;
      search:
      for (TreeMap<Long, Window> byStart : windows(reaching).values()) {
        for (Window w : byStart.values()) {
          if (w.rangeIsThreshold()) {
            for (Reading r : w.members) if (r.c180() == w.max180 && (fix == null || r.readingId.compareTo(fix.readingId) < 0)) fix = r;
            break search;
          }
          if (w.averageIsMidpoint()) {
            for (Reading r : w.members) if (fix == null || r.readingId.compareTo(fix.readingId) < 0) fix = r;
            break search;
          }
        }
      }
      if (fix == null) return nudges;
      fix.tenthsT++;
    }
    throw new IllegalStateException("cannot make the golden windows exact");
  }

  Golden golden(List<Reading> reaching) {
    TreeMap<String, TreeMap<Long, Window>> windows = windows(reaching);
    Golden g = new Golden();
    g.closestMidpoint = BigDecimal.ONE;
    g.closestThreshold = BigDecimal.valueOf(1000);
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, TreeMap<Long, Window>> dev : windows.entrySet()) {
      for (Map.Entry<Long, Window> en : dev.getValue().entrySet()) {
        Window w = en.getValue();
        // avg = sum180 / (180 n), exact to 20 digits; rounded half up to 3 decimals
        BigDecimal avgExact = BigDecimal.valueOf(w.sum180).divide(BigDecimal.valueOf(180L * w.readings), 20, RoundingMode.HALF_UP);
        BigDecimal avg = round3(BigDecimal.valueOf(w.sum180), BigDecimal.valueOf(180L * w.readings));
        // distance from the nearest midpoint (x.xxx5): |frac(avg * 1000) - 0.5| / 1000
        BigDecimal scaled = avgExact.movePointRight(3).abs();
        BigDecimal frac = scaled.subtract(new BigDecimal(scaled.toBigInteger()));
        BigDecimal dist = frac.subtract(new BigDecimal("0.5")).abs().movePointLeft(3);
        if (dist.compareTo(g.closestMidpoint) < 0) g.closestMidpoint = dist;
        long range = w.max180 - w.min180;
        BigDecimal toThreshold = BigDecimal.valueOf(Math.abs(range - ANOMALY_RANGE_180)).divide(C180, 6, RoundingMode.HALF_UP);
        if (toThreshold.compareTo(g.closestThreshold) < 0) g.closestThreshold = toThreshold;
        boolean anomaly = range > ANOMALY_RANGE_180;
        if (anomaly) g.anomalies++;
        g.rows++;
        sb.append("{\"device_id\":").append(q(dev.getKey()))
            .append(",\"site\":").append(q(site(Integer.parseInt(dev.getKey().substring(2)), deviceCount)))
            .append(",\"window_start\":").append(q(utc(en.getKey())))
            .append(",\"window_end\":").append(q(utc(en.getKey() + WINDOW_SIZE_MS)))
            .append(",\"readings\":").append(w.readings)
            .append(",\"temperature_c_avg\":").append(avg.toPlainString())
            .append(",\"temperature_c_min\":").append(round3(BigDecimal.valueOf(w.min180), C180).toPlainString())
            .append(",\"temperature_c_max\":").append(round3(BigDecimal.valueOf(w.max180), C180).toPlainString())
            .append(",\"humidity_max\":").append(BigDecimal.valueOf(w.maxTenthsH, 1).setScale(3).toPlainString())
            .append(",\"battery_min\":").append(BigDecimal.valueOf(w.minHundredthsB, 2).setScale(3).toPlainString())
            .append(",\"anomaly\":").append(anomaly)
            .append("}\n");
      }
    }
    // Safety margins for consumers that compute in double (see the header): an average at least
    // 1e-9 from a midpoint, every range at least 0.001 from the threshold.
    if (g.closestMidpoint.compareTo(new BigDecimal("1e-9")) < 0) {
      throw new IllegalStateException("an average is within 1e-9 of a rounding midpoint; try another seed");
    }
    if (g.closestThreshold.compareTo(new BigDecimal("0.001")) < 0) {
      throw new IllegalStateException("a window's range is within 0.001 of 8.0; try another seed");
    }
    g.text = sb.toString();
    return g;
  }

  /** num / den rounded half up (away from zero) to exactly 3 decimals. */
  static BigDecimal round3(BigDecimal num, BigDecimal den) {
    return num.divide(den, 3, RoundingMode.HALF_UP);
  }

  static String utc(long ms) {
    return Instant.ofEpochMilli(ms).toString();
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers (as in GenerateClickstream)
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
    if (k > from.size()) throw new IllegalStateException("cannot pick " + k + " of " + from.size());
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
