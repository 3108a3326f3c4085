package io.tributary.pipelines.erasure;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.testing.Postgres;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.cli.Tributary;
import io.tributary.pipelines.clickstream.ClickstreamJob;
import io.tributary.pipelines.clickstream.ClickstreamOptions;
import io.tributary.pipelines.ordersmart.OrdersMartJob;
import io.tributary.pipelines.ordersmart.OrdersMartOptions;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.metrics.RunAccounting;
import io.tributary.transforms.privacy.Crypto;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.SubjectKeyStore;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The right to be forgotten, end to end, on whichever runner this failsafe execution targets:
 * clickstream (e-mails encrypted per subject; dead letters and quarantine on the way) and
 * orders-mart (lake partitions and a real PostgreSQL server, a dead letter holding the subject's
 * id) run over testdata/privacy, where subject {@code u-00001} is in both; then the erasure
 * pipeline erases {@code u-00001}. A scan of every output (files as text, Avro decoded, every
 * PostgreSQL table) finds neither the subject's id, e-mail or IP in clear nor anything of it that
 * decrypts, while the other subjects' rows are intact and their e-mails still decrypt; a backup
 * copy taken before the erasure keeps the subject's ciphertexts, which no longer decrypt. Running
 * the same request again changes nothing and is audited as {@code repeated}.
 */
