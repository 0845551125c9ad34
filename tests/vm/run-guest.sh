#!/bin/bash
# tests/vm/run-guest.sh: boots a throwaway qemu guest from the installed
# Debian kernel with the host's / shared read-only (tmpfs overlay on top),
# runs one script in it as root, and reports.
#
#   run-guest.sh --script FILE [--disk SIZE | --disk-file FILE]...
#                [--env NAME=VALUE]... [--timeout SECONDS] [--mem MIB]
#                [--workdir DIR] [--keep] [--cache-dir DIR] [--tap] [--verbose]
#
# The script runs with bash in the guest; tests/vm/guest-lib.sh sits beside
# it as $NOVA_VM_LIB (see there for the PASS/FAIL/SKIP helpers and the
# services a tier may start). Each --disk is a new sparse raw file in the
# work directory, each --disk-file an existing raw file used as it is (to
# boot twice with the same disk); they are virtio disks /dev/vda, /dev/vdb,
# ... in the order given. The work directory (a fresh one
# under /tmp unless --workdir) is shared read-write at /run/vm/work and
# keeps console.log (the serial console), guest.log (the script's output)
# and markers (its PASS/FAIL/SKIP lines); it is removed afterwards unless
# it was given or --keep was.
#
# Exit status: 0 when the guest said RESULT: PASS, 77 when it or this
# machine said SKIP (the reason is printed), 1 otherwise (the console and
# the guest's log are printed). With --tap the report is TAP for meson
# instead, and the status 0: one line per PASS/FAIL the guest printed, one
# for the guest's own result (diagnostics as # comments after a failure),
# and "1..0 # SKIP reason" when the guest cannot run here.
#
# Accelerator: KVM when /dev/kvm is usable and a quick probe guest boots
# within 10 s (the outcome is cached in the cache directory), TCG
# otherwise. NOVA_VOLUME_VM_ACCEL=kvm|tcg forces one.
# The kernel and the initramfs are built once into the cache directory
# (default: build/tests/vm-cache of this tree; tests/vm/build-image.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcroot=$(cd "$here/../.." && pwd)

script=
disks=()
envs=()
timeout_s=300
mem=512
workdir=
keep=0
cache=${NOVA_VOLUME_VM_CACHE:-$srcroot/build/tests/vm-cache}
tap=0
verbose=0

usage () {
  sed -n '6,8p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --script) script=${2:?}; shift 2 ;;
    --disk) disks+=("size:${2:?}"); shift 2 ;;
    --disk-file) disks+=("file:${2:?}"); shift 2 ;;
    --env) envs+=("${2:?}"); shift 2 ;;
    --timeout) timeout_s=${2:?}; shift 2 ;;
    --mem) mem=${2:?}; shift 2 ;;
    --workdir) workdir=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    --cache-dir) cache=${2:?}; shift 2 ;;
    --tap) tap=1; shift ;;
    --verbose) verbose=1; shift ;;
    -h|--help) usage ;;
    *) echo "run-guest: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$script" ] || usage
[ -r "$script" ] || { echo "run-guest: cannot read $script" >&2; exit 2; }
if ! [[ $timeout_s =~ ^[0-9]+$ ]] || [ "$timeout_s" -lt 10 ]; then
  echo "run-guest: --timeout needs at least 10 seconds" >&2
  exit 2
fi
for e in "${envs[@]}"; do
  [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "run-guest: --env wants NAME=VALUE, not $e" >&2; exit 2; }
done

# --- reporting -------------------------------------------------------------

# with --tap the exit status is 0 unless this script itself broke: meson
# counts any other status as an error, whatever the TAP lines said
skip () {
  echo "run-guest: SKIP: $*" >&2
  if [ "$tap" = 1 ]; then
    echo "1..0 # SKIP $*"
    exit 0
  fi
  echo "SKIP: $*"
  exit 77
}

# --- what this machine must have --------------------------------------------

[ "$(uname -m)" = x86_64 ] || skip "the guest tier needs an x86_64 host, this is $(uname -m)"
[ "$(id -u)" -eq 0 ] || skip "the guest tier needs root (it shares the whole host root with the guest)"
qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || skip "no qemu-system-x86_64 (install qemu-system-x86)"
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3 to unpack the kernel"

