package io.tributary.io.kafka;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.List;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Offset ranges and construction checks that need no broker (the broker test is OrdersMartKafkaIT).
 */
@RunWith(JUnit4.class)
public class KafkaReplayTest {
  @Test
  public void offsetRangesRoundTripAndSortStably() {
    List<KafkaReplay.OffsetRange> ranges =
        KafkaReplay.OffsetRange.parseList("orders:1:0-299, orders:0:5-310,products:0:0-36");
    assertEquals(3, ranges.size());
    assertEquals(305, ranges.get(1).size());
    assertEquals(
        "orders:0:5-310,orders:1:0-299,products:0:0-36",
        KafkaReplay.OffsetRange.formatList(ranges));
    assertEquals(
        KafkaReplay.OffsetRange.formatList(ranges),
        KafkaReplay.OffsetRange.formatList(
            KafkaReplay.OffsetRange.parseList(KafkaReplay.OffsetRange.formatList(ranges))));
    assertEquals(KafkaReplay.OffsetRange.of("orders", 0, 5, 310), ranges.get(1));
  }

  @Test
  public void malformedRangesNameWhatWasExpected() {
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> KafkaReplay.OffsetRange.parseList("orders:0:10"))
            .getMessage(),
        containsString("expected topic:partition:start-end, got 'orders:0:10'"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> KafkaReplay.OffsetRange.parseList("orders:x:1-2"))
            .getMessage(),
        containsString("with numbers"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> KafkaReplay.OffsetRange.parseList("orders:0:9-2"))
            .getMessage(),
        containsString("expected 0 <= start <= end, got 9-2"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> KafkaReplay.values().withStallTimeout(java.time.Duration.ZERO))
            .getMessage(),
        containsString("KafkaReplay.values().withStallTimeout: timeout must be > 0"));
  }

  @Test
  public void displayDataListsServersRangesAndStage() {
    String data =
        DisplayData.from(
                KafkaReplay.values()
                    .withBootstrapServers("k:9092")
                    .withRanges(KafkaReplay.OffsetRange.parseList("orders:0:0-10")))
            .toString();
    assertThat(data, containsString("k:9092"));
    assertThat(data, containsString("orders:0:0-10"));
    assertThat(data, containsString("stage=decode"));
  }

  @Test
  public void aMissingTopicOrServerIsNamed() {
    org.apache.beam.sdk.Pipeline p = org.apache.beam.sdk.Pipeline.create();
    assertThat(
        assertThrows(
                IllegalStateException.class,
                () -> p.apply(KafkaReplay.values().withTopic("orders")))
            .getMessage(),
        containsString("withBootstrapServers() is required"));
    assertThat(
        assertThrows(
                IllegalStateException.class,
                () -> p.apply(KafkaReplay.values().withBootstrapServers("k:1")))
            .getMessage(),
        containsString("withTopic() or withRanges() is required"));
  }
}
