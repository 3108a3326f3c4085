package io.tributary.pipelines.spec;

import io.tributary.pipelines.options.StateOptions;
import io.tributary.pipelines.spec.Nodes.Errors;
import io.tributary.transforms.expr.ExpressionException;
import io.tributary.transforms.spec.StepConfigException;
import io.tributary.transforms.spec.StepContext;
import io.tributary.transforms.spec.StepKind;
import io.tributary.transforms.spec.StepProvider;
import io.tributary.transforms.stages.RecordStage;
import io.tributary.transforms.stages.RecordStages;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.schemas.NoSuchSchemaException;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransform;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionRowTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Builds a {@link Spec} into a Beam {@link Pipeline}: each step's provider is found in the {@link
 * StepCatalog}, its configuration converted to a row of the provider's schema, and its transform
 * applied, named after the step, to the outputs of the steps it reads. Every mistake found (an
 * unknown type, a bad key, a field the input schema lacks, an output nobody reads) is collected
 * with its position, and all are thrown together as a {@link SpecException}, so {@code tributary
 * check} reports them at once without running anything.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.create(options);
 * BadRecordErrorHandler<?> deadLetters = p.registerBadRecordErrorHandler(DeadLetterFiles.to(dir));
 * SpecBuilder.Built built = SpecBuilder.build(p, spec, StepCatalog.load(), vars, deadLetters);
 * deadLetters.close();
 * }</pre>
 */
public final class SpecBuilder {
  /** The Java call an expression error went through ({@code FilterRows.where: }). */
  private static final Pattern JAVA_CONTEXT =
      Pattern.compile("^[A-Z][A-Za-z]*(?:\\.[a-z][A-Za-z]*)?: (?:field '[^']*': )?");

  /** What a build made: every step's outputs, by step name. */
  public static final class Built {
    private final Map<String, PCollectionRowTuple> outputs;
    private final Map<String, Schema> fusedSchemas;
    private final List<String> warnings;

    Built(
        Map<String, PCollectionRowTuple> outputs,
        Map<String, Schema> fusedSchemas,
        List<String> warnings) {
      this.outputs = outputs;
      this.fusedSchemas = fusedSchemas;
      this.warnings = warnings;
    }

    /** The outputs of {@code step}, by output name. */
    public PCollectionRowTuple outputs(String step) {
      return outputs.get(step);
    }

    /** The schema of every step output that has one, by {@code step.output}, in build order. */
    public Map<String, Schema> schemas() {
      Map<String, Schema> out = new LinkedHashMap<>();
      outputs.forEach(
          (step, tuple) ->
              tuple
                  .getAll()
                  .forEach(
                      (tag, pc) -> {
                        Schema fused = fusedSchemas.get(step + "." + tag);
                        if (fused != null) {
                          out.put(step + "." + tag, fused);
                        } else if (pc.hasSchema()) {
                          out.put(step + "." + tag, pc.getSchema());
                        }
                      }));
      return out;
    }

    /** Things that run but may not be what was meant (an output nobody reads). */
    public List<String> warnings() {
      return warnings;
    }
  }

  private final Spec spec;
  private final StepCatalog catalog;
  private final Variables variables;
  private final @Nullable ErrorHandler<BadRecord, ?> deadLetters;
  private final Errors errors;
  private final Map<String, PCollectionRowTuple> outputs = new LinkedHashMap<>();
  private final Set<String> failed = new HashSet<>();
  private final List<String> warnings = new ArrayList<>();
  private final int stateBuckets;
  private final int routerBuckets;

  /** A step to the step after it that it is built with as one step ({@link #fusions}). */
  private final Map<String, SpecStep> fusions = new HashMap<>();

  /**
   * Steps whose record stage runs in the step after it ({@link StepProvider#isRecordStage}): the
   * first steps of the links of a chain of record stages, a subset of {@link #fusions}' keys.
   */
  private final Set<String> recordLinks = new HashSet<>();

  /**
   * A chain of record stages built so far (with the source it runs in, if any), by the name of the
   * step it waits for.
   */
  private final Map<String, Chain> chains = new HashMap<>();

