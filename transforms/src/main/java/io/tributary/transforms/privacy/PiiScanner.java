package io.tributary.transforms.privacy;

import java.util.Arrays;
import java.util.Set;

/**
 * Finds personal data in free text and replaces each finding by a typed marker, in time linear in
 * the text: the detector behind {@link PayloadScrubber} for values and for lines that are not JSON.
 *
 * <pre>{@code
 * PiiScanner.redact("call +44 20 7946 0958 or alice\\u0040example.com");
 * // "call [redacted-phone] or [redacted-email]"
 * }</pre>
 *
 * <p>Why not regular expressions: the old e-mail pattern backtracked quadratically on long runs of
 * letters and digits (a 100 KB line cost tens of seconds, a 5 MB line hung the run). Here every
 * detector is a hand-written left-to-right scan whose work per character is bounded by a constant
 * (see each rule), so a hostile line of any content costs a few passes over it.
 *
 * <p><b>JSON escapes.</b> The text is first decoded as the contents of a JSON string (<code>
 * &#92;u0040</code> is {@code @}, {@code \"}, {@code \/}, {@code \\}, {@code \n}...; a backslash
 * that starts no valid escape stays as it is), the detectors run on the decoded text, and each
 * finding is mapped back to the original characters, so a finding that was written with escapes is
 * replaced whole, escapes included. Text escaped two or three times over (<code>
 * &#92;&#92;u0040</code>: a line embedded in JSON that was embedded in JSON) is decoded as often; a
 * fourth level is not.
 *
 * <p><b>Rules</b>, in the order they claim text (a later rule never takes characters an earlier one
 * claimed; within a rule the leftmost, then longest, finding wins):
 *
 * <ol>
 *   <li>{@code [redacted-email]}: {@code local@domain} where local is {@code [A-Za-z0-9._%+-]+} and
 *       domain is {@code [A-Za-z0-9.-]+} ending in a dot and two or more ASCII letters (the same
 *       language as the old pattern). Not found: quoted local parts, IP-literal domains, non-ASCII
 *       addresses.
 *   <li>{@code [redacted-ip]} (IPv6): hex groups separated by colons, eight groups, or fewer with
 *       one {@code ::}, optionally ending in a dotted IPv4; not inside a word, and containing a
 *       decimal digit (so {@code A::B} in code is left alone). Zone ids ({@code %eth0}) stay.
 *   <li>{@code [redacted-address]}: a house number (1-6 digits, optionally one letter: {@code
 *       221B}) not inside a word, one space, one to four capitalised words and a street suffix
 *       ({@code Street, St, Avenue, Ave, Road, Rd, Boulevard, Blvd, Lane, Ln, Drive, Dr, Way,
 *       Court, Ct, Place, Pl, Square, Sq, Terrace, Parkway, Highway, Circle, Close, Crescent,
 *       Alley, Row, Trail}, an abbreviation optionally with a dot), optionally followed by a
 *       compass direction ({@code NW}). Not found: lower-case or numbered street names ({@code 5th
 *       Ave}), addresses written number-last ({@code Hauptstraße 5}), PO boxes, postcodes and
 *       cities.
 *   <li>Digit chains: one or more runs of digits (a group in parentheses allowed, a leading {@code
 *       +} allowed) joined by single spaces, dashes or dots. A chain must not start after a word
 *       character, a dot, a slash, a dash ({@code e-0000001}, {@code Chrome/130.0.0.0}) or a digit
 *       and a colon (the seconds of a time) and must not end before a word character or before a
 *       dot, dash, slash or colon followed by one ({@code 2026-11-01T10:15:30}); a finding may also
 *       start or end at a space inside a chain. At most 8 groups and 19 digits are considered per
 *       finding. In this order:
 *       <ul>
 *         <li>{@code [redacted-ip]} (IPv4): four groups of 1-3 digits, each at most 255, joined by
 *             dots (the old rule: versions after a slash stay; a sentence-ending dot is allowed).
 *         <li>{@code [redacted-id]}: a US SSN, exactly {@code ddd-dd-dddd}.
 *         <li>{@code [redacted-card]}: 13-19 digits, bare or grouped as cards are printed (a first
 *             group of four, the rest of 3-6 digits, one kind of separator, space or dash: 4-4-4-4,
 *             4-6-5, 4-6-4, 4-4-4-4-3), first digit 2-6 (the card networks' ranges; keeps 13-digit
 *             epoch milliseconds, which start with 1, out), passing the Luhn check. A number in
 *             card layout that fails is left whole: it is not searched for a phone number.
 *         <li>{@code [redacted-phone]}: 7-15 digits. With a leading {@code +}: any grouping. A bare
 *             run: only a national number with a trunk 0 ({@code 0612345678}, 10-11 digits); other
 *             bare runs are counts, ids and timestamps. Grouped without {@code +}: at most 6
 *             groups, and not a decimal ({@code 1200.00}), a date ({@code 2026-11-01}, {@code
 *             01.11.2026}, {@code 2026-11-0} cut short), a year range ({@code 2024-2025}), a
 *             version ({@code 121.0.6167.85}: a dot-joined group shorter than 2), a number with
 *             thousands separators ({@code 12 345 678}, {@code 12.345.678}: this also leaves
 *             Spanish-style {@code 612 345 678} alone), nor a list of one- and two-digit numbers
 *             unless it starts with 0 ({@code 06 12 34 56 78} is found).
 *       </ul>
 * </ol>
 *
 * <p>Known limits: detection is heuristic and errs on the side of redacting (a 14-digit number that
 * passes Luhn and starts with 4 is taken for a card; a phone number directly followed by another
 * number joined by a space is redacted together with it). Names of people, cities and free-form
 * national ids other than the US SSN are not detected.
 */
