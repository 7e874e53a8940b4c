#!/usr/bin/env bash
# App part of `make bench` (engineer E): GUI cold start (process start → window on screen) and resident memory 3 s
# after start, mykeyterm against a bare Fyne window with the same embedded font, on one Xvfb in the same run; and
# tap-to-number (virtual card inserted through pcscd+vpcd → certificate read over PC/SC → lookup on the loopback
# reference platform → number ready to hand off) as p50/p99, with the in-process card as the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
STARTS=${STARTS:-5}
TAPS=${TAPS:-50}

echo "== app: BenchmarkGUIColdStart (${STARTS} starts each; baseline: bare Fyne window with the same font)"
OUT=$(go test -tags demo -run '^$' -bench 'BenchmarkGUIColdStart' -benchtime "${STARTS}x" . 2>/dev/null | grep -E '^Benchmark')
echo "$OUT"
metric() { echo "$OUT" | grep -F "$1" | awk -v m="$2" '{for(i=1;i<=NF;i++) if($(i)==m) print $(i-1)}' | head -1; }
BS=$(metric bare-fyne ms/start); AS=$(metric mykeyterm- ms/start)
BR=$(metric bare-fyne MB-RSS); AR=$(metric mykeyterm- MB-RSS)
awk -v bs="$BS" -v as="$AS" -v br="$BR" -v ar="$AR" 'BEGIN{
  printf "app: cold start %.0f ms vs bare Fyne %.0f ms (ratio %.2f); RSS %.1f MB vs %.1f MB (ratio %.2f)\n", as, bs, as/bs, ar, br, ar/br }'

echo "== app: BenchmarkTapToNumber (${TAPS} taps through pcscd; baseline: in-process card, same lookup)"
OUT=$(go test -run '^$' -bench 'BenchmarkTapToNumber' -benchtime "${TAPS}x" ./app/ 2>/dev/null | grep -E '^Benchmark')
echo "$OUT"
P50=$(metric "/pcscd" p50-ms); P99=$(metric "/pcscd" p99-ms); SEEN=$(metric "/pcscd" seen-to-number-p50-ms)
B50=$(metric in-process p50-ms)
echo "app: tap-to-number p50 ${P50} ms, p99 ${P99} ms (of which card seen by pcscd → number: p50 ${SEEN} ms; in-process card baseline p50 ${B50} ms)"
