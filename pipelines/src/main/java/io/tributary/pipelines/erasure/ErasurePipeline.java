package io.tributary.pipelines.erasure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.files.JsonLinesErasure;
import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.PostgresErasure;
import io.tributary.io.lake.LakeErasure;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.metrics.AccountedStage;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.SubjectKeyStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * The erasure pipeline (right to be forgotten): for each deletion request, (a) destroy the
 * subject's data key, so every {@code en:} copy of its personal data anywhere (lake, tables, dead
 * letters, backups) becomes unreadable; (b) remove or rewrite the subject's rows in every dataset
 * of the {@link ErasureConfig} (PostgreSQL tables, lake partitions, JSON-lines trees such as dead
 * letters and quarantine); (c) append one audit record per request to an append-only log.
 *
 * <p>Requests are parsed one by one (bad ones go to the dead letters, their subject redacted), then
 * gathered on one key, so a single worker rewrites each file and partition once per batch: no two
 * workers race on the same partition. Re-running a request is harmless: the key is already gone, no
 * rows are left, and the audit says {@code repeated}.
 *
 * <p>Audit record: {@code {"at", "request_id", "subject_token", "status", "key": {"id",
 * "destroyed"}, "datasets": [{"name", "kind", "action", "rows", "exists"}], "rows_total"}}. The
 * subject appears only as {@code subject_token}, the keyed hash that also names its key ({@link
 * SubjectKeyStore#keyIdFor}); status is {@code erased}, {@code repeated} (audited before, nothing
 * left) or {@code nothing_found}.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.create(options);
 * ErasurePipeline.build(p, ErasureSettings.of(options));
 * p.run().waitUntilFinish();
 * }</pre>
 */
public final class ErasurePipeline {
  /** Stage name of rejected requests. */
  public static final String STAGE = "erasure";

  /** Longest subject id accepted. */
  public static final int MAX_SUBJECT = 256;

  private ErasurePipeline() {}

  /** The audit log the options name. */
  public static String auditPath(ErasureOptions o) {
    return o.getAudit().isEmpty()
        ? Path.of(o.getOutput(), "erasure-audit.jsonl").toString()
        : o.getAudit();
  }

  /**
   * Adds the erasure stages to {@code pipeline}. Parses the options first ({@link
   * ErasureSettings#of}), so a bad option fails before anything is built.
   */
  public static void build(Pipeline pipeline, ErasureOptions options) {
    build(pipeline, ErasureSettings.of(options));
  }