mkdir -p "$cache"
build_status=0
image_dir=$("$here/build-image.sh" "$cache" 2>"$cache/build-image.err") || build_status=$?
if [ "$build_status" -ne 0 ]; then
  reason=$(sed -n 's/^build-image: SKIP: //p' "$cache/build-image.err" | tail -n 1)
  [ "$build_status" -ne 77 ] || skip "$reason"
  cat "$cache/build-image.err" >&2
  [ "$tap" = 0 ] || { echo "not ok 1 - build the guest's kernel and initramfs"; echo "1..1"; exit 0; }
  exit 1
fi
rm -f "$cache/build-image.err"
kernel=$image_dir/vmlinux
initrd=$image_dir/initramfs.cpio

# --- the work directory and the cleanup --------------------------------------

qemu_pid=
remove_workdir=0
if [ -z "$workdir" ]; then
  workdir=$(mktemp -d /tmp/nova-vm.XXXXXX)
  [ "$keep" = 1 ] || remove_workdir=1
else
  mkdir -p "$workdir"
  workdir=$(cd "$workdir" && pwd)
fi

# shellcheck disable=SC2317  # called from the traps
cleanup () {
  if [ -n "$qemu_pid" ]; then
    kill -TERM "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  if [ "$remove_workdir" = 1 ]; then
    rm -rf "$workdir"
  fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# qemu in the background, so that a signal to us runs the trap at once
# (bash defers traps while a foreground child runs); `timeout` ends it
# when the guest hangs
run_qemu () {
  local limit=$1 console=$2
  shift 2
  local status=0
  timeout --kill-after=5 "$limit" "$qemu" "$@" </dev/null >"$console" 2>"$console.stderr" &
  qemu_pid=$!
  wait "$qemu_pid" || status=$?
  qemu_pid=
  return "$status"
}

common_args=(
  -smp 1 -machine pc -nodefaults -no-user-config -display none -nic none -no-reboot
  -serial stdio -kernel "$kernel" -initrd "$initrd"
)

# --- the accelerator -----------------------------------------------------------

# KVM only when a guest really boots with it: nested KVM has hung here
probe_kvm () {
  local dir status=0
  dir=$(mktemp -d "$workdir/probe.XXXXXX")
  # stderr off: bash's own note on a qemu that aborted (KVM without the
  # MSRs qemu wants) is noise; the reason is in the status
  { run_qemu 10 "$dir/console" -accel kvm -cpu host -m 128 "${common_args[@]}" \
      -append "console=ttyS0 quiet panic=-1 nova_vm.probe=1" || status=$?; } 2>/dev/null
  if [ "$status" -eq 0 ] && grep -q 'NOVA-VM-PROBE: booted' "$dir/console"; then
    rm -rf "$dir"
    return 0
  fi
  echo "run-guest: KVM probe failed (status $status); using TCG" >&2
  rm -rf "$dir"
  return 1
}

accel=${NOVA_VOLUME_VM_ACCEL:-auto}
case $accel in
  kvm|tcg) ;;
  auto)
    accel=tcg
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
      probe_file=$image_dir/accel-probe
      if [ -f "$probe_file" ]; then
        accel=$(cat "$probe_file")
      else
        if probe_kvm; then accel=kvm; fi
        echo "$accel" >"$probe_file"
      fi
    fi
    ;;
  *) echo "run-guest: NOVA_VOLUME_VM_ACCEL must be kvm, tcg or auto" >&2; exit 2 ;;
esac
if [ "$accel" = kvm ]; then
  accel_args=(-accel kvm -cpu host)
else
  accel_args=(-accel tcg -cpu max)
fi

# --- the guest's work share ----------------------------------------------------

