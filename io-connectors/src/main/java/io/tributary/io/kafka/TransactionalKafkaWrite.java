package io.tributary.io.kafka;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;
import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkState;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.auto.value.AutoValue;
import io.tributary.transforms.errors.DeadLetters;
import io.tributary.transforms.metrics.LiveMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes key/value byte records to a Kafka topic exactly once, with one Kafka transaction per shard
 * per bundle, which on Flink means one transaction per shard per checkpoint.
 *
 * <p>Why not Beam's {@code KafkaIO.write().withEOS}: its writer commits one transaction per
 * group-by-key pane, and on Flink every pane holds one element (its trigger fires per element), so
 * it commits one transaction per record: about 15 records a second here, measured on a local broker
 * (docs/operations.md). Checkpoints then wait behind minutes of commits and stop completing. It
 * also refuses to restart when a job failed between its first commit and the next completed
 * checkpoint ("Kafka metadata exists for shard 0, but there is no stored state").
 *
 * <p>How this one stays exactly once:
 *
 * <ul>
 *   <li>The writer is {@code @RequiresStableInput}. On Flink its input is buffered until the
 *       checkpoint holding it completes and is then processed as one bundle; after a failure the
 *       runner replays the same buffered elements in the same order. (On the Direct runner input is
 *       stable anyway.)
 *   <li>Records go to {@code shards} shards by a hash of the key (of the value for null keys). Each
 *       shard has one transactional producer, {@code transactional.id = <sinkGroupId>-<shard>}, so
 *       a restarted writer fences a dead one and aborts its open transaction.
 *   <li>Per shard the writer counts the records it has handled, in Beam state (so in checkpoints
 *       and savepoints), and commits that count inside each transaction as the offset metadata of
 *       consumer group {@code <sinkGroupId>-<shard>}. After a restore, the first records of a
 *       replay up to Kafka's committed count were already written and are skipped.
 *   <li>Kafka's metadata names the job instance that wrote it (a writer id chosen when the pipeline
 *       is built, kept in state). A restored job accepts its own metadata even when no checkpoint
 *       has recorded its first commit; another job reusing the sink group fails with a message that
 *       says so instead of silently skipping records.
 * </ul>
 *
 * <p>Consumers must read with {@code isolation.level=read_committed}. Records reach the topic one
 * checkpoint interval late on Flink (the price of stable input). One job per {@code sinkGroupId}; a
 * job resumed from its own savepoint keeps it. Kafka keeps group offsets for {@code
 * offsets.retention.minutes} (7 days by default): a job stopped longer than that loses its sink
 * progress and would write the replayed records again.
 *
 * <pre>{@code
 * PCollection<KV<byte[], byte[]>> records = ...;
 * records.apply("WriteKafka", TransactionalKafkaWrite.to("localhost:9092", "clicks-clean")
 *     .withShards(2)
 *     .withSinkGroupId("clicks-sink"));
 * }</pre>
 */
