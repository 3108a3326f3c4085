package io.tributary.transforms.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.errors.RecordRejectedException;
import io.tributary.transforms.json.HardenedJson;
import io.tributary.transforms.metrics.LiveMetrics;
import io.tributary.transforms.metrics.StageCounters;
import io.tributary.transforms.metrics.StageExit;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * The first half of {@link Cdc#apply}: a Debezium envelope (JSON text) becomes a typed change event
 * keyed by primary key, or a rejection, or nothing (a tombstone). It knows the envelope's shape
 * ({@code op}, {@code before}/{@code after}, {@code source}, the Kafka Connect {@code
 * schema}/{@code payload} wrapper) and nothing of ordering or history, which are {@link
 * CdcHistory}'s.
 *
 * <p>A change event is a row of {@link #eventSchema}: the key (the primary-key values as a JSON
 * array), the op, the position ({@code pos}, {@code tx}, {@code seq}), the source time and the row
 * image (after, or before for a delete). Its accounting: every envelope counts in {@code
 * stage.<stage>.in}; a malformed one is one rejection (stage and reasons in {@link Cdc}); a
 * tombstone leaves by the {@link StageExit#DEDUPLICATED} exit (and {@value Cdc#TOMBSTONES}); a
 * decoded event goes on to {@link CdcHistory}, which counts how it leaves.
 *
 * <pre>{@code
 * Schema events = CdcEnvelope.eventSchema(Cdc.relaxedSchema(table, key));
 * ParDo.of(new CdcEnvelope.DecodeFn(table, relaxed, events, key, json, router, decodedTag,
 *     StageCounters.of("cdc")))
 * }</pre>
 */
final class CdcEnvelope {
  private CdcEnvelope() {}

  /** Change event: key, op, position, source time and the row image (after, or before for d). */
  static Schema eventSchema(Schema relaxed) {
    return Schema.builder()
        .addStringField("key")
        .addStringField("op")
        .addInt64Field("pos")
        .addInt64Field("tx")
        .addInt64Field("seq")
        .addDateTimeField("source_ts")
        .addRowField("row", relaxed)
        .build();
  }

  /** Parses envelopes and keys them by primary key; rejects malformed ones. */
  static final class DecodeFn extends DoFn<String, KV<String, Row>> {
    private final Schema table;
    private final Schema relaxed;
    private final Schema events;
    private final List<String> primaryKey;
    private final HardenedJson json;
    private final BadRecordRouter router;
    private final TupleTag<KV<String, Row>> decodedTag;
    private final StageCounters counters;
    private final Counter tombstones = LiveMetrics.counter(DeadLetters.NAMESPACE, Cdc.TOMBSTONES);

    DecodeFn(
        Schema table,
        Schema relaxed,
        Schema events,
        List<String> primaryKey,
        HardenedJson json,
        BadRecordRouter router,
        TupleTag<KV<String, Row>> decodedTag,
        StageCounters counters) {
      this.table = table;
      this.relaxed = relaxed;
      this.events = events;
      this.primaryKey = new ArrayList<>(primaryKey);
      this.json = json;
      this.router = router;
      this.decodedTag = decodedTag;
      this.counters = counters;
    }

    @ProcessElement
    public void process(@Element String line, MultiOutputReceiver out) throws Exception {
      counters.in();
      if (json.rejectIfTooLarge(line, router, out)) {
        return;
      }
      try {
        HardenedJson.Notes notes = json.newNotes();
        KV<String, Row> event = decode(line, notes);
        notes.count();
        if (event == null) {
          tombstones.inc();
          counters.exit(StageExit.DEDUPLICATED); // it repeats the delete before it
        } else {
          out.get(decodedTag).output(event);
        }
      } catch (RecordRejectedException e) {
        DeadLetters.reject(router, out, line, StringUtf8Coder.of(), e);
      }
    }

    /** The keyed event, or null for a tombstone. */
    @Nullable KV<String, Row> decode(String line, HardenedJson.Notes notes)
        throws RecordRejectedException {
      if (line == null || line.isBlank()) {
        throw reject(
            "empty_line", "line is empty; expected a Debezium change event or null (tombstone)");
      }
      JsonNode node = json.parse(line, notes);
      if (node != null && node.isObject() && node.has("payload") && node.has("schema")) {
        node = node.get("payload"); // Kafka Connect JsonConverter with schemas.enable=true
      }
      if (node == null || node.isNull()) {
        return null;
      }
      if (!node.isObject()) {
        throw reject(
            "not_json", "line is JSON but not an object; expected a Debezium change event");
      }
      JsonNode opNode = node.get("op");
      if (opNode == null || !opNode.isTextual()) {
        throw reject(
            "missing_op", "field 'op' is absent or not a string; expected one of c, u, d, r");
      }
      String op = opNode.textValue();
      if (!List.of("c", "u", "d", "r").contains(op)) {
        throw reject(
            "unknown_op",
            "field 'op' is '"
                + op
                + "'; expected one of c, u, d, r"
                + ("t".equals(op) ? " (truncate events are not applied)" : ""));
      }
      JsonNode source = node.get("source");
      if (source == null || !source.isObject()) {
        throw reject(
            "missing_source",
            "field 'source' is absent or not an object; it carries the event's position");
      }
      long pos;
      JsonNode lsn = source.get("lsn");
      JsonNode sourceTs = source.get("ts_ms");
      if (lsn != null && lsn.isIntegralNumber()) {
        pos = int64(lsn, "source.lsn");
      } else if (sourceTs != null && sourceTs.isIntegralNumber()) {
        pos = int64(sourceTs, "source.ts_ms");
      } else {
        throw reject(
            "missing_position",
            "neither 'source.lsn' nor 'source.ts_ms' is an integer; the event cannot be ordered");
      }
      boolean tsFromSource = sourceTs != null && sourceTs.isIntegralNumber();
      JsonNode tsNode = tsFromSource ? sourceTs : node.get("ts_ms");
      if (tsNode == null || !tsNode.isIntegralNumber()) {
        throw reject(
            "missing_position",
            "neither 'source.ts_ms' nor 'ts_ms' is an integer; the version has no valid_from");
      }
      String tsPath = tsFromSource ? "source.ts_ms" : "ts_ms";
      Instant sourceTime = new Instant(int64(tsNode, tsPath));
      if (!json.limits().acceptsEventTime(sourceTime)) {
        throw reject(
            "out_of_range",
            "field '"
                + tsPath
                + "' must be a time in ["
                + json.limits().minEventTime()
                + ", "
                + json.limits().maxEventTime()
                + ") (RecordLimits event-time range)");
      }
      long tx = integralOr(source.get("txId"), 0L, "source.txId");
      JsonNode transaction = node.get("transaction");
      long seq =
          transaction != null && transaction.isObject()
              ? integralOr(transaction.get("total_order"), 0L, "transaction.total_order")
              : 0L;

      Row image;
      if (op.equals("d")) {
        JsonNode before = node.get("before");
        if (before == null || !before.isObject()) {
          throw reject(
              "missing_before", "a delete (op=d) needs a 'before' object with the primary key");
        }
        image = json.toRow(relaxed, before, "before.", notes);
      } else {
        JsonNode after = node.get("after");
        if (after == null || !after.isObject()) {
          throw reject("missing_after", "op=" + op + " needs an 'after' object with the new row");
        }
        Row strict = json.toRow(table, after, "after.", notes);
        image = Row.withSchema(relaxed).addValues(strict.getValues()).build();
      }
      ArrayNode key = JsonNodeFactory.instance.arrayNode();
      for (String field : primaryKey) {
        key.add(String.valueOf((Object) image.getValue(field)));
      }
      String keyText = key.toString();
      Row event =
          Row.withSchema(events).addValues(keyText, op, pos, tx, seq, sourceTime, image).build();
      return KV.of(keyText, event);
    }

    private long integralOr(@Nullable JsonNode node, long fallback, String path)
        throws RecordRejectedException {
      return node != null && node.isIntegralNumber() ? int64(node, path) : fallback;
    }

    /** An integral node's value; one beyond a long would wrap silently in longValue(). */
    private long int64(JsonNode node, String path) throws RecordRejectedException {
      if (!node.canConvertToLong()) {
        throw reject(
            "out_of_range",
            "field '"
                + path
                + "' must be an INT64 in ["
                + Long.MIN_VALUE
                + ", "
                + Long.MAX_VALUE
                + "]");
      }
      return node.longValue();
    }

    private RecordRejectedException reject(String reason, String message) {
      return new RecordRejectedException(json.stage(), reason, message);
    }
  }
}