  /**
   * The schema of each step's output as an unfused build has it (the scratch build of {@link
   * #build}), for the steps of a fused step that have no Beam collection of their own.
   */
  private Map<String, Schema> unfusedSchemas = Map.of();

  /**
   * The schema of each fused step's output that is not a Beam collection of its own (a source or a
   * step inside a chain of record stages), by {@code step.output}: what {@link Built#schemas}
   * reports.
   */
  private final Map<String, Schema> fusedSchemas = new LinkedHashMap<>();

  /** The source a chain runs in: the source step, built up to its configuration and context. */
  private record Source(
      String name, StepProvider provider, Row configuration, StepContext context) {}

  private record Chain(
      List<String> names,
      List<RecordStage> stages,
      StepContext context,
      PCollectionRowTuple input,
      @Nullable Source source) {}

  private SpecBuilder(
      Spec spec,
      StepCatalog catalog,
      Variables variables,
      @Nullable ErrorHandler<BadRecord, ?> deadLetters,
      int stateBuckets,
      int routerBuckets) {
    this.spec = spec;
    this.catalog = catalog;
    this.variables = variables;
    this.deadLetters = deadLetters;
    this.errors = new Errors(spec.file());
    this.stateBuckets = stateBuckets;
    this.routerBuckets = routerBuckets;
  }

  /**
   * Adds {@code spec}'s steps to {@code pipeline}; bad records of every step go to {@code
   * deadLetters} (null: they fail the run). Throws {@link SpecException} with every error found.
   */
  public static Built build(
      Pipeline pipeline,
      Spec spec,
      StepCatalog catalog,
      Variables variables,
      @Nullable ErrorHandler<BadRecord, ?> deadLetters) {
    return build(pipeline, spec, catalog, variables, deadLetters, Set.of());
  }

  /**
   * As {@link #build(Pipeline, Spec, StepCatalog, Variables, ErrorHandler)}; the steps named in
   * {@code keepApart} keep outputs of their own (a spec test reads them), so none of them is fused
   * into the step after it.
   *
   * <p>With a dead-letter handler, steps are built as one Beam step where their providers can, when
   * each reads the main output of the one before it, nothing else reads that, and none has an
   * {@code error_handling} output: a run of consecutive record stages ({@link
   * StepProvider#isRecordStage}: {@code Validate}, {@code MapToFields}, {@code Filter}, {@code
   * Protect}, {@code EventTime}) as one {@link RecordStages} step named after the first; after a
   * source that {@link StepProvider#fusesWith} it, inside the source's own step ({@link
   * StepProvider#fusedWith}), the whole run ({@code ReadFiles}, {@code ReadKafka}). Rows, dead
   * letters, stage names and counts are those of the steps one after another; every step of a fused
   * step reports its output as its own ({@link Built#schemas} still gives each step's own schema,
   * from the unfused build). Mistakes are found and reported exactly as without fusion: the spec is
   * first built unfused on a scratch pipeline.
   */
  public static Built build(
      Pipeline pipeline,
      Spec spec,
      StepCatalog catalog,
      Variables variables,
      @Nullable ErrorHandler<BadRecord, ?> deadLetters,
      Set<String> keepApart) {
    // The run's spread of keyed state (--stateBuckets, --routerBuckets), checked before any step:
    // a bad value is the command line's mistake, not a step's.
    SpecBuilder b =
        new SpecBuilder(
            spec,
            catalog,
            variables,
            deadLetters,
            StateOptions.stateBuckets(pipeline.getOptions()),
            StateOptions.routerBuckets(pipeline.getOptions()));
    if (deadLetters != null) {
      b.fusions.putAll(b.fusions(keepApart));
      if (!b.fusions.isEmpty()) {
        // Errors as an unfused build reports them (positions, field hints), before fusing.
        b.unfusedSchemas =
            build(Pipeline.create(pipeline.getOptions()), spec, catalog, variables, null).schemas();
      }
    }
    b.buildAll(pipeline);
    b.errors.throwIfAny();
    return new Built(b.outputs, b.fusedSchemas, b.warnings);
  }

