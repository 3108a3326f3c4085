package io.tributary.transforms.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Keeps the OpenLineage events a {@link LineageTransport} could not deliver, and delivers them
 * later. Lineage never fails a run: an event that does not reach its destination (nothing
 * listening, an HTTP error) is appended to a spool file next to the run's outputs, one JSON line
 * per event with the destination, the time and the error, and a one-line warning says where it is
 * and how to send it again ({@code tributary lineage --resend FILE}).
 *
 * <pre>{@code
 * LineageTransport t = LineageSpool.keeping(
 *     "http://localhost:5000", Path.of("/tmp/out/_openlineage-undelivered.jsonl"), System.err);
 * t.emit(eventJson);                       // never throws; kept if not delivered
 * LineageSpool.Resent r = LineageSpool.resend(spoolFile, null);  // to each event's destination
 * }</pre>
 */
public final class LineageSpool {
  /** The spool file's name in a run's output directory. */
  public static final String FILE_NAME = "_openlineage-undelivered.jsonl";

  private static final ObjectMapper JSON = new ObjectMapper();

  private LineageSpool() {}

  /**
   * A transport to {@code destination} (as {@link LineageTransport#parse} reads it) that keeps what
   * it cannot deliver in {@code spool} and warns on {@code warnings}; it never throws.
   */
  public static LineageTransport keeping(String destination, Path spool, PrintStream warnings) {
    LineageTransport delivery = LineageTransport.parse(destination);
    return event -> {
      try {
        delivery.emit(event);
      } catch (IOException | RuntimeException e) {
        String error = hide(describe(e), destination);
        try {
          keep(spool, redact(destination), error, event);
          warnings.println(
              "tributary: warning: OpenLineage event not delivered to "
                  + redact(destination)
                  + " ("
                  + error
                  + "); kept in "
                  + spool
                  + "; send it again with: tributary lineage --resend "
                  + spool);
        } catch (IOException | RuntimeException k) {
          warnings.println(
              "tributary: warning: OpenLineage event not delivered to "
                  + redact(destination)
                  + " ("
                  + error
                  + ") and not kept either: "
                  + hide(describe(k), destination));
        }
      }
    };
  }

  /** What {@link #resend} did: events delivered, events kept (still undeliverable). */
  public static final class Resent {
    private final int delivered;
    private final int kept;
    private final @Nullable String lastError;

    Resent(int delivered, int kept, @Nullable String lastError) {
      this.delivered = delivered;
      this.kept = kept;
      this.lastError = lastError;
    }

    public int delivered() {
      return delivered;
    }

    public int kept() {
      return kept;
    }

    /** The last delivery error, or null when everything was delivered. */
    public @Nullable String lastError() {
      return lastError;
    }
  }

  /**
   * Sends every event in {@code spool} again, in order, to {@code destination} or, when null, to
   * the destination each was kept for. Delivered events leave the spool; the rest stay with their
   * new error; an empty spool is deleted.
   *
   * @throws IllegalArgumentException if {@code spool} is not a spool file (names the line)
   */
  public static Resent resend(Path spool, @Nullable String destination) throws IOException {
    List<String> lines = Files.readAllLines(spool, StandardCharsets.UTF_8);
    List<String> kept = new ArrayList<>();
    int delivered = 0;
    String lastError = null;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      JsonNode record;
      try {
        record = JSON.readTree(lines.get(i));
      } catch (IOException e) {
        throw new IllegalArgumentException(
            spool + ":" + (i + 1) + ": not a kept OpenLineage event (not JSON)", e);
      }
      if (!record.path("event").isObject() || !record.path("destination").isTextual()) {
        throw new IllegalArgumentException(
            spool + ":" + (i + 1) + ": not a kept OpenLineage event (no event or destination)");
      }
      String to = destination != null ? destination : record.path("destination").asText();
      String event = JSON.writeValueAsString(record.path("event"));
      try {
        LineageTransport.parse(to).emit(event);
        delivered++;
      } catch (IOException | RuntimeException e) {
        lastError = hide(describe(e), to);
        kept.add(line(redact(to), lastError, record.path("event")));
      }
    }
    if (kept.isEmpty()) {
      Files.deleteIfExists(spool);
    } else {
      Path tmp = spool.resolveSibling(spool.getFileName() + ".tmp");
      Files.write(tmp, kept, StandardCharsets.UTF_8);
      Files.move(tmp, spool, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
    return new Resent(delivered, kept.size(), lastError);
  }

  private static void keep(Path spool, String destination, String error, String event)
      throws IOException {
    Path parent = spool.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(
        spool,
        line(destination, error, JSON.readTree(event)) + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static String line(String destination, String error, JsonNode event) throws IOException {
    ObjectNode record = JSON.createObjectNode();
    record.put("kept_at", Instant.now().toString());
    record.put("destination", destination);
    record.put("error", error);
    record.set("event", event);
    return JSON.writeValueAsString(record);
  }

  /** The exception's class and message; Java's connection errors often have no message at all. */
  static String describe(Throwable e) {
    String message = e.getMessage();
    String name = e.getClass().getSimpleName();
    if (message == null || message.isBlank()) {
      Throwable cause = e.getCause();
      return cause != null && cause != e ? name + ": " + describe(cause) : name;
    }
    return name + ": " + message;
  }

  /**
   * The destination without user information: a password in a URL never reaches a log or the spool
   * (a kept event of such a destination is resent with {@code --lineage=URL}).
   */
  static String redact(String destination) {
    return hide(destination, destination);
  }

  /** {@code text} with the user information of {@code destination}'s URL replaced by ***. */
  static String hide(String text, String destination) {
    try {
      String userInfo = URI.create(destination).getRawUserInfo();
      if (userInfo != null && !userInfo.isEmpty()) {
        return text.replace(userInfo + "@", "***@");
      }
    } catch (IllegalArgumentException e) {
      // not a URL (file:...): nothing to hide
    }
    return text;
  }
}
