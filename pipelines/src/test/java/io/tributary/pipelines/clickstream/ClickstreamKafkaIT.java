package io.tributary.pipelines.clickstream;

import static org.junit.Assert.assertEquals;

import io.tributary.io.kafka.KafkaChecks;
import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.cli.CliRun;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.metrics.RunAccounting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The clickstream pipeline, unchanged, over a Kafka topic of a real broker: the 1,000 lines of
 * testdata/clickstream/small.jsonl as JSON messages (malformed ones included) give the golden
 * aggregates and the same accounting as the file source.
 */
@RunWith(JUnit4.class)
public class ClickstreamKafkaIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void kafkaSourceGivesTheGoldenOutput() throws Exception {
    try (KafkaBroker kafka = KafkaBroker.start()) {
      kafka.createTopic(
          "clicks", 1); // one partition keeps the file's order, as the golden assumes nothing else
      List<String> lines = Files.readAllLines(ClickstreamGolden.SMALL);
      kafka.send("clicks", lines);
      String out = tmp.newFolder("out").toString();
      // Bounded for the test: --maxRecords stops the source after the 1,000 messages produced.
      RunAccounting a =
          ClickstreamGolden.run(
              ClickstreamGolden.options(
                  out,
                  "--source=kafka",
                  "--bootstrapServers=" + kafka.bootstrapServers(),
                  "--topic=clicks",
                  "--payloadFormat=json",
                  "--maxRecords=" + lines.size(),
                  "--consumerGroup=it-" + TestRunners.current()));
      ClickstreamSourcesTest.assertSmallAccounting(a);
      Testdata.assertMatchesGolden("small", Path.of(ClickstreamPipeline.aggregatesDir(out)));

      // The CLI's start-up check: the topic there passes, a mistyped one is one line, exit 2.
      KafkaChecks.requireTopics(
          "--bootstrapServers", kafka.bootstrapServers(), "--topic", List.of("clicks"));
      CliRun typo =
          CliRun.of(
              "run",
              "clickstream",
              "--source=kafka",
              "--bootstrapServers=" + kafka.bootstrapServers(),
              "--topic=clikcs",
              "--output=" + tmp.newFolder("typo"));
      assertEquals(typo.err, 2, typo.code);
      assertEquals(
          "tributary: --topic: topic 'clikcs' does not exist at "
              + kafka.bootstrapServers()
              + " (create it, e.g. runners-config/kafka/broker.sh create-topic clikcs 2)",
          typo.err.strip());
    }
  }
}
