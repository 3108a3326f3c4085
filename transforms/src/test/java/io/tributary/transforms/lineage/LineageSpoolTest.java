package io.tributary.transforms.lineage;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Undelivered OpenLineage events are kept, said once each with where they are, and delivered later
 * to a real local HTTP receiver (the JDK's server, speaking Marquez's {@code /api/v1/lineage}).
 */
@RunWith(JUnit4.class)
public class LineageSpoolTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String START = "{\"eventType\":\"START\",\"run\":{\"runId\":\"r-1\"}}";
  private static final String COMPLETE = "{\"eventType\":\"COMPLETE\",\"run\":{\"runId\":\"r-1\"}}";

  private HttpServer receiver;
  private final List<String> received = new CopyOnWriteArrayList<>();

  @After
  public void stop() {
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  /** A receiver on a free port answering {@code status} to every POST; returns its base URL. */
  private String receiver(int status) throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/api/v1/lineage",
        exchange -> {
          received.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    receiver.start();
    return "http://127.0.0.1:" + receiver.getAddress().getPort();
  }

  /** A URL where nothing listens. */
  private static String nothingListening(String userInfo) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    return "http://" + userInfo + "127.0.0.1:" + port;
  }

  @Test
  public void eventsNotDeliveredAreKeptAndSaidOnceEach() throws Exception {
    Path spool = tmp.getRoot().toPath().resolve("out").resolve(LineageSpool.FILE_NAME);
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    String dead = nothingListening("");
    LineageTransport t =
        LineageSpool.keeping(dead, spool, new PrintStream(warnings, true, StandardCharsets.UTF_8));
    t.emit(START);
    t.emit(COMPLETE);

    List<String> lines = Files.readAllLines(spool);
    assertThat(lines, hasSize(2));
    assertThat(JSON.readTree(lines.get(0)).path("event"), equalTo(JSON.readTree(START)));
    assertThat(JSON.readTree(lines.get(1)).path("event"), equalTo(JSON.readTree(COMPLETE)));
    assertThat(JSON.readTree(lines.get(0)).path("destination").asText(), equalTo(dead));
    assertThat(
        JSON.readTree(lines.get(0)).path("error").asText(), containsString("ConnectException"));
    String said = warnings.toString(StandardCharsets.UTF_8);
    assertThat(said.lines().count(), equalTo(2L));
    assertThat(said, containsString("not delivered to " + dead + " (ConnectException"));
    assertThat(said, containsString("send it again with: tributary lineage --resend " + spool));
    assertThat(said, not(containsString("null")));
  }

  @Test
  public void resendDeliversKeptEventsInOrderAndRemovesTheSpool() throws Exception {
    Path spool = tmp.getRoot().toPath().resolve(LineageSpool.FILE_NAME);
    LineageTransport t = LineageSpool.keeping(nothingListening(""), spool, quiet());
    t.emit(START);
    t.emit(COMPLETE);

    String url = receiver(200);
    LineageSpool.Resent r = LineageSpool.resend(spool, url);
    assertThat(r.delivered(), equalTo(2));
    assertThat(r.kept(), equalTo(0));
    assertThat(received, hasSize(2));
    assertThat(JSON.readTree(received.get(0)), equalTo(JSON.readTree(START)));
    assertThat(JSON.readTree(received.get(1)), equalTo(JSON.readTree(COMPLETE)));
    assertFalse("an empty spool is removed", Files.exists(spool));
  }

  @Test
  public void refusedEventsStayKeptWithTheNewError() throws Exception {
    Path spool = tmp.getRoot().toPath().resolve(LineageSpool.FILE_NAME);
    LineageSpool.keeping(nothingListening(""), spool, quiet()).emit(START);

    LineageSpool.Resent r = LineageSpool.resend(spool, receiver(503));
    assertThat(r.kept(), equalTo(1));
    assertThat(r.lastError(), containsString("HTTP 503"));
    List<String> lines = Files.readAllLines(spool);
    assertThat(lines, hasSize(1));
    assertThat(JSON.readTree(lines.get(0)).path("error").asText(), containsString("HTTP 503"));
    assertThat(JSON.readTree(lines.get(0)).path("event"), equalTo(JSON.readTree(START)));
  }

  @Test
  public void aPasswordInTheUrlReachesNeitherTheWarningNorTheSpool() throws Exception {
    Path spool = tmp.getRoot().toPath().resolve(LineageSpool.FILE_NAME);
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    LineageSpool.keeping(
            nothingListening("lineage:s3cr3t-pw@"),
            spool,
            new PrintStream(warnings, true, StandardCharsets.UTF_8))
        .emit(START);
    assertTrue(Files.exists(spool));
    assertThat(Files.readString(spool), not(containsString("s3cr3t-pw")));
    assertThat(warnings.toString(StandardCharsets.UTF_8), not(containsString("s3cr3t-pw")));
    assertThat(warnings.toString(StandardCharsets.UTF_8), containsString("http://***@127.0.0.1:"));
  }

  @Test
  public void aFileThatIsNotASpoolIsRefusedNamingTheLine() throws Exception {
    Path notSpool = tmp.newFile("events.jsonl").toPath();
    Files.writeString(notSpool, START + "\n");
    try {
      LineageSpool.resend(notSpool, null);
      throw new AssertionError("accepted a file that is not a spool");
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage(), containsString("events.jsonl:1: not a kept OpenLineage event"));
    }
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }
}
