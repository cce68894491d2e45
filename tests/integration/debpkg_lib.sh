# What integration.debpkg_build and integration.debpkg share (sourced after lib.sh): where the package
# can be tested (not applicable, 77, elsewhere), its version and architecture, and where it is built
# (a fixed place in the build directory, so every run compiles the same paths and ccache serves them).
. /etc/os-release
suite=${VERSION_CODENAME:-}
case "${ID:-}/$suite" in
  debian/bookworm | debian/trixie) ;;
  *) echo "not applicable: the package is installed into an environment of the host's own release, and rigctl's builder has no recipe for ${ID:-?}/${suite:-?} here (Debian 12 or 13 only)" >&2; exit 77 ;;
esac
for tool in dpkg-buildpackage dh fakeroot; do
  command -v "$tool" >/dev/null || { echo "not applicable: $tool is not installed (bash ci/host-setup.sh installs it)" >&2; exit 77; }
done
arch=$(dpkg --print-architecture)
version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
BUILD_DIR=$(dirname "$RIGCTL")
work="$BUILD_DIR/debpkg"
deb="$work/rigctl_${version}_$arch.deb"
