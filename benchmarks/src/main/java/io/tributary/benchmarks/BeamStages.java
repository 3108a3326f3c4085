package io.tributary.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderRegistry;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Beam pieces shared by the Tributary and the built-ins variants: marks, the aggregate, a
 * bad-record sink.
 */
final class BeamStages {
  private BeamStages() {}

  /** Count and sum of prices. */
  static final class CountSum {
    long count;
    BigDecimal sum = BigDecimal.ZERO;
  }

  /**
   * Count and sum per key and window; the accumulator has a compact coder, not Java serialization.
   */
  static final class CountSumFn extends Combine.CombineFn<BigDecimal, CountSum, CountSum> {
    @Override
    public CountSum createAccumulator() {
      return new CountSum();
    }

    @Override
    public CountSum addInput(CountSum acc, BigDecimal price) {
      acc.count++;
      acc.sum = acc.sum.add(price);
      return acc;
    }

    @Override
    public CountSum mergeAccumulators(Iterable<CountSum> accs) {
      CountSum out = new CountSum();
      for (CountSum a : accs) {
        out.count += a.count;
        out.sum = out.sum.add(a.sum);
      }
      return out;
    }

    @Override
    public CountSum extractOutput(CountSum acc) {
      return acc;
    }

    @Override
    public Coder<CountSum> getAccumulatorCoder(
        CoderRegistry registry, Coder<BigDecimal> inputCoder) {
      return new CountSumCoder();
    }

    @Override
    public Coder<CountSum> getDefaultOutputCoder(
        CoderRegistry registry, Coder<BigDecimal> inputCoder) {
      return new CountSumCoder();
    }
  }

  static final class CountSumCoder extends CustomCoder<CountSum> {
    @Override
    public void encode(CountSum value, OutputStream out) throws IOException {
      VarLongCoder.of().encode(value.count, out);
      BigDecimalCoder.of().encode(value.sum, out);
    }

    @Override
    public CountSum decode(InputStream in) throws IOException {
      CountSum c = new CountSum();
      c.count = VarLongCoder.of().decode(in);
      c.sum = BigDecimalCoder.of().decode(in);
      return c;
    }
  }

  /** Passes lines through; marks the first one each instance sees. */
  static final class MarkFirstFn extends DoFn<String, String> {
    private transient boolean seen;

    @ProcessElement
    public void process(@Element String line, OutputReceiver<String> out) {
      if (!seen) {
        seen = true;
        Marks.first();
      }
      out.output(line);
    }
  }

  /** The end of the pipeline: records each aggregate's time and checksum. */
  static final class MarkLastFn extends DoFn<KV<String, CountSum>, Void> {
    @ProcessElement
    public void process(@Element KV<String, CountSum> agg) {
      Marks.aggregate(agg.getValue().count, ClickParser.cents(agg.getValue().sum));
    }
  }

  /** Counts bad records (they are expected: the generator writes 0.54% defects). */
  static final class CountBadRecords extends PTransform<PCollection<BadRecord>, PCollection<Void>> {
    @Override
    public PCollection<Void> expand(PCollection<BadRecord> input) {
      return input.apply(
          "CountRejected",
          ParDo.of(
              new DoFn<BadRecord, Void>() {
                @ProcessElement
                public void process(@Element BadRecord unused) {
                  Marks.REJECTED.increment();
                }
              }));
    }
  }
}
