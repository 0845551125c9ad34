# shellcheck shell=bash
# tests/vm/guest-lib.sh: what a guest script sources to report and to bring
# up the services nova-volume's guest tiers need. In a script run by
# tests/vm/run-guest.sh:
#
#   # shellcheck source=tests/vm/guest-lib.sh
#   . "$NOVA_VM_LIB"
#   vm_setup_lvm
#   vm_check "vgcreate" vgcreate vg "$(vm_disk 0)"
#   ...
#   vm_finish
#
# Reporting: each check becomes one line on the serial console, which the
# host reads (and turns into TAP with --tap): "PASS: NAME", "FAIL: NAME:
# WHY", "SKIP: WHY". The same lines, with the guest's uptime, go to the
# script's own output (guest.log in the work directory) between the output
# of the commands, and to $NOVA_VM_MARKERS, from which the runner decides
# the result. A FAIL does not stop the script; vm_finish exits 1 after any.
#
# Services, each started once and left running until the guest powers off:
#   vm_setup_lvm          LVM without udev or dmeventd (lvmlocal.conf)
#   vm_start_system_bus   dbus-daemon --system on /run/dbus/system_bus_socket
#   vm_start_polkitd      the real polkitd on that bus
#   vm_start_iscsid       open-iscsi's daemon, with an initiator name
#   vm_iscsi_login IQN    discovery + login; prints the /dev/sdX it made
#   vm_add_user NAME      an unprivileged user (run as it: runuser -u NAME --)
#   vm_make_vg VG         a PV and volume group VG on the first virtio disk
#   vm_start_tgtd PORTAL  a tgtd listening on PORTAL (ip:port); vm_stop_tgtd PORTAL
#   vm_stop_pid PID       SIGTERM, then SIGKILL after 30 s; its exit status

: "${NOVA_VM_CONSOLE:=/dev/console}"
: "${NOVA_VM_MARKERS:=/run/vm/work/markers}"
: "${NOVA_VM_WORKDIR:=/run/vm/work}"

# the settings BACKENDS.md found necessary without udev and dmeventd, for
# commands that take --config (libblockdev: bd_lvm_set_global_config)
NOVA_VM_LVM_CONFIG='activation { udev_sync=0 udev_rules=0 monitoring=0 } devices { obtain_device_list_from_udev=0 }'
export NOVA_VM_LVM_CONFIG

# the initiator name vm_start_iscsid gives open-iscsi
NOVA_VM_INITIATOR=iqn.2004-10.org.debian:nova-vm
export NOVA_VM_INITIATOR

vm_uptime () {
  local up _
  read -r up _ </proc/uptime
  echo "$up"
}

