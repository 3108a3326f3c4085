package io.tributary.transforms.privacy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes keyset files with fresh random keys for tests: no key material lives in code. */
final class TestKeys {
  private TestKeys() {}

  static String randomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Base64.getEncoder().encodeToString(k);
  }

  static String json(String primary, Map<String, String> keys) {
    StringBuilder b = new StringBuilder("{\"primary\":\"" + primary + "\",\"keys\":{");
    String sep = "";
    for (Map.Entry<String, String> e : keys.entrySet()) {
      b.append(sep).append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
      sep = ",";
    }
    return b.append("}}").toString();
  }

  /** A keyset file with keys {@code ids}, the last one primary. */
  static Path write(Path dir, String... ids) throws IOException {
    Map<String, String> keys = new LinkedHashMap<>();
    for (String id : ids) {
      keys.put(id, randomKey());
    }
    Path file = Files.createTempFile(dir, "keyset", ".json");
    Files.writeString(file, json(ids[ids.length - 1], keys));
    return file;
  }
}
