#!/usr/bin/env bash
# PostgreSQL part of `make bench` (issue 16), every platform figure against its baseline measured in the same run on
# the same PostgreSQL cluster (fsync and synchronous_commit on), PGSECS seconds a run (default 10; about 4.5 minutes in
# all). platform/pgscale_bench_test.go says what each run does. One line per comparison, key=value, for scripts:
#   pg-pointuse  durable point uses/s (real mkpf-server process, real HTTP, enrolled terminals with points sessions,
#                1 point a request, each client its own account) vs pgbench's same debit, at 1, 8 and 32 clients;
#                then 8 and 32 clients on one shared account (reported)
#   pg-lookup    lookups/s on PostgreSQL vs a bare net/http handler running one indexed SELECT on the same database
#   pg-scaleout  one vs two mkpf-server processes vs pgbench, toxiproxy (bench/latencyproxy) adding 5 ms or 1 ms
#                each way between them and PostgreSQL; distinct accounts, and all from one account
# Then a summary: each ratio with its goal and whether this run met it. No timed assertion anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
export PGSECS=${PGSECS:-10}

EXTRA_PACKAGES="postgresql postgresql-contrib" ./scripts/install-deps.sh >/dev/null

echo "== PostgreSQL: point uses vs pgbench, lookups vs one indexed SELECT, write scale-out under latency ($PGSECS s a run)"
LOG=$(mktemp /tmp/mkpf-bench-pgscale.XXXXXX)
trap 'rm -f "$LOG"' EXIT
if ! go test -tags demo -count=1 -run '^$' -bench 'BenchmarkPostgres(PointUse|Lookup)$' -benchtime 1x -timeout 30m \
	./platform/ >"$LOG" 2>&1; then
	grep -v '^time=' "$LOG" | tail -40 >&2
	echo "bench-pgscale: the benchmarks failed" >&2
	exit 1
fi
grep -E '^pg-' "$LOG"

echo "== PostgreSQL summary (ratios within this run)"
grep -E '^pg-' "$LOG" | awk '
function kv(line,   i, n, f, p) { delete v; n = split(line, f, " "); for (i = 2; i <= n; i++) { p = index(f[i], "="); v[substr(f[i], 1, p - 1)] = substr(f[i], p + 1) } }
function met(r, g) { return g == "none" ? "reported" : (r + 0 >= g + 0 ? "met" : "NOT met") }
$1 == "pg-pointuse" { kv($0); printf "  point uses, %2d clients, %-8s accounts: %8.1f/s vs pgbench %8.1f/s = %.3f (goal %s: %s)\n", v["clients"], v["accounts"], v["uses_per_s"], v["pgbench_tps"], v["ratio"], v["goal"], met(v["ratio"], v["goal"]) }
$1 == "pg-lookup"   { kv($0); printf "  lookups,    %2d clients: %8.1f/s vs bare SQL %7.1f/s = %.3f (goal %s: %s)\n", v["clients"], v["lookups_per_s"], v["bare_sql_per_s"], v["ratio"], v["goal"], met(v["ratio"], v["goal"]) }
$1 == "pg-scaleout" { kv($0); printf "  scale-out %s each way, %s accounts: one process %.1f/s (p50 %s ms), two %.1f/s (p50 %s ms), pgbench %.1f/s; two/one %.3f (goal %s: %s), two/pgbench %.3f (goal %s: %s)\n", v["latency"], v["accounts"], v["one_proc_uses_per_s"], v["one_proc_p50_ms"], v["two_procs_uses_per_s"], v["two_procs_p50_ms"], v["pgbench_tps"], v["ratio_two_vs_one"], v["goal_two_vs_one"], met(v["ratio_two_vs_one"], v["goal_two_vs_one"]), v["ratio_two_vs_pgbench"], v["goal_two_vs_pgbench"], met(v["ratio_two_vs_pgbench"], v["goal_two_vs_pgbench"]) }
'