@RunWith(JUnit4.class)
public class ErasureScanIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final String VICTIM = "u-00001";
  private static final List<String> VICTIM_PII =
      List.of(VICTIM, "ana.victim@example.com", "198.51.100.21");
  private static final Map<String, String> OTHERS =
      Map.of("u-00002", "bo.other@example.com", "u-00003", "cy.third@example.com");
  private static final Pattern ENCRYPTED = Pattern.compile("en:s-[0-9a-f]{32}:[A-Za-z0-9_-]+");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  public void erasureLeavesNothingOfTheSubjectInAnyOutputAndKeepsTheOthers() throws Exception {
    Path keyset = tmp.newFile("keyset.json").toPath();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(
        keyset,
        "{\"primary\":\"k1\",\"keys\":{\"k1\":\""
            + Base64.getEncoder().encodeToString(key)
            + "\"}}");
    Path subjectKeys = tmp.newFolder("subject-keys").toPath();
    SubjectKeyStore store =
        SubjectKeyStore.directory(
            subjectKeys.toString(), Keyset.KeysetSource.file(keyset.toString()), "k1");
    String victimKey = store.keyId(VICTIM);

    // 1. clickstream: 13 lines; 2 decode and 3 validate dead letters, 2 quarantined, 1 duplicate.
    Path click = tmp.newFolder("clickstream").toPath();
    ClickstreamOptions co = TestRunners.options().as(ClickstreamOptions.class);
    co.setInput(Testdata.file("privacy/clickstream.jsonl").toString());
    co.setOutput(click.toString());
    co.setChecks(Testdata.file("clickstream/checks.json").toString());
    co.setPrivacyPolicy(Testdata.file("clickstream/privacy.json").toString());
    co.setKeyset("file:" + keyset);
    co.setSubjectKeys(subjectKeys.toString());
    RunAccounting c = PipelineRun.run(new ClickstreamJob(), co).accounting();
    assertEquals(
        RunAccounting.of(
                13,
                5,
                Map.of(
                    "decode.not_json",
                    1L,
                    "decode.truncated_json",
                    1L,
                    "validate.negative_price",
                    2L,
                    "validate.unknown_currency",
                    1L),
                2,
                1,
                0)
            .line(),
        c.line());

    // 2. orders-mart to the lake and PostgreSQL: 10 lines, 2 dead letters (one holds the victim's
    // id).
    Path mart = tmp.newFolder("mart").toPath();
    JdbcTarget db = Postgres.server().freshDatabase();
    OrdersMartOptions mo = TestRunners.options().as(OrdersMartOptions.class);
    mo.setOrders(Testdata.file("privacy/orders.jsonl").toString());
    mo.setProducts(Testdata.file("privacy/products.jsonl").toString());
    mo.setOutput(mart.toString());
    mo.setJdbcUrl(db.url());
    mo.setJdbcPassword("postgres");
    RunAccounting m = PipelineRun.run(new OrdersMartJob(), mo).accounting();
    assertTrue(m.line(), m.balanced());
    assertEquals(m.line(), 10, m.read());
    assertEquals(
        m.line(),
        Map.of("cdc_orders.not_json", 1L, "cdc_orders.truncated_json", 1L),
        m.deadLettersByReason());

    // The least-privilege views of docs/privacy.md over the served orders (the serving step, as the
    // CLI runs it).
    ByteArrayOutputStream served = new ByteArrayOutputStream();
    int code =
        Tributary.run(
            new String[] {
              "serve-roles",
              "--config=" + Testdata.file("privacy/serving-roles.json"),
              "--jdbcUrl=" + db.url()
            },
            new PrintStream(served, true, StandardCharsets.UTF_8),
            System.err);
    assertEquals(served.toString(StandardCharsets.UTF_8), 0, code);
    assertEquals(
        "role analyst reads serving.orders_analyst\nrole support reads serving.orders_support\n",
        served.toString(StandardCharsets.UTF_8));
    assertEquals(
        List.of(
            "order_id=o-00001|customer_id=***0001",
            "order_id=o-00002|customer_id=***0001",
            "order_id=o-00003|customer_id=***0002"),
        Postgres.server()
            .rows(
                db, "SELECT order_id, customer_id FROM serving.orders_support ORDER BY order_id"));

    // Before: the victim is everywhere it should be, and its e-mails decrypt.
    String before = scanFiles(click) + scanFiles(mart) + scanTables(db);
    for (String pii : List.of(VICTIM)) {
      assertThat(before, containsString(pii));
    }
    Map<String, Integer> cipherBefore = ciphertextsByKey(before);
    assertEquals(
        "victim ciphertexts before: validation dead letter + quarantine",
        Integer.valueOf(2),
        cipherBefore.get(victimKey));
    Path backup = tmp.newFolder("backup").toPath();
    copyTree(click, backup);

    // 3. erasure: one good request, two bad ones.
    Path requests = tmp.newFile("requests.jsonl").toPath();
    Files.writeString(
        requests,
        "{\"subject\": \""
            + VICTIM
            + "\", \"request_id\": \"r-1\"}\n"
            + "{\"subject\": \""
            + VICTIM
            + "\n"
            + "{\"request_id\": \"r-3\"}\n");
    Path config = tmp.newFile("erasure.json").toPath();
    Files.writeString(
        config,
        "{\"datasets\": ["
            + dataset(
                "clickstream-dead-letters",
                "jsonl",
                "path",
                click.resolve("dead-letter"),
                "user_id",
                "delete")
            + ","
            + dataset(
                "clickstream-quarantine",
                "jsonl",
                "path",
                click.resolve("quarantine"),
                "user_id",
                "delete")
            + ","
            + dataset(
                "orders-lake",
                "lake",
                "path",
                mart.resolve("lake/orders"),
                "customer_id",
                "rewrite")
            + ","
            + dataset(
                "orders-history-lake",
                "lake",
                "path",
                mart.resolve("lake/orders_history"),
                "customer_id",
                "rewrite")
            + ","
            + dataset("orders-db", "postgres", "table", "orders", "customer_id", "rewrite")
            + ","
            + dataset(
                "orders-history-db",
                "postgres",
                "table",
                "orders_history",
                "customer_id",
                "rewrite")
            + ","
            + dataset(
                "orders-mart-dead-letters",
                "jsonl",
                "path",
                mart.resolve("dead-letter"),
                "customer_id",
                "delete")
            + "]}");
    Path erasureOut = tmp.newFolder("erasure").toPath();
    RunAccounting e = erase(requests, config, erasureOut, keyset, subjectKeys, db);
    assertEquals(
        RunAccounting.of(
                3, 1, Map.of("erasure.not_json", 1L, "erasure.missing_subject", 1L), 0, 0, 0)
            .line(),
        e.line());

    Path auditFile = erasureOut.resolve("erasure-audit.jsonl");
    List<String> audit = Files.readAllLines(auditFile);
    assertEquals(1, audit.size());
    JsonNode rec = JSON.readTree(audit.get(0));
    assertEquals("r-1", rec.get("request_id").asText());
    assertEquals(victimKey, rec.get("subject_token").asText());
    assertEquals("erased", rec.get("status").asText());
    assertEquals(victimKey, rec.at("/key/id").asText());
    assertTrue(rec.at("/key/destroyed").asBoolean());
    Map<String, Long> rows = new TreeMap<>();
    rec.get("datasets").forEach(d -> rows.put(d.get("name").asText(), d.get("rows").asLong()));
    assertEquals(
        Map.of(
            "clickstream-dead-letters",
            2L,
            "clickstream-quarantine",
            1L,
            "orders-lake",
            2L,
            "orders-history-lake",
            3L,
            "orders-db",
            2L,
            "orders-history-db",
            3L,
            "orders-mart-dead-letters",
            1L),
        rows);
    assertEquals(14, rec.get("rows_total").asLong());

    // 4. The scan: every file of every output (Avro decoded) and every table.
    String after = scanFiles(click) + scanFiles(mart) + scanFiles(erasureOut) + scanTables(db);
    for (String pii : VICTIM_PII) {
      assertThat("clear PII of the erased subject", after, not(containsString(pii)));
    }
    assertFalse("the victim's key is destroyed", store.find(victimKey).isPresent());
    Map<String, Integer> cipherAfter = ciphertextsByKey(after);
    assertFalse("no ciphertext of the victim is left", cipherAfter.containsKey(victimKey));
    // The others: every ciphertext decrypts to their e-mail; their ids and rows are intact.
    assertEquals(
        "u-00002: a dead letter and a quarantined row; u-00003: a dead letter",
        3,
        decryptAll(after, store));
    for (String other : OTHERS.keySet()) {
      assertThat(after, containsString(other));
    }
    assertEquals(
        List.of(
            "order_id=o-00001|customer_id=****sed]",
            "order_id=o-00002|customer_id=****sed]",
            "order_id=o-00003|customer_id=***0002"),
        Postgres.server()
            .rows(
                db, "SELECT order_id, customer_id FROM serving.orders_support ORDER BY order_id"));
    assertEquals(
        List.of(
            "customer_id=[erased]|order_id=o-00001",
            "customer_id=[erased]|order_id=o-00002",
            "customer_id=u-00002|order_id=o-00003"),
        Postgres.server().rows(db, "SELECT customer_id, order_id FROM orders ORDER BY order_id"));
    assertEquals(
        List.of("customer_id=[erased]|n=3", "customer_id=u-00002|n=1", "customer_id=u-00003|n=2"),
        Postgres.server()
            .rows(
                db, "SELECT customer_id, count(*) AS n FROM orders_history GROUP BY 1 ORDER BY 1"));

    // 5. The backup nobody rewrote: the victim's ciphertexts are still there and no longer decrypt.
    String old = scanFiles(backup);
    Matcher ct = ENCRYPTED.matcher(old);
    int dead = 0;
    while (ct.find()) {
      if (Crypto.keyIdOf(ct.group()).equals(victimKey)) {
        dead++;
      }
    }
    assertEquals(2, dead);
    assertEquals(3, decryptAll(old, store));

    // 6. The same request again: nothing changes, and the audit says so.
    Map<String, String> sums = checksums(click, mart);
    String tables = scanTables(db);
    RunAccounting again =
        erase(
            requests,
            config,
            tmp.newFolder("erasure-again").toPath(),
            keyset,
            subjectKeys,
            db,
            auditFile);
    assertEquals(again.line(), 1, again.written());
    assertEquals(sums, checksums(click, mart));
    assertEquals(tables, scanTables(db));
    audit = Files.readAllLines(auditFile);
    assertEquals(2, audit.size());
    JsonNode repeat = JSON.readTree(audit.get(1));
    assertEquals("repeated", repeat.get("status").asText());
    assertFalse(repeat.at("/key/destroyed").asBoolean());
    assertEquals(0, repeat.get("rows_total").asLong());
  }

  private static String dataset(
      String name, String kind, String locKey, Object location, String subject, String action) {
    return "{\"name\":\""
        + name
        + "\",\"kind\":\""
        + kind
        + "\",\""
        + locKey
        + "\":\""
        + location
        + "\",\"subject\":\""
        + subject
        + "\",\"action\":\""
        + action
        + "\"}";
  }

  private RunAccounting erase(
      Path requests,
      Path config,
      Path out,
      Path keyset,
      Path subjectKeys,
      JdbcTarget db,
      Path... audit)
      throws Exception {
    ErasureOptions o = TestRunners.options().as(ErasureOptions.class);
    o.setRequests(requests.toString());
    o.setConfig(config.toString());
    o.setOutput(out.toString());
    o.setKeyset("file:" + keyset);
    o.setSubjectKeys(subjectKeys.toString());
    o.setJdbcUrl(db.url());
    o.setJdbcPassword("postgres");
    if (audit.length > 0) {
      o.setAudit(audit[0].toString());
    }
    new ErasureJob().validate(o);
    RunSummary s = PipelineRun.run(new ErasureJob(), o);
    assertTrue(s.accounting().line(), s.accounting().balanced());
    // Its lineage: schema-valid START and COMPLETE naming the requests and the audit log.
    java.util.List<String> events =
        java.nio.file.Files.readAllLines(out.resolve("_openlineage.jsonl"));
    String last = events.get(events.size() - 1);
    events.forEach(io.tributary.testing.OpenLineageSchema::assertValid);
    org.hamcrest.MatcherAssert.assertThat(
        last,
        org.hamcrest.Matchers.allOf(
            org.hamcrest.Matchers.containsString("\"eventType\":\"COMPLETE\""),
            org.hamcrest.Matchers.containsString(requests.toString()),
            org.hamcrest.Matchers.containsString("\"name\":\"erasure.requests.jsonl-")));
    return s.accounting();
  }

  /** Every regular file under {@code dir} as text; Avro files decoded to their records' JSON. */
  static String scanFiles(Path dir) throws Exception {
    StringBuilder b = new StringBuilder();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    }
    for (Path f : files) {
      b.append("== ").append(dir.relativize(f)).append('\n');
      if (f.toString().endsWith(".avro")) {
        try (DataFileReader<GenericRecord> r =
            new DataFileReader<>(new File(f.toString()), new GenericDatumReader<>())) {
          for (GenericRecord rec : r) {
            b.append(rec).append('\n');
          }
        }
      }
      // Raw bytes too (also for Avro: a string value is stored as plain UTF-8 in the file).
      b.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).append('\n');
    }
    return b.toString();
  }

  /** Every row of every table in the database, as text. */
  static String scanTables(JdbcTarget db) {
    StringBuilder b = new StringBuilder();
    for (String t :
        Postgres.server()
            .rows(
                db,
                "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables "
                    + "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")) {
      String table = t.substring(2);
      b.append("== ").append(table).append('\n');
      for (String row :
          Postgres.server().rows(db, "SELECT x::text AS r FROM " + table + " x ORDER BY 1")) {
        b.append(row).append('\n');
      }
    }
    return b.toString();
  }

  private static Map<String, Integer> ciphertextsByKey(String text) {
    Map<String, Integer> byKey = new TreeMap<>();
    Matcher m = ENCRYPTED.matcher(text);
    while (m.find()) {
      byKey.merge(Crypto.keyIdOf(m.group()), 1, Integer::sum);
    }
    return byKey;
  }

  /**
   * Decrypts every ciphertext of a live key; each must be an e-mail of another subject. Returns how
   * many.
   */
  private static int decryptAll(String text, SubjectKeyStore store) {
    int n = 0;
    Matcher m = ENCRYPTED.matcher(text);
    while (m.find()) {
      var k = store.find(Crypto.keyIdOf(m.group()));
      if (k.isPresent()) {
        String plain = Crypto.decrypt(k.get().material(), "email", m.group());
        assertTrue(plain, OTHERS.containsValue(plain));
        n++;
      }
    }
    return n;
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.collect(Collectors.toList())) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static Map<String, String> checksums(Path... dirs) throws Exception {
    Map<String, String> sums = new TreeMap<>();
    for (Path dir : dirs) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path f : walk.filter(Files::isRegularFile).collect(Collectors.toList())) {
          String rel = dir.relativize(f).toString();
          if (rel.startsWith("_")) {
            continue; // the producing runs' own summaries and lineage
          }
          sums.put(
              dir.getFileName() + "/" + rel,
              HexFormat.of()
                  .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
        }
      }
    }
    return sums;
  }
}
