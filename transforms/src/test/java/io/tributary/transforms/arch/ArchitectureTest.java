package io.tributary.transforms.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Module boundaries of tributary-transforms (ARCHITECTURE.md), enforced. */
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
}
