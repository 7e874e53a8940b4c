#!/usr/bin/env bash
# Points part of `make bench`: ratios of medians measured in this one run.
#  1. Durable point uses per second through HTTP (Go benchmark BenchmarkPointUse, BENCHCOUNT runs each), on bbolt
#     and on PostgreSQL, against PostgreSQL's pgbench running the same debit (balance update with a no-overdraft
#     check, ledger insert, idempotency-key insert) with synchronous_commit=on on a throwaway cluster, at 1 and 8
#     clients (pgbench also BENCHCOUNT runs, median).
#  2. Point-use p99 while 4 terminals aggregate (screen 87) in a loop over a store holding AGG_VOUCHERS outstanding
#     vouchers (BenchmarkPointUseDuringAggregation), against the idle p99 in the same run.
#  3. The store's growth per 1,000,000 point uses before and after idempotency pruning (BenchmarkStoreSizePerMillionUses).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
BENCHTIME=${BENCHTIME:-5s}
BENCHCOUNT=${BENCHCOUNT:-3}
PGSECS=${PGSECS:-10}
export AGG_VOUCHERS=${AGG_VOUCHERS:-1000000}
AGG_VOUCHERS_POSTGRES=${AGG_VOUCHERS_POSTGRES:-100000} # seeding goes through the kv interface, a statement a key
SIZE_USES=${SIZE_USES:-20000}
SIZE_USES_POSTGRES=${SIZE_USES_POSTGRES:-5000}

EXTRA_PACKAGES="postgresql postgresql-contrib" ./scripts/install-deps.sh >/dev/null
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "bench-points: PostgreSQL not found (apt-get install postgresql postgresql-contrib)" >&2; exit 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
median() { sort -g | awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)] }'; }
metric() { # metric OUTPUT NAME UNIT → median of UNIT over the lines naming NAME
	echo "$1" | grep -F -- "$2" | awk -v u="$3" '{for (i = 1; i <= NF; i++) if ($(i) == u) print $(i-1)}' | median
}

echo "== points: BenchmarkPointUse (durable point use through HTTP; baseline: bare HTTP handler + fsync), $BENCHCOUNT runs"
GOOUT=$(go test -tags demo -run '^$' -bench 'BenchmarkPointUse$' -benchtime "$BENCHTIME" -count "$BENCHCOUNT" ./platform/ 2>/dev/null | grep -E '^Benchmark')
echo "$GOOUT"
P1=$(metric "$GOOUT" "platform/conc=1-" tx/s); P8=$(metric "$GOOUT" "platform/conc=8-" tx/s)
Q1=$(metric "$GOOUT" "platform_postgres/conc=1-" tx/s); Q8=$(metric "$GOOUT" "platform_postgres/conc=8-" tx/s)
B1=$(metric "$GOOUT" "baseline_http_fsync/conc=1-" tx/s); B8=$(metric "$GOOUT" "baseline_http_fsync/conc=8-" tx/s)

