package wsarena;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;

/**
 * java-threads / java-virtual-threads: a JDK-only WebSocket server (blocking java.net sockets, RFC 6455 by
 * hand) where every connection has ONE thread doing its blocking reads and writes for the connection's
 * life. --thread-kind picks the ThreadFactory, platform or virtual; that is the only difference. See
 * servers/java-threads/README.md.
 */
public final class Main {
  private Main() {}

  static final String READY_PREFIX = "WSARENA_READY ";
  static final String LIBRARY = "jdk java.net + hand-written RFC 6455";
  static final String PARALLELISM_PROPERTY = "jdk.virtualThreadScheduler.parallelism";
  /** Environment variable the launcher sets to "stdin": end-of-file on stdin means the launcher is gone. */
  static final String LIFELINE_ENV = "WSARENA_LIFELINE";
  static final int USAGE_EXIT_CODE = 2;
  /** A graceful shutdown ends the process after this long, whatever is left. */
  static final long SHUTDOWN_GRACE_MS = 1900;

  public static void main(String[] args) {
    Flags flags;
    ThreadFactory threadFactory;
    Integer carrierParallelism = null;
    try {
      flags = Flags.parse(args);
      if (flags.threadKind.equals(Threads.VIRTUAL)) {
        carrierParallelism = applyParallelism(flags);
        threadFactory = Threads.virtual();
      } else {
        threadFactory = Threads.platform();
      }
    } catch (Flags.UsageException e) {
      String name = guessName(args);
      System.err.println(name + ": " + e.getMessage());
      System.exit(USAGE_EXIT_CODE);
      return;
    }
    String name = flags.serverName();

    ServerSocket listener;
    try {
      listener = new ServerSocket();
      listener.bind(new InetSocketAddress(flags.host, flags.port), Server.LISTEN_BACKLOG);
    } catch (IOException e) {
      // The launcher recognises this exact text (servers/common/listen-errors.ts portInUseMessage).
      if (e instanceof BindException && String.valueOf(e.getMessage()).contains("in use")) {
        System.err.println(name + ": port " + flags.port + " on " + flags.host + " is already in use");
      } else {
        System.err.println(name + ": cannot listen on " + flags.host + ":" + flags.port + ": " + e);
      }
      System.exit(USAGE_EXIT_CODE);
      return;
    }

    Server server = new Server(flags, listener, threadFactory);
    server.startStall();
    installStopHandlers(server);

    // The listen socket already queues connections, so announcing now is not early.
    System.out.println(READY_PREFIX + readyLine(flags, listener.getLocalPort(), carrierParallelism));
    System.out.flush();
    server.acceptLoop();
  }

