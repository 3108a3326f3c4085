package io.tributary.pipelines.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A small client of Flink's REST API (the JobManager's web port): list jobs, cancel, trigger a
 * savepoint, stop with a savepoint. Used by {@code tributary jobs|cancel|savepoint|stop}.
 *
 * <pre>{@code
 * FlinkRest flink = new FlinkRest("localhost:8081");
 * for (FlinkRest.Job job : flink.jobs()) System.out.println(job.id() + " " + job.state());
 * String location = flink.savepoint(jobId, "file:///tmp/savepoints", Duration.ofMinutes(5));
 * }</pre>
 */
public final class FlinkRest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final String base;
  private final HttpClient http;

  /** A client for {@code host:port} (or a full {@code http://} URL). */
  public FlinkRest(String master) {
    this.base =
        (master.startsWith("http://") || master.startsWith("https://")
                ? master
                : "http://" + master)
            .replaceAll("/+$", "");
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** One job as the overview lists it. */
  public static final class Job {
    private final String id;
    private final String name;
    private final String state;
    private final long startTime;
    private final long durationMs;

    Job(String id, String name, String state, long startTime, long durationMs) {
      this.id = id;
      this.name = name;
      this.state = state;
      this.startTime = startTime;
      this.durationMs = durationMs;
    }

    /** The job id (32 hex digits). */
    public String id() {
      return id;
    }

    /** The job name, {@code tributary-<pipeline>-...} for our jobs. */
    public String name() {
      return name;
    }

    /** RUNNING, FINISHED, CANCELED, FAILED, ... */
    public String state() {
      return state;
    }

    /** Start time, epoch milliseconds. */
    public long startTime() {
      return startTime;
    }

    /** Run time so far, milliseconds. */
    public long durationMs() {
      return durationMs;
    }
  }

  /**
   * The cluster's Flink version, from its REST API: a cheap call that fails, as a usage error
   * naming {@code --flinkMaster}, when nothing answers.
   */
  public String version() throws IOException, UsageException {
    return call("GET", "/config", null).path("flink-version").asText();
  }

  /** Every job the cluster knows, newest first. */
  public List<Job> jobs() throws IOException, UsageException {
    JsonNode root = call("GET", "/jobs/overview", null);
    List<Job> jobs = new ArrayList<>();
    for (JsonNode j : root.path("jobs")) {
      jobs.add(
          new Job(
              j.path("jid").asText(),
              j.path("name").asText(),
              j.path("state").asText(),
              j.path("start-time").asLong(),
              j.path("duration").asLong()));
    }
    jobs.sort((a, b) -> Long.compare(b.startTime(), a.startTime()));
    return jobs;
  }

  /** The job's state: RUNNING, RESTARTING, FINISHED, CANCELED, FAILED, ... */
  public String state(String jobId) throws IOException, UsageException {
    return call("GET", "/jobs/" + checkId(jobId), null).path("state").asText();
  }

  /** How often the job restarted since it was submitted (Flink's {@code numRestarts} metric). */
  public long restarts(String jobId) throws IOException, UsageException {
    JsonNode metrics = call("GET", "/jobs/" + checkId(jobId) + "/metrics?get=numRestarts", null);
    for (JsonNode m : metrics) {
      if ("numRestarts".equals(m.path("id").asText())) {
        return m.path("value").asLong();
      }
    }
    return 0;
  }

  /** Completed checkpoints of the job so far. */
  public long completedCheckpoints(String jobId) throws IOException, UsageException {
    return call("GET", "/jobs/" + checkId(jobId) + "/checkpoints", null)
        .path("counts")
        .path("completed")
        .asLong();
  }

  /**
   * The checkpoint or savepoint the job last restored from (its path), or empty if it never
   * restored; Flink's {@code latest.restored} of the checkpoint statistics.
   */
  public java.util.Optional<String> restoredFrom(String jobId) throws IOException, UsageException {
    JsonNode restored =
        call("GET", "/jobs/" + checkId(jobId) + "/checkpoints", null)
            .path("latest")
            .path("restored");
    if (restored.isMissingNode() || restored.isNull()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        restored.path("external_path").asText(String.valueOf(restored.path("id").asLong())));
  }

  /** Failures Flink recorded for the job (its exception history); empty for a healthy job. */
  public List<String> exceptions(String jobId) throws IOException, UsageException {
    JsonNode root = call("GET", "/jobs/" + checkId(jobId) + "/exceptions", null);
    List<String> failures = new ArrayList<>();
    for (JsonNode e : root.path("exceptionHistory").path("entries")) {
      failures.add(
          e.path("exceptionName").asText() + ": " + firstLine(e.path("stacktrace").asText()));
    }
    return failures;
  }

  /** Cancels a job. */
  public void cancel(String jobId) throws IOException, UsageException {
    call("PATCH", "/jobs/" + checkId(jobId) + "?mode=cancel", null);
  }

  /** Triggers a savepoint and waits for it; returns its location. */
  public String savepoint(String jobId, String targetDirectory, Duration timeout)
      throws IOException, UsageException {
    ObjectNode body = MAPPER.createObjectNode().put("cancel-job", false);
    if (targetDirectory != null) {
      body.put("target-directory", targetDirectory);
    }
    return triggerAndAwait(jobId, "/savepoints", body, timeout);
  }

  /** Stops a job gracefully with a final savepoint and waits for it; returns its location. */
  public String stopWithSavepoint(String jobId, String targetDirectory, Duration timeout)
      throws IOException, UsageException {
    ObjectNode body = MAPPER.createObjectNode().put("drain", false);
    if (targetDirectory != null) {
      body.put("targetDirectory", targetDirectory);
    }
    return triggerAndAwait(jobId, "/stop", body, timeout);
  }

  /**
   * State size in bytes of the job's latest completed checkpoint ({@code /jobs/<id>/checkpoints}),
   * or -1 when none completed yet: the state size a cost estimate of a cluster job uses.
   */
  public long latestCheckpointStateSize(String jobId) throws IOException, UsageException {
    JsonNode completed =
        call("GET", "/jobs/" + checkId(jobId) + "/checkpoints", null)
            .path("latest")
            .path("completed");
    return completed.isMissingNode() || completed.isNull()
        ? -1
        : completed.path("state_size").asLong(-1);
  }

  /**
   * Metrics of a job's operators as Flink reports them, through {@code
   * /jobs/<id>/vertices/<vid>/metrics?get=...}: every metric whose id contains {@code contains}
   * (e.g. {@code tributary}), keyed {@code <vertex name>/<metric id>}, where the id starts with the
   * subtask index. Beam's Flink runner registers each Beam counter and distribution in the
   * operator's metric group, so Tributary's counters appear here while the job runs.
   */
  public java.util.Map<String, String> metrics(String jobId, String contains)
      throws IOException, UsageException {
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    for (JsonNode vertex : call("GET", "/jobs/" + checkId(jobId), null).path("vertices")) {
      String vid = vertex.path("id").asText();
      List<String> ids = new java.util.ArrayList<>();
      for (JsonNode m : call("GET", "/jobs/" + jobId + "/vertices/" + vid + "/metrics", null)) {
        if (m.path("id").asText().contains(contains)) {
          ids.add(m.path("id").asText());
        }
      }
      // in batches: the ids are long and the query string has a limit
      for (int from = 0; from < ids.size(); from += 20) {
        String get = String.join(",", ids.subList(from, Math.min(ids.size(), from + 20)));
        String query = java.net.URLEncoder.encode(get, java.nio.charset.StandardCharsets.UTF_8);
        for (JsonNode m :
            call("GET", "/jobs/" + jobId + "/vertices/" + vid + "/metrics?get=" + query, null)) {
          out.put(
              vertex.path("name").asText() + "/" + m.path("id").asText(), m.path("value").asText());
        }
      }
    }
    return out;
  }

  /** Both savepoint operations are asynchronous: POST returns a trigger id to poll. */
  private String triggerAndAwait(String jobId, String operation, ObjectNode body, Duration timeout)
      throws IOException, UsageException {
    String trigger =
        call("POST", "/jobs/" + checkId(jobId) + operation, body).path("request-id").asText();
    return awaitSavepoint(jobId, trigger, timeout);
  }

  private String awaitSavepoint(String jobId, String trigger, Duration timeout)
      throws IOException, UsageException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode status = call("GET", "/jobs/" + jobId + "/savepoints/" + trigger, null);
      if ("COMPLETED".equals(status.path("status").path("id").asText())) {
        JsonNode op = status.path("operation");
        if (op.has("failure-cause")) {
          throw new IOException(
              "savepoint failed: "
                  + op.path("failure-cause").path("class").asText()
                  + ": "
                  + firstLine(op.path("failure-cause").path("stack-trace").asText()));
        }
        return op.path("location").asText();
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the savepoint", e);
      }
    }
    throw new IOException(
        "savepoint of job " + jobId + " not completed within " + timeout.toSeconds() + " s");
  }

  private static String checkId(String jobId) throws UsageException {
    if (jobId == null || !jobId.matches("[0-9a-f]{32}")) {
      throw new UsageException(
          "job id: expected 32 hex digits as `tributary jobs` lists them, got '" + jobId + "'");
    }
    return jobId;
  }

  private JsonNode call(String method, String path, JsonNode body)
      throws IOException, UsageException {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    HttpRequest.BodyPublisher publisher =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body));
    req.method(method, publisher).header("Content-Type", "application/json");
    HttpResponse<String> response;
    try {
      response = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new UsageException(
          "--flinkMaster: no Flink REST API answers at "
              + base
              + " (start one with runners-config/flink/cluster.sh start)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (response.statusCode() == 404) {
      throw new UsageException(
          "Flink at " + base + " knows no such job or resource (" + path + ")");
    }
    if (response.statusCode() >= 400) {
      JsonNode error = parse(response.body());
      String detail =
          error.path("errors").isArray() && error.path("errors").size() > 0
              ? firstLine(error.path("errors").get(0).asText())
              : "HTTP " + response.statusCode();
      throw new IOException("Flink REST " + method + " " + path + ": " + detail);
    }
    return parse(response.body());
  }

  private static JsonNode parse(String body) throws IOException {
    return body == null || body.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(body);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
