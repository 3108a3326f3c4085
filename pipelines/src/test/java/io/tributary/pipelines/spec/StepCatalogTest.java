package io.tributary.pipelines.spec;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.tributary.transforms.spec.StepProvider;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.transforms.SchemaTransformProvider;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Every step type is found through ServiceLoader, once, with a documented configuration: no
 * provider class is left out of its module's services file, and the CLI finds its jobs the same
 * way.
 */
@RunWith(JUnit4.class)
public class StepCatalogTest {
  @Test
  public void everyProviderClassIsRegistered() {
    Set<String> classes = new TreeSet<>();
    for (JavaClass c :
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.tributary")) {
      // Public, top-level providers are step types; a package's own helpers (such as the capture
      // sink of spec tests) are not registered on purpose.
      if (c.isAssignableTo(StepProvider.class)
          && !c.getModifiers().contains(JavaModifier.ABSTRACT)
          && c.getModifiers().contains(JavaModifier.PUBLIC)
          && c.isTopLevelClass()) {
        classes.add(c.getName());
      }
    }
    Set<String> registered = new TreeSet<>();
    for (SchemaTransformProvider p : StepCatalog.load().providers()) {
      if (p instanceof StepProvider) {
        registered.add(p.getClass().getName());
      }
    }
    assertThat(
        "every StepProvider is listed in META-INF/services of its module",
        registered,
        equalTo(classes));
  }

  @Test
  public void everyStepIsDocumented() {
    for (SchemaTransformProvider p : StepCatalog.load().providers()) {
      if (!(p instanceof StepProvider s)) {
        continue;
      }
      assertThat(s.typeName(), matchesPattern("[A-Z][A-Za-z0-9]*"));
      assertThat(
          s.identifier(), matchesPattern("beam:schematransform:io\\.tributary:[a-z0-9_]+:v1"));
      assertThat(s.typeName() + " description", s.description(), not(emptyString()));
      for (Schema.Field f : s.configurationSchema().getFields()) {
        assertThat(
            s.typeName() + "." + f.getName() + " has a description",
            f.getDescription(),
            not(emptyString()));
      }
    }
  }

  @Test
  public void catalogHasTheCoreTypes() {
    assertThat(
        StepCatalog.load().shortTypes(),
        hasItems(
            "ReadFiles",
            "Validate",
            "Protect",
            "EventTime",
            "Dedup",
            "Window",
            "Aggregate",
            "MapToFields",
            "Filter",
            "WriteLake",
            "WriteJsonLines"));
  }
}
