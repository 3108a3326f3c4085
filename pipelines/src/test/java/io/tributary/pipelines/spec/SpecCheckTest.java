package io.tributary.pipelines.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@code tributary check}, one test per class of mistake: each spec under {@code
 * src/test/resources/specs/check/} is parsed and built (nothing runs) and every error is compared
 * whole, {@code file:line:column: message}, so a moved position or a vaguer message fails.
 *
 * <pre>{@code
 * mvn -B -o -pl transforms,io-connectors,pipelines test -Dtest='SpecCheckTest*' \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * }</pre>
 */
@RunWith(JUnit4.class)
public class SpecCheckTest {
  private static final Path SMALL = Paths.get("..", "testdata", "clickstream", "small.jsonl");

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void invalidYamlBadIndent() throws IOException {
    assertEquals(
        List.of(
            "yaml_indent.yaml:4:6: invalid YAML: unexpected indentation here (the keys of one mapping start in the same column)"),
        check("yaml_indent.yaml"));
  }

  @Test
  public void invalidYamlUnclosedQuote() throws IOException {
    assertEquals(
        List.of(
            "yaml_quote.yaml:3:13: invalid YAML: the quoted value starting here has no closing quote"),
        check("yaml_quote.yaml"));
  }

  @Test
  public void topLevelNotAMapping() throws IOException {
    assertEquals(
        List.of("top_list.yaml:1:1: expected a mapping with 'pipeline:' at the top, got a list"),
        check("top_list.yaml"));
  }

  @Test
  public void unknownTopLevelKeySuggests() throws IOException {
    assertEquals(
        List.of(
            "top_unknown.yaml:1:1: unknown key 'pipline' in the spec (did you mean 'pipeline'?)"),
        check("top_unknown.yaml"));
  }

  @Test
  public void missingPipeline() throws IOException {
    assertEquals(
        List.of("missing_pipeline.yaml:1:1: missing 'pipeline:' with the pipeline's transforms"),
        check("missing_pipeline.yaml"));
  }

  @Test
  public void emptyTransforms() throws IOException {
    assertEquals(
        List.of(
            "empty_transforms.yaml:2:15: pipeline.transforms: expected a list of at least one transform"),
        check("empty_transforms.yaml"));
  }

  @Test
  public void unknownStepKeySuggests() throws IOException {
    assertEquals(
        List.of("step_key.yaml:8:7: unknown key 'confg' in a transform (did you mean 'config'?)"),
        check("step_key.yaml"));
  }

  @Test
  public void duplicateKey() throws IOException {
    assertEquals(
        List.of("dup_key.yaml:8:7: duplicate key 'input' in a transform"), check("dup_key.yaml"));
  }

  @Test
  public void unknownStepTypeSuggests() throws IOException {
    assertEquals(
        List.of(
            "unknown_type.yaml:6:13: unknown step type 'Validat' (did you mean 'Validate'?); tributary check --types lists them"),
        check("unknown_type.yaml"));
  }

  @Test
  public void duplicateStepName() throws IOException {
    assertEquals(
        List.of(
            "dup_name.yaml:7:13: duplicate step name 'decode' (first at line 4)",
            "dup_name.yaml:8:14: input: step 'decode' cannot read its own output",
            "dup_name.yaml:12:14: input: no step named 'validate'"),
        check("dup_name.yaml"));
  }

  @Test
  public void nameNotSnakeCase() throws IOException {
    assertEquals(
        List.of(
            "bad_name.yaml:7:13: name: expected lower_snake_case (it names the stage), got 'checkPrices' (did you mean 'check_prices'?)",
            "bad_name.yaml:12:14: input: no step named 'validate'"),
        check("bad_name.yaml"));
  }

  @Test
  public void twoStepsOfOneTypeWithoutNames() throws IOException {
    assertEquals(
        List.of(
            "two_unnamed.yaml:6:7: two transforms of type Validate: give each a 'name:'",
            "two_unnamed.yaml:9:7: two transforms of type Validate: give each a 'name:'"),
        check("two_unnamed.yaml"));
  }

