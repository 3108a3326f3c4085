/*
 * GenerateCdc - deterministic change-log generator for Tributary's CDC and serving tests.
 *
 * A single-file Java 17 program with no dependencies beyond the JDK. Run it from the repository
 * root with the source launcher:
 *
 *   java testdata/cdc/GenerateCdc.java --seed=11 --orders=240 --out=testdata/cdc
 *
 * It writes, under --out:
 *   products.jsonl          Debezium JSON change events (one envelope per line) of table public.products
 *   orders.jsonl            the same for public.orders
 *   expected.json           manifest: exact counts of every line class, per file, and sha256 of each file
 *   golden/products_state.jsonl   final state of products, one row per live key, sorted by key
 *   golden/orders_state.jsonl     final state of orders
 *   golden/orders_history.jsonl   SCD type 2 history of orders (one row per distinct change event)
 *   golden/mart.jsonl             daily revenue and order count per product category
 *
 * The source database is simulated: one timeline of transactions (one change per transaction), a
 * PostgreSQL-like LSN that grows with commit order, and two snapshots (products at
 * 2026-10-31T23:00Z, orders at 2026-11-01T06:00Z) read with op=r at the LSN they were taken at.
 * Orders created before their snapshot appear only as their state at snapshot time.
 *
 * The files are NOT in source order, because that is what consumers of change streams see:
 *   - displaced: about 15% of events move 1..30 lines later (partition interleaving, retries);
 *   - overtaken: 8 order events are moved behind the next event of the same order, so they arrive
 *     after a newer position of their key was applied (superseded for the current state);
 *   - redelivered: about 5% of events are sent again, byte-identical, 1..100 lines later;
 *   - tombstones: a line "null" follows every delete, as Debezium sends for log compaction;
 *   - dead letters: a few malformed envelopes (see DEFECTS below), never sharing a key's position.
 *
 * Golden files are computed here independently of Tributary: per key the distinct positions,
 * sorted; the final state is the newest version unless it is a delete. The mart counts the live
 * orders that are not cancelled, per UTC date of created_at and the category of the product as it
 * was at created_at (an as-of join: the product's newest version whose source ts_ms is at or before
 * created_at, the later position winning a tie; "unknown" before the product's first version or
 * after its delete), with revenue = sum of amount (two decimals).
 *
 * Determinism: one java.util.SplittableRandom from --seed; the clock is never read; only lists and
 * TreeMaps are iterated. Same arguments give byte-identical files.
 */

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

public final class GenerateCdc {
  static final long MINUTE = 60_000L;
  static final long HOUR = 60 * MINUTE;
  static final long START = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
  static final long END = Instant.parse("2026-11-04T00:00:00Z").toEpochMilli(); // exclusive
  static final long PRODUCTS_SNAPSHOT_TS = Instant.parse("2026-10-31T23:00:00Z").toEpochMilli();
  static final long ORDERS_SNAPSHOT_TS = Instant.parse("2026-11-01T06:00:00Z").toEpochMilli();
  static final long FIRST_LSN = 24_000_000L;
  static final String[] CATEGORIES = {"books", "electronics", "garden", "kitchen", "toys"};
  static final int PRODUCTS = 20;
  static final DateTimeFormatter ISO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

  /** One change of one row: the simulated database's truth. */
  static final class Change {
    final String table;
    final String key;
    final String op; // c u d r
    final long ts;
    long lsn;
    long txId;
    final Map<String, Object> before;
    final Map<String, Object> after;

    Change(String table, String key, String op, long ts, Map<String, Object> before, Map<String, Object> after) {
      this.table = table;
      this.key = key;
      this.op = op;
      this.ts = ts;
      this.before = before;
      this.after = after;
    }

    Map<String, Object> image() {
      return op.equals("d") ? before : after;
    }
  }

