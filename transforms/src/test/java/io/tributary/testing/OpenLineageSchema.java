package io.tributary.testing;

import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.util.Set;

/**
 * Validates OpenLineage run events against src/test/resources/openlineage/run-event.schema.json
 * (draft 2020-12, formats asserted: date-time, uri, uuid).
 *
 * <pre>{@code
 * OpenLineageSchema.assertValid(eventJson);
 * }</pre>
 */
public final class OpenLineageSchema {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonSchema SCHEMA = load();

  private OpenLineageSchema() {}

  private static JsonSchema load() {
    try (InputStream in =
        OpenLineageSchema.class.getResourceAsStream("/openlineage/run-event.schema.json")) {
      SchemaValidatorsConfig config = new SchemaValidatorsConfig();
      config.setFormatAssertionsEnabled(true);
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in, config);
    } catch (Exception e) {
      throw new IllegalStateException("cannot load the OpenLineage test schema", e);
    }
  }

  /** The validation errors of one event (empty when valid). */
  public static Set<ValidationMessage> validate(String eventJson) {
    try {
      JsonNode node = MAPPER.readTree(eventJson);
      return SCHEMA.validate(node);
    } catch (Exception e) {
      throw new AssertionError("not JSON: " + eventJson, e);
    }
  }

  /** Fails with every violation listed. */
  public static void assertValid(String eventJson) {
    Set<ValidationMessage> errors = validate(eventJson);
    assertTrue("OpenLineage event invalid: " + errors + "\n" + eventJson, errors.isEmpty());
  }
}