final class PiiScanner {
  static final String EMAIL = "[redacted-email]";
  static final String PHONE = "[redacted-phone]";
  static final String ID = "[redacted-id]";
  static final String CARD = "[redacted-card]";
  static final String IP = "[redacted-ip]";
  static final String ADDRESS = "[redacted-address]";

  // Kinds as stored in the claim marks; index into REPLACEMENT.
  private static final byte K_EMAIL = 1;
  private static final byte K_PHONE = 2;
  private static final byte K_ID = 3;
  private static final byte K_CARD = 4;
  private static final byte K_IP = 5;
  private static final byte K_ADDRESS = 6;
  private static final byte CONTINUED = -1;
  private static final String[] REPLACEMENT = {null, EMAIL, PHONE, ID, CARD, IP, ADDRESS};

  /** Bounds that keep the digit-chain search constant per group. */
  private static final int MAX_GROUPS = 8;

  private static final int MAX_DIGITS = 19;

  /**
   * A chain longer than this many groups ("1 2 3 4 ..." for megabytes) is searched in pieces, so
   * the group arrays stay small; the next piece starts at the separator, as a new chain. Only a
   * finding that would straddle the cut is lost, and no real one is 1024 groups from a chain start.
   */
  private static final int MAX_CHAIN = 1024;

  private static final int MAX_WORD = 30;

  private static final int MAX_DECODES = 3;

  private static final Set<String> STREET_SUFFIXES =
      Set.of(
          "Street",
          "St",
          "Avenue",
          "Ave",
          "Road",
          "Rd",
          "Boulevard",
          "Blvd",
          "Lane",
          "Ln",
          "Drive",
          "Dr",
          "Way",
          "Court",
          "Ct",
          "Place",
          "Pl",
          "Square",
          "Sq",
          "Terrace",
          "Parkway",
          "Pkwy",
          "Highway",
          "Hwy",
          "Circle",
          "Cir",
          "Close",
          "Crescent",
          "Alley",
          "Row",
          "Trail");
  private static final Set<String> DIRECTIONS = Set.of("N", "S", "E", "W", "NE", "NW", "SE", "SW");

  private PiiScanner() {}

  /** {@code text} with every finding replaced by its marker; {@code text} itself if none. */
  static String redact(String text) {
    if (text.isEmpty()) {
      return text;
    }
    Scan s = new Scan(text);
    s.emails();
    s.ipv6();
    s.addresses();
    s.digitChains();
    return s.render();
  }

  /** One scan: the decoded text, its map back to the original, and the claims made so far. */
  private static final class Scan {
    private final String original;
    private final char[] c;
    private final int m;
    // at[i] = offset in original of the escape or character that decoded to c[i]; null = identity.
    private final int[] at;
    private final byte[] mark;

