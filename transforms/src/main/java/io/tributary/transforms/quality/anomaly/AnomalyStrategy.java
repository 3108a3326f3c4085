package io.tributary.transforms.quality.anomaly;

import java.io.Serializable;
import java.util.List;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Decides whether a metric value is anomalous given the values before it (statistical process
 * control on a metric series).
 *
 * <p>The history a strategy sees holds the earlier values that were <em>not</em> flagged (Deequ's
 * {@code ignoreAnomalies}): a one-off drop is not the baseline of the next value, so the recovery
 * after it is not flagged too. A lasting level shift therefore keeps being flagged until the
 * history is reset; that is intended, a person should look at it.
 *
 * <pre>{@code
 * AnomalyStrategy s = new KSigma(3.0, 24, 5);
 * AnomalyStrategy.Verdict v = s.check(List.of(100.0, 101.0, 99.0, 100.0, 100.5), 60.0);
 * if (v != null) System.out.println(v.message());
 * }</pre>
 */
public interface AnomalyStrategy extends Serializable {
  /** A flagged value: the band it fell outside of, and why. */
  final class Verdict {
    private final @Nullable Double lower;
    private final @Nullable Double upper;
    private final String message;

    /** A verdict with the acceptable band {@code [lower, upper]} (either may be open). */
    public Verdict(@Nullable Double lower, @Nullable Double upper, String message) {
      this.lower = lower;
      this.upper = upper;
      this.message = message;
    }

    /** Lower end of the acceptable band, or null. */
    public @Nullable Double lower() {
      return lower;
    }

    /** Upper end of the acceptable band, or null. */
    public @Nullable Double upper() {
      return upper;
    }

    /** Why the value was flagged. */
    public String message() {
      return message;
    }
  }

  /** Null when {@code value} is normal after {@code history} (oldest first); else why not. */
  @Nullable Verdict check(List<Double> history, double value);

  /** A short description with parameters, e.g. {@code k_sigma(k=3.0, window=24)}. */
  String describe();
}
