package dev.crabstore.store.local;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * A {@link LocalStore} being opened ({@link LocalStore#open}: SQLite's native library and schema, crash recovery) on
 * a thread of its own, so that a command can plan meanwhile on the other core: about 0.13 s of an edit build.
 * {@link #get()} waits for it; {@link #close()} waits too, then closes the store if it opened. A failure to open is
 * thrown by {@code get()}, as {@code LocalStore.open} threw it.
 */
public final class OpeningStore implements Supplier<LocalStore>, AutoCloseable {
    private final StoreHome home;
    private final CompletableFuture<LocalStore> opened = new CompletableFuture<>();

    private OpeningStore(StoreHome home) {
        this.home = home;
    }

    /** Starts opening the store at {@code home}. */
    public static OpeningStore start(StoreHome home, Clock clock) {
        OpeningStore o = new OpeningStore(home);
        // Its own thread, not the common pool: that may be busy running cargo (one thread on two cores).
        Thread t = new Thread(() -> {
            try {
                o.opened.complete(LocalStore.open(home, clock));
            } catch (Throwable e) {
                o.opened.completeExceptionally(e);
            }
        }, "store-open");
        t.setDaemon(true);
        t.start();
        return o;
    }

    /** The store's home, known before it is open (its store dir, where its files are). */
    public StoreHome home() {
        return home;
    }

    /** The open store, once it is. */
    @Override
    public LocalStore get() {
        try {
            return opened.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Waits for the opening to end, then closes the store if it opened (a failure was for {@link #get()} to tell). */
    @Override
    public void close() {
        LocalStore s;
        try {
            s = opened.join();
        } catch (CompletionException e) {
            return;
        }
        s.close();
    }
}
