#!/usr/bin/env bash
# Finds the smallest wasm3 fixed heap (d_m3FixedHeap, to 1 KiB) with which
# the native host runs a session: subscribe, 10 messages of 100 bytes at
# each QoS both ways against the embedded broker, no trap. wasm3 is built
# with the AVR build's knobs (board/avr/build.sh) unless KNOBS is given.
#   bash board/posix/heap-search.sh [IMAGE] [MEMORY_LIMIT]
# env: CC (cc; i686-linux-gnu-gcc for a 32-bit figure, linked -static),
#      KNOBS (wasm3 -D flags), STACK (wasm3 stack, 2048), LO/HI (search range)
# Defaults: build/atmqtt-small.img (made from build/atmqtt-small.wasm), 4096.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
. board/core/fetch-wasm3.sh
img="${1:-build/atmqtt-small.img}"
limit="${2:-4096}"
[ -f "$img" ] || python3 board/posix/mkimage.py build/atmqtt-small.wasm "$img" >/dev/null
cc="${CC:-cc}"
static=""; [ "$cc" = cc ] || static=-static
knobs="${KNOBS:--Dd_m3MaxFunctionStackHeight=64 -Dd_m3CodePageAlignSize=512 -Dd_m3VerboseErrorMessages=0 -Dd_m3MaxConstantTableSize=64 -Dd_m3LogOutput=0 -Dd_m3HasFloat=0 -Dd_m3NoFloatDynamic=0}"
out="build/heap-search/$(basename "$cc")"
rm -rf "$out" && mkdir -p "$out/obj"
for c in "$src"/m3_*.c; do
  [ "$(basename "$c")" = m3_core.c ] || "$cc" -O2 $knobs -std=gnu11 -w -I"$src" -c "$c" -o "$out/obj/$(basename "${c%.c}").o"
done

# a host whose wasm3 has a fixed heap of $1 bytes
host() {
  "$cc" -O2 $knobs -Dd_m3FixedHeap="$1" -std=gnu11 -w -I"$src" -c "$src/m3_core.c" -o "$out/m3_core.o"
  "$cc" -O2 $knobs -std=c99 -w -I"$src" -Iboard/core -Iboard/posix -o "$out/native" \
    board/core/atmqtt_host.c board/core/io_table.c board/posix/hal_posix.c board/posix/main.c "$out"/obj/*.o "$out/m3_core.o" -lm $static 2>/dev/null
}

# the session against a fresh embedded broker; 0 when every message went both ways, no trap
session() {
  local dir; dir=$(mktemp -d)
  node --import tsx -e "
    import { startBroker } from './sim/broker.ts';
    const b = await startBroker(0, 0);
    console.log(b.url);
    process.stdin.resume().on('end', async () => { await b.close(); process.exit(0); });
  " > "$dir/url" < <(sleep 40) &
  local bp=$!
  for _ in $(seq 100); do [ -s "$dir/url" ] && break; sleep 0.1; done
  { echo "sub t/# 2"; sleep 0.3
    for q in 0 1 2; do for k in $(seq 10); do echo "pub t/$q $q 0 p$q-$k-$(printf 'x%.0s' $(seq 100))"; sleep 0.05; done; done
    sleep 1; } | timeout 30 "$out/native" --broker "$(head -1 "$dir/url")" --image "$img" --memory-limit "$limit" \
      --stack "${STACK:-2048}" --stats > "$dir/out" 2> "$dir/err" || true
  kill "$bp" 2>/dev/null; wait "$bp" 2>/dev/null || true
  local pub msg
  pub=$(grep -c '"event":"published"' "$dir/out" || true)
  msg=$(grep -c '"event":"message","topic"' "$dir/out" || true)
  ! grep -v '^stats:' "$dir/err" | grep -q 'trap\|wasm3' && [ "$pub" = 30 ] && [ "$msg" = 30 ]
  local ok=$?
  rm -rf "$dir"
  return $ok
}

lo="${LO:-8192}"; hi="${HI:-524288}"
host "$hi"; session || { echo "heap-search: fails even with $hi bytes" >&2; exit 1; }
while [ $((hi - lo)) -gt 1024 ]; do
  mid=$(( (lo + hi) / 2 / 1024 * 1024 ))
  host "$mid"
  if session; then hi=$mid; echo "  $mid: runs" >&2; else lo=$mid; echo "  $mid: fails" >&2; fi
done
echo "$img, memory limit $limit, $cc, stack ${STACK:-2048}: smallest wasm3 fixed heap $hi bytes"
