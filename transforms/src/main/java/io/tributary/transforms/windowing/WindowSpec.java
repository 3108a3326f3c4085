package io.tributary.transforms.windowing;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import com.google.auto.value.AutoValue;
import io.tributary.transforms.values.Durations;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.transforms.windowing.AfterPane;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Sessions;
import org.apache.beam.sdk.transforms.windowing.SlidingWindows;
import org.apache.beam.sdk.transforms.windowing.Trigger;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Duration;

/**
 * An event-time windowing and trigger specification that parses from one short string and prints
 * back in the same canonical form.
 *
 * <p>Grammar ({@code docs/streaming.md} has a timeline example):
 *
 * <pre>
 * spec      := window (";" option)*
 * window    := "fixed:" DUR | "sliding:" DUR "/" DUR | "session:" DUR | "global"
 * option    := "early=" firing | "late=" firing | "lateness=" DUR | "accumulating" | "discarding"
 * firing    := DUR                 (processing-time delay after the first element of the pane)
 *            | "count:" N          (every N elements)
 *            | "every"             (every element, same as count:1)
 * DUR       := 500ms | 30s | 15m | 1h | 2d
 * </pre>
 *
 * <p>The trigger is always "at the watermark" ({@code AfterWatermark.pastEndOfWindow()}), with the
 * optional early and late firings. {@code lateness} greater than zero requires {@code late=...},
 * because without late firings Beam's closed trigger would drop the data the lateness was meant to
 * admit, silently; {@code late=...} without lateness is rejected as having no effect. Panes are
 * discarding unless {@code accumulating} is given. Options may come in any order; {@link
 * #toString()} prints the canonical order {@code window;early;late;lateness;accumulating} and omits
 * defaults ({@code discarding}, zero lateness), and {@code parse(spec.toString())} equals {@code
 * spec}.
 *
 * <p>No empty pane is ever emitted: on-time and final panes fire only if an element arrived since
 * the window's previous pane (see {@link #toWindow()}).
 *
 * <pre>{@code
 * WindowSpec spec = WindowSpec.parse("fixed:1h;early=1m;late=every;lateness=2h;accumulating");
 * spec.toString();              // "fixed:1h;early=1m;late=every;lateness=2h;accumulating"
 * spec.allowedLateness();       // PT7200S
 * PCollection<Row> windowed = rows.apply("Window", spec.<Row>toWindow());
 * }</pre>
 */
