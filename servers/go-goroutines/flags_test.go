package main

import (
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestParseFlagsDefaults(t *testing.T) {
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatalf("parseFlags(nil): %v", err)
	}
	if cfg.lockOSThreads || cfg.maxOSThreads != defaultMaxOSThreads || cfg.name() != "go-goroutines" {
		t.Errorf("defaults: lockOSThreads=%v maxOSThreads=%d name=%q, want false %d go-goroutines",
			cfg.lockOSThreads, cfg.maxOSThreads, cfg.name(), defaultMaxOSThreads)
	}
	if defaultMaxOSThreads != 30000 {
		t.Errorf("defaultMaxOSThreads = %d; servers/go-goroutines/spec.ts DEFAULT_MAX_OS_THREADS says 30000", defaultMaxOSThreads)
	}
}

func TestParseFlagsOSThreads(t *testing.T) {
	cases := []struct {
		args    []string
		lock    bool
		max     int
		wantErr string // substring; "" = accepted
	}{
		{[]string{"-lock-os-threads"}, true, 30000, ""},
		{[]string{"--lock-os-threads=true", "--max-os-threads", "100"}, true, 100, ""},
		{[]string{"--lock-os-threads=false"}, false, 30000, ""},
		{[]string{"-max-os-threads=4194304"}, false, 4194304, ""},
		{[]string{"-max-os-threads", "99"}, false, 0, "-max-os-threads must be an integer from 100 to 4194304, got 99"},
		{[]string{"-max-os-threads", "0"}, false, 0, "-max-os-threads must be an integer from 100 to 4194304, got 0"},
		{[]string{"-max-os-threads", "-1"}, false, 0, "got -1"},
		{[]string{"-max-os-threads", "4194305"}, false, 0, "got 4194305"},
		{[]string{"-max-os-threads", "lots"}, false, 0, "invalid value"},
		{[]string{"-lock-os-threads", "yes"}, false, 0, `unexpected argument "yes"`},
	}
	for _, c := range cases {
		cfg, err := parseFlags(c.args)
		if c.wantErr == "" {
			if err != nil {
				t.Errorf("%v: unexpected error %v", c.args, err)
			} else if cfg.lockOSThreads != c.lock || cfg.maxOSThreads != c.max {
				t.Errorf("%v: lockOSThreads=%v maxOSThreads=%d, want %v %d", c.args, cfg.lockOSThreads, cfg.maxOSThreads, c.lock, c.max)
			}
			continue
		}
		if err == nil || errors.Is(err, flag.ErrHelp) || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.wantErr)
		}
	}
	if cfg, _ := parseFlags([]string{"-lock-os-threads"}); cfg.name() != "go-os-threads" {
		t.Errorf("-lock-os-threads names the server %q, want go-os-threads", cfg.name())
	}
}

func TestParseStatusThreads(t *testing.T) {
	status := []byte("Name:\tgo-goroutines\nUmask:\t0022\nThreads:\t57\nSigQ:\t0/96365\n")
	if n, ok := parseStatusThreads(status); !ok || n != 57 {
		t.Errorf("parseStatusThreads = %d, %v; want 57, true", n, ok)
	}
	if _, ok := parseStatusThreads([]byte("Name:\tx\n")); ok {
		t.Error("parseStatusThreads found a count in a status without a Threads: line")
	}
	if n := liveOSThreads(); n != nil && *n < 1 {
		t.Errorf("liveOSThreads = %d, want at least 1", *n)
	}
}
