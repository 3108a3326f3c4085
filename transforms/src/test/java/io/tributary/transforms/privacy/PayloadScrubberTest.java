package io.tributary.transforms.privacy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PayloadScrubberTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private PayloadScrubber scrubber() throws Exception {
    Path keyset = TestKeys.write(tmp.getRoot().toPath(), "k1");
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("email", "encrypt");
    fields.put("ip", "mask:ipv4");
    fields.put("user_agent", "drop");
    PrivacyPolicy policy = PrivacyPolicy.of(fields).withSubject("user_id");
    return PayloadScrubber.create(
        ProtectionSpec.of(
                policy,
                Keyset.KeysetSource.file(keyset.toString()),
                tmp.newFolder("subjects").toString(),
                "k1")
            .protector());
  }

  @Test
  public void jsonPayloadsAreProtectedLikeTheData() throws Exception {
    String safe =
        scrubber()
            .scrub(
                "{\"event_id\":\"e-1\",\"user_id\":\"u-1\",\"email\":\"ana@example.com\","
                    + "\"ip\":\"203.0.113.17\",\"user_agent\":\"Firefox\",\"note\":\"call bob@example.org\",\"price\":\"twelve\"}");
    JsonNode node = new ObjectMapper().readTree(safe);
    assertThat(node.get("email").asText(), org.hamcrest.Matchers.startsWith("en:s-"));
    assertEquals("203.0.113.0/24", node.get("ip").asText());
    assertEquals("dropped field is gone", false, node.has("user_agent"));
    assertEquals("call [redacted-email]", node.get("note").asText());
    assertEquals("twelve", node.get("price").asText());
    assertThat(safe, not(containsString("ana@")));
  }

  @Test
  public void brokenPayloadsAreRedactedByPattern() throws Exception {
    PayloadScrubber s = scrubber();
    // A truncated line: cut inside the user agent, after the email and ip.
    String truncated =
        "{\"event_id\":\"e-2\",\"email\":\"ana@example.com\",\"ip\":\"203.0.113.17\",\"user_agent\":\"Mozilla/5.0 (X11";
    String safe = s.scrub(truncated);
    assertEquals(
        "{\"event_id\":\"e-2\",\"email\":\"[redacted]\",\"ip\":\"[redacted]\",\"user_agent\":\"[redacted]\"",
        safe);
    assertEquals(
        "GET /x from [redacted-ip] by [redacted-email]",
        s.scrub("GET /x from 198.51.100.7 by eve@example.net"));
    assertEquals(
        "versions are not addresses",
        "Chrome/130.0.0.0 Safari/537.36",
        s.scrub("Chrome/130.0.0.0 Safari/537.36"));
    assertEquals(null, s.scrub(null));
  }
}
