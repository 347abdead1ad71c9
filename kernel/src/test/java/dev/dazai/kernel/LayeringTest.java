package dev.dazai.kernel;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The kernel knows no OS, and holds no global state: enforced, not hoped for. */
class LayeringTest {

    private final JavaClasses kernel = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.dazai.kernel");

    @Test
    void theKernelImportsNoAdapterNoNativeCodeAndNoOs() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "dev.dazai.adapters..", "dev.dazai.app..", "jnr..", "com.kenai..", "java.net..", "sun.misc..")
                .orShould().dependOnClassesThat().belongToAnyOf(java.io.File.class, ProcessBuilder.class, Process.class)
                .because("the kernel decides; adapters touch the OS")
                .check(kernel);
    }

    @Test
    void noStaticMutableState() {
        fields().that().areStatic().should().beFinal()
                .because("no global mutable state: three races in the reference came from four globals")
                .check(kernel);
    }

    @Test
    void springStaysBehindTheMachinePackage() {
        noClasses().that().resideOutsideOfPackage("dev.dazai.kernel.machine..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "reactor..")
                .because("Spring types stay behind SwitchMachine, so the machine can be replaced")
                .check(kernel);
    }

    @Test
    void portsDependOnNothingButTheDomain() {
        noClasses().that().resideInAPackage("dev.dazai.kernel.port..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.dazai.kernel.machine..")
                .check(kernel);
    }
}