# one marker line: console, markers file, the script's output
vm_marker () {
  local line=$*
  line=${line//$'\n'/ }
  echo "$line" >"$NOVA_VM_CONSOLE"
  echo "$line" >>"$NOVA_VM_MARKERS"
  echo "[$(vm_uptime)] $line"
}

vm_log () {
  echo "[$(vm_uptime)] $*"
}

vm_pass () {
  vm_marker "PASS: $1"
}

# vm_fail NAME [WHY]
vm_fail () {
  vm_marker "FAIL: $1${2:+: $2}"
}

# vm_skip WHY: the whole script is skipped (exit 77)
vm_skip () {
  vm_marker "SKIP: $*"
  exit 77
}

# vm_check NAME COMMAND...: runs the command, PASS when it succeeds
vm_check () {
  local name=$1 status=0
  shift
  vm_log "check $name: $*"
  "$@" || status=$?
  if [ "$status" -eq 0 ]; then
    vm_pass "$name"
  else
    vm_fail "$name" "exit $status from $1"
  fi
  return "$status"
}

# vm_finish: the script's end; exit 1 when any check failed
vm_finish () {
  if grep -q '^FAIL: ' "$NOVA_VM_MARKERS" 2>/dev/null; then
    vm_log "finished with failures"
    exit 1
  fi
  vm_log "finished"
  exit 0
}

# vm_disk N: the device of run-guest.sh's Nth --disk (0: /dev/vda)
vm_disk () {
  local letters=abcdefghijklmnopqrstuvwxyz
  echo "/dev/vd${letters:$1:1}"
}

# vm_wait_for SECONDS COMMAND...: polls every 0.1 s until the command
# succeeds; fails after SECONDS
vm_wait_for () {
  local limit=$1 tries
  shift
  tries=$((limit * 10))
  while ! "$@" >/dev/null 2>&1; do
    tries=$((tries - 1))
    if [ "$tries" -le 0 ]; then
      vm_log "gave up after ${limit}s waiting for: $*"
      return 1
    fi
    sleep 0.1
  done
}

# --- LVM -----------------------------------------------------------------------

# LVM as on a host with udev, but without it: LVM makes the /dev nodes and
# links itself and does not wait for udev; no dmeventd monitoring. Written
# to lvmlocal.conf (the guest's /etc is a tmpfs overlay), so every command
# and libblockdev see it.
vm_setup_lvm () {
  mkdir -p /etc/lvm /run/lvm /run/lock/lvm
  cat >/etc/lvm/lvmlocal.conf <<'EOF'
# written by tests/vm/guest-lib.sh: no udev, no dmeventd in the guest
activation {
	udev_sync = 0
	udev_rules = 0
	monitoring = 0
}
devices {
	obtain_device_list_from_udev = 0
}
EOF
}

# --- D-Bus and polkit ------------------------------------------------------------

vm_bus_has_name () {
  dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}

# a system bus as the distribution configures it, plus
# /run/vm/dbus/system.d for policy files a tier adds (the project's own
# bus policy from the build tree, say); dbus-daemon --fork returns once it
# listens
vm_start_system_bus () {
  if [ -S /run/dbus/system_bus_socket ]; then
    return 0
  fi
  mkdir -p /run/dbus /run/vm/dbus/system.d
  cat >/run/vm/dbus/system.conf <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- written by tests/vm/guest-lib.sh -->
<busconfig>
  <include>/usr/share/dbus-1/system.conf</include>
  <includedir>/run/vm/dbus/system.d</includedir>
</busconfig>
EOF
  dbus-daemon --config-file=/run/vm/dbus/system.conf --fork --nosyslog || return 1
  vm_wait_for 10 dbus-send --system --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.GetId
}

# the real polkitd, as its systemd unit starts it; ready once it owns
# org.freedesktop.PolicyKit1
vm_start_polkitd () {
  vm_start_system_bus || return 1
  if vm_bus_has_name org.freedesktop.PolicyKit1; then
    return 0
  fi
  /usr/lib/polkit-1/polkitd --no-debug </dev/null >>"$NOVA_VM_WORKDIR/polkitd.log" 2>&1 &
  vm_wait_for 30 vm_bus_has_name org.freedesktop.PolicyKit1
}

# --- open-iscsi --------------------------------------------------------------------

vm_iscsid_answers () {
  local status=0
  iscsiadm -m session >/dev/null 2>&1 || status=$?
  # 21: no sessions, which needs an answer from iscsid too
  [ "$status" -eq 0 ] || [ "$status" -eq 21 ]
}

vm_start_iscsid () {
  if [ -f /run/iscsid.pid ] && vm_iscsid_answers; then
    return 0
  fi
  mkdir -p /etc/iscsi /run/lock/iscsi
  echo "InitiatorName=$NOVA_VM_INITIATOR" >/etc/iscsi/initiatorname.iscsi
  # iscsiadm would start a missing iscsid through systemctl
  sed -i 's|^iscsid.startup = .*|# iscsid.startup: started by tests/vm/guest-lib.sh|' /etc/iscsi/iscsid.conf
  iscsid || return 1
  vm_wait_for 10 vm_iscsid_answers
}

# the block device of the session logged in to TARGET_IQN, or nothing
vm_iscsi_device () {
  local session dev
  for session in /sys/class/iscsi_session/session*; do
    [ "$(cat "$session/targetname" 2>/dev/null)" = "$1" ] || continue
    for dev in "$session"/device/target*/*/block/*; do
      [ -e "$dev" ] || continue
      echo "/dev/${dev##*/}"
      return 0
    done
  done
  return 1
}

