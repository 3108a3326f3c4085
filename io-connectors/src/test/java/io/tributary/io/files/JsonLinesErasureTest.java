package io.tributary.io.files;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * JsonLinesErasure finds a subject at top level, inside a dead letter's JSON payload, and in a
 * payload cut off right after the value; never a longer id that starts with it; and leaves files
 * without the subject untouched. No pipeline: identical on both surefire executions.
 */
@RunWith(JUnit4.class)
public class JsonLinesErasureTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static final List<String> LINES =
      List.of(
          "{\"user_id\":\"u-1\",\"n\":1}",
          "{\"stage\":\"validate\",\"payload\":\"{\\\"user_id\\\":\\\"u-1\\\",\\\"price\\\":-3}\"}",
          "{\"stage\":\"decode\",\"payload\":\"{\\\"event_id\\\":\\\"e-8\\\",\\\"user_id\\\":\\\"u-1\"}",
          "{\"user_id\": \"u-10\",\"n\":2}",
          "{\"user_id\":\"u-2\",\"note\":\"u-1 in free text is not a field\"}");

  @Test
  public void deletesTheSubjectsLinesWhereverTheFieldIs() throws Exception {
    Path dir = tmp.newFolder("dl").toPath();
    Files.write(dir.resolve("dead-letters-00000-of-00001.jsonl"), LINES);
    Files.write(dir.resolve("other.jsonl"), List.of("{\"user_id\":\"u-3\"}"));
    long before = Files.getLastModifiedTime(dir.resolve("other.jsonl")).toMillis();
    JsonLinesErasure.Outcome o =
        JsonLinesErasure.in(dir.toString(), "user_id").erase(Set.of("u-1", "u-9"));
    assertEquals(3, o.rows("u-1"));
    assertEquals(0, o.rows("u-9"));
    assertEquals(1, o.filesRewritten());
    assertEquals(
        List.of(LINES.get(3), LINES.get(4)),
        Files.readAllLines(dir.resolve("dead-letters-00000-of-00001.jsonl")));
    assertEquals(before, Files.getLastModifiedTime(dir.resolve("other.jsonl")).toMillis());
    try (var files = Files.list(dir)) {
      assertFalse(
          "no temporary file left",
          files.anyMatch(p -> p.getFileName().toString().startsWith(".")));
    }
    assertEquals(
        0, JsonLinesErasure.in(dir.toString(), "user_id").erase(Set.of("u-1")).rows("u-1"));
  }

  @Test
  public void rewritingKeepsTheLinesWithTheValueErased() throws Exception {
    Path dir = tmp.newFolder("q").toPath();
    Files.write(dir.resolve("q.jsonl"), LINES);
    JsonLinesErasure.Outcome o =
        JsonLinesErasure.in(dir.toString(), "user_id").rewriting().erase(Set.of("u-1"));
    assertEquals(3, o.rows("u-1"));
    List<String> out = Files.readAllLines(dir.resolve("q.jsonl"));
    assertEquals("{\"user_id\":\"[erased]\",\"n\":1}", out.get(0));
    assertEquals(
        "{\"stage\":\"validate\",\"payload\":\"{\\\"user_id\\\":\\\"[erased]\\\",\\\"price\\\":-3}\"}",
        out.get(1));
    assertEquals(
        "{\"stage\":\"decode\",\"payload\":\"{\\\"event_id\\\":\\\"e-8\\\",\\\"user_id\\\":\\\"[erased]\"}",
        out.get(2));
    assertEquals(LINES.subList(3, 5), out.subList(3, 5));
  }

  @Test
  public void aMissingDirectoryErasesNothing() throws Exception {
    JsonLinesErasure.Outcome o =
        JsonLinesErasure.in(tmp.getRoot() + "/none", "user_id").erase(Set.of("u-1"));
    assertFalse(o.exists());
    assertEquals(0, o.rows("u-1"));
  }
}
