package kg.neo4j;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Runs a real Neo4j Community DBMS (embedded API) with only the Bolt connector, bound to
 * 127.0.0.1, for tests. Prints exactly one line {@code READY bolt://127.0.0.1:PORT} on stdout
 * once the default database is available, then blocks until SIGTERM/SIGINT, on which a shutdown
 * hook shuts the DBMS down cleanly (checkpoint, store files closed).
 *
 * <p>Community edition has only the {@code system} database and one user database (named by
 * {@code --database}, default {@code neo4j}); {@code CREATE DATABASE} is not supported.
 */
public final class Launcher {

    private static final String USAGE = String.join("\n",
            "usage: java -jar neo4j-launcher.jar --home DIR [options]",
            "  --home DIR            DBMS home; data in DIR/data, logs in DIR/logs (required)",
            "  --port N              Bolt port on 127.0.0.1 (default 7687; 0 = pick a free port)",
            "  --password PW         enable auth and set the password of user 'neo4j' to PW",
            "  --password-env VAR    the same, with the password read from environment variable VAR",
            "                        (omitted: auth disabled)",
            "  --data DIR            data directory (default HOME/data)",
            "  --log FILE            user log file (default HOME/logs/neo4j.log);",
            "                        debug.log is written beside it",
            "  --database NAME       name of the default database when the home is created",
            "                        (default neo4j; ignored for an existing home)",
            "  --pagecache SIZE      page cache (default 256m; allocated lazily)",
            "  --tx-memory SIZE      dbms-wide transaction memory cap (default 256m)",
            "  --tx-timeout SECONDS  transaction timeout, 0 = none (default 0)",
            "  --ready-file FILE     also write the bolt URI to FILE once ready",
            "  --exit-when-ready     shut down cleanly right after READY (smoke test, CDS training run)");

    public static void main(String[] args) {
        Map<String, String> opts;
        try {
            opts = parseArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("neo4j-launcher: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        try {
            run(opts);
        } catch (Throwable t) {
            System.err.println("neo4j-launcher: FAILED: " + t);
            t.printStackTrace(System.err);
            System.err.flush();
            // exit (not return): runs the shutdown hook if the DBMS was built, and does not wait
            // for the non-daemon threads of a half-started DBMS
            System.exit(1);
        }
    }

    private static void run(Map<String, String> opts) throws Exception {
        Path home = Path.of(opts.get("home")).toAbsolutePath();
        int port = Integer.parseInt(opts.getOrDefault("port", "7687"));
        // --password-env names an environment variable, so the password never shows in `ps`
        String password = opts.containsKey("password-env") ? System.getenv(opts.get("password-env"))
                : opts.get("password");
        if (password != null && password.isEmpty()) {
            throw new IllegalArgumentException("the password must not be empty (omit it to disable auth)");
        }
        boolean auth = password != null;
        Path logFile = opts.containsKey("log")
                ? Path.of(opts.get("log")).toAbsolutePath()
                : home.resolve("logs").resolve("neo4j.log");
        Path logsDir = logFile.getParent();
        Files.createDirectories(home);
        Files.createDirectories(logsDir);

        OutputStream userLogStream = new FileOutputStream(logFile.toFile(), true);
        Log4jLogProvider userLog = new Log4jLogProvider(userLogStream, Level.INFO);

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setUserLogProvider(userLog)
                // connectors: Bolt only, loopback only, no TLS
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(BoltConnector.thread_pool_min_size, 2)
                .setConfig(BoltConnector.thread_pool_max_size, 64)
                // Netty's default 5 s quiet period makes every shutdown take 5 s longer
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(3))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                // security
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(GraphDatabaseSettings.auth_minimum_password_length, 1)
                // tests hammer wrong passwords on purpose; do not lock the user out
                .setConfig(GraphDatabaseSettings.auth_max_failed_attempts, 0)
                // memory, sized for a small (2-core) test machine
                .setConfig(GraphDatabaseSettings.pagecache_memory,
                        parseSize(opts.getOrDefault("pagecache", "256m")))
                .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size,
                        parseSize(opts.getOrDefault("tx-memory", "256m")))
                // on SIGTERM wait at most 2 s (default 10 s) for open transactions before
                // terminating them, so a test teardown with a leaked transaction stays fast
                .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(2))
                .setConfig(GraphDatabaseSettings.transaction_timeout,
                        Duration.ofSeconds(Long.parseLong(opts.getOrDefault("tx-timeout", "0"))))
                // disk: no 256 MiB pre-allocated transaction log files
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, parseSize("32m"))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
                // files
                .setConfig(GraphDatabaseSettings.logs_directory, logsDir)
                .setConfig(GraphDatabaseSettings.udc_enabled, false);
        if (opts.containsKey("data")) {
            builder.setConfig(GraphDatabaseSettings.data_directory,
                    Path.of(opts.get("data")).toAbsolutePath());
        }
        if (opts.containsKey("database")) {
            builder.setConfig(GraphDatabaseSettings.initial_default_database, opts.get("database"));
        }

        DatabaseManagementService dbms = builder.build();
        long tBuilt = System.nanoTime();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dbms.shutdown();
                System.err.println("neo4j-launcher: STOPPED");
            } catch (Throwable t) {
                System.err.println("neo4j-launcher: shutdown failed: " + t);
            } finally {
                try {
                    userLog.close();
                    userLogStream.close();
                } catch (IOException ignored) {
                    // best effort
                }
                stopped.countDown();
            }
        }, "neo4j-launcher-shutdown"));

        GraphDatabaseService system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        if (!system.isAvailable(120_000)) {
            throw new IllegalStateException("system database not available after 120 s");
        }
        if (auth) {
            setPassword(system, password);
        }
        String defaultDb = defaultDatabaseName(system);
        GraphDatabaseService db = dbms.database(defaultDb);
        if (!db.isAvailable(120_000)) {
            throw new IllegalStateException("database '" + defaultDb + "' not available after 120 s");
        }

        int boltPort = ((GraphDatabaseAPI) system).getDependencyResolver()
                .resolveDependency(ConnectorPortRegister.class)
                .getLocalAddress(ConnectorType.BOLT)
                .getPort();
        String uri = "bolt://127.0.0.1:" + boltPort;
        if (opts.containsKey("ready-file")) {
            Path readyFile = Path.of(opts.get("ready-file"));
            Path tmp = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
            Files.writeString(tmp, uri + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, readyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        long tReady = System.nanoTime();
        System.err.printf(Locale.ROOT,
                "neo4j-launcher: database '%s' available after %d ms (JVM start to DBMS started %d ms,"
                        + " then first Cypher queries %d ms), auth %s, home %s%n",
                defaultDb, ManagementFactory.getRuntimeMXBean().getUptime(),
                ManagementFactory.getRuntimeMXBean().getUptime() - (tReady - tBuilt) / 1_000_000,
                (tReady - tBuilt) / 1_000_000, auth ? "on" : "off", home);
        PrintStream out = System.out;
        out.println("READY " + uri);
        out.flush();

        if (opts.containsKey("exit-when-ready")) {
            System.exit(0); // runs the shutdown hook
        }
        stopped.await(); // woken only by the shutdown hook; the JVM exits right after it
    }

    /** Sets the password of user neo4j (also clears the "change required" flag of a fresh home). */
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PLAINTEXT PASSWORD $pw CHANGE NOT REQUIRED",
                    Map.of("pw", password));
        } catch (RuntimeException e) {
            // restart of an existing home with the same password: nothing to change
            if (!String.valueOf(messageChain(e)).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }

    private static String defaultDatabaseName(GraphDatabaseService system) {
        return system.executeTransactionally(
                "SHOW DEFAULT DATABASE YIELD name RETURN name", Map.of(),
                r -> r.hasNext() ? (String) r.next().get("name") : GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    }

    private static String messageChain(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    private static Map<String, String> parseArgs(String[] args) {
        Map<String, String> opts = new java.util.HashMap<>();
        java.util.Set<String> known = java.util.Set.of("home", "port", "password", "password-env", "data", "log",
                "database", "pagecache", "tx-memory", "tx-timeout", "ready-file");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String key = a.substring(2);
            if (key.equals("exit-when-ready")) {
                opts.put(key, "true");
                continue;
            }
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + a);
                }
                value = args[++i];
            }
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown option: --" + key);
            }
            opts.put(key, value);
        }
        if (!opts.containsKey("home")) {
            throw new IllegalArgumentException("--home is required");
        }
        if (opts.containsKey("password") && opts.get("password").isEmpty()) {
            throw new IllegalArgumentException("--password must not be empty (omit it to disable auth)");
        }
        return opts;
    }

    /** "256m", "1g", "512k", "1048576" -> bytes. */
    static long parseSize(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("ib")) {
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("b") && v.length() > 1 && !Character.isDigit(v.charAt(v.length() - 2))) {
            v = v.substring(0, v.length() - 1);
        }
        long mult = 1;
        char last = v.charAt(v.length() - 1);
        switch (last) {
            case 'k': mult = 1L << 10; break;
            case 'm': mult = 1L << 20; break;
            case 'g': mult = 1L << 30; break;
            default: break;
        }
        if (mult != 1) {
            v = v.substring(0, v.length() - 1);
        }
        return Long.parseLong(v.trim()) * mult;
    }
}
