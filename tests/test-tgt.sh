#!/bin/bash
# tests/test-tgt.sh: the host iSCSI tier (suite tgt). A private tgtd on
# 127.0.0.1 (its own control port and TCP port), the tgtadm helper driving
# it through the real executor (tests/tgt-helper-tool.c), and initiators
# in user space (libiscsi's tools, qemu-img's iscsi driver): a sparse file
# exported, bytes written and read back compared with the file byte for
# byte, CHAP right and wrong, initiators allowed, not allowed and denied,
# two at once, tgtd killed and restarted empty then ensure_export again,
# remove_export.
#
#   tests/test-tgt.sh TGT_HELPER_TOOL
#
# Prints TAP. Needs root (tgtd's lock under /run/tgtd) and the packages
# tgt libiscsi-bin qemu-utils qemu-block-extra; without them the whole
# test is skipped with the reason (TAP "1..0 # SKIP", and on stderr).
# tgtd ignores SIGTERM: it is stopped by deleting its targets and the
# system, SIGKILL after 3 s, on every way out of this script.
set -u

tool=${1:?usage: test-tgt.sh TGT_HELPER_TOOL}

tap_name=test-tgt
# shellcheck source=tests/tap-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap-lib.sh"

# --- what this machine must have ---------------------------------------

if [ "$(id -u)" -ne 0 ]; then
  skip_all "tgtd needs root (it locks /run/tgtd/socket.N.lock); run the tgt suite as root"
fi
for cmd in tgtd tgtadm iscsi-inq iscsi-readcapacity16 qemu-img ss timeout; do
  if ! command -v "$cmd" >/dev/null 2>&1; then
    skip_all "$cmd is not installed: apt-get install tgt libiscsi-bin qemu-utils qemu-block-extra (tools/deps.sh)"
  fi
done
if ! qemu-img --help 2>/dev/null | grep -qw iscsi; then
  skip_all "qemu-img has no iscsi driver: apt-get install qemu-block-extra"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/nova-volume-tgt-XXXXXX") || skip_all "cannot make a scratch directory"
# shellcheck source=tests/tgt-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/tgt-lib.sh"
tgtd_log=$dir/tgtd.log

cleanup () {
  tgt_cleanup
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

t0=$(date +%s%N)
if ! tgt_start_private; then
  skip_all "tgtd did not start on 127.0.0.1 (5 tries): $(tail -n 3 "$tgtd_log" 2>/dev/null | tr '\n' ' ')"
fi
ok "tgtd started (control port $ctl, 127.0.0.1:$port) and listens, in $((($(date +%s%N) - t0) / 1000000)) ms"

# --- the export ----------------------------------------------------------

tid=1
iqn="iqn.2010-10.org.openstack:volume-$(cat /proc/sys/kernel/random/uuid)"
backing=$dir/volume.img
host1=iqn.1994-05.com.example:host1
host2=iqn.1994-05.com.example:host2
host3=iqn.1994-05.com.example:host3
chap_user=nvtest$RANDOM
chap_secret=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)
wrong_secret=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)
printf %s "$chap_secret" >"$dir/secret"
printf %s "$wrong_secret" >"$dir/wrong-secret"
chmod 600 "$dir/secret" "$dir/wrong-secret"
truncate -s 64M "$backing"
head -c 4M /dev/urandom >"$dir/random.img"

# the helper, one call; its log (debug included) kept to look for the secret
helper () {
  NOVA_TEST_CHAP_USER=$chap_user NOVA_TEST_CHAP_SECRET=$chap_secret G_MESSAGES_DEBUG=all \
    timeout 30 "$tool" "$ctl" "$1" "$tid" "$iqn" "$backing" "${@:2}" 2>>"$dir/helper.log"
}

# libiscsi's inquiry as initiator $1 with CHAP password file $2
inquiry () {
  LIBISCSI_CHAP_USERNAME=$chap_user LIBISCSI_CHAP_PASSWORD=$(cat "$2") \
    timeout 10 iscsi-inq -i "$1" "iscsi://127.0.0.1:$port/$iqn/1" 2>&1
}

