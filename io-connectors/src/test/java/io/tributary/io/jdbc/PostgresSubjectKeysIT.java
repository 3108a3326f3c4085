package io.tributary.io.jdbc;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;

import io.tributary.io.jdbc.testing.Postgres;
import io.tributary.transforms.privacy.Crypto;
import io.tributary.transforms.privacy.Keyset;
import io.tributary.transforms.privacy.SubjectKeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The subject key store in a PostgreSQL table (a {@code jdbc:postgresql:} location), on a real
 * server: one key per subject even when workers race to create it, crypto-shredding by destroy, no
 * subject id and no credential anywhere visible. No pipeline: same result on both executions.
 */
@RunWith(JUnit4.class)
public class PostgresSubjectKeysIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void keysLiveInATableAndDestroyShredsOneSubject() throws Exception {
    JdbcTarget db = Postgres.server().freshDatabase();
    Path keyset = tmp.newFile("keyset.json").toPath();
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    Files.writeString(
        keyset,
        "{\"primary\":\"k1\",\"keys\":{\"k1\":\"" + Base64.getEncoder().encodeToString(k) + "\"}}");
    String url = db.url() + "&password=postgres";
    Keyset.KeysetSource source = Keyset.KeysetSource.file(keyset.toString());

    // Two "workers" race to create the same subject's key: all agree on one.
    List<Future<byte[]>> racers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int i = 0; i < 8; i++) {
      SubjectKeyStore worker = SubjectKeyStore.directory(url, source, "k1");
      racers.add(pool.submit(() -> worker.getOrCreate("u-2").material()));
    }
    byte[] first = racers.get(0).get();
    for (Future<byte[]> r : racers) {
      assertArrayEquals(first, r.get());
    }
    pool.shutdown();

    SubjectKeyStore store = SubjectKeyStore.directory(url, source, "k1");
    assertEquals("postgresql", store.kind());
    SubjectKeyStore.SubjectKey ana = store.getOrCreate("u-1");
    assertArrayEquals(ana.material(), store.getOrCreate("u-1").material());
    String anaMail = Crypto.encrypt(ana.material(), ana.id(), "email", "ana@example.com");
    SubjectKeyStore.SubjectKey bob = store.getOrCreate("u-2");
    String bobMail = Crypto.encrypt(bob.material(), bob.id(), "email", "bob@example.com");
    assertEquals(
        List.of("n=2"),
        Postgres.server().rows(db, "SELECT count(*) AS n FROM tributary_subject_keys"));
    assertEquals(
        List.of(),
        Postgres.server()
            .rows(db, "SELECT key_id FROM tributary_subject_keys WHERE key_id LIKE '%u-%'"));

    assertEquals(ana.id(), store.destroy("u-1").orElseThrow());
    assertFalse(store.destroy("u-1").isPresent());
    assertFalse(store.find(Crypto.keyIdOf(anaMail)).isPresent());
    assertEquals(
        "bob@example.com",
        Crypto.decrypt(
            store.find(Crypto.keyIdOf(bobMail)).orElseThrow().material(), "email", bobMail));
    SubjectKeyStore.SubjectKey reborn = store.getOrCreate("u-1");
    assertThrows(
        IllegalArgumentException.class, () -> Crypto.decrypt(reborn.material(), "email", anaMail));

    assertThat(store.toString(), not(containsString("password")));
    IllegalStateException down =
        assertThrows(
            IllegalStateException.class,
            () ->
                SubjectKeyStore.directory(
                        "jdbc:postgresql://127.0.0.1:1/none?password=hunter2", source, "k1")
                    .getOrCreate("u-1"));
    assertThat(
        down.getMessage(),
        containsString(
            "subject key store jdbc:postgresql://127.0.0.1:1/none: cannot create key s-"));
    assertThat(down.getMessage(), not(containsString("hunter2")));
  }
}