    Scan(String text) {
      this.original = text;
      char[] d = text.toCharArray();
      int n = d.length;
      int[] map = null;
      // A line embedded in JSON that was itself embedded in JSON is escaped twice or three times
      // ("alice\\u0040x.org"); each round is linear and there are at most MAX_DECODES.
      for (int round = 0; round < MAX_DECODES && hasBackslash(d, n); round++) {
        char[] next = new char[n];
        int[] nextMap = new int[n + 1];
        int k = decode(d, n, next, nextMap);
        if (k == n) {
          break; // only backslashes that start no escape
        }
        if (map != null) {
          for (int i = 0; i <= k; i++) {
            nextMap[i] = map[nextMap[i]];
          }
        }
        d = next;
        n = k;
        map = nextMap;
      }
      c = d;
      m = n;
      at = map;
      mark = new byte[m];
    }

    private static boolean hasBackslash(char[] d, int n) {
      for (int i = 0; i < n; i++) {
        if (d[i] == '\\') {
          return true;
        }
      }
      return false;
    }

    /**
     * Decodes JSON string escapes of {@code src[0, n)} into {@code dst}; {@code map[k]} is where
     * {@code dst[k]} came from, {@code map[k] = n} after the last. A backslash that starts no valid
     * escape stays. Returns the decoded length.
     */
    private static int decode(char[] src, int n, char[] dst, int[] map) {
      int k = 0;
      int i = 0;
      while (i < n) {
        char ch = src[i];
        int len = 1;
        if (ch == '\\' && i + 1 < n) {
          char e = src[i + 1];
          len = 2;
          switch (e) {
            case '"':
            case '\\':
            case '/':
              ch = e;
              break;
            case 'b':
              ch = '\b';
              break;
            case 'f':
              ch = '\f';
              break;
            case 'n':
              ch = '\n';
              break;
            case 'r':
              ch = '\r';
              break;
            case 't':
              ch = '\t';
              break;
            case 'u':
              int v = i + 6 <= n ? hex4(src, i + 2) : -1;
              if (v >= 0) {
                ch = (char) v;
                len = 6;
              } else {
                len = 1;
              }
              break;
            default:
              len = 1;
          }
        }
        dst[k] = ch;
        map[k] = i;
        k++;
        i += len;
      }
      map[k] = n;
      return k;
    }

    private int orig(int i) {
      return at == null ? i : at[i];
    }

    private boolean free(int from, int to) {
      for (int i = from; i < to; i++) {
        if (mark[i] != 0) {
          return false;
        }
      }
      return true;
    }

    private boolean claim(int from, int to, byte kind) {
      if (from >= to || !free(from, to)) {
        return false;
      }
      mark[from] = kind;
      Arrays.fill(mark, from + 1, to, CONTINUED);
      return true;
    }

    String render() {
      StringBuilder out = null;
      int copied = 0;
      for (int i = 0; i < m; i++) {
        if (mark[i] > 0) {
          int j = i + 1;
          while (j < m && mark[j] == CONTINUED) {
            j++;
          }
          if (out == null) {
            out = new StringBuilder(original.length());
          }
          out.append(original, copied, orig(i)).append(REPLACEMENT[mark[i]]);
          copied = j == m ? original.length() : orig(j);
          i = j - 1;
        }
      }
      if (out == null) {
        return original;
      }
      return out.append(original, copied, original.length()).toString();
    }

    // ---- e-mail: around each '@', the local part runs left and the domain right; the runs of
    // different '@'s cannot overlap ('@' is in neither), so the total work is linear.
    void emails() {
      int lastEnd = 0;
      for (int a = 0; a < m; a++) {
        if (c[a] != '@') {
          continue;
        }
        int s = a;
        while (s > lastEnd && isLocal(c[s - 1])) {
          s--;
        }
        if (s == a) {
          continue;
        }
        int e = a + 1;
        while (e < m && isDomain(c[e])) {
          e++;
        }
        // The last dot that is followed by two or more letters ends the domain (the old pattern's
        // greedy match); the letter runs after the dots are disjoint, so this stays linear.
        int end = -1;
        for (int q = e - 1; q > a + 1 && end < 0; q--) {
          if (c[q] == '.') {
            int k = q + 1;
            while (k < e && isAsciiLetter(c[k])) {
              k++;
            }
            if (k - q - 1 >= 2) {
              end = k;
            }
          }
        }
        if (end > 0 && claim(s, end, K_EMAIL)) {
          lastEnd = end;
          a = end - 1;
        }
      }
    }

