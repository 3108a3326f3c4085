package io.tributary.pipelines.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.pipelines.runtime.LineageGraph;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.lineage.LineageSpool;
import io.tributary.transforms.lineage.LineageTransport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tributary lineage <dataset>} and {@code tributary catalog}: what the runs' OpenLineage
 * events say about where data comes from and goes, and the business metadata of each dataset.
 *
 * <pre>{@code
 * tributary lineage aggregates --events=/tmp/tributary --dot=/tmp/lineage.dot --html=/tmp/lineage.html
 * tributary catalog --catalog=runners-config/catalog.json --events=/tmp/tributary
 * }</pre>
 */
final class LineageCommands {
  private LineageCommands() {}

  @Command(
      name = "lineage",
      description =
          "Show the upstream and downstream of a dataset from the runs' OpenLineage events;"
              + " --resend delivers events a run kept.")
  static final class Lineage implements Callable<Integer> {
    @Mixin HelpOption help;

    @Parameters(
        arity = "0..1",
        paramLabel = "<dataset>",
        description = "a dataset name or part of one, e.g. aggregates")
    String dataset;

    @Option(
        names = "--events",
        paramLabel = "DIR[,DIR]",
        description = "where runs wrote _openlineage.jsonl")
    String events;

    @Option(names = "--dot", paramLabel = "FILE", description = "also write the graph as DOT")
    Path dot;

    @Option(names = "--html", paramLabel = "FILE", description = "also write the graph as a page")
    Path html;

    @Option(
        names = "--resend",
        paramLabel = "FILE",
        description =
            "deliver the events a run kept in FILE (<output>/" + LineageSpool.FILE_NAME + ")")
    Path resend;

    @Option(
        names = "--lineage",
        paramLabel = "URL",
        description = "with --resend: where to deliver (default: where the run sent them)")
    String destination;

    private final Io io;

    Lineage(Io io) {
      this.io = io;
    }

    @Override
    public Integer call() throws Exception {
      if (resend != null) {
        if (dataset != null || events != null || dot != null || html != null) {
          throw new UsageException(
              "lineage --resend: unexpected argument; --resend takes only FILE and --lineage=URL");
        }
        return resend(resend, destination, io.out());
      }
      if (destination != null) {
        throw new UsageException("lineage: --lineage applies to --resend only");
      }
      List<Path> dirs = events == null ? List.of() : paths(events);
      if (dataset == null || dirs.isEmpty()) {
        throw new UsageException(
            "lineage: expected a dataset and --events=DIR (where runs wrote _openlineage.jsonl)");
      }
      PrintStream out = io.out();
      LineageGraph graph = LineageGraph.load(dirs);
      String id = graph.find(dataset);
      out.print(graph.tree(id));
      LineageGraph around = graph.around(id);
      if (dot != null) {
        Files.writeString(dot, around.dot());
        out.println("graph: " + dot);
      }
      if (html != null) {
        Files.writeString(html, around.html());
        out.println("page: " + html);
      }
      return 0;
    }
  }

