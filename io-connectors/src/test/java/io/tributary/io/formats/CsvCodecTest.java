package io.tributary.io.formats;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.errors.RecordRejectedException;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** CSV cells that do not fit their field's type: out of range is not the same as the wrong type. */
@RunWith(JUnit4.class)
public class CsvCodecTest {
  private static final Schema SCHEMA =
      Schema.builder().addInt32Field("qty").addInt64Field("big").build();
  private static final Map<String, Integer> COLUMNS = Map.of("qty", 0, "big", 1);

  private RecordRejectedException reject(String qty, String big) {
    CsvCodec codec = new CsvCodec(SCHEMA, "decode");
    return assertThrows(
        RecordRejectedException.class,
        () -> codec.decode(List.of(qty, big), COLUMNS, "f.csv record 2"));
  }

  @Test
  public void anIntegerTooLargeForItsTypeIsOutOfRangeNamingTheRange() {
    RecordRejectedException e = reject("2147483648", "1");
    assertEquals("out_of_range", e.reason());
    assertThat(
        e.getMessage(),
        containsString(
            "f.csv record 2: field 'qty' must be an integer from -2147483648 to 2147483647 (INT32), got an integer outside that range"));
    assertThat(e.getMessage(), not(containsString("2147483648,")));
  }

  @Test
  public void anInt64OverflowIsOutOfRangeToo() {
    RecordRejectedException e = reject("1", "99999999999999999999");
    assertEquals("out_of_range", e.reason());
    assertThat(e.getMessage(), containsString("field 'big' must be an integer from"));
  }

  @Test
  public void textInAnIntegerFieldIsStillTheWrongType() {
    RecordRejectedException e = reject("twelve", "1");
    assertEquals("wrong_type", e.reason());
    assertThat(
        e.getMessage(), containsString("must be an integer (INT32), got text of 6 characters"));
  }
}