    // ---- IPv6: maximal runs of hex digits, colons and dots that start outside a word; a run is
    // validated once and skipped whole, so each character is looked at a constant number of times.
    void ipv6() {
      int i = 0;
      while (i < m) {
        char ch = c[i];
        if (!isIpv6Char(ch) || !ipv6Start(i)) {
          i++;
          continue;
        }
        int e = i;
        boolean colon = false;
        while (e < m && isIpv6Char(c[e])) {
          colon |= c[e] == ':';
          e++;
        }
        int next = e;
        while (e > i && c[e - 1] == '.') {
          e--; // a sentence-ending dot
        }
        if (colon && (next == m || !isWord(c[next])) && validIpv6(i, e)) {
          claim(i, e, K_IP);
        }
        i = next;
      }
    }

    /** Not inside a word or a longer run; "ip:fe80::1" (a label, then a colon) is a start. */
    private boolean ipv6Start(int i) {
      if (i == 0) {
        return true;
      }
      char b = c[i - 1];
      if (b == ':' && c[i] != ':' && i >= 2) {
        return isWord(c[i - 2]) && !isIpv6Char(c[i - 2]);
      }
      return !isWord(b) && b != ':' && b != '.';
    }

    private boolean validIpv6(int s, int e) {
      boolean digit = false;
      for (int i = s; i < e; i++) {
        if (c[i] >= '0' && c[i] <= '9') {
          digit = true;
          break;
        }
      }
      if (!digit) {
        return false;
      }
      int groups = 0;
      boolean compressed = false;
      int p = s;
      if (e - s >= 2 && c[p] == ':' && c[p + 1] == ':') {
        compressed = true;
        p += 2;
        if (p == e) {
          return false;
        }
      } else if (c[p] == ':') {
        return false;
      }
      while (true) {
        int g = p;
        while (p < e && isHex(c[p])) {
          p++;
        }
        if (p < e && c[p] == '.') {
          // An embedded IPv4 ends the address and counts as two groups.
          if (!dottedQuad(g, e)) {
            return false;
          }
          groups += 2;
          break;
        }
        if (p == g || p - g > 4) {
          return false;
        }
        groups++;
        if (p == e) {
          break;
        }
        if (c[p] != ':') {
          return false;
        }
        p++;
        if (p < e && c[p] == ':') {
          if (compressed) {
            return false;
          }
          compressed = true;
          p++;
          if (p == e) {
            break;
          }
        } else if (p == e) {
          return false;
        }
      }
      return compressed ? groups >= 1 && groups <= 7 : groups == 8;
    }

    private boolean dottedQuad(int s, int e) {
      int parts = 0;
      int p = s;
      while (p <= e) {
        int g = p;
        int v = 0;
        while (p < e && c[p] >= '0' && c[p] <= '9' && p - g < 3) {
          v = v * 10 + (c[p] - '0');
          p++;
        }
        if (p == g || v > 255) {
          return false;
        }
        parts++;
        if (p == e) {
          return parts == 4;
        }
        if (c[p] != '.') {
          return false;
        }
        p++;
      }
      return false;
    }

    // ---- street addresses: each candidate starts at a digit run outside a word and reads at most
    // 1 + 5 words of at most MAX_WORD letters, so the work per candidate is bounded.
    void addresses() {
      int i = 0;
      while (i < m) {
        if (!isDigit(c[i])) {
          i++;
          continue;
        }
        int s = i;
        while (i < m && isDigit(c[i])) {
          i++;
        }
        if ((s > 0 && (isWord(c[s - 1]) || c[s - 1] == '-' || c[s - 1] == '.' || c[s - 1] == '/'))
            || i - s > 6) {
          continue;
        }
        int p = i;
        if (p < m && isAsciiLetter(c[p]) && (p + 1 == m || !isWord(c[p + 1]))) {
          p++; // 221B
        }
        int end = streetAfterNumber(p);
        if (end > 0) {
          claim(s, end, K_ADDRESS);
          i = Math.max(i, end);
        }
      }
    }

