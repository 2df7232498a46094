package wsarena;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP side of a connection: parses the request head and decides what it is (RFC 6455 §4.2). A
 * WebSocket upgrade on any path, GET /stats, or anything else (404). permessage-deflate and every other
 * extension are never negotiated: the 101 carries no Sec-WebSocket-Extensions header.
 */
final class Handshake {
  private Handshake() {}

  static final int MAX_HEAD_BYTES = 16 * 1024;
  static final String STATS_PATH = "/stats";
  private static final String WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  enum Kind {
    UPGRADE,
    STATS,
    NOT_FOUND,
    /** Malformed request, or a WebSocket upgrade missing a required part. */
    BAD_REQUEST,
    /** An upgrade for a WebSocket version other than 13, or a WebSocket key without Upgrade: websocket. */
    UPGRADE_REQUIRED,
    /** An upgrade from a browser page of a foreign Origin (servers/common/origin.ts): 403. */
    FORBIDDEN_ORIGIN,
  }

  static final class Request {
    final Kind kind;
    /** Why, for BAD_REQUEST and UPGRADE_REQUIRED. */
    final String problem;
    final String key;

    Request(Kind kind, String problem, String key) {
      this.kind = kind;
      this.problem = problem;
      this.key = key;
    }
  }

  /** Classifies a request head (as read by InputBuffer.readHttpHead). */
  static Request classify(String head) {
    String[] lines = head.split("\r?\n");
    String[] requestLine = lines[0].split(" ");
    if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
      return new Request(Kind.BAD_REQUEST, "malformed request line", null);
    }
    String method = requestLine[0];
    String path = requestLine[1];
    int query = path.indexOf('?');
    if (query >= 0) path = path.substring(0, query);
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty()) break;
      int colon = line.indexOf(':');
      if (colon <= 0) return new Request(Kind.BAD_REQUEST, "malformed header line", null);
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      headers.merge(name, value, (a, b) -> a + ", " + b);
    }

    String key = headers.get("sec-websocket-key");
    if (!hasToken(headers.get("upgrade"), "websocket")) {
      if (key != null) return new Request(Kind.UPGRADE_REQUIRED, "Sec-WebSocket-Key without Upgrade: websocket", null);
      if (method.equals("GET") && path.equals(STATS_PATH)) return new Request(Kind.STATS, null, null);
      return new Request(Kind.NOT_FOUND, null, null);
    }
    if (!method.equals("GET")) return new Request(Kind.BAD_REQUEST, "WebSocket upgrade with method " + method, null);
    if (!hasToken(headers.get("connection"), "upgrade")) return new Request(Kind.BAD_REQUEST, "Connection header lacks upgrade", null);
    if (!"13".equals(headers.get("sec-websocket-version"))) {
      return new Request(Kind.UPGRADE_REQUIRED, "unsupported Sec-WebSocket-Version; this server speaks 13", null);
    }
    if (key == null || !validKey(key)) return new Request(Kind.BAD_REQUEST, "missing or invalid Sec-WebSocket-Key", null);
    if (!originAllowed(headers.get("origin"), System.getenv("WSARENA_ALLOW_ORIGIN"))) {
      return new Request(Kind.FORBIDDEN_ORIGIN, "origin not allowed; loopback origins are, others with WSARENA_ALLOW_ORIGIN=<origin,...|*>", null);
    }
    return new Request(Kind.UPGRADE, null, key);
  }

  /**
   * The rule of servers/common/origin.ts: no Origin (not a browser) passes; loopback origins
   * (http(s)://localhost, 127.0.0.0/8, [::1]) pass; others only when listed in WSARENA_ALLOW_ORIGIN
   * (comma-separated origins, or * for any).
   */
  static boolean originAllowed(String origin, String allow) {
    if (origin == null || origin.isEmpty()) return true;
    if (allow != null) {
      for (String a : allow.split(",")) {
        String t = a.trim();
        if (t.equals("*") || (!t.isEmpty() && t.equals(origin))) return true;
      }
    }
    java.net.URI uri;
    try {
      uri = new java.net.URI(origin);
    } catch (java.net.URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme();
    String host = uri.getHost();
    if (host == null || !("http".equals(scheme) || "https".equals(scheme))) return false;
    return host.equals("localhost") || host.equals("[::1]") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  private static boolean hasToken(String value, String token) {
    if (value == null) return false;
    for (String part : value.split(",")) {
      if (part.trim().equalsIgnoreCase(token)) return true;
    }
    return false;
  }

  /** The key must be base64 of 16 bytes (RFC 6455 §4.2.1). */
  private static boolean validKey(String key) {
    try {
      return Base64.getDecoder().decode(key).length == 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Sec-WebSocket-Accept: base64(SHA-1(key + GUID)). */
  static String acceptKey(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      return Base64.getEncoder().encodeToString(sha1.digest((key + WEBSOCKET_GUID).getBytes(StandardCharsets.ISO_8859_1)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }

  static byte[] switchingProtocols(String key) {
    return ("HTTP/1.1 101 Switching Protocols\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: " + acceptKey(key) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A complete HTTP/1.1 response that closes the connection afterwards (this server never keeps HTTP alive). */
  static byte[] response(int status, String statusText, String contentType, byte[] body, String extraHeaders) {
    String head = "HTTP/1.1 " + status + " " + statusText + "\r\n"
        + "Content-Type: " + contentType + "\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + extraHeaders
        + "Connection: close\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = java.util.Arrays.copyOf(headBytes, headBytes.length + body.length);
    System.arraycopy(body, 0, all, headBytes.length, body.length);
    return all;
  }

  static byte[] refusal(Request request) {
    switch (request.kind) {
      case NOT_FOUND:
        return response(404, "Not Found", "text/plain",
            ("not found; this server answers WebSocket upgrades and GET " + STATS_PATH + "\n").getBytes(StandardCharsets.UTF_8), "");
      case FORBIDDEN_ORIGIN:
        return response(403, "Forbidden", "text/plain", (request.problem + "\n").getBytes(StandardCharsets.UTF_8), "");
      case UPGRADE_REQUIRED:
        return response(426, "Upgrade Required", "text/plain", (request.problem + "\n").getBytes(StandardCharsets.UTF_8),
            "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
      default:
        return response(400, "Bad Request", "text/plain",
            ((request.problem == null ? "bad request" : request.problem) + "\n").getBytes(StandardCharsets.UTF_8), "");
    }
  }
}
