package io.tributary.pipelines.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.tributary.io.lake.LakePartitions;
import java.io.IOException;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Runs a {@link Backfillable} pipeline once per date partition of a range, skipping partitions that
 * are complete for the same input, and printing progress per partition.
 *
 * <p>A partition is complete when every dataset of the job has {@code dt=<date>/_SUCCESS} with the
 * current input fingerprint. Partitions are replaced atomically by the lake sink and the PostgreSQL
 * sink upserts, so a backfill killed at any point is resumed by running it again: the finished
 * dates are skipped, the interrupted one is rebuilt, nothing is written twice. Leftover temporary
 * directories of a killed run are removed first.
 *
 * <pre>{@code
 * Backfill.Report report = Backfill.run(job, options, LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-03"), false, System.out);
 * }</pre>
 */
public final class Backfill {
  private Backfill() {}

  /** What a backfill did. */
  public static final class Report {
    /** Dates that were built. */
    public final List<String> built = new ArrayList<>();

    /** Dates skipped as complete. */
    public final List<String> skipped = new ArrayList<>();

    /** Whether every run finished DONE with balanced accounting. */
    public boolean ok = true;
  }

  /** Every date from {@code from} to {@code to}, inclusive. */
  public static List<String> dates(LocalDate from, LocalDate to) {
    List<String> dates = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      dates.add(d.toString());
    }
    return dates;
  }

  /** Whether {@code date} is complete in every dataset for {@code fingerprint}. */
  public static boolean complete(
      Backfillable job, PipelineOptions options, String date, String fingerprint) {
    for (String root : job.datasetRoots(options)) {
      Optional<JsonNode> marker = LakePartitions.marker(root, "dt=" + date);
      if (marker.isEmpty()
          || !fingerprint.equals(marker.get().path("input_fingerprint").asText())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Builds the dates of {@code [from, to]} one job each; {@code force} rebuilds complete ones too.
   */
  public static Report run(
      Backfillable job,
      PipelineOptions options,
      LocalDate from,
      LocalDate to,
      boolean force,
      PrintStream out)
      throws IOException {
    Report report = new Report();
    for (String root : job.datasetRoots(options)) {
      int removed = LakePartitions.cleanUp(root);
      if (removed > 0) {
        out.printf(
            "backfill %s: removed %d leftover temporary director%s under %s%n",
            job.name(), removed, removed == 1 ? "y" : "ies", root);
      }
    }
    String fingerprint = job.inputFingerprint(options);
    List<String> dates = dates(from, to);
    out.printf(
        "backfill %s: %d partition(s) %s..%s, input %s%n",
        job.name(), dates.size(), from, to, fingerprint.substring(0, 12));
    int i = 0;
    for (String date : dates) {
      i++;
      if (!force && complete(job, options, date, fingerprint)) {
        out.printf("  [%d/%d] dt=%s skipped: complete, input unchanged%n", i, dates.size(), date);
        report.skipped.add(date);
        continue;
      }
      out.printf("  [%d/%d] dt=%s running...%n", i, dates.size(), date);
      out.flush();
      job.setPartitions(options, List.of(date));
      RunSummary summary = PipelineRun.run(job, options, true);
      boolean ok = "DONE".equals(summary.state()) && summary.accounting().balanced();
      report.ok &= ok;
      report.built.add(date);
      out.printf(
          "  [%d/%d] dt=%s %s in %.1f s%n",
          i,
          dates.size(),
          date,
          ok ? "done" : "FAILED (" + summary.state() + ", " + summary.accounting().line() + ")",
          summary.wallSeconds());
      if (!ok) {
        break;
      }
    }
    out.printf(
        "backfill %s: %d built, %d skipped%s%n",
        job.name(),
        report.built.size(),
        report.skipped.size(),
        report.ok ? "" : ", stopped at a failed partition");
    return report;
  }
}
