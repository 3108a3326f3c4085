package io.tributary.benchmarks;

import java.math.BigDecimal;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.time.Time;
import org.apache.flink.util.Collector;

/**
 * (b): the workload as a hand-written Flink 1.19 DataStream job in BATCH execution mode (STREAMING
 * with parallel file readers dropped late events, docs/performance.md), with the parser of (c) and
 * (e).
 */
final class NativeFlinkJob {
  static final long TTL_MS = BeamJobs.TTL.getMillis();

  private NativeFlinkJob() {}

  static void run(String input, int parallelism, boolean objectReuse) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    env.setParallelism(parallelism);
    if (objectReuse) {
      env.getConfig().enableObjectReuse();
    }
    env.readTextFile(input)
        .flatMap(new ParseFn())
        .name("ParseValidate")
        .assignTimestampsAndWatermarks(
            WatermarkStrategy.<Click>forMonotonousTimestamps()
                .withTimestampAssigner((c, ts) -> c.eventTime))
        .keyBy(c -> c.eventId)
        .process(new DedupFn(TTL_MS))
        .name("Dedup")
        .keyBy(c -> c.eventType)
        .window(TumblingEventTimeWindows.of(Time.minutes(1)))
        .aggregate(new CountSumAgg())
        .name("Aggregate")
        .addSink(new MarkLastSink())
        .name("MarkLast");
    env.execute("native-flink-benchmark");
  }

  static final class ParseFn extends RichFlatMapFunction<String, Click> {
    private transient ClickParser parser;
    private transient boolean seen;

    @Override
    public void open(Configuration parameters) {
      parser = new ClickParser();
    }

    @Override
    public void flatMap(String line, Collector<Click> out) {
      if (!seen) {
        seen = true;
        Marks.first();
      }
      Click c = parser.parse(line);
      if (c == null) {
        Marks.REJECTED.increment();
        return;
      }
      out.collect(c);
    }
  }

  /** First copy per id wins; the id is forgotten TTL after its event time (an event-time timer). */
  static final class DedupFn extends KeyedProcessFunction<String, Click, Click> {
    // A field, not NativeFlinkJob.TTL_MS: that would load BeamJobs (Beam) on a cluster that has
    // only Flink on its class path (NativeKafkaJob).
    private final long ttlMs;
    private transient ValueState<Boolean> seen;

    DedupFn(long ttlMs) {
      this.ttlMs = ttlMs;
    }

    @Override
    public void open(Configuration parameters) {
      seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", Types.BOOLEAN));
    }

    @Override
    public void processElement(Click c, Context ctx, Collector<Click> out) throws Exception {
      if (seen.value() != null) {
        return;
      }
      seen.update(true);
      ctx.timerService().registerEventTimeTimer(c.eventTime + ttlMs);
      out.collect(c);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Click> out) {
      seen.clear();
    }
  }

  /** Flink POJO accumulator. */
  public static class Acc {
    public String type;
    public long count;
    public BigDecimal sum = BigDecimal.ZERO;

    public Acc() {}
  }

  static final class CountSumAgg implements AggregateFunction<Click, Acc, Acc> {
    @Override
    public Acc createAccumulator() {
      return new Acc();
    }

    @Override
    public Acc add(Click c, Acc acc) {
      acc.type = c.eventType;
      acc.count++;
      acc.sum = acc.sum.add(c.price);
      return acc;
    }

    @Override
    public Acc getResult(Acc acc) {
      return acc;
    }

    @Override
    public Acc merge(Acc a, Acc b) {
      a.count += b.count;
      a.sum = a.sum.add(b.sum);
      return a;
    }
  }

  static final class MarkLastSink implements SinkFunction<Acc> {
    @Override
    public void invoke(Acc acc, SinkFunction.Context context) {
      Marks.aggregate(acc.count, ClickParser.cents(acc.sum));
    }
  }
}
