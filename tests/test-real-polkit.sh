#!/bin/bash
# tests/test-real-polkit.sh: who may change what, decided by the real
# polkitd (not the mock of the polkit suite's other tests). The real
# nova-volumed runs on a private system bus inside tests/real-polkit.sh's
# namespaces, with this build's polkit actions, and is called as root, as
# nobody and as the compute agent's user, with gdbus and with
# nova-volumectl, under three sets of rules:
#
#   no rules     the actions' defaults (auth_admin): everyone but root is
#                refused, NotAuthorizedCanObtain, and nothing changes
#   storage-admins   the first rule of doc/admin-guide.md, section 3, its
#                exact text: a member of the group may do everything
#   nova-compute the second: that user may attach and connect, nothing else
#
#   tests/test-real-polkit.sh SOURCE_ROOT POLICY_FILE
#
# NOVA_VOLUMED and NOVA_VOLUMECTL (tests/meson.build) name the programs;
# NOVA_VOLUMED_WRAPPER, when set (the valgrind test setup), runs the daemon.
# Prints TAP. Needs root and unshare: anywhere else the whole test is
# skipped, with the reason.
#
# (internally: test-real-polkit.sh --phase NAME runs one set of rules,
# inside the namespaces, and prints unnumbered TAP lines)
set -u

bus_name=org.openstack.Volume1
manager=/org/openstack/Volume1/Manager
iface=org.openstack.Volume1
instance=9b1f7f1e-2a4d-4e57-8c55-3f0e6f7a1b22
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
me=$here/$(basename "${BASH_SOURCE[0]}")

# ==== one phase, inside the namespaces ===================================

