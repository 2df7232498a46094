package wsarena;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One TCP connection and the loop its thread runs for the connection's whole life: read the HTTP head,
 * answer it (upgrade, /stats or a refusal), then read messages with blocking reads and act on each in turn.
 * The same thread writes the replies; a BROADCAST's sender thread also writes to every other connection.
 *
 * Writes are serialised per connection with a ReentrantLock (not synchronized: before JDK 24 a virtual
 * thread blocked inside a monitor pins its carrier thread). There is no queue: a client that reads slowly
 * pushes back, through TCP, on whichever thread writes to it. A thread never holds two write locks, so no
 * deadlock is possible.
 */
final class Connection implements Runnable {
  /** How long a close frame may wait for the write lock, and how long we then wait for the client's close frame. */
  static final long CLOSE_WAIT_MS = 1000;

  private final Server server;
  private final Socket socket;
  private final ReentrantLock writeLock = new ReentrantLock();
  /** Set once a close frame is sent (or the connection is dead); data writes are refused from then on. */
  private volatile boolean closing;
  /** Written only with writeLock held, after the 101 went out. */
  private FrameWriter writer;

  /** Index in Registry's list; guarded by the registry's lock. */
  int index = -1;
  /** Owned by this connection's thread, reused for every message: WORK replies and BROADCAST's peer list. */
  private final byte[] reply = new byte[Contract.WORK_REPLY_BYTES];
  Connection[] peers = new Connection[0];

  Connection(Server server, Socket socket) {
    this.server = server;
    this.socket = socket;
  }

  @Override
  public void run() {
    server.stats.connectionThreadStarted();
    try {
      serve();
    } catch (IOException | RuntimeException e) {
      // A dropped connection, or a read cut short by shutdown: nothing to tell anyone.
    } finally {
      server.registry.remove(this);
      closeSocket();
      server.stats.connectionThreadEnded();
    }
  }

  private void serve() throws IOException {
    socket.setTcpNoDelay(Server.TCP_NO_DELAY);
    InputBuffer in = new InputBuffer(socket.getInputStream());
    OutputStream out = socket.getOutputStream();
    String head;
    try {
      head = in.readHttpHead(Handshake.MAX_HEAD_BYTES);
    } catch (InputBuffer.HttpHeadTooLargeException e) {
      out.write(Handshake.response(431, "Request Header Fields Too Large", "text/plain", new byte[0], ""));
      return;
    }
    if (head == null) return;
    Handshake.Request request = Handshake.classify(head);
    switch (request.kind) {
      case STATS:
        out.write(Handshake.response(200, "OK", "application/json", server.stats.json(server), ""));
        return;
      case UPGRADE:
        break;
      default:
        out.write(Handshake.refusal(request));
        return;
    }
    // The 101 goes out before the connection is registered, so no broadcast can write a frame ahead of it.
    out.write(Handshake.switchingProtocols(request.key));
    writer = new FrameWriter(out);
    if (!server.registry.add(this)) {
      // The shutdown began between the handshake and here.
      sendClose(Contract.CLOSE_GOING_AWAY, Contract.SHUTDOWN_REASON, CLOSE_WAIT_MS);
      return;
    }
    readLoop(new FrameReader(in), in);
  }

  private void readLoop(FrameReader reader, InputBuffer in) throws IOException {
    for (;;) {
      int kind;
      try {
        kind = reader.next();
      } catch (FrameReader.FramingException e) {
        // Not a contract close (PROTOCOL.md §5): counted apart, as the other servers' libraries do.
        server.stats.framingError();
        sendClose(e.closeCode, e.getMessage(), CLOSE_WAIT_MS);
        drainUntilClosed(in);
        return;
      }
      switch (kind) {
        case FrameReader.PING:
          sendControl(FrameReader.PONG, reader.control(), reader.controlLength());
          continue;
        case FrameReader.PONG:
          continue;
        case FrameReader.CLOSE:
          // The client started the close handshake (or answered ours): echo its status code, if it sent one.
          echoClose(reader.control(), Math.min(2, reader.controlLength()));
          return;
        default:
          if (closing) continue; // messages after our close frame are ignored
          boolean open = handle(kind, reader.message(), reader.length());
          reader.releaseLargeBuffer();
          if (!open) {
            awaitCloseReply(reader);
            return;
          }
      }
    }
  }