  public static void main(String[] args) throws Exception {
    long seed = 11;
    int orderCount = 240;
    Path out = Path.of("testdata/cdc");
    for (String a : args) {
      if (a.startsWith("--seed=")) seed = Long.parseLong(a.substring(7));
      else if (a.startsWith("--orders=")) orderCount = Integer.parseInt(a.substring(9));
      else if (a.startsWith("--out=")) out = Path.of(a.substring(6));
      else throw new IllegalArgumentException("unknown argument " + a);
    }
    SplittableRandom rnd = new SplittableRandom(seed);

    // ---- products: a snapshot, then price and category changes, one create and one delete ----
    List<Change> productSnapshot = new ArrayList<>();
    List<Change> timeline = new ArrayList<>();
    Map<String, Map<String, Object>> products = new TreeMap<>();
    Map<String, BigDecimal> prices = new TreeMap<>();
    for (int i = 1; i <= PRODUCTS; i++) {
      String id = String.format("p-%03d", i);
      BigDecimal price = BigDecimal.valueOf(500 + rnd.nextInt(19_500), 2);
      Map<String, Object> p = product(id, "Product " + i, CATEGORIES[rnd.nextInt(CATEGORIES.length)], price);
      products.put(id, p);
      SNAPSHOT_IMAGES.put(id, p);
      prices.put(id, price);
      productSnapshot.add(new Change("products", id, "r", PRODUCTS_SNAPSHOT_TS, null, p));
    }
    for (int i = 0; i < 8; i++) {
      String id = String.format("p-%03d", 1 + rnd.nextInt(PRODUCTS - 1));
      long ts = START + rnd.nextLong(END - START - HOUR);
      Map<String, Object> before = products.get(id);
      Map<String, Object> after = new LinkedHashMap<>(before);
      if (i % 2 == 0) {
        after.put("category", CATEGORIES[(indexOf((String) before.get("category")) + 1) % CATEGORIES.length]);
      } else {
        after.put("list_price", BigDecimal.valueOf(500 + rnd.nextInt(19_500), 2));
      }
      timeline.add(new Change("products", id, "u", ts, before, after));
      products.put(id, after); // the order of updates per product is fixed below by sorting on ts
    }
    long p21Created = START + 30 * HOUR;
    Map<String, Object> p21 = product("p-021", "Product 21", "garden", new BigDecimal("42.00"));
    timeline.add(new Change("products", "p-021", "c", p21Created, null, p21));
    prices.put("p-021", new BigDecimal("42.00"));
    timeline.add(new Change("products", "p-020", "d", START + 60 * HOUR, products.get("p-020"), null));

    // ---- orders: create, maybe change quantity, pay, ship, or cancel; a few are deleted ----
    List<Change> ordersBeforeSnapshot = new ArrayList<>();
    for (int i = 1; i <= orderCount; i++) {
      String id = String.format("o-%05d", i);
      long created = START + rnd.nextLong(END - START - 6 * HOUR);
      String productId;
      do {
        productId = String.format("p-%03d", 1 + rnd.nextInt(PRODUCTS + 1));
      } while (productId.equals("p-020") || (productId.equals("p-021") && created < p21Created));
      long quantity = 1 + rnd.nextInt(4);
      Map<String, Object> o = order(id, String.format("c-%04d", 1 + rnd.nextInt(90)), productId, quantity,
          prices.get(productId).multiply(BigDecimal.valueOf(quantity)), "placed", created, created);
      List<Change> life = new ArrayList<>();
      life.add(new Change("orders", id, "c", created, null, o));
      long t = created;
      if (rnd.nextInt(10) == 0) {
        t += MINUTE + rnd.nextLong(30 * MINUTE);
        long q = quantity + 1;
        life.add(update(life, Map.of("quantity", q,
            "amount", prices.get(productId).multiply(BigDecimal.valueOf(q))), t));
      }
      int fate = rnd.nextInt(100);
      if (fate < 10) {
        t += 10 * MINUTE + rnd.nextLong(290 * MINUTE);
        life.add(update(life, Map.of("status", "cancelled"), t));
      } else if (fate < 80) {
        t += 5 * MINUTE + rnd.nextLong(115 * MINUTE);
        life.add(update(life, Map.of("status", "paid"), t));
        if (rnd.nextInt(10) < 7) {
          t += HOUR + rnd.nextLong(23 * HOUR);
          life.add(update(life, Map.of("status", "shipped"), t));
        }
      }
      if (rnd.nextInt(100) < 5) {
        t += HOUR + rnd.nextLong(29 * HOUR);
        Change last = life.get(life.size() - 1);
        life.add(new Change("orders", id, "d", t, last.after, null));
      }
      // Orders alive at the snapshot are read as their state then; earlier changes are not streamed.
      Change atSnapshot = null;
      for (Change c : life) {
        if (c.ts < ORDERS_SNAPSHOT_TS) {
          atSnapshot = c;
        } else {
          timeline.add(c);
        }
      }
      if (atSnapshot != null && !atSnapshot.op.equals("d")) {
        ordersBeforeSnapshot.add(new Change("orders", id, "r", ORDERS_SNAPSHOT_TS, null, atSnapshot.after));
      }
    }
    // Commit order = time order; products updated in time order get consistent before images.
    timeline.sort((a, b) -> Long.compare(a.ts, b.ts));
    fixProductBeforeImages(timeline);

    // ---- LSNs: one sequence for the database; snapshots read at the LSN they were taken at ----
    for (Change c : productSnapshot) {
      c.lsn = FIRST_LSN;
      c.txId = 700;
    }
    long lsn = FIRST_LSN + 4096;
    long tx = 701;
    boolean ordersSnapshotTaken = false;
    List<Change> sourceOrder = new ArrayList<>(productSnapshot);
    for (Change c : timeline) {
      if (!ordersSnapshotTaken && c.ts >= ORDERS_SNAPSHOT_TS) {
        for (Change s : ordersBeforeSnapshot) {
          s.lsn = lsn;
          s.txId = tx;
        }
        sourceOrder.addAll(ordersBeforeSnapshot);
        lsn += 4096;
        tx++;
        ordersSnapshotTaken = true;
      }
      c.lsn = lsn;
      c.txId = tx++;
      lsn += 56 + 8 * rnd.nextInt(40);
      sourceOrder.add(c);
    }

    // ---- golden: computed from the truth, before the files are disordered ----
    Files.createDirectories(out.resolve("golden"));
    Map<String, List<Change>> byKey = new TreeMap<>();
    for (Change c : sourceOrder) {
      byKey.computeIfAbsent(c.table + "|" + c.key, k -> new ArrayList<>()).add(c);
    }
    List<String> productsState = new ArrayList<>();
    List<String> ordersState = new ArrayList<>();
    List<String> history = new ArrayList<>();
    Map<String, List<Change>> productVersions = new TreeMap<>();
    List<Map<String, Object>> liveOrders = new ArrayList<>();
    int deletedProducts = 0;
    int deletedOrders = 0;
    for (Map.Entry<String, List<Change>> e : byKey.entrySet()) {
      List<Change> versions = e.getValue(); // already in position order (source order)
      Change last = versions.get(versions.size() - 1);
      boolean products0 = e.getKey().startsWith("products|");
      if (products0) {
        productVersions.put(last.key, versions);
      }
      if (last.op.equals("d")) {
        if (products0) deletedProducts++; else deletedOrders++;
      } else if (products0) {
        productsState.add(json(last.after));
      } else {
        ordersState.add(json(last.after));
        liveOrders.add(last.after);
      }
      if (!products0) {
        for (int i = 0; i < versions.size(); i++) {
          Change v = versions.get(i);
          Map<String, Object> h = new LinkedHashMap<>(v.image());
          h.put("op", v.op);
          h.put("source_position", String.format("%019d.%019d.%010d", v.lsn, v.txId, 0));
          h.put("valid_from", ISO.format(Instant.ofEpochMilli(v.ts)));
          h.put("valid_to", i + 1 < versions.size() ? ISO.format(Instant.ofEpochMilli(versions.get(i + 1).ts)) : null);
          h.put("is_current", i + 1 == versions.size() && !v.op.equals("d"));
          history.add(json(h));
        }
      }
    }
    Map<String, long[]> counts = new TreeMap<>();
    Map<String, BigDecimal> revenue = new TreeMap<>();
    for (Map<String, Object> o : liveOrders) {
      if (o.get("status").equals("cancelled")) continue;
      String dt = DATE.format(Instant.ofEpochMilli((Long) o.get("created_at_ms")));
      String key = dt + "|" + categoryAt(productVersions.get((String) o.get("product_id")), (Long) o.get("created_at_ms"));
      counts.computeIfAbsent(key, k -> new long[1])[0]++;
      revenue.merge(key, (BigDecimal) o.get("amount"), BigDecimal::add);
    }
    List<String> mart = new ArrayList<>();
    for (String key : counts.keySet()) {
      String[] parts = key.split("\\|");
      mart.add("{\"dt\":\"" + parts[0] + "\",\"category\":\"" + parts[1] + "\",\"orders\":" + counts.get(key)[0]
          + ",\"revenue\":" + revenue.get(key).setScale(2).toPlainString() + "}");
    }
    write(out.resolve("golden/products_state.jsonl"), productsState);
    write(out.resolve("golden/orders_state.jsonl"), ordersState);
    write(out.resolve("golden/orders_history.jsonl"), history);
    write(out.resolve("golden/mart.jsonl"), mart);

    // ---- the files as a consumer sees them ----
    Map<String, Object> manifest = new TreeMap<>();
    manifest.put("seed", seed);
    manifest.put("orders_created", orderCount);
    for (String table : List.of("products", "orders")) {
      List<Change> events = new ArrayList<>();
      for (Change c : sourceOrder) if (c.table.equals(table)) events.add(c);
      Map<String, Object> m = new TreeMap<>();
      List<String> lines = disorder(table, events, rnd, m);
      write(out.resolve(table + ".jsonl"), lines);
      m.put("lines", lines.size());
      m.put("final_rows", table.equals("products") ? productsState.size() : ordersState.size());
      m.put("deleted_keys", table.equals("products") ? deletedProducts : deletedOrders);
      m.put("sha256", sha256(Files.readAllBytes(out.resolve(table + ".jsonl"))));
      manifest.put(table, m);
    }
    manifest.put("history_rows", history.size());
    manifest.put("mart_rows", mart.size());
    Files.writeString(out.resolve("expected.json"), pretty(manifest, "") + "\n");
  }

