package io.tributary.transforms.arch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaAccess.Predicates.origin;
import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.tributary.transforms.metrics.LiveMetrics;
import org.apache.beam.sdk.metrics.Metrics;
import org.joda.time.Duration;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Module boundaries of tributary-transforms (docs/architecture.md), enforced. */
@RunWith(JUnit4.class)
public class ArchitectureTest {
  private static final JavaClasses LIBRARY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.tributary.transforms");

  @Test
  public void transformsDoNotDependOnConnectorsOrPipelines() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.tributary.io..", "io.tributary.pipelines..")
        .because("transforms are the base layer; connectors and pipelines build on them")
        .check(LIBRARY);
  }

  @Test
  public void transformsDoNotDependOnAnyRunner() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.beam.runners..", "org.apache.flink..")
        .because("the same transforms must run on every runner; runner choice is an option")
        .check(LIBRARY);
  }

  @Test
  public void noJavaSerializationCoders() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("org.apache.beam.sdk.coders.SerializableCoder")
        .because("coders follow from schemas; SerializableCoder is a bug (ARCHITECTURE.md)")
        .check(LIBRARY);
  }

  @Test
  public void countersComeFromTheOneFactory() {
    noClasses()
        .that()
        .doNotBelongToAnyOf(LiveMetrics.class)
        .should()
        .callMethodWhere(target(owner(equivalentTo(Metrics.class))).and(target(name("counter"))))
        .because(
            "counters are made by LiveMetrics.counter or StageCounters, so the live progress line"
                + " sees every one of them")
        .check(LIBRARY);
  }

  @Test
  public void foundationPackagesDependOnNothingAboveThem() {
    // metrics, limits and values are the floor: every stage counts, bounds and builds with them.
    for (String floor : new String[] {"metrics", "limits", "values"}) {
      noClasses()
          .that()
          .resideInAPackage("io.tributary.transforms." + floor + "..")
          .should()
          .dependOnClassesThat(
              resideInAPackage("io.tributary.transforms..")
                  .and(not(resideInAPackage("io.tributary.transforms." + floor + ".."))))
          .because(floor + " is a foundation package: other packages use it, never the reverse")
          .check(LIBRARY);
    }
    // errors routes dead letters and counts them with metrics; nothing else below it.
    noClasses()
        .that()
        .resideInAPackage("io.tributary.transforms.errors..")
        .should()
        .dependOnClassesThat(
            resideInAPackage("io.tributary.transforms..")
                .and(
                    not(
                        resideInAnyPackage(
                            "io.tributary.transforms.errors..",
                            "io.tributary.transforms.metrics.."))))
        .because("errors sits on metrics only, so that every stage can use both")
        .check(LIBRARY);
  }

  @Test
  public void timestampSkewsAreTheSharedConstant() {
    // Duration.millis(Long.MAX_VALUE) overflowed at the minimum timestamp: an exception per
    // element of a bounded input, a seventh of the clickstream job's CPU (docs/performance.md).
    noClasses()
        .should()
        .callMethodWhere(
            target(owner(equivalentTo(Duration.class)))
                .and(target(name("millis")))
                .and(origin(name("getAllowedTimestampSkew"))))
        .because(
            "a skew built per DoFn tends to be Long.MAX_VALUE; use Durations.ANY_TIMESTAMP_SKEW")
        .check(LIBRARY);
  }

  @Test
  public void packagesHaveNoCycles() {
    // One slice per top-level package: the quality.* sub-packages are one slice (they still refer
    // to each other), every other package must not reach back to one that uses it.
    slices()
        .matching("io.tributary.transforms.(*)..")
        .should()
        .beFreeOfCycles()
        .because("a package cycle means neither package can be understood or changed alone")
        .check(LIBRARY);
  }
}
