#!/usr/bin/env bash
# `make bench`: every benchmark of mykeyterm with its baseline measured in the same run, printed as ratios.
# Each part is a section below or a scripts/bench-<part>.sh that this script runs in name order (engineers add their
# part as its own file, or append a section here). BENCHTIME=5s by default.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
export BENCHTIME=${BENCHTIME:-5s}
BENCHCOUNT=${BENCHCOUNT:-3} # runs per benchmark; ratios use the medians (the machine may be shared and noisy)
status=0

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
metric() { # metric OUTPUT NAME UNIT → median value of UNIT over the lines naming NAME (runs of -count)
	echo "$1" | grep -F "$2" | awk -v u="$3" '{for (i = 1; i <= NF; i++) if ($(i) == u) print $(i-1)}' | sort -g |
		awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)] }'
}

# --- platform (engineer B): service-ID lookups/s through real HTTP incl. the JPKI certificate check, vs a bare
# net/http handler on loopback answering the same request with a fixed result.
echo "== platform: BenchmarkLookup (lookups/s through HTTP incl. certificate check; baseline: bare net/http handler)"
if OUT=$(go test -tags demo -run '^$' -bench 'BenchmarkLookup$' -benchtime "$BENCHTIME" -count "$BENCHCOUNT" ./platform/ 2>/dev/null | grep -E '^Benchmark'); then
	echo "$OUT"
	for c in 1 8; do
		P=$(metric "$OUT" "platform/conc=$c" lookups/s)
		B=$(metric "$OUT" "bare_nethttp/conc=$c" lookups/s)
		Q=$(metric "$OUT" "platform_postgres/conc=$c" lookups/s)
		echo "platform lookup throughput, $c concurrent (median of $BENCHCOUNT): ${P} lookups/s vs bare net/http ${B}/s = ratio $(ratio "$P" "$B") (goal >= 0.70); on PostgreSQL ${Q}/s = ratio $(ratio "$Q" "$B")"
	done
else
	echo "platform: BenchmarkLookup failed" >&2
	status=1
fi

# --- further parts: scripts/bench-*.sh
for part in scripts/bench-*.sh; do
	[ -e "$part" ] || continue
	echo
	if ! bash "$part"; then
		echo "$part failed" >&2
		status=1
	fi
done
exit $status
