package io.tributary.pipelines.spec;

import io.tributary.transforms.spec.StepProvider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The step types a spec may use: every {@link SchemaTransformProvider} on the class path, found
 * through {@link ServiceLoader}. Tributary's own ({@link StepProvider}) and a user's that extend it
 * are named by their short type ({@code Validate}); any other provider (Beam's, a user's plain one)
 * by its URN identifier. A user's jar on the class path adds step types without touching Tributary.
 *
 * <pre>{@code
 * StepCatalog catalog = StepCatalog.load();
 * SchemaTransformProvider validate = catalog.find("Validate");
 * }</pre>
 */
public final class StepCatalog {
  private final Map<String, SchemaTransformProvider> byType;

  private StepCatalog(Map<String, SchemaTransformProvider> byType) {
    this.byType = byType;
  }

  /** The providers of the context class loader; refuses two providers of one type. */
  public static StepCatalog load() {
    return of(ServiceLoader.load(SchemaTransformProvider.class));
  }

  /** The given providers. */
  public static StepCatalog of(Iterable<SchemaTransformProvider> providers) {
    Map<String, SchemaTransformProvider> byType = new TreeMap<>();
    for (SchemaTransformProvider p : providers) {
      String type = typeOf(p);
      SchemaTransformProvider earlier = byType.put(type, p);
      if (earlier != null && !earlier.getClass().equals(p.getClass())) {
        throw new IllegalStateException(
            "two step providers of type "
                + type
                + ": "
                + earlier.getClass().getName()
                + " and "
                + p.getClass().getName());
      }
      byType.put(p.identifier(), p);
    }
    return new StepCatalog(byType);
  }

  /** The type a spec writes for {@code p}. */
  public static String typeOf(SchemaTransformProvider p) {
    return p instanceof StepProvider s ? s.typeName() : p.identifier();
  }

  /** The provider of {@code type} (a short type or a URN), or null. */
  public @Nullable SchemaTransformProvider find(String type) {
    return byType.get(type);
  }

  /** Every short type name (Tributary's and users' {@link StepProvider}s), sorted. */
  public List<String> shortTypes() {
    List<String> out = new ArrayList<>();
    byType.forEach(
        (type, p) -> {
          if (p instanceof StepProvider s && s.typeName().equals(type)) {
            out.add(type);
          }
        });
    return out;
  }

  /** Every provider once, sorted by type. */
  public List<SchemaTransformProvider> providers() {
    List<SchemaTransformProvider> out = new ArrayList<>();
    byType.forEach(
        (type, p) -> {
          if (typeOf(p).equals(type)) {
            out.add(p);
          }
        });
    return out;
  }

  /** Every name a spec may write. */
  Collection<String> names() {
    return byType.keySet();
  }
}
