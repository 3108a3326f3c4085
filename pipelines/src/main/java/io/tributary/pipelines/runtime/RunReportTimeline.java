package io.tributary.pipelines.runtime;

import io.tributary.transforms.metrics.StageAccounting;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The run report's stage timeline: one bar per stage from the first record it took in to the last
 * it let go ({@link StageAccounting#active()}), against the run's wall clock, as inline SVG.
 *
 * <p>The axis runs from the earlier of the run's start and the first stage activity to the later of
 * its end and the last activity (a cluster's clocks may differ a little from this JVM's), in
 * seconds since the run started. A stage that counted no record gets the words "no records".
 *
 * <pre>{@code
 * String svg = RunReportTimeline.svg(summary);  // summary.accounting().stages() with spans
 * }</pre>
 */
final class RunReportTimeline {
  private static final int WIDTH = 570;
  private static final int LABEL = 96;
  private static final int RIGHT = 180;
  private static final int ROW = 22;
  private static final int TOP = 28;
  private static final int BOTTOM = 34;

  private RunReportTimeline() {}

  /** The timeline of {@code s}'s stages; empty when the run has no stages. */
  static String svg(RunSummary s) {
    List<StageAccounting> stages = s.accounting().stages();
    if (stages.isEmpty()) {
      return "";
    }
    long start = s.started().toEpochMilli();
    long end = Math.max(start, s.finished().toEpochMilli());
    long lo = start;
    long hi = end;
    for (StageAccounting st : stages) {
      if (st.active() != null) {
        lo = Math.min(lo, st.active().first());
        hi = Math.max(hi, st.active().last());
      }
    }
    if (hi == lo) {
      hi = lo + 1; // a run shorter than a millisecond still gets an axis
    }
    int plotWidth = WIDTH - LABEL - RIGHT;
    int height = TOP + ROW * stages.size() + BOTTOM;
    StringBuilder b = new StringBuilder();
    b.append("<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(height)
        .append(
            "\" role=\"img\" aria-label=\"stage timeline\" font-family=\"Helvetica,Arial,sans-serif\">");
    // The run's own wall clock, start to finish, behind the bars.
    b.append("<rect class=\"run\" x=\"")
        .append(fmt(x(start, lo, hi, plotWidth)))
        .append("\" y=\"")
        .append(TOP - 6)
        .append("\" width=\"")
        .append(fmt(x(end, lo, hi, plotWidth) - x(start, lo, hi, plotWidth)))
        .append("\" height=\"")
        .append(ROW * stages.size() + 6)
        .append("\" fill=\"#f3f4f6\"><title>run wall clock: ")
        .append(seconds(end - start))
        .append("</title></rect>");
    b.append("<text x=\"")
        .append(LABEL)
        .append("\" y=\"14\" font-size=\"11\" fill=\"#4b5563\">")
        .append("seconds since the run started (grey: the run, ")
        .append(seconds(end - start))
        .append(")</text>");
    for (long tick : ticks(lo - start, hi - start)) {
      double tx = x(start + tick, lo, hi, plotWidth);
      b.append("<line x1=\"")
          .append(fmt(tx))
          .append("\" x2=\"")
          .append(fmt(tx))
          .append("\" y1=\"")
          .append(TOP - 6)
          .append("\" y2=\"")
          .append(TOP + ROW * stages.size() + 4)
          .append("\" stroke=\"#d1d5db\" stroke-width=\"1\"/>");
      b.append("<text class=\"tick\" x=\"")
          .append(fmt(tx))
          .append("\" y=\"")
          .append(TOP + ROW * stages.size() + 18)
          .append("\" font-size=\"11\" fill=\"#4b5563\" text-anchor=\"middle\">")
          .append(tickLabel(tick))
          .append("</text>");
    }
    int row = 0;
    for (StageAccounting st : stages) {
      int y = TOP + row * ROW;
      b.append("<text x=\"")
          .append(LABEL - 8)
          .append("\" y=\"")
          .append(y + 14)
          .append("\" font-size=\"12\" text-anchor=\"end\">")
          .append(RunReport.x(st.name()))
          .append("</text>");
      StageAccounting.ActiveSpan a = st.active();
      if (a == null) {
        b.append("<text class=\"none\" x=\"")
            .append(LABEL + 4)
            .append("\" y=\"")
            .append(y + 14)
            .append("\" font-size=\"11\" fill=\"#6b7280\" font-style=\"italic\">no records</text>");
      } else {
        double x1 = x(a.first(), lo, hi, plotWidth);
        double x2 = x(a.last(), lo, hi, plotWidth);
        // At least 2 px so a stage active for one millisecond is still visible; the label and the
        // tooltip carry the exact numbers.
        double w = Math.max(2, x2 - x1);
        String text =
            seconds(a.first() - start)
                + " to "
                + seconds(a.last() - start)
                + " ("
                + seconds(a.millis())
                + " active)";
        b.append("<rect class=\"bar\" data-stage=\"")
            .append(RunReport.x(st.name()))
            .append("\" x=\"")
            .append(fmt(x1))
            .append("\" y=\"")
            .append(y + 3)
            .append("\" width=\"")
            .append(fmt(w))
            .append("\" height=\"")
            .append(ROW - 6)
            .append("\" rx=\"2\" fill=\"")
            .append(st.role().name().equals("STEP") ? "#2563eb" : "#059669")
            .append("\"><title>")
            .append(RunReport.x(st.name()))
            .append(": ")
            .append(text)
            .append("</title></rect>");
        // The numbers in a column of their own right of the plot, row by row.
        b.append("<text x=\"")
            .append(LABEL + plotWidth + 8)
            .append("\" y=\"")
            .append(y + 14)
            .append("\" font-size=\"11\" fill=\"#374151\">")
            .append(text)
            .append("</text>");
      }
      row++;
    }
    return b.append("</svg>").toString();
  }

  private static double x(long t, long lo, long hi, int plotWidth) {
    return LABEL + (t - lo) * (double) plotWidth / (hi - lo);
  }

  /** Tick offsets (ms since the run started) at a 1-2-5 step, about six over {@code [lo, hi]}. */
  static List<Long> ticks(long lo, long hi) {
    long span = Math.max(1, hi - lo);
    long step = 1;
    for (long m = 1; ; m *= 10) {
      if (span / m <= 6) {
        step = m;
        break;
      }
      if (span / (2 * m) <= 6) {
        step = 2 * m;
        break;
      }
      if (span / (5 * m) <= 6) {
        step = 5 * m;
        break;
      }
    }
    List<Long> ticks = new ArrayList<>();
    for (long t = Math.floorDiv(lo + step - 1, step) * step; t <= hi; t += step) {
      ticks.add(t);
    }
    return ticks;
  }

  private static String tickLabel(long ms) {
    if (ms % 1000 == 0) {
      return (ms / 1000) + " s";
    }
    return ms % 100 == 0 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0) : ms + " ms";
  }

  static String seconds(long ms) {
    return ms < 1000 && ms > -1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.1f", d);
  }
}