@AutoValue
public abstract class WindowSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The kind of window. */
  public enum Kind {
    /** Tumbling windows of one size. */
    FIXED,
    /** Overlapping windows of one size, starting every period. */
    SLIDING,
    /** Per-key activity windows that close after a gap without events. */
    SESSION,
    /** One window for all of time. */
    GLOBAL
  }

  /** The window kind. */
  public abstract Kind kind();

  /** Window size (fixed, sliding) or gap (session); null for global. */
  public abstract @Nullable Duration size();

  /** Sliding period; null unless sliding. */
  public abstract @Nullable Duration period();

  /** Early firings before the watermark passes the end of the window, or null for none. */
  public abstract @Nullable Firing early();

  /** Late firings after the watermark, within the allowed lateness, or null for none. */
  public abstract @Nullable Firing late();

  /** How long after the end of a window (event time) data is still admitted. */
  public abstract Duration allowedLateness();

  /** Whether each pane contains everything so far (true) or only what is new (false). */
  public abstract boolean accumulating();

  /** When a pane fires before or after the watermark: every N elements or after a delay. */
  @AutoValue
  public abstract static class Firing implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Element count that fires a pane; 0 when this is a processing-time delay. */
    public abstract long count();

    /** Processing-time delay after the first element of a pane; null when count-based. */
    public abstract @Nullable Duration delay();

    /** Fires after every {@code n} elements. */
    public static Firing everyElements(long n) {
      checkArgument(n >= 1, "WindowSpec.Firing.everyElements: n must be >= 1, got %s", n);
      return new AutoValue_WindowSpec_Firing(n, null);
    }

    /** Fires {@code delay} of processing time after the first element of a pane. */
    public static Firing afterDelay(Duration delay) {
      checkArgument(
          delay != null && delay.isLongerThan(Duration.ZERO),
          "WindowSpec.Firing.afterDelay: delay must be > 0, got %s",
          delay);
      return new AutoValue_WindowSpec_Firing(0, delay);
    }

    Trigger.OnceTrigger trigger() {
      Duration d = delay();
      return d != null
          ? AfterProcessingTime.pastFirstElementInPane().plusDelayOf(d)
          : AfterPane.elementCountAtLeast((int) count());
    }

    @Override
    public final String toString() {
      Duration d = delay();
      if (d != null) {
        return Durations.format(d);
      }
      return count() == 1 ? "every" : "count:" + count();
    }
  }

  /** Parses a spec string; fails naming the part that is wrong. */
  public static WindowSpec parse(String spec) {
    checkArgument(
        spec != null && !spec.isBlank(), "WindowSpec.parse: spec must not be empty; e.g. fixed:1h");
    String[] parts = spec.trim().split(";", -1);
    Builder b =
        new AutoValue_WindowSpec.Builder().setAllowedLateness(Duration.ZERO).setAccumulating(false);
    parseWindow(spec, parts[0].trim(), b);
    Map<String, String> seen = new LinkedHashMap<>();
    String lateness = null;
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i].trim();
      int eq = part.indexOf('=');
      String name = eq < 0 ? part : part.substring(0, eq);
      String value = eq < 0 ? null : part.substring(eq + 1).trim();
      String key = name.equals("discarding") ? "accumulating" : name;
      if (seen.containsKey(key)) {
        throw bad(spec, part, "given twice (also '" + seen.get(key) + "')");
      }
      seen.put(key, part);
      switch (name) {
        case "early":
          b.setEarly(parseFiring(spec, part, value));
          break;
        case "late":
          b.setLate(parseFiring(spec, part, value));
          break;
        case "lateness":
          if (value == null) {
            throw bad(spec, part, "expected lateness=<duration>, e.g. lateness=2h");
          }
          b.setAllowedLateness(duration(spec, part, value, true));
          lateness = part;
          break;
        case "accumulating":
        case "discarding":
          if (value != null) {
            throw bad(spec, part, "'" + name + "' takes no value");
          }
          b.setAccumulating(name.equals("accumulating"));
          break;
        default:
          throw bad(
              spec,
              part,
              "unknown option '"
                  + name
                  + "'; expected early=, late=, lateness=, accumulating or discarding");
      }
    }
    WindowSpec result = b.build();
    if (result.late() != null && !result.allowedLateness().isLongerThan(Duration.ZERO)) {
      throw bad(
          spec,
          seen.get("late"),
          "late firings need lateness=<duration> greater than zero; without it no data is late-accepted");
    }
    if (result.late() == null && result.allowedLateness().isLongerThan(Duration.ZERO)) {
      throw bad(
          spec,
          lateness,
          "lateness needs late firings (late=every, late=<duration> or late=count:N); "
              + "without them a closed trigger would drop the late data the lateness admits");
    }
    return result;
  }

  /**
   * Builds a spec from configuration keys {@code window} (required), {@code early}, {@code late},
   * {@code lateness} and {@code accumulation} ({@code accumulating} or {@code discarding}).
   */
  public static WindowSpec fromConfig(Map<String, String> config) {
    checkArgument(
        config != null && config.get("window") != null,
        "WindowSpec.fromConfig: key 'window' is required, e.g. window=fixed:1h");
    for (String key : config.keySet()) {
      checkArgument(
          key.equals("window")
              || key.equals("early")
              || key.equals("late")
              || key.equals("lateness")
              || key.equals("accumulation"),
          "WindowSpec.fromConfig: unknown key '%s'; expected window, early, late, lateness, accumulation",
          key);
    }
    StringBuilder s = new StringBuilder(config.get("window"));
    for (String key : new String[] {"early", "late", "lateness"}) {
      if (config.get(key) != null) {
        s.append(';').append(key).append('=').append(config.get(key));
      }
    }
    if (config.get("accumulation") != null) {
      s.append(';').append(config.get("accumulation"));
    }
    return parse(s.toString());
  }

  /** A copy with another allowed lateness (late firings must be set when it is positive). */
  public WindowSpec withAllowedLateness(Duration lateness, @Nullable Firing late) {
    return parse(toBuilder().setAllowedLateness(lateness).setLate(late).build().toString());
  }

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setKind(Kind kind);

    abstract Builder setSize(@Nullable Duration size);

    abstract Builder setPeriod(@Nullable Duration period);

    abstract Builder setEarly(@Nullable Firing early);

    abstract Builder setLate(@Nullable Firing late);

    abstract Builder setAllowedLateness(Duration lateness);

    abstract Builder setAccumulating(boolean accumulating);

    abstract WindowSpec build();
  }

  /** The Beam window function of this spec. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public WindowFn<Object, BoundedWindow> windowFn() {
    switch (kind()) {
      case FIXED:
        return (WindowFn) FixedWindows.of(size());
      case SLIDING:
        return (WindowFn) SlidingWindows.of(size()).every(period());
      case SESSION:
        return (WindowFn) Sessions.withGapDuration(size());
      default:
        return (WindowFn) new GlobalWindows();
    }
  }

  /** The trigger: at the watermark, with this spec's early and late firings. */
  public Trigger trigger() {
    AfterWatermark.FromEndOfWindow onTime = AfterWatermark.pastEndOfWindow();
    Firing early = early();
    Firing late = late();
    if (early != null && late != null) {
      return onTime.withEarlyFirings(early.trigger()).withLateFirings(late.trigger());
    }
    if (early != null) {
      return onTime.withEarlyFirings(early.trigger());
    }
    if (late != null) {
      return onTime.withLateFirings(late.trigger());
    }
    return onTime;
  }

  /**
   * Beam's {@code Window} transform for this spec. Alone it does not route too-late data (a later
   * GroupByKey drops it silently); use {@link Windowing#of(WindowSpec)} for that.
   *
   * <p>Empty panes are never emitted: the on-time pane fires only if non-empty ({@link
   * Window.OnTimeBehavior#FIRE_IF_NON_EMPTY}; Beam's default is {@code FIRE_ALWAYS}) and so does
   * the final pane at the window's expiry ({@link Window.ClosingBehavior#FIRE_IF_NON_EMPTY}, Beam's
   * default, set explicitly). "Empty" means no new element since the previous pane of the window,
   * in both accumulation modes. Consequences: (1) when the watermark jumps past a window's end and
   * expiry at once, no extra empty ON_TIME pane appears next to the real one (Beam's Flink runner
   * emitted one, index 0, per key); (2) a window whose early panes already hold every element gets
   * no ON_TIME pane, so its last emitted pane may be EARLY; (3) a window may end without a pane
   * whose {@code isLast()} is true (when nothing new arrived after its last pane). Skipped panes
   * take no index: the indices of emitted panes stay 0, 1, 2, ... without gaps.
   */
  public <T> Window<T> toWindow() {
    Window<T> w =
        Window.<T>into(windowFn())
            .triggering(trigger())
            .withAllowedLateness(allowedLateness(), Window.ClosingBehavior.FIRE_IF_NON_EMPTY)
            .withOnTimeBehavior(Window.OnTimeBehavior.FIRE_IF_NON_EMPTY);
    return accumulating() ? w.accumulatingFiredPanes() : w.discardingFiredPanes();
  }

  /** The canonical text of this spec; {@link #parse} reads it back to an equal spec. */
  @Override
  public final String toString() {
    StringBuilder s = new StringBuilder();
    switch (kind()) {
      case FIXED:
        s.append("fixed:").append(Durations.format(size()));
        break;
      case SLIDING:
        s.append("sliding:")
            .append(Durations.format(size()))
            .append('/')
            .append(Durations.format(period()));
        break;
      case SESSION:
        s.append("session:").append(Durations.format(size()));
        break;
      default:
        s.append("global");
    }
    if (early() != null) {
      s.append(";early=").append(early());
    }
    if (late() != null) {
      s.append(";late=").append(late());
    }
    if (allowedLateness().isLongerThan(Duration.ZERO)) {
      s.append(";lateness=").append(Durations.format(allowedLateness()));
    }
    if (accumulating()) {
      s.append(";accumulating");
    }
    return s.toString();
  }

  private static void parseWindow(String spec, String part, Builder b) {
    if (part.equals("global")) {
      b.setKind(Kind.GLOBAL);
      return;
    }
    int colon = part.indexOf(':');
    String kind = colon < 0 ? part : part.substring(0, colon);
    String value = colon < 0 ? "" : part.substring(colon + 1);
    switch (kind) {
      case "fixed":
        b.setKind(Kind.FIXED).setSize(duration(spec, part, value, false));
        return;
      case "session":
        b.setKind(Kind.SESSION).setSize(duration(spec, part, value, false));
        return;
      case "sliding":
        int slash = value.indexOf('/');
        if (slash < 0) {
          throw bad(spec, part, "expected sliding:<size>/<period>, e.g. sliding:1h/5m");
        }
        Duration size = duration(spec, part, value.substring(0, slash), false);
        Duration period = duration(spec, part, value.substring(slash + 1), false);
        if (period.isLongerThan(size)) {
          throw bad(spec, part, "the period must not be longer than the size");
        }
        b.setKind(Kind.SLIDING).setSize(size).setPeriod(period);
        return;
      default:
        throw bad(
            spec,
            part,
            "expected the window first: fixed:<size>, sliding:<size>/<period>, session:<gap> or global");
    }
  }

  private static Firing parseFiring(String spec, String part, @Nullable String value) {
    if (value == null || value.isEmpty()) {
      throw bad(spec, part, "expected a firing: <duration> (e.g. 1m), count:<n> or every");
    }
    if (value.equals("every")) {
      return Firing.everyElements(1);
    }
    if (value.startsWith("count:")) {
      String n = value.substring("count:".length());
      if (!n.matches("[1-9]\\d{0,8}")) {
        throw bad(spec, part, "expected count:<n> with n >= 1, got '" + n + "'");
      }
      return Firing.everyElements(Long.parseLong(n));
    }
    return Firing.afterDelay(duration(spec, part, value, false));
  }

  private static Duration duration(String spec, String part, String text, boolean zeroAllowed) {
    Duration d;
    try {
      d = Durations.parse(text, "WindowSpec '" + spec + "': part '" + part + "'");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (!zeroAllowed && !d.isLongerThan(Duration.ZERO)) {
      throw bad(spec, part, "the duration must be greater than zero");
    }
    return d;
  }

  private static IllegalArgumentException bad(String spec, @Nullable String part, String why) {
    return new IllegalArgumentException("WindowSpec '" + spec + "': part '" + part + "': " + why);
  }
}
