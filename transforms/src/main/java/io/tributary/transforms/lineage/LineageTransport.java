package io.tributary.transforms.lineage;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Delivers OpenLineage events: appended as JSON lines to a file (the default), or POSTed to a
 * Marquez-compatible endpoint ({@code /api/v1/lineage}).
 *
 * <pre>{@code
 * LineageTransport t = LineageTransport.parse("file:/tmp/out/_openlineage.jsonl");
 * LineageTransport m = LineageTransport.parse("http://localhost:5000");
 * t.emit(eventJson);
 * }</pre>
 */
public interface LineageTransport {
  /** Delivers one event (one JSON object). */
  void emit(String eventJson) throws IOException;

  /** Parses {@code none}, {@code file:PATH} or an {@code http(s)://} base URL. */
  static LineageTransport parse(String spec) {
    if (spec == null || spec.equals("none")) {
      return event -> {};
    }
    if (spec.startsWith("file:")) {
      Path file = Path.of(spec.substring("file:".length()));
      return event -> {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(
            file,
            event + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      };
    }
    if (spec.startsWith("http://") || spec.startsWith("https://")) {
      URI endpoint = URI.create(spec.replaceAll("/+$", "") + "/api/v1/lineage");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      return event -> {
        HttpRequest request =
            HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(event))
                .build();
        try {
          HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() >= 300) {
            throw new IOException(
                "OpenLineage endpoint " + endpoint + " answered HTTP " + response.statusCode());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while sending lineage to " + endpoint, e);
        }
      };
    }
    throw new IllegalArgumentException(
        "--lineage: expected none, file:<path> or http(s)://host:port, got '" + spec + "'");
  }
}
