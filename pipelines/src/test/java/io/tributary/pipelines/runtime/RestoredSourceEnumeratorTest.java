package io.tributary.pipelines.runtime;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.runners.flink.translation.wrappers.streaming.io.source.FlinkSource;
import org.apache.beam.runners.flink.translation.wrappers.streaming.io.source.FlinkSourceSplit;
import org.apache.beam.runners.flink.translation.wrappers.streaming.io.source.FlinkSourceSplitEnumerator;
import org.apache.beam.runners.flink.translation.wrappers.streaming.io.source.unbounded.FlinkUnboundedSource;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.ReleaseInfo;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Tributary's patched Flink split enumerator (issue 17, apache/beam#31313): a source restored from
 * a checkpoint is not split and handed out again, pending splits are handed out exactly once, a
 * checkpoint taken before the split is split once. It drives the runner's own {@code FlinkSource}
 * (create, snapshot, serialize, restore) with a recording enumerator context. Against Beam 2.62.0's
 * own enumerator {@link #restoredSourceHandsOutNothingTheReadersAlreadyOwn} fails: every split is
 * assigned a second time.
 */
@RunWith(JUnit4.class)
public class RestoredSourceEnumeratorTest {
  private static final int SPLITS = 4;
  private static final int PARALLELISM = 2;

  private static final FlinkUnboundedSource<Long> SOURCE =
      FlinkSource.unbounded(
          "ReadNumbers",
          new Numbers(-1),
          new SerializablePipelineOptions(PipelineOptionsFactory.create()),
          SPLITS);

  @Test
  public void thePatchIsTheEnumeratorOnTheClassPathForTheBeamItWasWrittenFor() {
    // The patch replaces a class of Beam 2.62.0's Flink runner. A newer runner has the upstream
    // fix (apache/beam PR #33606) and a different checkpoint type: drop the patch then.
    assertThat(
        "Beam version the enumerator patch was written for (pipelines/src/main/java/org/apache/beam/...)",
        ReleaseInfo.getReleaseInfo().getSdkVersion(),
        equalTo("2.62.0"));
    String where =
        FlinkSourceSplitEnumerator.class
            .getProtectionDomain()
            .getCodeSource()
            .getLocation()
            .toString();
    assertThat(
        "the enumerator must come from this module, not Beam's jar",
        where,
        containsString("pipelines"));
  }

  @Test
  public void aFreshSourceIsSplitAndEachSplitHandedOutOnce() throws Exception {
    Run fresh = new Run(null).readers(0).split().readers(1);
    assertThat(fresh.assigned(), equalTo(Map.of(0, List.of(0, 2), 1, List.of(1, 3))));
  }

  @Test
  public void restoredSourceHandsOutNothingTheReadersAlreadyOwn() throws Exception {
    Map<Integer, List<FlinkSourceSplit<Long>>> checkpoint =
        new Run(null).split().readers(0, 1).checkpoint(7);

    // The readers restore their splits from their own state; the enumerator must not add copies.
    Run restored = new Run(checkpoint).split().readers(0, 1);
    assertThat("splits assigned again after the restore", restored.assigned(), equalTo(Map.of()));
    assertThat(
        "readers told that nothing more comes",
        restored.context.noMoreSplits,
        equalTo(List.of(0, 1)));

    // And its own checkpoint still says so (a second failure restores the same way).
    Run again = new Run(restored.checkpoint(8)).split().readers(0, 1);
    assertThat(again.assigned(), equalTo(Map.of()));
  }

  @Test
  public void splitsPendingAtTheCheckpointAreHandedOutOnceAfterTheRestore() throws Exception {
    // Reader 1 has not registered when the checkpoint is taken.
    Map<Integer, List<FlinkSourceSplit<Long>>> checkpoint =
        new Run(null).split().readers(0).checkpoint(3);
    Run restored = new Run(checkpoint).split().readers(0, 1);
    assertThat(restored.assigned(), equalTo(Map.of(1, List.of(1, 3))));
  }

  @Test
  public void aCheckpointTakenBeforeTheSplitIsSplitOnceOnRestore() throws Exception {
    // The split is still running when the checkpoint is taken.
    Map<Integer, List<FlinkSourceSplit<Long>>> checkpoint = new Run(null).checkpoint(1);
    Run restored = new Run(checkpoint).readers(0, 1).split();
    assertThat(restored.assigned(), equalTo(Map.of(0, List.of(0, 2), 1, List.of(1, 3))));
  }

  @Test
  public void aCheckpointWithoutTheMarkerRestoresAsBeamDid() throws Exception {
    // A savepoint of a build without the patch: all splits handed out, so its map is empty. It
    // cannot be told from a checkpoint taken before the split; it is split again (documented).
    Run restored = new Run(new java.util.HashMap<>()).split().readers(0, 1);
    assertThat(restored.assigned(), equalTo(Map.of(0, List.of(0, 2), 1, List.of(1, 3))));
  }

  /**
   * One enumerator of {@link #SOURCE}, created fresh or restored from a checkpoint (after a
   * serialization round trip), and started; the test says when its split finishes and which readers
   * register.
   */
  private static final class Run {
    final Context context = new Context();
    final SplitEnumerator<FlinkSourceSplit<Long>, Map<Integer, List<FlinkSourceSplit<Long>>>>
        enumerator;

    Run(@Nullable Map<Integer, List<FlinkSourceSplit<Long>>> checkpoint) throws Exception {
      enumerator =
          checkpoint == null
              ? SOURCE.createEnumerator(context)
              : SOURCE.restoreEnumerator(context, roundTrip(checkpoint));
      enumerator.start();
    }

    /** Runs the asynchronous calls made so far (the split of a fresh source). */
    Run split() {
      context.runAsync();
      return this;
    }

    Run readers(int... subtasks) {
      for (int subtask : subtasks) {
        context.registerAndAdd(enumerator, subtask);
      }
      return this;
    }

    Map<Integer, List<FlinkSourceSplit<Long>>> checkpoint(long id) throws Exception {
      return roundTrip(enumerator.snapshotState(id));
    }

    Map<Integer, List<Integer>> assigned() {
      return context.assigned();
    }
  }

  private static Map<Integer, List<FlinkSourceSplit<Long>>> roundTrip(
      Map<Integer, List<FlinkSourceSplit<Long>>> state) throws IOException {
    SimpleVersionedSerializer<Map<Integer, List<FlinkSourceSplit<Long>>>> s =
        SOURCE.getEnumeratorCheckpointSerializer();
    return s.deserialize(s.getVersion(), s.serialize(state));
  }

  /** Records what the enumerator assigns; runs its asynchronous calls when the test says so. */
  private static final class Context implements SplitEnumeratorContext<FlinkSourceSplit<Long>> {
    private final Map<Integer, ReaderInfo> readers = new TreeMap<>();
    private final Map<Integer, List<Integer>> assigned = new TreeMap<>();
    final List<Integer> noMoreSplits = new ArrayList<>();
    private final List<Runnable> async = new ArrayList<>();

    void registerAndAdd(
        SplitEnumerator<FlinkSourceSplit<Long>, Map<Integer, List<FlinkSourceSplit<Long>>>> e,
        int subtask) {
      readers.put(subtask, new ReaderInfo(subtask, "localhost"));
      e.addReader(subtask);
    }

    void runAsync() {
      List<Runnable> now = new ArrayList<>(async);
      async.clear();
      now.forEach(Runnable::run);
    }

    /** Split indexes assigned per subtask. */
    Map<Integer, List<Integer>> assigned() {
      return assigned;
    }

    @Override
    public SplitEnumeratorMetricGroup metricGroup() {
      throw new UnsupportedOperationException("no metrics in this test");
    }

    @Override
    public void sendEventToSourceReader(int subtaskId, SourceEvent event) {}

    @Override
    public int currentParallelism() {
      return PARALLELISM;
    }

    @Override
    public Map<Integer, ReaderInfo> registeredReaders() {
      return readers;
    }

    @Override
    public void assignSplits(SplitsAssignment<FlinkSourceSplit<Long>> assignment) {
      assignment
          .assignment()
          .forEach(
              (subtask, splits) ->
                  splits.forEach(
                      s ->
                          assigned
                              .computeIfAbsent(subtask, k -> new ArrayList<>())
                              .add(s.splitIndex())));
    }

    @Override
    public void signalNoMoreSplits(int subtask) {
      noMoreSplits.add(subtask);
    }

    @Override
    public <T> void callAsync(Callable<T> callable, BiConsumer<T, Throwable> handler) {
      async.add(
          () -> {
            T result = null;
            Throwable error = null;
            try {
              result = callable.call();
            } catch (Exception e) {
              error = e;
            }
            handler.accept(result, error);
          });
    }

    @Override
    public <T> void callAsync(
        Callable<T> callable, BiConsumer<T, Throwable> handler, long delay, long period) {
      callAsync(callable, handler);
    }

    @Override
    public void runInCoordinatorThread(Runnable runnable) {
      async.add(runnable);
    }
  }

  /** An unbounded source of numbers that only splits: the enumerator never reads. */
  private static final class Numbers extends UnboundedSource<Long, Numbers.NoMark> {
    /** Never made: the enumerator does not read. */
    static final class NoMark implements UnboundedSource.CheckpointMark, java.io.Serializable {
      private static final long serialVersionUID = 1L;

      @Override
      public void finalizeCheckpoint() {}
    }

    private final int index;

    Numbers(int index) {
      this.index = index;
    }

    @Override
    public List<Numbers> split(int desiredNumSplits, PipelineOptions options) {
      List<Numbers> parts = new ArrayList<>();
      for (int i = 0; i < desiredNumSplits; i++) {
        parts.add(new Numbers(i));
      }
      return parts;
    }

    @Override
    public UnboundedReader<Long> createReader(
        PipelineOptions options, @Nullable NoMark checkpointMark) {
      throw new UnsupportedOperationException("split " + index + " is never read here");
    }

    @Override
    public Coder<NoMark> getCheckpointMarkCoder() {
      return SerializableCoder.of(NoMark.class);
    }

    @Override
    public Coder<Long> getOutputCoder() {
      return VarLongCoder.of();
    }

    @Override
    public String toString() {
      return "Numbers(" + index + ")";
    }
  }
}
