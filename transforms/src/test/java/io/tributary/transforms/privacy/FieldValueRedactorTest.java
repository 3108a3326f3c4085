package io.tributary.transforms.privacy;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;

import java.util.Set;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class FieldValueRedactorTest {
  private final FieldValueRedactor r = new FieldValueRedactor(Set.of("email", "ip", "user_agent"));

  @Test
  public void allFieldsInOnePass() {
    assertEquals(
        "{\"email\" : \"[redacted]\",\"x\":1,\"ip\":\"[redacted]\",\"y\":\"ip\"}",
        r.redact("{\"email\" : \"a\\\"b@c.org\",\"x\":1,\"ip\":\"1.2.3.4\",\"y\":\"ip\"}"));
  }

  @Test
  public void cutInsideTheValue() {
    assertEquals("{\"user_agent\":\"[redacted]\"", r.redact("{\"user_agent\":\"Mozilla/5.0 (X11"));
    assertEquals("{\"email\":\"[redacted]\"", r.redact("{\"email\":\"ana@exa\\"));
  }

  @Test
  public void cutBeforeTheKeyOrTheColon() {
    // The line starts inside a value: quotes no longer alternate key/value, names still match.
    assertEquals(
        "ple.com\",\"ip\":\"[redacted]\",\"x\":1",
        r.redact("ple.com\",\"ip\":\"203.0.113.9\",\"x\":1"));
    assertEquals("{\"email\"", r.redact("{\"email\""));
    assertEquals("{\"email\": ", r.redact("{\"email\": "));
  }

  @Test
  public void nonStringValues() {
    assertEquals(
        "{\"ip\":\"[redacted]\",\"email\":\"[redacted]\",\"user_agent\":null}",
        r.redact("{\"ip\":3232235777,\"email\":[\"a@b.org\",{\"x\":\"]\"}],\"user_agent\":null}"));
    assertEquals("{\"email\":\"[redacted]\"", r.redact("{\"email\":{\"work\":\"a@b.org\""));
  }

  @Test
  public void otherKeysAndNoPolicyStayTheSameString() {
    String text = "{\"emails\":\"a\",\"e\":\"mail\",\"ip_hash\":\"x\"}";
    assertSame(text, r.redact(text));
    assertSame(text, new FieldValueRedactor(Set.of()).redact(text));
  }
}
