#!/usr/bin/env bash
# No nlohmann json::value("key", default) in rigctl's own code outside matrix/: value() throws
# type_error when the member exists with another type ({"type": 100}), which is how a fuzzed Incus
# reply once aborted rigctl (CI, 2026-12-08). Documents from outside -- engine replies, layouts,
# recipes, image configs, user files -- are read with JsonObject (core/json_reader.hpp, errors naming
# the field) or member_or_null/str_member (another type counts as absent).
# matrix/ is left out: it reads only its own summaries and documents already checked against their
# JSON schema (check_shape), so every member it reads has the type it asks for.
# Usage: ci/lint-json-reads.sh [DIR]   (default: the source tree); exit 1 on a hit, 0 when clean.
# Also checks itself: a planted line in a scratch tree must be found, so the lint cannot go silent.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\.value\(\s*"'
scan() {
  grep -rnP --include='*.cpp' --include='*.hpp' "$pattern" "$1" \
    --exclude-dir=tests --exclude-dir=fuzz --exclude-dir=matrix --exclude-dir='build*' --exclude-dir=.git || true
}
scratch=$(mktemp -d /tmp/rigctl-lint-json-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/engine"
printf '  std::string t = body.value("type", "");\n' > "$scratch/engine/planted.cpp"
[ -n "$(scan "$scratch")" ] || { echo "lint-json-reads: the planted json::value() line was not found: the lint is broken" >&2; exit 1; }
hits=$(scan "${1:-.}")
if [ -n "$hits" ]; then
  printf '%s\n' "$hits" >&2
  echo "lint-json-reads: json::value(\"key\", default) throws on a member of another type; read with JsonObject, or member_or_null/str_member (core/json_reader.hpp)" >&2
  exit 1
fi
echo "lint-json-reads: no json::value(\"key\", ...) outside matrix/"