@AutoValue
public abstract class TransactionalKafkaWrite
    extends PTransform<PCollection<KV<byte[], byte[]>>, PDone> {
  private static final Logger LOG = LoggerFactory.getLogger(TransactionalKafkaWrite.class);

  /** Counter namespace of the writer's metrics ({@code kafka_sink.*}). */
  public static final String NAMESPACE = DeadLetters.NAMESPACE;

  abstract String bootstrapServers();

  abstract String topic();

  abstract int shards();

  abstract @Nullable String sinkGroupId();

  abstract @Nullable String writerId();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setBootstrapServers(String s);

    abstract Builder setTopic(String t);

    abstract Builder setShards(int n);

    abstract Builder setSinkGroupId(String g);

    abstract Builder setWriterId(String w);

    abstract TransactionalKafkaWrite build();
  }

  /** Writes to {@code topic} on {@code bootstrapServers}; needs {@link #withSinkGroupId}. */
  public static TransactionalKafkaWrite to(String bootstrapServers, String topic) {
    checkArgument(
        bootstrapServers != null && !bootstrapServers.isBlank(),
        "TransactionalKafkaWrite.to: bootstrapServers must not be empty");
    checkArgument(
        topic != null && !topic.isBlank(), "TransactionalKafkaWrite.to: topic must not be empty");
    return new AutoValue_TransactionalKafkaWrite.Builder()
        .setBootstrapServers(bootstrapServers)
        .setTopic(topic)
        .setShards(1)
        .build();
  }

  /** Number of transactional writers; more shards commit in parallel across workers. */
  public TransactionalKafkaWrite withShards(int shards) {
    checkArgument(
        shards > 0, "TransactionalKafkaWrite.withShards: shards must be > 0, got %s", shards);
    return toBuilder().setShards(shards).build();
  }

  /**
   * Names the producers' transactional ids and the consumer groups that hold the sink's progress.
   */
  public TransactionalKafkaWrite withSinkGroupId(String sinkGroupId) {
    checkArgument(
        sinkGroupId != null && !sinkGroupId.isBlank(),
        "TransactionalKafkaWrite.withSinkGroupId: sinkGroupId must not be empty");
    return toBuilder().setSinkGroupId(sinkGroupId).build();
  }

  /** Fixes the job-instance id (normally random per built pipeline); for tests of restarts. */
  TransactionalKafkaWrite withWriterId(String writerId) {
    return toBuilder().setWriterId(writerId).build();
  }

  @Override
  public PDone expand(PCollection<KV<byte[], byte[]>> input) {
    checkState(sinkGroupId() != null, "TransactionalKafkaWrite: withSinkGroupId() is required");
    String writer = writerId() != null ? writerId() : UUID.randomUUID().toString();
    input
        .apply("AssignShard", ParDo.of(new ShardFn(shards())))
        .setCoder(
            KvCoder.of(
                VarIntCoder.of(),
                KvCoder.of(NullableCoder.of(ByteArrayCoder.of()), ByteArrayCoder.of())))
        .apply("GlobalWindow", Window.into(new GlobalWindows()))
        .apply(
            "CommitTransactions",
            ParDo.of(
                new TransactionalWriterFn(bootstrapServers(), topic(), sinkGroupId(), writer)));
    return PDone.in(input.getPipeline());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(
            DisplayData.item("bootstrapServers", bootstrapServers()).withLabel("Bootstrap servers"))
        .add(DisplayData.item("topic", topic()).withLabel("Topic"))
        .add(DisplayData.item("shards", shards()).withLabel("Transactional writers"))
        .addIfNotNull(DisplayData.item("sinkGroupId", sinkGroupId()).withLabel("Sink group"));
  }

  /** Consumer group holding a shard's progress; each shard has its own, on partition 0. */
  static String progressGroup(String sinkGroupId, int shard) {
    return sinkGroupId + "-" + shard;
  }

  static final class ShardFn extends DoFn<KV<byte[], byte[]>, KV<Integer, KV<byte[], byte[]>>> {
    private final int shards;

    ShardFn(int shards) {
      this.shards = shards;
    }

    /** By key, or by value when the key is null: the same record always lands in the same shard. */
    @ProcessElement
    public void process(
        @Element KV<byte[], byte[]> record, OutputReceiver<KV<Integer, KV<byte[], byte[]>>> out) {
      byte[] basis = record.getKey() != null ? record.getKey() : record.getValue();
      out.output(KV.of(Math.floorMod(mix(Arrays.hashCode(basis)), shards), record));
    }

    private static int mix(int h) {
      h ^= h >>> 16;
      h *= 0x85ebca6b;
      h ^= h >>> 13;
      return h;
    }
  }

  /**
   * Progress a shard has committed to Kafka: records handled and the job instance that wrote it.
   */
  static final class Progress {
    private static final ObjectMapper JSON = new ObjectMapper();
    final long count;
    final String writer;

    Progress(long count, String writer) {
      this.count = count;
      this.writer = writer;
    }

    String toJson() {
      return JSON.createObjectNode().put("count", count).put("writer", writer).toString();
    }

    static @Nullable Progress parse(@Nullable OffsetAndMetadata committed) {
      if (committed == null || committed.metadata() == null || committed.metadata().isEmpty()) {
        return null;
      }
      try {
        JsonNode node = JSON.readTree(committed.metadata());
        return new Progress(node.path("count").asLong(), node.path("writer").asText());
      } catch (IOException e) {
        throw new IllegalStateException(
            "exactly-once Kafka sink: the sink group's offset metadata is not ours: "
                + committed.metadata());
      }
    }
  }

  static final class TransactionalWriterFn extends DoFn<KV<Integer, KV<byte[], byte[]>>, Void> {
    private final String bootstrapServers;
    private final String topic;
    private final String sinkGroupId;
    private final String writerId;

    private final Counter written = LiveMetrics.counter(NAMESPACE, "kafka_sink.written");
    private final Counter transactions = LiveMetrics.counter(NAMESPACE, "kafka_sink.transactions");
    private final Counter replayed = LiveMetrics.counter(NAMESPACE, "kafka_sink.replayed_skipped");

    @StateId("handled")
    private final StateSpec<ValueState<Long>> handledSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("writer")
    private final StateSpec<ValueState<String>> writerSpec = StateSpecs.value(StringUtf8Coder.of());

    private transient Map<Integer, ShardProducer> producers;
    private transient Map<Integer, Pending> pending;

    TransactionalWriterFn(
        String bootstrapServers, String topic, String sinkGroupId, String writerId) {
      this.bootstrapServers = bootstrapServers;
      this.topic = topic;
      this.sinkGroupId = sinkGroupId;
      this.writerId = writerId;
    }

    @Setup
    public void setup() {
      producers = new HashMap<>();
      pending = new HashMap<>();
    }

    @RequiresStableInput
    @ProcessElement
    public void process(
        @Element KV<Integer, KV<byte[], byte[]>> element,
        @StateId("handled") ValueState<Long> handledState,
        @StateId("writer") ValueState<String> writerState) {
      int shard = element.getKey();
      ShardProducer producer = producer(shard);
      String writer = writerState.read();
      if (writer == null) {
        writer = writerId;
        writerState.write(writer);
      }
      if (producer.committed != null && !producer.committed.writer.equals(writer)) {
        throw new IllegalStateException(
            String.format(
                "exactly-once Kafka sink: sink group '%s' (shard %d) holds the progress of another job "
                    + "(writer %s, %d records); give this job a new --sinkGroupId, or resume that job from its savepoint",
                sinkGroupId, shard, producer.committed.writer, producer.committed.count));
      }
      Long stored = handledState.read();
      long handled = stored == null ? 0L : stored;
      long committed = producer.committed == null ? 0L : producer.committed.count;
      if (handled < committed) {
        // A replay after a restore: Kafka already holds this record, committed after the
        // checkpoint.
        replayed.inc();
      } else {
        pending.computeIfAbsent(shard, s -> new Pending()).records.add(element.getValue());
      }
      handled++;
      handledState.write(handled);
      Pending p = pending.get(shard);
      if (p != null) {
        p.handled = handled;
        p.writer = writer;
      }
    }

    @FinishBundle
    public void finishBundle() throws IOException {
      try {
        for (Map.Entry<Integer, Pending> entry : pending.entrySet()) {
          if (!entry.getValue().records.isEmpty()) {
            commit(entry.getKey(), entry.getValue());
          }
        }
      } finally {
        pending.clear();
      }
      // Committed: hand the producers back for the next bundle, whichever instance runs it.
      for (Map.Entry<Integer, ShardProducer> entry : producers.entrySet()) {
        ShardProducer previous = IDLE.put(poolKey(entry.getKey()), entry.getValue());
        if (previous != null && previous != entry.getValue()) {
          previous.producer.close(java.time.Duration.ofSeconds(5));
        }
      }
      producers.clear();
    }

    private void commit(int shard, Pending p) throws IOException {
      ShardProducer producer = producers.get(shard);
      try {
        producer.producer.beginTransaction();
        for (KV<byte[], byte[]> record : p.records) {
          // A failed send makes commitTransaction below throw, so the future needs no check here.
          Future<RecordMetadata> unused =
              producer.producer.send(
                  new ProducerRecord<>(topic, record.getKey(), record.getValue()));
        }
        Progress progress = new Progress(p.handled, p.writer);
        producer.producer.sendOffsetsToTransaction(
            Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0L, progress.toJson())),
            new ConsumerGroupMetadata(progressGroup(sinkGroupId, shard)));
        producer.producer.commitTransaction();
        producer.committed = progress;
        written.inc(p.records.size());
        transactions.inc();
      } catch (KafkaException e) {
        // The runner restarts from the last checkpoint; a new producer fences this one and aborts
        // whatever it left open.
        producers.remove(shard);
        try {
          producer.producer.close(java.time.Duration.ofSeconds(5));
        } catch (RuntimeException closing) {
          e.addSuppressed(closing);
        }
        throw new IOException(
            String.format(
                "exactly-once Kafka sink: transaction of %d records for shard %d of topic '%s' failed: %s",
                p.records.size(), shard, topic, e.getMessage()),
            e);
      }
    }

    private ShardProducer producer(int shard) {
      ShardProducer producer = producers.get(shard);
      if (producer != null) {
        return producer;
      }
      producer = IDLE.remove(poolKey(shard));
      if (producer != null) {
        producers.put(shard, producer);
        return producer;
      }
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(shard));
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      KafkaProducer<byte[], byte[]> kafka =
          new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
      // Fences any earlier producer of this shard (a killed worker) and aborts its open
      // transaction,
      // so the offsets read next are final.
      kafka.initTransactions();
      Progress committed;
      Properties c = new Properties();
      c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      c.put(ConsumerConfig.GROUP_ID_CONFIG, progressGroup(sinkGroupId, shard));
      c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        TopicPartition tp = new TopicPartition(topic, 0);
        committed = Progress.parse(consumer.committed(Set.of(tp)).get(tp));
      }
      LOG.info(
          "exactly-once Kafka sink: shard {} of topic '{}' opened; Kafka holds {}",
          shard,
          topic,
          committed == null
              ? "no progress yet"
              : committed.count + " records of writer " + committed.writer);
      producer = new ShardProducer(kafka, committed);
      producers.put(shard, producer);
      return producer;
    }

    private String transactionalId(int shard) {
      return sinkGroupId + "-" + shard;
    }

    private String poolKey(int shard) {
      return bootstrapServers + "/" + transactionalId(shard);
    }

    /**
     * Closes this instance's producers and the idle ones of this sink: an idle producer is in no
     * bundle's hands, and leaving it open would keep its network thread (and, on a session cluster,
     * the job's class loader) alive after the job ends. A later bundle opens a new one.
     */
    @Teardown
    public void teardown() {
      List<ShardProducer> closing = new ArrayList<>();
      if (producers != null) {
        closing.addAll(producers.values());
        producers.clear();
      }
      String prefix = bootstrapServers + "/" + sinkGroupId + "-";
      for (String key : new ArrayList<>(IDLE.keySet())) {
        if (key.startsWith(prefix)) {
          ShardProducer idle = IDLE.remove(key);
          if (idle != null) {
            closing.add(idle);
          }
        }
      }
      for (ShardProducer p : closing) {
        try {
          p.producer.close(java.time.Duration.ofSeconds(5));
        } catch (RuntimeException e) {
          LOG.warn("exactly-once Kafka sink: closing a producer failed: {}", e.toString());
        }
      }
    }
  }

  /**
   * Producers not in use by a bundle, by transactional id. A shard's producer moves between DoFn
   * instances of one JVM (the Direct runner runs one key on different instances over time); a
   * second producer with the same transactional id would fence the first.
   */
  private static final java.util.concurrent.ConcurrentHashMap<String, ShardProducer> IDLE =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final class ShardProducer {
    final KafkaProducer<byte[], byte[]> producer;
    @Nullable Progress committed;

    ShardProducer(KafkaProducer<byte[], byte[]> producer, @Nullable Progress committed) {
      this.producer = producer;
      this.committed = committed;
    }
  }

  private static final class Pending {
    final List<KV<byte[], byte[]>> records = new ArrayList<>();
    long handled;
    String writer;
  }
}
