package io.tributary.pipelines.clickstream;

import io.tributary.io.kafka.testing.KafkaBroker;
import io.tributary.pipelines.Testdata;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.metrics.RunAccounting;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
// Fixtures send test records and then flush() (or close) the producer; a send that failed shows
// up as a missing record in the assertions, so the per-record futures are not checked.
@SuppressWarnings("FutureReturnValueIgnored")
public class ClickstreamKafkaIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void kafkaSourceGivesTheGoldenOutput() throws Exception {
    try (KafkaBroker kafka = KafkaBroker.start()) {
      kafka.createTopic(
          "clicks", 1); // one partition keeps the file's order, as the golden assumes nothing else
      List<String> lines = Files.readAllLines(ClickstreamGolden.SMALL);
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      try (KafkaProducer<byte[], byte[]> producer =
          new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        for (String line : lines) {
          producer.send(new ProducerRecord<>("clicks", line.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
      }
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
    }
  }
}
