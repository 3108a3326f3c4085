package io.tributary.transforms.privacy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PrivacyPrimitivesTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void masksEachStyle() {
    assertEquals("a***@example.com", FieldProtector.mask("email", "ana.silva@example.com"));
    assertEquals("***", FieldProtector.mask("email", "not-an-email"));
    assertEquals("203.0.113.0/24", FieldProtector.mask("ipv4", "203.0.113.17"));
    assertEquals("***", FieldProtector.mask("ipv4", "2001:db8::1"));
    assertEquals("************1234", FieldProtector.mask("last4", "4111111111111234"));
    assertEquals("***", FieldProtector.mask("full", "anything"));
  }

  @Test
  public void generalizesNumbersAndTimes() {
    assertEquals(new BigDecimal("10"), FieldProtector.generalize("10", new BigDecimal("19.99")));
    assertEquals(40L, FieldProtector.generalize("20", 47L));
    assertEquals(
        Instant.parse("2026-11-01T09:00:00Z"),
        FieldProtector.generalize("hour", Instant.parse("2026-11-01T09:59:59.999Z")));
    assertEquals(
        Instant.parse("2026-11-01T00:00:00Z"),
        FieldProtector.generalize("day", Instant.parse("2026-11-01T23:00:00Z")));
  }

  @Test
  public void tokensAreKeyedDeterministicAndNameTheirKey() throws Exception {
    Keyset a =
        Keyset.load(
            Keyset.KeysetSource.file(TestKeys.write(tmp.getRoot().toPath(), "k1").toString()));
    Keyset b =
        Keyset.load(
            Keyset.KeysetSource.file(TestKeys.write(tmp.getRoot().toPath(), "k1").toString()));
    String t1 = Crypto.token(a, "email", "ana@example.com");
    assertEquals(t1, Crypto.token(a, "email", "ana@example.com"));
    assertThat(t1, startsWith("tk:k1:"));
    assertThat(t1, not(containsString("ana")));
    assertNotEquals("another key, another token", t1, Crypto.token(b, "email", "ana@example.com"));
    assertNotEquals("field is bound in", t1, Crypto.token(a, "ip", "ana@example.com"));
  }

  /**
   * Tokens stay what earlier builds wrote: HMAC-SHA256 under HMAC(key, "tributary/token") of "field
   * NUL value", computed here from the key file with the JDK alone; the keyset's keyed instances,
   * reused and shared between threads, give the same bytes on every call.
   */
  @Test
  public void tokensAreTheDocumentedHmacOnEveryCallAndThread() throws Exception {
    Path file = TestKeys.write(tmp.getRoot().toPath(), "k1");
    Keyset keys = Keyset.load(Keyset.KeysetSource.file(file.toString()));
    byte[] key =
        Base64.getDecoder()
            .decode(new ObjectMapper().readTree(file.toFile()).get("keys").get("k1").asText());
    byte[] tokenKey = jdkHmac(key, "tributary/token");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      expected.add(
          "tk:k1:"
              + Base64.getUrlEncoder()
                  .withoutPadding()
                  .encodeToString(jdkHmac(tokenKey, "email\u0000ana" + i + "@example.com")));
    }
    List<String> parallel =
        IntStream.range(0, 2_000)
            .parallel()
            .mapToObj(i -> Crypto.token(keys, "email", "ana" + i + "@example.com"))
            .toList();
    assertEquals(expected, parallel);
    assertEquals(expected.get(7), Crypto.token(keys, "email", "ana7@example.com"));
    // Reversible tokens: equal from two loads of the key file, and each load decrypts the other's.
    Keyset again = Keyset.load(Keyset.KeysetSource.file(file.toString()));
    String dt = Crypto.deterministicEncrypt(keys, "email", "ana@example.com");
    assertEquals(dt, Crypto.deterministicEncrypt(again, "email", "ana@example.com"));
    assertEquals("ana@example.com", Crypto.deterministicDecrypt(again, "email", dt));
  }

  private static byte[] jdkHmac(byte[] key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  public void rotationOldKeyIdStillDecryptsNewWritesUseTheNewKey() throws Exception {
    String k1 = TestKeys.randomKey();
    String k2 = TestKeys.randomKey();
    Keyset before = Keyset.parse(TestKeys.json("k1", Map.of("k1", k1)), "test");
    Keyset after = Keyset.parse(TestKeys.json("k2", Map.of("k1", k1, "k2", k2)), "test");
    String old = Crypto.deterministicEncrypt(before, "email", "ana@example.com");
    assertThat(old, startsWith("dt:k1:"));
    String fresh = Crypto.deterministicEncrypt(after, "email", "ana@example.com");
    assertThat(fresh, startsWith("dt:k2:"));
    assertEquals("ana@example.com", Crypto.deterministicDecrypt(after, "email", old));
    assertEquals("ana@example.com", Crypto.deterministicDecrypt(after, "email", fresh));
    assertEquals(old, Crypto.deterministicEncrypt(before, "email", "ana@example.com"));
    IllegalArgumentException gone =
        assertThrows(
            IllegalArgumentException.class,
            () -> Crypto.deterministicDecrypt(before, "email", fresh));
    assertThat(gone.getMessage(), containsString("keyset has no key 'k2'"));
  }

  @Test
  public void rotatingThePrimaryKeepsTokensNamedAndSubjectKeysFound() throws Exception {
    String k1 = TestKeys.randomKey();
    Path dir = tmp.newFolder("rotation").toPath();
    Path before = dir.resolve("before.json");
    Path after = dir.resolve("after.json");
    Files.writeString(before, TestKeys.json("k1", Map.of("k1", k1)));
    Files.writeString(after, TestKeys.json("k2", Map.of("k1", k1, "k2", TestKeys.randomKey())));
    Keyset oldKeys = Keyset.load(Keyset.KeysetSource.file(before.toString()));
    Keyset newKeys = Keyset.load(Keyset.KeysetSource.file(after.toString()));
    // One-way tokens: new ones name k2, old ones keep naming k1 (a join across the rotation needs
    // both).
    assertThat(Crypto.token(oldKeys, "email", "ana@example.com"), startsWith("tk:k1:"));
    assertThat(Crypto.token(newKeys, "email", "ana@example.com"), startsWith("tk:k2:"));
    // Per-subject encryption: the store is indexed by k1 explicitly, so after the primary moved to
    // k2 the same subject finds the same key and old ciphertexts still decrypt.
    String subjects = dir.resolve("subjects").toString();
    SubjectKeyStore storeBefore =
        SubjectKeyStore.directory(subjects, Keyset.KeysetSource.file(before.toString()), "k1");
    SubjectKeyStore.SubjectKey ana = storeBefore.getOrCreate("u-1");
    String mail = Crypto.encrypt(ana.material(), ana.id(), "email", "ana@example.com");
    SubjectKeyStore storeAfter =
        SubjectKeyStore.directory(subjects, Keyset.KeysetSource.file(after.toString()), "k1");
    assertEquals(ana.id(), storeAfter.keyId("u-1"));
    assertEquals(ana.id(), SubjectKeyStore.keyIdFor(newKeys, "k1", "u-1"));
    assertEquals(
        "ana@example.com",
        Crypto.decrypt(
            storeAfter.find(Crypto.keyIdOf(mail)).orElseThrow().material(), "email", mail));
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SubjectKeyStore.directory(
                    subjects, Keyset.KeysetSource.file(before.toString()), "k2"));
    assertThat(missing.getMessage(), containsString("keyset has no key 'k2'"));
  }

  @Test
  public void tamperedOrMisattributedCiphertextIsRejected() throws Exception {
    Keyset keys = Keyset.parse(TestKeys.json("k1", Map.of("k1", TestKeys.randomKey())), "test");
    String token = Crypto.deterministicEncrypt(keys, "email", "ana@example.com");
    IllegalArgumentException wrongField =
        assertThrows(
            IllegalArgumentException.class, () -> Crypto.deterministicDecrypt(keys, "ip", token));
    assertThat(wrongField.getMessage(), containsString("does not decrypt"));
    char[] c = token.toCharArray();
    c[c.length - 3] = c[c.length - 3] == 'A' ? 'B' : 'A';
    assertThrows(
        IllegalArgumentException.class,
        () -> Crypto.deterministicDecrypt(keys, "email", new String(c)));
  }

  @Test
  public void keysetErrorsNameTheSourceAndNeverTheKey() throws Exception {
    String secret = TestKeys.randomKey();
    Path file = tmp.newFile("bad.json").toPath();
    Files.writeString(file, TestKeys.json("k9", Map.of("k1", secret)));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Keyset.load(Keyset.KeysetSource.file(file.toString())));
    assertThat(
        e.getMessage(),
        containsString("keyset file:" + file + ": 'primary' must name one of [k1], got 'k9'"));
    assertThat(e.getMessage(), not(containsString(secret)));

    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Keyset.load(Keyset.KeysetSource.env("TRIBUTARY_TEST_UNSET"), name -> null));
    assertEquals(
        "keyset env:TRIBUTARY_TEST_UNSET: the environment variable is not set", e.getMessage());

    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Keyset.parse("{\"primary\":\"k1\",\"keys\":{\"k1\":\"c2hvcnQ=\"}}", "env:X"));
    assertThat(e.getMessage(), containsString("key 'k1' has 5 bytes; expected at least 32"));

    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Keyset.load(Keyset.KeysetSource.file("/no/such/keyset.json")));
    assertThat(
        e.getMessage(), containsString("keyset file:/no/such/keyset.json: cannot read the file"));

    Keyset ok = Keyset.parse(TestKeys.json("k1", Map.of("k1", secret)), "test");
    assertThat(ok.toString(), not(containsString(secret)));
    assertEquals(
        "keyset source from env",
        "env:TRIBUTARY_KEYSET",
        Keyset.KeysetSource.parse("env:TRIBUTARY_KEYSET", "--keyset").toString());
    assertThrows(
        IllegalArgumentException.class,
        () -> Keyset.KeysetSource.parse("TRIBUTARY_KEYSET", "--keyset"));
  }

  @Test
  public void cryptoShreddingDestroyingTheSubjectKeyMakesEveryCopyUnreadable() throws Exception {
    Path keyset = TestKeys.write(tmp.getRoot().toPath(), "k1");
    SubjectKeyStore store =
        SubjectKeyStore.directory(
            tmp.newFolder("subjects").toString(),
            Keyset.KeysetSource.file(keyset.toString()),
            "k1");
    SubjectKeyStore.SubjectKey ana = store.getOrCreate("u-1");
    SubjectKeyStore.SubjectKey bob = store.getOrCreate("u-2");
    assertEquals("same subject, same key", ana.id(), store.getOrCreate("u-1").id());
    String anaMail = Crypto.encrypt(ana.material(), ana.id(), "email", "ana@example.com");
    String bobMail = Crypto.encrypt(bob.material(), bob.id(), "email", "bob@example.com");
    assertNotEquals(
        "randomized",
        anaMail,
        Crypto.encrypt(ana.material(), ana.id(), "email", "ana@example.com"));

    assertEquals(ana.id(), store.destroy("u-1").orElseThrow());
    assertTrue("ana's key is gone", store.find(Crypto.keyIdOf(anaMail)).isEmpty());
    SubjectKeyStore.SubjectKey bobAgain = store.find(Crypto.keyIdOf(bobMail)).orElseThrow();
    assertEquals("bob@example.com", Crypto.decrypt(bobAgain.material(), "email", bobMail));
    // A new key for the same subject cannot read the old ciphertext either.
    SubjectKeyStore.SubjectKey reborn = store.getOrCreate("u-1");
    assertThrows(
        IllegalArgumentException.class, () -> Crypto.decrypt(reborn.material(), "email", anaMail));
    try (var files = Files.list(tmp.getRoot().toPath().resolve("subjects"))) {
      assertTrue(
          "file names reveal no subject ids",
          files.noneMatch(f -> f.getFileName().toString().contains("u-")));
    }
  }

  @Test
  public void policyFileErrorsNameTheField() throws Exception {
    Path file = tmp.newFile("policy.json").toPath();
    ObjectNode root = new ObjectMapper().createObjectNode();
    root.put("subject", "user_id");
    root.putObject("fields").put("email", "encrypt").put("ip", "mask:ipv6");
    Files.writeString(file, root.toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PrivacyPolicy.fromFile(file));
    assertThat(e.getMessage(), containsString("field 'ip': "));
    assertThat(
        e.getMessage(), containsString("mask needs a style, one of email, ipv4, last4, full"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> FieldPolicy.parse("shred")).getMessage(),
        containsString("unknown action 'shred'"));
  }
}
