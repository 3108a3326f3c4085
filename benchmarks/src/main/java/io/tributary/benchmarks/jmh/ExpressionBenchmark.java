package io.tributary.benchmarks.jmh;

import dev.cel.common.CelOptions;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelRuntimeFactory;
import dev.cel.runtime.CelVariableResolver;
import dev.cel.runtime.Program;
import io.tributary.transforms.expr.Expression;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.codehaus.commons.compiler.CompileException;
import org.codehaus.janino.ExpressionEvaluator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One expression per row, three engines: Tributary's CEL {@link Expression} (the one MapFields and
 * FilterRows use), Janino (a Java expression compiled to bytecode at run time) and a hand-written
 * lambda as the floor. Two expressions: the predicate {@code price > 10.0 && currency == 'EUR'} and
 * the derived field {@code price * double(quantity)}. One operation = one row, cycling through 1024
 * generated rows (half of them EUR, prices 0-20) so no branch is always taken.
 *
 * <p>{@code celMapPredicate} is the same CEL program fed a fresh {@code HashMap} of every field per
 * row, the binding {@link Expression} avoids with its variable resolver; {@code
 * celPlannerPredicate} is CEL's newer planner runtime (0.14.0, {@code plannerRuntimeBuilder}) with
 * a resolver, which {@link Expression} does not use (it cannot yet select fields of our nested-row
 * structs).
 *
 * <p>Janino is given what a translator from field names to Java would emit: typed accessors by
 * field index ({@code row.getDouble(1) > 10.0 && "EUR".equals(row.getString(2))}), its best case.
 *
 * <p>Run: {@code JMH=expr benchmarks/run.sh} (docs/performance.md has the numbers).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ExpressionBenchmark {
  static final Schema SCHEMA =
      Schema.builder()
          .addStringField("id")
          .addDoubleField("price")
          .addStringField("currency")
          .addInt64Field("quantity")
          .addStringField("country")
          .addNullableField("coupon", Schema.FieldType.STRING)
          .build();

  static final String PREDICATE = "price > 10.0 && currency == 'EUR'";
  static final String DERIVED = "price * double(quantity)";

  /** A predicate over a row, implemented by Janino's generated class. */
  public interface RowPredicate {
    /** Whether the row matches. */
    boolean test(Row row);
  }

  /** A double-valued function of a row, implemented by Janino's generated class. */
  public interface RowToDouble {
    /** The value for the row. */
    double apply(Row row);
  }

  /** The rows and every engine's compiled form, built once. */
  @State(Scope.Benchmark)
  public static class Engines {
    Row[] rows;
    Expression celPredicate;
    Expression celDerived;
    Program celPlannerPredicate;
    Program celLegacyPredicate;
    RowPredicate janinoPredicate;
    RowToDouble janinoDerived;
    RowPredicate lambdaPredicate;
    RowToDouble lambdaDerived;

    @Setup
    public void setUp() throws Exception {
      Random random = new Random(42);
      rows = new Row[1024];
      for (int i = 0; i < rows.length; i++) {
        rows[i] =
            Row.withSchema(SCHEMA)
                .addValues(
                    "id-" + i,
                    random.nextDouble() * 20,
                    random.nextBoolean() ? "EUR" : "USD",
                    (long) random.nextInt(10),
                    "PT",
                    i % 3 == 0 ? null : "SPRING")
                .build();
      }
      celPredicate = Expression.compile(PREDICATE, SCHEMA);
      celDerived = Expression.compile(DERIVED, SCHEMA);
      celPlannerPredicate = rawCel(PREDICATE, true);
      celLegacyPredicate = rawCel(PREDICATE, false);
      janinoPredicate =
          (RowPredicate)
              janino(
                  "row.getDouble(1) > 10.0 && \"EUR\".equals(row.getString(2))",
                  RowPredicate.class);
      janinoDerived = (RowToDouble) janino("row.getDouble(1) * row.getInt64(3)", RowToDouble.class);
      lambdaPredicate = row -> row.getDouble(1) > 10.0 && "EUR".equals(row.getString(2));
      lambdaDerived = row -> row.getDouble(1) * row.getInt64(3);
    }

    private int next;

    Row next() {
      next = (next + 1) & (rows.length - 1);
      return rows[next];
    }
  }

  static Object janino(String expression, Class<?> target) throws CompileException {
    ExpressionEvaluator ee = new ExpressionEvaluator();
    ee.setParentClassLoader(ExpressionBenchmark.class.getClassLoader());
    return ee.createFastEvaluator(expression, target, "row");
  }

  static Program rawCel(String source, boolean planner) throws Exception {
    CelOptions options = CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
    CelCompiler compiler =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(options)
            .addVar("id", SimpleType.STRING)
            .addVar("price", SimpleType.DOUBLE)
            .addVar("currency", SimpleType.STRING)
            .addVar("quantity", SimpleType.INT)
            .addVar("country", SimpleType.STRING)
            .addVar("coupon", SimpleType.DYN)
            .build();
    return (planner
            ? CelRuntimeFactory.plannerRuntimeBuilder()
            : CelRuntimeFactory.legacyCelRuntimeBuilder())
        .setOptions(options)
        .build()
        .createProgram(compiler.compile(source).getAst());
  }

  @Benchmark
  public Object celPredicate(Engines e) {
    return e.celPredicate.evaluate(e.next());
  }

  @Benchmark
  public Object celMapPredicate(Engines e) throws Exception {
    Row row = e.next();
    Map<String, Object> vars = new HashMap<>();
    for (Schema.Field f : SCHEMA.getFields()) {
      Object v = row.getValue(f.getName());
      vars.put(f.getName(), v == null ? dev.cel.common.values.NullValue.NULL_VALUE : v);
    }
    return e.celPlannerPredicate.eval(vars);
  }

  @Benchmark
  public Object celLegacyPredicate(Engines e) throws Exception {
    Row row = e.next();
    return e.celLegacyPredicate.eval(
        (CelVariableResolver)
            name ->
                SCHEMA.hasField(name) ? Optional.ofNullable(row.getValue(name)) : Optional.empty());
  }

  @Benchmark
  public boolean janinoPredicate(Engines e) {
    return e.janinoPredicate.test(e.next());
  }

  @Benchmark
  public boolean lambdaPredicate(Engines e) {
    return e.lambdaPredicate.test(e.next());
  }

  @Benchmark
  public Object celDerived(Engines e) {
    return e.celDerived.evaluate(e.next());
  }

  @Benchmark
  public double janinoDerived(Engines e) {
    return e.janinoDerived.apply(e.next());
  }

  @Benchmark
  public double lambdaDerived(Engines e) {
    return e.lambdaDerived.apply(e.next());
  }
}