  /**
   * Runs each step's {@link StepProvider#checkBeforeRun} on its configuration (variables
   * substituted): what a run needs from outside the job, such as a Kafka broker that answers and a
   * topic that exists. For the start of a run only; {@code check}, {@code graph} and {@code test}
   * never call it. Throws {@link SpecException} at the key that failed.
   */
  public static void checkBeforeRun(Spec spec, StepCatalog catalog, Variables variables) {
    SpecBuilder b = new SpecBuilder(spec, catalog, variables, null, 1, 1);
    for (SpecStep step : spec.steps()) {
      if (!(catalog.find(step.type()) instanceof StepProvider provider)) {
        continue;
      }
      String what = step.type() + " '" + step.name() + "'";
      ConfigRows config = new ConfigRows(b.errors, variables);
      Row row =
          config.toRow(
              provider.configurationSchema(), step.config(), step.node(), "the config of " + what);
      if (row == null) {
        continue;
      }
      try {
        provider.checkBeforeRun(row);
      } catch (StepConfigException e) {
        b.reportConfig(step, what, config, null, e);
      }
    }
    b.errors.throwIfAny();
  }

  /**
   * The steps to build into the step after them (first step's name to the second step), where the
   * second reads only the first's main output, nothing else reads the first, and neither has its
   * own error output: links between record stages (also noted in {@link #recordLinks}) and a
   * source's link to the step it {@link StepProvider#fusesWith}.
   */
  private Map<String, SpecStep> fusions(Set<String> keepApart) {
    Map<String, Integer> readers = new HashMap<>();
    for (SpecStep s : spec.steps()) {
      for (List<SpecStep.Input> refs : s.inputs().values()) {
        for (SpecStep.Input in : refs) {
          readers.merge(in.step(), 1, Integer::sum);
        }
      }
    }
    Map<String, SpecStep> out = new HashMap<>();
    for (SpecStep second : spec.steps()) {
      if (second.inputs().size() != 1 || second.errorOutput() != null) {
        continue;
      }
      List<SpecStep.Input> refs = second.inputs().values().iterator().next();
      if (refs.size() != 1
          || !StepProvider.INPUT.equals(second.inputs().keySet().iterator().next())) {
        continue;
      }
      SpecStep.Input ref = refs.get(0);
      SpecStep first = spec.step(ref.step());
      if (first == null
          || keepApart.contains(first.name())
          || first.errorOutput() != null
          || !StepProvider.OUTPUT.equals(ref.output())
          || readers.getOrDefault(first.name(), 0) != 1) {
        continue;
      }
      if (catalog.find(first.type()) instanceof StepProvider a
          && catalog.find(second.type()) instanceof StepProvider b) {
        if (a.isRecordStage() && b.isRecordStage()) {
          out.put(first.name(), second);
          recordLinks.add(first.name());
        } else if (a.fusesWith(b)) {
          out.put(first.name(), second);
        }
      }
    }
    return out;
  }

  private void buildAll(Pipeline pipeline) {
    List<SpecStep> order = order();
    for (SpecStep step : order) {
      buildStep(pipeline, step);
    }
    checkConsumed();
  }

  /** The steps in an order where each comes after the steps it reads; cycles are errors. */
  private List<SpecStep> order() {
    List<SpecStep> out = new ArrayList<>();
    Map<String, Integer> state = new HashMap<>();
    for (SpecStep s : spec.steps()) {
      visit(s, state, out, new ArrayList<>());
    }
    return out;
  }

  private void visit(
      SpecStep s, Map<String, Integer> state, List<SpecStep> out, List<String> path) {
    Integer st = state.get(s.name());
    if (st != null && st == 2) {
      return;
    }
    if (st != null && st == 1) {
      int from = path.indexOf(s.name());
      List<String> cycle = new ArrayList<>(path.subList(Math.max(0, from), path.size()));
      cycle.add(s.name());
      errors.at(s.node(), "the steps form a cycle: " + String.join(" -> ", cycle));
      failed.add(s.name());
      return;
    }
    state.put(s.name(), 1);
    path.add(s.name());
    for (List<SpecStep.Input> refs : s.inputs().values()) {
      for (SpecStep.Input in : refs) {
        SpecStep dep = spec.step(in.step());
        if (dep != null) {
          visit(dep, state, out, path);
        }
      }
    }
    path.remove(path.size() - 1);
    state.put(s.name(), 2);
    out.add(s);
  }