  @Test
  public void inputToUnknownStepSuggests() throws IOException {
    assertEquals(
        List.of("unknown_input.yaml:7:14: input: no step named 'decod' (did you mean 'decode'?)"),
        check("unknown_input.yaml"));
  }

  @Test
  public void unknownOutputSuggests() throws IOException {
    assertEquals(
        List.of(
            "unknown_output.yaml:18:14: input: step 'window' has no output 'too_lat' (did you mean 'too_late'?); its outputs are [output, too_late]"),
        check("unknown_output.yaml"));
  }

  @Test
  public void inputInsideChain() throws IOException {
    assertEquals(
        List.of(
            "chain_input.yaml:8:14: input: not allowed in a 'type: chain' pipeline (each transform reads the one before); use a composite pipeline to wire inputs"),
        check("chain_input.yaml"));
  }

  @Test
  public void sourceGivenAnInput() throws IOException {
    assertEquals(
        List.of("source_input.yaml:8:14: ReadFiles 'again' is a source and reads no input"),
        check("source_input.yaml"));
  }

  @Test
  public void transformWithoutInput() throws IOException {
    assertEquals(
        List.of(
            "no_input.yaml:3:7: the output of 'decode' is not read by any step; its rows would be lost: write it with a sink",
            "no_input.yaml:6:7: Validate 'validate' needs an input: add 'input: <step>' (or put it after its source in a 'type: chain' pipeline)"),
        check("no_input.yaml"));
  }

  @Test
  public void cycle() throws IOException {
    assertEquals(
        List.of("cycle.yaml:6:7: the steps form a cycle: validate -> dedup -> validate"),
        check("cycle.yaml"));
  }

  @Test
  public void unknownConfigKeySuggests() throws IOException {
    assertEquals(
        List.of(
            "config_key.yaml:8:31: unknown key 'tll' in the config of Dedup 'dedup' (did you mean 'ttl'?)"),
        check("config_key.yaml"));
  }

  @Test
  public void missingRequiredConfigKey() throws IOException {
    assertEquals(
        List.of(
            "config_missing.yaml:8:15: missing required key 'key' in the config of Dedup 'dedup' (The field that identifies a record)"),
        check("config_missing.yaml"));
  }

  @Test
  public void stringWhereANumberIsExpected() throws IOException {
    assertEquals(
        List.of("config_type.yaml:8:49: rules.0.at_least: expected a number, got 'zero'"),
        check("config_type.yaml"));
  }

  @Test
  public void stringWhereAListIsExpected() throws IOException {
    assertEquals(
        List.of("config_type_list.yaml:8:23: rules: expected a list, got 'price'"),
        check("config_type_list.yaml"));
  }

  @Test
  public void unknownVariableSuggests() throws IOException {
    assertEquals(
        List.of(
            "variable.yaml:10:23: path: unknown variable ${outptu} (did you mean 'output'?); define it under options: or use ${env:NAME} / ${file:PATH}"),
        check("variable.yaml"));
  }

  @Test
  public void validateFieldTheInputLacks() throws IOException {
    assertEquals(
        List.of(
            "field_validate.yaml:10:21: Validate 'validate': rules.0.field: the input has no field 'prise' (did you mean 'price'?); its fields are [event_id, user_id, event_type, product_id, price, currency, event_time, email, ip, user_agent]"),
        check("field_validate.yaml"));
  }

  @Test
  public void eventTimeFieldTheInputLacks() throws IOException {
    assertEquals(
        List.of(
            "field_eventtime.yaml:8:23: EventTime 'event_time': field: the input has no field 'event_tme' (did you mean 'event_time'?); its fields are [event_id, user_id, event_type, product_id, price, currency, event_time, email, ip, user_agent]"),
        check("field_eventtime.yaml"));
  }

  @Test
  public void filterExpressionTypeError() throws IOException {
    assertEquals(
        List.of(
            "cel_filter.yaml:8:28: Filter 'filter': keep: operator > cannot be applied to (double, string)"),
        check("cel_filter.yaml"));
  }

  @Test
  public void filterExpressionSyntaxErrorInQuotedValue() throws IOException {
    // The second '>' is column 9 of the expression; the value's quote is column 22 of the line.
    assertEquals(
        List.of("cel_syntax.yaml:8:31: Filter 'filter': keep: syntax error: unexpected '>'"),
        check("cel_syntax.yaml"));
  }

