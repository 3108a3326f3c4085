package io.tributary.transforms.metrics;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.io.Closeable;
import java.io.IOException;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The counters and distributions keep the cell they found per metrics container: whatever the
 * container of the step being run, every increment lands in that container's cell, as with Beam's
 * own {@code Metrics.counter}.
 */
@RunWith(JUnit4.class)
public class LiveMetricsTest {
  private static final String NS = "live_metrics_test";

  @Test
  public void aCounterCountsIntoTheCurrentContainerWhicheverItIsAndIntoTheMirror()
      throws IOException {
    String name = "switching." + System.nanoTime();
    MetricName metric = MetricName.named(NS, name);
    MetricsContainerImpl first = new MetricsContainerImpl("first");
    MetricsContainerImpl second = new MetricsContainerImpl("second");
    Counter counter = LiveMetrics.counter(NS, name);
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(first)) {
      counter.inc();
      counter.inc(2);
    }
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(second)) {
      counter.inc(5);
    }
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(first)) {
      counter.dec();
    }
    // No container: Beam's metrics have nowhere to count, the mirror still counts.
    counter.inc(10);

    assertEquals(2L, (long) first.getCounter(metric).getCumulative());
    assertEquals(5L, (long) second.getCounter(metric).getCumulative());
    assertEquals(17L, (long) LiveMetrics.snapshot().get(NS + "/" + name));
  }

  @Test
  public void aDeserializedCounterFindsItsCellAndTheSameMirrorAgain() throws IOException {
    String name = "serialized." + System.nanoTime();
    MetricsContainerImpl container = new MetricsContainerImpl("step");
    Counter counter = LiveMetrics.counter(NS, name);
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(container)) {
      counter.inc(3);
      Counter copy = SerializableUtils.clone((LiveMetrics.MirroredCounter) counter);
      copy.inc(4);
    }
    assertEquals(7L, (long) container.getCounter(MetricName.named(NS, name)).getCumulative());
    assertEquals(7L, (long) LiveMetrics.snapshot().get(NS + "/" + name));
  }

  @Test
  public void aDistributionUpdatesTheCellOfTheCurrentContainer() throws IOException {
    String name = "lag." + System.nanoTime();
    MetricName metric = MetricName.named(NS, name);
    MetricsContainerImpl first = new MetricsContainerImpl("first");
    MetricsContainerImpl second = new MetricsContainerImpl("second");
    Distribution lag = LiveMetrics.distribution(NS, name);
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(first)) {
      lag.update(10);
      lag.update(30);
    }
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(second)) {
      lag.update(100, 2, 40, 60);
    }
    lag.update(1_000); // no container: dropped, as Beam's own distribution drops it

    assertEquals(2, first.getDistribution(metric).getCumulative().count());
    assertEquals(40, first.getDistribution(metric).getCumulative().sum());
    assertEquals(10, first.getDistribution(metric).getCumulative().min());
    assertEquals(2, second.getDistribution(metric).getCumulative().count());
    assertEquals(60, second.getDistribution(metric).getCumulative().max());
  }

  @Test
  public void maximumHandlesOfOneNameRaiseOneSharedMaximum() {
    String name = "event_time_max." + System.nanoTime();
    String key = NS + "/" + name;
    LiveMetrics.Maximum one = LiveMetrics.maximumOf(NS, name);
    LiveMetrics.Maximum other = LiveMetrics.maximumOf(NS, name);
    assertNull(LiveMetrics.maxima().get(key));

    one.raise(5);
    one.raise(3);
    assertEquals(5L, (long) LiveMetrics.maxima().get(key));
    other.raise(9);
    one.raise(7); // below the shared 9, above what this handle raised to
    assertEquals(9L, (long) LiveMetrics.maxima().get(key));
    one.raise(12);
    LiveMetrics.max(NS, name, 11);
    assertEquals(12L, (long) LiveMetrics.maxima().get(key));
    one.raise(Long.MIN_VALUE + 1);
    assertEquals(12L, (long) LiveMetrics.maxima().get(key));
  }
}