    /** The end of "␠Name… Suffix [Dir]" starting at {@code p}, or -1. */
    private int streetAfterNumber(int p) {
      for (int words = 0; words < 5; words++) {
        if (p >= m || c[p] != ' ') {
          return -1;
        }
        int w = p + 1;
        if (w >= m || c[w] < 'A' || c[w] > 'Z') {
          return -1;
        }
        int e = w + 1;
        while (e < m && e - w <= MAX_WORD && isAsciiLetter(c[e])) {
          e++;
        }
        if (e - w > MAX_WORD || (e < m && isWord(c[e]))) {
          return -1;
        }
        if (words >= 1 && STREET_SUFFIXES.contains(new String(c, w, e - w))) {
          if (e < m && c[e] == '.' && e - w <= 4 && !"Way".equals(new String(c, w, e - w))) {
            e++; // "St." but not the full stop after "Street."
          }
          int d = e + 1;
          if (e < m && c[e] == ' ' && d < m) {
            int de = d;
            while (de < m && de - d < 2 && c[de] >= 'A' && c[de] <= 'Z') {
              de++;
            }
            if (de > d
                && (de == m || !isWord(c[de]))
                && DIRECTIONS.contains(new String(c, d, de - d))) {
              return de;
            }
          }
          return e;
        }
        p = e;
      }
      return -1;
    }

    // ---- digit chains: phones, SSNs, cards and IPv4. A chain is parsed once into groups; every
    // finding is a window of at most MAX_GROUPS groups, tried longest first from each start.
    private int[] gStart = new int[16]; // first char of the group, '(' included
    private int[] gDigits = new int[16]; // first digit
    private int[] gEnd = new int[16]; // after the last digit
    private int[] gSpanEnd = new int[16]; // after ')' if any
    private char[] gSep = new char[16]; // separator before the group: 0 first, ' ', '-', '.', ')'
    private boolean[] gParen = new boolean[16];
    private boolean[] gBad = new boolean[16];

    void digitChains() {
      int i = 0;
      while (i < m) {
        char ch = c[i];
        boolean starts =
            isDigit(ch)
                || ((ch == '+' || ch == '(') && i + 1 < m && isDigit(c[i + 1]))
                || (ch == '+' && i + 2 < m && c[i + 1] == '(' && isDigit(c[i + 2]));
        if (!starts) {
          i++;
          continue;
        }
        if (i > 0 && isWord(c[i - 1])) {
          i++;
          while (i < m && isWord(c[i])) {
            i++; // inside a word or a longer number
          }
          continue;
        }
        i = chain(i);
      }
    }

    private void grow(int n) {
      if (n < gStart.length) {
        return;
      }
      int len = gStart.length * 2;
      gStart = Arrays.copyOf(gStart, len);
      gDigits = Arrays.copyOf(gDigits, len);
      gEnd = Arrays.copyOf(gEnd, len);
      gSpanEnd = Arrays.copyOf(gSpanEnd, len);
      gSep = Arrays.copyOf(gSep, len);
      gParen = Arrays.copyOf(gParen, len);
      gBad = Arrays.copyOf(gBad, len);
    }

