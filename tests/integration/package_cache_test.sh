#!/usr/bin/env bash
# The shared package cache on the real mirror: a cold build fills it, a --no-cache rebuild takes its
# .debs (same manifest digest), a truncated and a same-size altered .deb are never offered to apt
# (apt itself would take the altered one: it only compares sizes) but dropped and downloaded again,
# and --no-package-cache neither reads nor changes it. The bare base of the default recipe keeps it
# short (essential + apt).
source "$(dirname "$0")/lib.sh"
"$RIGCTL" render recipes/debian-trixie.json --out "$SCRATCH/ctx" >/dev/null
recipe="$SCRATCH/ctx/base.json"
export XDG_CACHE_HOME="$SCRATCH/cache"

cold=$("$RIGCTL" build "$recipe" --no-cache --json)
d1=$(json_field '["digest"]' <<<"$cold")
added=$(json_field '["packages_added"]' <<<"$cold")
expect_eq "$(json_field '["packages_reused"]' <<<"$cold")" "0" "a cold build reuses nothing"
[ "$added" -gt 20 ] || fail "a cold build should add the essential set to the package cache, added $added"
pass "cold build added $added .debs"
debs=$(echo "$SCRATCH"/cache/rigctl/debs/debian-trixie-*)
[ -d "$debs" ] || fail "no package cache directory under $SCRATCH/cache/rigctl/debs"
expect_eq "$(find "$debs" -name '*.deb' | wc -l)" "$added" "one .deb per package added"
expect_eq "$(find "$debs" -name '*.deb.sha256' | wc -l)" "$added" "each with its record"
# Every record matches its file.
for f in "$debs"/*.deb; do
  read -r sha size <"$f.sha256"
  [ "$(sha256sum <"$f" | cut -d' ' -f1)" == "$sha" ] && [ "$(stat -c %s "$f")" == "$size" ] || fail "record of $f does not match"
done
pass "every record matches its .deb"
[ -z "$(find "$debs" -name '*.deb' -perm /222)" ] || fail "cached .debs must be read-only"
pass "cached .debs are read-only"

# Damage two entries: one cut short, one altered in place at the same size.
mapfile -t two < <(ls "$debs"/*.deb | head -2)
cut=$(basename "${two[0]}"); flip=$(basename "${two[1]}")
chmod u+w "${two[0]}" "${two[1]}"
truncate -s 100 "${two[0]}"
printf 'XXXXXXXX' | dd of="${two[1]}" bs=1 seek=200 conv=notrunc status=none

warm=$("$RIGCTL" build "$recipe" --no-cache --json 2>"$SCRATCH/warm.err")
expect_eq "$(json_field '["digest"]' <<<"$warm")" "$d1" "a warm-package rebuild gives the cold build's digest"
expect_eq "$(json_field '["packages_reused"]' <<<"$warm")" "$((added - 2))" "every intact .deb is reused, the damaged two are not"
expect_eq "$(json_field '["packages_added"]' <<<"$warm")" "2" "the damaged two are downloaded again and cached"
grep -q "package cache: dropped $cut: has 100 bytes" "$SCRATCH/warm.err" || fail "no word of the truncated $cut: $(cat "$SCRATCH/warm.err")"
pass "the truncated .deb was dropped, with the reason"
grep -q "package cache: dropped $flip: does not match its recorded sha256" "$SCRATCH/warm.err" || fail "no word of the altered $flip"
pass "the altered same-size .deb was dropped, with the reason"
for f in "$debs/$cut" "$debs/$flip"; do
  read -r sha _ <"$f.sha256"
  [ "$(sha256sum <"$f" | cut -d' ' -f1)" == "$sha" ] || fail "$f was not replaced by a good copy"
done
pass "both are intact again"

before=$(cd "$debs" && ls -l --time-style=+%s.%N)
none=$("$RIGCTL" build "$recipe" --no-cache --no-package-cache --json)
expect_eq "$(json_field '["packages_reused"]' <<<"$none")" "0" "--no-package-cache offers nothing"
expect_eq "$(json_field '["digest"]' <<<"$none")" "$d1" "--no-package-cache gives the same digest"
expect_eq "$(cd "$debs" && ls -l --time-style=+%s.%N)" "$before" "--no-package-cache leaves the cache as it was"
[ -z "$(find "$SCRATCH/cache/rigctl/debs" -maxdepth 1 -name '.*.tmp-*')" ] || fail "seed or collect directories left behind"
pass "no seed or copy-out directory left behind"