  private void buildStep(Pipeline pipeline, SpecStep step) {
    if (failed.contains(step.name())) {
      return;
    }
    SchemaTransformProvider provider = catalog.find(step.type());
    if (provider == null) {
      errors.at(
          step.typeNode(),
          "unknown step type '"
              + step.type()
              + "'"
              + Suggest.didYouMean(step.type(), catalog.shortTypes(), false)
              + " (tributary check --types lists them)");
      failed.add(step.name());
      return;
    }
    String what = step.type() + " '" + step.name() + "'";
    // Inputs.
    boolean source =
        provider instanceof StepProvider sp
            ? sp.kind() == StepKind.SOURCE
            : provider.inputCollectionNames().isEmpty();
    if (source && !step.inputs().isEmpty()) {
      Node at =
          step.inputs().values().iterator().next().isEmpty()
              ? step.node()
              : step.inputs().values().iterator().next().get(0).node();
      errors.at(at, what + " is a source and reads no input");
      failed.add(step.name());
      return;
    }
    if (!source && step.inputs().isEmpty()) {
      errors.at(
          step.node(),
          what
              + " needs an input: add 'input: <step>' (or put it after its source in a 'type:"
              + " chain' pipeline)");
      failed.add(step.name());
      return;
    }
    PCollectionRowTuple input = PCollectionRowTuple.empty(pipeline);
    // A step that joins a chain (of record stages, maybe inside a source) reads the chain's input,
    // through the fused transform.
    Chain chain = chains.remove(step.name());
    for (Map.Entry<String, List<SpecStep.Input>> e :
        chain != null
            ? Map.<String, List<SpecStep.Input>>of().entrySet()
            : step.inputs().entrySet()) {
      String tag = e.getKey();
      List<String> accepted = provider.inputCollectionNames();
      if (!accepted.isEmpty() && !accepted.contains(tag)) {
        errors.at(
            e.getValue().isEmpty() ? step.node() : e.getValue().get(0).node(),
            what + " has no input named '" + tag + "'; its inputs are " + accepted);
        failed.add(step.name());
        return;
      }
      List<PCollection<Row>> parts = new ArrayList<>();
      for (SpecStep.Input ref : e.getValue()) {
        PCollection<Row> pc = resolve(ref);
        if (pc == null) {
          failed.add(step.name());
          return;
        }
        parts.add(pc);
      }
      PCollection<Row> in;
      if (parts.size() == 1) {
        in = parts.get(0);
      } else {
        Schema first = parts.get(0).getSchema();
        for (int i = 1; i < parts.size(); i++) {
          if (!parts.get(i).getSchema().assignableTo(first)) {
            errors.at(
                e.getValue().get(i).node(),
                "input: "
                    + e.getValue().get(i)
                    + " has another schema than "
                    + e.getValue().get(0)
                    + "; only rows of one schema can be read together");
            failed.add(step.name());
            return;
          }
        }
        in =
            PCollectionList.of(parts)
                .apply(step.name() + "/Inputs", Flatten.pCollections())
                .setRowSchema(first);
      }
      input = input.and(tag, in);
    }
    // Configuration.
    ConfigRows config = new ConfigRows(errors, variables);
    Row row =
        config.toRow(
            provider.configurationSchema(), step.config(), step.node(), "the config of " + what);
    if (row == null) {
      failed.add(step.name());
      return;
    }
    // Build and apply.
    BadRecordErrorHandler<PCollection<BadRecord>> ownErrors = null;
    try {
      SchemaTransform transform;
      if (provider instanceof StepProvider sp) {
        StepContext ctx =
            StepContext.of(step.name())
                .withVariables(variables.values())
                .withStateBuckets(stateBuckets)
                .withRouterBuckets(routerBuckets);
        if (step.errorOutput() != null) {
          ownErrors = pipeline.registerBadRecordErrorHandler(new Collect());
          ctx = ctx.withErrorHandler(ownErrors);
        } else if (chain != null) {
          // Fused stages share one handler.
          ctx = ctx.withErrorHandler(chain.context().errorHandler());
        } else if (deadLetters != null) {
          ctx = ctx.withErrorHandler(new GlobalWindowErrors(deadLetters, step.name()));
        }
        if (chain != null || recordLinks.contains(step.name())) {
          buildChained(step, sp, row, ctx, chain, input);
          return;
        }
        if (fusions.containsKey(step.name())) {
          // A source that runs the step after it (and maybe the run after that) in its own step.
          chains.put(
              fusions.get(step.name()).name(),
              new Chain(List.of(), List.of(), ctx, input, new Source(step.name(), sp, row, ctx)));
          return;
        }
        transform = sp.from(row, ctx);
      } else {
        transform = provider.from(row);
      }
      PCollectionRowTuple out = input.apply(step.name(), transform);
      if (ownErrors != null) {
        ownErrors.close();
        PCollection<BadRecord> bad = ownErrors.getOutput();
        if (bad == null) {
          bad =
              pipeline.apply(
                  step.name() + "/NoErrors", Create.empty(TypeDescriptor.of(BadRecord.class)));
        }
        out = out.and(step.errorOutput(), toRows(step.name(), bad));
      }
      outputs.put(step.name(), out);
    } catch (StepConfigException e) {
      reportConfig(step, what, config, input, e);
      failed.add(step.name());
    } catch (RuntimeException e) {
      reportOther(step, what, config, input, e);
      failed.add(step.name());
    }
  }

