package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import io.tributary.pipelines.Testdata;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * User mistakes of {@code tributary run erasure} and {@code serve-roles}: one line naming the
 * option or the config entry, exit code 2, no stack trace, never a key or a subject id.
 */
@RunWith(JUnit4.class)
public class ErasureCommandTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static void assertUsage(CliRun r, String expected) {
    assertEquals(r.err, 2, r.code);
    assertEquals("one line: " + r.err, 1, r.err.strip().lines().count());
    assertThat(r.err, containsString(expected));
    assertThat(r.err, not(containsString("Exception")));
  }

  @Test
  public void erasureNamesTheBadOptionOrConfigEntry() throws Exception {
    Path requests = tmp.newFile("requests.txt").toPath();
    Files.writeString(requests, "u-00001\n");
    Path keyset = tmp.newFile("keyset.json").toPath();
    Files.writeString(keyset, "{\"primary\":\"k1\",\"keys\":{\"k1\":\"" + "A".repeat(44) + "\"}}");
    Path config = tmp.newFile("erasure.json").toPath();
    Files.writeString(
        config,
        "{\"datasets\": [{\"name\": \"orders-db\", \"kind\": \"postgres\", \"table\": \"orders\", \"subject\": \"customer_id\"}]}");
    String out = tmp.newFolder("out").toString();
    String[] base = {
      "run", "erasure", "--profile=direct", "--requests=" + requests, "--output=" + out
    };

    assertUsage(
        CliRun.of(concat(base, "--config=" + config, "--keyset=file:" + keyset)),
        "--jdbcUrl: --config names PostgreSQL tables");
    assertUsage(
        CliRun.of(concat(base, "--config=" + config, "--keyset=env:TRIBUTARY_NO_SUCH_VARIABLE")),
        "keyset env:TRIBUTARY_NO_SUCH_VARIABLE: the environment variable is not set");
    assertUsage(
        CliRun.of(
            concat(
                base,
                "--config=" + config,
                "--keyset=file:" + keyset,
                "--indexKeyId=k9",
                "--jdbcUrl=jdbc:postgresql://localhost:1/x")),
        "keyset has no key 'k9'");
    Files.writeString(
        config,
        "{\"datasets\": [{\"name\": \"dl\", \"kind\": \"jsonl\", \"path\": \"/tmp/x\", \"subject\": \"user_id\", \"action\": \"shred\"}]}");
    assertUsage(
        CliRun.of(concat(base, "--config=" + config, "--keyset=file:" + keyset)),
        "datasets[0] (dl): 'action' must be delete or rewrite, got 'shred'");
    Files.writeString(
        config,
        "{\"datasets\": [{\"name\": \"dl\", \"kind\": \"parquet\", \"path\": \"/tmp/x\", \"subject\": \"user_id\"}]}");
    assertUsage(
        CliRun.of(concat(base, "--config=" + config, "--keyset=file:" + keyset)),
        "'kind' must be lake, postgres or jsonl, got 'parquet'");
    assertUsage(
        CliRun.of(
            concat(base, "--config=" + tmp.getRoot() + "/none.json", "--keyset=file:" + keyset)),
        "--config: '" + tmp.getRoot() + "/none.json' is not a readable file");
    assertUsage(CliRun.of(concat(base, "--config=" + config)), "--keyset: required");
  }

  @Test
  public void serveRolesNamesTheBadEntry() {
    assertUsage(
        CliRun.of("serve-roles", "--config=" + Testdata.file("privacy/serving-roles.json")),
        "serve-roles: --jdbcUrl: expected jdbc:postgresql://host:port/database");
    assertUsage(
        CliRun.of(
            "serve-roles",
            "--config=" + Testdata.file("privacy/serving-roles.json"),
            "--jdbcUrl=jdbc:postgresql://localhost:1/x",
            "--login=analyst:TRIBUTARY_NO_SUCH_VARIABLE"),
        "--login=analyst:TRIBUTARY_NO_SUCH_VARIABLE: the environment variable is not set");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
