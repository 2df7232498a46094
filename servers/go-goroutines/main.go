// go-goroutines and go-os-threads: the Go servers of wsarena, one binary built from this file. Both use
// gorilla/websocket with one goroutine per connection doing blocking reads, the same code path for every
// message; a flag chooses how those goroutines map onto OS threads.
//
// go-goroutines (default): the suite's "goroutines" model. The Go runtime's netpoller parks a goroutine
// waiting in a read and multiplexes all of them over GOMAXPROCS OS threads (plus a few the runtime adds
// for blocking syscalls): the programming model of thread-per-connection (straight-line blocking code)
// at roughly the cost of an event loop.
//
// go-os-threads (-lock-os-threads): the "thread-per-connection" model. Each connection's goroutine calls
// runtime.LockOSThread as its life begins (serveConn) and never unlocks, so it owns a kernel thread for
// the whole connection: nothing else ever runs on that thread, and while the goroutine waits in a read
// the thread sleeps (in a futex, not in read(2): I/O readiness still comes from the runtime's netpoller,
// and a wake-up hands a P from the thread that noticed it to the connection's thread, so every message
// costs a thread switch, as in a classic blocking thread-per-connection server). When the connection ends
// its goroutine exits still locked, and Go then terminates that OS thread instead of returning it to the
// pool: the process's thread count follows the connection count up and back down (/stats go.osThreads).
// GOMAXPROCS still bounds how many of those threads run Go code at once, so the `threads` knob is
// GOMAXPROCS in both models (the per-connection threads come and go with the connections, as
// ws-worker-per-conn's handler workers do). The same gorilla code, the same write path; only the
// goroutine scheduler's multiplexing is taken out.
//
// Go stops a program at 10,000 OS threads by default (runtime/debug.SetMaxThreads), which would cap
// go-os-threads just under 10,000 connections with a crash. -max-os-threads (default 30000) sets the
// limit deliberately in both modes and the ready line reports it; note that the kernel's pid_max and
// threads-max (and RLIMIT_NPROC) are system-wide ceilings that may bite first. Thread creation failing
// is fatal to a Go program ("failed to create new OS thread"), so that is how go-os-threads ends when a
// ramp finds its ceiling, not by refusing connections.
//
// Writes. A connection is written by its own goroutine (ECHO and WORK replies) and by whichever
// goroutine is handling a BROADCAST; gorilla allows only one writer at a time, so each connection has a
// write mutex and the goroutine that has something to send does the blocking write itself. We chose
// that over a writer goroutine per connection because:
//   - it keeps exactly one goroutine (in go-os-threads: one thread) per connection, so the goroutine
//     count in /stats is the connection count plus a small constant, which is what these models show;
//   - there is no queue: a client that reads slowly pushes back, through TCP, on whoever writes to it,
//     instead of growing a buffer (the Node servers buffer without bound);
//   - it is the blocking-I/O model the suite sets out to measure.
//
// The price: a BROADCAST's sender does the whole fan-out itself, one connection after another, and a
// client that stops reading stalls every goroutine writing to it once its socket buffer is full. No
// deadlock is possible: a goroutine never holds more than one write mutex.
//
// The wire contract is protocol/wire.ts (mirrored in contract.go); flags, the ready line and GET /stats
// follow what servers/common does for the Node servers.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// Registry names: the default model, and the one -lock-os-threads selects.
	goroutinesName = "go-goroutines"
	osThreadsName  = "go-os-threads"

	readyPrefix = "WSARENA_READY "
	statsPath   = "/stats"

	// Largest message accepted, the same 16 MiB as the Node servers (servers/common/limits.ts) so no
	// server wins by accepting less; gorilla closes a connection sending more with 1009.
	maxPayloadBytes = 16 * 1024 * 1024
	// gorilla's per-connection I/O buffers. Set rather than left at gorilla's default (reusing net/http's
	// 4 KiB buffers) so the figure is ours to report; larger messages stream through them.
	readBufferBytes  = 4096
	writeBufferBytes = 4096
	// Go enables TCP_NODELAY on every TCP connection; main sets it again so the knob is ours to report.
	tcpNoDelay = true

	// A read buffer that grew past this for one large message is dropped instead of kept for the
	// connection's lifetime (a few 16 MiB messages would otherwise pin 16 MiB per connection).
	maxRetainedReadBuffer = 1 << 20

	// How long a close frame may wait for a connection's writer, and how long we then wait for the
	// client's close frame before dropping the connection (as ws-loop's shutdown does).
	closeWriteTimeout  = time.Second
	closeHandshakeWait = time.Second
	// Longest a graceful shutdown may take before the process exits anyway (servers/common/shutdown.ts).
	shutdownGrace = 2 * time.Second

	// Environment variable the launcher sets to "stdin": end-of-file on stdin then means the launcher
	// is gone (even if it died of SIGKILL) and the server shuts down rather than live on orphaned.
	lifelineEnv = "WSARENA_LIFELINE"

	// -max-os-threads (servers/go-goroutines/spec.ts MAX_OS_THREADS_ARG mirrors these): Go's default
	// limit is 10,000, below what go-os-threads needs for a large ramp.
	// The upper bound is Linux's PID_MAX_LIMIT (2^22, the largest pid_max a 64-bit kernel allows: no
	// process can have more threads); the lower one keeps the limit above the threads the runtime needs
	// before the first connection (a limit below the live count is fatal at once).
	defaultMaxOSThreads = 30_000
	minMaxOSThreads     = 100
	maxMaxOSThreads     = 1 << 22

	// Exit code for bad flags and for a failed listen, as for the Node servers (servers/common).
	usageExitCode = 2

	closeGoingAway   = 1001
	textFrameReason  = "text frames are not part of the wsarena contract"
	shutdownReason   = "server shutting down"
	pollShutdownStep = 20 * time.Millisecond
)