  /**
   * A step of a chain of record stages: its stage joins the chain ({@code chain}, or a new one that
   * starts here), which waits for the next step, or, at the chain's last step, runs as one {@link
   * RecordStages} step on the first step's input, named after the first step.
   */
  private void buildChained(
      SpecStep step,
      StepProvider provider,
      Row configuration,
      StepContext context,
      @Nullable Chain chain,
      PCollectionRowTuple input) {
    RecordStage stage = provider.recordStage(configuration, context);
    if (stage == null) {
      throw new IllegalStateException(
          provider.typeName() + " says it is a record stage but built none");
    }
    List<String> names = new ArrayList<>(chain == null ? List.of() : chain.names());
    List<RecordStage> stages = new ArrayList<>(chain == null ? List.of() : chain.stages());
    names.add(step.name());
    stages.add(stage);
    Chain grown =
        new Chain(
            names,
            stages,
            chain == null ? context : chain.context(),
            chain == null ? input : chain.input(),
            chain == null ? null : chain.source());
    if (recordLinks.contains(step.name())) {
      chains.put(fusions.get(step.name()).name(), grown);
      return;
    }
    RecordStages fused = RecordStages.of(stages);
    Source source = grown.source();
    PCollection<Row> out;
    List<String> inside = new ArrayList<>(names);
    if (source != null) {
      inside.add(0, source.name());
      SchemaTransform both =
          source.provider().fusedWith(source.configuration(), source.context(), fused);
      if (both != null) {
        out = grown.input().apply(source.name(), both).get(StepProvider.OUTPUT);
      } else {
        // Not fusable after all: the source alone, then the stages on its output.
        PCollectionRowTuple sourceOut =
            grown
                .input()
                .apply(
                    source.name(),
                    source.provider().from(source.configuration(), source.context()));
        outputs.put(source.name(), sourceOut);
        inside.remove(0);
        out = sourceOut.get(StepProvider.OUTPUT).apply(names.get(0), fused);
      }
    } else {
      out = grown.input().get(StepProvider.INPUT).apply(names.get(0), fused);
    }
    // Every step of the fused step reports its output; each but the last has no collection of its
    // own, so its schema is the unfused build's.
    for (int i = 0; i < inside.size(); i++) {
      String key = inside.get(i) + "." + StepProvider.OUTPUT;
      outputs.put(inside.get(i), PCollectionRowTuple.of(StepProvider.OUTPUT, out));
      if (i < inside.size() - 1 && unfusedSchemas.containsKey(key)) {
        fusedSchemas.put(key, unfusedSchemas.get(key));
      }
    }
  }

