#!/usr/bin/env bash
# SIGINT during a cold build exits 130 and leaves no half-written cache entry or staging directory.
source "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$SCRATCH/cache"
"$RIGCTL" build recipes/debian-trixie.json --no-cache --out "$SCRATCH/out" >/dev/null 2>"$SCRATCH/err" &
pid=$!
for _ in $(seq 1 100); do
  [ -n "$(find "$SCRATCH/cache" -name '*.tmp-*' 2>/dev/null)" ] && break
  sleep 0.1
done
sleep 2
kill -INT "$pid"
set +e
wait "$pid"; rc=$?
set -e
expect_eq "$rc" "130" "interrupted build exits 130"
left=$(find "$SCRATCH/cache" -name '*.tmp-*' 2>/dev/null; ls -d "$SCRATCH/out" 2>/dev/null || true)
expect_eq "$left" "" "no staging directories or outputs left"
sleep 1
expect_eq "$(pgrep -f mmdebstrap || true)" "" "no mmdebstrap left running"
