package io.tributary.pipelines.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The lineage graph read back from OpenLineage events ({@code _openlineage.jsonl} files that runs
 * wrote): datasets and jobs as nodes, read and write edges, the last run of each job, and every run
 * with its own inputs and outputs (a dataset's run history, newest first, as Marquez shows it).
 *
 * <pre>{@code
 * LineageGraph g = LineageGraph.load(List.of(Path.of("/tmp/tributary")));
 * String dataset = g.find("aggregates");
 * String tree = g.tree(dataset);
 * String dot = g.around(dataset).dot();
 * }</pre>
 */
public final class LineageGraph {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One run as its events describe it: its job, latest state, and what it read and wrote. */
  public static final class Run {
    final String runId;
    final String job;
    String state;
    String time;
    final Set<String> inputs = new TreeSet<>();
    final Set<String> outputs = new TreeSet<>();

    /** Dataset id to the quality summary this run reported on it. */
    final Map<String, String> quality = new TreeMap<>();

    Run(String runId, String job) {
      this.runId = runId;
      this.job = job;
    }

    /** The OpenLineage run id. */
    public String runId() {
      return runId;
    }

    /** {@code namespace.name} of the run's job. */
    public String job() {
      return job;
    }

    /** The state of the run's latest event: COMPLETE, FAIL, ABORT or START. */
    public String state() {
      return state;
    }

    /** The time of the run's latest event. */
    public String time() {
      return time;
    }

    /** The datasets the run read. */
    public Set<String> inputs() {
      return inputs;
    }

    /** The datasets the run wrote. */
    public Set<String> outputs() {
      return outputs;
    }

    /** The quality summary the run reported on {@code datasetId}, or null if it checked none. */
    public String quality(String datasetId) {
      return quality.get(datasetId);
    }

    String line() {
      return time + " " + state + " " + job + " run " + runId;
    }
  }

  /** Runs listed per dataset by {@link #tree}. */
  static final int HISTORY = 10;

  private final Map<String, Run> runs = new TreeMap<>();
  private final Map<String, Set<String>> jobInputs = new TreeMap<>();
  private final Map<String, Set<String>> jobOutputs = new TreeMap<>();
  private final Set<String> datasets = new TreeSet<>();

  /** Reads every {@code *openlineage*.jsonl} file under the given files or directories. */
  public static LineageGraph load(Collection<Path> roots) throws IOException {
    LineageGraph g = new LineageGraph();
    for (Path root : roots) {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(root)) {
        files =
            walk.filter(
                    p ->
                        Files.isRegularFile(p)
                            && p.getFileName().toString().contains("openlineage")
                            && p.toString().endsWith(".jsonl"))
                .sorted()
                .collect(Collectors.toList());
      }
      for (Path f : files) {
        for (String line : Files.readAllLines(f)) {
          if (!line.isBlank()) {
            g.add(MAPPER.readTree(line));
          }
        }
      }
    }
    return g;
  }

  private void add(JsonNode event) {
    String job = event.at("/job/namespace").asText() + "." + event.at("/job/name").asText();
    Set<String> in = jobInputs.computeIfAbsent(job, k -> new TreeSet<>());
    Set<String> out = jobOutputs.computeIfAbsent(job, k -> new TreeSet<>());
    String eventTime = event.path("eventTime").asText();
    String runId = event.at("/run/runId").asText();
    Run run = runs.computeIfAbsent(runId, k -> new Run(runId, job));
    if (run.time == null || run.time.compareTo(eventTime) <= 0) {
      run.time = eventTime;
      run.state = event.path("eventType").asText();
    }
    for (JsonNode d : event.path("inputs")) {
      in.add(id(d));
      run.inputs.add(id(d));
      datasets.add(id(d));
      JsonNode assertions = d.at("/inputFacets/dataQualityAssertions/assertions");
      if (assertions.isArray()) {
        run.quality.put(id(d), summary(assertions, eventTime));
      }
    }
    for (JsonNode d : event.path("outputs")) {
      out.add(id(d));
      run.outputs.add(id(d));
      datasets.add(id(d));
    }
  }

  private static String summary(JsonNode assertions, String eventTime) {
    long passed = 0;
    List<String> failed = new ArrayList<>();
    for (JsonNode a : assertions) {
      if (a.path("success").asBoolean()) {
        passed++;
      } else {
        failed.add(a.path("assertion").asText());
      }
    }
    return passed
        + "/"
        + assertions.size()
        + " assertions passed"
        + (failed.isEmpty() ? "" : ", failed: " + String.join("; ", failed))
        + " (run "
        + eventTime
        + ")";
  }

  /** The runs that read or wrote any of {@code datasetIds}, newest first. */
  public List<Run> runsOf(Collection<String> datasetIds) {
    return runs.values().stream()
        .filter(
            r -> datasetIds.stream().anyMatch(d -> r.inputs.contains(d) || r.outputs.contains(d)))
        .sorted(
            java.util.Comparator.comparing((Run r) -> r.time)
                .thenComparing(r -> r.runId)
                .reversed())
        .collect(Collectors.toList());
  }

  /**
   * What the catalog says of a dataset's quality: the newest run that read or wrote it decides. If
   * that run checked it, its result; if not, say so, and name the newest run that did check.
   */
  public String newestQuality(Collection<String> datasetIds) {
    List<Run> newest = runsOf(datasetIds);
    if (newest.isEmpty()) {
      return "-";
    }
    Run latest = newest.get(0);
    String own = qualityIn(latest, datasetIds);
    if (own != null) {
      return own;
    }
    for (Run r : newest) {
      String checked = qualityIn(r, datasetIds);
      if (checked != null) {
        return "not checked by the newest run (" + latest.line() + "); last checked: " + checked;
      }
    }
    return "not checked by any run";
  }

  /** What {@code run} said of the quality of the first of {@code datasetIds} it checked. */
  private static @Nullable String qualityIn(Run run, Collection<String> datasetIds) {
    for (String d : datasetIds) {
      if (run.quality(d) != null) {
        return run.quality(d);
      }
    }
    return null;
  }

  /**
   * The part of the graph connected to {@code dataset}: its upstream and downstream jobs and
   * datasets (transitively) and their runs, for a picture of one dataset instead of the store.
   */
  public LineageGraph around(String dataset) {
    Set<String> keep = new TreeSet<>();
    Set<String> keepJobs = new TreeSet<>();
    Visitor collect =
        new Visitor() {
          @Override
          public void job(String job, int depth) {
            keepJobs.add(job);
          }

          @Override
          public void dataset(String d, int depth) {}
        };
    traverse(dataset, true, 0, keep, collect);
    keep.remove(dataset);
    traverse(dataset, false, 0, keep, collect);
    LineageGraph g = new LineageGraph();
    g.datasets.addAll(keep);
    for (String job : keepJobs) {
      g.jobInputs.put(job, new TreeSet<>(jobInputs.getOrDefault(job, Set.of())));
      g.jobOutputs.put(job, new TreeSet<>(jobOutputs.getOrDefault(job, Set.of())));
      g.datasets.addAll(g.jobInputs.get(job));
      g.datasets.addAll(g.jobOutputs.get(job));
    }
    for (Run r : runs.values()) {
      if (keepJobs.contains(r.job)) {
        g.runs.put(r.runId, r);
      }
    }
    return g;
  }

  /**
   * What a traversal of the graph meets: a job linked to a dataset, then each dataset beyond it.
   */
  private interface Visitor {
    void job(String job, int depth);

    void dataset(String dataset, int depth);
  }

  /**
   * Walks from {@code dataset} upstream ({@code up}: the jobs that wrote it, then their inputs) or
   * downstream, depth first, each dataset once.
   */
  private void traverse(String dataset, boolean up, int depth, Set<String> seen, Visitor visitor) {
    if (!seen.add(dataset)) {
      return;
    }
    Map<String, Set<String>> via = up ? jobOutputs : jobInputs;
    Map<String, Set<String>> next = up ? jobInputs : jobOutputs;
    for (Map.Entry<String, Set<String>> e : via.entrySet()) {
      if (e.getValue().contains(dataset)) {
        visitor.job(e.getKey(), depth);
        for (String d : next.getOrDefault(e.getKey(), Set.of())) {
          visitor.dataset(d, depth);
          traverse(d, up, depth + 1, seen, visitor);
        }
      }
    }
  }

  private static String id(JsonNode dataset) {
    return dataset.path("namespace").asText() + ":" + dataset.path("name").asText();
  }

  /**
   * The quality status of a dataset from the latest {@code dataQualityAssertions} facet that a run
   * reported on it, e.g. {@code 3/4 assertions passed, failed: uniqueness(event_id) == 1 (run
   * ...)}; null when no run checked it.
   */
  public @Nullable String qualityStatus(String datasetId) {
    for (Run r : runsOf(Set.of(datasetId))) {
      String q = qualityIn(r, Set.of(datasetId));
      if (q != null) {
        return q;
      }
    }
    return null;
  }

  /** Every dataset id ({@code namespace:name}). */
  public Set<String> datasets() {
    return datasets;
  }

  /** The latest run of each job. */
  public Map<String, Run> lastRuns() {
    Map<String, Run> last = new TreeMap<>();
    for (Run r : runs.values()) {
      last.merge(r.job, r, (a, b) -> a.time.compareTo(b.time) >= 0 ? a : b);
    }
    return last;
  }

  /** The dataset whose id equals {@code query}, or the only one containing it. */
  public String find(String query) throws UsageException {
    if (datasets.contains(query)) {
      return query;
    }
    List<String> matches =
        datasets.stream().filter(d -> d.contains(query)).collect(Collectors.toList());
    if (matches.size() == 1) {
      return matches.get(0);
    }
    throw new UsageException(
        "lineage: "
            + (matches.isEmpty()
                ? "no dataset matches '" + query + "'"
                : "'"
                    + query
                    + "' matches "
                    + matches.size()
                    + " datasets; give more of the name: "
                    + matches));
  }

  /**
   * Upstream and downstream of {@code dataset} as an indented tree, then the runs that read or
   * wrote it, newest first (at most ten).
   */
  public String tree(String dataset) {
    StringBuilder b = new StringBuilder(dataset).append('\n');
    Map<String, Run> last = lastRuns();
    for (boolean up : new boolean[] {true, false}) {
      b.append(up ? "  upstream:\n" : "  downstream:\n");
      String arrow = up ? "<- " : "-> ";
      traverse(
          dataset,
          up,
          0,
          new LinkedHashSet<>(),
          new Visitor() {
            @Override
            public void job(String job, int depth) {
              Run run = last.get(job);
              b.append(indent(depth))
                  .append(arrow)
                  .append("job ")
                  .append(job)
                  .append(run == null ? "" : " (last run " + run.state + " " + run.time + ")")
                  .append('\n');
            }

            @Override
            public void dataset(String d, int depth) {
              b.append(indent(depth)).append("   ").append(arrow).append(d).append('\n');
            }
          });
    }
    List<Run> history = runsOf(Set.of(dataset));
    b.append("  runs (newest first):\n");
    if (history.isEmpty()) {
      b.append("    -\n");
    }
    for (Run r : history.subList(0, Math.min(HISTORY, history.size()))) {
      b.append("    ")
          .append(r.line())
          .append(r.outputs.contains(dataset) ? " wrote it" : " read it")
          .append('\n');
    }
    if (history.size() > HISTORY) {
      b.append("    ... ").append(history.size() - HISTORY).append(" older runs\n");
    }
    return b.toString();
  }

  private static String indent(int depth) {
    return "    " + "      ".repeat(depth);
  }

  /** The whole graph in Graphviz DOT. */
  public String dot() {
    StringBuilder b =
        new StringBuilder("digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for (String d : datasets) {
      b.append("  \"").append(esc(d)).append("\" [shape=box];\n");
    }
    for (String job : jobInputs.keySet()) {
      b.append("  \"job:")
          .append(esc(job))
          .append("\" [shape=ellipse, style=filled, fillcolor=\"#dbeafe\", label=\"")
          .append(esc(job))
          .append("\"];\n");
      for (String d : jobInputs.get(job)) {
        b.append("  \"").append(esc(d)).append("\" -> \"job:").append(esc(job)).append("\";\n");
      }
      for (String d : jobOutputs.getOrDefault(job, Set.of())) {
        b.append("  \"job:").append(esc(job)).append("\" -> \"").append(esc(d)).append("\";\n");
      }
    }
    return b.append("}\n").toString();
  }

  /** A graph of the given run events (JSON), e.g. the events of one run. */
  public static LineageGraph ofEvents(List<String> events) throws IOException {
    LineageGraph g = new LineageGraph();
    for (String e : events) {
      g.add(MAPPER.readTree(e));
    }
    return g;
  }

  /**
   * A self-contained HTML page with the graph as inline SVG: inputs left, jobs middle, outputs
   * right.
   */
  public String html() {
    return "<!doctype html><html><head><meta charset=\"utf-8\"><title>Tributary lineage</title>"
        + "<style>body{font-family:Helvetica,Arial,sans-serif;margin:20px;color:#111}</style></head><body>"
        + "<h1>Lineage</h1><p>"
        + datasets.size()
        + " datasets, "
        + jobInputs.size()
        + " jobs. Inputs left, jobs middle, outputs right.</p>"
        + svg()
        + "</body></html>\n";
  }

  /**
   * The graph as one inline SVG element: inputs left, jobs with their last run state middle,
   * outputs right.
   */
  public String svg() {
    Set<String> produced = new TreeSet<>();
    jobOutputs.values().forEach(produced::addAll);
    List<String> sources =
        datasets.stream().filter(d -> !produced.contains(d)).collect(Collectors.toList());
    List<String> jobs = new ArrayList<>(jobInputs.keySet());
    List<String> sinks = new ArrayList<>(produced);
    int rowH = 44;
    int height = 40 + rowH * Math.max(sources.size(), Math.max(jobs.size(), sinks.size()));
    Map<String, int[]> pos = new TreeMap<>();
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1240\" height=\"")
        .append(height)
        .append("\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"12\">");
    placeColumn(sources, 10, rowH, pos);
    placeColumn(jobs, 470, rowH, pos);
    placeColumn(sinks, 780, rowH, pos);
    for (String job : jobs) {
      for (String d : jobInputs.get(job)) {
        edge(svg, pos.get(d), 420, pos.get(job), 0);
      }
      for (String d : jobOutputs.getOrDefault(job, Set.of())) {
        edge(svg, pos.get(job), 260, pos.get(d), 0);
      }
    }
    for (String d : sources) {
      box(svg, pos.get(d), 420, d, "#f3f4f6");
    }
    for (String job : jobs) {
      Run run = lastRuns().get(job);
      box(svg, pos.get(job), 260, job + (run == null ? "" : "  [" + run.state + "]"), "#dbeafe");
    }
    for (String d : sinks) {
      box(svg, pos.get(d), 450, d, "#ecfdf5");
    }
    svg.append("</svg>");
    return svg.toString();
  }

  private static void placeColumn(List<String> nodes, int x, int rowH, Map<String, int[]> pos) {
    for (int i = 0; i < nodes.size(); i++) {
      pos.put(nodes.get(i), new int[] {x, 20 + i * rowH});
    }
  }

  private static void edge(StringBuilder svg, int[] from, int fromWidth, int[] to, int unused) {
    if (from == null || to == null) {
      return;
    }
    svg.append(
        String.format(
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#6b7280\" stroke-width=\"1.5\"/>",
            from[0] + fromWidth, from[1] + 14, to[0], to[1] + 14));
  }

  private static void box(StringBuilder svg, int[] p, int width, String label, String fill) {
    String text =
        label.length() > width / 7 ? "…" + label.substring(label.length() - width / 7 + 1) : label;
    svg.append(
        String.format(
            "<g><title>%s</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"28\" rx=\"6\" fill=\"%s\" stroke=\"#9ca3af\"/>"
                + "<text x=\"%d\" y=\"%d\">%s</text></g>",
            xml(label), p[0], p[1], width, fill, p[0] + 8, p[1] + 18, xml(text)));
  }

  private static String esc(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private static String xml(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