  /**
   * A provider refused a key's value: at the value, or inside it when the provider names a column
   * (an expression's), counting the opening quote of a quoted value.
   */
  private void reportConfig(
      SpecStep step,
      String what,
      ConfigRows config,
      @Nullable PCollectionRowTuple input,
      StepConfigException e) {
    Node at = config.positions.get(e.key());
    ExpressionException expression = causeOf(e, ExpressionException.class);
    String message;
    if (expression != null) {
      // The expression's problem without the Java call it came through and without its column:
      // the position says where.
      message = e.key() + ": " + JAVA_CONTEXT.matcher(expression.problem()).replaceFirst("");
    } else {
      message = oneLine(e.getMessage());
    }
    if (at == null) {
      errors.at(step.config() == null ? step.node() : step.config(), what + ": " + message);
      return;
    }
    int offset = 0;
    if (e.valueColumn() > 0
        && at instanceof ScalarNode s
        && (expression == null || expression.line() == 1)
        && (s.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN || quoted(s))) {
      offset = e.valueColumn() - 1 + (quoted(s) ? 1 : 0);
    }
    errors.at(at, offset, what + ": " + withFieldHint(message, at, input));
  }

  /**
   * Any other failure of a step's build (a library's own argument check): at the first value of the
   * config that the message quotes, else at the config; a field the input lacks gets its hint.
   */
  private void reportOther(
      SpecStep step,
      String what,
      ConfigRows config,
      PCollectionRowTuple input,
      RuntimeException e) {
    String message = oneLine(rootMessage(e));
    Map.Entry<String, Node> quotedValue = null;
    for (Map.Entry<String, Node> p : config.positions.entrySet()) {
      String v = p.getValue() instanceof ScalarNode sn ? sn.getValue() : null;
      if (v != null && !v.isEmpty() && message.contains("'" + v + "'")) {
        quotedValue = p;
        break;
      }
    }
    if (quotedValue == null) {
      errors.at(step.config() == null ? step.typeNode() : step.config(), what + ": " + message);
      return;
    }
    String value = ((ScalarNode) quotedValue.getValue()).getValue();
    Schema schema = inputSchema(input);
    String first = value.contains(".") ? value.substring(0, value.indexOf('.')) : value;
    if (schema != null && message.contains("not in the schema") && !schema.hasField(first)) {
      message =
          quotedValue.getKey()
              + ": the input has no field '"
              + first
              + "'"
              + Suggest.didYouMean(first, schema.getFieldNames(), false)
              + "; its fields are "
              + schema.getFieldNames();
    }
    errors.at(quotedValue.getValue(), what + ": " + message);
  }

  /** {@code message} with a "did you mean" after a quoted field name the input does not have. */
  private static String withFieldHint(
      String message, Node at, @Nullable PCollectionRowTuple input) {
    Schema schema = inputSchema(input);
    if (schema == null
        || !(at instanceof ScalarNode s)
        || message.contains("did you mean")
        || !message.contains("no field '" + s.getValue() + "'")
        || schema.hasField(s.getValue())) {
      return message;
    }
    String hint = Suggest.didYouMean(s.getValue(), schema.getFieldNames(), false);
    String quotedValue = "'" + s.getValue() + "'";
    int i = message.indexOf(quotedValue) + quotedValue.length();
    return message.substring(0, i) + hint + message.substring(i);
  }

  private static @Nullable Schema inputSchema(@Nullable PCollectionRowTuple input) {
    if (input == null || !input.has(StepProvider.INPUT)) {
      return null;
    }
    PCollection<Row> in = input.get(StepProvider.INPUT);
    return in.hasSchema() ? in.getSchema() : null;
  }

