package io.tributary.transforms.join;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Duration;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Construction errors, the output schema and display data: no pipeline runs (Direct only). */
@RunWith(JUnit4.class)
public class IntervalJoinConfigTest {
  static final Schema LEFT =
      Schema.builder().addStringField("device").addInt64Field("n").addStringField("site").build();
  static final Schema RIGHT =
      Schema.builder()
          .addStringField("device")
          .addInt64Field("n")
          .addNullableField("campaign", FieldType.STRING)
          .build();

  private final Pipeline p = Pipeline.create(PipelineOptionsFactory.create());

  private PCollection<Row> empty(String name, Schema schema) {
    return p.apply(name, Create.empty(schema));
  }

  private IntervalJoin join() {
    return IntervalJoin.of(empty("Right", RIGHT))
        .on("device")
        .within(Duration.standardMinutes(1), Duration.standardMinutes(2));
  }

  @Test
  public void outputIsLeftFieldsThenRightNonKeyFieldsWithClashesPrefixed() {
    Schema inner = join().outputSchema(LEFT);
    assertEquals(
        java.util.List.of("device", "n", "site", "right_n", "campaign"), inner.getFieldNames());
    assertFalse(inner.getField("site").getType().getNullable());
    assertFalse(inner.getField("right_n").getType().getNullable());
    Schema full = join().withJoinType(JoinType.FULL_OUTER).outputSchema(LEFT);
    assertFalse("the key is always there", full.getField("device").getType().getNullable());
    assertTrue(full.getField("site").getType().getNullable());
    assertTrue(full.getField("right_n").getType().getNullable());
    Schema left = join().withJoinType(JoinType.LEFT).withRightPrefix("r_").outputSchema(LEFT);
    assertEquals(java.util.List.of("device", "n", "site", "r_n", "campaign"), left.getFieldNames());
    assertFalse(left.getField("site").getType().getNullable());
    assertTrue(left.getField("r_n").getType().getNullable());
  }

  @Test
  public void missingSettingsNameTheCall() {
    PCollection<Row> right = empty("Right", RIGHT);
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    IntervalJoin.of(right).within(Duration.ZERO, Duration.ZERO).outputSchema(LEFT))
            .getMessage(),
        containsString("IntervalJoin: on(...) is required"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class,
                () -> IntervalJoin.of(right).on("device").outputSchema(LEFT))
            .getMessage(),
        containsString("IntervalJoin: within(before, after) is required"));
  }

  @Test
  public void badArgumentsNameTheCallAndTheValue() {
    IntervalJoin j = join();
    assertThat(
        assertThrows(
                IllegalArgumentException.class, () -> j.within(Duration.millis(-1), Duration.ZERO))
            .getMessage(),
        containsString("IntervalJoin.within: before must be >= 0"));
    assertThat(
        assertThrows(
                IllegalArgumentException.class, () -> j.withAllowedLateness(Duration.millis(-5)))
            .getMessage(),
        containsString("IntervalJoin.withAllowedLateness: lateness must be >= 0"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> j.withRightPrefix("1x")).getMessage(),
        containsString("IntervalJoin.withRightPrefix"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> j.withStageName("Join")).getMessage(),
        containsString("IntervalJoin.withStageName"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> j.on("device", "device")).getMessage(),
        containsString("IntervalJoin.on: a key field is named twice"));
  }

  @Test
  public void keysMustExistOnBothSidesWithOneType() {
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> join().on("site").outputSchema(LEFT))
            .getMessage(),
        containsString("IntervalJoin.on: the right input has no field 'site'"));
    Schema longKey = Schema.builder().addInt64Field("device").build();
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> join().outputSchema(longKey))
            .getMessage(),
        containsString("key field 'device' must have one type"));
  }

  @Test
  public void aClashLeftByThePrefixIsRefused() {
    Schema left =
        Schema.builder()
            .addStringField("device")
            .addInt64Field("n")
            .addInt64Field("right_n")
            .build();
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> join().outputSchema(left)).getMessage(),
        containsString("right field 'n' renamed 'right_n' still clashes"));
  }

  @Test
  public void windowedInputsAreRefused() {
    PCollection<Row> left =
        empty("Left", LEFT)
            .apply("Window", Window.into(FixedWindows.of(Duration.standardMinutes(1))));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> left.apply("Join", join())).getMessage(),
        containsString("IntervalJoin: the left input"));
  }

  @Test
  public void displayDataListsEverySetting() {
    DisplayData d =
        DisplayData.from(
            join()
                .withJoinType(JoinType.LEFT)
                .withAllowedLateness(Duration.standardSeconds(30))
                .withStageName("clicks_with_views"));
    assertThat(d.toString(), containsString("keys=device"));
    assertThat(d.toString(), containsString("joinType=LEFT"));
    assertThat(d.toString(), containsString("before=1m"));
    assertThat(d.toString(), containsString("after=2m"));
    assertThat(d.toString(), containsString("allowedLateness=30s"));
    assertThat(d.toString(), containsString("stage=clicks_with_views"));
    assertThat(d.toString(), containsString("rightPrefix=right_"));
  }
}