// serverName is the registry name this process answers to: go-goroutines, or go-os-threads once main
// has seen -lock-os-threads. It names the server in the ready line, /stats and error messages.
var serverName = goroutinesName

// gorillaVersion is stamped at build time by scripts/build-go.sh (-ldflags -X) from the Debian package.
var gorillaVersion = "unknown"

// errClosing: the connection has sent its close frame; nothing more may be written to it.
var errClosing = errors.New("connection is closing")

type config struct {
	host         string
	port         int
	gomaxprocs   int
	stallEveryMs int
	stallMs      int
	// lockOSThreads: the go-os-threads model (every connection's goroutine locked to its own OS thread).
	lockOSThreads bool
	// maxOSThreads: runtime/debug.SetMaxThreads, applied in both models.
	maxOSThreads int
}

// name is the registry name of the model cfg selects.
func (cfg config) name() string {
	if cfg.lockOSThreads {
		return osThreadsName
	}
	return goroutinesName
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	serverName = cfg.name() // set as far as parsing got, so even a flag error names the right server
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", serverName, err)
		os.Exit(usageExitCode)
	}
	if cfg.gomaxprocs > 0 {
		runtime.GOMAXPROCS(cfg.gomaxprocs)
	}
	debug.SetMaxThreads(cfg.maxOSThreads)

	s := newServer(cfg.lockOSThreads)
	httpServer := &http.Server{
		Handler: s.mux(),
		// Only bounds the HTTP request before an upgrade; upgraded connections are no longer net/http's.
		ReadHeaderTimeout: 10 * time.Second,
	}

	listener, err := net.Listen("tcp", net.JoinHostPort(cfg.host, strconv.Itoa(cfg.port)))
	if err != nil {
		// The launcher recognises this exact text (servers/common/listen-errors.ts portInUseMessage).
		if errors.Is(err, syscall.EADDRINUSE) {
			fmt.Fprintf(os.Stderr, "%s: port %d on %s is already in use\n", serverName, cfg.port, cfg.host)
		} else {
			fmt.Fprintf(os.Stderr, "%s: cannot listen on %s:%d: %v\n", serverName, cfg.host, cfg.port, err)
		}
		os.Exit(usageExitCode)
	}

	if cfg.stallEveryMs > 0 {
		s.startStall(time.Duration(cfg.stallEveryMs)*time.Millisecond, time.Duration(cfg.stallMs)*time.Millisecond)
	}

	go func() {
		if err := httpServer.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(os.Stderr, "%s: serve: %v\n", serverName, err)
			os.Exit(1)
		}
	}()

	// The listen socket already queues connections, so announcing now is not early.
	if err := announceReady(cfg, listener.Addr().(*net.TCPAddr).Port); err != nil {
		fmt.Fprintf(os.Stderr, "%s: writing the ready line: %v\n", serverName, err)
		os.Exit(1)
	}

	why := waitForStop()
	time.AfterFunc(shutdownGrace, func() {
		fmt.Fprintf(os.Stderr, "%s: shutdown (%s) took over %v; exiting anyway\n", serverName, why, shutdownGrace)
		os.Exit(0)
	})
	s.shutdown(httpServer)
	os.Exit(0)
}