  /**
   * {@code lineage --resend FILE [--lineage=URL]}: delivers the OpenLineage events a run kept
   * because their destination did not take them; exit 1 while some are still kept.
   */
  static int resend(Path spool, @Nullable String destination, PrintStream out) throws Exception {
    if (destination != null) {
      try {
        LineageTransport.parse(destination);
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
    }
    if (!Files.isRegularFile(spool)) {
      throw new UsageException(
          "lineage --resend: no file '" + spool + "' (nothing kept, or already resent)");
    }
    LineageSpool.Resent r;
    try {
      r = LineageSpool.resend(spool, destination);
    } catch (IllegalArgumentException e) {
      throw new UsageException("lineage --resend: " + e.getMessage());
    }
    if (r.kept() == 0) {
      out.println(
          "lineage: resent " + r.delivered() + " event(s); none kept (" + spool + " removed)");
      return 0;
    }
    out.println(
        "lineage: resent "
            + r.delivered()
            + " event(s); "
            + r.kept()
            + " still kept in "
            + spool
            + " (last error: "
            + r.lastError()
            + ")");
    return 1;
  }

  @Command(
      name = "catalog",
      description = "List datasets with owner, description, PII fields, schema versions, last run.")
  static final class Catalog implements Callable<Integer> {
    @Mixin HelpOption help;

    @Option(
        names = "--catalog",
        paramLabel = "FILE",
        required = true,
        description = "the catalog: {\"datasets\": [{\"name\", \"owner\", ...}]}")
    Path catalog;

    @Option(
        names = "--events",
        paramLabel = "DIR[,DIR]",
        description = "where runs wrote _openlineage.jsonl: adds each dataset's last run")
    String events;

    @Option(
        names = "--registry",
        paramLabel = "DIR",
        description = "the schema registry (default: the one bundled in the jar)")
    Path registry;

    private final Io io;

    Catalog(Io io) {
      this.io = io;
    }

    @Override
    public Integer call() throws Exception {
      return catalog(
          catalog,
          events == null ? List.of() : paths(events),
          registry == null ? SchemaRegistry.bundled() : SchemaRegistry.open(registry),
          io.out());
    }
  }

  private static int catalog(
      Path catalog, List<Path> events, SchemaRegistry registry, PrintStream out) throws Exception {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(catalog));
    } catch (IOException e) {
      throw new UsageException("--catalog: cannot read '" + catalog + "' as JSON");
    }
    if (!root.path("datasets").isArray()) {
      throw new UsageException(
          "--catalog: expected {\"datasets\": [{\"name\", \"owner\", \"description\", ...}]}");
    }
    LineageGraph graph = events.isEmpty() ? null : LineageGraph.load(events);
    for (JsonNode d : root.path("datasets")) {
      String name = d.path("name").asText();
      out.println(name);
      out.println("  owner:       " + d.path("owner").asText("-"));
      out.println("  description: " + d.path("description").asText("-"));
      List<String> tags = new ArrayList<>();
      d.path("tags").forEach(t -> tags.add(t.asText()));
      List<String> pii = new ArrayList<>();
      d.path("pii").forEach(t -> pii.add(t.asText()));
      out.println("  tags:        " + (tags.isEmpty() ? "-" : String.join(", ", tags)));
      out.println("  pii fields:  " + (pii.isEmpty() ? "-" : String.join(", ", pii)));
      String subject = d.path("schema").asText("");
      if (!subject.isEmpty()) {
        if (!registry.subjects().contains(subject)) {
          throw new UsageException(
              "--catalog: dataset '"
                  + name
                  + "' names schema subject '"
                  + subject
                  + "', not in the registry "
                  + registry.subjects());
        }
        out.println(
            "  schema:      "
                + subject
                + " versions "
                + registry.versions(subject).stream()
                    .map(v -> "v" + v.version() + " (id " + v.id() + ")")
                    .collect(Collectors.joining(", ")));
      }
      String match = d.path("match").asText(name);
      if (graph != null) {
        List<String> ids =
            graph.datasets().stream().filter(id -> id.contains(match)).collect(Collectors.toList());
        // The newest run that read or wrote the dataset speaks for it, by event time.
        List<LineageGraph.Run> newest = graph.runsOf(ids);
        out.println(
            "  last run:    "
                + (newest.isEmpty()
                    ? "-"
                    : newest.get(0).job()
                        + " "
                        + newest.get(0).state()
                        + " "
                        + newest.get(0).time()));
        out.println("  quality:     " + graph.newestQuality(ids));
      }
    }
    return 0;
  }

  private static List<Path> paths(String csv) throws UsageException {
    List<Path> out = new ArrayList<>();
    for (String p : csv.split(",", -1)) {
      if (!p.isBlank()) {
        Path path = Path.of(p.trim());
        if (!Files.exists(path)) {
          throw new UsageException("--events: '" + p + "' does not exist");
        }
        out.add(path);
      }
    }
    return out;
  }
}