# vm_iscsi_login TARGET_IQN [PORTAL]: discovery and login (portal default
# 127.0.0.1:3260), then waits for the disk and prints its /dev path
vm_iscsi_login () {
  local iqn=$1 portal=${2:-127.0.0.1:3260} dev
  vm_start_iscsid || return 1
  iscsiadm -m discovery -t sendtargets -p "$portal" >&2 || return 1
  iscsiadm -m node -T "$iqn" -p "$portal" --login >&2 || return 1
  vm_wait_for 20 vm_iscsi_device "$iqn" || return 1
  dev=$(vm_iscsi_device "$iqn")
  vm_wait_for 10 test -b "$dev" || return 1
  echo "$dev"
}

# vm_iscsi_logout TARGET_IQN [PORTAL]
vm_iscsi_logout () {
  iscsiadm -m node -T "$1" -p "${2:-127.0.0.1:3260}" --logout >&2
}

# vm_make_vg VG: a PV and the volume group VG on the first virtio disk
vm_make_vg () {
  pvcreate -q "$(vm_disk 0)" && vgcreate -q "$1" "$(vm_disk 0)"
}

# --- tgt ---------------------------------------------------------------------------------

VM_TGTD_PID=
# tgtd keeps running when it cannot bind its portal: the listener must be
# its own
vm_tgtd_listens () {
  ss -Hltnp "sport = :${1##*:}" | grep -q '"tgtd"'
}
vm_portal_free () {
  ! ss -Hltn "sport = :${1##*:}" | grep -q .
}
vm_start_tgtd () {
  [ -z "$VM_TGTD_PID" ] || return 0
  tgtd -f --iscsi "portal=$1" </dev/null >>"$NOVA_VM_WORKDIR/tgtd.log" 2>&1 &
  VM_TGTD_PID=$!
  vm_wait_for 20 tgtadm --op show --mode system && vm_wait_for 10 vm_tgtd_listens "$1"
}
# tgtd ignores SIGTERM: stopped with SIGKILL, then the portal must be free
vm_stop_tgtd () {
  [ -n "$VM_TGTD_PID" ] || return 0
  kill -KILL "$VM_TGTD_PID" 2>/dev/null
  wait "$VM_TGTD_PID" 2>/dev/null
  VM_TGTD_PID=
  vm_wait_for 10 vm_portal_free "$1"
}

# --- processes ---------------------------------------------------------------------------

# vm_stop_pid PID: SIGTERM, up to 30 s to exit, then SIGKILL; returns the
# process's exit status (a child of this shell)
vm_stop_pid () {
  local status=0
  kill -TERM "$1" 2>/dev/null
  for _ in $(seq 300); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null
  wait "$1" || status=$?
  return "$status"
}

# --- users -----------------------------------------------------------------------------

# vm_add_user NAME: an unprivileged user with a home in /tmp (the guest's
# /etc/passwd is the overlay's copy)
vm_add_user () {
  id "$1" >/dev/null 2>&1 && return 0
  useradd --create-home --home-dir "/tmp/home-$1" --shell /bin/bash "$1"
}

# --- nova-volumed in the guest ------------------------------------------------------
#   vm_nova_setup BUILD SRC   this build's nova-volumed and nova-volumectl (SKIP
#                             when missing), its bus policy on the system bus
#   vm_nova_start NAME CONF STATE   the daemon as root, log nova-volumed-NAME.log
#   vm_nova_stop              SIGTERM (vm_stop_pid); vm_nova_ctl ARGS...
#   vm_json_field NAME        a value of nova-volumectl --json output on stdin
#   vm_same_bytes DEVICE FILE, vm_write_bytes FILE DEVICE   past the page cache
#   vm_phase NAME, vm_phase_summary   guest seconds per phase, in the log

VM_NOVA_VOLUMED=
VM_NOVA_VOLUMECTL=
VM_NOVA_PID=
VM_NOVA_NAME=