// parseFlags reads -host, -port, -gomaxprocs, -lock-os-threads, -max-os-threads and the test-mode
// -stall-every-ms/-stall-ms pair. Go's flag package accepts both -flag and --flag, and both "-flag value"
// and "-flag=value".
func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("go-goroutines / go-os-threads", flag.ContinueOnError)
	fs.StringVar(&cfg.host, "host", "127.0.0.1", "address to listen on")
	fs.IntVar(&cfg.port, "port", 0, "TCP port; 0 = any free port")
	fs.IntVar(&cfg.gomaxprocs, "gomaxprocs", 0, "runtime.GOMAXPROCS; 0 = Go's default (CPUs this process may run on)")
	fs.IntVar(&cfg.stallEveryMs, "stall-every-ms", 0, "test mode: stall message handling every this many ms (with -stall-ms)")
	fs.IntVar(&cfg.stallMs, "stall-ms", 0, "test mode: length of each stall in ms (with -stall-every-ms)")
	fs.BoolVar(&cfg.lockOSThreads, "lock-os-threads", false, "go-os-threads: lock every connection's goroutine to an OS thread of its own")
	fs.IntVar(&cfg.maxOSThreads, "max-os-threads", defaultMaxOSThreads, "runtime/debug.SetMaxThreads: the process dies beyond this many OS threads")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	if cfg.host == "" {
		return cfg, errors.New("-host must not be empty")
	}
	if err := checkRange("-port", cfg.port, 0, 65535); err != nil {
		return cfg, err
	}
	if err := checkRange("-gomaxprocs", cfg.gomaxprocs, 0, 1024); err != nil {
		return cfg, err
	}
	if err := checkRange("-max-os-threads", cfg.maxOSThreads, minMaxOSThreads, maxMaxOSThreads); err != nil {
		return cfg, err
	}
	if given["stall-every-ms"] != given["stall-ms"] {
		return cfg, errors.New("-stall-every-ms and -stall-ms must be given together")
	}
	if given["stall-every-ms"] {
		if err := checkRange("-stall-every-ms", cfg.stallEveryMs, 1, 3_600_000); err != nil {
			return cfg, err
		}
		if err := checkRange("-stall-ms", cfg.stallMs, 1, 3_600_000); err != nil {
			return cfg, err
		}
		// A stall as long as its period would stop message handling for good.
		if cfg.stallMs >= cfg.stallEveryMs {
			return cfg, fmt.Errorf("-stall-ms (%d) must be less than -stall-every-ms (%d)", cfg.stallMs, cfg.stallEveryMs)
		}
	}
	return cfg, nil
}

func checkRange(name string, value, min, max int) error {
	if value < min || value > max {
		return fmt.Errorf("%s must be an integer from %d to %d, got %d", name, min, max, value)
	}
	return nil
}