  /** Displaces, overtakes, redelivers; adds tombstones and defects; counts every class in m. */
  static List<String> disorder(String table, List<Change> events, SplittableRandom rnd, Map<String, Object> m) {
    List<Change> order = new ArrayList<>(events);
    int overtaken = 0;
    if (table.equals("orders")) {
      // Move 8 events of keys with several changes behind the key's next change.
      for (int attempt = 0; attempt < 10_000 && overtaken < 8; attempt++) {
        int i = rnd.nextInt(order.size() - 1);
        Change c = order.get(i);
        if (c.op.equals("r")) continue;
        int next = -1;
        for (int j = i + 1; j < order.size() && j < i + 400; j++) {
          if (order.get(j).key.equals(c.key)) {
            next = j;
            break;
          }
        }
        if (next < 0) continue;
        order.remove(i);
        order.add(Math.min(order.size(), next + rnd.nextInt(3)), c);
        overtaken++;
      }
    }
    // Displace about 15% by 1..30 lines (may also reorder a key's changes).
    for (int i = order.size() - 1; i >= 0; i--) {
      if (rnd.nextInt(100) < 15) {
        Change c = order.remove(i);
        order.add(Math.min(order.size(), i + 1 + rnd.nextInt(30)), c);
      }
    }
    List<String> lines = new ArrayList<>();
    List<String> firstCopies = new ArrayList<>();
    int tombstones = 0;
    for (Change c : order) {
      String line = envelope(c);
      lines.add(line);
      firstCopies.add(line);
      if (c.op.equals("d")) {
        lines.add("null");
        tombstones++;
      }
    }
    // Redeliver about 5%, byte-identical, 1..100 lines later (each original at most once).
    int redelivered = 0;
    int n = firstCopies.size();
    for (int k = 0; k < n; k++) {
      if (rnd.nextInt(100) < 5) {
        String copy = firstCopies.get(k);
        int at = lines.indexOf(copy);
        lines.add(Math.min(lines.size(), at + 1 + rnd.nextInt(100)), copy);
        redelivered++;
      }
    }
    Map<String, Integer> defects = new TreeMap<>();
    if (table.equals("orders")) {
      insert(lines, rnd, defects, "not_json", "<html><body><h1>502 Bad Gateway</h1></body></html>");
      insert(lines, rnd, defects, "missing_position",
          "{\"before\":null,\"after\":{\"order_id\":\"o-99999\"},\"source\":{\"connector\":\"postgresql\",\"table\":\"orders\"},\"op\":\"c\"}");
      insert(lines, rnd, defects, "unknown_op",
          "{\"before\":null,\"after\":null,\"source\":{\"connector\":\"postgresql\",\"table\":\"orders\",\"lsn\":1,\"ts_ms\":1},\"op\":\"x\",\"ts_ms\":1}");
      insert(lines, rnd, defects, "missing_after",
          "{\"before\":null,\"after\":null,\"source\":{\"connector\":\"postgresql\",\"table\":\"orders\",\"lsn\":2,\"ts_ms\":2},\"op\":\"u\",\"ts_ms\":2}");
    } else {
      String line = envelope(events.get(events.size() - 1));
      insert(lines, rnd, defects, "truncated_json", line.substring(0, line.length() / 2));
    }
    // Superseded in file order: a first copy whose position is below the key's highest so far.
    Map<String, Long> highest = new TreeMap<>();
    int superseded = 0;
    for (Change c : order) {
      Long h = highest.get(c.key);
      long pos = c.lsn * 1_000_000L + c.txId;
      if (h != null && pos < h) superseded++;
      highest.merge(c.key, pos, Math::max);
    }
    m.put("accepted", order.size());
    m.put("redelivered", redelivered);
    m.put("tombstones", tombstones);
    m.put("overtaken_moves", overtaken);
    m.put("superseded_in_file_order", superseded);
    m.put("dead_letters", defects);
    int snapshot = 0;
    for (Change c : order) if (c.op.equals("r")) snapshot++;
    m.put("snapshot_reads", snapshot);
    return lines;
  }

