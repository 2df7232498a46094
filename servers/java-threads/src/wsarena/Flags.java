package wsarena;

import java.util.HashSet;
import java.util.Set;

/**
 * Command-line flags (docs/PROTOCOL.md §6): --host, --port, --threads, --thread-kind, --max-threads and the
 * test-mode --stall-every-ms/--stall-ms pair. Both "--flag value" and "--flag=value". A bad flag or value
 * is a UsageException whose message names the flag, the value and what is allowed (exit 2).
 */
final class Flags {
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  String host = "127.0.0.1";
  int port = 0;
  /** --threads; 0 = not given. Only for virtual threads: the carrier parallelism. */
  int threads = 0;
  String threadKind = Threads.PLATFORM;
  /** --max-threads; 0 = unbounded (a new platform thread per connection). */
  int maxThreads = 0;
  /** 0 = no test-mode stall. */
  int stallEveryMs = 0;
  int stallMs = 0;

  /** Registry name of the server these flags start. */
  String serverName() {
    return Threads.VIRTUAL.equals(threadKind) ? "java-virtual-threads" : "java-threads";
  }

  static Flags parse(String[] args) throws UsageException {
    Flags flags = new Flags();
    Set<String> given = new HashSet<>();
    // The kind decides which flags are allowed; read it first so errors name the right server.
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--thread-kind") && i + 1 < args.length) flags.threadKind = args[i + 1];
      if (args[i].startsWith("--thread-kind=")) flags.threadKind = args[i].substring("--thread-kind=".length());
    }
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) throw new UsageException("unexpected argument \"" + arg + "\"; allowed: flags only");
      String name = arg;
      String value;
      int eq = arg.indexOf('=');
      if (eq >= 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      } else {
        if (i + 1 >= args.length) throw new UsageException(name + " needs a value");
        value = args[++i];
      }
      if (!given.add(name)) throw new UsageException(name + " given twice");
      switch (name) {
        case "--host":
          if (value.isEmpty()) throw new UsageException("--host \"\": must not be empty");
          flags.host = value;
          break;
        case "--port":
          flags.port = integer(name, value, 0, 65535);
          break;
        case "--thread-kind":
          if (!value.equals(Threads.PLATFORM) && !value.equals(Threads.VIRTUAL)) {
            throw new UsageException("--thread-kind \"" + value + "\": allowed: platform, virtual");
          }
          flags.threadKind = value;
          break;
        case "--threads":
          if (!Threads.VIRTUAL.equals(flags.threadKind)) {
            throw new UsageException("--threads \"" + value + "\" is not supported: java-threads runs one platform thread per "
                + "connection, so threads follow connections (cap them with --max-threads)");
          }
          flags.threads = integer(name, value, 1, 1024);
          break;
        case "--max-threads":
          if (!Threads.PLATFORM.equals(flags.threadKind)) {
            throw new UsageException("--max-threads \"" + value + "\" is not supported with --thread-kind virtual; allowed: platform threads only");
          }
          flags.maxThreads = integer(name, value, 1, 20000);
          break;
        case "--stall-every-ms":
          flags.stallEveryMs = integer(name, value, 1, 3_600_000);
          break;
        case "--stall-ms":
          flags.stallMs = integer(name, value, 1, 3_600_000);
          break;
        default:
          throw new UsageException("unknown flag " + name + " (value \"" + value + "\"); allowed: --host, --port, --threads, "
              + "--thread-kind, --max-threads, --stall-every-ms, --stall-ms");
      }
    }
    if (given.contains("--stall-every-ms") != given.contains("--stall-ms")) {
      throw new UsageException("--stall-every-ms and --stall-ms must be given together");
    }
    // A stall as long as its period would stop message handling for good.
    if (flags.stallEveryMs > 0 && flags.stallMs >= flags.stallEveryMs) {
      throw new UsageException("--stall-ms \"" + flags.stallMs + "\": must be less than --stall-every-ms (" + flags.stallEveryMs + ")");
    }
    return flags;
  }

  private static int integer(String name, String value, int min, int max) throws UsageException {
    try {
      int n = Integer.parseInt(value);
      if (n >= min && n <= max) return n;
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new UsageException(name + " \"" + value + "\": must be an integer from " + min + " to " + max);
  }
}