  @Test
  public void mapToFieldsExpressionTypeErrorInQuotedValue() throws IOException {
    assertEquals(
        List.of(
            "cel_map2.yaml:10:25: MapToFields 'map_to_fields': fields.total: operator * cannot be applied to (double, int)"),
        check("cel_map2.yaml"));
  }

  @Test
  public void aggregateWhereUnknownFieldSuggests() throws IOException {
    assertEquals(
        List.of(
            "cel_agg.yaml:16:60: Aggregate 'aggregate': aggregations.0.where: undeclared reference to 'event_typ' (did you mean 'event_type'?)"),
        check("cel_agg.yaml"));
  }

  @Test
  public void invalidWindowSpec() throws IOException {
    assertEquals(
        List.of(
            "window_spec.yaml:11:22: Window 'window': WindowSpec 'fixed:1x': part 'fixed:1x': expected a duration like 500ms, 30s, 15m, 1h or 2d, got '1x'"),
        check("window_spec.yaml"));
  }

  @Test
  public void unknownContractSubject() throws IOException {
    assertEquals(
        List.of(
            "subject.yaml:5:58: ReadFiles 'decode': unknown subject 'clickstream-evnt'; the registry has [clickstream-event, iot-device, iot-reading]"),
        check("subject.yaml"));
  }

  @Test
  public void lookupTableNeedsOneTableAndAKnownRule() throws IOException {
    assertThat(
        check("lookup_table_both.yaml").toString(),
        org.hamcrest.Matchers.containsString(
            "LookupTable 'site': set exactly one of path (files of the table) and query (a"
                + " PostgreSQL SELECT)"));
    assertThat(
        check("lookup_table_rule.yaml", t -> t.replace("on_missing: wait", "on_missing: later"))
            .toString(),
        org.hamcrest.Matchers.containsString(
            "LookupTable 'site': expected one of dead_letter, fill_nulls, wait, got 'later'"));
    assertThat(
        check("lookup_table_rule.yaml").toString(),
        org.hamcrest.Matchers.containsString(
            "LookupTable 'site': on_missing: wait needs max_wait, how long a row may wait"));
    assertThat(
        check(
                "lookup_table_rule.yaml",
                t -> t.replace("on_missing: wait", "on_missing: wait," + " max_wait: 30m"))
            .toString(),
        org.hamcrest.Matchers.containsString(
            "LookupTable 'site': on_missing: wait needs refresh: a table that is never re-read"));
    assertThat(
        check(
                "lookup_table_rule.yaml",
                t ->
                    t.replace(
                        "on_missing: wait", "on_missing: wait," + " max_wait: 1m, refresh: 10m"))
            .toString(),
        org.hamcrest.Matchers.containsString(
            "LookupTable 'site': max_wait 1m is shorter than refresh 10m"));
    assertThat(
        check(
                "lookup_table_rule.yaml",
                t ->
                    t.replace(
                        "on_missing: wait",
                        "on_missing: wait," + " max_wait: 30m, refresh: 10m, after_wait: wait"))
            .toString(),
        org.hamcrest.Matchers.containsString(
            "LookupTable 'site': expected one of dead_letter, fill_nulls, got 'wait'"));
    assertThat(
        check(
                "lookup_table_rule.yaml",
                t -> t.replace("on_missing: wait", "on_missing:" + " dead_letter, max_wait: 30m"))
            .toString(),
        org.hamcrest.Matchers.containsString(
            "LookupTable 'site': 'max_wait' applies to on_missing: wait only"));
    // The static Lookup step's table (a collection of the pipeline) is never re-read.
    assertThat(
        check(
                "lookup_table_rule.yaml",
                t ->
                    t.replace("type: LookupTable", "type: Lookup")
                        .replace(
                            "input: decode\n      config:",
                            "input: {input: decode, table: decode}\n      config:")
                        .replace(
                            "{path: \"${input}\", format: jsonl, subject: iot-device, key: user_id,",
                            "{key: user_id,"))
            .toString(),
        org.hamcrest.Matchers.containsString(
            "Lookup 'site': wait needs a table that is re-read: use the LookupTable step"));
  }

