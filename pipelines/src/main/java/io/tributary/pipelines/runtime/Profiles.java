package io.tributary.pipelines.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runner profiles: plain option files (one {@code --name=value} per line, {@code #} comments) kept
 * in {@code runners-config/profiles/} and bundled in the jar. A profile's options come first and
 * the user's override them.
 *
 * <pre>{@code
 * List<String> args = Profiles.merge(Profiles.load("flink-local"), List.of("--parallelism=1"));
 * }</pre>
 */
public final class Profiles {
  /**
   * The profile used when {@code --profile} is not given: embedded Flink, chosen by measurement.
   */
  public static final String DEFAULT = "flink-local";

  /** Profiles bundled in the jar. */
  public static final List<String> BUNDLED = List.of("direct", "flink-local", "flink-cluster");

  private Profiles() {}

  /** Loads a bundled profile by name, or a profile file by path. */
  public static List<String> load(String nameOrPath) throws UsageException {
    String text;
    try (InputStream in =
        Profiles.class.getResourceAsStream("/io/tributary/profiles/" + nameOrPath + ".options")) {
      if (in != null) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } else {
        Path path = Path.of(nameOrPath);
        if (!Files.isRegularFile(path)) {
          throw new UsageException(
              "--profile: '"
                  + nameOrPath
                  + "' is neither a bundled profile "
                  + BUNDLED
                  + " nor a readable file");
        }
        text = Files.readString(path);
      }
    } catch (IOException e) {
      throw new UsageException("--profile: cannot read '" + nameOrPath + "': " + e.getMessage());
    }
    List<String> args = new ArrayList<>();
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      String trimmed = line.trim();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      if (!trimmed.startsWith("--") || !trimmed.contains("=")) {
        throw new UsageException(
            "--profile: "
                + nameOrPath
                + " line "
                + lineNo
                + ": expected --name=value, got '"
                + trimmed
                + "'");
      }
      args.add(trimmed);
    }
    return args;
  }

  /**
   * Profile options, then the user's; a user option replaces the profile's option of the same name.
   */
  public static List<String> merge(List<String> profile, List<String> user) {
    Map<String, String> byName = new LinkedHashMap<>();
    for (String arg : profile) {
      byName.put(nameOf(arg), arg);
    }
    for (String arg : user) {
      byName.put(nameOf(arg), arg);
    }
    return new ArrayList<>(byName.values());
  }

  static String nameOf(String arg) {
    int eq = arg.indexOf('=');
    return eq < 0 ? arg : arg.substring(0, eq);
  }
}