# vm_nova_setup BUILD SRC: the guest sees the build tree at its host path,
# so it must not be under /run (mounted afresh in the guest)
vm_nova_setup () {
  local build=$1 src=$2
  { [ -n "$build" ] && [ -n "$src" ]; } || vm_skip "NOVA_VOLUME_BUILD_ROOT and NOVA_VOLUME_SOURCE_ROOT are not set"
  case $build in
    /run/*) vm_skip "the build directory $build is under /run, which the guest mounts afresh" ;;
  esac
  VM_NOVA_VOLUMED=$build/daemon/nova-volumed
  VM_NOVA_VOLUMECTL=$build/cli/nova-volumectl
  { [ -x "$VM_NOVA_VOLUMED" ] && [ -x "$VM_NOVA_VOLUMECTL" ]; } ||
    vm_skip "no nova-volumed or nova-volumectl in $build/daemon and $build/cli"
  mkdir -p /run/vm/dbus/system.d &&
    install -m 644 "$src/data/org.openstack.Volume1.conf" /run/vm/dbus/system.d/ &&
    vm_start_system_bus
}

vm_nova_ctl () {
  timeout 120 "$VM_NOVA_VOLUMECTL" --no-user-interaction "$@"
}

# ready when it answers (up to 60 s), failed when it exited
vm_nova_ready () {
  local tries=600
  while [ "$tries" -gt 0 ]; do
    kill -0 "$VM_NOVA_PID" 2>/dev/null || { vm_log "nova-volumed ($VM_NOVA_NAME) exited"; return 1; }
    vm_nova_ctl list >/dev/null 2>&1 && return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# vm_nova_start NAME CONF STATE
vm_nova_start () {
  VM_NOVA_NAME=$1
  # $4: one more option (--recover)
  "$VM_NOVA_VOLUMED" --config "$2" --state-dir "$3" --verbose ${4:+"$4"} </dev/null \
    >>"$NOVA_VM_WORKDIR/nova-volumed-$1.log" 2>&1 &
  VM_NOVA_PID=$!
  vm_nova_ready
}

vm_nova_stop () {
  local status=0
  [ -n "$VM_NOVA_PID" ] || return 0
  vm_stop_pid "$VM_NOVA_PID" || status=$?
  VM_NOVA_PID=
  # a stop that did not end well says why (a sanitizer's report is in the log)
  if [ "$status" -ne 0 ]; then
    vm_log "nova-volumed ($VM_NOVA_NAME) exited with status $status; the end of its log:"
    vm_log "$(tail -n 40 "$NOVA_VM_WORKDIR/nova-volumed-$VM_NOVA_NAME.log" 2>&1)"
  fi
  return "$status"
}

# vm_json_field NAME: the value of "NAME" in nova-volumectl's JSON on stdin
vm_json_field () {
  sed -n "s/^ *\"$1\" : //p" | head -n 1 | sed 's/,$//; s/^"//; s/"$//'
}

# vm_same_bytes DEVICE FILE: DEVICE starts with FILE's bytes (read past the
# page cache, so what another path wrote is seen)
vm_same_bytes () {
  local n
  n=$(stat -c %s "$2")
  dd if="$1" bs=1M count=$((n / 1048576)) iflag=direct status=none | cmp -s - "$2"
}

# vm_write_bytes FILE DEVICE
vm_write_bytes () {
  dd if="$1" of="$2" bs=1M oflag=direct conv=fsync status=none
}

VM_PHASE_SCRIPT_START=$(vm_uptime)
VM_PHASE_TIMINGS=()
VM_PHASE_NAME=
VM_PHASE_START=
# vm_phase NAME: ends the phase before (its time goes to the summary)
vm_phase () {
  local now
  now=$(vm_uptime)
  if [ -n "$VM_PHASE_NAME" ]; then
    VM_PHASE_TIMINGS+=("$(awk -v a="$VM_PHASE_START" -v b="$now" 'BEGIN { printf "%.1f", b - a }')s $VM_PHASE_NAME")
  fi
  VM_PHASE_NAME=$1
  VM_PHASE_START=$now
  [ -z "$1" ] || vm_log "=== $1"
}

# vm_phase_summary: ends the last phase, logs every phase's time
vm_phase_summary () {
  local t
  vm_phase ""
  vm_log "timings (guest seconds):"
  for t in "${VM_PHASE_TIMINGS[@]}"; do
    vm_log "  $t"
  done
  vm_log "  $(awk -v a="$VM_PHASE_SCRIPT_START" -v b="$(vm_uptime)" 'BEGIN { printf "%.1f", b - a }')s in all"
}
