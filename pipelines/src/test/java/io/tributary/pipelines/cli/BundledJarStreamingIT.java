package io.tributary.pipelines.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.Testdata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A streaming job from the bundled jar itself, on its embedded Flink ({@code java -jar}, as a
 * developer runs it): the clickstream job reads a Kafka topic without an end, with checkpoints
 * every second, and the checkpoints complete, which the Kafka source shows by committing the
 * group's offsets when they do. This is what the module tests, on Maven's class path, cannot check:
 * the jar's own contents and manifest. It failed twice before the jar was fixed: Flink's streaming
 * task used a Guava copy the jar left out (NoClassDefFoundError at the first record), and Kryo
 * could not snapshot operator state without the jar's {@code Add-Opens}
 * (InaccessibleObjectException at the first checkpoint). Runs once, in {@code it-direct}.
 */
@RunWith(JUnit4.class)
public class BundledJarStreamingIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final String GROUP = "bundled-jar-it";

  @Test
  public void aKafkaJobOnTheEmbeddedFlinkCheckpointsAndCommitsItsOffsets() throws Exception {
    Testdata.assumeClusterExecution();
    List<String> lines = Files.readAllLines(Testdata.file("clickstream/small.jsonl"));
    try (KafkaBroker kafka = KafkaBroker.start()) {
      kafka.createTopic("clicks", 2);
      kafka.send("clicks", lines);
      Path err = tmp.newFile("stderr.txt").toPath();
      Process job =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  Testdata.bundledJar().toString(),
                  "run",
                  "clickstream",
                  "--source=kafka",
                  "--bootstrapServers=" + kafka.bootstrapServers(),
                  "--topic=clicks",
                  "--payloadFormat=json",
                  "--consumerGroup=" + GROUP,
                  "--checkpointingInterval=1000",
                  "--output=" + tmp.newFolder("out"))
              .redirectOutput(tmp.newFile("stdout.txt"))
              .redirectError(err.toFile())
              .start();
      long committed = -1;
      try (Admin admin = kafka.admin()) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline && job.isAlive()) {
          committed = committed(admin);
          if (committed == lines.size() || failure(Files.readString(err)) != null) {
            break;
          }
          Thread.sleep(1_000);
        }
      } finally {
        job.destroy();
        if (!job.waitFor(60, TimeUnit.SECONDS)) {
          job.destroyForcibly();
        }
      }
      String stderr = Files.readString(err, StandardCharsets.UTF_8);
      assertNull("the job's first failure", failure(stderr));
      assertEquals(
          "offsets committed by completed checkpoints, of "
              + lines.size()
              + "; the job's stderr ends:\n"
              + stderr.substring(Math.max(0, stderr.length() - 3_000)),
          lines.size(),
          committed);
    }
  }

  /** The first line of {@code stderr} naming one of the jar's past failures, or null. */
  private static String failure(String stderr) {
    for (String line : stderr.split("\n")) {
      if (line.contains("NoClassDefFoundError") || line.contains("InaccessibleObjectException")) {
        return line;
      }
    }
    return null;
  }

  /** The sum of the group's committed offsets over the topic's partitions, 0 when none. */
  private static long committed(Admin admin) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        admin
            .listConsumerGroupOffsets(GROUP)
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS);
    return offsets.values().stream().filter(o -> o != null).mapToLong(o -> o.offset()).sum();
  }
}
