package dev.dazai.app.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The version the shaded jar's manifest carries; from classes (the man pages are generated
 * before the jar exists) the one Maven wrote into dev/dazai/app/version.properties; else "dev".
 */
public final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {
            "dazai " + version(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        };
    }

    static String version() {
        String v = VersionProvider.class.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try (InputStream in = VersionProvider.class.getResourceAsStream("/dev/dazai/app/version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String built = p.getProperty("version");
                if (built != null && !built.isBlank() && !built.startsWith("$")) {
                    return built;
                }
            }
        } catch (IOException e) {
            // Fall through: a version is a courtesy, not worth a failure.
        }
        return "dev";
    }
}