  /**
   * Acts on one message as wire.ts checkRequest and servers/common/handle.ts do; false when it closed the
   * connection because the client broke the contract. Test-mode stalls hold every handler here.
   */
  private boolean handle(int kind, byte[] msg, int len) {
    Lock stall = server.stallLock();
    if (stall != null) stall.lock();
    try {
      Contract.Violation violation = kind == FrameReader.BINARY
          ? Contract.checkRequest(msg, len)
          : new Contract.Violation(Contract.CLOSE_UNSUPPORTED_DATA, Contract.TEXT_FRAME_REASON);
      if (violation != null) {
        server.stats.protocolClose();
        sendClose(violation.code, violation.reason, CLOSE_WAIT_MS);
        return false;
      }
      server.stats.messageHandled();
      switch (msg[0]) {
        case Contract.OP_ECHO:
          send(msg, 0, len);
          break;
        case Contract.OP_WORK:
          Contract.workReply(msg, reply);
          send(reply, 0, reply.length);
          break;
        default: // OP_BROADCAST; checkRequest let nothing else through
          server.registry.broadcast(this, msg, len);
          break;
      }
      return true;
    } finally {
      if (stall != null) stall.unlock();
    }
  }

  /** Writes one binary message, blocking until the kernel has taken it; false if the connection is closing or dead. */
  boolean send(byte[] payload, int off, int len) {
    writeLock.lock();
    try {
      if (closing) return false;
      writer.write(2, payload, off, len);
      return true;
    } catch (IOException e) {
      // Part of a frame may have gone out: nothing more can be written. The reader finds out on its next read.
      closing = true;
      closeSocket();
      return false;
    } finally {
      writeLock.unlock();
    }
  }

  private void sendControl(int opcode, byte[] payload, int len) {
    writeLock.lock();
    try {
      if (closing) return;
      writer.write(opcode, payload, 0, len);
    } catch (IOException e) {
      closing = true;
      closeSocket();
    } finally {
      writeLock.unlock();
    }
  }

  /** Answers the client's close frame, unless this server already sent one; nothing is written after it. */
  private void echoClose(byte[] payload, int len) {
    try {
      if (!writeLock.tryLock(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS)) return; // a write is stuck on this client: just drop it
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      if (closing) return;
      closing = true;
      writer.write(FrameReader.CLOSE, payload, 0, len);
    } catch (IOException e) {
      // the socket is closed right after anyway
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Starts the close handshake with code and reason. Waits at most waitMs for the write lock (a thread may
   * be blocked writing to a client that stopped reading); if it cannot get it, the connection is dropped.
   */
  void sendClose(int code, String reason, long waitMs) {
    boolean locked;
    try {
      locked = writeLock.tryLock(waitMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      locked = false;
    }
    if (!locked) {
      closing = true;
      closeSocket();
      return;
    }
    try {
      if (closing) return;
      closing = true;
      byte[] payload = FrameWriter.closePayload(code, reason);
      writer.write(FrameReader.CLOSE, payload, 0, payload.length);
    } catch (IOException e) {
      closeSocket();
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Finishes a close handshake this server started: discards what the client still sends until its close
   * frame arrives (or CLOSE_WAIT_MS passes). Closing the socket at once would make the kernel answer unread
   * data with a RST, and the client could then report 1006 instead of our code.
   */
  private void awaitCloseReply(FrameReader reader) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
    try {
      for (;;) {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (leftMs <= 0) return;
        socket.setSoTimeout((int) leftMs);
        if (reader.next() == FrameReader.CLOSE) return;
      }
    } catch (IOException | FrameReader.FramingException e) {
      // timeout, EOF or garbage: done waiting
    }
  }

  /**
   * After a framing error (our 1002/1009 is sent) nothing more is parsed: the rest of an oversized message is
   * typically still arriving. Read and discard until the client closes or CLOSE_WAIT_MS passes, for the same
   * reason as awaitCloseReply.
   */
  private void drainUntilClosed(InputBuffer in) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
    try {
      for (;;) {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (leftMs <= 0) return;
        socket.setSoTimeout((int) leftMs);
        if (!in.discardSome()) return;
      }
    } catch (IOException e) {
      // timeout or reset: done waiting
    }
  }

  void closeSocket() {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }
}
