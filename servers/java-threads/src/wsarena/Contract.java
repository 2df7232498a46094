package wsarena;

/**
 * The wire contract (protocol/wire.ts is the normative TypeScript, docs/PROTOCOL.md the text), mirrored
 * from servers/go-goroutines/contract.go: the same checks in the same order, the same reason texts, so
 * every server closes a broken client identically. SelfTest checks work() against
 * protocol/work-vectors.json so the implementations cannot drift apart.
 */
final class Contract {
  private Contract() {}

  static final int HEADER_BYTES = 16;
  static final int WORK_REQUEST_PAYLOAD_BYTES = 8;
  static final long MAX_WORK_ITERATIONS = 50_000_000L;
  static final int WORK_REPLY_BYTES = HEADER_BYTES + 4;

  static final int OP_ECHO = 1;
  static final int OP_WORK = 2;
  static final int OP_BROADCAST = 3;

  static final int CLOSE_GOING_AWAY = 1001;
  static final int CLOSE_PROTOCOL_ERROR = 1002;
  static final int CLOSE_UNSUPPORTED_DATA = 1003;
  static final int CLOSE_MESSAGE_TOO_BIG = 1009;
  static final int CLOSE_TRUNCATED_HEADER = 4400;
  static final int CLOSE_UNKNOWN_OP = 4401;
  static final int CLOSE_TRUNCATED_WORK = 4402;
  static final int CLOSE_WORK_TOO_LARGE = 4413;

  static final String TEXT_FRAME_REASON = "text frames are not part of the wsarena contract";
  static final String SHUTDOWN_REASON = "server shutting down";

  /** A contract violation: the close code and its reason. */
  static final class Violation {
    final int code;
    final String reason;

    Violation(int code, String reason) {
      this.code = code;
      this.reason = reason;
    }
  }

  /**
   * The contract's deterministic CPU burner: xorshift32 state folded into an FNV-1a-style accumulator.
   * Java ints wrap mod 2^32 like Go's uint32; >>> is the logical shift. The result is the uint32's bits.
   */
  static int work(long iterations, int seed) {
    int x = seed == 0 ? 0x9E3779B9 : seed; // xorshift has a fixed point at 0
    int acc = 0x811C9DC5;
    for (long i = 0; i < iterations; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      acc = ((acc ^ x) + (int) i) * 0x01000193;
    }
    return acc;
  }

  /** null for a valid message of len bytes in msg, otherwise the close code and reason (wire.ts checkRequest). */
  static Violation checkRequest(byte[] msg, int len) {
    if (len < HEADER_BYTES) {
      return new Violation(CLOSE_TRUNCATED_HEADER, "message of " + len + " bytes is shorter than the " + HEADER_BYTES + "-byte header");
    }
    int op = msg[0] & 0xff;
    if (op == OP_ECHO || op == OP_BROADCAST) return null;
    if (op != OP_WORK) return new Violation(CLOSE_UNKNOWN_OP, "unknown op " + op);
    if (len < HEADER_BYTES + WORK_REQUEST_PAYLOAD_BYTES) {
      return new Violation(CLOSE_TRUNCATED_WORK, "WORK payload of " + (len - HEADER_BYTES) + " bytes, needs " + WORK_REQUEST_PAYLOAD_BYTES);
    }
    long iterations = workIterations(msg);
    if (iterations > MAX_WORK_ITERATIONS) {
      return new Violation(CLOSE_WORK_TOO_LARGE, "WORK iterations " + iterations + " > " + MAX_WORK_ITERATIONS);
    }
    return null;
  }

  static long workIterations(byte[] msg) {
    return Integer.toUnsignedLong(readIntLE(msg, HEADER_BYTES));
  }

  static int workSeed(byte[] msg) {
    return readIntLE(msg, HEADER_BYTES + 4);
  }

  /** Writes the reply to a valid WORK request into dst (at least WORK_REPLY_BYTES): its header, then the result LE. */
  static void workReply(byte[] request, byte[] dst) {
    System.arraycopy(request, 0, dst, 0, HEADER_BYTES);
    writeIntLE(dst, HEADER_BYTES, work(workIterations(request), workSeed(request)));
  }

  static int readIntLE(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
  }

  static void writeIntLE(byte[] b, int at, int value) {
    b[at] = (byte) value;
    b[at + 1] = (byte) (value >>> 8);
    b[at + 2] = (byte) (value >>> 16);
    b[at + 3] = (byte) (value >>> 24);
  }
}