  /** Adds the erasure stages to {@code pipeline}, as {@code settings} say. */
  public static void build(Pipeline pipeline, ErasureSettings settings) {
    ErasureConfig config = settings.config();
    Keyset.KeysetSource keys = settings.keyset(); // loaded when the settings were parsed
    JdbcTarget db = null;
    if (config.needsDatabase()) {
      db = JdbcTarget.of(settings.jdbcUrl(), settings.jdbcUser(), settings.jdbcPassword());
    }
    BadRecordErrorHandler<?> deadLetters =
        pipeline.registerBadRecordErrorHandler(
            DeadLetterFiles.to(Path.of(settings.output(), "dead-letter").toString()));
    readRequests(pipeline, settings)
        .apply("ParseRequests", new ParseRequests(deadLetters))
        // A bounded file is one batch (all its elements share one timestamp); a topic is erased in
        // batches of one minute of arrival.
        .apply(
            "BatchWindows",
            Window.<KV<String, String>>into(FixedWindows.of(Duration.standardMinutes(1))))
        .apply("OneBatch", WithKeys.of("erasure"))
        .setCoder(
            KvCoder.of(
                StringUtf8Coder.of(), KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())))
        .apply("GatherRequests", GroupByKey.create())
        .apply(
            "Erase",
            new EraseRequests(
                new EraseFn(
                    config,
                    keys,
                    settings.indexKeyId(),
                    settings.subjectKeys(),
                    db,
                    settings.audit())));
    deadLetters.close();
  }

  /**
   * Request lines from the file(s) of {@code --requests} or the topic of {@code --requestsTopic}.
   */
  static PCollection<String> readRequests(Pipeline pipeline, ErasureSettings settings) {
    if (settings.requestsTopic() == null) {
      return pipeline.apply("ReadRequests", TextIO.read().from(settings.requests()));
    }
    KafkaIO.Read<String, String> read =
        KafkaIO.<String, String>read()
            .withBootstrapServers(settings.bootstrapServers())
            .withTopic(settings.requestsTopic())
            .withKeyDeserializer(StringDeserializer.class)
            .withValueDeserializer(StringDeserializer.class)
            .withConsumerConfigUpdates(
                Map.of("group.id", settings.requestsGroup(), "auto.offset.reset", "earliest"))
            .commitOffsetsInFinalize();
    if (settings.maxRecords() != null) {
      read = read.withMaxNumRecords(settings.maxRecords());
    }
    return pipeline
        .apply("ReadRequestsTopic", read.withoutMetadata())
        .apply("RequestLines", Values.create());
  }

  static final TupleTag<KV<String, String>> REQUESTS = new TupleTag<KV<String, String>>() {};

  private static final Pattern SUBJECT_VALUE =
      Pattern.compile("(\"subject\"\\s*:\\s*)\"(?:[^\"\\\\]|\\\\.)*\"?");
  private static final Pattern EMAIL =
      Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");

  /** A request line as a dead letter may hold it: the subject's value never in clear. */
  static String redacted(String line) {
    String out = SUBJECT_VALUE.matcher(line).replaceAll("$1\"[redacted]\"");
    return EMAIL.matcher(out).replaceAll("[redacted-email]");
  }

  /**
   * The parse stage ({@value #STAGE}): request lines in, (request id, subject) out, bad lines
   * dead-lettered.
   */
  static final class ParseRequests
      extends PTransform<PCollection<String>, PCollection<KV<String, String>>>
      implements AccountedStage {
    private final BadRecordErrorHandler<?> deadLetters;

    ParseRequests(BadRecordErrorHandler<?> deadLetters) {
      this.deadLetters = deadLetters;
    }

    @Override
    public String stageName() {
      return STAGE;
    }

    @Override
    public PCollection<KV<String, String>> expand(PCollection<String> lines) {
      PCollectionTuple parsed =
          lines.apply(
              "Parse",
              ParDo.of(new ParseRequestFn(DeadLetters.routerFor(deadLetters)))
                  .withOutputTags(REQUESTS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
      DeadLetters.register(deadLetters, parsed);
      return parsed.get(REQUESTS).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    }
  }

  /** The audit stage: requests in, one audit record out per request. */
  static final class EraseRequests
      extends PTransform<PCollection<KV<String, Iterable<KV<String, String>>>>, PCollection<String>>
      implements AccountedStage {
    /** The stage name. */
    static final String AUDIT_STAGE = "audit";

    private final EraseFn fn;

    EraseRequests(EraseFn fn) {
      this.fn = fn;
    }

    @Override
    public String stageName() {
      return AUDIT_STAGE;
    }

    @Override
    public PCollection<String> expand(PCollection<KV<String, Iterable<KV<String, String>>>> in) {
      return in.apply("Erase", ParDo.of(fn)).setCoder(StringUtf8Coder.of());
    }
  }

  /** Request line -> (request id, subject); bad lines to the dead letters. */
  static final class ParseRequestFn extends DoFn<String, KV<String, String>> {
    private final BadRecordRouter router;
    private final StageCounters counters = StageCounters.of(STAGE);
    private transient ObjectMapper mapper;

    ParseRequestFn(BadRecordRouter router) {
      this.router = router;
    }

    @Setup
    public void setup() {
      mapper = new ObjectMapper();
    }

    @ProcessElement
    public void process(@Element String line, MultiOutputReceiver out) throws Exception {
      counters.in();
      String text = line.strip();
      if (text.isEmpty()) {
        reject(
            out,
            line,
            "empty_request",
            "the request line is empty; expected a subject id or {\"subject\": ID}");
        return;
      }
      String requestId = "";
      String subject;
      if (text.startsWith("{")) {
        JsonNode node;
        try {
          node = mapper.readTree(text);
        } catch (IOException e) {
          reject(
              out,
              redacted(line),
              "not_json",
              "the request starts with '{' but is not valid JSON; expected {\"subject\": ID, \"request_id\": ID}");
          return;
        }
        if (!(node instanceof ObjectNode)
            || !node.path("subject").isTextual()
            || node.path("subject").asText().isBlank()) {
          reject(
              out,
              redacted(line),
              "missing_subject",
              "field 'subject' is missing or not a non-empty string");
          return;
        }
        subject = node.path("subject").asText();
        requestId = node.path("request_id").asText("");
      } else {
        subject = text;
      }
      if (subject.length() > MAX_SUBJECT || !subject.matches("\\S+")) {
        reject(
            out,
            text.startsWith("{") ? redacted(line) : "[redacted: " + line.length() + " characters]",
            "bad_subject",
            "the subject id must be 1-"
                + MAX_SUBJECT
                + " characters without spaces or control characters");
        return;
      }
      counters.out();
      out.get(REQUESTS).output(KV.of(requestId, subject));
    }

    private void reject(MultiOutputReceiver out, String payload, String reason, String message)
        throws Exception {
      DeadLetters.reject(
          router,
          out,
          payload,
          StringUtf8Coder.of(),
          new RecordRejectedException(STAGE, reason, message));
    }
  }

  /** Erases one batch of requests, then appends their audit records and emits them. */
  static final class EraseFn extends DoFn<KV<String, Iterable<KV<String, String>>>, String> {
    /** One rewrite at a time per JVM: two batches (windows) must not swap the same partition. */
    private static final Object LOCK = new Object();

    private final ErasureConfig config;
    private final Keyset.KeysetSource keySource;
    private final String indexKeyId;
    private final @Nullable String subjectKeys;
    private final @Nullable JdbcTarget db;
    private final String audit;
    private final StageCounters counters = StageCounters.of(EraseRequests.AUDIT_STAGE);
    private transient Keyset keys;
    private transient @Nullable SubjectKeyStore store;
    private transient ObjectMapper mapper;

    EraseFn(
        ErasureConfig config,
        Keyset.KeysetSource keySource,
        String indexKeyId,
        @Nullable String subjectKeys,
        @Nullable JdbcTarget db,
        String audit) {
      this.config = config;
      this.keySource = keySource;
      this.indexKeyId = indexKeyId;
      this.subjectKeys = subjectKeys;
      this.db = db;
      this.audit = audit;
    }

    @Setup
    public void setup() {
      keys = Keyset.load(keySource);
      store =
          subjectKeys == null
              ? null
              : SubjectKeyStore.directory(subjectKeys, keySource, indexKeyId);
      mapper = new ObjectMapper();
    }

    @ProcessElement
    public void process(
        @Element KV<String, Iterable<KV<String, String>>> batch, OutputReceiver<String> out)
        throws Exception {
      List<KV<String, String>> requests = new ArrayList<>();
      batch.getValue().forEach(requests::add);
      counters.in(requests.size());
      requests.sort(
          Comparator.comparing((KV<String, String> r) -> r.getKey()).thenComparing(KV::getValue));
      Set<String> subjects = new LinkedHashSet<>();
      requests.forEach(r -> subjects.add(r.getValue()));
      List<String> records = new ArrayList<>();
      synchronized (LOCK) {
        Set<String> audited = previouslyAudited();
        // (a) keys first: from here on every encrypted copy is unreadable, whatever happens next.
        Map<String, Boolean> destroyed = new HashMap<>();
        for (String s : subjects) {
          destroyed.put(s, store != null && store.destroy(s).isPresent());
        }
        // (b) every dataset, one pass each for the whole batch.
        Map<ErasureConfig.Dataset, ToLongFunction<String>> rows = new LinkedHashMap<>();
        Map<ErasureConfig.Dataset, Boolean> exists = new HashMap<>();
        for (ErasureConfig.Dataset d : config.datasets()) {
          switch (d.kind()) {
            case "lake":
              {
                LakeErasure e = LakeErasure.in(d.location(), d.subject());
                LakeErasure.Outcome o = (d.delete() ? e : e.rewriting(d.clear())).erase(subjects);
                rows.put(d, o::rows);
                exists.put(d, o.exists());
                break;
              }
            case "jsonl":
              {
                JsonLinesErasure e = JsonLinesErasure.in(d.location(), d.subject());
                JsonLinesErasure.Outcome o = (d.delete() ? e : e.rewriting()).erase(subjects);
                rows.put(d, o::rows);
                exists.put(d, o.exists());
                break;
              }
            default:
              {
                PostgresErasure e = PostgresErasure.in(db, d.location(), d.subject());
                PostgresErasure.Outcome o =
                    (d.delete() ? e : e.rewriting(d.clear())).erase(subjects);
                rows.put(d, o::rows);
                exists.put(d, o.exists());
              }
          }
        }
        // (c) one audit record per request; a subject's effects are credited to its first request.
        Set<String> credited = new HashSet<>();
        String at = Instant.now().toString();
        for (KV<String, String> r : requests) {
          String subject = r.getValue();
          String token = SubjectKeyStore.keyIdFor(keys, indexKeyId, subject);
          boolean first = credited.add(subject);
          ObjectNode rec = mapper.createObjectNode();
          rec.put("at", at);
          rec.put("request_id", r.getKey());
          rec.put("subject_token", token);
          boolean keyDestroyed = first && destroyed.get(subject);
          ArrayNode ds = mapper.createArrayNode();
          long total = 0;
          for (Map.Entry<ErasureConfig.Dataset, ToLongFunction<String>> e : rows.entrySet()) {
            long n = first ? e.getValue().applyAsLong(subject) : 0;
            total += n;
            ds.addObject()
                .put("name", e.getKey().name())
                .put("kind", e.getKey().kind())
                .put("action", e.getKey().action())
                .put("rows", n)
                .put("exists", exists.get(e.getKey()));
          }
          String status =
              keyDestroyed || total > 0
                  ? "erased"
                  : !first || audited.contains(token) ? "repeated" : "nothing_found";
          rec.put("status", status);
          rec.putObject("key")
              .put("id", token)
              .put("destroyed", keyDestroyed)
              .put("store", store == null ? "none" : store.kind());
          rec.set("datasets", ds);
          rec.put("rows_total", total);
          records.add(mapper.writeValueAsString(rec));
          LiveMetrics.counter(DeadLetters.NAMESPACE, "erasure." + status).inc();
        }
        append(records);
      }
      counters.out(records.size());
      records.forEach(out::output);
    }

    private Set<String> previouslyAudited() throws IOException {
      Set<String> tokens = new HashSet<>();
      Path file = Path.of(audit);
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          try {
            JsonNode n = mapper.readTree(line);
            if (n != null && n.hasNonNull("subject_token")) {
              tokens.add(n.get("subject_token").asText());
            }
          } catch (IOException torn) {
            // a torn last line of a crashed run: its request is simply audited again
          }
        }
      }
      return tokens;
    }

    /** Appends and syncs: the log is only ever appended to. */
    private void append(List<String> records) throws IOException {
      Path file = Path.of(audit).toAbsolutePath();
      Files.createDirectories(file.getParent());
      StringBuilder b = new StringBuilder();
      records.forEach(r -> b.append(r).append('\n'));
      try (FileChannel ch =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND)) {
        ByteBuffer buf = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
    }
  }
}
