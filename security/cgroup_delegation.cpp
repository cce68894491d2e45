#include "security/cgroup_delegation.hpp"

namespace rig {

const std::string& cgroup_delegation_script() {
  // Processes started between listing cgroup.procs and enabling controllers make the write fail with
  // EBUSY (no internal processes), so the move is repeated until the root is empty.
  static const std::string script = R"SH(cg=/sys/fs/cgroup
d=$cg/libpod_parent
[ "$(stat -fc %T $cg 2>/dev/null)" = cgroup2fs ] || { echo "not delegated: $cg is not cgroup v2"; exit 1; }
mkdir -p "$d/rig" || exit 1
want=""
for c in cpu memory pids; do
  case " $(cat $cg/cgroup.controllers) " in *" $c "*) want="$want +$c";; esac
done
i=0
while :; do
  for p in $(cat $cg/cgroup.procs); do echo "$p" > "$d/rig/cgroup.procs" 2>/dev/null; done
  [ -z "$want" ] && break
  echo "$want" > $cg/cgroup.subtree_control 2>/dev/null && break
  i=$((i + 1))
  [ $i -lt 50 ] || { echo "not delegated: cannot enable$want in $cg/cgroup.subtree_control"; exit 1; }
done
[ -z "$want" ] || echo "$want" > "$d/cgroup.subtree_control" || exit 1
for f in "$d" "$d/cgroup.procs" "$d/cgroup.threads" "$d/cgroup.subtree_control" "$d/rig" "$d/rig/cgroup.procs" "$d/rig/cgroup.threads"; do
  chgrp 1000 "$f" && chmod g+w "$f" || exit 1
done
echo "delegated $d to gid 1000:$want"
)SH";
  return script;
}

}  // namespace rig