echo "== points: pgbench baseline (PostgreSQL, synchronous_commit=on, same debit), $BENCHCOUNT runs"
WORK=$(mktemp -d /tmp/mkpf-pgbench.XXXXXX)
chmod 755 "$WORK"
RUNAS=()
if [ "$(id -u)" = 0 ]; then chown postgres "$WORK"; RUNAS=(runuser -u postgres --); fi
PORT=$(( 54000 + RANDOM % 1000 ))
cleanup() { "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
"${RUNAS[@]}" "$PGBIN/initdb" -D "$WORK/data" -A trust -U bench >/dev/null
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w \
  -o "-c synchronous_commit=on -c fsync=on -c listen_addresses='' -k $WORK -p $PORT" start >/dev/null
PSQL=("${RUNAS[@]}" "$PGBIN/psql" -q -h "$WORK" -p "$PORT" -U bench)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench" >/dev/null
"${PSQL[@]}" -d bench >/dev/null <<'SQL'
CREATE TABLE balances (id int PRIMARY KEY, points bigint NOT NULL CHECK (points >= 0));
INSERT INTO balances SELECT g, 1000000000 FROM generate_series(1, 1000) g;
CREATE TABLE moves (seq bigserial PRIMARY KEY, account int NOT NULL, delta bigint NOT NULL, terminal text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE idem (key text PRIMARY KEY, body text NOT NULL);
SQL
cat > "$WORK/debit.sql" <<'SQL'
\set aid random(1, 1000)
BEGIN;
UPDATE balances SET points = points - 1 WHERE id = :aid AND points >= 1;
INSERT INTO moves (account, delta, terminal) VALUES (:aid, -1, '00052589');
INSERT INTO idem (key, body) VALUES ('00052589/' || md5(random()::text || clock_timestamp()::text), '{"points":1}');
COMMIT;
SQL
chmod 644 "$WORK/debit.sql"
pg() { "${RUNAS[@]}" "$PGBIN/pgbench" -n -h "$WORK" -p "$PORT" -U bench -f "$WORK/debit.sql" -c "$1" -j "$(( $1 < 2 ? 1 : 2 ))" -T "$PGSECS" bench 2>/dev/null \
  | awk '/^tps/ {print $3; exit}'; }
G1s=(); G8s=()
for _ in $(seq "$BENCHCOUNT"); do G1s+=("$(pg 1)"); G8s+=("$(pg 8)"); done
G1=$(printf '%s\n' "${G1s[@]}" | median); G8=$(printf '%s\n' "${G8s[@]}" | median)
echo "pgbench c=1: ${G1s[*]} tps (median $G1)   c=8: ${G8s[*]} tps (median $G8)"

echo "== points summary (durable point-use transactions per second, medians of $BENCHCOUNT)"
printf "  %-38s %10s %10s\n" "" "1 client" "8 clients"
printf "  %-38s %10s %10s\n" "mykeyterm platform (HTTP+bbolt)" "$P1" "$P8"
printf "  %-38s %10s %10s\n" "mykeyterm platform (HTTP+PostgreSQL)" "$Q1" "$Q8"
printf "  %-38s %10s %10s\n" "baseline: bare HTTP + fsync" "$B1" "$B8"
printf "  %-38s %10s %10s\n" "baseline: pgbench same debit" "$G1" "$G8"
echo "  ratio platform (bbolt) / pgbench:      $(ratio "$P1" "$G1") (1 client)   $(ratio "$P8" "$G8") (8 clients)   goal >= 1.0"
echo "  ratio platform (PostgreSQL) / pgbench: $(ratio "$Q1" "$G1") (1 client)   $(ratio "$Q8" "$G8") (8 clients)"
echo "  ratio platform (bbolt) / HTTP+fsync:   $(ratio "$P1" "$B1") (1 client)   $(ratio "$P8" "$B8") (8 clients)"

echo
echo "== points: point-use p99 while 4 terminals aggregate (screen 87) vs idle, p99 over 20 alternating rounds of each phase"
AGGOUT=$(go test -tags demo -run '^$' -bench 'BenchmarkPointUseDuringAggregation/store=bbolt' -benchtime 1x -timeout 60m ./platform/ 2>&1 | grep -E '^Benchmark|rounds|seeded' || true)
AGGOUT_PG=$(AGG_VOUCHERS=$AGG_VOUCHERS_POSTGRES go test -tags demo -run '^$' -bench 'BenchmarkPointUseDuringAggregation/store=postgres' -benchtime 1x -timeout 60m ./platform/ 2>&1 | grep -E '^Benchmark|rounds|seeded' || true)
echo "$AGGOUT"; echo "$AGGOUT_PG"
for k in bbolt postgres; do
	out=$AGGOUT; [ $k = postgres ] && out=$AGGOUT_PG
	echo "  $k ($(metric "$out" "store=$k" vouchers) vouchers): idle p99 $(metric "$out" "store=$k" idle-p99-ms) ms, during aggregation $(metric "$out" "store=$k" agg-p99-ms) ms, ratio $(metric "$out" "store=$k" p99-ratio) (goal <= 1.2), $(metric "$out" "store=$k" aggregations/s) aggregations/s"
done

echo
echo "== points: store growth per 1,000,000 point uses, before and after idempotency pruning"
SZOUT=$(SIZE_USES=$SIZE_USES go test -tags demo -run '^$' -bench 'BenchmarkStoreSizePerMillionUses/store=bbolt' -benchtime 1x -timeout 60m ./platform/ 2>&1 | grep -E '^Benchmark|uses:' || true)
SZOUT_PG=$(SIZE_USES=$SIZE_USES_POSTGRES go test -tags demo -run '^$' -bench 'BenchmarkStoreSizePerMillionUses/store=postgres' -benchtime 1x -timeout 60m ./platform/ 2>&1 | grep -E '^Benchmark|uses:' || true)
echo "$SZOUT"; echo "$SZOUT_PG"
for k in bbolt postgres; do
	out=$SZOUT; [ $k = postgres ] && out=$SZOUT_PG
	echo "  $k: $(metric "$out" "store=$k" MiB/1M-uses) MiB per 1M uses before pruning, $(metric "$out" "store=$k" MiB/1M-uses-pruned) MiB after"
done
