package dev.crabstore.cli;

import java.lang.reflect.Constructor;
import picocli.CommandLine;

/** Creates command objects, handing the {@link CliContext} to those whose constructor takes one. */
final class ContextFactory implements CommandLine.IFactory {
    private final CliContext context;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    ContextFactory(CliContext context) {
        this.context = context;
    }

    @Override
    public <K> K create(Class<K> cls) throws Exception {
        try {
            Constructor<K> c = cls.getDeclaredConstructor(CliContext.class);
            return c.newInstance(context);
        } catch (NoSuchMethodException e) {
            return fallback.create(cls);
        }
    }
}
