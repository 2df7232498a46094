// go-goroutines: the Go reference server of wsarena. gorilla/websocket, one goroutine per connection
// doing blocking reads; the Go runtime's netpoller parks those goroutines and multiplexes them over
// GOMAXPROCS OS threads. It is the suite's "goroutines" model: the programming model of
// thread-per-connection (straight-line blocking code) at roughly the cost of an event loop.
//
// Writes. A connection is written by its own goroutine (ECHO and WORK replies) and by whichever
// goroutine is handling a BROADCAST; gorilla allows only one writer at a time, so each connection has a
// write mutex and the goroutine that has something to send does the blocking write itself. We chose
// that over a writer goroutine per connection because:
//   - it keeps exactly one goroutine per connection, so the goroutine count in /stats is the connection
//     count plus a small constant, which is what this model is meant to show;
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
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

const (
	serverName  = "go-goroutines"
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

	// Exit code for bad flags and for a failed listen, as for the Node servers (servers/common).
	usageExitCode = 2

	closeGoingAway   = 1001
	textFrameReason  = "text frames are not part of the wsarena contract"
	shutdownReason   = "server shutting down"
	pollShutdownStep = 20 * time.Millisecond
)

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
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
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

	s := newServer()
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

// parseFlags reads -host, -port, -gomaxprocs and the test-mode -stall-every-ms/-stall-ms pair. Go's
// flag package accepts both -flag and --flag, and both "-flag value" and "-flag=value".
func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet(serverName, flag.ContinueOnError)
	fs.StringVar(&cfg.host, "host", "127.0.0.1", "address to listen on")
	fs.IntVar(&cfg.port, "port", 0, "TCP port; 0 = any free port")
	fs.IntVar(&cfg.gomaxprocs, "gomaxprocs", 0, "runtime.GOMAXPROCS; 0 = Go's default (CPUs this process may run on)")
	fs.IntVar(&cfg.stallEveryMs, "stall-every-ms", 0, "test mode: stall message handling every this many ms (with -stall-ms)")
	fs.IntVar(&cfg.stallMs, "stall-ms", 0, "test mode: length of each stall in ms (with -stall-every-ms)")
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
			// threads running Go code at once (the runtime adds threads for blocking syscalls).
			"threads":           gomaxprocs,
			"gomaxprocs":        gomaxprocs,
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
	// Test-mode stalls: see startStall.
	stall sync.RWMutex

	messagesHandled     atomic.Int64
	broadcastDeliveries atomic.Int64
	protocolCloses      atomic.Int64
	// Frames gorilla rejected (oversize, bad opcode, unmasked, …); gorilla closes those itself with
	// 1009/1002, so they are not protocolCloses. Reported under `extra` as ws-loop does.
	framingErrors atomic.Int64
}

func newServer() *server {
	return &server{
		started: time.Now(),
		upgrader: websocket.Upgrader{
			ReadBufferSize:    readBufferBytes,
			WriteBufferSize:   writeBufferBytes,
			EnableCompression: false, // compression off on both sides (METHOD.md §4)
			// The suite connects from its own load generator; there is no browser origin to protect.
			CheckOrigin: func(*http.Request) bool { return true },
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
