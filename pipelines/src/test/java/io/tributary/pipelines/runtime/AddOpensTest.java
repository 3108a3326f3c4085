package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The packages the bundled jar opens ({@code Add-Opens} in its manifest, for {@code java -jar}) and
 * the ones the local cluster's JVMs open ({@code --add-opens} in runners-config/flink/cluster.sh)
 * are one list written twice: Kryo needs them for operator state on Java 17, wherever the job runs.
 * This test keeps the two copies equal.
 */
@RunWith(JUnit4.class)
public class AddOpensTest {
  private static final Pattern MANIFEST = Pattern.compile("<Add-Opens>([^<]*)</Add-Opens>");
  private static final Pattern FLAG = Pattern.compile("--add-opens\\s+(\\S+)=ALL-UNNAMED");

  @Test
  public void bundledJarAndClusterOpenTheSamePackages() throws IOException {
    Set<String> jar = new TreeSet<>();
    Matcher m = MANIFEST.matcher(read(Paths.get("pom.xml")));
    while (m.find()) {
      jar.addAll(Arrays.asList(m.group(1).trim().split("\\s+")));
    }
    Set<String> cluster = new TreeSet<>();
    Matcher f = FLAG.matcher(read(Paths.get("..", "runners-config", "flink", "cluster.sh")));
    while (f.find()) {
      cluster.add(f.group(1));
    }
    assertThat("pipelines/pom.xml has an Add-Opens entry", jar, hasItem("java.base/java.util"));
    assertEquals(
        "Add-Opens of pipelines/pom.xml vs --add-opens of runners-config/flink/cluster.sh",
        jar,
        cluster);
  }

  private static String read(Path p) throws IOException {
    return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
  }
}