# "what" initiator secret-file reason: the login must be refused with
# libiscsi's reason ("Authentication failure", "Target not found"; an
# extended regular expression)
check_refused () {
  local what=$1 out status=0
  out=$(inquiry "$2" "$3") || status=$?
  if [ "$status" -ne 0 ] && grep -qE "$4" <<<"$out"; then
    ok "$what (libiscsi: $(grep -oE "$4" <<<"$out" | head -n 1), exit $status)"
  else
    not_ok "$what: expected \"$4\", got exit $status" "$out"
  fi
}

# qemu's iscsi driver as initiator $1; the secret from a file (qemu's
# secret object), never on the command line
qemu_opts () {
  echo "driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:$port,file.target=$iqn,file.lun=1,file.user=$chap_user,file.password-secret=chap,file.initiator-name=$1"
}
write_random () {
  timeout 30 qemu-img convert -n -f raw "$dir/random.img" \
    --object "secret,id=chap,file=$dir/secret" --target-image-opts "$(qemu_opts "$1")"
}
# reads the whole LUN as initiator $1 into $dir/read.img; it must equal the
# backing file and begin with the random bytes written
read_compare () {
  rm -f "$dir/read.img"
  timeout 30 qemu-img convert --object "secret,id=chap,file=$dir/secret" \
    --image-opts "$(qemu_opts "$1")" -O raw "$dir/read.img" &&
    cmp "$dir/read.img" "$backing" &&
    cmp -n 4194304 "$dir/read.img" "$dir/random.img"
}

# for a target name it does not have at all, tgtd resets the connection
# during the login (libiscsi: "Can not reconnect right now"), rather than
# answering "Target not found" as it does for an initiator not allowed
no_target="Target not found|Can not reconnect"

show_targets () {
  timeout 5 tgtadm -C "$ctl" --lld iscsi --mode target --op show
}

check "ensure_export makes the target" helper ensure
shown=$(show_targets)
if grep -q "^Target $tid: $iqn\$" <<<"$shown" && grep -q "Backing store path: $backing\$" <<<"$shown" &&
   grep -qx "        $chap_user" <<<"$shown"; then
  ok "tgtd shows target $tid with LUN 1 on the file and the CHAP account bound"
else
  not_ok "tgtd shows target $tid with LUN 1 on the file and the CHAP account bound" "$shown"
fi
check "ensure_export again changes nothing (idempotent)" helper ensure
if [ "$(show_targets)" = "$shown" ]; then
  ok "tgtd shows the same after the second ensure_export"
else
  not_ok "tgtd shows the same after the second ensure_export" "$(show_targets)"
fi
if [ "$(helper exists)" = yes ]; then ok "export_exists: yes"; else not_ok "export_exists: yes"; fi

check_refused "no initiator allowed yet: right CHAP refused" "$host1" "$dir/secret" "Target not found"

check "allow_initiator $host1" helper allow "$host1"
check "allow_initiator $host1 again (idempotent)" helper allow "$host1"
out=$(LIBISCSI_CHAP_USERNAME=$chap_user LIBISCSI_CHAP_PASSWORD=$chap_secret \
        timeout 10 iscsi-readcapacity16 -i "$host1" "iscsi://127.0.0.1:$port/$iqn/1" 2>&1)
if grep -q "Total size:67108864" <<<"$out"; then
  ok "$host1 with the right CHAP secret logs in: 64 MiB"
else
  not_ok "$host1 with the right CHAP secret logs in: 64 MiB" "$out"
fi

check "4 MiB of random bytes written through iSCSI as $host1" write_random "$host1"
if cmp -n 4194304 "$dir/random.img" "$backing" >/dev/null 2>&1; then
  ok "the backing file holds the same bytes"
else
  not_ok "the backing file holds the same bytes"
fi
check "the whole LUN read back as $host1 equals the backing file" read_compare "$host1"