if [ "${1:-}" = --phase ]; then
  phase=$2
  dir=$REAL_POLKIT_DIR
  daemon=${NOVA_VOLUMED:?}
  ctl=${NOVA_VOLUMECTL:?}
  daemon_pid=

  ok () { echo "ok - $1"; }
  not_ok () {
    echo "not ok - $1"
    shift
    [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/# /'
    return 0
  }

  stop_daemon () {
    local status=0
    [ -n "$daemon_pid" ] || return 0
    kill -TERM "$daemon_pid" 2>/dev/null
    # a hang guard only (valgrind takes a few seconds)
    for _ in $(seq 600); do
      kill -0 "$daemon_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" || status=$?
    daemon_pid=
    return "$status"
  }
  trap stop_daemon EXIT

  # USER COMMAND...: COMMAND as USER (root: as it is), no groups of its own
  as () {
    local user=$1
    shift
    if [ "$user" = root ]; then
      "$@"
    else
      setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups "$@"
    fi
  }
  # gd USER [--interactive] PATH INTERFACE.METHOD ARG...: gdbus call; the
  # reply or error in $out
  out=
  gd () {
    local user=$1 flag=()
    shift
    [ "$1" = --interactive ] && { flag=(--interactive); shift; }
    out=$(as "$user" timeout 30 gdbus call --system "${flag[@]}" -d "$bus_name" -o "$1" -m "$2" "${@:3}" 2>&1 </dev/null)
  }
  # ctl USER ARG...: nova-volumectl, its stdout and stderr in $out
  ctl () {
    local user=$1
    shift
    out=$(as "$user" timeout 30 "$ctl" "$@" 2>&1 </dev/null)
  }
  # objects: GetManagedObjects as root, in $out
  # objects: GetManagedObjects in $out, without what the daemon measures
  # rather than keeps (a backend's figures come from its driver's latest
  # refresh; its total and free bytes follow the disk)
  objects () {
    local status=0
    gd root /org/openstack/Volume1 org.freedesktop.DBus.ObjectManager.GetManagedObjects || status=$?
    out=$(sed -E -e "s/'(Total|Free)Capacity': <uint64 [0-9]+>//g" \
                 -e "s/'StorageProtocol': <'[^']*'>//g; s/'ThinProvisioning': <(true|false)>//g" <<<"$out")
    return "$status"
  }
  # prop PATH INTERFACE NAME: a property, in $out
  prop () { gd root "$1" org.freedesktop.DBus.Properties.Get "$2" "$3"; }
  # expect DESCRIPTION COMMAND...: COMMAND succeeds
  expect () {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what" "$out"; fi
  }
  # refused DESCRIPTION ERROR COMMAND...: COMMAND fails with the D-Bus error ERROR
  refused () {
    local what=$1 error=$2
    shift 2
    if "$@"; then
      not_ok "$what" "succeeded: $out"
    else
      case $out in
        *"$iface.Error.$error:"*) ok "$what" ;;
        *) not_ok "$what" "not $iface.Error.$error: $out" ;;
      esac
    fi
  }
  # ctl_refused DESCRIPTION ACTION USER ARG...: nova-volumectl exits 1 with
  # a message that names ACTION
  ctl_refused () {
    local what=$1 action=$2 status=0
    shift 2
    ctl "$@" || status=$?
    if [ "$status" -eq 1 ] && [[ $out == *"ask your administrator for the $action permission"* ]]; then
      ok "$what"
    else
      not_ok "$what" "exit status $status, output: $out"
    fi
  }
  path_in () { sed -n "s|.*'\\(/org/openstack/Volume1/$1/[^']*\\)'.*|\\1|p" <<<"$out"; }

  start_daemon () {
    local wrapper=()
    printf '[DEFAULT]\nvolume_driver = file\nstorage_availability_zone = nova\n' >"$dir/nova-volume.conf"
    [ -n "${NOVA_VOLUMED_WRAPPER:-}" ] && wrapper=("$NOVA_VOLUMED_WRAPPER")
    # as the system bus's daemon: root, no --session
    G_MESSAGES_DEBUG=all "${wrapper[@]}" "$daemon" --verbose --state-dir "$dir/state" \
      --config "$dir/nova-volume.conf" >"$dir/nova-volumed.log" 2>&1 </dev/null &
    daemon_pid=$!
    for _ in $(seq 600); do
      objects >/dev/null && { ok "[$phase] nova-volumed serves $bus_name on the private system bus"; return 0; }
      kill -0 "$daemon_pid" 2>/dev/null || break
      sleep 0.1
    done
    not_ok "[$phase] nova-volumed serves $bus_name on the private system bus" "$(cat "$dir/nova-volumed.log")"
    echo "Bail out! nova-volumed did not start"
    exit 1
  }

  # every mutating method as USER through gdbus, in a volume's life: each
  # succeeds and does what it says
  lifecycle_gdbus () {
    local user=$1 v s
    local connector="{'ip': <'127.0.0.1'>, 'host': <'compute1'>}"
    if gd "$user" "$manager" "$iface.Manager.CreateVolume" 8388608 "{'name': <'by-$user'>}"; then
      ok "[$phase] $user: CreateVolume"
    else
      not_ok "[$phase] $user: CreateVolume" "$out"
      return
    fi
    v=$(path_in volumes)
    expect "[$phase] $user: Extend" gd "$user" "$v" "$iface.Volume.Extend" 16777216 '{}'
    prop "$v" "$iface.Volume" Size
    [[ $out == *16777216* ]] || not_ok "[$phase] $user: Extend grew the volume" "$out"
    if gd "$user" "$v" "$iface.Volume.CreateSnapshot" '{}'; then
      ok "[$phase] $user: CreateSnapshot"
      s=$(path_in snapshots)
    else
      not_ok "[$phase] $user: CreateSnapshot" "$out"
    fi
    expect "[$phase] $user: Attach" gd "$user" "$v" "$iface.Volume.Attach" "'$instance'" /dev/vdb '{}'
    prop "$v" "$iface.Volume" Status
    [[ $out == *in-use* ]] || not_ok "[$phase] $user: Attach made the volume in-use" "$out"
    expect "[$phase] $user: Detach" gd "$user" "$v" "$iface.Volume.Detach" '{}'
    if gd "$user" "$v" "$iface.Volume.InitializeConnection" "$connector" && [[ $out == *driver_volume_type* ]]; then
      ok "[$phase] $user: InitializeConnection answers connection_info"
    else
      not_ok "[$phase] $user: InitializeConnection answers connection_info" "$out"
    fi
    expect "[$phase] $user: TerminateConnection" gd "$user" "$v" "$iface.Volume.TerminateConnection" "$connector"
    [ -n "${s:-}" ] && expect "[$phase] $user: Snapshot.Delete" gd "$user" "$s" "$iface.Snapshot.Delete" '{}'
    expect "[$phase] $user: Volume.Delete" gd "$user" "$v" "$iface.Volume.Delete" '{}'
    objects
    if [[ $out != *"$v"* ]]; then ok "[$phase] $user: the volume is gone"; else not_ok "[$phase] $user: the volume is gone" "$out"; fi
  }

  # the same with nova-volumectl, as a script runs it (no terminal)
  lifecycle_ctl () {
    local user=$1 id sid
    if ctl "$user" create 8M --name "ctl-by-$user" && id=$out && [ -n "$id" ]; then
      ok "[$phase] $user: nova-volumectl create"
    else
      not_ok "[$phase] $user: nova-volumectl create" "$out"
      return
    fi
    expect "[$phase] $user: nova-volumectl extend" ctl "$user" extend "$id" 16M
    if ctl "$user" snapshot "$id"; then
      ok "[$phase] $user: nova-volumectl snapshot"
      sid=$out
    else
      not_ok "[$phase] $user: nova-volumectl snapshot" "$out"
    fi
    expect "[$phase] $user: nova-volumectl attach" ctl "$user" attach "$id" "$instance" /dev/vdb
    expect "[$phase] $user: nova-volumectl detach" ctl "$user" detach "$id"
    expect "[$phase] $user: nova-volumectl connect" ctl "$user" connect "$id" --host compute1 --ip 127.0.0.1
    expect "[$phase] $user: nova-volumectl disconnect" ctl "$user" disconnect "$id" --host compute1 --ip 127.0.0.1
    [ -n "${sid:-}" ] && expect "[$phase] $user: nova-volumectl delete (the snapshot)" ctl "$user" delete "$sid"
    expect "[$phase] $user: nova-volumectl delete (the volume)" ctl "$user" delete "$id"
  }

  start_daemon
  case $phase in
    no-rules)
      # root's objects for nobody to try
      gd root "$manager" "$iface.Manager.CreateVolume" 8388608 '{}'; v=$(path_in volumes)
      gd root "$manager" "$iface.Manager.CreateVolume" 8388608 '{}'; a=$(path_in volumes)
      gd root "$v" "$iface.Volume.CreateSnapshot" '{}'; s=$(path_in snapshots)
      gd root "$a" "$iface.Volume.Attach" "'$instance'" /dev/vdb '{}'
      if [ -z "$v" ] || [ -z "$a" ] || [ -z "$s" ]; then
        not_ok "[$phase] root makes a volume, an attached volume, a snapshot" "$out"
        exit 1
      fi
      objects
      before=$out
      connector="{'ip': <'127.0.0.1'>, 'host': <'h'>}"
      refused "[$phase] nobody: CreateVolume is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$manager" "$iface.Manager.CreateVolume" 1048576 '{}'
      case $out in
        *org.openstack.volume1.manage-volumes*) ok "[$phase] the refusal names org.openstack.volume1.manage-volumes" ;;
        *) not_ok "[$phase] the refusal names org.openstack.volume1.manage-volumes" "$out" ;;
      esac
      refused "[$phase] nobody: Extend is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$v" "$iface.Volume.Extend" 16777216 '{}'
      refused "[$phase] nobody: CreateSnapshot is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$v" "$iface.Volume.CreateSnapshot" '{}'
      refused "[$phase] nobody: Attach is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$v" "$iface.Volume.Attach" "'$instance'" /dev/vdc '{}'
      refused "[$phase] nobody: Detach is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$a" "$iface.Volume.Detach" '{}'
      refused "[$phase] nobody: InitializeConnection is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$v" "$iface.Volume.InitializeConnection" "$connector"
      refused "[$phase] nobody: TerminateConnection is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$v" "$iface.Volume.TerminateConnection" "$connector"
      refused "[$phase] nobody: Snapshot.Delete is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$s" "$iface.Snapshot.Delete" '{}'
      refused "[$phase] nobody: Volume.Delete is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$a" "$iface.Volume.Delete" '{}'
      # interaction allowed, but nobody has an authentication agent: the
      # real polkitd still answers "challenge"
      refused "[$phase] nobody, interaction allowed, no agent: CreateVolume is NotAuthorizedCanObtain" \
        NotAuthorizedCanObtain gd nobody --interactive "$manager" "$iface.Manager.CreateVolume" 1048576 '{}'
      case $out in
        *"no polkit authentication agent answered"*) ok "[$phase] the refusal says no authentication agent answered" ;;
        *) not_ok "[$phase] the refusal says no authentication agent answered" "$out" ;;
      esac
      refused "[$phase] nobody, auth.no_user_interaction: CreateVolume is NotAuthorizedCanObtain" \
        NotAuthorizedCanObtain gd nobody --interactive "$manager" "$iface.Manager.CreateVolume" 1048576 \
        "{'auth.no_user_interaction': <true>}"
      # nova-volumectl without a terminal: exit 1, and what to ask for
      ctl_refused "[$phase] nobody: nova-volumectl create fails naming org.openstack.volume1.manage-volumes" \
        org.openstack.volume1.manage-volumes nobody create 1M
      ctl_refused "[$phase] nobody: nova-volumectl --no-user-interaction create fails naming org.openstack.volume1.manage-volumes" \
        org.openstack.volume1.manage-volumes nobody --no-user-interaction create 1M
      ctl_refused "[$phase] nobody: nova-volumectl snapshot fails naming org.openstack.volume1.manage-snapshots" \
        org.openstack.volume1.manage-snapshots nobody snapshot "${v##*/}"
      ctl_refused "[$phase] nobody: nova-volumectl attach fails naming org.openstack.volume1.attach" \
        org.openstack.volume1.attach nobody attach "${v##*/}" "$instance" /dev/vdc
      ctl_refused "[$phase] nobody: nova-volumectl connect fails naming org.openstack.volume1.connect" \
        org.openstack.volume1.connect nobody connect "${v##*/}" --host h --ip 127.0.0.1
      objects
      after=$out
      if [ "$before" = "$after" ]; then
        ok "[$phase] nothing changed (GetManagedObjects)"
      else
        not_ok "[$phase] nothing changed (GetManagedObjects)" "before: $before" "after: $after"
      fi
      # reading stays open
      if gd nobody "$manager" "$iface.Manager.GetVolumeStats" false && [[ $out == *total_capacity* ]]; then
        ok "[$phase] nobody may read: GetVolumeStats"
      else
        not_ok "[$phase] nobody may read: GetVolumeStats" "$out"
      fi
      expect "[$phase] nobody may read: nova-volumectl list" ctl nobody list
      # root needs no rule
      lifecycle_gdbus root
      lifecycle_ctl root
      ;;

    storage-admins)
      lifecycle_gdbus nobody
      lifecycle_ctl nobody
      refused "[$phase] nova-compute, not in the group: CreateVolume is NotAuthorizedCanObtain" \
        NotAuthorizedCanObtain gd nova-compute "$manager" "$iface.Manager.CreateVolume" 1048576 '{}'
      ;;

    nova-compute)
      gd root "$manager" "$iface.Manager.CreateVolume" 8388608 '{}'; v=$(path_in volumes)
      gd root "$v" "$iface.Volume.CreateSnapshot" '{}'; s=$(path_in snapshots)
      if [ -z "$v" ] || [ -z "$s" ]; then
        not_ok "[$phase] root makes a volume and a snapshot" "$out"
        exit 1
      fi
      connector="{'ip': <'192.0.2.10'>, 'host': <'compute1'>}"
      expect "[$phase] nova-compute: Attach" gd nova-compute "$v" "$iface.Volume.Attach" "'$instance'" /dev/vdb '{}'
      expect "[$phase] nova-compute: Detach" gd nova-compute "$v" "$iface.Volume.Detach" '{}'
      expect "[$phase] nova-compute: InitializeConnection" gd nova-compute "$v" "$iface.Volume.InitializeConnection" "$connector"
      expect "[$phase] nova-compute: TerminateConnection" gd nova-compute "$v" "$iface.Volume.TerminateConnection" "$connector"
      id=${v##*/}
      id=${id//_/-}
      expect "[$phase] nova-compute: nova-volumectl attach" ctl nova-compute attach "$id" "$instance" /dev/vdb
      expect "[$phase] nova-compute: nova-volumectl detach" ctl nova-compute detach "$id"
      expect "[$phase] nova-compute: nova-volumectl connect" ctl nova-compute connect "$id" --host compute1 --ip 192.0.2.10
      expect "[$phase] nova-compute: nova-volumectl disconnect" ctl nova-compute disconnect "$id" --host compute1 --ip 192.0.2.10
      objects
      before=$out
      refused "[$phase] nova-compute: CreateVolume is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nova-compute "$manager" "$iface.Manager.CreateVolume" 1048576 '{}'
      refused "[$phase] nova-compute: Extend is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nova-compute "$v" "$iface.Volume.Extend" 16777216 '{}'
      refused "[$phase] nova-compute: CreateSnapshot is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nova-compute "$v" "$iface.Volume.CreateSnapshot" '{}'
      refused "[$phase] nova-compute: Snapshot.Delete is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nova-compute "$s" "$iface.Snapshot.Delete" '{}'
      refused "[$phase] nova-compute: Volume.Delete is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nova-compute "$v" "$iface.Volume.Delete" '{}'
      ctl_refused "[$phase] nova-compute: nova-volumectl delete fails naming org.openstack.volume1.manage-volumes" \
        org.openstack.volume1.manage-volumes nova-compute delete "$id"
      refused "[$phase] nobody, not nova-compute: Attach is NotAuthorizedCanObtain" NotAuthorizedCanObtain \
        gd nobody "$v" "$iface.Volume.Attach" "'$instance'" /dev/vdb '{}'
      objects
      after=$out
      if [ "$before" = "$after" ]; then
        ok "[$phase] the refused calls changed nothing (GetManagedObjects)"
      else
        not_ok "[$phase] the refused calls changed nothing (GetManagedObjects)" "before: $before" "after: $after"
      fi
      ;;

    *)
      echo "Bail out! unknown phase $phase"
      exit 1
      ;;
  esac

  # a clean stop: exit status 0 (the sanitizers' and valgrind's verdict)
  status=0
  stop_daemon || status=$?
  if [ "$status" -eq 0 ]; then
    ok "[$phase] nova-volumed stops cleanly on SIGTERM"
  else
    not_ok "[$phase] nova-volumed stops cleanly on SIGTERM" "exit status $status" "$(cat "$dir/nova-volumed.log")"
  fi
  exit 0
fi

# ==== the test: each phase in its own namespaces ========================

source_root=${1:?usage: test-real-polkit.sh SOURCE_ROOT POLICY_FILE}
policy=$(readlink -f "${2:?usage: test-real-polkit.sh SOURCE_ROOT POLICY_FILE}")
guide=$source_root/doc/admin-guide.md
helper=$here/real-polkit.sh

status=0
reason=$("$helper" --check) || status=$?
if [ "$status" -eq 77 ]; then
  echo "1..0 # SKIP $reason"
  echo "test-real-polkit: SKIPPED, the real polkitd was not tried: $reason" >&2
  exit 0
elif [ "$status" -ne 0 ]; then
  echo "Bail out! $helper --check failed: $reason"
  exit 1
fi

n=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nova-volume-real-polkit-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () {
  n=$((n + 1))
  failed=1
  echo "not ok $n - $1"
  shift
  [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/# /'
  return 0
}

# guide_rules FILE_NAME: the fenced block that follows the first line of
# the guide naming FILE_NAME, without its fences
guide_rules () {
  awk -v name="$1" '
    !seen && index($0, name) { seen = 1; next }
    seen == 1 && /^```/ { seen = 2; next }
    seen == 2 && /^```/ { exit }
    seen == 2 { print }
  ' "$guide"
}
for name in 50-nova-volume-storage-admins.rules 50-nova-volume-nova-compute.rules; do
  guide_rules "$name" >"$tmp/$name"
  if grep -q 'polkit.addRule' "$tmp/$name"; then
    ok "doc/admin-guide.md shows /etc/polkit-1/rules.d/$name"
  else
    not_ok "doc/admin-guide.md shows /etc/polkit-1/rules.d/$name" "no fenced block with polkit.addRule after the line naming it"
  fi
done

# run_phase NAME HELPER_OPTION...: the phase's lines, numbered here
run_phase () {
  local phase=$1 line st=0 before=$n
  shift
  timeout --kill-after=10 300 "$helper" --actions "$policy" --bus-policy "$source_root/data/$bus_name.conf" \
    "$@" -- "$me" --phase "$phase" >"$tmp/$phase.out" 2>&1 </dev/null || st=$?
  while IFS= read -r line; do
    case $line in
      "ok - "*) ok "${line#ok - }" ;;
      "not ok - "*) not_ok "${line#not ok - }" ;;
      "Bail out!"*) not_ok "[$phase] ${line#Bail out! }" ;;
      "#"*) echo "$line" ;;
      *) echo "# $line" ;;
    esac
  done <"$tmp/$phase.out"
  if [ "$st" -ne 0 ] || [ "$n" -eq "$before" ]; then
    not_ok "[$phase] the phase ran to its end" "exit status $st"
  fi
}

run_phase no-rules --user nova-compute
run_phase storage-admins --rules "$tmp/50-nova-volume-storage-admins.rules" \
  --group storage-admins:nobody --user nova-compute
run_phase nova-compute --rules "$tmp/50-nova-volume-nova-compute.rules" --user nova-compute

echo "1..$n"
exit $failed
