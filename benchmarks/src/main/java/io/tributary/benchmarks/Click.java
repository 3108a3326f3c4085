package io.tributary.benchmarks;

import java.math.BigDecimal;

/**
 * One decoded event for the hand-written variants; a Flink POJO (public fields, no-arg
 * constructor).
 */
public class Click {
  public String eventId;
  public String userId;
  public String eventType;
  public String productId;
  public BigDecimal price;
  public String currency;
  public long eventTime;
  public String email;
  public String ip;
  public String userAgent;

  public Click() {}
}
