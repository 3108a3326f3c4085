package io.tributary.transforms.quality.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The value axis of a plot: from the data and the thresholds drawn with it, widened by a small
 * margin and rounded to a 1-2-5 tick step, but never beyond what the metric can take ({@link
 * MetricUnit#min()}, {@link MetricUnit#max()}): no negative counts, no share above 100 %; and the
 * margin never crosses zero when the data do not.
 */
final class PlotAxis {
  private final MetricUnit unit;
  private final double lo;
  private final double hi;
  private final double step;

  private PlotAxis(MetricUnit unit, double lo, double hi, double step) {
    this.unit = unit;
    this.lo = lo;
    this.hi = hi;
    this.step = step;
  }

  /**
   * The axis for {@code values} and {@code thresholds} (either may be empty, not both) in {@code
   * unit}.
   */
  static PlotAxis of(MetricUnit unit, List<Double> values, List<Double> thresholds) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    List<Double> all = new ArrayList<>(values);
    all.addAll(thresholds);
    for (double v : all) {
      if (Double.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    if (min > max) {
      throw new IllegalArgumentException("PlotAxis.of: no finite value or threshold to plot");
    }
    double pad;
    if (max == min) {
      // One level only: show a band around it, wide enough to read, in the metric's own terms.
      pad = unit.percent() ? 0.05 : unit.integer() ? Math.max(1, Math.abs(min) * 0.1) : 0;
      if (pad == 0) {
        pad = min == 0 ? 1 : Math.abs(min) * 0.1;
      }
    } else {
      pad = (max - min) * 0.05;
    }
    // The metric's range, or the data's where a value or threshold lies outside it: a plot never
    // hides a point.
    // Nor does a margin cross zero when no value does: a price or a mean of positive values does
    // not get a negative axis just for breathing room.
    double floor = Math.min(min >= 0 ? Math.max(0, unit.min()) : unit.min(), min);
    double ceiling = Math.max(max < 0 ? Math.min(0, unit.max()) : unit.max(), max);
    double lo = Math.max(floor, min - pad);
    double hi = Math.min(ceiling, max + pad);
    double step = niceStep((hi - lo) / 4, unit.integer());
    lo = Math.max(floor, Math.floor(lo / step) * step);
    hi = Math.min(ceiling, Math.ceil(hi / step) * step);
    return new PlotAxis(unit, lo, hi, step);
  }

  /** The smallest 1, 2 or 5 times a power of ten that is at least {@code raw} (>= 1 for counts). */
  static double niceStep(double raw, boolean integer) {
    if (!(raw > 0)) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
    return integer ? Math.max(1, Math.rint(step)) : step;
  }

  /** The lower end. */
  double lo() {
    return lo;
  }

  /** The upper end. */
  double hi() {
    return hi;
  }

  /** The unit. */
  MetricUnit unit() {
    return unit;
  }

  /** Tick values from {@link #lo()} to {@link #hi()}. */
  List<Double> ticks() {
    List<Double> ticks = new ArrayList<>();
    long first = (long) Math.ceil(lo / step - 1e-9);
    for (int i = 0; i < 12; i++) {
      double t = (first + i) * step;
      if (t > hi) {
        if (t - hi > step * 1e-6) {
          break;
        }
        t = hi; // the last tick is the upper end, not a rounding error above it (101 %)
      }
      ticks.add(Math.abs(t) < step * 1e-9 ? 0 : Math.max(lo, t));
    }
    return ticks;
  }

  /** The position of {@code v} between {@code bottom} (at lo) and {@code top} (at hi). */
  double y(double v, double top, double bottom) {
    return bottom - (bottom - top) * (v - lo) / (hi - lo);
  }

  /** {@code v} as an axis label: a percentage for shares, else a short number. */
  String label(double v) {
    if (unit.percent()) {
      double pct = v * 100;
      int decimals = step * 100 >= 1 ? 0 : step * 100 >= 0.1 ? 1 : 2;
      return String.format(Locale.ROOT, "%." + decimals + "f %%", pct);
    }
    return number(v);
  }

  /** A value as text: whole numbers without decimals, others with four significant digits. */
  static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return String.valueOf((long) v);
    }
    return String.format(Locale.ROOT, "%.4g", v);
  }
}
