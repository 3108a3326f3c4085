package io.tributary.transforms.expr;

import static org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.base.Preconditions.checkArgument;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.CelKind;
import dev.cel.common.types.CelType;
import dev.cel.common.types.NullableType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.cel.runtime.CelVariableResolver;
import dev.cel.runtime.Program;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One expression in CEL (the Common Expression Language) over the fields of a Beam row, checked
 * against the row's schema when it is compiled: a misspelt field, a type error or a syntax error
 * fails {@link #compile} with an {@link ExpressionException} that says where, before any pipeline
 * runs. Every field of the schema is a variable; docs/expressions.md gives the type mapping
 * (integers are {@code int}, DECIMAL is {@code double}, DATETIME is a timestamp, nested rows are
 * structs, nullable fields compare with {@code null}).
 *
 * <pre>{@code
 * Expression total = Expression.compile("price * double(quantity)", orders.getSchema());
 * total.resultType();        // FieldType.DOUBLE
 * total.referencedFields();  // [price, quantity]
 * Object value = total.evaluate(row);  // a Double
 * }</pre>
 *
 * <p>Why CEL and not compiled Java (Janino) or SQL (Calcite): docs/performance.md, "Expressions:
 * CEL vs Janino". CEL is type-checked against declarations, cannot loop forever or reach the JVM,
 * and its checker names the column of an error; it is evaluated by an interpreter over a checked
 * tree.
 *
 * <p>An expression is Serializable: it keeps its source and schema, and the compiled program (which
 * is not serializable) is rebuilt once per JVM after deserialization. Evaluation reads only the
 * fields the expression references, through a variable resolver over the row: no per-row map of
 * every field is built. An evaluation that fails (division by zero, a missing map key, a null where
 * a value is needed) throws {@link ExpressionEvaluationException}, whose message never carries the
 * row's values.
 */
public final class Expression implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Numbers of different types compare as numbers ({@code price > 10} with a double price), and
   * comprehensions over a list are bounded, so one row cannot take unbounded time.
   */
  private static final CelOptions OPTIONS =
      CelOptions.current()
          .enableHeterogeneousNumericComparisons(true)
          .comprehensionMaxIterations(100_000)
          .build();

  /** Schema-independent and immutable: one per JVM. */
  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.plannerRuntimeBuilder()
          .setOptions(OPTIONS)
          .addLibraries(CelExtensions.strings(), CelExtensions.math())
          .build();

  private static final Pattern EVAL_OFFSET = Pattern.compile("at <input>:(\\d+)");

  private final String source;
  private final Schema inputSchema;
  private final Schema.FieldType resultType;
  private final ArrayList<String> referencedFields;
  private transient volatile @Nullable Compiled compiled;

  private Expression(String source, Schema inputSchema, Compiled compiled) {
    this.source = source;
    this.inputSchema = inputSchema;
    this.resultType = compiled.resultType;
    this.referencedFields = new ArrayList<>(compiled.referencedFields);
    this.compiled = compiled;
  }

  /**
   * Compiles {@code source} against {@code inputSchema}, whose fields are its variables.
   *
   * @throws ExpressionException when it does not parse, names a field the schema does not have, or
   *     does not type-check; or when its result cannot be a Beam field (e.g. {@code dyn}).
   */
  public static Expression compile(String source, Schema inputSchema) {
    checkArgument(source != null, "Expression.compile: source must not be null");
    checkArgument(inputSchema != null, "Expression.compile: inputSchema must not be null");
    return new Expression(source, inputSchema, Compiled.of(source, inputSchema));
  }

  /** The expression text, as given. */
  public String source() {
    return source;
  }

  /** The schema the expression was checked against. */
  public Schema inputSchema() {
    return inputSchema;
  }

  /**
   * The Beam type of what {@link #evaluate} returns: BOOLEAN, INT64 (every CEL {@code int}),
   * DOUBLE, STRING, DATETIME, ARRAY, MAP or ROW (a nested row); nullable when the expression can
   * yield {@code null} (e.g. it is a nullable field, or a conditional with one as a branch).
   */
  public Schema.FieldType resultType() {
    return resultType;
  }

  /**
   * The input fields the expression reads, in order of first use, nested ones dotted ({@code
   * user.email}): for column lineage and for checking that a projection keeps what is needed. A
   * nested row used as a whole is listed by its own name.
   */
  public List<String> referencedFields() {
    return java.util.Collections.unmodifiableList(referencedFields);
  }

  /**
   * Evaluates the expression on {@code row} (a row of {@link #inputSchema()}), returning a value of
   * {@link #resultType()}: a Long, Double, String, Boolean, Joda Instant, List, Map or Row, or null
   * when the result type is nullable.
   *
   * @throws ExpressionEvaluationException when evaluation fails, or yields null for a result type
   *     that is not nullable
   */
  public @Nullable Object evaluate(Row row) {
    Compiled c = compiled();
    Object out;
    try {
      out = c.program.eval(new RowResolver(c.bindings, row));
    } catch (CelEvaluationException e) {
      throw new ExpressionEvaluationException(describe(e), e);
    } catch (RuntimeException e) {
      throw new ExpressionEvaluationException(
          "evaluation failed (" + e.getClass().getSimpleName() + ")", e);
    }
    Object value = RowTypes.fromCel(resultType, out);
    if (value == null && !Boolean.TRUE.equals(resultType.getNullable())) {
      throw new ExpressionEvaluationException("the result is null", null);
    }
    return value;
  }

  private Compiled compiled() {
    Compiled c = compiled;
    if (c == null) {
      synchronized (this) {
        c = compiled;
        if (c == null) {
          c = Compiled.of(source, inputSchema);
          compiled = c;
        }
      }
    }
    return c;
  }

  /** A message for a failed evaluation that names no value of the row (they may be personal). */
  private String describe(CelEvaluationException e) {
    String what;
    switch (e.getErrorCode()) {
      case DIVIDE_BY_ZERO:
        what = "division by zero";
        break;
      case ATTRIBUTE_NOT_FOUND:
        what = "no such key or field";
        break;
      case INDEX_OUT_OF_BOUNDS:
        what = "list index out of range";
        break;
      case NUMERIC_OVERFLOW:
        what = "integer overflow";
        break;
      case OVERLOAD_NOT_FOUND:
        what = "no operation for these operands (a null value?)";
        break;
      case BAD_FORMAT:
        what = "a value could not be converted";
        break;
      case ITERATION_BUDGET_EXCEEDED:
        what = "too many iterations";
        break;
      default:
        what = e.getErrorCode().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
    Matcher m = EVAL_OFFSET.matcher(String.valueOf(e.getMessage()));
    if (m.find()) {
      int[] lineColumn = lineColumn(source, Integer.parseInt(m.group(1)));
      what +=
          " at "
              + (lineColumn[0] > 1 ? "line " + lineColumn[0] + ", " : "")
              + "column "
              + lineColumn[1];
    }
    return what;
  }

  private static int[] lineColumn(String source, int offset) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset && i < source.length(); i++) {
      if (source.charAt(i) == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return new int[] {line, column};
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Expression e
        && source.equals(e.source)
        && inputSchema.equals(e.inputSchema);
  }

  @Override
  public int hashCode() {
    return Objects.hash(source, inputSchema);
  }

  /** The source text. */
  @Override
  public String toString() {
    return source;
  }

  /** Where the value of one top-level field is read from. */
  private record Binding(int index, Schema.FieldType type) {}

  /**
   * The variables of one evaluation: looked up by name only when the program reads them, so a row
   * costs one small object, not a map of every field.
   */
  private static final class RowResolver implements CelVariableResolver {
    private final Map<String, Binding> bindings;
    private final Row row;

    RowResolver(Map<String, Binding> bindings, Row row) {
      this.bindings = bindings;
      this.row = row;
    }

    @Override
    public Optional<Object> find(String name) {
      Binding b = bindings.get(name);
      if (b == null) {
        return Optional.empty();
      }
      return Optional.of(RowTypes.toCel(b.type(), row.getValue(b.index())));
    }
  }

  /** What compiling produced; not serializable, rebuilt from source and schema. */
  private static final class Compiled {
    final Program program;
    final Schema.FieldType resultType;
    final List<String> referencedFields;
    final Map<String, Binding> bindings;

    private Compiled(
        Program program,
        Schema.FieldType resultType,
        List<String> referencedFields,
        Map<String, Binding> bindings) {
      this.program = program;
      this.resultType = resultType;
      this.referencedFields = referencedFields;
      this.bindings = bindings;
    }

    static Compiled of(String source, Schema schema) {
      RowTypes types = RowTypes.of(schema);
      CelCompilerBuilder builder =
          CelCompilerFactory.standardCelCompilerBuilder()
              .setOptions(OPTIONS)
              .setTypeProvider(types.typeProvider())
              .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
              .addLibraries(CelExtensions.strings(), CelExtensions.math());
      for (Map.Entry<String, CelType> v : types.variables().entrySet()) {
        builder.addVar(v.getKey(), v.getValue());
      }
      CelCompiler compiler = builder.build();
      CelValidationResult result = compiler.compile(source);
      if (result.hasError()) {
        throw CompileErrors.of(result.getErrors(), types);
      }
      CelAbstractSyntaxTree ast;
      Program program;
      try {
        ast = result.getAst();
        program = RUNTIME.createProgram(ast);
      } catch (CelValidationException | CelEvaluationException e) {
        throw new ExpressionException(CompileErrors.oneLine(String.valueOf(e.getMessage())), 1, 1);
      }
      CelType celResult = ast.getResultType();
      Schema.FieldType resultType = types.beamType(celResult);
      if (resultType == null) {
        throw new ExpressionException(
            "the result is of type "
                + CompileErrors.typeName(celResult)
                + ", which no field can hold (convert it with int(), double(), string() or bool())",
            1,
            1);
      }
      List<String> referenced = new ArrayList<>(referencedFields(ast, types.variables().keySet()));
      Map<String, Binding> bindings = new HashMap<>();
      for (String path : referenced) {
        String top = path.contains(".") ? path.substring(0, path.indexOf('.')) : path;
        if (!bindings.containsKey(top)) {
          bindings.put(top, new Binding(schema.indexOf(top), schema.getField(top).getType()));
        }
      }
      return new Compiled(program, resultType, List.copyOf(referenced), bindings);
    }
  }

  /** The fields {@code ast} reads, dotted for a selection inside a nested row. */
  private static Set<String> referencedFields(CelAbstractSyntaxTree ast, Set<String> fields) {
    Set<String> out = new LinkedHashSet<>();
    collect(ast.getExpr(), ast, fields, out);
    return out;
  }

  private static void collect(
      CelExpr e, CelAbstractSyntaxTree ast, Set<String> fields, Set<String> out) {
    String path = pathOf(e, ast, fields);
    if (path != null) {
      out.add(path);
      return;
    }
    switch (e.getKind()) {
      case SELECT:
        collect(e.select().operand(), ast, fields, out);
        break;
      case CALL:
        e.call().target().ifPresent(t -> collect(t, ast, fields, out));
        e.call().args().forEach(a -> collect(a, ast, fields, out));
        break;
      case LIST:
        e.list().elements().forEach(a -> collect(a, ast, fields, out));
        break;
      case MAP:
        e.map()
            .entries()
            .forEach(
                en -> {
                  collect(en.key(), ast, fields, out);
                  collect(en.value(), ast, fields, out);
                });
        break;
      case STRUCT:
        e.struct().entries().forEach(en -> collect(en.value(), ast, fields, out));
        break;
      case COMPREHENSION:
        {
          CelExpr.CelComprehension c = e.comprehension();
          collectAll(
              List.of(c.iterRange(), c.accuInit(), c.loopCondition(), c.loopStep(), c.result()),
              ast,
              fields,
              out);
          break;
        }
      default:
        break;
    }
  }

  private static void collectAll(
      Collection<CelExpr> es, CelAbstractSyntaxTree ast, Set<String> fields, Set<String> out) {
    for (CelExpr e : es) {
      collect(e, ast, fields, out);
    }
  }

  /**
   * The field path {@code e} reads, or null: a top-level field (an identifier that resolved to a
   * declared variable, not a comprehension's loop variable), or a selection on a nested row.
   */
  private static @Nullable String pathOf(CelExpr e, CelAbstractSyntaxTree ast, Set<String> fields) {
    if (e.getKind() == CelExpr.ExprKind.Kind.IDENT) {
      String name = e.ident().name();
      return fields.contains(name) && ast.getReference(e.id()).isPresent() ? name : null;
    }
    if (e.getKind() == CelExpr.ExprKind.Kind.SELECT) {
      CelExpr operand = e.select().operand();
      CelType operandType = ast.getType(operand.id()).orElse(null);
      if (operandType instanceof NullableType n) {
        operandType = n.targetType();
      }
      if (operandType == null
          || operandType.kind() != CelKind.STRUCT
          || !operandType.name().startsWith(RowTypes.STRUCT_PREFIX)) {
        return null;
      }
      String parent = pathOf(operand, ast, fields);
      return parent == null ? null : parent + "." + e.select().field();
    }
    return null;
  }
}
