package io.tributary.transforms.lookup;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.values.Fingerprint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.Pipeline.PipelineExecutionException;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A key value is personal data (here an e-mail address): no dead-letter failure and no exception of
 * the lookup holds it, only its field and fingerprint. The dead letter's payload (the row) is left
 * to the pipeline's scrubbing and is not checked here.
 */
@RunWith(JUnit4.class)
public class LookupKeyPrivacyTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final String EMAIL = "ana@example.com";
  private static final String MISSING = "bo@example.org";

  /** {@code printf %s 'ana@example.com' | sha256sum | cut -c1-12}. */
  private static final String EMAIL_PRINT = "sha256:8e43ca377012";

  /** {@code printf %s 'bo@example.org' | sha256sum | cut -c1-12}. */
  private static final String MISSING_PRINT = "sha256:bcab8abd827b";

  static final Schema ORDER =
      Schema.builder().addStringField("order_id").addStringField("email").build();
  static final Schema CUSTOMER =
      Schema.builder().addStringField("email").addStringField("tier").build();

  private static Row customer(String email, String tier) {
    return Row.withSchema(CUSTOMER).addValues(email, tier).build();
  }

  private PCollection<Row> orders() {
    return p.apply(
        "Orders",
        Create.of(
                Row.withSchema(ORDER).addValues("o1", EMAIL).build(),
                Row.withSchema(ORDER).addValues("o2", MISSING).build())
            .withRowSchema(ORDER));
  }

  /**
   * Of each bad record, everything but its payload: the failure (description, exception, stack
   * trace) and the encoded rejection.
   */
  static final class FailureText extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings())
              .via(
                  r -> {
                    byte[] encoded = r.getRecord().getEncodedRecord();
                    return r.getFailure()
                        + " | "
                        + (encoded == null ? "" : new String(encoded, StandardCharsets.UTF_8));
                  }));
    }
  }

  @Test
  public void theFingerprintIsSha256OfTheStringForm() {
    assertEquals(EMAIL_PRINT, Fingerprint.of(EMAIL));
    assertEquals(MISSING_PRINT, Fingerprint.of(MISSING));
    // A number's string form: printf %s 42 | sha256sum | cut -c1-12
    assertEquals("sha256:73475cb40a56", Fingerprint.of(42L));
    assertEquals(
        "key " + EMAIL_PRINT + " (field 'email')", Lookup.keyText("email", (Object) EMAIL));
  }

  /**
   * Runs {@code lookup}, by e-mail adding the tier, on the orders with dead letters: the one of the
   * order whose key the table lacks has the reason and the key's fingerprint, and no key value.
   */
  private void runAndCheckTheDeadLetter(Lookup lookup, String reason, String verb) {
    BadRecordErrorHandler<PCollection<String>> handler =
        p.registerBadRecordErrorHandler(new FailureText());
    orders().apply(lookup.by("email").withField("tier").withBadRecordErrorHandler(handler));
    handler.close();
    PAssert.that(handler.getOutput())
        .satisfies(
            all -> {
              int n = 0;
              for (String f : all) {
                n++;
                assertThat(f, not(containsString(MISSING)));
                assertThat(f, not(containsString(EMAIL)));
                assertThat(
                    f,
                    containsString(
                        reason + ": no table row " + verb + " key " + MISSING_PRINT + " (field"));
              }
              assertEquals(1, n);
              return null;
            });
    p.run().waitUntilFinish();
  }

  /** The table of customers: {@code EMAIL} only. */
  private static RowsTable customers() {
    return new RowsTable("customers", CUSTOMER, List.of(customer(EMAIL, "gold")));
  }

  @Test
  public void aDeadLetterForAMissingKeyHoldsNoKeyValue() {
    runAndCheckTheDeadLetter(
        Lookup.fromTable(customers()).withMissingKey(MissingKey.DEAD_LETTER),
        Lookup.NO_MATCH,
        "has");
  }

  @Test
  public void aDeadLetterOfTheStaticTableHoldsNoKeyValue() {
    runAndCheckTheDeadLetter(
        Lookup.from(
                p.apply("Customers", Create.of(customer(EMAIL, "gold")).withRowSchema(CUSTOMER)))
            .withMissingKey(MissingKey.DEAD_LETTER),
        Lookup.NO_MATCH,
        "has");
  }

  @Test
  public void aDeadLetterAfterTheWaitHoldsNoKeyValue() {
    runAndCheckTheDeadLetter(
        Lookup.fromTable(customers())
            .withRefresh(Duration.standardSeconds(10))
            .withMissingKey(MissingKey.WAIT)
            .withMaxWait(Duration.standardHours(1)),
        Lookup.NO_MATCH_AFTER_WAIT,
        "had");
  }

  /**
   * The run fails with {@code expected} in its failure (every cause and stack trace), which holds
   * no key value.
   */
  private void assertTheRunFailsWith(String expected) {
    PipelineExecutionException e = assertThrows(PipelineExecutionException.class, () -> p.run());
    StringWriter text = new StringWriter();
    e.printStackTrace(new PrintWriter(text));
    assertThat(text.toString(), not(containsString(EMAIL)));
    assertThat(text.toString(), containsString(expected));
  }

  @Test
  public void aKeyTwiceInATableReadFailsWithoutTheKeyValue() {
    orders()
        .apply(
            Lookup.fromTable(
                    new RowsTable(
                        "customers",
                        CUSTOMER,
                        List.of(customer(EMAIL, "gold"), customer(EMAIL, "silver"))))
                .by("email")
                .withField("tier"));
    assertTheRunFailsWith(
        "table 'customers' has more than one row with key " + EMAIL_PRINT + " (field 'email')");
  }

  @Test
  public void aKeyTwiceInTheStaticTableFailsWithoutTheKeyValue() {
    orders()
        .apply(
            Lookup.from(
                    p.apply(
                        "Customers",
                        Create.of(customer(EMAIL, "gold"), customer(EMAIL, "silver"))
                            .withRowSchema(CUSTOMER)))
                .by("email")
                .withField("tier"));
    assertTheRunFailsWith(
        "the table has more than one row with key " + EMAIL_PRINT + " (field 'email')");
  }
}
