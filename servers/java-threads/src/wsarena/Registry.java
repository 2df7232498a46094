package wsarena;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The set of open WebSocket connections, for BROADCAST and openConnections. Add and remove are O(1)
 * (swap-remove by each connection's index). BROADCAST copies the list into the sender's scratch array and
 * writes outside the lock, so a slow write never blocks connects and disconnects.
 */
final class Registry {
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private Connection[] list = new Connection[64];
  private int size;
  /** Set by closeAll at shutdown; later connections are refused. */
  private boolean closed;

  final AtomicLong broadcastDeliveries = new AtomicLong();

  boolean add(Connection c) {
    lock.writeLock().lock();
    try {
      if (closed) return false;
      if (size == list.length) list = Arrays.copyOf(list, size * 2);
      c.index = size;
      list[size++] = c;
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  void remove(Connection c) {
    lock.writeLock().lock();
    try {
      int i = c.index;
      if (i < 0 || i >= size || list[i] != c) return; // never added, or already removed
      Connection last = list[--size];
      list[i] = last;
      last.index = i;
      list[size] = null;
      c.index = -1;
    } finally {
      lock.writeLock().unlock();
    }
  }

  int count() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Refuses further connections and returns the open ones. */
  Connection[] closeAll() {
    lock.writeLock().lock();
    try {
      closed = true;
      return Arrays.copyOf(list, size);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * BROADCAST: the sender's own thread writes msg to every open connection in turn, the sender included.
   * What this costs in this model (see README.md): every copy is a blocking write under that connection's
   * write lock, so the sender pays the whole fan-out (n writes, n syscalls) before it reads its next
   * message, and a client that stops reading stalls the sender once that client's socket buffer is full.
   */
  void broadcast(Connection sender, byte[] msg, int len) {
    int n;
    lock.readLock().lock();
    try {
      n = size;
      if (sender.peers.length < n) sender.peers = new Connection[n + n / 2];
      System.arraycopy(list, 0, sender.peers, 0, n);
    } finally {
      lock.readLock().unlock();
    }
    Connection[] peers = sender.peers;
    long delivered = 0;
    for (int i = 0; i < n; i++) {
      if (peers[i].send(msg, 0, len)) delivered++;
      peers[i] = null; // don't keep closed connections reachable until the next broadcast
    }
    broadcastDeliveries.addAndGet(delivered);
  }
}
