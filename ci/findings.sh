#!/usr/bin/env bash
# Regenerates SPIKE-FINDINGS.md from measured runs: `rigctl matrix matrix/findings.json` on this host
# (smoke per recipe x outer engine x inner network, the ablation per engine, the benchmarks, arm64
# image checks), merged with result directories from other hosts given as arguments (VM hosts,
# nightly runners' artefacts), plus ci/bench-ablate.sh. Every number in the file comes from these runs;
# the tables are rigctl's own report (summary.md); ci/findings.py only picks its sections and adds the prose.
# Usage: ci/findings.sh [OUT] [MORE_RESULT_DIR...]   (needs ci/host-setup.sh's services and build/rigctl)
set -euo pipefail
cd "$(dirname "$0")/.."
RIGCTL=${RIGCTL:-./build/rigctl}
OUT=${1:-SPIKE-FINDINGS.md}
shift || true
work=$(mktemp -d /tmp/rigctl-findings-XXXXXX)
trap 'rm -rf "$work"' EXIT
# One cell at a time: the benchmark numbers must not compete with other cells for the 2 cores.
# A failing cell is a finding, recorded in the summary, so the exit code is not fatal here.
"$RIGCTL" matrix matrix/findings.json --out "$work/local" --host-label this-machine --jobs 1 > /dev/null || true
"$RIGCTL" report merge "$work/local" "$@" --out "$work/merged" > /dev/null || true
bash ci/bench-ablate.sh > "$work/bench-ablate.txt" 2>/dev/null || echo "ci/bench-ablate.sh failed" > "$work/bench-ablate.txt"
python3 ci/findings.py "$work/merged" "$work/bench-ablate.txt" "$OUT"
echo "wrote $OUT" >&2
