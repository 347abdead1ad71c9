package dev.dazai.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The whole project's shape, checked on its compiled classes (app's test class path holds kernel,
 * adapters and app): hexagonal direction, clients where clients live, no global mutable state.
 * The kernel's own rules (no OS, Spring behind the machine) are in the kernel's LayeringTest.
 */
class ArchitectureTest {

    private final JavaClasses project = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.dazai");

    @Test
    void theDomainDependsOnNoPort() {
        noClasses().that().resideInAPackage("dev.dazai.kernel.domain..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.dazai.kernel.port..", "dev.dazai.kernel.machine..")
                .because("states, events, the gate and the policy are the spec's; ports are how the world is reached")
                .check(project);
    }

    @Test
    void theKernelKnowsNoAdapterAndNoApp() {
        noClasses().that().resideInAPackage("dev.dazai.kernel..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.dazai.adapters..", "dev.dazai.app..")
                .check(project);
    }

    @Test
    void adaptersNeverDependOnTheApp() {
        noClasses().that().resideInAPackage("dev.dazai.adapters..")
                .should().dependOnClassesThat().resideInAPackage("dev.dazai.app..")
                .because("the app wires adapters; an adapter that reached back into it would make a cycle")
                .check(project);
    }

    @Test
    void inboundAdaptersDoNotUseOutboundOnes() {
        noClasses().that().resideInAPackage("dev.dazai.adapters.in..")
                .should().dependOnClassesThat().resideInAPackage("dev.dazai.adapters.out..")
                .because("what drives the kernel and what the kernel drives meet only in the kernel and in app")
                .check(project);
    }

    @Test
    void clientsLiveInAppClient() {
        classes().that().haveSimpleNameEndingWith("Client")
                .should().resideInAPackage("dev.dazai.app.client..")
                .because("a client of the daemon is the app talking to itself, not an adapter of the daemon")
                .check(project);
    }

    @Test
    void noStaticMutableStateAnywhere() {
        fields().that().areStatic().should().beFinal()
                .because("no global mutable state: three races in the reference came from four globals")
                .check(project);
    }
}
