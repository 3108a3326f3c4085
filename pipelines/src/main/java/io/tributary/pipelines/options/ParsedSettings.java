package io.tributary.pipelines.options;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Hidden;
import org.apache.beam.sdk.options.PipelineOptions;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The typed settings a job parsed from its options, kept with those options (a hidden property,
 * never serialized, like Beam's {@code GcsOptions#getGcsUtil}), so that {@code validate}, {@code
 * build} and the lineage of one run share one parse: every option value is parsed once, every
 * object built from them (a ProtectionSpec, a loaded checks file) exists once.
 *
 * <p>The settings are parsed again when an option they were parsed from changed since (a backfill
 * sets {@code --partitions} per date): the cache remembers the values of every option of the job's
 * options interface.
 *
 * <pre>{@code
 * ClickstreamSettings s =
 *     ParsedSettings.of(options, ClickstreamOptions.class, ClickstreamSettings.class,
 *         ClickstreamSettings::parse);
 * }</pre>
 */
public final class ParsedSettings {
  private ParsedSettings() {}

  /** The hidden mixin that holds the cache. */
  @Hidden
  @Description("Parsed settings (internal)")
  public interface CacheOptions extends PipelineOptions {
    @JsonIgnore
    @Hidden
    @Nullable Cache getParsedSettingsCache();

    void setParsedSettingsCache(@Nullable Cache value);
  }

  /** Parsed settings by type, each with the option values it was parsed from. */
  public static final class Cache {
    private final Map<Class<?>, Entry> entries = new ConcurrentHashMap<>();
  }

  private static final class Entry {
    final Map<String, Object> values;
    final Object settings;

    Entry(Map<String, Object> values, Object settings) {
      this.values = values;
      this.settings = settings;
    }
  }

  /**
   * The settings of type {@code type} parsed from {@code options} (viewed as {@code iface}): the
   * ones parsed earlier when no option of {@code iface} changed since, else {@code parser}'s,
   * remembered. Exceptions of {@code parser} propagate, and nothing is remembered then.
   */
  public static <O extends PipelineOptions, S> S of(
      PipelineOptions options, Class<O> iface, Class<S> type, Function<O, S> parser) {
    CacheOptions holder = options.as(CacheOptions.class);
    Cache cache = holder.getParsedSettingsCache();
    if (cache == null) {
      cache = new Cache();
      holder.setParsedSettingsCache(cache);
    }
    O typed = options.as(iface);
    Entry earlier = cache.entries.get(type);
    if (earlier != null && earlier.values.equals(values(typed, iface))) {
      return type.cast(earlier.settings);
    }
    S settings = parser.apply(typed);
    // after parsing: a parser may complete an option (orders-mart captures --kafkaOffsets)
    cache.entries.put(type, new Entry(values(typed, iface), settings));
    return settings;
  }

  /** The value of every option {@code iface} declares or inherits, Beam's own excepted. */
  private static Map<String, Object> values(PipelineOptions options, Class<?> iface) {
    Map<String, Object> values = new LinkedHashMap<>();
    Method[] methods = iface.getMethods();
    Arrays.sort(methods, Comparator.comparing(Method::getName));
    for (Method m : methods) {
      if (!m.getName().startsWith("get")
          || m.getParameterCount() != 0
          || Modifier.isStatic(m.getModifiers())
          || m.isAnnotationPresent(JsonIgnore.class)
          || m.getDeclaringClass().getName().startsWith("org.apache.beam.")) {
        continue;
      }
      try {
        values.put(m.getName(), m.invoke(options));
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot read option " + m.getName(), e);
      }
    }
    return values;
  }
}
