package io.tributary.io.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Splits a byte stream into lines at {@code '\n'} (a trailing {@code '\r'} is part of the line
 * break) without holding more than {@code maxBytes + 1} bytes of any line: the rest of an oversized
 * line is streamed through a SHA-256 digest and counted, keeping only its first {@code keptBytes}.
 *
 * <p>Lines are checked as UTF-8 with a reporting decoder, so a bad byte is found, never replaced. A
 * scan may cover a byte range of the stream: it then starts with the first line that begins at or
 * after {@code start} and stops before the first line that begins at or after {@code end}, so
 * adjacent ranges read each line exactly once. A UTF-8 byte order mark at offset 0 is skipped.
 * Errors of the stream itself (a damaged compressed file) are thrown; {@link #completeLines()},
 * {@link #offset()} and {@link #partialLineBytes()} then say how far the scan got.
 */
final class LineScanner {
  private static final int CHUNK = 64 * 1024;

  /** What a line turned out to be. */
  enum Kind {
    TEXT,
    INVALID_UTF8,
    TOO_LARGE
  }

  /** One line: text, original bytes that are not UTF-8, or the summary of an oversized line. */
  static final class Line {
    final Kind kind;

    /** 1-based line number, or -1 when the scan did not start at the beginning of the stream. */
    final long number;

    /** Byte offset of the line's first byte in the (uncompressed) stream. */
    final long offset;

    /** Line length in bytes, without the line break. */
    final long length;

    /** TEXT: the line; TOO_LARGE: the kept head, decoded leniently (a preview). */
    final @Nullable String text;

    /** INVALID_UTF8: the original bytes. */
    final byte @Nullable [] bytes;

    /** INVALID_UTF8: offset of the first bad byte within the line. */
    final int badByte;

    /** TOO_LARGE: hex SHA-256 of the whole line. */
    final @Nullable String sha256;

    private Line(
        Kind kind,
        long number,
        long offset,
        long length,
        @Nullable String text,
        byte @Nullable [] bytes,
        int badByte,
        @Nullable String sha256) {
      this.kind = kind;
      this.number = number;
      this.offset = offset;
      this.length = length;
      this.text = text;
      this.bytes = bytes;
      this.badByte = badByte;
      this.sha256 = sha256;
    }
  }

  private final InputStream in;
  private final long start;
  private final long end;
  private final long maxBytes;
  private final int keptBytes;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  private final byte[] buf = new byte[CHUNK];
  private int pos;
  private int lim;
  private boolean eof;
  private boolean started;
  private long offset;
  private long completeLines;

  private boolean inLine;
  private long lineStart;
  private byte[] line = new byte[1024];
  private int lineLen;
  private @Nullable MessageDigest digest; // set once the current line is over the limit
  private byte[] head = new byte[0];
  private long overflowLen;
  private boolean pendingCr;

  /**
   * A scan of {@code in}, which must be positioned at {@code max(0, start - 1)} of the stream.
   *
   * @param end first offset at which a line no longer belongs to this scan; {@code Long.MAX_VALUE}
   *     to read to the end
   */
  LineScanner(InputStream in, long start, long end, long maxBytes, int keptBytes) {
    this.in = in;
    this.start = start;
    this.end = end;
    this.maxBytes = maxBytes;
    this.keptBytes = keptBytes;
    this.offset = start > 0 ? start - 1 : 0;
  }

  /** Lines completed so far (returned by {@link #next}). */
  long completeLines() {
    return completeLines;
  }

  /** Bytes of the stream consumed so far (from offset 0 of the stream). */
  long offset() {
    return offset;
  }

  /** Bytes of a line begun but not ended when the scan stopped. */
  long partialLineBytes() {
    return inLine ? offset - lineStart : 0;
  }

  /** The next line, or null when the stream (or the range) has no more. */
  @Nullable Line next() throws IOException {
    if (!started) {
      started = true;
      if (start > 0) {
        skipToLineStart();
      } else {
        skipByteOrderMark();
      }
    }
    if (offset >= end || !available()) {
      return null;
    }
    inLine = true;
    lineStart = offset;
    lineLen = 0;
    digest = null;
    overflowLen = 0;
    pendingCr = false;
    while (true) {
      if (!available()) {
        return finish(); // a last line without a line break
      }
      int nl = indexOfNewline();
      int stop = nl < 0 ? lim : nl;
      append(buf, pos, stop - pos);
      offset += stop - pos;
      pos = stop;
      if (nl >= 0) {
        pos++;
        offset++;
        return finish();
      }
    }
  }

  private int indexOfNewline() {
    for (int i = pos; i < lim; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** True when a byte is buffered, reading more if needed. */
  private boolean available() throws IOException {
    while (pos >= lim) {
      if (eof) {
        return false;
      }
      pos = 0;
      lim = 0;
      int n = in.read(buf, 0, buf.length);
      if (n < 0) {
        eof = true;
        return false;
      }
      lim = n;
    }
    return true;
  }

  /** Positioned at {@code start - 1}: skips through the first line break. */
  private void skipToLineStart() throws IOException {
    while (available()) {
      byte b = buf[pos++];
      offset++;
      if (b == '\n') {
        return;
      }
    }
  }

  private void skipByteOrderMark() throws IOException {
    // Gather three bytes (a read may return fewer).
    while (lim - pos < 3 && !eof) {
      if (pos > 0) {
        System.arraycopy(buf, pos, buf, 0, lim - pos);
        lim -= pos;
        pos = 0;
      }
      int n = in.read(buf, lim, buf.length - lim);
      if (n < 0) {
        eof = true;
      } else {
        lim += n;
      }
    }
    if (lim - pos >= 3
        && buf[pos] == (byte) 0xEF
        && buf[pos + 1] == (byte) 0xBB
        && buf[pos + 2] == (byte) 0xBF) {
      pos += 3;
      offset += 3;
    }
  }

  private void append(byte[] bytes, int off, int n) {
    if (n == 0) {
      return;
    }
    if (digest == null) {
      if ((long) lineLen + n <= maxBytes + 1) {
        if (lineLen + n > line.length) {
          int cap = (int) Math.min(Math.max((long) line.length * 2, lineLen + n), maxBytes + 1);
          line = Arrays.copyOf(line, cap);
        }
        System.arraycopy(bytes, off, line, lineLen, n);
        lineLen += n;
        return;
      }
      // Over the limit: keep the head, hash what is buffered and stream the rest.
      digest = sha256();
      int fromChunk = (int) Math.max(0, Math.min(keptBytes - lineLen, n));
      head = Arrays.copyOf(line, Math.min(keptBytes, lineLen) + fromChunk);
      System.arraycopy(bytes, off, head, Math.min(keptBytes, lineLen), fromChunk);
      hash(line, 0, lineLen);
      lineLen = 0;
    }
    hash(bytes, off, n);
  }

  /** Hashes and counts, holding back a trailing '\r' until it is known not to end the line. */
  private void hash(byte[] bytes, int off, int n) {
    if (n == 0) {
      return;
    }
    if (pendingCr) {
      digest.update((byte) '\r');
      overflowLen++;
      pendingCr = false;
    }
    if (bytes[off + n - 1] == '\r') {
      digest.update(bytes, off, n - 1);
      overflowLen += n - 1;
      pendingCr = true;
    } else {
      digest.update(bytes, off, n);
      overflowLen += n;
    }
  }

  private Line finish() {
    inLine = false;
    completeLines++;
    long number = start == 0 ? completeLines : -1;
    if (digest != null) { // a held-back '\r' was part of the line break
      return new Line(
          Kind.TOO_LARGE,
          number,
          lineStart,
          overflowLen,
          new String(head, StandardCharsets.UTF_8),
          null,
          -1,
          HexFormat.of().formatHex(digest.digest()));
    }
    int len = lineLen > 0 && line[lineLen - 1] == '\r' ? lineLen - 1 : lineLen;
    if (len > maxBytes) {
      MessageDigest d = sha256();
      d.update(line, 0, len);
      return new Line(
          Kind.TOO_LARGE,
          number,
          lineStart,
          len,
          new String(line, 0, Math.min(keptBytes, len), StandardCharsets.UTF_8),
          null,
          -1,
          HexFormat.of().formatHex(d.digest()));
    }
    boolean ascii = true;
    for (int i = 0; i < len && ascii; i++) {
      ascii = line[i] >= 0;
    }
    if (ascii) {
      return new Line(
          Kind.TEXT,
          number,
          lineStart,
          len,
          new String(line, 0, len, StandardCharsets.ISO_8859_1),
          null,
          -1,
          null);
    }
    decoder.reset();
    ByteBuffer bytes = ByteBuffer.wrap(line, 0, len);
    CharBuffer chars = CharBuffer.allocate(len); // UTF-8 never decodes to more chars than bytes
    CoderResult result = decoder.decode(bytes, chars, true);
    if (!result.isError()) {
      result = decoder.flush(chars);
    }
    if (result.isError()) {
      return new Line(
          Kind.INVALID_UTF8,
          number,
          lineStart,
          len,
          null,
          Arrays.copyOf(line, len),
          bytes.position(),
          null);
    }
    chars.flip();
    return new Line(Kind.TEXT, number, lineStart, len, chars.toString(), null, -1, null);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
