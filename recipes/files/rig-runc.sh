#!/bin/sh
# rig-runc: the runc wrapper of the StartOS seed (FIELD-NOTES seed 002), as rootless dockerd's default
# runtime in the Docker rig. Before `runc create`/`runc run` it deletes the
# net.ipv4.ip_unprivileged_port_start sysctl Docker puts in every container's bundle: where the rig is
# itself in a user namespace (an LXC or Incus outer), runc cannot write that sysctl and fails with
# "reopen fd 8: permission denied". Ablated as the hardening 'runc-sysctl-wrapper'; on a Docker outer it
# is expected not needed (measured, README "Docker inside").
bundle=""
prev=""
for arg in "$@"; do
  case "$prev" in --bundle | -b) bundle=$arg ;; esac
  case "$arg" in --bundle=*) bundle=${arg#--bundle=} ;; esac
  prev=$arg
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  # Docker writes config.json on one line; the key is dropped with whichever comma joins it to its neighbours.
  key='"net\.ipv4\.ip_unprivileged_port_start":"[0-9]*"'
  sed -i -e "s/,$key//" -e "s/$key,//" -e "s/$key//" "$bundle/config.json"
fi
exec runc "$@"
