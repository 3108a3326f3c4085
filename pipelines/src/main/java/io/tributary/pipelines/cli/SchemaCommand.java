package io.tributary.pipelines.cli;

import io.tributary.io.schema.Compatibility;
import io.tributary.io.schema.IncompatibleSchemaException;
import io.tributary.io.schema.RegisteredSchema;
import io.tributary.io.schema.SchemaRegistry;
import io.tributary.pipelines.runtime.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * {@code tributary schema check|register <subject> <file.avsc> [--registry=DIR]}: checks a
 * candidate schema against a subject's compatibility mode, or registers it as the next version.
 *
 * <pre>{@code
 * tributary schema check clickstream-event v2.avsc --registry=runners-config/schemas
 * tributary schema register clickstream-event v2.avsc --registry=runners-config/schemas
 * }</pre>
 *
 * <p>Exit codes: 0 compatible / registered, 1 incompatible (one line per problem, naming the field
 * and the rule), 2 a usage error.
 */
final class SchemaCommand {
  /** The registry used when {@code --registry} is not given, relative to the working directory. */
  static final String DEFAULT_REGISTRY = "runners-config/schemas";

  private SchemaCommand() {}

  static String usage() {
    return "  schema check <subject> <file.avsc> [--registry=DIR]      check compatibility with the subject's versions\n"
        + "  schema register <subject> <file.avsc> [--registry=DIR] [--compatibility=MODE]\n"
        + "                                                          register as the next version (refused if incompatible)\n";
  }

  static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
    if (args.contains("--help") || args.contains("-h")) {
      out.print(
          "usage: tributary schema <check|register> <subject> <file.avsc> [options]\n" + usage());
      return 0;
    }
    List<String> positional = new ArrayList<>();
    String registryDir = null;
    String compatibility = null;
    for (String arg : args) {
      if (arg.startsWith("--registry=")) {
        registryDir = arg.substring("--registry=".length());
      } else if (arg.startsWith("--compatibility=")) {
        compatibility = arg.substring("--compatibility=".length());
      } else if (arg.startsWith("-")) {
        throw new UsageException(
            "schema: unknown option " + arg + "; expected --registry=DIR or --compatibility=MODE");
      } else {
        positional.add(arg);
      }
    }
    if (positional.isEmpty()
        || !(positional.get(0).equals("check") || positional.get(0).equals("register"))) {
      throw new UsageException(
          "schema: expected 'check' or 'register', e.g. tributary schema check <subject> <file.avsc>");
    }
    String action = positional.get(0);
    if (positional.size() != 3) {
      throw new UsageException(
          "schema "
              + action
              + ": expected <subject> <file.avsc>, got "
              + positional.subList(1, positional.size()));
    }
    String subject = positional.get(1);
    Schema candidate = parse(action, Path.of(positional.get(2)));
    SchemaRegistry registry = open(action, registryDir);
    try {
      if (compatibility != null) {
        if (!action.equals("register")) {
          throw new UsageException("schema check: --compatibility applies to register only");
        }
        registry.setCompatibility(subject, Compatibility.parse(compatibility));
      }
      if (action.equals("check")) {
        List<String> problems = registry.check(subject, candidate);
        if (!problems.isEmpty()) {
          err.println(
              "tributary: schema check: "
                  + subject
                  + " ("
                  + registry.compatibility(subject)
                  + ") would refuse "
                  + positional.get(2)
                  + ":");
          problems.forEach(p -> err.println("  " + p));
          return 1;
        }
        int next =
            registry.subjects().contains(subject) ? registry.latest(subject).version() + 1 : 1;
        out.println(
            "schema check: "
                + positional.get(2)
                + " is compatible with "
                + subject
                + " ("
                + registry.compatibility(subject)
                + "); it would register as v"
                + next);
        return 0;
      }
      RegisteredSchema registered = registry.register(subject, candidate);
      out.println("schema register: " + registered + " in " + registry.directory());
      return 0;
    } catch (IncompatibleSchemaException e) {
      err.println(
          "tributary: schema register: refused "
              + positional.get(2)
              + " for "
              + subject
              + " ("
              + registry.compatibility(subject)
              + "):");
      e.problems().forEach(p -> err.println("  " + p));
      return 1;
    } catch (IllegalArgumentException e) {
      throw new UsageException("schema " + action + ": " + e.getMessage());
    }
  }

  private static Schema parse(String action, Path file) throws UsageException {
    if (!Files.isRegularFile(file)) {
      throw new UsageException("schema " + action + ": no such file '" + file + "'");
    }
    try {
      return new Schema.Parser().parse(Files.readString(file));
    } catch (SchemaParseException e) {
      throw new UsageException(
          "schema "
              + action
              + ": '"
              + file
              + "' is not a valid Avro schema: "
              + firstLine(e.getMessage()));
    } catch (IOException e) {
      throw new UsageException(
          "schema " + action + ": cannot read '" + file + "': " + e.getMessage());
    }
  }

  private static SchemaRegistry open(String action, String dir) throws UsageException {
    String chosen = dir == null ? DEFAULT_REGISTRY : dir;
    Path path = Path.of(chosen);
    if (dir == null && !Files.isDirectory(path)) {
      throw new UsageException(
          "schema " + action + ": no registry at ./" + DEFAULT_REGISTRY + "; pass --registry=DIR");
    }
    try {
      return SchemaRegistry.open(path);
    } catch (RuntimeException e) {
      throw new UsageException(
          "schema "
              + action
              + ": cannot open registry '"
              + chosen
              + "': "
              + firstLine(e.getMessage()));
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
