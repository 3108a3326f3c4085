package io.tributary.transforms.quality.anomaly;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.quality.metrics.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class AnomalyStrategiesTest {
  /**
   * 96 hourly windows of a metric around 1,000 with Gaussian noise (sigma 10, seed 20261125), one
   * injected drop at index 40 (to 700) and one spike at index 70 (to 1,300): 30 sigma away from the
   * noise level, which itself peaks at 4.17 sigma of its rolling window (index 18).
   */
  static List<Double> series() {
    SplittableRandom random = new SplittableRandom(20261125L);
    List<Double> s = new ArrayList<>();
    for (int i = 0; i < 96; i++) {
      s.add(1000 + 10 * gaussian(random));
    }
    s.set(40, 700.0);
    s.set(70, 1300.0);
    return s;
  }

  /** Box-Muller: SplittableRandom has no nextGaussian on Java 17. */
  static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  @Test
  public void kSigmaFlagsExactlyTheInjectedDropAndSpike() {
    // 5 sigma over the last 24 windows, judged once 12 are known. Measured on this seed: the noise
    // reaches 4.17 sigma of its rolling window once (index 18), so 4-sigma limits flag it too; the
    // injections are about 30 sigma out, so 5 separates them from the noise with room to spare.
    AnomalyCheck check = AnomalyCheck.of(Metric.size(), new KSigma(5, 24, 12));
    assertEquals(List.of(40, 70), check.flag(series()));
    // and the injected points are not borderline: each is > 20 sigma from the mean of the noise
    List<Double> noise = new ArrayList<>(series());
    noise.remove(70);
    noise.remove(40);
    double mean = noise.stream().mapToDouble(d -> d).average().orElseThrow();
    double sigma =
        Math.sqrt(noise.stream().mapToDouble(d -> (d - mean) * (d - mean)).sum() / noise.size());
    assertEquals(true, Math.abs(700 - mean) / sigma > 20 && Math.abs(1300 - mean) / sigma > 20);
  }

  @Test
  public void rateOfChangeStrategiesFlagExactlyTheInjectedPointsToo() {
    // The noise moves at most a few percent window to window; a drop to 700 is -30%, a spike
    // to 1300 is +30%. Comparing with the last unflagged value, the recovery is not flagged.
    assertEquals(
        List.of(40, 70),
        AnomalyCheck.of(Metric.size(), new RelativeRateOfChange(0.85, 1.15)).flag(series()));
    assertEquals(
        List.of(40, 70),
        AnomalyCheck.of(Metric.size(), new AbsoluteChange(-150.0, 150.0)).flag(series()));
  }

  @Test
  public void handComputedVerdicts() {
    // absolute: previous 10, value 4 -> change -6 < -5: band [10-5, 10+5] = [5, 15]
    AnomalyStrategy.Verdict v = new AbsoluteChange(-5.0, 5.0).check(List.of(8.0, 10.0), 4.0);
    assertEquals(5.0, v.lower(), 0);
    assertEquals(15.0, v.upper(), 0);
    assertNull(
        new AbsoluteChange(-5.0, 5.0).check(List.of(8.0, 10.0), 15.0)); // change +5 is allowed
    // relative: previous 200, value 90 -> rate 0.45 < 0.5: band [100, 400]
    v = new RelativeRateOfChange(0.5, 2.0).check(List.of(200.0), 90.0);
    assertEquals(100.0, v.lower(), 0);
    assertEquals(400.0, v.upper(), 0);
    assertNull(new RelativeRateOfChange(0.5, 2.0).check(List.of(0.0), 90.0)); // undefined after 0
    // k-sigma: history 2, 4, 4, 4, 5, 5, 7, 9 -> mean 5, population sigma 2; 2-sigma band [1, 9]
    List<Double> h = List.of(2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0);
    assertNull(new KSigma(2, 8, 8).check(h, 9.0));
    v = new KSigma(2, 8, 8).check(h, 9.5);
    assertEquals(1.0, v.lower(), 0);
    assertEquals(9.0, v.upper(), 0);
    assertNull(new KSigma(2, 8, 8).check(h.subList(0, 7), 100.0)); // fewer than min_history values
  }

  @Test
  public void badParametersNameThemselves() {
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> new KSigma(0, 5, 5)).getMessage(),
        containsString("KSigma: k must be > 0"));
    assertThat(
        assertThrows(IllegalArgumentException.class, () -> new AbsoluteChange(null, null))
            .getMessage(),
        containsString("give max_decrease, max_increase or both"));
  }
}
