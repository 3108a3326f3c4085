package io.tributary.transforms.spec;

/** Where a step sits in a pipeline: it reads (no input), transforms, or writes (no main output). */
public enum StepKind {
  /** Reads from outside the pipeline: no input. */
  SOURCE,
  /** Inputs in, outputs out. */
  TRANSFORM,
  /** Writes outside the pipeline: no main output. */
  SINK
}
