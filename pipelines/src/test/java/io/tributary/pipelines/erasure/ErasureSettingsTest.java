package io.tributary.pipelines.erasure;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertThrows;

import io.tributary.pipelines.runtime.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** {@link ErasureSettings}: every bad option is one line naming it; one parse per run. */
@RunWith(JUnit4.class)
public class ErasureSettingsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private Path requests;
  private Path keyset;
  private Path config;
  private Path dbConfig;

  @Before
  public void files() throws Exception {
    requests = tmp.newFile("requests.txt").toPath();
    Files.writeString(requests, "u-00001\n");
    keyset = tmp.newFile("keyset.json").toPath();
    Files.writeString(keyset, "{\"primary\":\"k1\",\"keys\":{\"k1\":\"" + "A".repeat(44) + "\"}}");
    config = tmp.newFile("erasure.json").toPath();
    Files.writeString(
        config,
        "{\"datasets\":[{\"name\":\"dl\",\"kind\":\"jsonl\",\"path\":\""
            + tmp.getRoot().toPath().resolve("dl")
            + "\",\"subject\":\"user_id\",\"action\":\"delete\"}]}");
    dbConfig = tmp.newFile("erasure-db.json").toPath();
    Files.writeString(
        dbConfig,
        "{\"datasets\": [{\"name\": \"orders-db\", \"kind\": \"postgres\", \"table\": \"orders\", \"subject\": \"customer_id\"}]}");
  }

  private ErasureOptions options(String... args) {
    List<String> all = new ArrayList<>();
    all.add("--output=" + tmp.getRoot());
    all.addAll(List.of(args));
    return PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(ErasureOptions.class);
  }

  private String parseError(String... args) {
    String message =
        assertThrows(IllegalArgumentException.class, () -> ErasureSettings.of(options(args)))
            .getMessage();
    assertFalse("one line: " + message, message.contains("\n"));
    assertEquals(
        message,
        assertThrows(UsageException.class, () -> new ErasureJob().validate(options(args)))
            .getMessage());
    return message;
  }

  @Test
  public void eachBadOptionIsOneLineNamingIt() {
    assertEquals(
        "--requests: give either --requests=FILE or --requestsTopic=TOPIC (with --bootstrapServers), not both or neither",
        parseError("--config=" + config, "--keyset=file:" + keyset));
    assertEquals(
        "--bootstrapServers: required with --requestsTopic; expected host:port[,host:port]",
        parseError("--requestsTopic=t", "--config=" + config, "--keyset=file:" + keyset));
    assertEquals(
        "--config: '/no/such.json' is not a readable file",
        parseError("--requests=" + requests, "--config=/no/such.json", "--keyset=file:" + keyset));
    assertEquals(
        "--keyset: required; expected file:<path> or env:<VARIABLE> (the keyset the producing pipelines used)",
        parseError("--requests=" + requests, "--config=" + config));
    assertEquals(
        "--jdbcUrl: --config names PostgreSQL tables; expected jdbc:postgresql://host:port/database, got ''",
        parseError("--requests=" + requests, "--config=" + dbConfig, "--keyset=file:" + keyset));
  }

  @Test
  public void oneParsePerRun() throws Exception {
    ErasureOptions o =
        options("--requests=" + requests, "--config=" + config, "--keyset=file:" + keyset);
    ErasureSettings parsed = ErasureSettings.of(o);
    new ErasureJob().validate(o);
    assertSame(parsed, ErasureSettings.of(o));
    assertSame(parsed.config(), ErasureSettings.of(o).config());
    assertEquals(tmp.getRoot().toPath().resolve("erasure-audit.jsonl").toString(), parsed.audit());
  }
}
