package wsarena;

import java.lang.reflect.Method;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one difference between java-threads and java-virtual-threads: which ThreadFactory makes each
 * connection's thread. The classes are compiled with --release 17, which has no Thread.ofVirtual(), so the
 * virtual-thread builder is found by reflection; on a JDK without it the server refuses to start instead of
 * quietly running platform threads under the virtual-threads name.
 */
final class Threads {
  private Threads() {}

  static final String PLATFORM = "platform";
  static final String VIRTUAL = "virtual";

  /** A factory of plain OS threads, named conn-N (also the pool mode's threads). */
  static ThreadFactory platform() {
    AtomicLong counter = new AtomicLong();
    return runnable -> new Thread(null, runnable, "conn-" + counter.incrementAndGet());
  }

  /** Thread.ofVirtual().name("vconn-", 1).factory(), by reflection; throws UsageException before JDK 21. */
  static ThreadFactory virtual() throws Flags.UsageException {
    int feature = Runtime.version().feature();
    try {
      Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
      Class<?> builderType = Class.forName("java.lang.Thread$Builder");
      builder = builderType.getMethod("name", String.class, long.class).invoke(builder, "vconn-", 1L);
      Method factory = builderType.getMethod("factory");
      return (ThreadFactory) factory.invoke(builder);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // JDK 17-18: no such method. JDK 19-20: a preview feature, disabled without --enable-preview.
      throw new Flags.UsageException("--thread-kind \"virtual\" needs JDK 21 or later; this JVM is "
          + Runtime.version() + " (feature " + feature + "); allowed here: platform");
    }
  }
}
