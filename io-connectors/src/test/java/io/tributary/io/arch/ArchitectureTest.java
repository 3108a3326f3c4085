package io.tributary.io.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
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
}