// announceReady prints the one READY line (protocol/wire.ts ReadyAnnouncement) with the knobs as applied.
func announceReady(cfg config, port int) error {
	gomaxprocs := runtime.GOMAXPROCS(0)
	var stallEveryMs, stallMs any // JSON null when no stall is configured, as the Node servers report it
	if cfg.stallEveryMs > 0 {
		stallEveryMs, stallMs = cfg.stallEveryMs, cfg.stallMs
	}
	announcement := struct {
		Server string         `json:"server"`
		URL    string         `json:"url"`
		Port   int            `json:"port"`
		Pid    int            `json:"pid"`
		Knobs  map[string]any `json:"knobs"`
	}{
		Server: serverName,
		// JoinHostPort brackets IPv6 literals, as servers/common/ready.ts serverUrl does.
		URL:  "ws://" + net.JoinHostPort(cfg.host, strconv.Itoa(port)) + "/",
		Port: port,
		Pid:  os.Getpid(),
		Knobs: map[string]any{
			"library": "gorilla/websocket@" + gorillaVersion,
			// `threads` is the figure every server reports; for Go it is GOMAXPROCS, the number of OS
			// threads running Go code at once (the runtime adds threads for blocking syscalls). In
			// go-os-threads the per-connection threads come and go with the connections (lockOsThreads;
			// /stats go.osThreads counts them live), as ws-worker-per-conn's handler workers do.
			"threads":           gomaxprocs,
			"gomaxprocs":        gomaxprocs,
			"lockOsThreads":     cfg.lockOSThreads,
			"maxOsThreads":      cfg.maxOSThreads,
			"goVersion":         runtime.Version(),
			"stallEveryMs":      stallEveryMs,
			"stallMs":           stallMs,
			"perMessageDeflate": false,
			"maxPayloadBytes":   maxPayloadBytes,
			"tcpNoDelay":        tcpNoDelay,
			// gorilla has no idle timeout and we set no read deadline: 0 = disabled, as for the Node servers.
			"idleTimeoutSec":   0,
			"readBufferBytes":  readBufferBytes,
			"writeBufferBytes": writeBufferBytes,
			// 0 = nothing queues: beyond gorilla's write buffer a write blocks its goroutine until the
			// kernel takes the bytes, and nothing is ever dropped (ws-loop: null = unbounded queue; uWS:
			// a queue limit past which sends are dropped).
			"maxBackpressureBytes": 0,
			"broadcastVia":         "sender goroutine, per-connection write mutex",
		},
	}
	line, err := json.Marshal(announcement)
	if err != nil {
		return err
	}
	// os.Stdout is unbuffered: the line leaves in one write, before any connection is served.
	_, err = fmt.Fprintf(os.Stdout, "%s%s\n", readyPrefix, line)
	return err
}

// waitForStop blocks until SIGTERM, SIGINT or (when the launcher asks for it) EOF on stdin, and returns
// why. A second signal while the shutdown runs means "now": that shutdown is evidently stuck.
func waitForStop() string {
	stop := make(chan string, 1)
	request := func(why string) {
		select {
		case stop <- why:
		default: // a stop is already pending
		}
	}
	var stopping atomic.Bool
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for sig := range signals {
			if stopping.Load() {
				os.Exit(0)
			}
			request(sig.String())
		}
	}()
	if os.Getenv(lifelineEnv) == "stdin" {
		go func() {
			// The launcher never writes; reading only waits for end-of-file (or an error: same meaning).
			_, _ = io.Copy(io.Discard, os.Stdin)
			request("launcher closed stdin")
		}()
	}
	why := <-stop
	stopping.Store(true)
	return why
}

// server holds what every connection goroutine shares.
type server struct {
	started  time.Time
	upgrader websocket.Upgrader
	clients  registry
	// go-os-threads: every connection goroutine locks itself to its OS thread (serveConn).
	lockOSThreads bool
	// Test-mode stalls: see startStall.
	stall sync.RWMutex

	messagesHandled     atomic.Int64
	broadcastDeliveries atomic.Int64
	protocolCloses      atomic.Int64
	// Frames gorilla rejected (oversize, bad opcode, unmasked, …); gorilla closes those itself with
	// 1009/1002, so they are not protocolCloses. Reported under `extra` as ws-loop does.
	framingErrors atomic.Int64
}

// originAllowed mirrors servers/common/origin.ts: no Origin (not a browser) passes; loopback origins
// (http(s)://localhost, 127.0.0.0/8, [::1]) pass; others only when listed in WSARENA_ALLOW_ORIGIN
// (comma-separated origins, or * for any).
func originAllowed(origin, allow string) bool {
	if origin == "" {
		return true
	}
	for _, a := range strings.Split(allow, ",") {
		a = strings.TrimSpace(a)
		if a == "*" || (a != "" && a == origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := u.Hostname()
	if host == "localhost" || host == "::1" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.To4() != nil && ip.To4()[0] == 127 && strings.Count(host, ".") == 3
}

func newServer(lockOSThreads bool) *server {
	return &server{
		started:       time.Now(),
		lockOSThreads: lockOSThreads,
		upgrader: websocket.Upgrader{
			ReadBufferSize:    readBufferBytes,
			WriteBufferSize:   writeBufferBytes,
			EnableCompression: false, // compression off on both sides (METHOD.md §4)
			// A foreign browser Origin gets 403 (gorilla answers it): the rule of servers/common/origin.ts.
			CheckOrigin: func(r *http.Request) bool { return originAllowed(r.Header.Get("Origin"), os.Getenv("WSARENA_ALLOW_ORIGIN")) },
		},
	}
}

// mux serves WebSocket upgrades on any path, GET /stats, and net/http/pprof under /debug/pprof/, all
// on the one port. pprof is registered on this mux explicitly (its import also registers on
// http.DefaultServeMux, which this server never serves).
func (s *server) mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.serveWebSocket)
	mux.HandleFunc(statsPath, s.serveStats)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "not found; this server answers WebSocket upgrades and GET %s\n", statsPath)
}