  private static boolean quoted(ScalarNode s) {
    return s.getScalarStyle() == DumperOptions.ScalarStyle.DOUBLE_QUOTED
        || s.getScalarStyle() == DumperOptions.ScalarStyle.SINGLE_QUOTED;
  }

  private static <T extends Throwable> @Nullable T causeOf(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  private @Nullable PCollection<Row> resolve(SpecStep.Input ref) {
    if (failed.contains(ref.step())) {
      return null;
    }
    PCollectionRowTuple out = outputs.get(ref.step());
    if (out == null) {
      return null;
    }
    if (!out.has(ref.output())) {
      Set<String> names = new TreeSet<>(out.getAll().keySet());
      errors.at(
          ref.node(),
          "input: step '"
              + ref.step()
              + "' has no output '"
              + ref.output()
              + "'"
              + (names.isEmpty()
                  ? " (it is a sink)"
                  : Suggest.didYouMean(ref.output(), names, false) + "; its outputs are " + names));
      return null;
    }
    return out.get(ref.output());
  }

  /** Every error output must be read; a main output nobody reads loses its rows. */
  private void checkConsumed() {
    Set<String> read = new HashSet<>();
    for (SpecStep s : spec.steps()) {
      for (List<SpecStep.Input> refs : s.inputs().values()) {
        for (SpecStep.Input in : refs) {
          read.add(in.step() + "." + in.output());
        }
      }
    }
    for (SpecStep s : spec.steps()) {
      PCollectionRowTuple out = outputs.get(s.name());
      if (out == null) {
        continue;
      }
      for (String tag : out.getAll().keySet()) {
        if (read.contains(s.name() + "." + tag)) {
          continue;
        }
        if (tag.equals(s.errorOutput())) {
          errors.at(
              s.errorOutputNode() == null ? s.node() : s.errorOutputNode(),
              "error output '"
                  + s.name()
                  + "."
                  + tag
                  + "' is not read by any step; write it with a sink (or remove"
                  + " error_handling to send errors to the run's dead letters)");
        } else if (tag.equals(StepProvider.OUTPUT) && !isReadView(s, tag, read)) {
          errors.at(
              s.node(),
              "the output of '"
                  + s.name()
                  + "' is not read by any step; its rows would be lost: write it with a sink");
        } else {
          warnings.add(
              spec.file()
                  + ":"
                  + s.line()
                  + ": output '"
                  + s.name()
                  + "."
                  + tag
                  + "' is not read by any step (its rows are counted, not written)");
        }
      }
    }
  }

  /** Whether {@code tag} of step {@code s} is a view of another of its outputs that is read. */
  private boolean isReadView(SpecStep s, String tag, Set<String> read) {
    SchemaTransformProvider provider = catalog.find(s.type());
    if (!(provider instanceof StepProvider sp)) {
      return false;
    }
    String source = sp.outputViews().get(tag);
    return source != null && read.contains(s.name() + "." + source);
  }

  private static PCollection<Row> toRows(String step, PCollection<BadRecord> bad) {
    Schema schema;
    SerializableFunction<BadRecord, Row> toRow;
    try {
      schema = bad.getPipeline().getSchemaRegistry().getSchema(BadRecord.class);
      toRow = bad.getPipeline().getSchemaRegistry().getToRowFunction(BadRecord.class);
    } catch (NoSuchSchemaException e) {
      throw new IllegalStateException("BadRecord has no schema", e);
    }
    return bad.apply(
            step + "/ErrorsToRows", MapElements.into(TypeDescriptor.of(Row.class)).via(toRow))
        .setRowSchema(schema);
  }

  /** The sink of a step's own error handler: its bad records, as they are. */
  private static final class Collect
      extends PTransform<PCollection<BadRecord>, PCollection<BadRecord>> {
    @Override
    public PCollection<BadRecord> expand(PCollection<BadRecord> input) {
      return input;
    }
  }

  static String oneLine(@Nullable String message) {
    if (message == null) {
      return "failed";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getMessage() == null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