rm -f "$workdir/console.log" "$workdir/guest.log" "$workdir/markers"
install -m 0644 "$script" "$workdir/script"
install -m 0644 "$here/guest-lib.sh" "$workdir/guest-lib.sh"
{
  for e in "${envs[@]}"; do
    value=${e#*=}
    printf "export %s='%s'\n" "${e%%=*}" "${value//\'/\'\\\'\'}"
  done
} >"$workdir/env"

disk_args=()
i=0
for disk in "${disks[@]}"; do
  case $disk in
    size:*)
      file=$workdir/disk$i.img
      rm -f "$file"
      truncate -s "${disk#size:}" "$file"
      ;;
    file:*)
      file=${disk#file:}
      [ -f "$file" ] || { echo "run-guest: --disk-file $file: no such file" >&2; exit 2; }
      ;;
  esac
  # qemu splits -drive options at commas
  disk_args+=(-drive "file=${file//,/,,},format=raw,if=virtio,cache=unsafe")
  i=$((i + 1))
done

# the script's own limit leaves time for the boot (10-15 s under TCG on a
# busy machine), its 5 s grace and the report
if [ "$timeout_s" -ge 60 ]; then
  guest_limit=$((timeout_s - 30))
else
  guest_limit=$((timeout_s / 2))
fi

# --- boot --------------------------------------------------------------------

start=$(date +%s.%N)
qemu_status=0
run_qemu "$timeout_s" "$workdir/console.log" "${accel_args[@]}" -m "$mem" "${common_args[@]}" \
  -append "console=ttyS0 quiet panic=-1 nova_vm.timeout=$guest_limit" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$workdir,mount_tag=work,security_model=none,multidevs=remap" \
  "${disk_args[@]}" || qemu_status=$?
elapsed=$(echo "$(date +%s.%N) $start" | awk '{printf "%.1f", $1 - $2}')

# --- report --------------------------------------------------------------------

tr -d '\r' <"$workdir/console.log" >"$workdir/console.txt"
mv "$workdir/console.txt" "$workdir/console.log"
result=$(sed -n 's/^RESULT: //p' "$workdir/console.log" | tail -n 1)
if [ -z "$result" ]; then
  case $qemu_status in
    124|137) result="FAIL (no result: qemu was stopped after ${timeout_s}s)" ;;
    0) result="FAIL (no result: the guest stopped without reporting)" ;;
    *) result="FAIL (no result: qemu exited with status $qemu_status)" ;;
  esac
fi

print_diagnostics () {
  echo "--- serial console ---"
  cat "$workdir/console.log"
  if [ -s "$workdir/console.log.stderr" ]; then
    echo "--- qemu's stderr ---"
    cat "$workdir/console.log.stderr"
  fi
  if [ -f "$workdir/guest.log" ]; then
    echo "--- the script's output (guest.log) ---"
    cat "$workdir/guest.log"
  fi
  local log
  for log in "$workdir"/*.log; do
    case ${log##*/} in
      console.log|guest.log) continue ;;
    esac
    if [ -s "$log" ]; then
      echo "--- ${log##*/} ---"
      cat "$log"
    fi
  done
  return 0
}

summary="guest ran ${elapsed}s with $accel: $result"
case $result in
  PASS) status=0 ;;
  SKIP*) status=77 ;;
  *) status=1 ;;
esac

if [ "$tap" = 1 ]; then
  n=0
  while IFS= read -r line; do
    case $line in
      "PASS: "*) n=$((n + 1)); echo "ok $n - ${line#PASS: }" ;;
      "FAIL: "*) n=$((n + 1)); echo "not ok $n - ${line#FAIL: }" ;;
    esac
  done <"$workdir/console.log"
  case $status in
    0) n=$((n + 1)); echo "ok $n - guest result ($accel, ${elapsed}s)" ;;
    77)
      reason=${result#SKIP (}
      if [ "$n" -eq 0 ]; then
        echo "1..0 # SKIP ${reason%)}"
        exit 0
      fi
      n=$((n + 1)); echo "ok $n - guest result # SKIP ${reason%)}" ;;
    *) n=$((n + 1)); echo "not ok $n - guest result: $result" ;;
  esac
  echo "1..$n"
  if [ "$status" = 1 ] || [ "$verbose" = 1 ]; then
    print_diagnostics | sed 's/^/# /'
  fi
  echo "# $summary"
  exit 0
fi

grep -E '^(PASS|FAIL|SKIP): ' "$workdir/console.log" || true
if [ "$status" = 1 ] || [ "$verbose" = 1 ]; then
  print_diagnostics >&2
fi
echo "run-guest: $summary" >&2
exit "$status"
