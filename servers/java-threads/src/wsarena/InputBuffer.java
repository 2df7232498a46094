package wsarena;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A connection's read buffer: a small fixed array over the socket's InputStream, used first for the HTTP
 * request head and then for WebSocket frames (bytes a client sent right after its head stay here for the
 * frame reader). Not java.io.BufferedInputStream: that one locks on every call (a monitor in subclasses,
 * which pins a virtual thread before JDK 24), and a connection has exactly one reader anyway.
 */
final class InputBuffer {
  /** Per connection; at 10,000 connections this is 40 MiB of read buffers. */
  static final int SIZE = 4096;

  private final InputStream in;
  private final byte[] buf = new byte[SIZE];
  private int pos;
  private int limit;

  InputBuffer(InputStream in) {
    this.in = in;
  }

  /** Refills the buffer; false on end of stream. */
  private boolean fill() throws IOException {
    int n = in.read(buf, 0, buf.length);
    if (n <= 0) return false;
    pos = 0;
    limit = n;
    return true;
  }

  int readByte() throws IOException {
    if (pos == limit && !fill()) throw new EOFException("connection closed by peer");
    return buf[pos++] & 0xff;
  }

  void readFully(byte[] dst, int off, int len) throws IOException {
    while (len > 0) {
      if (pos == limit) {
        // Large reads go straight into dst, not through the 4 KiB buffer.
        if (len >= buf.length) {
          int n = in.read(dst, off, len);
          if (n <= 0) throw new EOFException("connection closed by peer");
          off += n;
          len -= n;
          continue;
        }
        if (!fill()) throw new EOFException("connection closed by peer");
      }
      int n = Math.min(len, limit - pos);
      System.arraycopy(buf, pos, dst, off, n);
      pos += n;
      off += n;
      len -= n;
    }
  }

  /** Discards what is buffered and reads (and discards) one more chunk; false at end of stream. */
  boolean discardSome() throws IOException {
    pos = limit;
    if (!fill()) return false;
    pos = limit;
    return true;
  }

  /**
   * Reads an HTTP request head up to and including its empty line, as ISO-8859-1 text. null when the
   * stream ends before the first byte (a client that connected and left).
   */
  String readHttpHead(int maxBytes) throws IOException {
    byte[] head = new byte[512];
    int n = 0;
    int lineLength = 0;
    for (;;) {
      if (pos == limit && !fill()) {
        if (n == 0) return null;
        throw new EOFException("connection closed in the middle of the HTTP request head");
      }
      byte b = buf[pos++];
      if (n == head.length) {
        if (n >= maxBytes) throw new HttpHeadTooLargeException(maxBytes);
        head = java.util.Arrays.copyOf(head, Math.min(n * 2, maxBytes));
      }
      head[n++] = b;
      if (b == '\n') {
        if (lineLength == 0) return new String(head, 0, n, StandardCharsets.ISO_8859_1);
        lineLength = 0;
      } else if (b != '\r') {
        lineLength++;
      }
    }
  }

  static final class HttpHeadTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    HttpHeadTooLargeException(int maxBytes) {
      super("HTTP request head longer than " + maxBytes + " bytes");
    }
  }
}
