package dev.crabstore.testkit.fuzz;

import dev.crabstore.testkit.Tools;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Runs a parser on hostile inputs and checks each outcome: the input is accepted, or rejected with one of the
 * parser's documented exception types whose message is not empty and names the source; never another exception or
 * an {@link Error} (stack overflow, out of memory), never longer than the per-input timeout (a hang), never more
 * allocation than a bound proportional to the input (a declared length of 2^62 must not be believed), and whatever
 * {@link Builder#afterEach} checks (nothing written outside a target directory).
 *
 * <p>Two runs per parser: {@link #corpus} replays the checked-in corpus under
 * {@code src/test/resources/fuzz/<name>/} (at least {@value #MIN_CORPUS} malformed inputs, made once by the engine;
 * {@code -Dcrabstore.fuzz.regenerate=true} remakes the {@code gen-*} files, {@code bug-*} files are regressions kept
 * by hand, {@code *.stored.gz} ones gzipped when large), and {@link #random} makes new inputs for a bounded time ({@code -Dcrabstore.fuzz.seconds=N}, default
 * {@value #DEFAULT_SECONDS}) from a printed seed ({@code -Dcrabstore.fuzz.seed=S} replays it). A failing input is
 * saved under {@code target/fuzz-failures/<name>/}.
 */
public final class Fuzzer {
    public static final int MIN_CORPUS = 200;
    public static final double DEFAULT_SECONDS = 5;
    private static final long GENERATION_SEED = 0x5eed_c0de_2025L;
    /** Suffix of corpus files stored gzipped (regressions too large to keep as they are). */
    public static final String STORED_GZ = ".stored.gz";

    private final String name;
    private final String extension;
    private final FuzzTarget target;
    private final List<Class<? extends Throwable>> rejections;
    private final Function<byte[], String> expectedSource;
    private final Runnable afterEach;
    private final int maxCorpusBytes;
    private final int corpusSize;
    private final boolean corpusKeepsAccepted;

    private Fuzzer(Builder b) {
        this.name = b.name;
        this.extension = b.extension;
        this.target = Objects.requireNonNull(b.target, "target");
        this.rejections = List.copyOf(b.rejections);
        this.expectedSource = b.expectedSource;
        this.afterEach = b.afterEach;
        this.maxCorpusBytes = b.maxCorpusBytes;
        this.corpusSize = b.corpusSize;
        this.corpusKeepsAccepted = b.corpusKeepsAccepted;
    }

    /** @param name the parser's corpus directory name ({@code narinfo}, {@code cargo-lock}) */
    public static Builder forParser(String name) {
        return new Builder(name);
    }

    public static final class Builder {
        private final String name;
        private String extension = "bin";
        private FuzzTarget target;
        private final List<Class<? extends Throwable>> rejections = new ArrayList<>();
        private Function<byte[], String> expectedSource;
        private Runnable afterEach = () -> { };
        private int maxCorpusBytes = 4 * 1024;
        private int corpusSize = 220;
        private boolean corpusKeepsAccepted;

        private Builder(String name) {
            this.name = name;
        }

        /** The corpus files' extension ({@code toml}, {@code json}, {@code nar}, {@code tar.gz}). */
        public Builder extension(String ext) {
            this.extension = ext;
            return this;
        }

        public Builder target(FuzzTarget t) {
            this.target = t;
            return this;
        }

        /** The documented exception types a rejection may have (subclasses included). */
        @SafeVarargs
        public final Builder rejectsWith(Class<? extends Throwable>... types) {
            rejections.addAll(List.of(types));
            return this;
        }

        /** Every rejection message must contain this (the file or source name the target passed). */
        public Builder messageNames(String source) {
            this.expectedSource = b -> source;
            return this;
        }

        /** Like {@link #messageNames(String)}, when the expected text depends on the input. */
        public Builder messageNames(Function<byte[], String> source) {
            this.expectedSource = source;
            return this;
        }

        /** A check run after every input (on the calling thread); it throws {@link AssertionError} on a violation. */
        public Builder afterEach(Runnable check) {
            this.afterEach = check;
            return this;
        }

        /** Largest generated corpus file (default 4 KiB), to keep the checked-in corpora small. */
        public Builder maxCorpusBytes(int n) {
            this.maxCorpusBytes = n;
            return this;
        }

        /** How many {@code gen-*} files regeneration writes (default 220). */
        public Builder corpusSize(int n) {
            this.corpusSize = n;
            return this;
        }

        /**
         * Regeneration keeps mutated inputs the parser accepts, too: for lenient formats (Nix ignores unknown lines of
         * {@code nix-cache-info}), where few mutations are errors.
         */
        public Builder corpusKeepsAccepted() {
            this.corpusKeepsAccepted = true;
            return this;
        }

        public Fuzzer build() {
            if (rejections.isEmpty()) {
                throw new IllegalStateException(name + ": no documented rejection type");
            }
            return new Fuzzer(this);
        }
    }

    /** What one input did. */
    public record Outcome(boolean accepted, Throwable rejection, String failure, Throwable cause) {
        public boolean failed() {
            return failure != null;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Checks one input; the failure, if any, is in the outcome. */
    public Outcome check(byte[] input) {
        try (Runner runner = new Runner()) {
            return runner.check(input);
        }
    }

    /**
     * Replays the checked-in corpus, after regenerating its {@code gen-*} files from {@code generator} when
     * {@code crabstore.fuzz.regenerate} is set; fails listing every input that failed, and if there are fewer than
     * {@value #MIN_CORPUS} files.
     */
    public void corpus(InputSource generator) {
        Path dir = corpusDir();
        if (Boolean.getBoolean("crabstore.fuzz.regenerate")) {
            regenerate(dir, generator);
        }
        if (!Files.isDirectory(dir)) {
            throw new AssertionError(name + ": no corpus at " + dir.toAbsolutePath()
                    + " (make it with -Dcrabstore.fuzz.regenerate=true)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> failures = new ArrayList<>();
        Throwable firstCause = null;
        int rejected = 0;
        try (Runner runner = new Runner()) {
            for (Path f : files) {
                byte[] data = read(f);
                Outcome o = runner.check(data);
                if (o.failed()) {
                    failures.add(f.getFileName() + ": " + o.failure());
                    firstCause = firstCause == null ? o.cause() : firstCause;
                } else if (!o.accepted()) {
                    rejected++;
                }
            }
        }
        System.out.printf("[fuzz] %s: corpus of %d inputs, %d rejected, %d accepted, %d failures%n", name,
                files.size(), rejected, files.size() - rejected - failures.size(), failures.size());
        if (!failures.isEmpty()) {
            throw new AssertionError(name + ": " + failures.size() + " corpus inputs failed:\n  "
                    + String.join("\n  ", failures.subList(0, Math.min(20, failures.size()))), firstCause);
        }
        if (files.size() < MIN_CORPUS) {
            throw new AssertionError(name + ": the corpus at " + dir + " has " + files.size() + " inputs, fewer than "
                    + MIN_CORPUS);
        }
    }

    /** Checks inputs from {@code source} for {@code crabstore.fuzz.seconds}; stops at the first failure. */
    public void random(InputSource source) {
        double seconds = Double.parseDouble(System.getProperty("crabstore.fuzz.seconds", "" + DEFAULT_SECONDS));
        String fixed = System.getProperty("crabstore.fuzz.seed");
        long seed = fixed != null && !fixed.isBlank() ? Long.parseLong(fixed.strip())
                : Tools.inCi() ? ciSeed(name) : System.nanoTime() ^ System.currentTimeMillis() * 31;
        String replay = "-Dcrabstore.fuzz.seed=" + seed;
        System.out.printf("[fuzz] %s: random run for %.1f s, seed %d (replay with %s)%n", name, seconds, seed, replay);
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long n = 0;
        long accepted = 0;
        try (Runner runner = new Runner()) {
            while (System.nanoTime() < deadline) {
                Random r = new Random(iterationSeed(seed, n));
                FuzzInput in;
                try {
                    in = source.next(r);
                } catch (RuntimeException e) {
                    throw new AssertionError(name + ": the input generator failed at iteration " + n + " of seed "
                            + seed, e);
                }
                Outcome o = runner.check(in.data());
                if (o.failed()) {
                    Path saved = saveFailure(in);
                    throw new AssertionError(name + ": input " + n + " (" + in.how() + ", " + in.data().length
                            + " bytes) of seed " + seed + " failed: " + o.failure() + "\n  saved to "
                            + saved.toAbsolutePath() + "\n  replay with " + replay, o.cause());
                }
                accepted += o.accepted() ? 1 : 0;
                n++;
            }
        }
        System.out.printf("[fuzz] %s: %d inputs (%d accepted, %d rejected), no failure; seed %d%n", name, n, accepted,
                n - accepted, seed);
    }

    /**
     * CI replays the same inputs on every run, so that whether a commit lands does not depend on luck; new inputs
     * come from local runs and longer campaigns (docs/architecture.md), whose finds become {@code bug-*} files.
     */
    static long ciSeed(String name) {
        return iterationSeed(GENERATION_SEED, name.hashCode());
    }

    static long iterationSeed(long seed, long i) {
        long z = seed + 0x9e3779b97f4a7c15L * (i + 1);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** {@code src/test/resources/fuzz/<name>} of the module under test (surefire's working directory). */
    public Path corpusDir() {
        return Path.of("src", "test", "resources", "fuzz", name);
    }

    private void regenerate(Path dir, InputSource generator) {
        try {
            Files.createDirectories(dir);
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.filter(p -> p.getFileName().toString().startsWith("gen-")).toList()) {
                    Files.delete(p);
                }
            }
            Set<String> seen = new HashSet<>();
            List<String> failures = new ArrayList<>();
            int kept = 0;
            try (Runner runner = new Runner()) {
                for (long i = 0; kept < corpusSize && i < 200L * corpusSize; i++) {
                    FuzzInput in = generator.next(new Random(iterationSeed(GENERATION_SEED, i)));
                    if (in.data().length > maxCorpusBytes || !seen.add(sha(in.data()))) {
                        continue;
                    }
                    Outcome o = runner.check(in.data());
                    if (o.failed()) {
                        failures.add(in.how() + " saved to " + saveFailure(in).toAbsolutePath() + ": " + o.failure());
                    } else if (!o.accepted() || corpusKeepsAccepted) {
                        String how = in.how().length() > 40 ? in.how().substring(0, 40) : in.how();
                        Files.write(dir.resolve(String.format("gen-%03d-%s.%s", kept, how, extension)), in.data());
                        kept++;
                    }
                }
            }
            System.out.printf("[fuzz] %s: regenerated %d corpus inputs in %s%n", name, kept, dir);
            if (!failures.isEmpty()) {
                throw new AssertionError(name + ": " + failures.size() + " generated inputs failed:\n  "
                        + String.join("\n  ", failures.subList(0, Math.min(20, failures.size()))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path saveFailure(FuzzInput in) {
        Path dir = Path.of("target", "fuzz-failures", name);
        Path f = dir.resolve(in.how() + "-" + sha(in.data()).substring(0, 12) + "." + extension);
        try {
            Files.createDirectories(dir);
            Files.write(f, in.data());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    /** A corpus file; {@code *.stored.gz} files (large regressions kept small) are gunzipped. */
    private static byte[] read(Path f) {
        try {
            byte[] b = Files.readAllBytes(f);
            if (f.getFileName().toString().endsWith(STORED_GZ)) {
                try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(b))) {
                    return in.readAllBytes();
                }
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Runs inputs one at a time on a worker thread of the default stack size, so that a hang can be abandoned. */
    private final class Runner implements AutoCloseable {
        private final long timeoutMillis = Long.getLong("crabstore.fuzz.timeoutMillis", 2000);
        private final long allocBase = Long.getLong("crabstore.fuzz.maxAllocMb", 128) << 20;
        private ExecutorService worker = newWorker();

        private ExecutorService newWorker() {
            return Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "fuzz-" + name);
                t.setDaemon(true);
                return t;
            });
        }

        private record Result(Throwable thrown, long allocated) {}

        Outcome check(byte[] input) {
            Result res = null;
            // A timeout is retried once on a fresh thread, so that a pause of a loaded machine is not called a hang.
            for (int attempt = 0; attempt < 2 && res == null; attempt++) {
                Future<Result> f = worker.submit(() -> {
                    long before = allocated();
                    Throwable thrown = null;
                    try {
                        target.run(input);
                    } catch (Throwable t) {
                        thrown = t;
                    }
                    return new Result(thrown, allocated() - before);
                });
                try {
                    res = f.get(timeoutMillis, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    worker.shutdownNow();
                    worker = newWorker();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                } catch (ExecutionException e) {
                    return new Outcome(false, null, "the harness failed: " + e.getCause(), e.getCause());
                }
            }
            if (res == null) {
                return new Outcome(false, null, "no result within " + timeoutMillis + " ms, twice (a hang?)", null);
            }
            long limit = allocBase + 128L * input.length;
            if (res.allocated() > limit) {
                return new Outcome(false, res.thrown(), "allocated " + (res.allocated() >> 20) + " MiB for an input of "
                        + input.length + " bytes (limit " + (limit >> 20) + " MiB)", res.thrown());
            }
            try {
                afterEach.run();
            } catch (AssertionError e) {
                return new Outcome(false, res.thrown(), e.getMessage(), e);
            }
            Throwable t = res.thrown();
            if (t == null) {
                return new Outcome(true, null, null, null);
            }
            if (rejections.stream().noneMatch(c -> c.isInstance(t))) {
                return new Outcome(false, t, "threw " + t.getClass().getName() + " (documented: "
                        + rejections.stream().map(Class::getSimpleName).toList() + "): " + t.getMessage()
                        + "\n" + stackTop(t), t);
            }
            String msg = t.getMessage();
            if (msg == null || msg.isBlank()) {
                return new Outcome(false, t, t.getClass().getSimpleName() + " with an empty message", t);
            }
            if (expectedSource != null) {
                String src = expectedSource.apply(input);
                if (src != null && !msg.contains(src)) {
                    return new Outcome(false, t, "message does not name the source '" + src + "': " + msg, t);
                }
            }
            return new Outcome(false, t, null, null);
        }

        @Override
        public void close() {
            worker.shutdownNow();
        }
    }

    private static String stackTop(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        String[] lines = sw.toString().split("\n");
        return String.join("\n", java.util.Arrays.copyOf(lines, Math.min(lines.length, 12)));
    }

    private static long allocated() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean b
                && b.isThreadAllocatedMemorySupported() && b.isThreadAllocatedMemoryEnabled()) {
            return b.getCurrentThreadAllocatedBytes();
        }
        return 0;
    }
}
