#!/bin/sh
# PID 1 of a rigctl VM host (recipes/hosts/*.json; shared by the amd64 Ubuntu and the arm64 Debian
# host): no systemd, just what a production host does before its Docker engine serves -- mounts,
# device modules, device modes, sysctls, AppArmor profiles, then containerd and dockerd. Every step
# prints a "rigctl-host:" marker on the serial console (whichever the kernel's console= names:
# ttyS0, ttyAMA0), which rigctl keeps as the VM's log and quotes when the VM fails.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin  # the kernel gives init none
# Markers end with the guest's uptime, so a console log shows where boot time goes.
say() { echo "rigctl-host: $* (t=$(cut -d' ' -f1 /proc/uptime 2>/dev/null)s)"; }
# /dev may not exist yet as devtmpfs when the kernel started us: mount it before touching the console.
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/null >/dev/console 2>&1
say "init started ($(uname -r))"

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t securityfs securityfs /sys/kernel/security
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -o remount,rw /
echo rig-host > /proc/sys/kernel/hostname

# Without udev nothing loads the drivers of the devices the kernel found: do what udev's coldplug
# does, once (Debian's kernel has virtio_net as a module; Ubuntu's has it built in and this loads
# nothing it needs). Later needs (overlay, bridge, veth, netfilter) the kernel requests from modprobe.
cat /sys/bus/*/devices/*/modalias 2>/dev/null | sort -u | xargs -r modprobe -q -a 2>/dev/null
say "modules $(wc -l < /proc/modules) loaded"

# Debian's kernel has tun as a module, and without udev nothing creates its node up front (a normal
# boot's `kmod static-nodes` does): load it so /dev/net/tun exists (measured: missing otherwise).
modprobe -qa tun fuse 2>/dev/null
# devtmpfs creates these 0600 when no udev runs; a standard host has them 0666, and rootless inner
# networking needs tun that way.
chmod 0666 /dev/net/tun /dev/fuse 2>/dev/null
say "devices tun=$(stat -c %a /dev/net/tun 2>&1) fuse=$(stat -c %a /dev/fuse 2>&1)"

# Sysctls come on the kernel command line as sysctl.KEY=VALUE (the recipe's host.sysctls); the
# kernel applies them itself, this re-applies them and prints what is in force.
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    sysctl.*=*)
      kv=${arg#sysctl.}; key=${kv%%=*}; val=${kv#*=}
      echo "$val" > "/proc/sys/$(echo "$key" | tr . /)" 2>/dev/null
      say "sysctl $key=$(cat "/proc/sys/$(echo "$key" | tr . /)" 2>&1)" ;;
  esac
done

# Ubuntu's and Debian's boots load every profile in /etc/apparmor.d; the path-attached ones (podman, crun, runc,
# unprivileged_userns, ...) are what let nested podman create user namespaces under
# apparmor_restrict_unprivileged_userns=1. docker-default is loaded by dockerd itself.
if [ -d /sys/kernel/security/apparmor ]; then
  apparmor_parser -r -W -T /etc/apparmor.d/ >/tmp/apparmor.log 2>&1 || { say "apparmor_parser failed:"; tail -n 5 /tmp/apparmor.log; }
  say "apparmor profiles loaded: $(wc -l < /sys/kernel/security/apparmor/profiles)"
else
  say "apparmor: not enabled in this kernel"
fi

ip link set lo up
# qemu user-mode networking: the guest is 10.0.2.15/24 behind 10.0.2.2; no DHCP client needed.
ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2
# rigctl mirrors a rig's loopback-published port to its own machine with a qemu hostfwd, which
# arrives here on eth0: hand such connections to the loopback the rig publishes on. The Docker API
# port is dockerd's own listener and stays as it is.
echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet
iptables -t nat -A PREROUTING -i eth0 -p tcp ! --dport 2375 -j DNAT --to-destination 127.0.0.1 ||
  say "iptables DNAT for mirrored ports failed"
say "network $(ip -4 -o addr show dev eth0 | awk '{print $4}')"

mkdir -p /var/log
# Docker 25+ refuses clients older than API 1.44 unless told otherwise; rigctl speaks 1.41, the level
# both Debian's docker.io 20.10 and podman serve.
export DOCKER_MIN_API_VERSION=1.41
containerd >/var/log/containerd.log 2>&1 &
dockerd -H tcp://0.0.0.0:2375 -H unix:///var/run/docker.sock --containerd=/run/containerd/containerd.sock \
  >/var/log/dockerd.log 2>&1 &
dpid=$!
# Wait on the daemon's socket and process, not a count of tries. Debian trixie's docker.io ships no
# client (docker-cli is only recommended): there the socket is the sign, rigctl's /_ping the proof.
while kill -0 "$dpid" 2>/dev/null; do
  if [ -S /var/run/docker.sock ] && { ! command -v docker >/dev/null || docker version >/dev/null 2>&1; }; then
    say "dockerd ready"
    break
  fi
  sleep 0.5
done
if ! kill -0 "$dpid" 2>/dev/null; then
  say "dockerd exited:"; tail -n 20 /var/log/dockerd.log
  echo o > /proc/sysrq-trigger
fi

# PID 1 must never exit (the kernel would panic, and with panic=-1 -no-reboot the VM stops): stay
# and reap. rigctl stops the VM from outside (the disk is a throwaway overlay); a failed dockerd
# powers it off above (sysrq 'o' needs no init system) so rigctl sees the exit at once.
while :; do sleep 3600 & wait $!; done
