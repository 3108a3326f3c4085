package io.tributary.transforms.quality.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.DateTimeZone;
import org.joda.time.format.DateTimeFormat;
import org.joda.time.format.DateTimeFormatter;

/**
 * One metric over its windows as inline SVG: this run's values in blue (failing windows red),
 * earlier runs' in grey, anomalies ringed, a constraint's bounds as dashed lines, the value axis
 * from {@link PlotAxis} with its unit, and the windows' own time on the horizontal axis (UTC), or
 * the runs in order for whole-input metrics.
 */
final class SeriesPlot {
  /** One value of the series. */
  static final class Point {
    final @Nullable Long time;
    final String label;
    final @Nullable Double value;
    final boolean current;
    final boolean failing;
    final boolean anomaly;

    Point(
        @Nullable Long time,
        String label,
        @Nullable Double value,
        boolean current,
        boolean failing,
        boolean anomaly) {
      this.time = time;
      this.label = label;
      this.value = value;
      this.current = current;
      this.failing = failing;
      this.anomaly = anomaly;
    }
  }

  /** A bound drawn as a line, with its label (e.g. {@code >= 95 %}). */
  static final class Threshold {
    final double value;
    final String label;

    Threshold(double value, String label) {
      this.value = value;
      this.label = label;
    }
  }

  static final int WIDTH = 420;
  static final int HEIGHT = 190;
  private static final int LEFT = 62;
  private static final int RIGHT = 12;
  private static final int TOP = 22;
  private static final int BOTTOM = 40;
  private static final DateTimeFormatter TICK =
      DateTimeFormat.forPattern("MM-dd HH:mm").withZone(DateTimeZone.UTC);

  private SeriesPlot() {}

  /** The plot as {@code <svg>}. */
  static String svg(String title, MetricUnit unit, List<Point> points, List<Threshold> thresholds) {
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" role=\"img\" aria-label=\"")
        .append(QualityReport.esc(title))
        .append("\">");
    int plotRight = WIDTH - RIGHT;
    int plotBottom = HEIGHT - BOTTOM;
    s.append("<rect x=\"")
        .append(LEFT)
        .append("\" y=\"")
        .append(TOP)
        .append("\" width=\"")
        .append(plotRight - LEFT)
        .append("\" height=\"")
        .append(plotBottom - TOP)
        .append("\" fill=\"#f6f8fa\"/>");
    s.append(text(4, 12, "start", "unit", unit.label()));
    List<Double> values = new ArrayList<>();
    for (Point p : points) {
      if (p.value != null) {
        values.add(p.value);
      }
    }
    List<Double> bounds = new ArrayList<>();
    thresholds.forEach(t -> bounds.add(t.value));
    if (values.isEmpty()) {
      s.append(text(LEFT + 8, (TOP + plotBottom) / 2.0, "start", "", "undefined in every window"));
      return s.append("</svg>").toString();
    }
    PlotAxis axis = PlotAxis.of(unit, values, bounds);
    for (double t : axis.ticks()) {
      double y = axis.y(t, TOP, plotBottom);
      s.append("<line x1=\"")
          .append(LEFT)
          .append("\" x2=\"")
          .append(plotRight)
          .append("\" y1=\"")
          .append(fmt(y))
          .append("\" y2=\"")
          .append(fmt(y))
          .append("\" stroke=\"#d0d7de\" stroke-width=\"0.5\"/>");
      s.append(text(LEFT - 4, y + 3, "end", "ytick", axis.label(t)));
    }

    boolean timed = points.stream().allMatch(p -> p.time != null);
    long t0 = Long.MAX_VALUE;
    long t1 = Long.MIN_VALUE;
    if (timed) {
      for (Point p : points) {
        t0 = Math.min(t0, p.time);
        t1 = Math.max(t1, p.time);
      }
    }
    double[] xs = new double[points.size()];
    for (int i = 0; i < points.size(); i++) {
      Point p = points.get(i);
      double f;
      if (timed) {
        f = t1 == t0 ? 0.5 : (p.time - t0) / (double) (t1 - t0);
      } else {
        f = points.size() == 1 ? 0.5 : i / (double) (points.size() - 1);
      }
      xs[i] = LEFT + 6 + f * (plotRight - LEFT - 12);
    }

    for (Threshold t : thresholds) {
      double y = axis.y(t.value, TOP, plotBottom);
      s.append("<line class=\"threshold\" x1=\"")
          .append(LEFT)
          .append("\" x2=\"")
          .append(plotRight)
          .append("\" y1=\"")
          .append(fmt(y))
          .append("\" y2=\"")
          .append(fmt(y))
          .append("\" stroke=\"#cf222e\" stroke-width=\"1.2\" stroke-dasharray=\"6 3\"><title>")
          .append(QualityReport.esc(t.label))
          .append("</title></line>");
      s.append(
          "<text class=\"threshold-label\" x=\""
              + (plotRight - 2)
              + "\" y=\""
              + fmt(y < TOP + 12 ? y + 11 : y - 3)
              + "\" font-size=\"10\" fill=\"#cf222e\" text-anchor=\"end\">"
              + QualityReport.esc(t.label)
              + "</text>");
    }

