#!/usr/bin/env bash
# rigctl as a Debian package (issue 19), first half: `dpkg-buildpackage -us -uc -b` builds it from a
# copy of this checkout, and the package holds what it must. integration.debpkg (the second half)
# installs it. Two tests so that the compile (minutes) needs no engine and runs beside the Docker
# tests, and only the install takes the Docker lane (tests/integration/CMakeLists.txt: a fixture).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/debpkg_lib.sh"

# Without debug information (-g0): with noautodbgsym the symbols are stripped from the package
# anyway, and -g makes the compile 35 % slower.
rm -rf "$work"
mkdir -p "$work/rigctl-$version"
# Not removed here: integration.debpkg installs it, then removes it.
# What git tracks plus new files not ignored: the tree under test, without build products.
git -C "$SRC" ls-files -z --cached --others --exclude-standard |
  (cd "$SRC" && tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$work/rigctl-$version"
t0=$(date +%s)
if ! (cd "$work/rigctl-$version" &&
      DEB_BUILD_OPTIONS="parallel=$(nproc) noautodbgsym" DEB_CXXFLAGS_APPEND=-g0 CCACHE_BASEDIR="${CCACHE_BASEDIR:-$work}" \
        CCACHE_NOHASHDIR=true CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}" \
        dpkg-buildpackage -us -uc -b) >"$SCRATCH/dpkg-buildpackage.log" 2>&1; then
  tail -40 "$SCRATCH/dpkg-buildpackage.log"
  fail "dpkg-buildpackage -us -uc -b failed"
fi
[ -f "$deb" ] || fail "no $deb after dpkg-buildpackage"
pass "dpkg-buildpackage -us -uc -b built $(basename "$deb") ($(( $(date +%s) - t0 )) s)"

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | sort >"$SCRATCH/deb-files"
for f in /usr/bin/rigctl /usr/share/rigctl/recipes/debian-trixie.json /usr/share/rigctl/recipes/profiles/launch.json \
         /usr/share/rigctl/recipes/files/rig-entrypoint.sh /usr/share/rigctl/recipes/hosts/ubuntu-noble.json \
         /usr/share/rigctl/images/inner-web.json /usr/share/rigctl/images/inner-base.json /usr/share/rigctl/matrix/ci.json \
         /usr/share/rigctl/ci/smoke-baseline.sh /usr/share/man/man1/rigctl.1.gz /usr/share/bash-completion/completions/rigctl \
         /usr/share/doc/rigctl/copyright; do
  grep -qx "$f" "$SCRATCH/deb-files" || fail "the package lacks $f"
done
pass "the package holds the binary, the recipes, profiles, inner images, matrix files, man page and completion"
depends=$(dpkg-deb -f "$deb" Depends)
for d in mmdebstrap uidmap; do [[ ",$depends," == *", $d,"* || ",$depends," == *",$d,"* ]] || fail "Depends lacks $d: $depends"; done
pass "Depends: $depends"
# No build path is compiled in (RIGCTL_FIND_SOURCE_TREE=OFF): the binary cannot fall back to a checkout.
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/bin/rigctl >"$SCRATCH/rigctl.packaged"
! grep -qa -- "$work" "$SCRATCH/rigctl.packaged" || fail "the packaged binary has the build path $work compiled in"
pass "the packaged binary has no build path compiled in"

