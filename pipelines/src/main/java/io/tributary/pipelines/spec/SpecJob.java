package io.tributary.pipelines.spec;

import io.tributary.io.deadletter.DeadLetterFiles;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.pipelines.runtime.IoChecks;
import io.tributary.pipelines.runtime.PipelineDefinition;
import io.tributary.pipelines.runtime.UsageException;
import io.tributary.transforms.lineage.LineageDataset;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.PrivacyPolicy;
import io.tributary.transforms.privacy.ProtectionSpec;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A spec as a runnable job: {@code tributary run spec.yaml} parses it, checks it by building it
 * once without running, and then runs it like every Tributary job (run summary with the per-stage
 * accounting, dead letters under {@code <output>/dead-letter/} with the step as stage, lineage, run
 * report, cost and progress lines).
 *
 * <pre>{@code
 * SpecJob job = SpecJob.load(Path.of("pipelines/specs/clickstream.yaml"), List.of("--set",
 *     "window.spec=fixed 30m"));
 * PipelineOptions options = ...; // job.beamArguments() parsed as job.optionsClass()
 * RunSummary summary = PipelineRun.run(job, options);
 * }</pre>
 */
public final class SpecJob implements PipelineDefinition {
  /** Options the command line itself reads before the pipeline options are parsed. */
  private static final Set<String> COMMAND_LINE_OPTIONS = Set.of("profile", "from-savepoint");

  private final Spec spec;
  private final StepCatalog catalog;
  private final Map<String, String> variables;
  private final List<String> beamArguments;

  private SpecJob(
      Spec spec, StepCatalog catalog, Map<String, String> variables, List<String> beamArguments) {
    this.spec = spec;
    this.catalog = catalog;
    this.variables = variables;
    this.beamArguments = beamArguments;
  }

