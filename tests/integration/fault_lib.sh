# Helpers for the fault tests (interrupts, kills, concurrency, full disks). Sourced after lib.sh.

# Processes started with RIGCTL_IT_MARK=<mark> in their environment: a rigctl started with the mark
# and everything it ran (children inherit the environment), whatever process group or parent they
# ended up with. Other helpers' mmdebstrap runs on this machine do not match.
marked_pids() {
  local f pid
  for f in $(grep -lzx -- "RIGCTL_IT_MARK=$1" /proc/[0-9]*/environ 2>/dev/null); do
    pid=${f#/proc/}; pid=${pid%/environ}
    [ "$pid" = "$$" ] || echo "$pid"
  done
}

# The commands of marked processes, for failure messages.
marked_commands() {
  local pid
  for pid in $(marked_pids "$1"); do echo "$pid: $(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null)"; done
}

# Waits up to $2 seconds for no marked process to be left; prints what is left otherwise.
wait_unmarked() {
  local mark=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    [ -z "$(marked_pids "$mark")" ] && return 0
    sleep 0.1
  done
  marked_commands "$mark"
  return 1
}

# Waits up to $2 seconds for a marked process whose command name is $3 (e.g. mmdebstrap).
wait_marked_comm() {
  local mark=$1 secs=$2 comm=$3 i pid
  for ((i = 0; i < secs * 10; i++)); do
    for pid in $(marked_pids "$mark"); do
      [ "$(cat /proc/$pid/comm 2>/dev/null)" = "$comm" ] && return 0
    done
    sleep 0.1
  done
  return 1
}

# Build staging left in a cache root (a killed build's; a live build's while it runs).
staging_in() { find "$1" \( -name '*.tmp-*' -o -name '*.old-*' \) -prune -print 2>/dev/null; }

# Waits up to $2 seconds for a staging base layer under cache $1 to exist with at least $3 bytes.
wait_layer_bytes() {
  local cache=$1 secs=$2 min=$3 i f size
  for ((i = 0; i < secs * 20; i++)); do
    for f in "$cache"/rigctl/base/*.tmp-*/layer.tar; do
      [ -f "$f" ] || continue
      size=$(stat -c %s "$f" 2>/dev/null || echo 0)
      [ "$size" -ge "$min" ] && return 0
    done
    sleep 0.05
  done
  return 1
}

# Waits up to $2 seconds for file $1 to contain text $3; with a pid as $4, gives up as soon as that
# process has exited (it will not write the text any more).
wait_text() {
  local file=$1 secs=$2 text=$3 pid=${4:-} i
  for ((i = 0; i < secs * 20; i++)); do
    grep -qF -- "$text" "$file" 2>/dev/null && return 0
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && { grep -qF -- "$text" "$file" 2>/dev/null; return; }
    sleep 0.05
  done
  return 1
}

# Other rigctl processes on this machine (not started by this test). A `rigctl gc` without --run is
# only safe for rigctl versions that hold leases; other helpers' or older binaries may not, so the
# gc tests wait until nothing else runs (in CI the integration tests run one at a time).
others_running() {
  local pid
  for pid in $(pgrep -x rigctl || true); do
    tr '\0' '\n' < /proc/$pid/environ 2>/dev/null | grep -q "^RIGCTL_IT_MARK=$TEST_NAME-" && continue
    echo "$pid"
  done
}
wait_alone() {
  local secs=$1 i
  for ((i = 0; i < secs; i++)); do
    [ -z "$(others_running)" ] && return 0
    sleep 1
  done
  fail "other rigctl processes kept running for $secs s ($(others_running | tr '\n' ' ')): a gc without --run is not safe next to them"
}
