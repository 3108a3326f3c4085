package io.tributary.transforms.privacy;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PiiScannerTest {
  private static void redacts(String expected, String text) {
    assertEquals(text, expected, PiiScanner.redact(text));
  }

  private static void keeps(String text) {
    assertEquals(text, text, PiiScanner.redact(text));
  }

  @Test
  public void emails() {
    redacts("mail [redacted-email] now", "mail ana.maria+x@mail.example.co.uk now");
    redacts("[redacted-email].", "bob_1@example.org.");
    redacts("[redacted-email]1", "a@b.com1"); // the old pattern's match, digit left over
    redacts("[redacted-email] and [redacted-email]", "a@x.io and b@y.io");
    keeps("user@localhost and @handle and a@b.c");
  }

  @Test
  public void escapedEmailsAreFoundAndReplacedWhole() {
    redacts("{\"note\":\"[redacted-email]\"}", "{\"note\":\"alice\\u0040example.com\"}");
    redacts("[redacted-email] x", "\\u0061lice@ex\\u0061mple.com x");
    redacts("say \\\"[redacted-email]\\\"", "say \\\"bob@example.org\\\"");
    redacts("[redacted-email]", "alice\\u002esmith@example.com");
    redacts("bob\\/[redacted-email]", "bob\\/x@example.org"); // "\/" is "/", not in a local part
    // A line embedded in JSON embedded in JSON: escaped twice, decoded twice.
    redacts(
        "{\\\"email\\\":\\\"[redacted-email]\\\"}",
        "{\\\"email\\\":\\\"alice\\\\u0040example.com\\\"}");
    redacts("[redacted-email]", "alice\\\\\\\\u0040example.com"); // escaped three times
    keeps("alice" + "\\".repeat(8) + "u0040example.com"); // four times: three decodes leave no @
    keeps("C:\\\\new\\\\table and \\\\\\");
    keeps("bad escape \\uZZZZ and \\q stay");
  }

  @Test
  public void phones() {
    redacts("call [redacted-phone].", "call +44 20 7946 0958.");
    redacts("[redacted-phone]", "+15551234567");
    redacts("tel [redacted-phone]", "tel (555) 123-4567");
    redacts("tel [redacted-phone]", "tel 555-123-4567");
    redacts("tel [redacted-phone]", "tel 555.123.4567");
    redacts("tel [redacted-phone]", "tel 555 123 4567");
    redacts("tel [redacted-phone]", "tel 06 12 34 56 78");
    redacts("tel [redacted-phone]", "tel 0612345678");
    redacts("tel [redacted-phone]", "tel +44 (0)20 7946 0958");
    redacts("tel [redacted-phone]", "tel +33.6.12.34.56.78");
    redacts("tel [redacted-phone]", "tel 1-800-555-1234");
    redacts("\"phone\":\"[redacted-phone]\"", "\"phone\":\"030 1234567\"");
    redacts("[redacted-phone], [redacted-phone]", "555-123-4567, 555-987-6543");
    redacts("tel:[redacted-phone]", "tel:+15551234567");
  }

  @Test
  public void numbersThatAreNotPhones() {
    keeps("\"event_time\":\"2026-11-01T10:15:30.123Z\"");
    keeps("at 2026-11-01 10:15:30 UTC");
    keeps("on 01.11.2026 and 2026-11-01 and 1.11.2026");
    keeps("{\"event_time\":\"2026-11-0"); // a line cut inside its timestamp
    keeps("{\"event_time\":\"2026-10-31T20:34:03.422-05:");
    keeps("\"price\":1200.00,\"total\":1234567.89");
    keeps("Mozilla/5.0 Chrome/130.0.0.0 Safari/537.36 Chrome 121.0.6167.85");
    keeps("\"event_id\":\"e-0000001\",\"user_id\":\"u-00042\",\"product_id\":\"p-0123\"");
    keeps("ids e-0000001 u-00042 p-0123");
    keeps("42 items, 1000000 views, 12 345 678 people, 12.345.678 EUR, 1,234,567");
    keeps("from 2024-2025, epoch 1730419200 and 1730419200000 ms");
    keeps("scores 12 34 56 78 90");
    keeps("SM-S911B x1234567 v1234567");
  }

  @Test
  public void ssn() {
    redacts("ssn [redacted-id]", "ssn 123-45-6789");
    // Ten digits in the same layout are a phone number, not an id.
    redacts("ssn [redacted-id] vs [redacted-phone]", "ssn 123-45-6789 vs 123-45-67890");
  }

  @Test
  public void cards() {
    redacts("card [redacted-card] ok", "card 4111 1111 1111 1111 ok");
    redacts("card [redacted-card]", "card 4111-1111-1111-1111");
    redacts("card [redacted-card]", "card 4111111111111111");
    redacts("amex [redacted-card]", "amex 3782 822463 10005");
    redacts("{\"pan\":\"[redacted-card]\"}", "{\"pan\":\"5555555555554444\"}");
  }

  @Test
  public void luhnFailuresAndLongNumbersStay() {
    keeps("card 4111 1111 1111 1112 ok");
    keeps("card 4111-1111-1111-1112");
    keeps("card 4111111111111112");
    keeps("ordinal 1234 5678 9012 3456"); // first digit 1: no card network
    keeps("order 12345678901234567890123");
  }

  @Test
  public void ipv4() {
    redacts("from [redacted-ip] by x", "from 198.51.100.7 by x");
    redacts("to [redacted-ip].", "to 203.0.113.17.");
    redacts("[redacted-ip]:8080", "10.0.0.1:8080");
    redacts("ip:[redacted-ip]", "ip:10.0.0.1");
    keeps("Chrome/130.0.0.0 Safari/537.36");
    keeps("1.2.3.4.5 and 999.1.1.1 and v1.2.3.4");
  }

  @Test
  public void ipv6() {
    redacts("from [redacted-ip] ok", "from 2001:db8:85a3::8a2e:370:7334 ok");
    redacts("[redacted-ip]", "2001:0db8:85a3:0000:0000:8a2e:0370:7334");
    redacts("[[redacted-ip]]:443", "[::1]:443");
    redacts("[redacted-ip]", "::ffff:192.0.2.1");
    redacts("ip:[redacted-ip]", "ip:fe80::1");
    keeps("10:15:30 and 00:1a:2b:3c:4d:5e and A::B and std::vector");
  }

  @Test
  public void addresses() {
    redacts(
        "lives at [redacted-address], Springfield", "lives at 742 Evergreen Terrace, Springfield");
    redacts("[redacted-address].", "221B Baker Street.");
    redacts("[redacted-address] 20500", "1600 Pennsylvania Avenue NW 20500");
    redacts("at [redacted-address] now", "at 12 Main St. now");
    redacts("at [redacted-address]", "at 350 Fifth Ave");
    keeps("3 Way handshake, 12 Main, 5 Streets, 10 main street");
  }

  @Test
  public void findingsDeepInsideAVeryLongChain() {
    // 3000 groups: the chain is searched in pieces of 1024 groups (MAX_CHAIN).
    String out = PiiScanner.redact("12 ".repeat(3000) + "555-123-4567 and 12 ".repeat(2));
    assertEquals(2, out.split("\\[redacted-phone]", -1).length - 1);
    assertEquals(-1, out.indexOf("4567"));
  }

  @Test
  public void nothingFoundReturnsTheSameString() {
    String text = "nothing personal here";
    assertSame(text, PiiScanner.redact(text));
    assertSame("", PiiScanner.redact(""));
  }
}
