package io.tributary.pipelines.cli;

import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.PostgresRoleViews;
import io.tributary.pipelines.runtime.UsageException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code tributary serve-roles --config=FILE --jdbcUrl=URL [--jdbcUser=U] [--login=ROLE:ENV_VAR
 * ...]}: the least-privilege serving step: creates the roles, one view per role and the grants a
 * {@link PostgresRoleViews} config declares, and prints each role's view.
 *
 * <pre>{@code
 * ANALYST_PASSWORD=... tributary serve-roles --config=testdata/privacy/serving-roles.json \
 *     --jdbcUrl=jdbc:postgresql://localhost:5432/shop --login=analyst:ANALYST_PASSWORD
 * }</pre>
 *
 * <p>Passwords come from environment variables only (never the command line); the administrator's
 * from {@code PGPASSWORD}.
 */
final class ServeRolesCommand {
  private ServeRolesCommand() {}

  static String usage() {
    return "  serve-roles --config=FILE --jdbcUrl=URL [--jdbcUser=U] [--login=ROLE:ENV_VAR]\n"
        + "                                              least-privilege views, roles and grants of a served table\n";
  }

  static int run(List<String> args, PrintStream out) throws Exception {
    String config = null;
    String url = null;
    String user = "postgres";
    PostgresRoleViews views;
    java.util.Map<String, String> logins = new java.util.LinkedHashMap<>();
    for (String arg : args) {
      if (arg.startsWith("--config=")) {
        config = arg.substring("--config=".length());
      } else if (arg.startsWith("--jdbcUrl=")) {
        url = arg.substring("--jdbcUrl=".length());
      } else if (arg.startsWith("--jdbcUser=")) {
        user = arg.substring("--jdbcUser=".length());
      } else if (arg.startsWith("--login=") && arg.indexOf(':') > "--login=".length()) {
        String spec = arg.substring("--login=".length());
        logins.put(spec.substring(0, spec.indexOf(':')), spec.substring(spec.indexOf(':') + 1));
      } else {
        throw new UsageException(
            "serve-roles: unknown argument '"
                + arg
                + "' (expected --config=, --jdbcUrl=, --jdbcUser=, --login=ROLE:ENV_VAR)");
      }
    }
    if (config == null || !Files.isReadable(Path.of(config))) {
      throw new UsageException(
          "serve-roles: --config: expected a readable JSON file, got '" + config + "'");
    }
    if (url == null || !url.startsWith("jdbc:postgresql:")) {
      throw new UsageException(
          "serve-roles: --jdbcUrl: expected jdbc:postgresql://host:port/database, got '"
              + url
              + "'");
    }
    try {
      views = PostgresRoleViews.fromFile(Path.of(config));
      for (java.util.Map.Entry<String, String> l : logins.entrySet()) {
        String password = System.getenv(l.getValue());
        if (password == null || password.isEmpty()) {
          throw new UsageException(
              "serve-roles: --login="
                  + l.getKey()
                  + ":"
                  + l.getValue()
                  + ": the environment variable is not set");
        }
        views = views.withLoginPassword(l.getKey(), password);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException("serve-roles: " + e.getMessage());
    }
    String admin = System.getenv("PGPASSWORD") == null ? "" : System.getenv("PGPASSWORD");
    views.apply(JdbcTarget.of(url, user, admin));
    for (String role : views.roles()) {
      out.printf(
          "role %s reads %s%s%n",
          role, views.viewOf(role), logins.containsKey(role) ? " (login)" : "");
    }
    return 0;
  }
}