check_refused "wrong CHAP secret refused" "$host1" "$dir/wrong-secret" "Authentication failure"
check_refused "initiator not allowed refused" "$host3" "$dir/secret" "Target not found"

# two hosts at once (live migration), the same CHAP credentials
check "allow_initiator $host2 beside $host1" helper allow "$host2"
check "$host1 still logs in" inquiry "$host1" "$dir/secret"
check "$host2 logs in" inquiry "$host2" "$dir/secret"
check "$host2 reads the same bytes" read_compare "$host2"

# an address rule (the seed bound ALL) lets every name in: ensure_export
# takes it away
timeout 5 tgtadm -C "$ctl" --lld iscsi --mode target --op bind --tid "$tid" --initiator-address ALL
check "with an ALL rule $host3 gets in" inquiry "$host3" "$dir/secret"
check "ensure_export takes the ALL rule away" helper ensure
check_refused "$host3 refused again" "$host3" "$dir/secret" "Target not found"

check "deny_initiator $host1" helper deny "$host1"
check "deny_initiator $host1 again (idempotent)" helper deny "$host1"
check_refused "$host1 refused after deny_initiator" "$host1" "$dir/secret" "Target not found"
check "$host2 still logs in after $host1 was denied" inquiry "$host2" "$dir/secret"

# tgtd killed and started again: it forgets every target; ensure_export
# (and the connections replayed, as init_host does) bring the same bytes
kill -KILL "$tgtd_pid"
wait "$tgtd_pid" 2>/dev/null
tgtd_pid=
t0=$(date +%s%N)
if tgt_start; then
  ok "tgtd killed and started again in $((($(date +%s%N) - t0) / 1000000)) ms"
else
  not_ok "tgtd killed and started again" "$(tail -n 5 "$tgtd_log")"
fi
if [ -z "$(show_targets)" ]; then
  ok "the restarted tgtd has no targets"
else
  not_ok "the restarted tgtd has no targets" "$(show_targets)"
fi
if [ "$(helper exists)" = no ]; then ok "export_exists: no"; else not_ok "export_exists: no"; fi
check_refused "before ensure_export no login" "$host2" "$dir/secret" "$no_target"
t0=$(date +%s%N)
if helper ensure && helper allow "$host2"; then
  ok "ensure_export and allow_initiator after the restart ($((($(date +%s%N) - t0) / 1000000)) ms)"
else
  not_ok "ensure_export and allow_initiator after the restart" "$(tail -n 5 "$dir/helper.log")"
fi
check "$host2 reads the same bytes after the restart" read_compare "$host2"
check_refused "wrong CHAP secret still refused after the restart" "$host2" "$dir/wrong-secret" \
  "Authentication failure"
check_refused "$host1 (denied before) still refused after the restart" "$host1" "$dir/secret" "Target not found"

check "remove_export" helper remove
shown=$(show_targets)
accounts=$(timeout 5 tgtadm -C "$ctl" --lld iscsi --mode account --op show 2>&1)
if [ -z "$shown" ] && ! grep -qw "$chap_user" <<<"$accounts"; then
  ok "tgtd has neither the target nor the CHAP account"
else
  not_ok "tgtd has neither the target nor the CHAP account" "$shown$accounts"
fi
check_refused "no login after remove_export" "$host2" "$dir/secret" "$no_target"
check "remove_export again (idempotent)" helper remove
if [ "$(helper exists)" = no ]; then ok "export_exists: no"; else not_ok "export_exists: no"; fi

# the secret went to tgtadm only: not in anything the helper logged
if [ -s "$dir/helper.log" ] && ! grep -qF "$chap_secret" "$dir/helper.log"; then
  ok "the CHAP secret is in none of the helper's log lines"
else
  not_ok "the CHAP secret is in none of the helper's log lines" "$(wc -l <"$dir/helper.log") lines"
fi

t0=$(date +%s%N)
tgt_stop
ok "tgtd stopped in $((($(date +%s%N) - t0) / 1000000)) ms"

echo "1..$n"
[ "$failures" -eq 0 ]
