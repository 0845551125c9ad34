#!/run/vm/busybox sh
# shellcheck shell=sh
# tests/vm/guest-runner.sh: PID 1 of the guest once tests/vm/init has
# switched into the host's root (read-only 9p + tmpfs overlay). It runs the
# test script that tests/vm/run-guest.sh put in the work share, with bash,
# its output in the work share's guest.log, then prints the one line the
# host waits for on the serial console:
#   RESULT: PASS | RESULT: FAIL (why) | RESULT: SKIP (why)
# and powers off with the static busybox that init left in /run/vm (host
# binaries may be gone or hung by then). PID 1 never exits: that would
# panic the kernel.
#
# The script passes when it exits 0 and reported no FAIL line; it is
# skipped when it exits 77; it fails otherwise, or when it runs longer
# than nova_vm.timeout seconds (kernel command line).

bb=/run/vm/busybox
work=/run/vm/work
console=/dev/console
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
export LC_ALL=C.UTF-8

finish () {
  echo "RESULT: $*" >"$console"
  cd /
  $bb sync
  $bb poweroff -f
  while :; do $bb sleep 60; done
}

script_timeout=600
read -r cmdline </proc/cmdline
for arg in $cmdline; do
  case $arg in
    nova_vm.timeout=*) script_timeout=${arg#nova_vm.timeout=} ;;
  esac
done

$bb hostname nova-vm
$bb ip link set lo up || echo "guest-runner: cannot bring up lo" >"$console"
# old device mappings and lock files of the host do not exist here
$bb mkdir -p /run/lock /run/lvm /run/dbus /var/tmp

[ -f "$work/script" ] || finish "FAIL (no script in the work share)"
cd "$work" || finish "FAIL (cannot enter the work share)"

# NOVA_VM_* for the script and guest-lib.sh; env holds --env settings
export NOVA_VM_WORKDIR="$work"
export NOVA_VM_LIB="$work/guest-lib.sh"
export NOVA_VM_CONSOLE="$console"
export NOVA_VM_MARKERS="$work/markers"
: >"$NOVA_VM_MARKERS"
if [ -f "$work/env" ]; then
  # shellcheck disable=SC1091 # written by run-guest.sh at run time
  . "$work/env"
fi

echo "guest-runner: running the script (limit ${script_timeout}s)" >"$console"
status=0
/usr/bin/timeout --kill-after=5 "$script_timeout" bash "$work/script" >"$work/guest.log" 2>&1 </dev/null || status=$?

if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  finish "FAIL (the script did not finish within ${script_timeout}s)"
elif [ "$status" -eq 77 ]; then
  reason=$($bb sed -n 's/^SKIP: //p' "$NOVA_VM_MARKERS" | $bb tail -n 1)
  finish "SKIP (${reason:-the script exited 77})"
elif $bb grep -q '^FAIL: ' "$NOVA_VM_MARKERS"; then
  finish "FAIL (the script reported failures, exit $status)"
elif [ "$status" -ne 0 ]; then
  finish "FAIL (the script exited $status)"
fi
finish "PASS"
