package io.tributary.io.lake;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * The input fingerprint a {@link LakePartitions} marker stores, so a backfill can skip a partition
 * that is complete for unchanged input: SHA-256 over a label line ({@code <label>\n}, naming the
 * job and the version of its fingerprint) and then the input, either the bytes of every file of
 * each glob (the globs in order, each glob's files in name order) or a text that names the input
 * (Kafka offset ranges, say).
 *
 * <pre>{@code
 * String fp = InputFingerprint.ofFiles("orders-mart/1", List.of(ordersGlob, productsGlob));
 * rows.apply(LakePartitions.to(root).byDateOf("dt").withInputFingerprint(fp));
 * }</pre>
 */
public final class InputFingerprint {
  private InputFingerprint() {}

  /**
   * Of the files matching {@code globs} (a glob without files adds nothing); reads them through
   * Beam's {@link FileSystems}, whose options must be set (a pipeline's construction sets them).
   */
  public static String ofFiles(String label, List<String> globs) {
    MessageDigest md = start(label);
    try {
      for (String glob : globs) {
        MatchResult match = FileSystems.match(glob, EmptyMatchTreatment.ALLOW);
        List<MatchResult.Metadata> files = new ArrayList<>(match.metadata());
        files.sort((a, b) -> a.resourceId().toString().compareTo(b.resourceId().toString()));
        for (MatchResult.Metadata f : files) {
          try (InputStream in = Channels.newInputStream(FileSystems.open(f.resourceId()))) {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) {
              md.update(buf, 0, n);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Of {@code text}, which names the input exactly (e.g. the offset ranges replayed). */
  public static String ofText(String label, String text) {
    MessageDigest md = start(label);
    md.update(text.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(md.digest());
  }

  private static MessageDigest start(String label) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((label + "\n").getBytes(StandardCharsets.UTF_8));
      return md;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