  @Test
  public void errorOutputNotConsumed() throws IOException {
    assertEquals(
        List.of(
            "err_unread.yaml:9:32: error output 'validate.bad' is not read by any step; write it with a sink (or remove error_handling to send errors to the run's dead letters)"),
        check("err_unread.yaml"));
  }

  @Test
  public void mainOutputNotConsumed() throws IOException {
    assertEquals(
        List.of(
            "main_unread.yaml:6:7: the output of 'validate' is not read by any step; its rows would be lost: write it with a sink"),
        check("main_unread.yaml"));
  }

  @Test
  public void listInputsWithDifferentSchemas() throws IOException {
    assertEquals(
        List.of(
            "list_inputs.yaml:10:23: input: map_to_fields has another schema than decode; only rows of one schema can be read together"),
        check("list_inputs.yaml"));
  }

  @Test
  public void structuralErrorsAllReportedInFileOrder() throws IOException {
    assertEquals(
        List.of(
            "multi.yaml:1:1: unknown key 'pipline' in the spec (did you mean 'pipeline'?)",
            "multi.yaml:6:7: unknown key 'confg' in a transform (did you mean 'config'?)",
            "multi.yaml:7:13: unknown step type 'Validat' (did you mean 'Validate'?); tributary check --types lists them",
            "multi.yaml:8:14: input: no step named 'decod' (did you mean 'decode'?)"),
        check("multi.yaml"));
  }

  @Test
  public void buildErrorsAllReportedInFileOrder() throws IOException {
    // Three independent mistakes in three steps: each is reported, in file order.
    assertEquals(
        List.of(
            "build_multi.yaml:10:21: Validate 'validate': rules.0.field: the input has no field"
                + " 'prise' (did you mean 'price'?); its fields are [event_id, user_id, event_type,"
                + " product_id, price, currency, event_time, email, ip, user_agent]",
            "build_multi.yaml:14:31: unknown key 'tll' in the config of Dedup 'dedup' (did you"
                + " mean 'ttl'?)",
            "build_multi.yaml:17:29: Filter 'filter': keep: operator > cannot be applied to"
                + " (double, string)"),
        check("build_multi.yaml"));
  }

  @Test
  public void secretsNeverAppearInErrors() throws IOException {
    Path secretFile = tmp.newFile("ttl").toPath();
    Files.writeString(secretFile, "hunter2-secret\n", StandardCharsets.UTF_8);
    String path = System.getenv("PATH");
    List<String> errors =
        check("secret.yaml", text -> text.replace("SECRET_PATH", secretFile.toString()));
    assertEquals(
        List.of(
            "secret.yaml:9:36: Dedup 'dedup': ttl: expected a duration like 500ms, 30s, 15m, 1h or"
                + " 2d, got '${file:"
                + secretFile
                + "}'",
            "secret.yaml:13:36: Dedup 'dedup_env': ttl: expected a duration like 500ms, 30s, 15m,"
                + " 1h or 2d, got '${env:PATH}'"),
        errors);
    String all = String.join("\n", errors);
    assertThat(all, not(containsString("hunter2")));
    assertThat(all, not(containsString(path)));
  }

  private List<String> check(String name) throws IOException {
    return check(name, text -> text);
  }

  /** The errors of building resource {@code name} (after {@code edit}), as printed. */
  private List<String> check(String name, java.util.function.UnaryOperator<String> edit)
      throws IOException {
    String text;
    try (InputStream in = getClass().getResourceAsStream("/specs/check/" + name)) {
      text = edit.apply(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    try {
      Spec spec = SpecParser.parse(name, text);
      Map<String, String> vars = new LinkedHashMap<>();
      vars.put("input", SMALL.toAbsolutePath().normalize().toString());
      vars.put("output", tmp.getRoot().toString());
      vars.putAll(spec.options());
      Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
      SpecBuilder.build(p, spec, StepCatalog.load(), Variables.of(vars), null);
      return List.of();
    } catch (SpecException e) {
      return e.errors().stream().map(SpecError::toString).collect(Collectors.toList());
    }
  }
}
