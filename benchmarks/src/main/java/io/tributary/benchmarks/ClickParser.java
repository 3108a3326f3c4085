package io.tributary.benchmarks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * The hand-written parse and validation shared by the native Flink job, the Beam built-ins job and
 * the plain loop: Jackson's streaming parser, strict JSON types, the contract's required fields,
 * price at least zero and a known currency. It rejects exactly the lines Tributary's DecodeJson
 * plus Validate reject on the generated data (checked by comparing the aggregates' totals).
 */
public final class ClickParser {
  static final Set<String> CURRENCIES = Set.of("USD", "EUR", "GBP", "JPY", "CHF");
  private static final Set<String> FIELDS =
      Set.of(
          "event_id",
          "user_id",
          "event_type",
          "product_id",
          "price",
          "currency",
          "event_time",
          "email",
          "ip",
          "user_agent");
  private static final JsonFactory FACTORY = new JsonFactory();

  /** The decoded event, or null when the line is rejected. */
  public Click parse(String line) {
    try (JsonParser p = FACTORY.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Click c = new Click();
      boolean hasTime = false;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken v = p.nextToken();
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
          if (FIELDS.contains(name)) {
            return null; // no field of the contract is an object or an array
          }
          p.skipChildren();
          continue;
        }
        switch (name) {
          case "event_id":
            c.eventId = text(p, v);
            break;
          case "user_id":
            c.userId = text(p, v);
            break;
          case "event_type":
            c.eventType = text(p, v);
            break;
          case "product_id":
            c.productId = text(p, v);
            break;
          case "currency":
            c.currency = text(p, v);
            break;
          case "price":
            if (v != JsonToken.VALUE_NUMBER_FLOAT && v != JsonToken.VALUE_NUMBER_INT) {
              return null;
            }
            c.price = p.getDecimalValue();
            break;
          case "event_time":
            String s = text(p, v);
            if (s == null) {
              return null;
            }
            try {
              c.eventTime =
                  OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                      .toInstant()
                      .toEpochMilli();
              hasTime = true;
            } catch (DateTimeParseException e) {
              return null;
            }
            break;
          case "email":
            c.email = optionalText(p, v);
            break;
          case "ip":
            c.ip = optionalText(p, v);
            break;
          case "user_agent":
            c.userAgent = optionalText(p, v);
            break;
          default:
            break;
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
      if (c.eventId == null
          || c.userId == null
          || c.eventType == null
          || c.productId == null
          || c.price == null
          || c.currency == null
          || !hasTime) {
        return null;
      }
      if (c.price.signum() < 0 || !CURRENCIES.contains(c.currency)) {
        return null;
      }
      return c;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String text(JsonParser p, JsonToken v) throws IOException {
    return v == JsonToken.VALUE_STRING ? p.getText() : null;
  }

  private static String optionalText(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.VALUE_STRING) {
      throw new IOException("wrong type");
    }
    return p.getText();
  }

  /** Price in cents, for the checksum every variant reports. */
  public static long cents(BigDecimal price) {
    return price.movePointRight(2).longValueExact();
  }
}