  private static String guessName(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--thread-kind=virtual") || (args[i].equals("--thread-kind") && i + 1 < args.length && args[i + 1].equals("virtual"))) {
        return "java-virtual-threads";
      }
    }
    return "java-threads";
  }

  /**
   * The virtual-thread scheduler's parallelism (its carrier threads). The spec sets it with
   * -Djdk.virtualThreadScheduler.parallelism on the java command line; --threads says the same, and when
   * the property is absent (a hand-started server) it is set here, before the first virtual thread exists.
   */
  private static int applyParallelism(Flags flags) throws Flags.UsageException {
    String property = System.getProperty(PARALLELISM_PROPERTY);
    if (flags.threads > 0) {
      if (property == null) {
        System.setProperty(PARALLELISM_PROPERTY, String.valueOf(flags.threads));
      } else if (!property.trim().equals(String.valueOf(flags.threads))) {
        throw new Flags.UsageException("--threads \"" + flags.threads + "\": disagrees with -D" + PARALLELISM_PROPERTY + "=" + property
            + "; allowed: the same value, or either alone");
      }
      return flags.threads;
    }
    if (property != null) {
      try {
        return Integer.parseInt(property.trim());
      } catch (NumberFormatException e) {
        throw new Flags.UsageException("-D" + PARALLELISM_PROPERTY + " \"" + property + "\": must be an integer");
      }
    }
    // The JDK's default: the processors this process may run on (taskset narrows it).
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * SIGTERM and SIGINT run the shutdown hook; EOF on stdin (WSARENA_LIFELINE=stdin) calls System.exit, which
   * runs it too. The hook closes gracefully and then halts with status 0 (a JVM ending on SIGTERM would
   * otherwise exit 143); a watchdog halts anyway if the graceful part takes too long.
   */
  private static void installStopHandlers(Server server) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Thread watchdog = new Thread(() -> {
        try {
          Thread.sleep(SHUTDOWN_GRACE_MS);
        } catch (InterruptedException e) {
          return;
        }
        System.err.println(server.name + ": shutdown took over " + SHUTDOWN_GRACE_MS + " ms; exiting anyway");
        Runtime.getRuntime().halt(0);
      }, "shutdown-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
      server.shutdown();
      Runtime.getRuntime().halt(0);
    }, "shutdown"));

    if ("stdin".equals(System.getenv(LIFELINE_ENV))) {
      Thread lifeline = new Thread(() -> {
        // The launcher never writes; reading only waits for end-of-file (or an error: same meaning).
        byte[] sink = new byte[256];
        InputStream in = System.in;
        try {
          while (in.read(sink) >= 0) {
            // discard
          }
        } catch (IOException e) {
          // same as end-of-file
        }
        System.exit(0);
      }, "lifeline");
      lifeline.setDaemon(true);
      lifeline.start();
    }
  }

  /** The ReadyAnnouncement (protocol/wire.ts) with the knobs as applied. */
  private static String readyLine(Flags flags, int port, Integer carrierParallelism) {
    boolean virtual = flags.threadKind.equals(Threads.VIRTUAL);
    Map<String, Object> knobs = new LinkedHashMap<>();
    knobs.put("library", LIBRARY);
    knobs.put("javaVersion", Runtime.version().toString());
    knobs.put("javaVendor", System.getProperty("java.vendor"));
    knobs.put("javaVm", System.getProperty("java.vm.name"));
    // JVM ergonomics (GC, heap, stack) are left at their defaults; recorded here because they change results.
    knobs.put("gc", gcNames());
    Long stackKiB = vmOptionLong("ThreadStackSize");
    knobs.put("xssBytes", stackKiB == null ? null : stackKiB * 1024);
    Long maxHeap = vmOptionLong("MaxHeapSize");
    knobs.put("xmxBytes", maxHeap != null ? maxHeap : Runtime.getRuntime().maxMemory());
    knobs.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    knobs.put("threadKind", flags.threadKind);
    knobs.put("connectionThreads", virtual
        ? "one virtual thread per connection, started on accept, ends with the connection"
        : flags.maxThreads > 0
            ? "fixed pool of " + flags.maxThreads + " platform threads; a connection holds one for its whole life, later ones wait in the listen backlog"
            : "one platform thread per connection, started on accept, ends with the connection");
    knobs.put("maxThreads", flags.maxThreads > 0 ? Integer.valueOf(flags.maxThreads) : null);
    // `threads` counts the threads that do not follow connections, as ws-thread-per-conn reports 1 (its
    // main thread): java-threads' acceptor thread; in pool mode the pool's N threads; for virtual threads
    // the carrier threads, the OS threads every connection's code runs on.
    knobs.put("threads", virtual ? carrierParallelism : flags.maxThreads > 0 ? flags.maxThreads : 1);
    knobs.put("carrierParallelism", virtual ? carrierParallelism : null);
    knobs.put("stallEveryMs", flags.stallEveryMs > 0 ? Integer.valueOf(flags.stallEveryMs) : null);
    knobs.put("stallMs", flags.stallEveryMs > 0 ? Integer.valueOf(flags.stallMs) : null);
    knobs.put("perMessageDeflate", false);
    knobs.put("maxPayloadBytes", FrameReader.MAX_PAYLOAD_BYTES);
    knobs.put("tcpNoDelay", Server.TCP_NO_DELAY);
    knobs.put("idleTimeoutSec", 0);
    knobs.put("readBufferBytes", InputBuffer.SIZE);
    knobs.put("writeBufferBytes", FrameWriter.SIZE);
    knobs.put("listenBacklog", Server.LISTEN_BACKLOG);
    // 0 = nothing queues: a write blocks its thread until the kernel takes the bytes; nothing is dropped.
    knobs.put("maxBackpressureBytes", 0);
    knobs.put("broadcastVia", "sender thread writes to every connection in turn, per-connection ReentrantLock");

    Map<String, Object> ready = new LinkedHashMap<>();
    ready.put("server", flags.serverName());
    String host = flags.host.contains(":") ? "[" + flags.host + "]" : flags.host;
    ready.put("url", "ws://" + host + ":" + port + "/");
    ready.put("port", port);
    ready.put("pid", ProcessHandle.current().pid());
    ready.put("knobs", knobs);
    return Json.write(ready);
  }

  private static String gcNames() {
    List<String> names = new ArrayList<>();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) names.add(gc.getName());
    return String.join(", ", names);
  }

  /** A numeric HotSpot VM option (e.g. ThreadStackSize in KiB, MaxHeapSize in bytes), or null on another VM. */
  private static Long vmOptionLong(String option) {
    try {
      com.sun.management.HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
      return hotspot == null ? null : Long.parseLong(hotspot.getVMOption(option).getValue());
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }
}
