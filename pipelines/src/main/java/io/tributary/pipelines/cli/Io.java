package io.tributary.pipelines.cli;

import java.io.PrintStream;

/**
 * Where one run of the command line prints: results on {@code out}, problems on {@code err}.
 *
 * <pre>{@code
 * Io io = new Io(System.out, System.err);
 * io.out().println("cancelled " + id);
 * }</pre>
 */
record Io(PrintStream out, PrintStream err) {}
