package io.tributary.io.schema;

import io.tributary.transforms.spec.StepConfig;
import java.nio.file.Path;

/**
 * The contract a step's configuration names ({@code subject}, optional {@code registry} directory
 * and {@code version}), read the same way by every source and sink step; a wrong value is an error
 * at its key.
 *
 * <pre>{@code
 * RegisteredSchema contract = ContractConfig.contract(StepConfig.of(configuration));
 * }</pre>
 */
public final class ContractConfig {
  private ContractConfig() {}

  /** The registry of {@code registry} (a directory), else the one bundled in the jar. */
  public static SchemaRegistry registry(StepConfig c) {
    String dir = c.string("registry");
    try {
      return dir == null ? SchemaRegistry.bundled() : SchemaRegistry.open(Path.of(dir));
    } catch (RuntimeException e) {
      throw c.error("registry", "cannot open the schema registry " + dir + ": " + e.getMessage());
    }
  }

  /** {@code subject}, checked to be in {@code registry}. */
  public static String subject(StepConfig c, SchemaRegistry registry) {
    String subject = c.requiredString("subject");
    if (!registry.subjects().contains(subject)) {
      throw c.error(
          "subject", "unknown subject '" + subject + "'; the registry has " + registry.subjects());
    }
    return subject;
  }

  /** The contract: {@code version} of {@code subject} when set, else its newest version. */
  public static RegisteredSchema contract(StepConfig c) {
    SchemaRegistry registry = registry(c);
    String subject = subject(c, registry);
    if (c.has("version")) {
      int version = (int) c.longValue("version", 0);
      try {
        return registry.version(subject, version);
      } catch (RuntimeException e) {
        throw c.error("version", "subject '" + subject + "' has no version " + version);
      }
    }
    return registry.latest(subject);
  }
}
