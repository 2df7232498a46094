package main

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The shared vectors every implementation must reproduce. `go test` runs in the package directory,
// so the path is relative to servers/go-goroutines/.
var vectorsPath = filepath.Join("..", "..", "protocol", "work-vectors.json")

func TestWorkVectors(t *testing.T) {
	raw, err := os.ReadFile(vectorsPath)
	if err != nil {
		t.Fatalf("reading %s: %v", vectorsPath, err)
	}
	var file struct {
		Vectors []struct {
			Iterations uint32 `json:"iterations"`
			Seed       uint32 `json:"seed"`
			Result     uint32 `json:"result"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("parsing %s: %v", vectorsPath, err)
	}
	if len(file.Vectors) == 0 {
		t.Fatalf("%s holds no vectors", vectorsPath)
	}
	for _, v := range file.Vectors {
		if got := work(v.Iterations, v.Seed); got != v.Result {
			t.Errorf("work(%d, %d) = %d, want %d", v.Iterations, v.Seed, got, v.Result)
		}
	}
}

func TestCheckRequest(t *testing.T) {
	header := func(op byte, extra ...byte) []byte {
		return append([]byte{op, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}, extra...)
	}
	workReq := func(iterations uint32) []byte {
		payload := make([]byte, 8)
		binary.LittleEndian.PutUint32(payload, iterations)
		return header(opWork, payload...)
	}
	cases := []struct {
		name       string
		msg        []byte
		wantCode   int
		wantReason string
	}{
		{"echo", header(opEcho), 0, ""},
		{"broadcast", header(opBroadcast, 1, 2, 3), 0, ""},
		{"work", workReq(maxWorkIterations), 0, ""},
		{"truncated header", make([]byte, 15), closeTruncatedHeader, "message of 15 bytes is shorter than the 16-byte header"},
		{"empty", nil, closeTruncatedHeader, "message of 0 bytes is shorter than the 16-byte header"},
		{"unknown op", header(9), closeUnknownOp, "unknown op 9"},
		{"truncated work", header(opWork, 1, 2, 3), closeTruncatedWork, "WORK payload of 3 bytes, needs 8"},
		{"work too large", workReq(maxWorkIterations + 1), closeWorkTooLarge, "WORK iterations 50000001 > 50000000"},
	}
	for _, c := range cases {
		code, reason := checkRequest(c.msg)
		if code != c.wantCode || reason != c.wantReason {
			t.Errorf("%s: checkRequest = (%d, %q), want (%d, %q)", c.name, code, reason, c.wantCode, c.wantReason)
		}
	}
}
