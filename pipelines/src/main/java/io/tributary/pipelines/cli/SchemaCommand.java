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
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SchemaParseException;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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

  /** {@code schema} with its two sub-commands. */
  static CommandLine create(Io io) {
    CommandLine schema = new CommandLine(new Group());
    schema.addSubcommand(new Check(io));
    schema.addSubcommand(new Register(io));
    return schema;
  }

  @Command(
      name = "schema",
      description = "Check or register Avro schemas in a schema registry directory.",
      synopsisSubcommandLabel = "(check | register)")
  static final class Group implements Callable<Integer> {
    @Mixin HelpOption help;

    @Override
    public Integer call() throws UsageException {
      throw new UsageException(
          "schema: expected 'check' or 'register', e.g. tributary schema check <subject> <file.avsc>");
    }
  }

  /** What check and register share: the subject, the candidate file and the registry. */
  abstract static class Action implements Callable<Integer> {
    @Mixin HelpOption help;

    @Parameters(
        index = "0",
        paramLabel = "<subject>",
        description = "the subject, e.g. clickstream-event")
    String subject;

    @Parameters(index = "1", paramLabel = "<file.avsc>", description = "the candidate Avro schema")
    Path file;

    @Option(
        names = "--registry",
        paramLabel = "DIR",
        description = "the registry directory (default: ./" + DEFAULT_REGISTRY + ")")
    String registryDir;

    final Io io;

    Action(Io io) {
      this.io = io;
    }
  }

  @Command(
      name = "check",
      description = "Check a schema against the subject's compatibility mode and versions.")
  static final class Check extends Action {
    Check(Io io) {
      super(io);
    }

    @Override
    public Integer call() throws UsageException {
      return run("check", this, null);
    }
  }

  @Command(
      name = "register",
      description = "Register a schema as the subject's next version (refused if incompatible).")
  static final class Register extends Action {
    @Option(
        names = "--compatibility",
        paramLabel = "MODE",
        description = "set the subject's mode first: none, backward, forward, full (+ _transitive)")
    String compatibility;

    Register(Io io) {
      super(io);
    }

    @Override
    public Integer call() throws UsageException {
      return run("register", this, compatibility);
    }
  }

  private static int run(String action, Action a, @Nullable String compatibility)
      throws UsageException {
    PrintStream out = a.io.out();
    PrintStream err = a.io.err();
    String subject = a.subject;
    String fileName = a.file.toString();
    Schema candidate = parse(action, a.file);
    SchemaRegistry registry = open(action, a.registryDir);
    try {
      RegisteredSchema same = sameAs(registry, subject, candidate);
      if (compatibility != null) {
        registry.setCompatibility(subject, Compatibility.parse(compatibility));
      }
      if (action.equals("check")) {
        if (same != null) {
          // register returns the identical version instead of adding one: say so, not "v<n+1>".
          out.println(
              "schema check: "
                  + fileName
                  + " is already registered as "
                  + same
                  + " in "
                  + registry.directory()
                  + "; register would keep that version");
          return 0;
        }
        List<String> problems = registry.check(subject, candidate);
        if (!problems.isEmpty()) {
          err.println(
              "tributary: schema check: "
                  + subject
                  + " ("
                  + registry.compatibility(subject)
                  + ") would refuse "
                  + fileName
                  + ":");
          problems.forEach(p -> err.println("  " + p));
          return 1;
        }
        List<RegisteredSchema> versions = versionsOf(registry, subject);
        // As register numbers it: one after the subject's newest version in this registry.
        int next = versions.isEmpty() ? 1 : versions.get(versions.size() - 1).version() + 1;
        out.println(
            "schema check: "
                + fileName
                + " is compatible with "
                + subject
                + " ("
                + registry.compatibility(subject)
                + "); it would register as v"
                + next
                + " in "
                + registry.directory());
        return 0;
      }
      RegisteredSchema registered = registry.register(subject, candidate);
      out.println(
          "schema register: "
              + registered
              + (same != null ? " (already registered, unchanged)" : "")
              + " in "
              + registry.directory());
      return 0;
    } catch (IncompatibleSchemaException e) {
      err.println(
          "tributary: schema register: refused "
              + fileName
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

  /**
   * The version of {@code subject} identical to {@code candidate}, which {@link
   * SchemaRegistry#register} returns instead of adding a version; null if there is none.
   */
  private static @Nullable RegisteredSchema sameAs(
      SchemaRegistry registry, String subject, Schema candidate) {
    long fingerprint = SchemaNormalization.parsingFingerprint64(candidate);
    for (RegisteredSchema v : versionsOf(registry, subject)) {
      if (v.fingerprint() == fingerprint && v.schema().equals(candidate)) {
        return v;
      }
    }
    return null;
  }

  /** The versions of {@code subject}, none for a new subject or one with only a mode set. */
  private static List<RegisteredSchema> versionsOf(SchemaRegistry registry, String subject) {
    if (!registry.subjects().contains(subject)) {
      return List.of();
    }
    try {
      return registry.versions(subject);
    } catch (IllegalArgumentException e) {
      return List.of(); // a subject created by --compatibility before its first version
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
