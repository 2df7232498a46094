package main

import (
	"encoding/binary"
	"fmt"
)

// The wire contract (protocol/wire.ts is the normative TypeScript, docs/PROTOCOL.md the text). Only what
// this server needs is mirrored here; contract_test.go checks work() against protocol/work-vectors.json so
// the two implementations cannot drift apart.

const (
	headerBytes                    = 16
	workRequestPayloadBytes        = 8
	maxWorkIterations       uint32 = 50_000_000

	opEcho      = 1
	opWork      = 2
	opBroadcast = 3

	closeUnsupportedData = 1003
	closeTruncatedHeader = 4400
	closeUnknownOp       = 4401
	closeTruncatedWork   = 4402
	closeWorkTooLarge    = 4413
)

// work is the contract's deterministic CPU burner: xorshift32 state folded into an FNV-1a-style
// accumulator, all in uint32 so it wraps exactly like the TypeScript version's >>> 0 / Math.imul.
func work(iterations, seed uint32) uint32 {
	x := seed
	if x == 0 {
		// xorshift has a fixed point at 0.
		x = 0x9E3779B9
	}
	acc := uint32(0x811C9DC5)
	// iterations is at most maxWorkIterations by the time a server calls this, but the loop is also
	// correct (terminates, never wraps i) for any uint32.
	for i := uint32(0); i < iterations; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		acc = ((acc ^ x) + i) * 0x01000193
	}
	return acc
}

// checkRequest mirrors wire.ts checkRequest: 0 and "" for a valid message, otherwise the close code and
// reason (the same text as the TypeScript, so every server closes a broken client identically).
func checkRequest(msg []byte) (code int, reason string) {
	if len(msg) < headerBytes {
		return closeTruncatedHeader, fmt.Sprintf("message of %d bytes is shorter than the %d-byte header", len(msg), headerBytes)
	}
	switch msg[0] {
	case opEcho, opBroadcast:
		return 0, ""
	case opWork:
	default:
		return closeUnknownOp, fmt.Sprintf("unknown op %d", msg[0])
	}
	if len(msg) < headerBytes+workRequestPayloadBytes {
		return closeTruncatedWork, fmt.Sprintf("WORK payload of %d bytes, needs %d", len(msg)-headerBytes, workRequestPayloadBytes)
	}
	if iterations := workIterations(msg); iterations > maxWorkIterations {
		return closeWorkTooLarge, fmt.Sprintf("WORK iterations %d > %d", iterations, maxWorkIterations)
	}
	return 0, ""
}

func workIterations(msg []byte) uint32 { return binary.LittleEndian.Uint32(msg[headerBytes:]) }
func workSeed(msg []byte) uint32       { return binary.LittleEndian.Uint32(msg[headerBytes+4:]) }

// appendWorkReply appends the reply to a valid WORK request to dst: the request's header, then the
// result as uint32 LE.
func appendWorkReply(dst, request []byte) []byte {
	dst = append(dst, request[:headerBytes]...)
	return binary.LittleEndian.AppendUint32(dst, work(workIterations(request), workSeed(request)))
}
