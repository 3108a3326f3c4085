package io.tributary.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tributary.pipelines.clickstream.ClickstreamJob;
import io.tributary.pipelines.erasure.ErasureJob;
import io.tributary.pipelines.ordersmart.OrdersMartJob;
import io.tributary.pipelines.runtime.PipelineDefinition;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** {@code tributary run <pipeline> --help}: every option of the job once, grouped by mixin. */
@RunWith(JUnit4.class)
public class PipelineHelpTest {
  private static int count(String help, String option) {
    Matcher m = Pattern.compile("(?m)^  --" + Pattern.quote(option) + "=").matcher(help);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  private static void listsOnce(PipelineDefinition job, String... options) {
    String help = Tributary.pipelineHelp(job);
    for (String o : options) {
      assertEquals(job.name() + " --" + o + " in\n" + help, 1, count(help, o));
    }
  }

  @Test
  public void clickstreamListsItsOwnAndTheMixinsOptionsGrouped() {
    listsOnce(
        new ClickstreamJob(),
        "input",
        "output",
        "overwrite",
        "source",
        "format",
        "registry",
        "window",
        "dedupTtl",
        "routerBuckets",
        "currencies",
        "pollInterval",
        "markers",
        "bootstrapServers",
        "topic",
        "maxRecords",
        "payloadFormat",
        "consumerGroup",
        "kafkaWatermark",
        "sinkTopic",
        "sinkShards",
        "sinkGroupId",
        "privacyPolicy",
        "keyset",
        "subjectKeys",
        "indexKeyId",
        "checks",
        "qualityRepository",
        "maxRecordBytes",
        "unknownFields",
        "lineage",
        "lineageNamespace",
        "progress",
        "progressInterval",
        "pricing",
        "pricePerVcpuHour",
        "profile");
    String help = Tributary.pipelineHelp(new ClickstreamJob());
    for (String group :
        new String[] {"\nOutput:\n", "\nSource:\n", "\nKafka:\n", "\nPrivacy:\n", "\nLineage:\n"}) {
      assertThat(help, containsString(group));
    }
    assertThat(help, not(containsString("parsedSettings")));
    assertThat(help, not(containsString("jdbcUrl")));
    assertTrue(help.indexOf("--window=") < help.indexOf("--lineage="));
  }

  @Test
  public void ordersMartAndErasureListTheirOptionsOnce() {
    listsOnce(
        new OrdersMartJob(),
        "orders",
        "products",
        "ordersTopic",
        "productsTopic",
        "kafkaOffsets",
        "partitions",
        "source",
        "bootstrapServers",
        "output",
        "jdbcUrl",
        "jdbcUser",
        "jdbcPassword",
        "maxRecordBytes",
        "lineage");
    listsOnce(
        new ErasureJob(),
        "requests",
        "requestsTopic",
        "requestsGroup",
        "config",
        "audit",
        "output",
        "bootstrapServers",
        "maxRecords",
        "keyset",
        "subjectKeys",
        "indexKeyId",
        "jdbcUrl",
        "progress");
    String mart = Tributary.pipelineHelp(new OrdersMartJob());
    assertEquals(0, count(mart, "maxRecords"));
    assertEquals(0, count(mart, "topic"));
    String erasure = Tributary.pipelineHelp(new ErasureJob());
    assertEquals(0, count(erasure, "source"));
    assertEquals(0, count(erasure, "privacyPolicy"));
  }
}
