package org.apache.beam.runners.flink.translation.wrappers.streaming.io.source;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.io.BoundedSource;
import org.apache.beam.sdk.io.Source;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tributary's patch of the Flink runner's split enumerator (Beam 2.62.0): a restored source is
 * never split and handed out a second time.
 *
 * <p><b>Why.</b> Beam 2.62.0's enumerator splits its source again in {@code start()} after a
 * restore, although the source readers already got their splits back from their own state; every
 * split (for Kafka: every partition) is then read twice (apache/beam#31313, fixed upstream after
 * 2.62.0 by apache/beam PR #33606, in a Flink runner release not served here). Any job restored
 * from a checkpoint or a savepoint (a TaskManager lost, a JobManager fail-over, {@code tributary
 * run --from-savepoint}) wrote its records twice unless a Dedup stage dropped them.
 *
 * <p><b>How.</b> The checkpoint keeps its type ({@code Map<subtask, pending splits>}) so that
 * savepoints stay readable in both directions; when the splits exist it carries one more entry,
 * {@link #SPLITS_MADE} mapped to an empty list. {@code FlinkSource.restoreEnumerator} hands every
 * entry back through {@link #addSplitsBack}; that entry tells this enumerator that the readers own
 * their splits already, so {@link #start} only hands out what was still pending. A checkpoint taken
 * before the source was split has no such entry and is split once on restore. A savepoint taken by
 * a build without this class has no entry either and restores as Beam 2.62.0 would
 * (docs/operations.md says how to start such a job cleanly).
 *
 * <p>This class replaces Beam's of the same name: the module's own classes come first on the test
 * class path, and the bundled jar's shade filter drops Beam's copy ({@code pipelines/pom.xml}).
 * {@code RestoredSourceEnumeratorTest} fails against Beam's copy and guards the Beam version it was
 * written for. Not used directly:
 *
 * <pre>{@code
 * // FlinkSource.createEnumerator and FlinkSource.restoreEnumerator build it:
 * new FlinkSourceSplitEnumerator<>(context, beamSource, options, numSplits);
 * }</pre>
 *
 * @param <T> the output type of the Beam source
 */
public class FlinkSourceSplitEnumerator<T>
    implements SplitEnumerator<FlinkSourceSplit<T>, Map<Integer, List<FlinkSourceSplit<T>>>> {
  /**
   * The checkpoint entry (never a subtask index) whose presence says: the source was split and its
   * splits handed out before this checkpoint.
   */
  public static final int SPLITS_MADE = -1;

  private static final Logger LOG = LoggerFactory.getLogger(FlinkSourceSplitEnumerator.class);

  private final SplitEnumeratorContext<FlinkSourceSplit<T>> context;
  private final Source<T> source;
  private final PipelineOptions options;
  private final int numSplits;

  /** Splits not handed out yet, by the subtask that is to read them. */
  private final Map<Integer, List<FlinkSourceSplit<T>>> pending = new HashMap<>();

  /** Whether the source's splits exist: made by this enumerator or restored with the readers. */
  private boolean splitsMade;

  public FlinkSourceSplitEnumerator(
      SplitEnumeratorContext<FlinkSourceSplit<T>> context,
      Source<T> source,
      PipelineOptions options,
      int numSplits) {
    this.context = context;
    this.source = source;
    this.options = options;
    this.numSplits = numSplits;
  }

  @Override
  public void start() {
    if (splitsMade) {
      LOG.info(
          "Restored source {}: its readers keep their splits; handing out the {} pending only",
          source,
          pending.values().stream().mapToInt(List::size).sum());
      handOutToRegisteredReaders();
      return;
    }
    context.callAsync(this::splitSource, this::splitsReady);
  }

  private List<FlinkSourceSplit<T>> splitSource() throws Exception {
    List<? extends Source<T>> parts;
    if (source instanceof BoundedSource) {
      BoundedSource<T> bounded = (BoundedSource<T>) source;
      long bytesPerSplit = bounded.getEstimatedSizeBytes(options) / numSplits;
      parts = bounded.split(bytesPerSplit, options);
    } else if (source instanceof UnboundedSource) {
      parts = ((UnboundedSource<T, ?>) source).split(numSplits, options);
    } else {
      throw new IllegalStateException("neither bounded nor unbounded: " + source.getClass());
    }
    List<FlinkSourceSplit<T>> splits = new ArrayList<>(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      splits.add(new FlinkSourceSplit<>(i, parts.get(i)));
    }
    LOG.info("Split source {} into {} splits", source, splits.size());
    return splits;
  }

  private void splitsReady(@Nullable List<FlinkSourceSplit<T>> splits, @Nullable Throwable error) {
    if (error != null || splits == null) {
      throw new IllegalStateException("could not split source " + source, error);
    }
    for (FlinkSourceSplit<T> split : splits) {
      pendingFor(split.splitIndex()).add(split);
    }
    splitsMade = true;
    handOutToRegisteredReaders();
  }

  @Override
  public void handleSplitRequest(int subtaskId, @Nullable String requesterHostname) {
    // Splits are pushed when a reader registers; readers never ask.
  }

  @Override
  public void addSplitsBack(List<FlinkSourceSplit<T>> splits, int subtaskId) {
    if (subtaskId == SPLITS_MADE) {
      splitsMade = true;
      return;
    }
    LOG.info("Splits {} back from subtask {}", splits, subtaskId);
    pendingFor(subtaskId).addAll(splits);
  }

  @Override
  public void addReader(int subtaskId) {
    List<FlinkSourceSplit<T>> splits = pending.remove(subtaskId);
    if (splits != null) {
      handOut(splits, subtaskId);
    } else if (splitsMade) {
      context.signalNoMoreSplits(subtaskId);
    }
  }

  @Override
  public Map<Integer, List<FlinkSourceSplit<T>>> snapshotState(long checkpointId) {
    Map<Integer, List<FlinkSourceSplit<T>>> state = new HashMap<>();
    pending.forEach((subtask, splits) -> state.put(subtask, new ArrayList<>(splits)));
    if (splitsMade) {
      state.put(SPLITS_MADE, new ArrayList<>());
    }
    return state;
  }

  @Override
  public void close() {}

  private List<FlinkSourceSplit<T>> pendingFor(int index) {
    return pending.computeIfAbsent(
        index % context.currentParallelism(), ignored -> new ArrayList<>());
  }

  /** Hands out what registered readers wait for; tells the others that nothing more comes. */
  private void handOutToRegisteredReaders() {
    Set<Integer> served = new HashSet<>();
    Iterator<Map.Entry<Integer, List<FlinkSourceSplit<T>>>> it = pending.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Integer, List<FlinkSourceSplit<T>>> entry = it.next();
      if (context.registeredReaders().containsKey(entry.getKey())) {
        handOut(entry.getValue(), entry.getKey());
        served.add(entry.getKey());
        it.remove();
      }
    }
    for (int reader : context.registeredReaders().keySet()) {
      if (!served.contains(reader) && !pending.containsKey(reader)) {
        context.signalNoMoreSplits(reader);
      }
    }
  }

  private void handOut(List<FlinkSourceSplit<T>> splits, int subtaskId) {
    context.assignSplits(new SplitsAssignment<>(Collections.singletonMap(subtaskId, splits)));
    context.signalNoMoreSplits(subtaskId);
    LOG.info("Assigned splits {} to subtask {}", splits, subtaskId);
  }
}
