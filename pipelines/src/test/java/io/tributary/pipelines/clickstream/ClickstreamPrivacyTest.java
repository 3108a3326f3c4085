package io.tributary.pipelines.clickstream;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.tributary.io.schema.SchemaRegistry;
import io.tributary.pipelines.Testdata;
import io.tributary.pipelines.runtime.PipelineRun;
import io.tributary.pipelines.runtime.RunSummary;
import io.tributary.testing.TestRunners;
import io.tributary.transforms.privacy.Crypto;
import io.tributary.transforms.privacy.FieldPolicy;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.PrivacyPolicy;
import io.tributary.transforms.privacy.SubjectKeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Personal data in clickstream is protected before anything is written: a scan of every output file
 * finds no e-mail or IP address of the input in clear; encrypted e-mails decrypt only with their
 * subject's key, and destroying that key (erasure) makes them unreadable while other subjects' stay
 * readable.
 */
@RunWith(JUnit4.class)
public class ClickstreamPrivacyTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]+@example\\.com");
  private static final Pattern IP =
      Pattern.compile("\\b\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.(\\d{1,3})\\b");
  private static final Pattern ENCRYPTED = Pattern.compile("en:s-[0-9a-f]{32}:[A-Za-z0-9_-]+");

  @Test
  public void theContractDeclaresEmailAndIpAndTheyGetKeylessDefaults() {
    PrivacyPolicy policy =
        PrivacyPolicy.fromAvro(
            SchemaRegistry.bundled().latest(ClickstreamPipeline.SUBJECT).schema());
    assertEquals("mask:email", policy.fields().get("email").toString());
    assertEquals("mask:ipv4", policy.fields().get("ip").toString());
    assertFalse(policy.needsKeys());
    assertEquals(FieldPolicy.Action.MASK, policy.fields().get("email").action());
  }

  @Test
  public void noClearPersonalDataInAnyOutputAndErasureShredsOneSubject() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    Path subjects = tmp.newFolder("subject-keys").toPath();
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path keyset = tmp.newFile("keyset.json").toPath();
    Files.writeString(
        keyset,
        "{\"primary\":\"k1\",\"keys\":{\"k1\":\""
            + Base64.getEncoder().encodeToString(key)
            + "\"}}");

    ClickstreamOptions options = TestRunners.options().as(ClickstreamOptions.class);
    options.setInput(Testdata.file("clickstream/small.jsonl").toString());
    options.setOutput(out.toString());
    options.setPrivacyPolicy(Testdata.file("clickstream/privacy.json").toString());
    options.setKeyset("file:" + keyset);
    options.setSubjectKeys(subjects.toString());
    options.setChecks(Testdata.file("clickstream/checks.json").toString());
    RunSummary summary = PipelineRun.run(new ClickstreamJob(), options);
    assertTrue(summary.accounting().line(), summary.accounting().balanced());
    assertEquals(983, summary.accounting().written());

    String input = Files.readString(Testdata.file("clickstream/small.jsonl"));
    Set<String> emails = all(EMAIL, input);
    Set<String> ips = new LinkedHashSet<>();
    Matcher ipm = IP.matcher(input);
    while (ipm.find()) {
      ips.add(ipm.group());
    }
    assertTrue("the sample has personal data to protect", emails.size() > 10 && ips.size() > 10);

    StringBuilder everything = new StringBuilder();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(out)) {
      files = walk.filter(Files::isRegularFile).collect(Collectors.toList());
    }
    for (Path f : files) {
      if (!f.toString().endsWith(".png")) {
        everything.append(Files.readString(f)).append('\n');
      }
    }
    String scanned = everything.toString();
    for (String email : emails) {
      assertThat("clear e-mail in outputs", scanned, not(containsString(email)));
    }
    for (String ip : ips) {
      if (!ip.endsWith(
          ".0")) { // a /24 mask ends in .0; a clear address from the input never does here
        assertThat("clear IP in outputs", scanned, not(containsString(ip + "\"")));
      }
    }

    // Validation dead letters carry the decoded record: its e-mail is encrypted per subject.
    Set<String> ciphertexts = all(ENCRYPTED, scanned);
    assertTrue("encrypted e-mails in the dead letters: " + ciphertexts, ciphertexts.size() >= 2);
    SubjectKeyStore store =
        SubjectKeyStore.directory(
            subjects.toString(), Keyset.KeysetSource.file(keyset.toString()), "k1");
    List<String> readable = new ArrayList<>();
    for (String ct : ciphertexts) {
      String plain =
          Crypto.decrypt(store.find(Crypto.keyIdOf(ct)).orElseThrow().material(), "email", ct);
      assertTrue(emails.contains(plain));
      readable.add(ct);
    }
    // Erasure of one subject: destroy its key. Its ciphertexts die; the others still decrypt.
    String victim = readable.get(0);
    String victimKeyId = Crypto.keyIdOf(victim);
    Files.delete(subjects.resolve(victimKeyId + ".key"));
    assertFalse(store.find(victimKeyId).isPresent());
    for (String ct : readable) {
      if (!Crypto.keyIdOf(ct).equals(victimKeyId)) {
        assertTrue(store.find(Crypto.keyIdOf(ct)).isPresent());
      }
    }
  }

  private static Set<String> all(Pattern p, String text) {
    Set<String> found = new LinkedHashSet<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      found.add(m.group());
    }
    return found;
  }
}
