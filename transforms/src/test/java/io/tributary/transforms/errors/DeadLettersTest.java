package io.tributary.transforms.errors;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** What a recorded rejection keeps: the readable record and the coder's name, no encoded copy. */
@RunWith(JUnit4.class)
public class DeadLettersTest {
  @Test
  public void aRecordedRejectionKeepsTheReadableFormAndTheCoderNameOnly() {
    RecordRejectedException rejection = new RecordRejectedException("decode", "not_json", "bad");
    BadRecord text = DeadLetters.badRecord("a \"line\"", StringUtf8Coder.of(), rejection);
    assertThat(text.getRecord().getHumanReadableJsonRecord(), equalTo("\"a \\\"line\\\"\""));
    assertThat(text.getRecord().getEncodedRecord(), nullValue());
    assertThat(text.getRecord().getCoder(), equalTo(StringUtf8Coder.of().toString()));
    assertThat(text.getFailure().getDescription(), equalTo("decode/not_json: bad"));
    assertThat(text.getFailure().getException(), equalTo(rejection.toString()));

    BadRecord bytes =
        DeadLetters.badRecord(new byte[] {1, 2, (byte) 0xFF}, ByteArrayCoder.of(), rejection);
    assertThat(bytes.getRecord().getHumanReadableJsonRecord(), equalTo("\"AQL/\""));
    assertThat(bytes.getRecord().getCoder(), equalTo("ByteArrayCoder"));

    String hash = "ab".repeat(32);
    BadRecord truncated =
        DeadLetters.badRecord(
            TruncatedPayload.of("head", 99, hash), TruncatedPayload.coder(), rejection);
    assertThat(
        truncated.getRecord().getHumanReadableJsonRecord().replaceAll("\\s", ""),
        equalTo("{\"head\":\"head\",\"originalBytes\":99,\"sha256\":\"" + hash + "\"}"));
    assertThat(truncated.getRecord().getCoder(), equalTo(TruncatedPayload.coder().toString()));
  }
}
