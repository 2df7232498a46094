package wsarena;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes unmasked server frames (RFC 6455 §5.2), always FIN: this server never fragments what it sends.
 * Not thread-safe: Connection serialises every write with its ReentrantLock. A frame that fits the 4 KiB
 * scratch buffer together with its header leaves in one write (one syscall, one TCP segment with
 * TCP_NODELAY); a larger one as header then payload, straight from the caller's array.
 */
final class FrameWriter {
  static final int SIZE = 4096;

  private final OutputStream out;
  private final byte[] buf = new byte[SIZE];

  FrameWriter(OutputStream out) {
    this.out = out;
  }

  void write(int opcode, byte[] payload, int off, int len) throws IOException {
    buf[0] = (byte) (0x80 | opcode);
    int head;
    if (len < 126) {
      buf[1] = (byte) len;
      head = 2;
    } else if (len < 65536) {
      buf[1] = 126;
      buf[2] = (byte) (len >>> 8);
      buf[3] = (byte) len;
      head = 4;
    } else {
      buf[1] = 127;
      long l = len;
      for (int i = 0; i < 8; i++) buf[2 + i] = (byte) (l >>> (56 - 8 * i));
      head = 10;
    }
    if (head + len <= buf.length) {
      System.arraycopy(payload, off, buf, head, len);
      out.write(buf, 0, head + len);
    } else {
      out.write(buf, 0, head);
      out.write(payload, off, len);
    }
  }

  /** Close frame payload: the code, then a UTF-8 reason cut to the 123 bytes a control frame allows. */
  static byte[] closePayload(int code, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(text.length, 123);
    byte[] payload = new byte[2 + n];
    payload[0] = (byte) (code >>> 8);
    payload[1] = (byte) code;
    System.arraycopy(text, 0, payload, 2, n);
    return payload;
  }
}