func (s *server) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		notFound(w)
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has already answered with an HTTP error
	}
	if tcp, ok := conn.UnderlyingConn().(*net.TCPConn); ok {
		_ = tcp.SetNoDelay(tcpNoDelay)
	}
	conn.SetReadLimit(maxPayloadBytes)
	c := &client{conn: conn}
	if !s.clients.add(c) {
		// The shutdown began between the handshake and here.
		c.sendClose(closeGoingAway, shutdownReason)
		_ = conn.Close()
		return
	}
	// net/http runs every connection's handler on a goroutine of its own. After the upgrade that
	// goroutine simply stays: it is this connection's goroutine for the connection's whole life.
	s.serveConn(c)
}

// serveConn is a connection's goroutine: read a message (blocking), act on it, repeat.
func (s *server) serveConn(c *client) {
	if s.lockOSThreads {
		// go-os-threads: from here on this goroutine, and nothing else, runs on this OS thread. It never
		// unlocks: when the connection ends, the goroutine (net/http's handler goroutine, which returns
		// right after a hijacked handler) exits locked and Go terminates the thread instead of reusing
		// it, so the thread count falls with the connection count. The scheduler starts another thread
		// to run everything else on this thread's P.
		runtime.LockOSThread()
	}
	defer func() {
		s.clients.remove(c)
		_ = c.conn.Close()
	}()
	for {
		kind, msg, err := c.readMessage()
		if err != nil {
			if isFramingError(err) {
				s.framingErrors.Add(1)
				c.drainAfterFramingError()
			}
			return
		}
		s.stall.RLock()
		open := s.handle(c, kind, msg)
		s.stall.RUnlock()
		if !open {
			c.awaitCloseReply()
			return
		}
	}
}

// handle acts on one message as wire.ts checkRequest and servers/common/handle.ts do; it returns false
// when it closed the connection because the client broke the contract. Write errors are ignored here:
// a connection whose writes fail is dead, and its read loop finds out on the next read.
func (s *server) handle(c *client, kind int, msg []byte) bool {
	code, reason := closeUnsupportedData, textFrameReason
	if kind == websocket.BinaryMessage {
		code, reason = checkRequest(msg)
	}
	if code != 0 {
		s.protocolCloses.Add(1)
		c.sendClose(code, reason)
		return false
	}
	s.messagesHandled.Add(1)
	switch msg[0] {
	case opEcho:
		_ = c.send(msg)
	case opWork:
		c.reply = appendWorkReply(c.reply[:0], msg)
		_ = c.send(c.reply)
	case opBroadcast:
		s.broadcast(c, msg)
	}
	return true
}

// broadcast sends msg to every open connection, the sender included, from the sender's goroutine.
func (s *server) broadcast(sender *client, msg []byte) {
	// Work on a copy of the list so a slow write never holds the registry lock (which would block every
	// connect and disconnect); the copy reuses the sender's scratch slice, so it costs no allocation.
	sender.peers = s.clients.appendTo(sender.peers[:0])
	delivered := int64(0)
	for i, peer := range sender.peers {
		if peer.send(msg) == nil {
			delivered++
		}
		sender.peers[i] = nil // don't keep closed connections reachable until the next broadcast
	}
	s.broadcastDeliveries.Add(delivered)
}