  /**
   * Reads {@code file} and splits {@code args}: {@code --set step.key=value} overrides a config
   * value, {@code --name=value} for a name under the spec's {@code options:} that is no pipeline
   * option sets a variable; the rest are pipeline options ({@link #beamArguments()}), with the
   * spec's option values as defaults.
   */
  public static SpecJob load(Path file, List<String> args) throws IOException, UsageException {
    Spec spec = SpecParser.parse(file);
    Set<String> pipelineOptions = pipelineOptionNames();
    Map<String, String> vars = new LinkedHashMap<>(spec.options());
    List<String> beam = new ArrayList<>();
    List<String> sets = new ArrayList<>();
    Set<String> given = new TreeSet<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--set")) {
        if (i + 1 >= args.size()) {
          throw new UsageException("--set: expected step.key=value after it");
        }
        sets.add(args.get(++i));
      } else if (a.startsWith("--set=")) {
        sets.add(a.substring("--set=".length()));
      } else if (a.startsWith("--") && a.contains("=")) {
        String name = a.substring(2, a.indexOf('='));
        String value = a.substring(a.indexOf('=') + 1);
        given.add(name);
        if (spec.options().containsKey(name) && !pipelineOptions.contains(name)) {
          vars.put(name, value);
        } else if (!pipelineOptions.contains(name) && !COMMAND_LINE_OPTIONS.contains(name)) {
          java.util.Set<String> known = new TreeSet<>(spec.options().keySet());
          known.add("output");
          throw new UsageException(
              "--"
                  + name
                  + ": neither a pipeline option nor a variable of "
                  + file
                  + Suggest.didYouMean(name, known, false)
                  + "; declare a variable under options: in the spec");
        } else {
          beam.add(a);
          if (pipelineOptions.contains(name)) {
            vars.put(name, value);
          }
        }
      } else {
        beam.add(a);
      }
    }
    List<String> defaults = new ArrayList<>();
    spec.options()
        .forEach(
            (name, value) -> {
              if (pipelineOptions.contains(name) && !given.contains(name) && value != null) {
                defaults.add("--" + name + "=" + value);
              }
            });
    defaults.addAll(beam);
    SpecOverrides.apply(spec, sets);
    return new SpecJob(spec, StepCatalog.load(), vars, defaults);
  }

  /** A job of an already parsed spec, with {@code variables} and no arguments. */
  public static SpecJob of(Spec spec, StepCatalog catalog, Map<String, String> variables) {
    return new SpecJob(spec, catalog, new LinkedHashMap<>(variables), List.of());
  }

  /** The spec. */
  public Spec spec() {
    return spec;
  }

  /** The pipeline options of the command line, after the spec's defaults. */
  public List<String> beamArguments() {
    return beamArguments;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public String summary() {
    return spec.description() == null ? "declared in " + spec.file() : spec.description();
  }

  @Override
  public Class<? extends PipelineOptions> optionsClass() {
    return SpecOptions.class;
  }

  /** The run variables of {@code options}: the spec's options, overridden by the command line. */
  public Variables variables(PipelineOptions options) {
    Map<String, String> vars = new LinkedHashMap<>(variables);
    vars.put("output", options.as(SpecOptions.class).getOutput());
    vars.put("job_name", options.getJobName());
    return Variables.of(vars);
  }

  /** Checks the spec by building it into a pipeline that never runs. */
  @Override
  public void validate(PipelineOptions options) throws UsageException {
    try {
      protection();
      Pipeline p = Pipeline.create(options);
      build(p, options);
      SpecBuilder.checkBeforeRun(spec, catalog, variables(options));
    } catch (SpecException e) {
      throw new UsageException(e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    IoChecks.requireWritableDirectory("--output", outputDirectory(options));
  }

  @Override
  public String outputDirectory(PipelineOptions options) {
    return options.as(SpecOptions.class).getOutput();
  }

  @Override
  public String input(PipelineOptions options) {
    List<String> paths = new ArrayList<>();
    sourceDatasets(options).values().forEach(d -> paths.add(d.name()));
    return paths.isEmpty() ? spec.file() : String.join(",", paths);
  }

  @Override
  public List<LineageDataset> lineageInputs(PipelineOptions options) {
    List<LineageDataset> out = new ArrayList<>(sourceDatasets(options).values());
    return out.isEmpty() ? List.of(LineageDataset.file(spec.file())) : out;
  }

  /**
   * The sinks' datasets with the schema they receive and their column lineage, derived from the
   * spec (which source fields each written field comes from, and how), plus the dead letters.
   */
  @Override
  public List<LineageDataset> lineageOutputs(PipelineOptions options) {
    List<LineageDataset> out = new ArrayList<>();
    SpecBuilder.Built built = null;
    try {
      built = SpecBuilder.build(Pipeline.create(options), spec, catalog, variables(options), null);
    } catch (RuntimeException e) {
      // validate() reports a spec that does not build; lineage then names the datasets only.
    }
    SpecLineage lineage =
        built == null
            ? null
            : SpecLineage.of(spec, catalog, variables(options), built, sourceDatasets(options));
    for (SpecStep s : spec.steps()) {
      String path = sinkPath(s, options);
      if (path == null) {
        continue;
      }
      LineageDataset ds = LineageDataset.file(path);
      if (built != null && !s.inputs().isEmpty()) {
        SpecStep.Input in = s.inputs().values().iterator().next().get(0);
        var tuple = built.outputs(in.step());
        if (tuple != null && tuple.has(in.output()) && tuple.get(in.output()).hasSchema()) {
          ds = ds.withSchema(tuple.get(in.output()).getSchema());
        }
        io.tributary.transforms.lineage.ColumnLineage cl = lineage.forSink(s.name());
        if (cl != null) {
          ds = ds.withColumnLineage(cl);
        }
      }
      out.add(ds);
    }
    out.add(LineageDataset.file(deadLetterDir(outputDirectory(options))));
    return out;
  }

  /** Each source step's dataset (its {@code path}), by step name. */
  private Map<String, LineageDataset> sourceDatasets(PipelineOptions options) {
    Map<String, LineageDataset> out = new LinkedHashMap<>();
    Variables vars = variables(options);
    for (SpecStep s : spec.steps()) {
      if (!s.inputs().isEmpty() || s.config() == null) {
        continue;
      }
      Node n = Nodes.get(s.config(), "path");
      String v = n == null ? null : Nodes.scalar(n);
      if (v != null) {
        try {
          out.put(s.name(), LineageDataset.file(substitute(v, vars)));
        } catch (IllegalArgumentException e) {
          // An unresolved path is reported by check.
        }
      }
    }
    return out;
  }

  private @Nullable String sinkPath(SpecStep s, PipelineOptions options) {
    var provider = catalog.find(s.type());
    if (provider == null || !provider.outputCollectionNames().isEmpty() || s.config() == null) {
      return null;
    }
    Node n = Nodes.get(s.config(), "path");
    String v = n == null ? null : Nodes.scalar(n);
    if (v == null) {
      return null;
    }
    try {
      return substitute(v, variables(options));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The spec's steps, laid out as in {@code tributary graph --format=html}. */
  @Override
  public String graphSvg(PipelineOptions options) {
    SpecBuilder.Built built =
        SpecBuilder.build(Pipeline.create(options), spec, catalog, variables(options), null);
    return SpecGraph.of(spec, catalog, built).svg();
  }

  @Override
  public void build(Pipeline pipeline, PipelineOptions options) {
    BadRecordErrorHandler<?> deadLetters =
        pipeline.registerBadRecordErrorHandler(
            DeadLetterFiles.to(deadLetterDir(outputDirectory(options)))
                .withProtection(protection()));
    // --fuseSteps=false: every step kept apart from the one after it, as a spec test does for
    // the steps whose rows it reads.
    Set<String> keepApart = new HashSet<>();
    if (!options.as(SpecOptions.class).getFuseSteps()) {
      spec.steps().forEach(s -> keepApart.add(s.name()));
    }
    SpecBuilder.build(pipeline, spec, catalog, variables(options), deadLetters, keepApart);
    deadLetters.close();
  }

  /** Where a run writes its dead letters. */
  public static String deadLetterDir(String output) {
    return output.endsWith("/") ? output + "dead-letter" : output + "/dead-letter";
  }

  /**
   * How dead letters are protected: the spec's {@code privacy.policy} file, else the personal-data
   * marks of the contract its first source reads ({@code subject}), else a policy that scrubs
   * nothing but the scanner's findings.
   */
  ProtectionSpec protection() {
    MappingNode privacy = spec.privacy();
    PrivacyPolicy policy = null;
    Keyset.KeysetSource keyset = null;
    String subjectKeys = null;
    String indexKeyId = null;
    if (privacy != null) {
      String file = text(Nodes.get(privacy, "policy"));
      if (file != null) {
        policy = PrivacyPolicy.fromFile(Path.of(file));
      }
      String ks = text(Nodes.get(privacy, "keyset"));
      if (ks != null) {
        keyset = Keyset.KeysetSource.parse(ks, "privacy.keyset");
      }
      subjectKeys = text(Nodes.get(privacy, "subject_keys"));
      indexKeyId = text(Nodes.get(privacy, "index_key_id"));
    }
    if (policy == null) {
      for (SpecStep s : spec.steps()) {
        Node subject = s.config() == null ? null : Nodes.get(s.config(), "subject");
        String name = subject == null ? null : Nodes.scalar(subject);
        if (name != null && SchemaRegistry.bundled().subjects().contains(name)) {
          policy = PrivacyPolicy.fromAvro(SchemaRegistry.bundled().latest(name).schema());
          break;
        }
      }
    }
    if (policy == null) {
      policy = PrivacyPolicy.of(Map.of());
    }
    if (policy.needsKeys() && keyset == null) {
      throw new IllegalArgumentException(
          "privacy.keyset: the privacy policy tokenizes or encrypts; expected file:<path> or"
              + " env:<VARIABLE>");
    }
    return ProtectionSpec.of(policy, keyset, subjectKeys, subjectKeys == null ? null : indexKeyId);
  }

  private static @Nullable String text(@Nullable Node n) {
    return n == null ? null : Nodes.scalar(n);
  }

  private static String substitute(String text, Variables vars) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{([^}]*)}").matcher(text);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      String name = m.group(1).trim();
      if (name.startsWith("env:") || name.startsWith("file:")) {
        throw new IllegalArgumentException("secret");
      }
      m.appendReplacement(b, java.util.regex.Matcher.quoteReplacement(vars.resolve(name)));
    }
    m.appendTail(b);
    return b.toString();
  }

  /**
   * The names of every registered pipeline option ({@code output}, {@code runner}, ...): what a
   * spec's {@code --name=value} arguments are told apart from variables by.
   */
  public static Set<String> pipelineOptionNames() {
    PipelineOptionsFactory.register(SpecOptions.class);
    Set<String> names = new TreeSet<>();
    for (Class<? extends PipelineOptions> c : PipelineOptionsFactory.getRegisteredOptions()) {
      for (Method m : c.getMethods()) {
        String n = m.getName();
        if (m.getParameterCount() == 0 && (n.startsWith("get") || n.startsWith("is"))) {
          String prop = n.startsWith("get") ? n.substring(3) : n.substring(2);
          if (!prop.isEmpty()) {
            names.add(Character.toLowerCase(prop.charAt(0)) + prop.substring(1));
          }
        }
      }
    }
    return names;
  }
}
