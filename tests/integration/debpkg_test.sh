#!/usr/bin/env bash
# rigctl as a Debian package (issue 19), second half: integration.debpkg_build built the package from
# a copy of this checkout (a ctest fixture runs it first); rigctl's own builder makes a clean environment of this host's release holding only the
# package's Depends and man-db; an unprivileged container with no network installs the .deb with
# dpkg and runs `rigctl --version`, `rigctl validate debian-trixie` (by name, from /usr/share/rigctl,
# no source tree anywhere), `man rigctl` and the bash completion. Then `cmake --install` of the
# test's own build is checked to lay out the same files.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/debpkg_lib.sh"
[ -f "$deb" ] || fail "no $deb: integration.debpkg_build builds it (ctest runs it first as this test's fixture)"
defer rm -rf "$work"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | sort >"$SCRATCH/deb-files"
depends=$(dpkg-deb -f "$deb" Depends)

# The clean environment: this release with the package's Depends (first alternative, versions
# dropped: the builder installs the archive's current ones) and man-db, nothing else. No strip globs,
# so dpkg keeps man pages. The recipe depends only on the Depends line, so the build cache serves it.
python3 - "$suite" "$depends" >"$SCRATCH/debpkg-env.json" <<'PY'
import json, sys
suite, depends = sys.argv[1], sys.argv[2]
pkgs = sorted({d.split("|")[0].split("(")[0].split(":")[0].strip() for d in depends.split(",") if d.strip()} | {"man-db"})
print(json.dumps({
  "schema": "rigctl/recipe/v1", "name": f"debpkg-env-{suite}",
  "description": f"a clean {suite} with rigctl's Depends and man-db, to install the rigctl package in (integration.debpkg)",
  "base": {"distro": "debian", "suite": suite, "components": ["main"], "variant": "apt", "mirror": "debian"},
  "architectures": ["amd64", "arm64"], "packages": pkgs, "config_user": "0:0", "cmd": ["/bin/bash"],
  "labels": {"io.rigctl.role": "debpkg-test"}}, indent=1))
PY
image="rigctl/debpkg-env-$suite:$arch"
t0=$(date +%s)
"$RIGCTL" build "$SCRATCH/debpkg-env.json" --load --json >"$SCRATCH/env.json" 2>"$SCRATCH/env.err" ||
  fail "the $suite environment could not be built: $(tail -5 "$SCRATCH/env.err")"
defer docker image rm -f "$image"
pass "clean $suite environment $image built by rigctl ($(( $(date +%s) - t0 )) s)"

# In it: no network, the .deb read-only, no added capability. Each step's output is kept apart so
# the assertions below name what differed.
cname="rigctl-it-debpkg-$$"
defer docker rm -f "$cname"
docker run --name "$cname" --network none -v "$deb:/pkg/rigctl.deb:ro" -e MANWIDTH=100 "$image" bash -c '
  set -u
  dpkg -i /pkg/rigctl.deb >/out-dpkg 2>&1; echo "$?" >/rc-dpkg
  cd /tmp
  rigctl --version >/out-version 2>&1; echo "$?" >/rc-version
  rigctl validate debian-trixie >/out-validate 2>&1; echo "$?" >/rc-validate
  rigctl validate no-such-recipe >/out-missing 2>&1; echo "$?" >/rc-missing
  man -P cat rigctl >/out-man 2>/err-man; echo "$?" >/rc-man
  bash -c "source /usr/share/bash-completion/completions/rigctl; COMP_WORDS=(rigctl validate ubuntu-n); COMP_CWORD=2; _rigctl; echo \${COMPREPLY[*]}" >/out-complete 2>&1
  ls /work 2>/dev/null | wc -l >/out-work
  true' >"$SCRATCH/run.log" 2>&1 || fail "the container did not run: $(tail -5 "$SCRATCH/run.log")"