// startStall: test mode only (ServerOptions.stall), so a test can prove the load generator's
// coordinated-omission correction sees a stall. Go has no single event loop to block; the nearest thing
// is a stop-the-world pause, which we imitate with an RWMutex: every connection goroutine handles each
// message under the read lock, and this goroutine takes the write lock for `duration` every `every`.
// While it holds it, no message is handled anywhere; reads into socket buffers go on, as they do in a
// GC pause. A waiting writer keeps new readers out, so a stall begins as soon as the messages already
// being handled are done (as a stop-the-world waits for goroutines to reach a safe point). The Node
// servers must spin, since a sleeping event loop keeps serving; here the lock holds the handlers, so
// sleeping is enough and the stall costs no CPU.
func (s *server) startStall(every, duration time.Duration) {
	go func() {
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for range ticker.C {
			s.stall.Lock()
			time.Sleep(duration)
			s.stall.Unlock()
		}
	}()
}

// goStats is StatsSnapshot.go in protocol/wire.ts.
type goStats struct {
	Goroutines     int    `json:"goroutines"`
	HeapAllocBytes uint64 `json:"heapAllocBytes"`
	SysBytes       uint64 `json:"sysBytes"`
	NumGC          uint32 `json:"numGC"`
	// Live OS threads of the process (Threads: in /proc/self/status); null where that file is missing.
	OSThreads *int `json:"osThreads"`
}

type statsSnapshot struct {
	Server              string         `json:"server"`
	Pid                 int            `json:"pid"`
	UptimeMs            int64          `json:"uptimeMs"`
	OpenConnections     int            `json:"openConnections"`
	MessagesHandled     int64          `json:"messagesHandled"`
	BroadcastDeliveries int64          `json:"broadcastDeliveries"`
	ProtocolCloses      int64          `json:"protocolCloses"`
	Go                  goStats        `json:"go"`
	Extra               map[string]any `json:"extra"`
}

func (s *server) serveStats(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		notFound(w)
		return
	}
	// ReadMemStats stops the world for a moment; fine at the rate anyone reads /stats.
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	body, err := json.Marshal(statsSnapshot{
		Server:              serverName,
		Pid:                 os.Getpid(),
		UptimeMs:            time.Since(s.started).Milliseconds(),
		OpenConnections:     s.clients.count(),
		MessagesHandled:     s.messagesHandled.Load(),
		BroadcastDeliveries: s.broadcastDeliveries.Load(),
		ProtocolCloses:      s.protocolCloses.Load(),
		Go: goStats{
			Goroutines:     runtime.NumGoroutine(),
			HeapAllocBytes: mem.HeapAlloc,
			SysBytes:       mem.Sys,
			NumGC:          mem.NumGC,
			OSThreads:      liveOSThreads(),
		},
		Extra: map[string]any{
			"framingErrors": s.framingErrors.Load(),
			"gomaxprocs":    runtime.GOMAXPROCS(0),
		},
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// liveOSThreads reads the process's live OS thread count from /proc/self/status; nil off Linux. (Go's
// own figures count threads created, not alive: the threadcreate profile never goes down.)
func liveOSThreads() *int {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	n, ok := parseStatusThreads(status)
	if !ok {
		return nil
	}
	return &n
}

// parseStatusThreads finds the "Threads:\t<n>" line of a /proc/<pid>/status file.
func parseStatusThreads(status []byte) (int, bool) {
	for _, line := range strings.Split(string(status), "\n") {
		if !strings.HasPrefix(line, "Threads:") {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "Threads:")))
		return n, err == nil && n > 0
	}
	return 0, false
}

// shutdown stops accepting, sends every open connection a 1001 close frame, waits briefly for the
// clients' replies, then drops whatever is left.
func (s *server) shutdown(httpServer *http.Server) {
	// Closes the listener and any HTTP connection not (yet) upgraded; upgraded ones are ours to close.
	_ = httpServer.Close()
	open := s.clients.closeAll()
	var sent sync.WaitGroup
	for _, c := range open {
		sent.Add(1)
		// In parallel: a close frame can wait up to closeWriteTimeout behind a blocked writer.
		go func(c *client) {
			defer sent.Done()
			c.sendClose(closeGoingAway, shutdownReason)
		}(c)
	}
	sent.Wait()
	// Each connection goroutine leaves the registry when its client's close frame arrives.
	for deadline := time.Now().Add(closeHandshakeWait); s.clients.count() > 0 && time.Now().Before(deadline); {
		time.Sleep(pollShutdownStep)
	}
	for _, c := range open {
		_ = c.conn.Close()
	}
}