  static void insert(List<String> lines, SplittableRandom rnd, Map<String, Integer> defects, String reason, String line) {
    lines.add(1 + rnd.nextInt(lines.size() - 1), line);
    defects.merge(reason, 1, Integer::sum);
  }

  static String envelope(Change c) {
    StringBuilder b = new StringBuilder();
    b.append("{\"before\":").append(c.op.equals("d") || c.op.equals("u") ? json(c.before) : "null");
    b.append(",\"after\":").append(c.op.equals("d") ? "null" : json(c.after));
    b.append(",\"source\":{\"version\":\"2.7.3.Final\",\"connector\":\"postgresql\",\"name\":\"shop\",\"ts_ms\":")
        .append(c.ts).append(",\"snapshot\":\"").append(c.op.equals("r") ? "true" : "false")
        .append("\",\"db\":\"shop\",\"schema\":\"public\",\"table\":\"").append(c.table)
        .append("\",\"txId\":").append(c.txId).append(",\"lsn\":").append(c.lsn).append("}");
    b.append(",\"op\":\"").append(c.op).append("\",\"ts_ms\":").append(c.ts + 120).append("}");
    return b.toString();
  }

  static Map<String, Object> product(String id, String name, String category, BigDecimal price) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("product_id", id);
    p.put("name", name);
    p.put("category", category);
    p.put("list_price", price);
    return p;
  }

  static Map<String, Object> order(String id, String customer, String product, long quantity, BigDecimal amount,
      String status, long created, long updated) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("order_id", id);
    o.put("customer_id", customer);
    o.put("product_id", product);
    o.put("quantity", quantity);
    o.put("amount", amount.setScale(2));
    o.put("status", status);
    o.put("created_at_ms", created);
    o.put("updated_at_ms", updated);
    return o;
  }

  static Change update(List<Change> life, Map<String, Object> changes, long ts) {
    Map<String, Object> before = life.get(life.size() - 1).after;
    Map<String, Object> after = new LinkedHashMap<>(before);
    after.putAll(changes);
    if (after.get("amount") instanceof BigDecimal) after.put("amount", ((BigDecimal) after.get("amount")).setScale(2));
    after.put("updated_at_ms", ts);
    return new Change("orders", (String) before.get("order_id"), "u", ts, before, after);
  }

  /** Product updates were drawn independently; chain their before/after images in commit order. */
  static void fixProductBeforeImages(List<Change> timeline) {
    Map<String, Map<String, Object>> state = new TreeMap<>();
    for (int i = 0; i < timeline.size(); i++) {
      Change c = timeline.get(i);
      if (!c.table.equals("products")) continue;
      if (c.op.equals("u")) {
        Map<String, Object> before = state.containsKey(c.key) ? state.get(c.key) : snapshotOf(c);
        Map<String, Object> after = new LinkedHashMap<>(before);
        for (String f : List.of("category", "list_price")) {
          if (!c.after.get(f).equals(c.before.get(f))) after.put(f, c.after.get(f));
        }
        Change fixed = new Change(c.table, c.key, c.op, c.ts, before, after);
        timeline.set(i, fixed);
        state.put(c.key, after);
      } else if (c.op.equals("d")) {
        Map<String, Object> before = state.containsKey(c.key) ? state.get(c.key) : snapshotOf(c);
        timeline.set(i, new Change(c.table, c.key, c.op, c.ts, before, null));
      } else {
        state.put(c.key, c.after);
      }
    }
  }

  private static final Map<String, Map<String, Object>> SNAPSHOT_IMAGES = new TreeMap<>();

  static Map<String, Object> snapshotOf(Change c) {
    return SNAPSHOT_IMAGES.get(c.key);
  }

  /** The product's category valid at {@code at}: its newest version at or before it, unless a delete. */
  static String categoryAt(List<Change> versions, long at) {
    Change valid = null;
    if (versions != null) {
      for (Change v : versions) { // position order: a later position wins a tie of ts
        if (v.ts <= at) valid = v;
      }
    }
    return valid == null || valid.op.equals("d") ? "unknown" : (String) valid.after.get("category");
  }

  static int indexOf(String category) {
    for (int i = 0; i < CATEGORIES.length; i++) if (CATEGORIES[i].equals(category)) return i;
    return 0;
  }

  /** Compact JSON in map order; *_ms fields are rendered as ISO-8601 timestamps without the suffix. */
  static String json(Map<String, Object> m) {
    StringBuilder b = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, Object> e : m.entrySet()) {
      if (!first) b.append(',');
      first = false;
      String name = e.getKey();
      Object v = e.getValue();
      if (name.endsWith("_at_ms")) {
        name = name.substring(0, name.length() - 3);
        v = ISO.format(Instant.ofEpochMilli((Long) v));
      }
      b.append('"').append(name).append("\":");
      if (v == null) b.append("null");
      else if (v instanceof String) b.append('"').append(v).append('"');
      else if (v instanceof BigDecimal) b.append(((BigDecimal) v).toPlainString());
      else b.append(v);
    }
    return b.append('}').toString();
  }

  static String pretty(Object v, String indent) {
    if (v instanceof Map) {
      StringBuilder b = new StringBuilder("{\n");
      List<String> parts = new ArrayList<>();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        parts.add(indent + "  \"" + e.getKey() + "\" : " + pretty(e.getValue(), indent + "  "));
      }
      return b.append(String.join(",\n", parts)).append("\n").append(indent).append("}").toString();
    }
    return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
  }

  static void write(Path path, List<String> lines) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String l : lines) b.append(l).append('\n');
    Files.writeString(path, b.toString(), StandardCharsets.UTF_8);
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
