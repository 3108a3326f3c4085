package io.tributary.io.arch;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.tributary.transforms.metrics.LiveMetrics;
import org.apache.beam.sdk.metrics.Metrics;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Module boundaries of tributary-io (ARCHITECTURE.md), enforced. */
@RunWith(JUnit4.class)
public class ArchitectureTest {
  private static final JavaClasses CONNECTORS =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tributary.io");

  @Test
  public void connectorsDoNotDependOnPipelinesOrRunners() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.tributary.pipelines..", "org.apache.beam.runners..", "org.apache.flink..")
        .because("connectors are a library; runner choice belongs to pipelines at run time")
        .check(CONNECTORS);
  }

  /**
   * One counter factory: every counter counts in Beam's metrics and in the in-JVM mirror the live
   * progress line reads, so nothing calls {@code Metrics.counter} but {@link LiveMetrics} (in
   * transforms, not imported here) and {@code StageCounters} through it. {@code
   * io.tributary.io.jdbc} is left out until its own counters move to {@code LiveMetrics}.
   */
  @Test
  public void countersComeFromTheOneFactory() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.tributary.io.jdbc..")
        .and()
        .doNotBelongToAnyOf(LiveMetrics.class)
        .should()
        .callMethodWhere(target(owner(equivalentTo(Metrics.class))).and(target(name("counter"))))
        .because(
            "counters are made by LiveMetrics.counter or StageCounters, so the live progress line"
                + " sees every one of them")
        .check(CONNECTORS);
  }
}