    /** Parses and searches the chain starting at {@code q}; returns where scanning resumes. */
    private int chain(int q) {
      int p = q;
      boolean plus = c[p] == '+';
      if (plus) {
        p++;
      }
      int n = 0;
      char sep = 0;
      boolean cut = false;
      while (true) {
        grow(n);
        int gs = p;
        boolean paren = c[p] == '(';
        if (paren) {
          p++;
        }
        int ds = p;
        while (p < m && isDigit(c[p])) {
          p++;
        }
        int de = p;
        boolean bad = de - ds > MAX_DIGITS;
        if (paren) {
          if (p < m && c[p] == ')') {
            p++;
          } else {
            bad = true;
          }
        }
        gStart[n] = gs;
        gDigits[n] = ds;
        gEnd[n] = de;
        gSpanEnd[n] = p;
        gSep[n] = sep;
        gParen[n] = paren;
        gBad[n] = bad;
        n++;
        if (n == MAX_CHAIN) {
          cut = true; // see MAX_CHAIN
          break;
        }
        if (bad && paren) {
          break;
        }
        // What may follow: a separator, then a digit or "(digit"; after ')' also a digit directly.
        int r = p;
        char s = 0;
        if (r < m && (c[r] == ' ' || c[r] == '-' || c[r] == '.')) {
          s = c[r];
          r++;
        } else if (paren) {
          s = ')';
        } else {
          break;
        }
        if (r < m && (isDigit(c[r]) || (c[r] == '(' && r + 1 < m && isDigit(c[r + 1])))) {
          sep = s;
          p = r;
        } else {
          break;
        }
      }
      int chainEnd = gSpanEnd[n - 1];
      boolean leftOk = leftBoundary(q);
      // Where a long chain was cut, a separator follows: a space ends a finding as inside a chain.
      boolean rightOk = cut ? c[chainEnd] == ' ' : rightBoundary(chainEnd, false);
      boolean rightOkForIp = cut ? rightOk : rightBoundary(chainEnd, true);
      int g = 0;
      while (g < n) {
        boolean startOk = g == 0 ? leftOk : gSep[g] == ' ';
        int next = g + 1;
        if (startOk && !gBad[g]) {
          boolean withPlus = g == 0 && plus;
          int from = withPlus ? q : gStart[g];
          int last = Math.min(n - 1, g + MAX_GROUPS - 1);
          // A number in card layout is a card or nothing: a Luhn failure must not fall through
          // to a phone found inside it.
          int card = withPlus ? -1 : cardShaped(g, last, n, rightOk);
          if (card >= 0) {
            if (isCard(g, card)) {
              claim(from, gSpanEnd[card], K_CARD);
            }
            next = card + 1;
          } else {
            for (int h = last; h >= g; h--) {
              boolean atEnd = h == n - 1;
              if (!(atEnd ? rightOk || rightOkForIp : gSep[h + 1] == ' ')) {
                continue;
              }
              byte kind = classify(g, h, withPlus);
              if (atEnd && !rightOk && kind != K_IP) {
                continue; // only an address may be followed by ":port"
              }
              if (kind != 0 && claim(from, gSpanEnd[h], kind)) {
                next = h + 1;
                break;
              }
            }
          }
        }
        g = next;
      }
      return Math.max(chainEnd, q + 1);
    }

    /** The last group of the longest card-layout window starting at {@code g}, or -1. */
    private int cardShaped(int g, int last, int n, boolean rightOk) {
      for (int h = last; h >= g; h--) {
        if (!(h == n - 1 ? rightOk : gSep[h + 1] == ' ')) {
          continue;
        }
        int digits = 0;
        boolean ok = true;
        for (int k = g; k <= h && ok; k++) {
          int len = len(k);
          digits += len;
          ok = !gBad[k] && !gParen[k];
          if (h > g) {
            // 4-4-4-4, 4-6-5, 4-6-4, 4-4-4-4-3: a first group of four, the rest 3-6, one separator.
            ok &= k == g ? len == 4 : len >= 3 && len <= 6 && gSep[k] == gSep[g + 1];
          }
        }
        char sep = h > g ? gSep[g + 1] : ' ';
        if (ok && digits >= 13 && digits <= MAX_DIGITS && (sep == ' ' || sep == '-')) {
          return h;
        }
      }
      return -1;
    }

    private boolean isCard(int g, int h) {
      char first = c[gDigits[g]];
      return first >= '2' && first <= '6' && luhn(g, h);
    }

    private boolean leftBoundary(int q) {
      if (q == 0) {
        return true;
      }
      char b = c[q - 1];
      if (b == ':' && q >= 2 && isDigit(c[q - 2])) {
        return false; // the seconds of a time, "20:34:03.422-05:00", not "tel:+1..."
      }
      return !isWord(b) && b != '.' && b != '/' && b != '-' && b != '\\';
    }

    private boolean rightBoundary(int p, boolean portAllowed) {
      if (p >= m) {
        return true;
      }
      char a = c[p];
      if (isWord(a)) {
        return false;
      }
      boolean joiner = a == '.' || a == '-' || a == '/' || (a == ':' && !portAllowed);
      return !(joiner && p + 1 < m && isWord(c[p + 1]));
    }