for f in rc-dpkg out-dpkg out-version rc-version out-validate rc-validate out-missing rc-missing out-man err-man rc-man out-complete out-work; do
  docker cp "$cname:/$f" "$SCRATCH/$f" >/dev/null || fail "no /$f in the container"
done
[ "$(cat "$SCRATCH/rc-dpkg")" = 0 ] || { cat "$SCRATCH/out-dpkg"; fail "dpkg -i rigctl.deb failed offline"; }
pass "dpkg -i installs the package offline in the clean $suite environment"
expect_eq "$(cat "$SCRATCH/out-work")" 0 "no source tree in the environment (/work absent)"
expect_eq "$(cat "$SCRATCH/rc-version") $(cat "$SCRATCH/out-version")" "0 rigctl $version" "rigctl --version prints the package's version"
expect_eq "$(cat "$SCRATCH/rc-validate")" 0 "rigctl validate debian-trixie exits 0: $(cat "$SCRATCH/out-validate")"
expect_match "$(cat "$SCRATCH/out-validate")" '^/usr/share/rigctl/recipes/debian-trixie\.json: ok \(debian-trixie, debian trixie, [0-9]+ packages' \
  "the recipe name resolved to /usr/share/rigctl/recipes/debian-trixie.json"
expect_eq "$(cat "$SCRATCH/rc-missing")" 2 "an unknown recipe name is a usage error (exit 2)"
expect_match "$(cat "$SCRATCH/out-missing")" "^rigctl: error: load recipe 'recipes/no-such-recipe.json'" "and names the file it looked for"
[ "$(cat "$SCRATCH/rc-man")" = 0 ] || fail "man rigctl failed: $(cat "$SCRATCH/err-man")"
grep -q '^RIGCTL(1)' "$SCRATCH/out-man" || fail "man rigctl did not render rigctl(1): $(head -5 "$SCRATCH/out-man")"
for want in 'rigctl validate \[OPTIONS\] \[recipes...\]' 'rigctl smoke \[OPTIONS\]' '/usr/share/rigctl/recipes/' 'EXIT STATUS'; do
  grep -q -- "$want" "$SCRATCH/out-man" || fail "man rigctl lacks /$want/"
done
pass "man rigctl renders rigctl(1) with every command's section, FILES and EXIT STATUS"
expect_eq "$(cat "$SCRATCH/out-complete")" ubuntu-noble "bash completion offers the shipped recipe ubuntu-noble by name"

# cmake --install of this build lays out the same files (relocated with DESTDIR; the package's own
# /usr/share/doc/rigctl is debhelper's), and the staged binary finds the staged data next to it.
stage="$SCRATCH/stage"
DESTDIR="$stage" cmake --install "$BUILD_DIR" >"$SCRATCH/install.log" 2>&1 || fail "cmake --install failed: $(tail -5 "$SCRATCH/install.log")"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD_DIR/CMakeCache.txt")
(cd "$stage$prefix" && find . -type f -o -type l) | sed 's|^\.|/usr|' | sed 's|\.1$|.1.gz|' | sort >"$SCRATCH/install-files"
grep -v '^/usr/share/doc/' "$SCRATCH/deb-files" | grep -v '/$' | sort >"$SCRATCH/deb-regular"
diff "$SCRATCH/deb-regular" "$SCRATCH/install-files" >"$SCRATCH/layout.diff" || { cat "$SCRATCH/layout.diff"; fail "cmake --install and the package lay out different files"; }
pass "cmake --install lays out the package's $(wc -l <"$SCRATCH/install-files") files"
out=$(cd / && "$stage$prefix/bin/rigctl" validate debian-trixie) || fail "the staged rigctl could not validate debian-trixie"
expect_match "$out" "^$stage$prefix/bin/../share/rigctl/recipes/debian-trixie\.json: ok|^$stage$prefix/share/rigctl/recipes/debian-trixie\.json: ok" \
  "a relocated install finds its recipes next to its binary"
