package io.tributary.pipelines.cli;

import io.tributary.io.jdbc.JdbcTarget;
import io.tributary.io.jdbc.PostgresRoleViews;
import io.tributary.pipelines.runtime.UsageException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
@Command(
    name = "serve-roles",
    description =
        "Create the roles, one view per role and the grants a serving config declares"
            + " (passwords from environment variables only).")
final class ServeRolesCommand implements Callable<Integer> {
  @Mixin HelpOption help;

  @Option(names = "--config", paramLabel = "FILE", description = "the roles and views, JSON")
  String config;

  @Option(
      names = "--jdbcUrl",
      paramLabel = "URL",
      description =
          "jdbc:postgresql://host:port/database (the administrator's password: PGPASSWORD)")
  String url;

  @Option(
      names = "--jdbcUser",
      paramLabel = "USER",
      description = "the administrator (default: ${DEFAULT-VALUE})")
  String user = "postgres";

  @Option(
      names = "--login",
      paramLabel = "ROLE:ENV_VAR",
      description =
          "give ROLE a login with the password in environment variable ENV_VAR; repeatable")
  List<String> loginSpecs = new ArrayList<>();

  private final Io io;

  ServeRolesCommand(Io io) {
    this.io = io;
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = io.out();
    PostgresRoleViews views;
    java.util.Map<String, String> logins = new java.util.LinkedHashMap<>();
    for (String spec : loginSpecs) {
      if (spec.indexOf(':') <= 0) {
        throw new UsageException("serve-roles: --login: expected ROLE:ENV_VAR, got '" + spec + "'");
      }
      logins.put(spec.substring(0, spec.indexOf(':')), spec.substring(spec.indexOf(':') + 1));
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
