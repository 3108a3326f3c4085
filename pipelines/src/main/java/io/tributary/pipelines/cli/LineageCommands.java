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
import java.util.stream.Collectors;

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

  static String usage() {
    return "  lineage <dataset> --events=DIR[,DIR] [--dot=F] [--html=F]\n"
        + "                                              upstream and downstream of a dataset\n"
        + "  catalog --catalog=FILE [--events=DIR[,DIR]] [--registry=DIR]\n"
        + "                                              datasets: owner, schema versions, last run\n";
  }

  static int lineage(List<String> args, PrintStream out) throws Exception {
    if (args.stream().anyMatch(a -> a.equals("--resend") || a.startsWith("--resend="))) {
      return resend(args, out);
    }
    String dataset = null;
    List<Path> events = new ArrayList<>();
    Path dot = null;
    Path html = null;
    for (String arg : args) {
      if (arg.startsWith("--events=")) {
        events = paths(arg.substring("--events=".length()));
      } else if (arg.startsWith("--dot=")) {
        dot = Path.of(arg.substring("--dot=".length()));
      } else if (arg.startsWith("--html=")) {
        html = Path.of(arg.substring("--html=".length()));
      } else if (!arg.startsWith("-") && dataset == null) {
        dataset = arg;
      } else {
        throw new UsageException("lineage: unexpected argument '" + arg + "'");
      }
    }
    if (dataset == null || events.isEmpty()) {
      throw new UsageException(
          "lineage: expected a dataset and --events=DIR (where runs wrote _openlineage.jsonl)");
    }
    LineageGraph graph = LineageGraph.load(events);
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

  /**
   * {@code lineage --resend FILE [--lineage=URL]}: delivers the OpenLineage events a run kept
   * because their destination did not take them; exit 1 while some are still kept.
   */
  static int resend(List<String> args, PrintStream out) throws Exception {
    Path spool = null;
    String destination = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.startsWith("--resend=")) {
        spool = Path.of(arg.substring("--resend=".length()));
      } else if (arg.equals("--resend") && i + 1 < args.size()) {
        spool = Path.of(args.get(++i));
      } else if (arg.startsWith("--lineage=")) {
        destination = arg.substring("--lineage=".length());
        try {
          LineageTransport.parse(destination);
        } catch (IllegalArgumentException e) {
          throw new UsageException(e.getMessage());
        }
      } else {
        throw new UsageException("lineage --resend: unexpected argument '" + arg + "'");
      }
    }
    if (spool == null) {
      throw new UsageException(
          "lineage --resend: expected FILE (a run keeps undelivered events in <output>/"
              + LineageSpool.FILE_NAME
              + ")");
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

  static int catalog(List<String> args, PrintStream out) throws Exception {
    Path catalog = null;
    List<Path> events = new ArrayList<>();
    SchemaRegistry registry = SchemaRegistry.bundled();
    for (String arg : args) {
      if (arg.startsWith("--catalog=")) {
        catalog = Path.of(arg.substring("--catalog=".length()));
      } else if (arg.startsWith("--events=")) {
        events = paths(arg.substring("--events=".length()));
      } else if (arg.startsWith("--registry=")) {
        registry = SchemaRegistry.open(Path.of(arg.substring("--registry=".length())));
      } else {
        throw new UsageException("catalog: unexpected argument '" + arg + "'");
      }
    }
    if (catalog == null) {
      throw new UsageException("catalog: --catalog=FILE is required");
    }
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
