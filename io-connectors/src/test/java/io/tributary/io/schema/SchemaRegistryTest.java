package io.tributary.io.schema;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import io.tributary.transforms.errors.RecordRejectedException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Each Avro evolution rule, once where it resolves (old payload read with the new schema gives the
 * expected value) and once where the compatibility mode refuses it (message names field and rule).
 */
@RunWith(JUnit4.class)
public class SchemaRegistryTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  static Schema record(String fields) {
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\"Ev\",\"namespace\":\"t\",\"fields\":["
                + fields
                + "]}");
  }

  static byte[] encode(Schema schema, GenericRecord record) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, enc);
    enc.flush();
    return out.toByteArray();
  }

  private SchemaRegistry registryWith(Compatibility mode, Schema... versions) throws Exception {
    SchemaRegistry registry = SchemaRegistry.open(tmp.newFolder().toPath());
    registry.setCompatibility("ev", mode);
    for (Schema v : versions) {
      registry.register("ev", v);
    }
    return registry;
  }

  /** Writes {@code record} with v1 of "ev" and reads it with the latest version. */
  private GenericRecord resolve(SchemaRegistry registry, GenericRecord record) throws Exception {
    RegisteredSchema v1 = registry.version("ev", 1);
    byte[] bytes = encode(v1.schema(), record);
    return ResolvingReader.of(registry, "ev", "decode").read(v1.id(), bytes, 0, bytes.length);
  }

  @Test
  public void addedFieldWithDefaultResolvesToTheDefault() throws Exception {
    Schema v1 = record("{\"name\":\"id\",\"type\":\"string\"}");
    Schema v2 =
        record(
            "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"country\",\"type\":\"string\",\"default\":\"NL\"}");
    SchemaRegistry registry = registryWith(Compatibility.BACKWARD, v1, v2);
    GenericRecord old = new GenericData.Record(v1);
    old.put("id", "e-1");
    GenericRecord read = resolve(registry, old);
    assertThat(read.get("country").toString(), equalTo("NL"));
    assertThat(registry.latest("ev").version(), is(2));
  }

  @Test
  public void addedFieldWithoutDefaultIsRefusedNamingFieldAndRule() throws Exception {
    Schema v1 = record("{\"name\":\"id\",\"type\":\"string\"}");
    Schema v2 =
        record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"country\",\"type\":\"string\"}");
    SchemaRegistry registry = registryWith(Compatibility.BACKWARD, v1);
    IncompatibleSchemaException e =
        assertThrows(IncompatibleSchemaException.class, () -> registry.register("ev", v2));
    assertThat(e.getMessage(), containsString("field 'country'"));
    assertThat(e.getMessage(), containsString("READER_FIELD_MISSING_DEFAULT_VALUE"));
    assertThat(e.getMessage(), containsString("v1"));
    assertThat(registry.versions("ev"), hasSize(1));
  }

  @Test
  public void decimalBoundsComeFromTheContract() {
    assertThat(
        SchemaRegistry.bundled().latest("clickstream-event").decimalBounds(),
        org.hamcrest.Matchers.equalTo(
            java.util.Map.of("price", io.tributary.transforms.json.DecimalBound.of(12, 2))));
  }

  @Test
  public void theRefusalNamesTheModeOnce() throws Exception {
    Schema v1 = record("{\"name\":\"id\",\"type\":\"string\"}");
    Schema v2 =
        record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"country\",\"type\":\"string\"}");
    SchemaRegistry registry = registryWith(Compatibility.BACKWARD, v1);
    IncompatibleSchemaException e =
        assertThrows(IncompatibleSchemaException.class, () -> registry.register("ev", v2));
    assertThat(e.getMessage(), containsString("ev is BACKWARD: the new version of ev cannot read"));
    assertThat(e.getMessage(), org.hamcrest.Matchers.not(containsString("BACKWARD: BACKWARD")));
  }

  @Test
  public void aProblemWithANonRecordSchemaDoesNotNameARecordField() throws Exception {
    SchemaRegistry registry =
        registryWith(Compatibility.BACKWARD, new Schema.Parser().parse("\"long\""));
    IncompatibleSchemaException e =
        assertThrows(
            IncompatibleSchemaException.class,
            () -> registry.register("ev", new Schema.Parser().parse("\"int\"")));
    assertThat(e.getMessage(), containsString("the int schema:"));
    assertThat(e.getMessage(), org.hamcrest.Matchers.not(containsString("<record>")));
  }

  @Test
  public void removedFieldIsSkippedByTheNewReader() throws Exception {
    Schema v1 =
        record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"ua\",\"type\":\"string\"}");
    Schema v2 = record("{\"name\":\"id\",\"type\":\"string\"}");
    SchemaRegistry registry = registryWith(Compatibility.BACKWARD, v1, v2);
    GenericRecord old = new GenericData.Record(v1);
    old.put("id", "e-1");
    old.put("ua", "Mozilla");
    GenericRecord read = resolve(registry, old);
    assertThat(read.getSchema().getFields(), hasSize(1));
    assertThat(read.get("id").toString(), equalTo("e-1"));
  }

  @Test
  public void removedFieldWithoutDefaultBreaksForward() throws Exception {
    Schema v1 =
        record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"ua\",\"type\":\"string\"}");
    Schema v2 = record("{\"name\":\"id\",\"type\":\"string\"}");
    SchemaRegistry registry = registryWith(Compatibility.FORWARD, v1);
    IncompatibleSchemaException e =
        assertThrows(IncompatibleSchemaException.class, () -> registry.register("ev", v2));
    assertThat(
        e.getMessage(),
        containsString("FORWARD: v1 of ev cannot read data written with the new version"));
    assertThat(e.getMessage(), containsString("field 'ua'"));
  }

  @Test
  public void numericPromotionsResolve() throws Exception {
    Schema v1 =
        record(
            "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":\"long\"},"
                + "{\"name\":\"c\",\"type\":\"float\"},{\"name\":\"d\",\"type\":\"int\"}");
    Schema v2 =
        record(
            "{\"name\":\"a\",\"type\":\"long\"},{\"name\":\"b\",\"type\":\"float\"},"
                + "{\"name\":\"c\",\"type\":\"double\"},{\"name\":\"d\",\"type\":\"double\"}");
    SchemaRegistry registry = registryWith(Compatibility.BACKWARD, v1, v2);
    GenericRecord old = new GenericData.Record(v1);
    old.put("a", 7);
    old.put("b", 8L);
    old.put("c", 1.5f);
    old.put("d", 9);
    GenericRecord read = resolve(registry, old);
    assertThat(read.get("a"), equalTo((Object) 7L));
    assertThat(read.get("b"), equalTo((Object) 8f));
    assertThat(read.get("c"), equalTo((Object) 1.5d));
    assertThat(read.get("d"), equalTo((Object) 9d));
  }

  @Test
  public void narrowingIsRefused() throws Exception {
    SchemaRegistry registry =
        registryWith(Compatibility.BACKWARD, record("{\"name\":\"a\",\"type\":\"long\"}"));
    IncompatibleSchemaException e =
        assertThrows(
            IncompatibleSchemaException.class,
            () -> registry.register("ev", record("{\"name\":\"a\",\"type\":\"int\"}")));
    assertThat(e.getMessage(), containsString("field 'a'"));
    assertThat(e.getMessage(), containsString("TYPE_MISMATCH"));
  }

  @Test
  public void stringAndBytesConvertBothWays() throws Exception {
    Schema v1 = record("{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"bytes\"}");
    Schema v2 = record("{\"name\":\"s\",\"type\":\"bytes\"},{\"name\":\"b\",\"type\":\"string\"}");
    SchemaRegistry registry = registryWith(Compatibility.FULL, v1, v2);
    GenericRecord old = new GenericData.Record(v1);
    old.put("s", "abc");
    old.put("b", ByteBuffer.wrap("xyz".getBytes(StandardCharsets.UTF_8)));
    GenericRecord read = resolve(registry, old);
    assertThat(
        new String(((ByteBuffer) read.get("s")).array(), StandardCharsets.UTF_8), equalTo("abc"));
    assertThat(read.get("b"), equalTo((Object) new Utf8("xyz")));
  }

  @Test
  public void aliasRenamesAField() throws Exception {
    Schema v1 = record("{\"name\":\"user_id\",\"type\":\"string\"}");
    Schema v2 = record("{\"name\":\"customer_id\",\"type\":\"string\",\"aliases\":[\"user_id\"]}");
    SchemaRegistry registry = registryWith(Compatibility.BACKWARD, v1, v2);
    GenericRecord old = new GenericData.Record(v1);
    old.put("user_id", "u-1");
    assertThat(resolve(registry, old).get("customer_id").toString(), equalTo("u-1"));
  }

  @Test
  public void renameWithoutAliasIsRefused() throws Exception {
    SchemaRegistry registry =
        registryWith(Compatibility.BACKWARD, record("{\"name\":\"user_id\",\"type\":\"string\"}"));
    IncompatibleSchemaException e =
        assertThrows(
            IncompatibleSchemaException.class,
            () ->
                registry.register("ev", record("{\"name\":\"customer_id\",\"type\":\"string\"}")));
    assertThat(e.getMessage(), containsString("field 'customer_id'"));
  }

  static String enumField(String symbols, String dflt) {
    return "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":["
        + symbols
        + "]"
        + (dflt == null ? "" : ",\"default\":\"" + dflt + "\"")
        + "}}";
  }

  @Test
  public void enumDefaultCoversUnknownSymbols() throws Exception {
    Schema v1 = record(enumField("\"view\",\"buy\",\"refund\"", null));
    Schema v2 = record(enumField("\"view\",\"buy\",\"other\"", "other"));
    SchemaRegistry registry = registryWith(Compatibility.BACKWARD, v1, v2);
    GenericRecord old = new GenericData.Record(v1);
    old.put("kind", new GenericData.EnumSymbol(v1.getField("kind").schema(), "refund"));
    assertThat(resolve(registry, old).get("kind").toString(), equalTo("other"));
  }

  @Test
  public void removedEnumSymbolWithoutDefaultIsRefused() throws Exception {
    SchemaRegistry registry =
        registryWith(
            Compatibility.BACKWARD, record(enumField("\"view\",\"buy\",\"refund\"", null)));
    IncompatibleSchemaException e =
        assertThrows(
            IncompatibleSchemaException.class,
            () -> registry.register("ev", record(enumField("\"view\",\"buy\"", null))));
    assertThat(e.getMessage(), containsString("field 'kind'"));
    assertThat(e.getMessage(), containsString("MISSING_ENUM_SYMBOLS"));
    assertThat(e.getMessage(), containsString("refund"));
  }

  @Test
  public void transitiveModesCheckEveryEarlierVersion() throws Exception {
    Schema v1 = record("{\"name\":\"id\",\"type\":\"string\"}");
    Schema v2 =
        record(
            "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"string\",\"default\":\"x\"}");
    Schema v3 =
        record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"string\"}");
    // BACKWARD only looks at v2, which has c: accepted.
    assertThat(registryWith(Compatibility.BACKWARD, v1, v2).check("ev", v3), empty());
    // BACKWARD_TRANSITIVE also reads v1 data, which lacks c and v3 gives it no default.
    List<String> problems = registryWith(Compatibility.BACKWARD_TRANSITIVE, v1, v2).check("ev", v3);
    assertThat(problems, contains(containsString("cannot read data written with v1: field 'c'")));
  }

  @Test
  public void forwardAndFullTransitive() throws Exception {
    Schema v1 =
        record(
            "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"ua\",\"type\":\"string\",\"default\":\"\"}");
    Schema v2 =
        record(
            "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"ua\",\"type\":\"string\",\"default\":\"\"},"
                + "{\"name\":\"n\",\"type\":\"int\",\"default\":0}");
    Schema v3 =
        record(
            "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"n\",\"type\":\"int\",\"default\":0}");
    // Forward: v2 readers drop nothing they need (ua has a default) -> accepted.
    assertThat(registryWith(Compatibility.FORWARD_TRANSITIVE, v1, v2).check("ev", v3), empty());
    assertThat(registryWith(Compatibility.FULL_TRANSITIVE, v1, v2).check("ev", v3), empty());
    // A new field without a default breaks the backward half of FULL.
    Schema v4 = record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"z\",\"type\":\"int\"}");
    assertThat(registryWith(Compatibility.FORWARD, v1).check("ev", v4), empty());
    assertThat(
        registryWith(Compatibility.FULL, v1).check("ev", v4).toString(),
        containsString("FULL: the new version of ev cannot read data written with v1: field 'z'"));
    assertThat(registryWith(Compatibility.NONE, v1).check("ev", v4), empty());
  }

  @Test
  public void idsAreStableAcrossReopenAndRegistrationIsIdempotent() throws Exception {
    Path dir = tmp.newFolder().toPath();
    SchemaRegistry registry = SchemaRegistry.open(dir);
    Schema a1 = record("{\"name\":\"id\",\"type\":\"string\"}");
    RegisteredSchema first = registry.register("a", a1);
    RegisteredSchema other = registry.register("b", record("{\"name\":\"x\",\"type\":\"int\"}"));
    RegisteredSchema again = registry.register("a", new Schema.Parser().parse(a1.toString(true)));
    assertThat(again, equalTo(first));
    SchemaRegistry reopened = SchemaRegistry.open(dir);
    assertThat(reopened.byId(first.id()), equalTo(first));
    assertThat(reopened.byId(other.id()).subject(), equalTo("b"));
    assertThat(reopened.byId(99), nullValue());
    RegisteredSchema a2 =
        reopened.register(
            "a",
            record(
                "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"y\",\"type\":\"int\",\"default\":1}"));
    assertThat(a2.id(), is(3));
    assertThat(a2.version(), is(2));
    assertThat(Files.exists(dir.resolve("a/v2.avsc")), is(true));
  }

  @Test
  public void unknownAndUnresolvableWriterIdsAreRejectedWithReasons() throws Exception {
    Schema v1 = record("{\"name\":\"id\",\"type\":\"string\"}");
    SchemaRegistry registry =
        registryWith(Compatibility.NONE, v1, record("{\"name\":\"id\",\"type\":\"long\"}"));
    GenericRecord old = new GenericData.Record(v1);
    old.put("id", "e-1");
    byte[] bytes = encode(v1, old);
    ResolvingReader reader = ResolvingReader.of(registry, "ev", "decode");
    RecordRejectedException unknown =
        assertThrows(RecordRejectedException.class, () -> reader.read(42, bytes, 0, bytes.length));
    assertThat(unknown.reason(), equalTo("unknown_schema_id"));
    RecordRejectedException unresolvable =
        assertThrows(
            RecordRejectedException.class,
            () -> reader.read(registry.version("ev", 1).id(), bytes, 0, bytes.length));
    assertThat(unresolvable.reason(), equalTo("unresolvable_schema"));
    assertThat(unresolvable.getMessage(), containsString("field 'id'"));
    RecordRejectedException corrupt =
        assertThrows(
            RecordRejectedException.class,
            () -> reader.read(registry.version("ev", 2).id(), new byte[] {(byte) 0xff}, 0, 1));
    assertThat(corrupt.reason(), equalTo("corrupt_payload"));
  }

  @Test
  public void bundledRegistryHoldsTheClickstreamContract() {
    RegisteredSchema v1 = SchemaRegistry.bundled().latest("clickstream-event");
    assertThat(v1.id(), is(1));
    assertThat(
        v1.beamSchema().getFieldNames(),
        contains(
            "event_id",
            "user_id",
            "event_type",
            "product_id",
            "price",
            "currency",
            "event_time",
            "email",
            "ip",
            "user_agent"));
    assertThrows(
        IllegalStateException.class,
        () -> SchemaRegistry.bundled().register("x", record("{\"name\":\"a\",\"type\":\"int\"}")));
  }

  @Test
  public void unknownSubjectNamesTheKnownOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SchemaRegistry.bundled().latest("nope"));
    assertThat(
        e.getMessage(),
        containsString("known subjects: [clickstream-event, iot-device, iot-reading]"));
  }
}