    line(s, points, xs, axis, plotBottom, false, "#8c959f");
    line(s, points, xs, axis, plotBottom, true, "#0969da");
    for (int i = 0; i < points.size(); i++) {
      Point p = points.get(i);
      if (p.value == null) {
        continue;
      }
      double y = axis.y(p.value, TOP, plotBottom);
      String fill = !p.current ? "#8c959f" : p.failing ? "#cf222e" : "#0969da";
      s.append("<circle")
          .append(p.failing && p.current ? " class=\"failing\"" : "")
          .append(" cx=\"")
          .append(fmt(xs[i]))
          .append("\" cy=\"")
          .append(fmt(y))
          .append("\" r=\"")
          .append(p.failing && p.current ? "3.5" : "2.5")
          .append("\" fill=\"")
          .append(fill)
          .append("\"><title>")
          .append(QualityReport.esc(p.label))
          .append(": ")
          .append(unit.percent() ? axis.label(p.value) : PlotAxis.number(p.value))
          .append(p.failing ? " (failed)" : "")
          .append("</title></circle>");
      if (p.anomaly) {
        s.append("<circle class=\"anomaly\" cx=\"")
            .append(fmt(xs[i]))
            .append("\" cy=\"")
            .append(fmt(y))
            .append("\" r=\"7\" fill=\"none\" stroke=\"#cf222e\" stroke-width=\"2\"/>");
      }
    }

    // Time axis: the first and last window start, and the middle one when there is room.
    int n = points.size();
    if (timed) {
      s.append(xTick(xs[0], plotBottom, t1 == t0 ? "middle" : "start", TICK.print(t0)));
      if (t1 != t0) {
        s.append(xTick(xs[indexOf(points, t1)], plotBottom, "end", TICK.print(t1)));
        // The middle tick is a real window's start (the median point's), not an in-between time.
        int mid = points.size() / 2;
        if (points.get(mid).time != t0 && points.get(mid).time != t1) {
          s.append(xTick(xs[mid], plotBottom, "middle", TICK.print(points.get(mid).time)));
        }
      }
      s.append(
          text((LEFT + plotRight) / 2.0, HEIGHT - 4, "middle", "xcaption", "window start (UTC)"));
    } else {
      s.append(xTick(xs[0], plotBottom, n > 1 ? "start" : "middle", points.get(0).label));
      if (n > 1) {
        s.append(xTick(xs[n - 1], plotBottom, "end", points.get(n - 1).label));
      }
      s.append(
          text((LEFT + plotRight) / 2.0, HEIGHT - 4, "middle", "xcaption", "runs, oldest first"));
    }
    return s.append("</svg>").toString();
  }

  private static int indexOf(List<Point> points, long time) {
    for (int i = 0; i < points.size(); i++) {
      if (points.get(i).time != null && points.get(i).time == time) {
        return i;
      }
    }
    return points.size() - 1;
  }

  /** The polyline(s) through this run's ({@code current}) or earlier runs' defined values. */
  private static void line(
      StringBuilder s,
      List<Point> points,
      double[] xs,
      PlotAxis axis,
      int plotBottom,
      boolean current,
      String colour) {
    StringBuilder pts = new StringBuilder();
    for (int i = 0; i <= points.size(); i++) {
      Point p = i < points.size() ? points.get(i) : null;
      if (p != null && p.current != current) {
        continue;
      }
      if (p == null || p.value == null) {
        // An undefined value breaks the line rather than being drawn as if it were a number.
        if (pts.indexOf(" ") > 0) {
          s.append("<polyline fill=\"none\" stroke=\"")
              .append(colour)
              .append("\" stroke-width=\"1.3\" points=\"")
              .append(pts)
              .append("\"/>");
        }
        pts.setLength(0);
        continue;
      }
      pts.append(pts.length() == 0 ? "" : " ")
          .append(fmt(xs[i]))
          .append(',')
          .append(fmt(axis.y(p.value, TOP, plotBottom)));
    }
  }

  private static String xTick(double x, int plotBottom, String anchor, String label) {
    return "<line x1=\""
        + fmt(x)
        + "\" x2=\""
        + fmt(x)
        + "\" y1=\""
        + plotBottom
        + "\" y2=\""
        + (plotBottom + 4)
        + "\" stroke=\"#57606a\"/>"
        + text(x, plotBottom + 15, anchor, "xtick", label);
  }

  private static String text(double x, double y, String anchor, String cls, String text) {
    return "<text"
        + (cls.isEmpty() ? "" : " class=\"" + cls + "\"")
        + " x=\""
        + fmt(x)
        + "\" y=\""
        + fmt(y)
        + "\" font-size=\"10\" fill=\"#57606a\" text-anchor=\""
        + anchor
        + "\">"
        + QualityReport.esc(text)
        + "</text>";
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.1f", d);
  }
}
