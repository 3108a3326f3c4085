package io.tributary.pipelines.options;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;

import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** {@link SourceKind} parsing and the {@link ParsedSettings} cache. */
@RunWith(JUnit4.class)
public class SourceKindTest {
  @Test
  public void parsesTheAcceptedKindsAndNamesThemOtherwise() {
    assertEquals(SourceKind.KAFKA, SourceKind.parse("kafka", SourceKind.FILE, SourceKind.KAFKA));
    assertEquals(SourceKind.FILE, SourceKind.parse(null, SourceKind.FILE, SourceKind.KAFKA));
    assertEquals(
        "--source: expected file or kafka, got 'watch'",
        assertThrows(
                IllegalArgumentException.class,
                () -> SourceKind.parse("watch", SourceKind.FILE, SourceKind.KAFKA))
            .getMessage());
    assertEquals(
        "--source: expected file, watch or kafka, got 'ftp'",
        assertThrows(
                IllegalArgumentException.class,
                () -> SourceKind.parse("ftp", SourceKind.FILE, SourceKind.WATCH, SourceKind.KAFKA))
            .getMessage());
  }

  @Test
  public void parsedSettingsAreKeptUntilAnOptionChanges() {
    SourceOptions o = PipelineOptionsFactory.fromArgs("--source=kafka").as(SourceOptions.class);
    int[] parses = {0};
    java.util.function.Function<SourceOptions, Object> parser =
        x -> {
          parses[0]++;
          return new Object();
        };
    Object first = ParsedSettings.of(o, SourceOptions.class, Object.class, parser);
    assertSame(first, ParsedSettings.of(o, SourceOptions.class, Object.class, parser));
    assertEquals(1, parses[0]);
    o.setSource("file");
    assertNotSame(first, ParsedSettings.of(o, SourceOptions.class, Object.class, parser));
    assertEquals(2, parses[0]);
  }
}
