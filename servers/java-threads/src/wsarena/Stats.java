package wsarena;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The counters every wsarena server keeps and the GET /stats body (docs/PROTOCOL.md §7), with JVM figures under `java`. */
final class Stats {
  final long startedNanos = System.nanoTime();
  /** Counted from every connection thread at once: a LongAdder rather than one contended atomic. */
  private final LongAdder messagesHandled = new LongAdder();
  private final AtomicLong protocolCloses = new AtomicLong();
  /** Frames the frame reader rejected (1002, 1009); not protocolCloses, reported under `extra` as ws-loop does. */
  private final AtomicLong framingErrors = new AtomicLong();
  /** Connection threads running now (HTTP-only connections included) and ever started. */
  private final AtomicInteger connectionThreads = new AtomicInteger();
  private final AtomicLong connectionThreadsStarted = new AtomicLong();
  /** Accepted connections dropped because no thread could be started for them (OutOfMemoryError: unable to create native thread). */
  final AtomicLong threadStartFailures = new AtomicLong();

  void messageHandled() {
    messagesHandled.increment();
  }

  void protocolClose() {
    protocolCloses.incrementAndGet();
  }

  void framingError() {
    framingErrors.incrementAndGet();
  }

  void connectionThreadStarted() {
    connectionThreads.incrementAndGet();
    connectionThreadsStarted.incrementAndGet();
  }

  void connectionThreadEnded() {
    connectionThreads.decrementAndGet();
  }

  byte[] json(Server server) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long gcCount = 0;
    long gcTimeMs = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcCount += Math.max(0, gc.getCollectionCount()); // -1 = undefined for this collector
      gcTimeMs += Math.max(0, gc.getCollectionTime());
    }
    Map<String, Object> java = new LinkedHashMap<>();
    // Platform threads only: the JVM's thread MXBean does not count virtual threads.
    java.put("liveThreads", threads.getThreadCount());
    java.put("peakThreads", threads.getPeakThreadCount());
    java.put("heapUsedBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    java.put("gcCount", gcCount);
    java.put("gcTimeMs", gcTimeMs);

    Map<String, Object> extra = new LinkedHashMap<>();
    extra.put("framingErrors", framingErrors.get());
    extra.put("threadKind", server.flags.threadKind);
    extra.put("connectionThreads", connectionThreads.get());
    extra.put("connectionThreadsStarted", connectionThreadsStarted.get());
    extra.put("threadStartFailures", threadStartFailures.get());
    if (server.flags.maxThreads > 0) extra.put("poolThreadsBusy", server.poolThreadsBusy());

    Map<String, Object> body = new LinkedHashMap<>();
    body.put("server", server.name);
    body.put("pid", ProcessHandle.current().pid());
    body.put("uptimeMs", (System.nanoTime() - startedNanos) / 1_000_000);
    body.put("openConnections", server.registry.count());
    body.put("messagesHandled", messagesHandled.sum());
    body.put("broadcastDeliveries", server.registry.broadcastDeliveries.get());
    body.put("protocolCloses", protocolCloses.get());
    body.put("java", java);
    body.put("extra", extra);
    return Json.write(body).getBytes(StandardCharsets.UTF_8);
  }
}
