package wsarena;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `bash scripts/build-java.sh --test` runs this: WORK against protocol/work-vectors.json, checkRequest's
 * codes and reasons (the same texts as wire.ts and contract.go), the RFC 6455 handshake example and the
 * frame reader's rules. Prints one line per failure and a final "ok …" line; exit 1 on any failure.
 */
public final class SelfTest {
  private SelfTest() {}

  private static int checks;
  private static int failures;

  public static void main(String[] args) throws IOException {
    String vectorsPath = args.length > 0 ? args[0] : "protocol/work-vectors.json";
    String json = new String(Files.readAllBytes(Paths.get(vectorsPath)), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("\"iterations\"\\s*:\\s*(\\d+)\\s*,\\s*\"seed\"\\s*:\\s*(\\d+)\\s*,\\s*\"result\"\\s*:\\s*(\\d+)").matcher(json);
    int vectors = 0;
    while (m.find()) {
      long iterations = Long.parseLong(m.group(1));
      int seed = (int) Long.parseLong(m.group(2));
      long expected = Long.parseLong(m.group(3));
      check("work(" + iterations + ", " + m.group(2) + ")", Integer.toUnsignedLong(Contract.work(iterations, seed)), expected);
      vectors++;
    }
    check("work vectors found", vectors >= 8, true);

    checkViolation("empty", new byte[0], 4400, "message of 0 bytes is shorter than the 16-byte header");
    checkViolation("8 bytes", new byte[8], 4400, "message of 8 bytes is shorter than the 16-byte header");
    checkViolation("op 9", message(9, 4), 4401, "unknown op 9");
    checkViolation("op 0", message(0, 4), 4401, "unknown op 0");
    checkViolation("op 255", message(255, 0), 4401, "unknown op 255");
    checkViolation("WORK without payload", message(2, 0), 4402, "WORK payload of 0 bytes, needs 8");
    checkViolation("WORK with 7 bytes", message(2, 7), 4402, "WORK payload of 7 bytes, needs 8");
    byte[] tooMuch = message(2, 8);
    Contract.writeIntLE(tooMuch, 16, 50_000_001);
    checkViolation("WORK too large", tooMuch, 4413, "WORK iterations 50000001 > 50000000");
    byte[] huge = message(2, 8);
    Contract.writeIntLE(huge, 16, -1);
    checkViolation("WORK 2^32-1", huge, 4413, "WORK iterations 4294967295 > 50000000");
    byte[] max = message(2, 8);
    Contract.writeIntLE(max, 16, 50_000_000);
    check("WORK at the limit is valid", Contract.checkRequest(max, max.length) == null, true);
    check("ECHO header only is valid", Contract.checkRequest(message(1, 0), 16) == null, true);
    check("BROADCAST is valid", Contract.checkRequest(message(3, 5), 21) == null, true);

    byte[] request = message(2, 8);
    request[1] = 0x11;
    Contract.writeIntLE(request, 16, 10);
    Contract.writeIntLE(request, 20, 42);
    byte[] reply = new byte[Contract.WORK_REPLY_BYTES];
    Contract.workReply(request, reply);
    check("WORK reply header", reply[0] == 2 && reply[1] == 0x11, true);
    check("WORK reply result", Integer.toUnsignedLong(Contract.readIntLE(reply, 16)), 3866771837L);

    // RFC 6455 §1.3's example.
    check("Sec-WebSocket-Accept", Handshake.acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    String upgrade = "GET /any/path HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    check("upgrade on any path", Handshake.classify(upgrade).kind, Handshake.Kind.UPGRADE);
    check("foreign origin", Handshake.classify(upgrade.replace("\r\n\r\n", "\r\nOrigin: https://evil.example\r\n\r\n")).kind, Handshake.Kind.FORBIDDEN_ORIGIN);
    check("loopback origin", Handshake.classify(upgrade.replace("\r\n\r\n", "\r\nOrigin: http://127.0.0.1:8080\r\n\r\n")).kind, Handshake.Kind.UPGRADE);
    check("version 8", Handshake.classify(upgrade.replace("Version: 13", "Version: 8")).kind, Handshake.Kind.UPGRADE_REQUIRED);
    check("bad key", Handshake.classify(upgrade.replace("dGhlIHNhbXBsZSBub25jZQ==", "short")).kind, Handshake.Kind.BAD_REQUEST);
    check("POST upgrade", Handshake.classify(upgrade.replace("GET", "POST")).kind, Handshake.Kind.BAD_REQUEST);
    check("stats", Handshake.classify("GET /stats HTTP/1.1\r\nHost: x\r\n\r\n").kind, Handshake.Kind.STATS);
    check("stats?x", Handshake.classify("GET /stats?x=1 HTTP/1.1\r\n\r\n").kind, Handshake.Kind.STATS);
    check("POST stats", Handshake.classify("POST /stats HTTP/1.1\r\n\r\n").kind, Handshake.Kind.NOT_FOUND);
    check("other path", Handshake.classify("GET /nope HTTP/1.1\r\n\r\n").kind, Handshake.Kind.NOT_FOUND);
    check("garbage", Handshake.classify("hello\r\n\r\n").kind, Handshake.Kind.BAD_REQUEST);

    // Frames: fragmented binary message with a ping between its fragments.
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    frame(wire, 0x02, false, true, "abc".getBytes(StandardCharsets.US_ASCII));
    frame(wire, 0x09, true, true, "p".getBytes(StandardCharsets.US_ASCII));
    frame(wire, 0x00, false, true, new byte[200]);
    frame(wire, 0x00, true, true, new byte[70_000]);
    frame(wire, 0x08, true, true, new byte[] {0x03, (byte) 0xe8});
    FrameReader reader = reader(wire);
    check("ping between fragments", next(reader), FrameReader.PING);
    check("ping payload", reader.controlLength(), 1);
    check("assembled message", next(reader), FrameReader.BINARY);
    check("assembled length", reader.length(), 3 + 200 + 70_000);
    check("assembled bytes", new String(reader.message(), 0, 3, StandardCharsets.US_ASCII), "abc");
    check("close", next(reader), FrameReader.CLOSE);

    checkFramingError("unmasked", 1002, w -> frame(w, 0x02, true, false, new byte[4]));
    checkFramingError("rsv1", 1002, w -> frame(w, 0x42, true, true, new byte[4]));
    checkFramingError("opcode 3", 1002, w -> frame(w, 0x03, true, true, new byte[4]));
    checkFramingError("opcode 11", 1002, w -> frame(w, 0x0b, true, true, new byte[0]));
    checkFramingError("fragmented ping", 1002, w -> frame(w, 0x09, false, true, new byte[0]));
    checkFramingError("long ping", 1002, w -> frame(w, 0x09, true, true, new byte[126]));
    checkFramingError("lone continuation", 1002, w -> frame(w, 0x00, true, true, new byte[1]));
    checkFramingError("data inside fragmented message", 1002, w -> {
      frame(w, 0x02, false, true, new byte[1]);
      frame(w, 0x02, true, true, new byte[1]);
    });
    checkFramingError("close with 1 byte", 1002, w -> frame(w, 0x08, true, true, new byte[1]));
    checkFramingError("16 MiB + 1", 1009, w -> header(w, 0x82, FrameReader.MAX_PAYLOAD_BYTES + 1L));
    checkFramingError("fragments over 16 MiB", 1009, w -> {
      frame(w, 0x02, false, true, new byte[1]);
      header(w, 0x80, FrameReader.MAX_PAYLOAD_BYTES);
    });

    if (failures > 0) {
      System.out.println("FAIL " + failures + " of " + checks + " checks");
      System.exit(1);
    }
    System.out.println("ok wsarena.SelfTest " + checks + " checks (" + vectors + " WORK vectors) on Java " + Runtime.version());
  }

  private interface Writer {
    void write(ByteArrayOutputStream out) throws IOException;
  }

  private static byte[] message(int op, int payload) {
    byte[] msg = new byte[16 + payload];
    msg[0] = (byte) op;
    return msg;
  }

  private static void checkViolation(String what, byte[] msg, int code, String reason) {
    Contract.Violation v = Contract.checkRequest(msg, msg.length);
    check(what + " code", v == null ? 0 : v.code, code);
    check(what + " reason", v == null ? null : v.reason, reason);
  }

  private static void checkFramingError(String what, int code, Writer writer) throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    writer.write(wire);
    FrameReader reader = reader(wire);
    int got;
    try {
      reader.next();
      got = 0;
    } catch (FrameReader.FramingException e) {
      got = e.closeCode;
    }
    check(what, got, code);
  }

  private static FrameReader reader(ByteArrayOutputStream wire) {
    return new FrameReader(new InputBuffer(new ByteArrayInputStream(wire.toByteArray())));
  }

  private static int next(FrameReader reader) throws IOException {
    try {
      return reader.next();
    } catch (FrameReader.FramingException e) {
      return -e.closeCode;
    }
  }

  private static void frame(ByteArrayOutputStream out, int opcode, boolean fin, boolean masked, byte[] payload) {
    int len = payload.length;
    out.write((fin ? 0x80 : 0) | opcode);
    int maskBit = masked ? 0x80 : 0;
    if (len < 126) {
      out.write(maskBit | len);
    } else if (len < 65536) {
      out.write(maskBit | 126);
      out.write(len >>> 8);
      out.write(len);
    } else {
      out.write(maskBit | 127);
      for (int i = 7; i >= 0; i--) out.write((int) ((long) len >>> (8 * i)));
    }
    byte[] mask = {0x12, 0x34, 0x56, 0x78};
    if (masked) out.write(mask, 0, 4);
    for (int i = 0; i < len; i++) out.write(masked ? payload[i] ^ mask[i & 3] : payload[i]);
  }

  /** Only a masked header announcing len bytes (the payload never comes: the reader must refuse first). */
  private static void header(ByteArrayOutputStream out, int b0, long len) {
    out.write(b0);
    out.write(0x80 | 127);
    for (int i = 7; i >= 0; i--) out.write((int) (len >>> (8 * i)));
    out.write(new byte[4], 0, 4);
  }

  private static void check(String what, Object actual, Object expected) {
    checks++;
    if (expected == null ? actual != null : !expected.equals(actual)) {
      failures++;
      System.out.println("FAIL " + what + ": got " + actual + ", expected " + expected);
    }
  }
}
