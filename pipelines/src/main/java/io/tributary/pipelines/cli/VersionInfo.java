package io.tributary.pipelines.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * {@code tributary --version}: the versions this jar was built with, read from {@code
 * version.properties}, which Maven fills in from the build's {@code project.version}, {@code
 * beam.version} and {@code flink.version} (resource filtering in pipelines/pom.xml).
 *
 * <pre>{@code
 * $ tributary --version
 * tributary 0.1.0-SNAPSHOT
 * Apache Beam 2.62.0
 * Apache Flink 1.19.0
 * Java 17.0.13 (Eclipse Adoptium)
 * }</pre>
 */
final class VersionInfo implements IVersionProvider {
  static final String RESOURCE = "version.properties";

  @Override
  public String[] getVersion() throws IOException {
    Properties p = new Properties();
    try (InputStream in = VersionInfo.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException(
            "no " + RESOURCE + " beside " + VersionInfo.class.getName() + ": a broken build");
      }
      p.load(in);
    }
    return new String[] {
      "tributary " + p.getProperty("tributary"),
      "Apache Beam " + p.getProperty("beam"),
      "Apache Flink " + p.getProperty("flink"),
      "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
    };
  }
}
