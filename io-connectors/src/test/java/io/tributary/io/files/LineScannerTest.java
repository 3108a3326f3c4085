package io.tributary.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The line splitting rules, without a pipeline: limits, UTF-8, BOM, CRLF, ranges, damage. */
@RunWith(JUnit4.class)
public class LineScannerTest {
  static List<LineScanner.Line> scan(byte[] data, long start, long end, long max, int kept)
      throws IOException {
    InputStream in = new ByteArrayInputStream(data);
    in.skip(Math.max(0, start - 1));
    LineScanner s = new LineScanner(in, start, end, max, kept);
    List<LineScanner.Line> out = new ArrayList<>();
    for (LineScanner.Line l = s.next(); l != null; l = s.next()) {
      out.add(l);
    }
    return out;
  }

  static List<LineScanner.Line> scan(String data, long max) throws IOException {
    return scan(data.getBytes(StandardCharsets.UTF_8), 0, Long.MAX_VALUE, max, 4);
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  @Test
  public void splitsOnNewlineStripsCrAndBomKeepsBlankLines() throws Exception {
    List<LineScanner.Line> lines = scan("\uFEFFa\r\n\nb\r\nc", 100);
    assertThat(lines.size(), is(4));
    assertThat(lines.get(0).text, equalTo("a"));
    assertThat(lines.get(0).offset, is(3L)); // after the BOM
    assertThat(lines.get(1).text, equalTo(""));
    assertThat(lines.get(2).text, equalTo("b"));
    assertThat(lines.get(3).text, equalTo("c"));
    assertThat(lines.get(3).number, is(4L));
    assertThat(scan("a\n", 100).size(), is(1)); // no empty line after the last break
    assertThat(scan("", 100).size(), is(0));
    assertThat(
        scan("h\u00e9 \u20ac \ud83d\ude00\n", 100).get(0).text,
        equalTo("h\u00e9 \u20ac \ud83d\ude00"));
  }

  @Test
  public void oversizedLinesKeepTheirHeadLengthAndHashWhateverTheChunking() throws Exception {
    for (int size : new int[] {11, 12, 100, 64 * 1024 + 7, 300_000}) {
      byte[] big = new byte[size];
      new Random(size).nextBytes(big);
      for (int i = 0; i < size; i++) {
        if (big[i] == '\n') {
          big[i] = 'n';
        }
      }
      big[size - 1] = '\r'; // a CR inside the line, right before a CRLF break
      ByteArrayOutputStream data = new ByteArrayOutputStream();
      data.write("ok\n".getBytes(StandardCharsets.UTF_8));
      data.write(big);
      data.write("\r\nafter\n".getBytes(StandardCharsets.UTF_8));
      List<LineScanner.Line> lines = scan(data.toByteArray(), 0, Long.MAX_VALUE, 10, 4);
      assertThat(lines.size(), is(3));
      LineScanner.Line tooLarge = lines.get(1);
      assertThat(tooLarge.kind, is(LineScanner.Kind.TOO_LARGE));
      assertThat(tooLarge.length, is((long) size));
      assertThat(tooLarge.sha256, equalTo(sha256(big)));
      assertThat(tooLarge.number, is(2L));
      assertThat(tooLarge.text, equalTo(new String(big, 0, 4, StandardCharsets.UTF_8)));
      assertThat(lines.get(2).text, equalTo("after"));
    }
    // Exactly at the limit is accepted, one byte more is not, a CR of the break does not count.
    assertThat(scan("0123456789\r\n", 10).get(0).kind, is(LineScanner.Kind.TEXT));
    assertThat(scan("01234567890\n", 10).get(0).kind, is(LineScanner.Kind.TOO_LARGE));
  }

  @Test
  public void invalidUtf8KeepsTheOriginalBytesAndTheBadOffset() throws Exception {
    byte[] bad = {'a', 'b', (byte) 0xC3, '(', 'c'};
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    data.write(bad);
    data.write('\n');
    data.write(new byte[] {'x', (byte) 0xFF, '\n'});
    List<LineScanner.Line> lines = scan(data.toByteArray(), 0, Long.MAX_VALUE, 100, 4);
    assertThat(lines.get(0).kind, is(LineScanner.Kind.INVALID_UTF8));
    assertThat(lines.get(0).bytes, equalTo(bad));
    assertThat(lines.get(0).badByte, is(2));
    assertThat(lines.get(1).badByte, is(1));
    assertThat(lines.get(1).offset, is(6L));
  }

  @Test
  public void rangesReadEveryLineExactlyOnce() throws Exception {
    StringBuilder text = new StringBuilder();
    Random r = new Random(7);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String line = i + "-" + "x".repeat(r.nextInt(i % 50 == 0 ? 200 : 20));
      expected.add(line);
      text.append(line).append(i % 3 == 0 ? "\r\n" : "\n");
    }
    text.append("last-without-break");
    expected.add("last-without-break");
    byte[] data = text.toString().getBytes(StandardCharsets.UTF_8);
    for (int split : new int[] {1, 2, 3, 17, 64, 199, 1000, data.length}) {
      List<String> got = new ArrayList<>();
      for (long from = 0; from < data.length; from += split) {
        long to = from + split >= data.length ? Long.MAX_VALUE : from + split;
        for (LineScanner.Line l : scan(data, from, to, 1000, 4)) {
          got.add(l.text);
        }
      }
      assertThat("split " + split, got, equalTo(expected));
    }
  }

  @Test
  public void aFailingStreamReportsHowFarItGot() throws Exception {
    byte[] data = "one\ntwo\nthr".getBytes(StandardCharsets.UTF_8);
    InputStream failing =
        new InputStream() {
          int i;

          @Override
          public int read() throws IOException {
            if (i == data.length) {
              throw new EOFException("Unexpected end of ZLIB input stream");
            }
            return data[i++];
          }
        };
    LineScanner s = new LineScanner(failing, 0, Long.MAX_VALUE, 100, 4);
    assertThat(s.next().text, equalTo("one"));
    assertThat(s.next().text, equalTo("two"));
    assertThrows(EOFException.class, s::next);
    assertThat(s.completeLines(), is(2L));
    assertThat(s.offset(), is(11L));
    assertThat(s.partialLineBytes(), is(3L));
  }
}
