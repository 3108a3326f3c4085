package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.flink.api.common.time.Time;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.classloading.SubmoduleClassLoader;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.metrics.dump.MetricDumpSerialization;
import org.apache.flink.runtime.metrics.dump.MetricQueryService;
import org.apache.flink.runtime.rpc.RpcService;
import org.apache.flink.runtime.rpc.RpcSystem;
import org.apache.flink.runtime.rpc.pekko.PekkoRpcSystemLoader;
import org.apache.flink.runtime.webmonitor.retriever.MetricQueryServiceGateway;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The embedded Flink's RPC jar without Pekko's remoting still runs Flink's local RPC: a service
 * started from the trimmed jar, as Flink's own loader starts it, answers a call to one of Flink's
 * endpoints through Pekko's actors; and the trimming leaves out only what it says
 * (docs/operations.md, "The bundled jar").
 */
@RunWith(JUnit4.class)
public class FlinkRpcJarTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static Path loaderJar() throws Exception {
    return Path.of(
        PekkoRpcSystemLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  @Test
  public void aLocalRpcServiceStartsFromTheTrimmedJarAndAnswersACall() throws Exception {
    Path trimmed = tmp.getRoot().toPath().resolve("flink-rpc-akka.jar");
    FlinkRpcJar.Report report = FlinkRpcJar.write(loaderJar(), trimmed);
    assertThat(report.leftOut(), greaterThan(5_000));
    assertThat("the trimmed jar, stored", report.bytes(), lessThan(30_000_000L));

    try (SubmoduleClassLoader loader =
        new SubmoduleClassLoader(
            new URL[] {trimmed.toUri().toURL()}, RpcSystem.class.getClassLoader())) {
      RpcSystem rpc = ServiceLoader.load(RpcSystem.class, loader).iterator().next();
      RpcService service = rpc.localServiceBuilder(new Configuration()).createAndStart();
      try {
        // One of Flink's own endpoints, called through its gateway: a message to its actor and
        // the answer back, as every RPC of the embedded cluster goes.
        MetricQueryService metrics =
            MetricQueryService.createMetricQueryService(
                service, ResourceID.generate(), Long.MAX_VALUE);
        metrics.start();
        MetricQueryServiceGateway gateway =
            service
                .connect(metrics.getAddress(), MetricQueryServiceGateway.class)
                .get(60, TimeUnit.SECONDS);
        MetricDumpSerialization.MetricSerializationResult dump =
            gateway.queryMetrics(Time.seconds(60)).get(60, TimeUnit.SECONDS);
        assertEquals(0, dump.numCounters);
        assertEquals(0, dump.numGauges);
        metrics.closeAsync().get(60, TimeUnit.SECONDS);
      } finally {
        service.closeAsync().get(60, TimeUnit.SECONDS);
        rpc.close();
      }
    }
  }

  @Test
  public void leavesOutRemotingOnlyAndStoresEntries() throws Exception {
    Path trimmed = tmp.getRoot().toPath().resolve("flink-rpc-akka.jar");
    FlinkRpcJar.write(loaderJar(), trimmed);
    try (ZipFile jar = new ZipFile(trimmed.toFile())) {
      List<String> names = new ArrayList<>();
      jar.stream()
          .forEach(
              e -> {
                names.add(e.getName());
                assertEquals(e.getName(), ZipEntry.STORED, e.getMethod());
              });
      assertNull(jar.getEntry("org/apache/pekko/remote/RemoteActorRefProvider.class"));
      assertNull(jar.getEntry("org/apache/pekko/stream/SystemMaterializer$.class"));
      assertNull(jar.getEntry("org/jboss/netty/channel/ChannelException.class"));
      assertNotNull(jar.getEntry("org/jboss/netty/logging/Slf4JLoggerFactory.class"));
      assertNotNull(jar.getEntry("org/apache/pekko/actor/ActorSystem.class"));
      assertNotNull(jar.getEntry("org/apache/flink/runtime/rpc/pekko/PekkoRpcService.class"));
      assertNotNull(jar.getEntry("scala/Function1.class"));
      String conf =
          new String(
              jar.getInputStream(jar.getEntry(FlinkRpcJar.CONF)).readAllBytes(),
              StandardCharsets.UTF_8);
      assertFalse(conf.contains("org.apache.pekko.remote.serialization.ProtobufSerializer"));
      assertFalse(conf.contains("org.apache.pekko.stream.SystemMaterializer$"));
      assertTrue(conf.contains("java = \"org.apache.pekko.serialization.JavaSerializer\""));
      assertTrue(
          "remote settings stay as they are",
          conf.contains("\"org.apache.pekko.remote.transport.netty.NettyTransport\""));
    }
  }

  private static final Set<String> REMOVED =
      Set.of("org.example.remote.Serializer", "org.example.remote.Message", "org.example.Ext$");
  private static final Set<String> KEPT =
      Set.of("org.example.JavaSerializer", "org.example.Message");

  @Test
  public void patchRemovesSerializersTheirBindingsIdentifiersAndExtensions() {
    String conf =
        String.join(
            "\n",
            "# a comment { with a brace",
            "pekko.library-extensions += \"org.example.Ext$\"",
            "pekko {",
            "  actor {",
            "    serializers {",
            "      java = \"org.example.JavaSerializer\"",
            "      remote = \"org.example.remote.Serializer\"",
            "    }",
            "    serialization-bindings {",
            "      \"org.example.Message\" = remote",
            "      \"org.example.Message\" = java",
            "      \"org.example.remote.Message\" = java",
            "    }",
            "    serialization-identifiers {",
            "      \"org.example.remote.Serializer\" = 2",
            "      \"org.example.JavaSerializer\" = 1",
            "    }",
            "  }",
            "  \"/IO-DNS/inet-address\" {",
            "    transport = \"org.example.remote.Serializer\"",
            "  }",
            "}",
            "");
    List<String> removed = new ArrayList<>();
    String out = FlinkRpcJar.patchConf(conf, REMOVED, KEPT, removed);
    assertEquals(
        String.join(
            "\n",
            "# a comment { with a brace",
            "pekko {",
            "  actor {",
            "    serializers {",
            "      java = \"org.example.JavaSerializer\"",
            "    }",
            "    serialization-bindings {",
            "      \"org.example.Message\" = java",
            "    }",
            "    serialization-identifiers {",
            "      \"org.example.JavaSerializer\" = 1",
            "    }",
            "  }",
            "  \"/IO-DNS/inet-address\" {",
            "    transport = \"org.example.remote.Serializer\"",
            "  }",
            "}",
            ""),
        out);
    assertEquals(5, removed.size());
    assertThat(removed.get(0), containsString("2: pekko.library-extensions"));
  }

  @Test
  public void aFileOfAnotherShapeFailsTheBuild() {
    IllegalStateException unknownSerializer =
        assertThrows(
            IllegalStateException.class,
            () ->
                FlinkRpcJar.patchConf(
                    "pekko.actor.serializers {\n  x = \"org.example.Elsewhere\"\n}\n",
                    REMOVED,
                    KEPT,
                    new ArrayList<>()));
    assertThat(
        unknownSerializer.getMessage(),
        containsString("2: serializer org.example.Elsewhere is not in the jar"));
    IllegalStateException nothing =
        assertThrows(
            IllegalStateException.class,
            () -> FlinkRpcJar.patchConf("pekko {\n}\n", REMOVED, KEPT, new ArrayList<>()));
    assertThat(nothing.getMessage(), containsString("no line names a left-out class"));
    IllegalStateException braces =
        assertThrows(
            IllegalStateException.class,
            () ->
                FlinkRpcJar.patchConf(
                    "pekko {\n  actor {\n" + "pekko.library-extensions += \"org.example.Ext$\"\n",
                    REMOVED,
                    KEPT,
                    new ArrayList<>()));
    assertThat(braces.getMessage(), containsString("unbalanced braces: 2 blocks left open"));
  }
}
