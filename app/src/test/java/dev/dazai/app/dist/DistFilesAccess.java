package dev.dazai.app.dist;

import java.io.IOException;
import java.nio.file.Path;

/** Lets tests of other packages write the generated distribution files into a directory of theirs. */
public final class DistFilesAccess {

    private DistFilesAccess() {
    }

    public static void write(Path tree) throws IOException {
        DistFiles.main(new String[] {tree.toString()});
    }
}
