# shellcheck shell=bash
# drivers/lvm/tests/lvm-guest.sh: test-lvm against a real volume group,
# run inside the guest by tests/vm/run-guest.sh with one --disk (meson:
# guest-lvm). The host has no device-mapper; the guest has, and LVM runs
# there without udev or dmeventd. The volume group is made on the virtio
# disk, and test-lvm (NOVA_TEST_LVM_PROGRAM, from the build tree the guest
# sees at its host path) runs its /lvm/real/ tests on it through
# libblockdev: each of its TAP results becomes a PASS or FAIL line.
# shellcheck disable=SC2317  # the checks' functions run through vm_check
set -u

# shellcheck source=tests/vm/guest-lib.sh
. "$NOVA_VM_LIB"

program=${NOVA_TEST_LVM_PROGRAM:-}
[ -n "$program" ] || vm_skip "NOVA_TEST_LVM_PROGRAM is not set"
case $program in
  /run/*) vm_skip "test-lvm ($program) is under /run, which the guest mounts afresh" ;;
esac
[ -x "$program" ] || vm_skip "no test-lvm at $program"
for c in pvcreate vgcreate lvs; do
  command -v "$c" >/dev/null || vm_skip "no $c in the guest (the host's root)"
done

vg=nova-test-lvm
vm_setup_lvm
vm_check "volume group $vg on $(vm_disk 0)" vm_make_vg "$vg" || vm_finish

out=$NOVA_VM_WORKDIR/test-lvm.out
status=0
NOVA_TEST_LVM_VG=$vg timeout 180 "$program" --tap -p /lvm/real >"$out" 2>&1 || status=$?
cat "$out"
ran=0
while IFS= read -r line; do
  case $line in
    "ok "*) vm_pass "test-lvm: ${line#ok * }"; ran=$((ran + 1)) ;;
    "not ok "*) vm_fail "test-lvm: ${line#not ok * }" "see test-lvm.out"; ran=$((ran + 1)) ;;
  esac
done <"$out"
[ "$status" -eq 0 ] || vm_fail "test-lvm exited with status $status" "$(tail -n 5 "$out" | tr '\n' ' ')"
[ "$ran" -gt 0 ] || vm_fail "test-lvm ran no test" "$(tail -n 5 "$out" | tr '\n' ' ')"
vm_check "lvs reads the group back" lvs "$vg"
vm_finish
