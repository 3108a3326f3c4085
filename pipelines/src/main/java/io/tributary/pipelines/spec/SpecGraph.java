package io.tributary.pipelines.spec;

import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The steps of a built spec as a graph, drawn for people: Graphviz DOT ({@link #toDot()}) and a
 * self-contained HTML page with an inline SVG ({@link #toHtml()}: no scripts, no external
 * stylesheet or font, so it opens offline and can be embedded in a run report). Nodes are the steps
 * (name and type; shape or colour by kind: source, transform, sink); edges are the inputs, labelled
 * with the output read when it is not {@code output} and with the number of fields of its schema.
 *
 * <p>The HTML layout is computed here, not by a layout engine: a step's column is the length of the
 * longest path from a source to it, steps of one column are stacked in spec order. Hovering a box
 * shows the step's config and output schemas (SVG {@code <title>}); the same details are listed
 * below the drawing.
 *
 * <pre>{@code
 * SpecBuilder.Built built = SpecBuilder.build(pipeline, spec, catalog, vars, null);
 * SpecGraph graph = SpecGraph.of(spec, catalog, built);
 * Files.writeString(Path.of("clickstream.html"), graph.toHtml());
 * System.out.println(graph.toDot());
 * }</pre>
 */
public final class SpecGraph {
  /** One step: its name, type, kind, config (as flow YAML) and output schemas. */
  public static final class Step {
    private final String name;
    private final String type;
    private final StepKind kind;
    private final String config;
    private final Map<String, Schema> outputs;

    Step(String name, String type, StepKind kind, String config, Map<String, Schema> outputs) {
      this.name = name;
      this.type = type;
      this.kind = kind;
      this.config = config;
      this.outputs = outputs;
    }

    /** The step's name. */
    public String name() {
      return name;
    }

    /** Its type as written. */
    public String type() {
      return type;
    }

    /** Source, transform or sink. */
    public StepKind kind() {
      return kind;
    }

    /** Its config as one line of flow YAML ({@code {key: value, ...}}), or empty. */
    public String config() {
      return config;
    }

    /** The schema of each output, by output name. */
    public Map<String, Schema> outputs() {
      return outputs;
    }
  }

  /** One input: {@code from.output} read by {@code to}, with the field count of its schema. */
  public static final class Edge {
    private final String from;
    private final String output;
    private final String to;
    private final int fields;

    Edge(String from, String output, String to, int fields) {
      this.from = from;
      this.output = output;
      this.to = to;
      this.fields = fields;
    }

    /** The step read. */
    public String from() {
      return from;
    }

    /** The output read. */
    public String output() {
      return output;
    }

    /** The step reading. */
    public String to() {
      return to;
    }

    /** Fields of the output's schema (-1 when it has none). */
    public int fields() {
      return fields;
    }

    /** {@code too_late, 12 fields}: the output when not the main one, and the field count. */
    public String label() {
      List<String> parts = new ArrayList<>();
      if (!StepProvider.OUTPUT.equals(output)) {
        parts.add(output);
      }
      if (fields >= 0) {
        parts.add(fields + (fields == 1 ? " field" : " fields"));
      }
      return String.join(", ", parts);
    }
  }

  private final String name;
  private final List<Step> steps;
  private final List<Edge> edges;

  private SpecGraph(String name, List<Step> steps, List<Edge> edges) {
    this.name = name;
    this.steps = steps;
    this.edges = edges;
  }

  /** The graph of {@code spec} as {@code built} with the providers of {@code catalog}. */
  public static SpecGraph of(Spec spec, StepCatalog catalog, SpecBuilder.Built built) {
    Map<String, Schema> schemas = built.schemas();
    List<Step> steps = new ArrayList<>();
    List<Edge> edges = new ArrayList<>();
    for (SpecStep s : spec.steps()) {
      Map<String, Schema> outs = new LinkedHashMap<>();
      String prefix = s.name() + ".";
      schemas.forEach(
          (key, schema) -> {
            if (key.startsWith(prefix)) {
              outs.put(key.substring(prefix.length()), schema);
            }
          });
      steps.add(new Step(s.name(), s.type(), kindOf(s, catalog.find(s.type())), flow(s), outs));
      for (List<SpecStep.Input> refs : s.inputs().values()) {
        for (SpecStep.Input in : refs) {
          Schema schema = schemas.get(in.step() + "." + in.output());
          edges.add(
              new Edge(
                  in.step(), in.output(), s.name(), schema == null ? -1 : schema.getFieldCount()));
        }
      }
    }
    return new SpecGraph(spec.name(), List.copyOf(steps), List.copyOf(edges));
  }

  private static StepKind kindOf(SpecStep s, @Nullable SchemaTransformProvider provider) {
    if (provider instanceof StepProvider sp) {
      return sp.kind();
    }
    if (s.inputs().isEmpty()) {
      return StepKind.SOURCE;
    }
    return provider != null && provider.outputCollectionNames().isEmpty()
        ? StepKind.SINK
        : StepKind.TRANSFORM;
  }

  /** The spec's name. */
  public String name() {
    return name;
  }

  /** The steps, in spec order. */
  public List<Step> steps() {
    return steps;
  }

  /** The inputs, in spec order of the reading step. */
  public List<Edge> edges() {
    return edges;
  }

  /**
   * The graph in Graphviz DOT: left to right, sources as {@code invhouse}, transforms as rounded
   * {@code box}es, sinks as {@code house}.
   */
  public String toDot() {
    StringBuilder b = new StringBuilder();
    b.append("digraph ").append(dotId(name)).append(" {\n");
    b.append("  rankdir=LR;\n");
    b.append("  node [fontname=\"Helvetica\", fontsize=11];\n");
    b.append("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (Step s : steps) {
      b.append("  ")
          .append(dotId(s.name()))
          .append(" [label=")
          .append(dotId(s.name() + "\n" + s.type()))
          .append(", shape=")
          .append(dotShape(s.kind()))
          .append("];\n");
    }
    for (Edge e : edges) {
      b.append("  ").append(dotId(e.from())).append(" -> ").append(dotId(e.to()));
      String label = e.label();
      if (!label.isEmpty()) {
        b.append(" [label=").append(dotId(label)).append(']');
      }
      b.append(";\n");
    }
    b.append("}\n");
    return b.toString();
  }

  private static String dotShape(StepKind kind) {
    switch (kind) {
      case SOURCE:
        return "invhouse";
      case SINK:
        return "house";
      default:
        return "box, style=rounded";
    }
  }

  private static String dotId(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  // Layout of the HTML drawing, in SVG user units.
  private static final int BOX_W = 170;
  private static final int BOX_H = 46;
  private static final int COL_GAP = 90;
  private static final int ROW_GAP = 34;
  private static final int MARGIN = 20;
  private static final int LEGEND_H = 40;

  /** The column of each step: the longest path from a source to it. */
  Map<String, Integer> layers() {
    Map<String, List<String>> feeders = new HashMap<>();
    for (Edge e : edges) {
      feeders.computeIfAbsent(e.to(), k -> new ArrayList<>()).add(e.from());
    }
    Map<String, Integer> layer = new LinkedHashMap<>();
    for (Step s : steps) {
      layer(s.name(), feeders, layer, 0);
    }
    return layer;
  }

  private static int layer(
      String step, Map<String, List<String>> feeders, Map<String, Integer> layer, int depth) {
    Integer known = layer.get(step);
    if (known != null) {
      return known;
    }
    int l = 0;
    // A built spec has no cycles; the depth bound only keeps a broken graph from recursing forever.
    if (depth <= feeders.size()) {
      for (String f : feeders.getOrDefault(step, List.of())) {
        l = Math.max(l, layer(f, feeders, layer, depth + 1) + 1);
      }
    }
    layer.put(step, l);
    return l;
  }

  /** A self-contained HTML page: the drawing (inline SVG), a legend and each step's details. */
  public String toHtml() {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    b.append("<title>").append(esc(name)).append(" — spec graph</title>\n");
    b.append("<style>\n")
        .append("body{font-family:sans-serif;margin:24px;color:#222}\n")
        .append("svg text{font-family:sans-serif}\n")
        .append(".step rect{stroke:#444;stroke-width:1}\n")
        .append(".step:hover rect{stroke:#000;stroke-width:2.5}\n")
        .append(".source rect{fill:#dbeafe}.transform rect{fill:#f3f4f6}.sink rect{fill:#dcfce7}\n")
        .append(".edge{stroke:#666;stroke-width:1.3;fill:none}\n")
        .append(".label{font-size:10px;fill:#555}\n")
        .append("table{border-collapse:collapse;margin-top:16px}\n")
        .append("td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left;")
        .append("font-size:13px}\n")
        .append("code{font-size:12px;white-space:pre-wrap}\n")
        .append("</style>\n</head>\n<body>\n");
    b.append("<h1>").append(esc(name)).append("</h1>\n");
    b.append("<div style=\"overflow-x:auto\">\n").append(svg()).append("</div>\n");
    b.append("<table>\n<tr><th>step</th><th>type</th><th>kind</th><th>config</th>")
        .append("<th>output schemas</th></tr>\n");
    for (Step s : steps) {
      b.append("<tr id=\"step-")
          .append(esc(s.name()))
          .append("\"><td>")
          .append(esc(s.name()))
          .append("</td><td>")
          .append(esc(s.type()))
          .append("</td><td>")
          .append(kindName(s.kind()))
          .append("</td><td><code>")
          .append(esc(s.config()))
          .append("</code></td><td><code>")
          .append(esc(schemasText(s)))
          .append("</code></td></tr>\n");
    }
    b.append("</table>\n</body>\n</html>\n");
    return b.toString();
  }

  // No xmlns: an SVG inline in HTML needs none, and the page then names no URL at all.
  /** The graph as inline SVG (no scripts, no external references), for pages of our own. */
  public String svg() {
    Map<String, Integer> layer = layers();
    Map<Integer, Integer> rowsUsed = new HashMap<>();
    Map<String, int[]> pos = new LinkedHashMap<>();
    int maxLayer = 0;
    int maxRows = 0;
    for (Step s : steps) {
      int l = layer.get(s.name());
      int row = rowsUsed.merge(l, 1, Integer::sum) - 1;
      pos.put(
          s.name(),
          new int[] {MARGIN + l * (BOX_W + COL_GAP), MARGIN + LEGEND_H + row * (BOX_H + ROW_GAP)});
      maxLayer = Math.max(maxLayer, l);
      maxRows = Math.max(maxRows, row + 1);
    }
    int width = 2 * MARGIN + (maxLayer + 1) * BOX_W + maxLayer * COL_GAP;
    int height = 2 * MARGIN + LEGEND_H + maxRows * BOX_H + (maxRows - 1) * ROW_GAP;
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d"
                + " %d\" role=\"img\" aria-label=\"%s\">\n",
            width,
            height,
            width,
            height,
            esc("steps of " + name)));
    b.append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\"")
        .append(" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">")
        .append("<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#666\"/></marker></defs>\n");
    legend(b);
    for (Edge e : edges) {
      int[] from = pos.get(e.from());
      int[] to = pos.get(e.to());
      if (from == null || to == null) {
        continue;
      }
      int x1 = from[0] + BOX_W;
      int y1 = from[1] + BOX_H / 2;
      int x2 = to[0];
      int y2 = to[1] + BOX_H / 2;
      int mx = (x1 + x2) / 2;
      b.append(
          String.format(
              Locale.ROOT,
              "<path class=\"edge\" d=\"M%d,%d C%d,%d %d,%d %d,%d\" marker-end=\"url(#arrow)\">"
                  + "<title>%s</title></path>\n",
              x1,
              y1,
              mx,
              y1,
              mx,
              y2,
              x2,
              y2,
              esc(e.from() + "." + e.output() + " -> " + e.to())));
      String label = e.label();
      if (!label.isEmpty()) {
        b.append(
            String.format(
                Locale.ROOT,
                "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                mx,
                (y1 + y2) / 2 - 4,
                esc(label)));
      }
    }
    for (Step s : steps) {
      int[] p = pos.get(s.name());
      b.append("<g class=\"step ")
          .append(kindName(s.kind()))
          .append("\"><title>")
          .append(esc(tooltip(s)))
          .append("</title>");
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"%d\"/>",
              p[0],
              p[1],
              BOX_W,
              BOX_H,
              s.kind() == StepKind.TRANSFORM ? 8 : 2));
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\""
                  + " font-weight=\"bold\">%s</text>",
              p[0] + BOX_W / 2,
              p[1] + 19,
              esc(s.name())));
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">"
                  + "%s</text>",
              p[0] + BOX_W / 2,
              p[1] + 36,
              esc(s.type())));
      b.append("</g>\n");
    }
    b.append("</svg>\n");
    return b.toString();
  }

  private static void legend(StringBuilder b) {
    String[][] items = {{"source", "#dbeafe"}, {"transform", "#f3f4f6"}, {"sink", "#dcfce7"}};
    int x = MARGIN;
    for (String[] item : items) {
      b.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"12\" fill=\"%s\" stroke=\"#444\"/>"
                  + "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n",
              x,
              MARGIN - 6,
              item[1],
              x + 22,
              MARGIN + 5,
              item[0]));
      x += 110;
    }
    b.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#555\">edge: output (when not the"
                + " main one), fields of its schema; hover a step for its config and"
                + " schemas</text>\n",
            x,
            MARGIN + 5));
  }

  private static String kindName(StepKind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  private static String tooltip(Step s) {
    StringBuilder t = new StringBuilder();
    t.append(s.name()).append(" (").append(s.type()).append(", ").append(kindName(s.kind()));
    t.append(")\nconfig: ").append(s.config().isEmpty() ? "(none)" : s.config());
    if (!s.outputs().isEmpty()) {
      t.append('\n').append(schemasText(s));
    }
    return t.toString();
  }

  private static String schemasText(Step s) {
    List<String> lines = new ArrayList<>();
    s.outputs().forEach((out, schema) -> lines.add(out + ": " + describe(schema)));
    return String.join("\n", lines);
  }

  /** {@code {event_id string, price decimal?, ...}}: a schema on one line. */
  public static String describe(Schema schema) {
    List<String> fields = new ArrayList<>();
    for (Schema.Field f : schema.getFields()) {
      fields.add(f.getName() + " " + typeName(f.getType()));
    }
    return "{" + String.join(", ", fields) + "}";
  }

  private static String typeName(Schema.FieldType t) {
    String n;
    switch (t.getTypeName()) {
      case ARRAY:
      case ITERABLE:
        n = "array<" + typeName(t.getCollectionElementType()) + ">";
        break;
      case MAP:
        n = "map<" + typeName(t.getMapKeyType()) + ", " + typeName(t.getMapValueType()) + ">";
        break;
      case ROW:
        n = describe(t.getRowSchema());
        break;
      case LOGICAL_TYPE:
        n = t.getLogicalType().getIdentifier();
        break;
      default:
        n = t.getTypeName().name().toLowerCase(Locale.ROOT);
    }
    return n + (t.getNullable() ? "?" : "");
  }

  private static String flow(SpecStep s) {
    MappingNode config = s.config();
    return config == null ? "" : flow(config);
  }

  /** A YAML node as one line of flow YAML, scalars as written. */
  static String flow(Node node) {
    if (node instanceof MappingNode m) {
      List<String> parts = new ArrayList<>();
      for (NodeTuple t : m.getValue()) {
        parts.add(flow(t.getKeyNode()) + ": " + flow(t.getValueNode()));
      }
      return "{" + String.join(", ", parts) + "}";
    }
    if (node instanceof SequenceNode q) {
      List<String> parts = new ArrayList<>();
      for (Node n : q.getValue()) {
        parts.add(flow(n));
      }
      return "[" + String.join(", ", parts) + "]";
    }
    return node instanceof ScalarNode sc ? sc.getValue() : "";
  }

  private static String esc(String text) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<':
          b.append("&lt;");
          break;
        case '>':
          b.append("&gt;");
          break;
        case '&':
          b.append("&amp;");
          break;
        case '"':
          b.append("&quot;");
          break;
        case '\'':
          b.append("&#39;");
          break;
        default:
          b.append(c);
      }
    }
    return b.toString();
  }
}
