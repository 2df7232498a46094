package wsarena;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * What every connection thread shares (registry, counters, the test-mode stall lock) and the accept loop
 * that gives each connection its thread.
 */
final class Server {
  static final boolean TCP_NO_DELAY = true;
  /**
   * Listen backlog: connections the kernel completes and queues before accept(). Large, so a ramp to
   * 10,000 connections (and pool mode's waiting connections) queue instead of being refused. Linux caps it
   * at net.core.somaxconn (4096 by default since 5.4).
   */
  static final int LISTEN_BACKLOG = 4096;

  final Flags flags;
  final String name;
  final Registry registry = new Registry();
  final Stats stats = new Stats();
  private final ServerSocket listener;
  private final ThreadFactory threadFactory;
  /** Test mode only: every handler holds the read lock, the stall thread takes the write lock. null otherwise. */
  private final ReentrantReadWriteLock stall;
  /** Pool mode only (--max-threads): one permit per pool thread, taken before accept(). */
  private final Semaphore permits;
  private volatile boolean stopping;

  Server(Flags flags, ServerSocket listener, ThreadFactory threadFactory) {
    this.flags = flags;
    this.name = flags.serverName();
    this.listener = listener;
    this.threadFactory = threadFactory;
    this.stall = flags.stallEveryMs > 0 ? new ReentrantReadWriteLock() : null;
    this.permits = flags.maxThreads > 0 ? new Semaphore(flags.maxThreads) : null;
  }

  Lock stallLock() {
    return stall == null ? null : stall.readLock();
  }

  int poolThreadsBusy() {
    return permits == null ? 0 : flags.maxThreads - permits.availablePermits();
  }

  /** Runs on the calling thread until the listener is closed. */
  void acceptLoop() {
    if (permits != null) {
      poolAcceptLoop();
      return;
    }
    for (;;) {
      Socket socket = accept();
      if (socket == null) return;
      try {
        threadFactory.newThread(new Connection(this, socket)).start();
      } catch (OutOfMemoryError | RuntimeException e) {
        // "unable to create native thread": this connection cannot be served; the others carry on.
        stats.threadStartFailures.incrementAndGet();
        closeQuietly(socket);
      }
    }
  }

  /**
   * Pool mode, the classic servlet container (Tomcat's blocking connector, maxThreads = N): a fixed pool of
   * N platform threads, and a connection holds one for its whole life. We take a pool permit BEFORE
   * accept(), as Tomcat's acceptor waits on its connection limit (LimitLatch) before accepting: a
   * connection that finds every thread busy stays in the kernel's accept queue (the listen backlog),
   * completed by TCP but never read, so its upgrade is not answered until a thread frees. The alternative,
   * accepting at once and queueing sockets for the pool, looks the same to the client but holds an fd and a
   * Socket per waiting connection in an unbounded queue inside the JVM. /stats waits for a pool thread too.
   */
  private void poolAcceptLoop() {
    ExecutorService pool = new ThreadPoolExecutor(flags.maxThreads, flags.maxThreads, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(), threadFactory);
    for (;;) {
      permits.acquireUninterruptibly();
      Socket socket = accept();
      if (socket == null) {
        permits.release();
        return;
      }
      Connection connection = new Connection(this, socket);
      pool.execute(() -> {
        try {
          connection.run();
        } finally {
          permits.release();
        }
      });
    }
  }

  /** The next connection; null once the listener is closed. Other accept errors (EMFILE) are waited out. */
  private Socket accept() {
    for (;;) {
      try {
        return listener.accept();
      } catch (IOException e) {
        if (stopping || listener.isClosed()) return null;
        System.err.println(name + ": accept: " + e.getMessage());
        try {
          Thread.sleep(10);
        } catch (InterruptedException interrupted) {
          return null;
        }
      }
    }
  }

  /**
   * Test mode (ServerOptions.stall), as go-goroutines does it: no thread handles a message while this
   * thread holds the write lock for stallMs, every stallEveryMs. A waiting writer keeps new readers out, so
   * a stall begins as soon as the messages being handled are done. Sleeping is enough: the lock holds the handlers.
   */
  void startStall() {
    if (stall == null) return;
    Thread thread = new Thread(() -> {
      long every = flags.stallEveryMs;
      long next = System.currentTimeMillis() + every;
      for (;;) {
        try {
          Thread.sleep(Math.max(0, next - System.currentTimeMillis()));
          next += every;
          stall.writeLock().lock();
          try {
            Thread.sleep(flags.stallMs);
          } finally {
            stall.writeLock().unlock();
          }
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "stall");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Stops accepting, sends every open connection a 1001 close frame, waits up to a second for the clients'
   * replies, then drops whatever is left. The caller guarantees the process ends within 2 s whatever happens here.
   */
  void shutdown() {
    stopping = true;
    closeQuietly(listener);
    Connection[] open = registry.closeAll();
    for (Connection c : open) {
      // A connection whose write lock is held by a write blocked on a client that stopped reading is dropped.
      c.sendClose(Contract.CLOSE_GOING_AWAY, Contract.SHUTDOWN_REASON, 20);
    }
    // Each connection thread leaves the registry when its client's close frame arrives.
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Connection.CLOSE_WAIT_MS);
    while (registry.count() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        break;
      }
    }
    for (Connection c : open) c.closeSocket();
  }

  private static void closeQuietly(java.io.Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
