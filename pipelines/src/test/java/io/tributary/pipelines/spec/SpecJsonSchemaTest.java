package io.tributary.pipelines.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;
import org.yaml.snakeyaml.Yaml;

/**
 * The committed spec schema is the generated one, and the specs we ship validate against it.
 *
 * <pre>{@code
 * mvn -B -o -pl transforms,io-connectors,pipelines test -Dtest=SpecJsonSchemaTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * }</pre>
 */
@RunWith(JUnit4.class)
public class SpecJsonSchemaTest {
  private static final Path SPECS = Paths.get("specs");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  public void committedSchemaIsTheGeneratedOne() throws IOException {
    String committed =
        Files.readString(SPECS.resolve("tributary-spec.schema.json"), StandardCharsets.UTF_8);
    assertEquals(
        "pipelines/specs/tributary-spec.schema.json is stale; regenerate it from the repository"
            + " root with: mvn -B -q -o -pl transforms,io-connectors,pipelines package -DskipTests"
            + " && java -cp pipelines/target/tributary-pipelines-0.1.0-SNAPSHOT-bundled.jar"
            + " io.tributary.pipelines.spec.SpecJsonSchema "
            + SpecJsonSchema.COMMITTED,
        SpecJsonSchema.generate(),
        committed);
  }

  @Test
  public void clickstreamSpecIsValid() throws IOException {
    assertThat(
        Files.readString(SPECS.resolve("clickstream.yaml"), StandardCharsets.UTF_8),
        startsWith("# yaml-language-server: $schema=tributary-spec.schema.json\n"));
    assertThat(validate(SPECS.resolve("clickstream.yaml")), empty());
  }

  @Test
  public void everyStepTypeIsDescribedWithItsProvidersFields() throws IOException {
    JsonNode schema = MAPPER.readTree(SpecJsonSchema.generate());
    for (String type : StepCatalog.load().shortTypes()) {
      JsonNode config = schema.path("$defs").path("config." + type);
      assertEquals(type, "object", config.path("type").asText());
    }
    JsonNode dedup = schema.path("$defs").path("config.Dedup");
    assertEquals("key", dedup.path("required").get(0).asText());
    assertThat(
        dedup.path("properties").path("key").path("description").asText(),
        containsString("identifies a record"));
  }

  @Test
  public void mistakesAreRejected() {
    String spec =
        "pipeline:\n"
            + "  transforms:\n"
            + "    - type: ReadFiles\n"
            + "      name: decode\n"
            + "      config: {path: in.jsonl, format: jsonl, subject: clickstream-event}\n"
            + "    - type: Dedup\n"
            + "      input: decode\n"
            + "      confg: {key: event_id}\n"
            + "    - type: Window\n"
            + "      input: dedup\n"
            + "      config: {spec: 'fixed:1h', colour: red}\n";
    Set<ValidationMessage> errors = validate(spec);
    List<String> messages =
        errors.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.toList());
    // Dedup: confg is unknown and config (with its required key) is missing; Window: colour.
    assertThat(messages.toString(), containsString("confg"));
    assertThat(messages.toString(), containsString("colour"));
    assertThat(messages.toString(), containsString("config"));
    assertThat(messages, hasSize(3));
  }

  private static Set<ValidationMessage> validate(Path yaml) throws IOException {
    return validate(Files.readString(yaml, StandardCharsets.UTF_8));
  }

  private static Set<ValidationMessage> validate(String yaml) {
    Object tree = new Yaml().load(yaml);
    JsonNode node = MAPPER.valueToTree(tree);
    JsonSchema schema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
            .getSchema(SpecJsonSchema.generate());
    return schema.validate(node);
  }
}
