package io.tributary.benchmarks.jmh;

import io.tributary.transforms.expr.Expression;
import io.tributary.transforms.expr.ExpressionException;
import org.codehaus.janino.ExpressionEvaluator;

/**
 * Prints what each engine of {@link ExpressionBenchmark} reports for a misspelt field and for a
 * type error, for the error-quality comparison in docs/performance.md. Janino is given the fields
 * as typed parameters, so the error is its own checker's, not a translator's.
 *
 * <pre>{@code
 * java -cp "$CP" io.tributary.benchmarks.jmh.ExpressionErrors
 * }</pre>
 */
public final class ExpressionErrors {
  private ExpressionErrors() {}

  public static void main(String[] args) {
    String[][] cases = {
      {
        "misspelt field",
        "prise > 10.0 && currency == 'EUR'",
        "prise > 10.0 && currency.equals(\"EUR\")"
      },
      {"type error", "price > 10.0 && currency > 10", "price > 10.0 && currency > 10"},
      {"not a boolean", "currency", "currency"},
      {"syntax error", "price > 10.0 &&", "price > 10.0 &&"},
    };
    for (String[] c : cases) {
      System.out.println("## " + c[0]);
      try {
        Expression e = Expression.compile(c[1], ExpressionBenchmark.SCHEMA);
        System.out.println("CEL    `" + c[1] + "`: compiles, result type " + e.resultType());
      } catch (ExpressionException e) {
        System.out.println("CEL    `" + c[1] + "`: " + e.getMessage());
      }
      try {
        ExpressionEvaluator ee = new ExpressionEvaluator();
        ee.setParameters(
            new String[] {"price", "currency", "quantity"},
            new Class<?>[] {double.class, String.class, long.class});
        ee.setExpressionType(boolean.class);
        ee.cook(c[2]);
        System.out.println("Janino `" + c[2] + "`: compiles");
      } catch (Exception e) {
        System.out.println("Janino `" + c[2] + "`: " + e.getMessage());
      }
    }
  }
}
