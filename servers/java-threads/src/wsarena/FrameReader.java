package wsarena;

import java.io.IOException;

/**
 * Reads RFC 6455 client frames (§5) and assembles messages. Enforced here, as a WebSocket library would:
 * client frames must be masked, no reserved bits (no extension is ever negotiated), known opcodes only,
 * control frames unfragmented and at most 125 bytes, continuation frames only inside a fragmented
 * message and no new data frame inside one (control frames may sit between its fragments), and a message
 * of at most MAX_PAYLOAD_BYTES. A violation throws FramingException with 1002 or 1009.
 *
 * The message buffer belongs to the connection and is reused for every message; next() returns a kind and
 * leaves the bytes in message()[0..length()), valid until the next call.
 */
final class FrameReader {
  /** Largest message accepted, the same 16 MiB as every other wsarena server (servers/common/limits.ts). */
  static final int MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
  /** A buffer that grew past this for one large message is dropped afterwards instead of kept for the connection's life. */
  static final int MAX_RETAINED_BUFFER = 1 << 20;
  private static final int INITIAL_BUFFER = 512;

  static final int TEXT = 1;
  static final int BINARY = 2;
  static final int CLOSE = 8;
  static final int PING = 9;
  static final int PONG = 10;

  /** A frame that breaks RFC 6455 or the size limit; the connection is closed with closeCode. */
  static final class FramingException extends Exception {
    private static final long serialVersionUID = 1L;
    final int closeCode;

    FramingException(int closeCode, String message) {
      super(message);
      this.closeCode = closeCode;
    }
  }

  private final InputBuffer in;
  private final byte[] mask = new byte[4];
  private final byte[] lengthBytes = new byte[8];
  private byte[] message = new byte[INITIAL_BUFFER];
  private int length;
  /** Kind (TEXT or BINARY) of the message being assembled, 0 when none is in progress. */
  private int partialKind;
  private final byte[] control = new byte[125];
  private int controlLength;

  FrameReader(InputBuffer in) {
    this.in = in;
  }

  byte[] message() {
    return message;
  }

  int length() {
    return length;
  }

  /** Payload of the last CLOSE, PING or PONG returned. */
  byte[] control() {
    return control;
  }

  int controlLength() {
    return controlLength;
  }

  /** Call after a message is fully handled: drops a buffer one huge message left behind. */
  void releaseLargeBuffer() {
    if (message.length > MAX_RETAINED_BUFFER) message = new byte[INITIAL_BUFFER];
  }

  /**
   * Blocks until the next complete message (TEXT or BINARY) or control frame (CLOSE, PING, PONG) and
   * returns its kind.
   */
  int next() throws IOException, FramingException {
    for (;;) {
      int b0 = in.readByte();
      int b1 = in.readByte();
      boolean fin = (b0 & 0x80) != 0;
      int opcode = b0 & 0x0f;
      if ((b0 & 0x70) != 0) throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "reserved bits set; no extension was negotiated");
      if ((b1 & 0x80) == 0) throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "client frames must be masked");
      long payloadLength = b1 & 0x7f;
      if (payloadLength == 126) {
        in.readFully(lengthBytes, 0, 2);
        payloadLength = (lengthBytes[0] & 0xffL) << 8 | (lengthBytes[1] & 0xffL);
      } else if (payloadLength == 127) {
        in.readFully(lengthBytes, 0, 8);
        payloadLength = 0;
        for (int i = 0; i < 8; i++) payloadLength = payloadLength << 8 | (lengthBytes[i] & 0xffL);
        if (payloadLength < 0) throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "frame length has its most significant bit set");
      }
      in.readFully(mask, 0, 4);

      if (opcode >= 8) {
        if (opcode > PONG) throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "unknown control opcode " + opcode);
        if (!fin) throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "fragmented control frame");
        if (payloadLength > 125) throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "control frame over 125 bytes");
        controlLength = (int) payloadLength;
        in.readFully(control, 0, controlLength);
        unmask(control, 0, controlLength);
        if (opcode == CLOSE && controlLength == 1) throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "close frame with a 1-byte payload");
        return opcode;
      }

      if (opcode == 0) {
        if (partialKind == 0) throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "continuation frame without a message to continue");
      } else if (opcode == TEXT || opcode == BINARY) {
        if (partialKind != 0) throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "new data frame inside a fragmented message");
        partialKind = opcode;
        length = 0;
      } else {
        throw new FramingException(Contract.CLOSE_PROTOCOL_ERROR, "unknown data opcode " + opcode);
      }
      if (length + payloadLength > MAX_PAYLOAD_BYTES) {
        throw new FramingException(Contract.CLOSE_MESSAGE_TOO_BIG, "message over " + MAX_PAYLOAD_BYTES + " bytes");
      }
      int frameLength = (int) payloadLength;
      ensureCapacity(length + frameLength);
      in.readFully(message, length, frameLength);
      unmask(message, length, frameLength);
      length += frameLength;
      if (fin) {
        int kind = partialKind;
        partialKind = 0;
        return kind;
      }
    }
  }

  private void ensureCapacity(int needed) {
    if (needed <= message.length) return;
    int capacity = Math.max(needed, (int) Math.min((long) message.length * 2, MAX_PAYLOAD_BYTES));
    message = java.util.Arrays.copyOf(message, capacity);
  }

  private void unmask(byte[] b, int off, int len) {
    byte m0 = mask[0], m1 = mask[1], m2 = mask[2], m3 = mask[3];
    int i = 0;
    for (; i + 4 <= len; i += 4) {
      b[off + i] ^= m0;
      b[off + i + 1] ^= m1;
      b[off + i + 2] ^= m2;
      b[off + i + 3] ^= m3;
    }
    for (; i < len; i++) b[off + i] ^= mask[i & 3];
  }
}
