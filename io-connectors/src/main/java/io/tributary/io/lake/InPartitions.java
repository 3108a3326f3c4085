package io.tributary.io.lake;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;

/**
 * Whether a row falls in the date partitions a run (re)builds: the UTC date of its {@code DATETIME}
 * or {@code DATE} field is one of the dates; every row when the dates are empty (the whole dataset
 * is built). A row whose field is null is kept, for the sink to place or refuse. Filter with it
 * before {@link LakePartitions#withPartitions}, which refuses rows of other dates.
 *
 * <pre>{@code
 * rows.apply("InPartitions", InPartitions.filter("created_at", List.of("2026-11-01")))
 *     .apply(LakePartitions.to(root).byDateOf("created_at").withPartitions(List.of("2026-11-01")));
 * }</pre>
 */
public final class InPartitions implements SerializableFunction<Row, Boolean> {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final List<String> dates;

  private InPartitions(String field, List<String> dates) {
    this.field = field;
    this.dates = new ArrayList<>(dates);
  }

  /** Rows whose {@code field} falls on one of {@code dates} (YYYY-MM-DD); all when empty. */
  public static InPartitions of(String field, List<String> dates) {
    return new InPartitions(field, dates);
  }

  /** A {@link Filter} keeping the rows of {@link #of}. */
  public static Filter<Row> filter(String field, List<String> dates) {
    return Filter.by(of(field, dates));
  }

  @Override
  public Boolean apply(Row row) {
    Object value = row.getValue(field);
    return dates.isEmpty() || value == null || dates.contains(dayOf(value));
  }

  /** The UTC date of a {@code DATETIME} or {@code DATE} value, YYYY-MM-DD. */
  static String dayOf(Object value) {
    if (value instanceof LocalDate) {
      return value.toString();
    }
    return Instant.ofEpochMilli(((ReadableInstant) value).getMillis())
        .atZone(ZoneOffset.UTC)
        .toLocalDate()
        .toString();
  }
}