// client is one WebSocket connection.
type client struct {
	conn *websocket.Conn
	// Serialises data-frame writes: the connection's own goroutine and broadcasting goroutines share it.
	writeMu sync.Mutex
	// Set once a close frame is sent (or about to be); later data writes are refused.
	closing atomic.Bool
	// index in registry.list; guarded by registry.mu.
	index int

	// Owned by the connection's goroutine, reused for every message so the steady state allocates nothing.
	readBuf bytes.Buffer
	reply   []byte
	peers   []*client
}

// readMessage blocks until the next complete message and returns it in the connection's read buffer,
// valid until the next call. Everything done with it (replies, broadcast) finishes before that.
func (c *client) readMessage() (kind int, msg []byte, err error) {
	kind, r, err := c.conn.NextReader()
	if err != nil {
		return 0, nil, err
	}
	if c.readBuf.Cap() > maxRetainedReadBuffer {
		c.readBuf = bytes.Buffer{}
	} else {
		c.readBuf.Reset()
	}
	if _, err := c.readBuf.ReadFrom(r); err != nil {
		return 0, nil, err
	}
	return kind, c.readBuf.Bytes(), nil
}

// send writes one binary message, blocking until the kernel has taken it.
func (c *client) send(msg []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if c.closing.Load() {
		return errClosing
	}
	return c.conn.WriteMessage(websocket.BinaryMessage, msg)
}

// sendClose starts the close handshake with code and reason. It does not take writeMu: gorilla's
// WriteControl may run alongside a data write (control frames may sit between a message's frames), and
// a close must not wait behind a write blocked on a client that stopped reading.
func (c *client) sendClose(code int, reason string) {
	c.closing.Store(true)
	_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(closeWriteTimeout))
}

// awaitCloseReply finishes a close handshake this server started: it discards whatever the client still
// sends until the client's close frame arrives (or closeHandshakeWait passes). Closing the socket at
// once would make the kernel answer any unread data with a RST, and the client could then report 1006
// instead of the code we sent.
func (c *client) awaitCloseReply() {
	_ = c.conn.SetReadDeadline(time.Now().Add(closeHandshakeWait))
	for {
		if _, _, err := c.conn.NextReader(); err != nil {
			return
		}
	}
}

// drainAfterFramingError: gorilla has already sent its close frame (1009 for an oversized message, 1002
// for a protocol error) and will read nothing more, so wait for the client's side on the raw socket, for
// the same reason as awaitCloseReply: an oversized message is typically still arriving, and closing over
// it would reset the connection before the client reads our close code.
func (c *client) drainAfterFramingError() {
	raw := c.conn.UnderlyingConn()
	_ = raw.SetReadDeadline(time.Now().Add(closeHandshakeWait))
	_, _ = io.Copy(io.Discard, raw)
}

// isFramingError tells a frame gorilla rejected (its errors are plain "websocket: …" values) from a
// client closing, a dropped connection, or a read this server cut short.
func isFramingError(err error) bool {
	var closeErr *websocket.CloseError
	var netErr net.Error
	return !errors.As(err, &closeErr) && !errors.As(err, &netErr) &&
		!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}

// registry is the set of open connections, for BROADCAST and for openConnections. Add and remove are
// O(1) (swap-remove with each client's index); readers copy the list out rather than hold the lock.
type registry struct {
	mu     sync.RWMutex
	list   []*client
	closed bool // set by closeAll at shutdown; later connections are refused
}

func (r *registry) add(c *client) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	c.index = len(r.list)
	r.list = append(r.list, c)
	return true
}

func (r *registry) remove(c *client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.index < 0 || c.index >= len(r.list) || r.list[c.index] != c {
		return // never added (refused at shutdown) or already removed
	}
	last := r.list[len(r.list)-1]
	r.list[c.index] = last
	last.index = c.index
	r.list[len(r.list)-1] = nil
	r.list = r.list[:len(r.list)-1]
	c.index = -1
}

func (r *registry) count() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.list)
}

// appendTo appends the open connections to dst.
func (r *registry) appendTo(dst []*client) []*client {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append(dst, r.list...)
}

// closeAll refuses further connections and returns the open ones.
func (r *registry) closeAll() []*client {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return append([]*client(nil), r.list...)
}
