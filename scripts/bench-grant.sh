#!/usr/bin/env bash
# Grant part of `make bench` (issue 8): screen 79's tap → answer through pcscd and the virtual card (p50, p99; goal
# p99 ≤ 50 ms offline) against the bare certificate read on the same reader, and the upload of 10,000 stored grants
# to the platform over loopback HTTP (goal ≤ 10 s) against 10,000 bare inserts of the same grants into the device
# store. Both measured in this run; ratios printed. TAPS taps per run (default 300), BENCHCOUNT runs (medians).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
TAPS=${TAPS:-300}
BENCHCOUNT=${BENCHCOUNT:-3}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
metric() { # metric OUTPUT NAME UNIT → median of UNIT over the lines naming NAME
	echo "$1" | grep -F "$2" | awk -v u="$3" '{for (i = 1; i <= NF; i++) if ($(i) == u) print $(i-1)}' | sort -g |
		awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)] }'
}
status=0

echo "== grant: BenchmarkTap (screen 79, card seen → answer through pcscd; baseline: the bare auth-certificate read)"
if OUT=$(go test -run '^$' -bench 'BenchmarkTap$' -benchtime "${TAPS}x" -count "$BENCHCOUNT" ./terminal/grant/ 2>&1 | grep -E '^Benchmark'); then
	echo "$OUT"
	for p in p50-ms p99-ms; do
		T=$(metric "$OUT" "tap_granted" $p)
		B=$(metric "$OUT" "bare_cert_read" $p)
		echo "grant tap $p (median of $BENCHCOUNT runs of $TAPS taps): ${T} ms vs bare certificate read ${B} ms = ratio $(ratio "$T" "$B") (goal: p99 ≤ 50 ms)"
	done
else
	echo "grant: BenchmarkTap failed" >&2
	status=1
fi

echo "== grant: BenchmarkUpload10k (screen 79 upload of 10,000 grants over loopback HTTP; baseline: 10,000 bare inserts into the device store)"
if OUT=$(go test -run '^$' -bench 'BenchmarkUpload10k$' -benchtime 1x -count "$BENCHCOUNT" -timeout 60m ./terminal/grant/ 2>&1 | grep -E '^Benchmark'); then
	echo "$OUT"
	U=$(metric "$OUT" "upload" s/10k)
	B=$(metric "$OUT" "bare_inserts" s/10k)
	echo "grant upload of 10,000 (median of $BENCHCOUNT): ${U} s vs bare inserts ${B} s = ratio $(ratio "$U" "$B") (goal: ≤ 10 s)"
else
	echo "grant: BenchmarkUpload10k failed" >&2
	status=1
fi
exit $status
