//go:build !windows

package kv

// initialMmapSize maps room for a 1 GiB file up front (address space only; the file grows as it fills). bbolt grows
// its map under a lock that waits for every open read transaction, so a map sized up front keeps long reads (an
// aggregation) from holding writers up.
const initialMmapSize = 1 << 30
