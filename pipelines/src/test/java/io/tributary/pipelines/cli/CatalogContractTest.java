package io.tributary.pipelines.cli;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.io.schema.SchemaRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The catalog and the contracts agree on personal data: every field the catalog lists as PII is
 * marked {@code "pii"} in its dataset's contract, so the default privacy policy (built from the
 * contract) protects it in outputs, quarantine and dead letters.
 */
@RunWith(JUnit4.class)
public class CatalogContractTest {
  @Test
  public void everyCatalogPiiFieldIsMarkedInItsContract() throws Exception {
    JsonNode catalog =
        new ObjectMapper()
            .readTree(Files.readString(Path.of("..", "runners-config", "catalog.json")));
    List<String> unmarked = new ArrayList<>();
    int checked = 0;
    for (JsonNode dataset : catalog.get("datasets")) {
      if (!dataset.hasNonNull("schema")) {
        continue;
      }
      Schema contract = SchemaRegistry.bundled().latest(dataset.get("schema").asText()).schema();
      for (JsonNode pii : dataset.path("pii")) {
        Schema.Field field = contract.getField(pii.asText());
        assertNotNull(
            dataset.get("name").asText() + ": catalog lists unknown field " + pii.asText(), field);
        checked++;
        if (field.getObjectProp("pii") == null) {
          unmarked.add(dataset.get("name").asText() + "." + pii.asText());
        }
      }
    }
    assertFalse("no PII field was checked", checked == 0);
    assertFalse("catalog PII not marked in the contract: " + unmarked, !unmarked.isEmpty());
  }
}
