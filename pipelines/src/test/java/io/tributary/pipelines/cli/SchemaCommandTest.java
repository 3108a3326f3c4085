package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.tributary.io.schema.SchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class SchemaCommandTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    out.reset();
    err.reset();
    return Tributary.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private Path avsc(String fields) throws Exception {
    Path file = tmp.newFile().toPath();
    Files.writeString(file, "{\"type\":\"record\",\"name\":\"Ev\",\"fields\":[" + fields + "]}");
    return file;
  }

  @Test
  public void helpPrintsTheUsageAndExitsZero() {
    assertThat(run("schema", "--help"), is(0));
    assertThat(out.toString(StandardCharsets.UTF_8), containsString("  check "));
    assertThat(out.toString(StandardCharsets.UTF_8), containsString("  register "));
    assertThat(run("schema", "check", "-h"), is(0));
    assertThat(
        out.toString(StandardCharsets.UTF_8),
        containsString(
            "Usage: tributary schema check [-h] [--registry=DIR] <subject> <file.avsc>"));
    assertThat(err.toString(StandardCharsets.UTF_8), is(""));
  }

  @Test
  public void checkAndRegisterVersionsThenRefuseAnIncompatibleOne() throws Exception {
    String registry = "--registry=" + tmp.newFolder("schemas");
    Path v1 = avsc("{\"name\":\"id\",\"type\":\"string\"}");
    Path v2 =
        avsc(
            "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"n\",\"type\":\"int\",\"default\":0}");
    Path bad = avsc("{\"name\":\"id\",\"type\":\"long\"}");

    assertThat(run("schema", "check", "ev", v1.toString(), registry), is(0));
    assertThat(out.toString(StandardCharsets.UTF_8), containsString("it would register as v1"));
    assertThat(run("schema", "register", "ev", v1.toString(), registry), is(0));
    assertThat(out.toString(StandardCharsets.UTF_8), containsString("ev v1 (id 1)"));
    assertThat(run("schema", "register", "ev", v2.toString(), registry), is(0));
    assertThat(out.toString(StandardCharsets.UTF_8), containsString("ev v2 (id 2)"));

    assertThat(run("schema", "check", "ev", bad.toString(), registry), is(1));
    assertThat(err.toString(StandardCharsets.UTF_8), containsString("field 'id'"));
    assertThat(err.toString(StandardCharsets.UTF_8), containsString("TYPE_MISMATCH"));
    assertThat(run("schema", "register", "ev", bad.toString(), registry), is(1));
    assertThat(err.toString(StandardCharsets.UTF_8), containsString("refused"));
    assertThat(
        SchemaRegistry.open(Path.of(registry.substring("--registry=".length())))
            .latest("ev")
            .version(),
        is(2));
  }

  /**
   * register returns the identical registered version instead of adding one, so check must not
   * promise the next version for it; and both name the registry they read.
   */
  @Test
  public void checkAndRegisterAgreeOnTheVersion() throws Exception {
    Path dir = tmp.newFolder("schemas").toPath();
    String registry = "--registry=" + dir;
    Path v1 = avsc("{\"name\":\"id\",\"type\":\"string\"}");
    Path v2 =
        avsc(
            "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"n\",\"type\":\"int\",\"default\":0}");
    assertThat(run("schema", "register", "ev", v1.toString(), registry), is(0));

    assertThat(run("schema", "check", "ev", v1.toString(), registry), is(0));
    assertThat(
        out.toString(StandardCharsets.UTF_8),
        containsString("is already registered as ev v1 (id 1) in " + dir));
    assertThat(run("schema", "register", "ev", v1.toString(), registry), is(0));
    assertThat(
        out.toString(StandardCharsets.UTF_8),
        containsString("ev v1 (id 1) (already registered, unchanged) in " + dir));

    assertThat(run("schema", "check", "ev", v2.toString(), registry), is(0));
    assertThat(
        out.toString(StandardCharsets.UTF_8), containsString("it would register as v2 in " + dir));
    assertThat(run("schema", "register", "ev", v2.toString(), registry), is(0));
    assertThat(out.toString(StandardCharsets.UTF_8), containsString("ev v2 (id 2) in " + dir));
  }

  @Test
  public void compatibilityOptionSetsTheSubjectsMode() throws Exception {
    String registry = "--registry=" + tmp.newFolder("schemas");
    Path v1 = avsc("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"ua\",\"type\":\"string\"}");
    Path dropUa = avsc("{\"name\":\"id\",\"type\":\"string\"}");
    assertThat(
        run("schema", "register", "ev", v1.toString(), registry, "--compatibility=forward"), is(0));
    assertThat(run("schema", "check", "ev", dropUa.toString(), registry), is(1));
    assertThat(
        err.toString(StandardCharsets.UTF_8),
        containsString(
            "FORWARD: v1 of ev cannot read data written with the new version: field 'ua'"));
  }

  @Test
  public void usageMistakesAreOneLineWithExitCode2() throws Exception {
    String registry = "--registry=" + tmp.newFolder("schemas");
    assertThat(run("schema", "check", "ev", "/no/such.avsc", registry), is(2));
    assertThat(
        err.toString(StandardCharsets.UTF_8),
        is("tributary: schema check: no such file '/no/such.avsc'" + System.lineSeparator()));
    Path notAvro = tmp.newFile().toPath();
    Files.writeString(notAvro, "{\"type\":\"recrd\"}");
    assertThat(run("schema", "register", "ev", notAvro.toString(), registry), is(2));
    assertThat(err.toString(StandardCharsets.UTF_8), containsString("is not a valid Avro schema"));
    assertThat(run("schema", "check", "ev"), is(2));
    assertThat(
        err.toString(StandardCharsets.UTF_8), containsString("expected <subject> <file.avsc>"));
    assertThat(run("schema", "drop", "ev", "x.avsc"), is(2));
    assertThat(run("schema", "check", "ev", notAvro.toString(), "--registy=x"), is(2));
    assertThat(err.toString(StandardCharsets.UTF_8), containsString("unknown option --registy=x"));
    assertThat(run("schema", "check", "bad subject!", notAvro.toString(), registry), is(2));
  }
}
