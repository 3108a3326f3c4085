package io.tributary.pipelines.cli;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Hidden;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.Validation;
import org.checkerframework.checker.nullness.qual.Nullable;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A job's Beam {@link PipelineOptions} interface as picocli options, read by the same reflection
 * Beam's {@code PipelineOptionsFactory} parses them with: one option per getter, its {@link
 * Description}, its {@link Default} and whether it is {@link Validation.Required}. The job's own
 * options come first, then those of each mixin it extends under the mixin's {@code Description}.
 *
 * <pre>{@code
 * CommandSpec run = CommandSpec.create().name("clickstream");
 * PipelineOptionSpecs.addTo(run, ClickstreamOptions.class);
 * }</pre>
 *
 * <p>The options are declared for help and completion only: Beam parses the arguments ({@link
 * PassThrough} hands them over untouched), so a Beam or runner option that is not declared here
 * ({@code --runner}, {@code --parallelism}) still works.
 */
final class PipelineOptionSpecs {
  private PipelineOptionSpecs() {}

  /**
   * Adds an option for each getter of {@code options} and its mixins that {@code spec} does not
   * declare yet: the interface's own ungrouped, each mixin's in a section titled by its {@code
   * Description}.
   */
  static void addTo(CommandSpec spec, Class<?> options) {
    Set<String> taken = new LinkedHashSet<>();
    spec.options().forEach(o -> taken.addAll(List.of(o.names())));
    for (OptionSpec o : optionsOf(options, taken)) {
      spec.addOption(o);
    }
    Map<String, ArgGroupSpec.Builder> sections = new LinkedHashMap<>();
    for (Class<?> mixin : mixins(options)) {
      List<OptionSpec> declared = optionsOf(mixin, taken);
      if (declared.isEmpty()) {
        continue;
      }
      Description d = mixin.getAnnotation(Description.class);
      String title = d == null ? mixin.getSimpleName() : d.value();
      ArgGroupSpec.Builder section =
          sections.computeIfAbsent(
              title,
              t ->
                  ArgGroupSpec.builder()
                      .heading("%n" + t.replace("%", "%%") + ":%n")
                      .exclusive(false)
                      .validate(false)
                      .multiplicity("0..1")
                      .order(sections.size()));
      declared.forEach(section::addArg);
    }
    sections.values().forEach(b -> spec.addArgGroup(b.build()));
  }

  /** The property names of every option {@code options} and its mixins declare. */
  static List<String> names(Class<?> options) {
    List<String> out = new ArrayList<>();
    List<Class<?>> all = new ArrayList<>();
    all.add(options);
    all.addAll(mixins(options));
    for (Class<?> iface : all) {
      for (Method m : getters(iface)) {
        out.add(property(m));
      }
    }
    return out;
  }

  /**
   * The option interfaces {@code root} extends, each once, every one after those it extends (Beam's
   * own and hidden ones left out).
   */
  static List<Class<?>> mixins(Class<?> root) {
    LinkedHashSet<Class<?>> out = new LinkedHashSet<>();
    for (Class<?> parent : root.getInterfaces()) {
      collect(parent, out);
    }
    out.remove(root);
    return new ArrayList<>(out);
  }

  private static void collect(Class<?> iface, Set<Class<?>> out) {
    if (out.contains(iface)
        || iface.getName().startsWith("org.apache.beam.")
        || iface.isAnnotationPresent(Hidden.class)) {
      return;
    }
    for (Class<?> parent : iface.getInterfaces()) {
      collect(parent, out);
    }
    out.add(iface);
  }

  /** One option per getter {@code iface} itself declares, in declaration order, each name once. */
  private static List<OptionSpec> optionsOf(Class<?> iface, Set<String> taken) {
    List<OptionSpec> out = new ArrayList<>();
    for (Method m : getters(iface)) {
      String name = "--" + property(m);
      if (!taken.add(name)) {
        continue;
      }
      boolean flag = m.getReturnType() == boolean.class || m.getReturnType() == Boolean.class;
      out.add(
          OptionSpec.builder(name)
              .type(flag ? Boolean.class : String.class)
              .arity(flag ? "0..1" : "1")
              .paramLabel(label(m))
              .description(description(m))
              .build());
    }
    return out;
  }

  private static List<Method> getters(Class<?> iface) {
    List<Method> out = new ArrayList<>();
    for (Method m : iface.getDeclaredMethods()) {
      boolean getter =
          m.getName().startsWith("get")
              || (m.getName().startsWith("is") && m.getReturnType() == boolean.class);
      if (getter
          && m.getParameterCount() == 0
          && !Modifier.isStatic(m.getModifiers())
          && !m.isSynthetic()
          && !m.isAnnotationPresent(Hidden.class)
          && !property(m).isEmpty()) {
        out.add(m);
      }
    }
    return out;
  }

  private static String property(Method m) {
    String bare = m.getName().substring(m.getName().startsWith("get") ? 3 : 2);
    return bare.isEmpty() ? "" : Character.toLowerCase(bare.charAt(0)) + bare.substring(1);
  }

  private static String label(Method m) {
    Class<?> type = m.getReturnType();
    if (type == boolean.class || type == Boolean.class) {
      return "true|false";
    }
    if (type.isEnum()) {
      List<String> values = new ArrayList<>();
      for (Object v : type.getEnumConstants()) {
        values.add(v.toString());
      }
      return String.join("|", values);
    }
    if (Number.class.isAssignableFrom(type)
        || (type.isPrimitive() && type != char.class && type != void.class)) {
      return "N";
    }
    return "VALUE";
  }

  private static String description(Method m) {
    Description d = m.getAnnotation(Description.class);
    String text = d == null ? "" : d.value();
    String dflt = defaultOf(m);
    String suffix =
        m.isAnnotationPresent(Validation.Required.class)
            ? " (required)"
            : dflt == null ? "" : " (default: " + (dflt.isEmpty() ? "\"\"" : dflt) + ")";
    return (text + suffix).trim();
  }

  /** The value of any {@code @Default.X(value)} on {@code m}; null for none or a factory. */
  private static @Nullable String defaultOf(Method m) {
    for (Annotation a : m.getAnnotations()) {
      if (a.annotationType().getEnclosingClass() != Default.class) {
        continue;
      }
      try {
        Method value = a.annotationType().getMethod("value");
        if (value.getReturnType() == Class.class) {
          return null; // Default.InstanceFactory: computed at run time
        }
        return String.valueOf(value.invoke(a));
      } catch (ReflectiveOperationException e) {
        return null;
      }
    }
    return null;
  }
}
