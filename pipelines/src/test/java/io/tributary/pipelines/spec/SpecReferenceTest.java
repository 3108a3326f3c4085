package io.tributary.pipelines.spec;

import static org.junit.Assert.assertEquals;

import io.tributary.pipelines.Testdata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** docs/specs.md's step reference is the one the providers generate. */
@RunWith(JUnit4.class)
public class SpecReferenceTest {
  @Test
  public void docsReferenceIsGenerated() throws Exception {
    Path doc = Testdata.root().resolve("docs/specs.md");
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    String expected =
        SpecReference.replaceSection(text, SpecReference.markdown(StepCatalog.load()));
    assertEquals(
        "docs/specs.md's step reference is stale; regenerate it with: java -cp"
            + " pipelines/target/tributary-pipelines-0.1.0-SNAPSHOT-bundled.jar"
            + " io.tributary.pipelines.spec.SpecReference docs/specs.md",
        expected,
        text);
  }
}
