package platform

import (
	"os"
	"runtime/debug"
	"strconv"
)

// ServerGCPercent is the garbage collector's target that `mkpf-server serve` runs with unless $GOGC is set.
//
// The server's live heap is small and stays small: the data lives in the bbolt file's memory map or in PostgreSQL,
// not on the Go heap. With Go's default target (100: collect whenever the heap has doubled) a server answering
// ten thousand lookups a second, each allocating ~15 KB, collects many times a second; at 400 it collects about a
// fifth as often and the heap's peak grows from about 2× to 5× the live heap (tens of MB). Measured on the 2-CPU
// development machine: lookups through HTTP 12,000-15,000/s at 100, 20,000/s at 400 (8 clients). scripts/bench.sh
// runs the platform and its bare baselines at this same setting (in one process, so both get it). An operator can
// still choose: $GOGC (or GOMEMLIMIT with GOGC=off) in the environment wins.
const ServerGCPercent = 400

// TuneServerGC applies ServerGCPercent when $GOGC is not set, and says what it applied ("" when $GOGC decides).
func TuneServerGC() string {
	if os.Getenv("GOGC") != "" {
		return ""
	}
	debug.SetGCPercent(ServerGCPercent)
	return strconv.Itoa(ServerGCPercent)
}