    private byte classify(int g, int h, boolean plus) {
      int groups = h - g + 1;
      int digits = 0;
      int maxLen = 0;
      boolean paren = false;
      for (int k = g; k <= h; k++) {
        if (gBad[k]) {
          return 0;
        }
        int len = gEnd[k] - gDigits[k];
        digits += len;
        maxLen = Math.max(maxLen, len);
        paren |= gParen[k];
      }
      if (digits > MAX_DIGITS) {
        return 0;
      }
      char sep = groups > 1 ? gSep[g + 1] : 0;
      boolean sameSep = true;
      for (int k = g + 2; k <= h; k++) {
        sameSep &= gSep[k] == sep;
      }
      char first = c[gDigits[g]];
      if (!plus && !paren) {
        if (groups == 4 && sameSep && sep == '.' && ipv4Groups(g)) {
          return K_IP;
        }
        if (groups == 3
            && sameSep
            && sep == '-'
            && len(g) == 3
            && len(g + 1) == 2
            && len(g + 2) == 4) {
          return K_ID;
        }
      }
      if (digits < 7 || digits > 15) {
        return 0;
      }
      if (groups == 1) {
        return plus || (first == '0' && c[gDigits[g] + 1] != '0' && digits >= 10 && digits <= 11)
            ? K_PHONE
            : 0;
      }
      if (plus) {
        return K_PHONE;
      }
      if (groups > 6) {
        return 0;
      }
      boolean dots = sameSep && sep == '.';
      if (dots && (groups == 2 || minLen(g, h) < 2)) {
        return 0; // a decimal or a version
      }
      if (!paren && groups == 3 && sameSep && sep != ' ') {
        int a = len(g);
        int b = len(g + 1);
        int d = len(g + 2);
        boolean yearFirst = isYear(g) && b <= 2 && d <= 2; // also a cut one: 2026-11-0
        boolean yearLast = a <= 2 && b <= 2 && isYear(g + 2);
        if ((a == 4 && b == 2 && d == 2) || (a == 2 && b == 2 && d == 4) || yearFirst || yearLast) {
          return 0; // a date
        }
      }
      if (!paren && groups == 2 && sep == '-' && isYear(g) && isYear(g + 1)) {
        return 0; // a year range
      }
      if (!paren && first != '0' && sameSep && (sep == ' ' || sep == '.') && len(g) <= 3) {
        boolean thousands = true;
        for (int k = g + 1; k <= h; k++) {
          thousands &= len(k) == 3;
        }
        if (thousands) {
          return 0;
        }
      }
      if (maxLen < 3 && first != '0' && !paren) {
        return 0; // a list of small numbers
      }
      return K_PHONE;
    }

    private int len(int k) {
      return gEnd[k] - gDigits[k];
    }

    private int minLen(int g, int h) {
      int min = Integer.MAX_VALUE;
      for (int k = g; k <= h; k++) {
        min = Math.min(min, len(k));
      }
      return min;
    }

    private boolean isYear(int k) {
      int d = gDigits[k];
      return len(k) == 4 && ((c[d] == '1' && c[d + 1] == '9') || (c[d] == '2' && c[d + 1] == '0'));
    }

    private boolean ipv4Groups(int g) {
      for (int k = g; k < g + 4; k++) {
        int len = len(k);
        if (len > 3) {
          return false;
        }
        int v = 0;
        for (int i = gDigits[k]; i < gEnd[k]; i++) {
          v = v * 10 + (c[i] - '0');
        }
        if (v > 255) {
          return false;
        }
      }
      return true;
    }

    private boolean luhn(int g, int h) {
      int sum = 0;
      boolean twice = false;
      for (int k = h; k >= g; k--) {
        for (int i = gEnd[k] - 1; i >= gDigits[k]; i--) {
          int d = c[i] - '0';
          if (twice) {
            d *= 2;
            if (d > 9) {
              d -= 9;
            }
          }
          sum += d;
          twice = !twice;
        }
      }
      return sum % 10 == 0;
    }
  }

  private static int hex4(char[] s, int from) {
    int v = 0;
    for (int i = from; i < from + 4; i++) {
      int d = Character.digit(s[i], 16);
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  private static boolean isDigit(char ch) {
    return ch >= '0' && ch <= '9';
  }

  private static boolean isAsciiLetter(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
  }

  private static boolean isHex(char ch) {
    return isDigit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
  }

  private static boolean isIpv6Char(char ch) {
    return isHex(ch) || ch == ':' || ch == '.';
  }

  private static boolean isWord(char ch) {
    return ch == '_' || Character.isLetterOrDigit(ch);
  }

  private static boolean isLocal(char ch) {
    return isAsciiLetter(ch)
        || isDigit(ch)
        || ch == '.'
        || ch == '_'
        || ch == '%'
        || ch == '+'
        || ch == '-';
  }

  private static boolean isDomain(char ch) {
    return isAsciiLetter(ch) || isDigit(ch) || ch == '.' || ch == '-';
  }
}
