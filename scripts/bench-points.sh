#!/usr/bin/env bash
# Points part of `make bench` (engineer D): durable point-use transactions per second through HTTP (Go benchmark
# BenchmarkPointUse, with its bare HTTP+fsync baseline), against PostgreSQL's pgbench running the same debit (balance
# update with a no-overdraft check, ledger insert, idempotency-key insert) with synchronous_commit=on on a throwaway
# cluster, at 1 and 8 concurrent clients. Prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
BENCHTIME=${BENCHTIME:-5s}
PGSECS=${PGSECS:-10}

EXTRA_PACKAGES="postgresql postgresql-contrib" ./scripts/install-deps.sh >/dev/null
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "bench-points: PostgreSQL not found (apt-get install postgresql postgresql-contrib)" >&2; exit 1; }

echo "== points: BenchmarkPointUse (durable point use through HTTP; baseline: bare HTTP handler + fsync)"
GOOUT=$(go test -run '^$' -bench 'BenchmarkPointUse' -benchtime "$BENCHTIME" ./platform/ 2>/dev/null | grep -E '^Benchmark')
echo "$GOOUT"
txs() { echo "$GOOUT" | grep -F "$1" | awk '{for(i=1;i<=NF;i++) if($(i)=="tx/s") print $(i-1)}' | head -1; }
P1=$(txs "platform/conc=1"); P8=$(txs "platform/conc=8"); B1=$(txs "baseline_http_fsync/conc=1"); B8=$(txs "baseline_http_fsync/conc=8")

echo "== points: pgbench baseline (PostgreSQL, synchronous_commit=on, same debit)"
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
G1=$(pg 1); G8=$(pg 8)
echo "pgbench c=1: ${G1} tps   c=8: ${G8} tps"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "== points summary (durable point-use transactions per second)"
printf "  %-34s %10s %10s\n" "" "1 client" "8 clients"
printf "  %-34s %10s %10s\n" "mykeyterm platform (HTTP+bbolt)" "$P1" "$P8"
printf "  %-34s %10s %10s\n" "baseline: bare HTTP + fsync" "$B1" "$B8"
printf "  %-34s %10s %10s\n" "baseline: pgbench same debit" "$G1" "$G8"
echo "  ratio platform / pgbench:          $(ratio "$P1" "$G1") (1 client)   $(ratio "$P8" "$G8") (8 clients)"
echo "  ratio platform / HTTP+fsync floor: $(ratio "$P1" "$B1") (1 client)   $(ratio "$P8" "$B8") (8 clients)"
