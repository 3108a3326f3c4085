package io.tributary.pipelines.docs;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.Testdata;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Builds and runs the user pipeline shown in docs/library.md, exactly as written there, against the
 * library on this build's classpath, and checks the Maven coordinates the page gives.
 */
@RunWith(JUnit4.class)
public class LibrarySnippetIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** The first {@code lang} block of docs/library.md, read as DocsCommandsIT reads pages. */
  private static String block(String markdown, String lang) {
    for (MarkdownBlocks.Block b :
        MarkdownBlocks.parse("docs/library.md", markdown.lines().collect(Collectors.toList()))) {
      if (b.lang.equals(lang)) {
        return String.join("\n", b.lines) + "\n";
      }
    }
    throw new AssertionError("docs/library.md has no ```" + lang + " block");
  }

  @Test
  public void coordinatesMatchTheBuild() throws Exception {
    String doc = Files.readString(Testdata.root().resolve("docs/library.md"));
    String xml = block(doc, "xml");
    assertThat(xml, containsString("<groupId>io.tributary</groupId>"));
    assertThat(xml, containsString("<artifactId>tributary-transforms</artifactId>"));
    assertThat(
        xml, containsString("<version>" + System.getProperty("project.version") + "</version>"));
    String rootPom = Files.readString(Testdata.root().resolve("pom.xml"));
    assertThat(rootPom, containsString("<beam.version>2.62.0</beam.version>"));
    assertThat(xml, containsString("<version>2.62.0</version>"));
  }

  @Test
  public void snippetCompilesAndRuns() throws Exception {
    String doc = Files.readString(Testdata.root().resolve("docs/library.md"));
    String source = block(doc, "java");
    long lines = source.lines().count();
    assertTrue("the page promises a ~30-line pipeline, got " + lines, lines <= 40);

    Path src = tmp.newFolder("src").toPath();
    Path classes = tmp.newFolder("classes").toPath();
    Files.writeString(src.resolve("MyPipeline.java"), source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc =
        javac.run(
            null,
            diagnostics,
            diagnostics,
            "-classpath",
            System.getProperty("java.class.path"),
            "-d",
            classes.toString(),
            src.resolve("MyPipeline.java").toString());
    assertEquals("javac: " + diagnostics.toString(StandardCharsets.UTF_8), 0, rc);

    Path prefix = tmp.getRoot().toPath().resolve("my");
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Method main = loader.loadClass("MyPipeline").getMethod("main", String[].class);
      // Beam deserializes the user's DoFns with the context class loader, as in a real user JVM.
      ClassLoader previous = Thread.currentThread().getContextClassLoader();
      Thread.currentThread().setContextClassLoader(loader);
      try {
        main.invoke(
            null,
            (Object)
                new String[] {
                  Testdata.file("clickstream/small.jsonl").toString(), prefix.toString()
                });
      } finally {
        Thread.currentThread().setContextClassLoader(previous);
      }
    }
    List<String> counts = Files.readAllLines(Path.of(prefix + "-counts"));
    long total =
        counts.stream().mapToLong(l -> Long.parseLong(l.substring(l.indexOf(',') + 1))).sum();
    // small.jsonl: 1,000 lines; this schema only needs event_id and event_type, so only the lines
    // that are not JSON objects or lack those fields are rejected; 10 re-sent duplicates are
    // dropped.
    List<String> dead = Files.readAllLines(Path.of(prefix + "-dead-letters"));
    assertEquals(1000 - 10, total + dead.size());
    assertThat(String.join("\n", dead), containsString("decode/"));
  }
}
