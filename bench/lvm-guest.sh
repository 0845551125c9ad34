# shellcheck shell=bash
# bench/lvm-guest.sh: figure 5 of nova-volume-bench (doc/performance.md),
# run inside the guest by tests/vm/run-guest.sh with one --disk:
#
#   tests/vm/run-guest.sh --script bench/lvm-guest.sh --disk 3G --timeout 2700 \
#     --env NOVA_VOLUME_BUILD_ROOT=$PWD/build --env NOVA_VOLUME_SOURCE_ROOT=$PWD
#
# This build's nova-volumed (volume_driver = lvm-iscsi) as root on the
# guest's system bus (root needs no polkitd), on the volume group
# nova-volumes made on the virtio disk. For each pass (iscsi_helper lioadm
# or tgtadm, lvm_type default or thin), side by side in alternating
# rounds:
#
#   dbus  CreateVolume(64 MiB) over D-Bus (the LV and its export), then
#         Delete (the export and the LV), each a `busctl call`
#   bare  what the same create and delete need at the least: lvcreate of
#         the same size, the target commands of one export (LIO: the
#         configfs mkdir/write/symlink sequence; tgt: tgtadm new target,
#         new LUN, new account, bind), then their teardown and lvremove
#
#   udisks  (thick passes, when udisks2 and its LVM module are installed)
#         VolumeGroup.CreatePlainVolume of the same size in the same
#         group through udisksd (Debian's udisks2, the same libblockdev),
#         then LogicalVolume.Delete, each a `busctl call`: the peer an
#         admin would otherwise use, with no export (so the line also
#         gives the D-Bus side without the bare side's export time)
#
# and, beside them, what the client costs (a `busctl call` of Peer.Ping to
# the daemon) and what starting a process costs (/bin/true). After the
# rounds, one more pair with the daemon under strace (not in the figures)
# lists the programs it started and the time spent in them; udisksd's
# the same way.
#
# Output: "PASS: <pass>: <summary>" on the console for each pass that ran,
# and lines for a program in $NOVA_VM_WORKDIR/lvm-bench.results (also in
# guest.log), space-separated key=value after a tag:
#
#   lvm-guest kernel=... lvm=... tgtd=... bash=...
#   lvm-pair pass=P round=R side=dbus|bare create_s=... delete_s=... [lvcreate_s= target_s= untarget_s= lvremove_s=]
#   lvm-pass pass=P helper=H lvm_type=T pairs=N dbus_pair_s=... bare_pair_s=... ratio=... ...
#   lvm-commands pass=P create=prog,... delete=prog,... traced_create_s= traced_delete_s=
#                create_programs_s= delete_programs_s=  (seconds in the programs)
#   lvm-udisks pass=P pairs=N udisks_pair_s=... udisks_create_s=... udisks_delete_s=...
#              dbus_pair_s=... dbus_without_export_s=... ratio=... (D-Bus pair over udisks pair)
#              create=prog,... delete=prog,... create_programs_s= delete_programs_s=
#   lvm-udisks-missing why=...  (udisks2 could not be measured)
#   lvm-scale lvs=N pairs=P dbus_pair_s=... dbus_create_s=... udisks_pair_s=... udisks_create_s=... ratio=...
#              (after the thick passes: the group filled to N other LVs of
#              one extent each, made with lvcreate; the D-Bus side (LIO,
#              thick) and udisks2's in alternating rounds)
#   lvm-scale-missing why=...
#   lvm-scale-failed lvs=N side=dbus|udisks dbus_pair_s=...  (a call of that side
#              did not answer within 120 s among N LVs; the rounds stop)
#
# Knobs (run-guest.sh --env): NOVA_BENCH_LVM_PAIRS (pairs a side a round,
# default 3), NOVA_BENCH_LVM_ROUNDS (default 3), NOVA_BENCH_LVM_MIB (64),
# NOVA_BENCH_LVM_PASSES (default "lio-thick lio-thin tgt-thick tgt-thin"),
# NOVA_BENCH_LVM_UDISKS (1: measure udisks2 where it is installed; 0: not),
# NOVA_BENCH_LVM_SCALE (the LV counts of the scale rounds, default
# "10 100 500"; "" for none; 500 needs --disk 3G).
# shellcheck disable=SC2317  # functions run through vm_check
set -u

# shellcheck source=tests/vm/guest-lib.sh
. "$NOVA_VM_LIB"

build=${NOVA_VOLUME_BUILD_ROOT:-}
src=${NOVA_VOLUME_SOURCE_ROOT:-}
{ [ -n "$build" ] && [ -n "$src" ]; } || vm_skip "NOVA_VOLUME_BUILD_ROOT and NOVA_VOLUME_SOURCE_ROOT are not set"
case $build in
  /run/*) vm_skip "the build directory $build is under /run, which the guest mounts afresh" ;;
esac
daemon=$build/daemon/nova-volumed
[ -x "$daemon" ] || vm_skip "no nova-volumed in $build/daemon"
[ -f "$build/drivers/libnova-volume-driver-lvm-iscsi.so" ] || vm_skip "the lvm-iscsi driver is not built"
for c in tgtd tgtadm lvcreate gdbus busctl; do
  command -v "$c" >/dev/null || vm_skip "no $c in the guest (the host's root)"
done

pairs=${NOVA_BENCH_LVM_PAIRS:-3}
rounds=${NOVA_BENCH_LVM_ROUNDS:-3}
mib=${NOVA_BENCH_LVM_MIB:-64}
passes=${NOVA_BENCH_LVM_PASSES:-lio-thick lio-thin tgt-thick tgt-thin}
for n in "$pairs" "$rounds" "$mib"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || vm_skip "NOVA_BENCH_LVM_PAIRS, _ROUNDS and _MIB must be positive numbers"
done

vg=nova-volumes
pool=$vg-pool
portal=127.0.0.1:3260
bus_name=org.openstack.Volume1
lio=/sys/kernel/config/target
prefix=iqn.2010-10.org.openstack
run=/run/nova-bench
results=$NOVA_VM_WORKDIR/lvm-bench.results
mkdir -p "$run"
: >"$results"

# result LINE: one machine-readable line, to the results file and the log
result () {
  echo "$*" >>"$results"
  vm_log "$*"
}

# --- the clock -----------------------------------------------------------------

# now: seconds with microseconds, no process started
now () {
  echo "${EPOCHREALTIME/,/.}"
}

# since START: seconds from START to now, to the microsecond
since () {
  local end=${EPOCHREALTIME/,/.}
  awk -v a="$1" -v b="$end" 'BEGIN { printf "%.6f", b - a }'
}

# stats VALUE...: "median min max mean" of the values
stats () {
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1; sum += $1 }
    END {
      if (NR == 0) { print "0 0 0 0"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.6f %.6f %.6f %.6f\n", m, v[1], v[NR], sum / NR
    }'
}

# --- setup -------------------------------------------------------------------------

vm_setup_lvm
vm_check pv-vg vm_make_vg "$vg" || vm_finish

setup_bus () {
  mkdir -p /run/vm/dbus/system.d &&
    install -m 644 "$src/data/org.openstack.Volume1.conf" /run/vm/dbus/system.d/ &&
    vm_start_system_bus
}
vm_check system-bus setup_bus || vm_finish

result "lvm-guest kernel=$(uname -r) lvm=$(lvm version 2>/dev/null | sed -n 's/^ *LVM version: *\([^ ]*\).*/\1/p')" \
  "tgtd=$(dpkg-query -W -f '${Version}' tgt 2>/dev/null || echo unknown) bash=${BASH_VERSION%%(*}" \
  "nproc=$(nproc) mem_kib=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)"

# --- udisks2, the peer ------------------------------------------------------------------

# udisksd needs udev's database of block devices: systemd-udevd runs for
# it, and LVM keeps not waiting for udev (lvmlocal.conf above). logind is
# not running: its activation file goes from the guest's overlay, so
# udisksd's inhibitor requests fail at once instead of spawning a helper.
udisks_vg=
udisks_pid=
udisks_missing=
udisks_bus () {
  busctl --system --timeout=120 call org.freedesktop.UDisks2 "$@"
}
udisks_vg_path () {
  busctl --system tree --list org.freedesktop.UDisks2 2>/dev/null | grep -x "/org/freedesktop/UDisks2/lvm/${vg//-/_2d}"
}
start_udisks () {
  local udisksd=/usr/libexec/udisks2/udisksd
  [ -x "$udisksd" ] || { udisks_missing="no udisksd (Debian's udisks2)"; return 1; }
  ls /usr/lib/*/udisks2/modules/libudisks2_lvm2.so >/dev/null 2>&1 ||
    { udisks_missing="no LVM module (Debian's udisks2-lvm2)"; return 1; }
  [ -x /lib/systemd/systemd-udevd ] || { udisks_missing="no systemd-udevd"; return 1; }
  rm -f /usr/share/dbus-1/system-services/org.freedesktop.login1.service
  mkdir -p /run/udev
  if ! { /lib/systemd/systemd-udevd --daemon >>"$NOVA_VM_WORKDIR/udevd.log" 2>&1 &&
    udevadm trigger --action=add --subsystem-match=block && udevadm settle -t 60; }; then
    udisks_missing="udev did not settle"
    return 1
  fi
  vm_start_polkitd || { udisks_missing="no polkitd"; return 1; }
  "$udisksd" --no-debug </dev/null >>"$NOVA_VM_WORKDIR/udisksd.log" 2>&1 &
  udisks_pid=$!
  vm_wait_for 60 vm_bus_has_name org.freedesktop.UDisks2 || { udisks_missing="udisksd did not start"; return 1; }
  udisks_bus /org/freedesktop/UDisks2/Manager org.freedesktop.UDisks2.Manager EnableModule sb lvm2 true \
    >/dev/null || { udisks_missing="udisksd would not load its LVM module"; return 1; }
  vm_wait_for 60 udisks_vg_path || { udisks_missing="udisksd did not show the volume group $vg"; return 1; }
  udisks_vg=$(udisks_vg_path)
}

udisks_n=0
udisks_create () {
  local reply
  udisks_n=$((udisks_n + 1))
  reply=$(udisks_bus "$udisks_vg" org.freedesktop.UDisks2.VolumeGroup CreatePlainVolume 'sta{sv}' \
    "udisks-$udisks_n" "$size" 0) || return 1
  path=${reply#*\"}
  path=${path%\"*}
}
udisks_delete () {
  udisks_bus "$path" org.freedesktop.UDisks2.LogicalVolume Delete 'a{sv}' 0 >/dev/null
}
udisks_pair () {
  timed_pair udisks_create udisks_delete
}

# --- the daemon ------------------------------------------------------------------------

daemon_pid=
pass=

dbus () {
  timeout 120 gdbus call --system -d "$bus_name" "$@"
}

# the timed calls: busctl (sd-bus) starts faster than gdbus and, unlike
# gdbus call, does not introspect the object before each call; its own
# --timeout bounds the call, no timeout(1) process around it
bus () {
  busctl --system --timeout=120 call "$bus_name" "$@"
}

daemon_ready () {
  local tries=600
  while [ "$tries" -gt 0 ]; do
    kill -0 "$daemon_pid" 2>/dev/null || { vm_log "nova-volumed ($pass) exited"; return 1; }
    dbus -o /org/openstack/Volume1 -m org.freedesktop.DBus.ObjectManager.GetManagedObjects >/dev/null 2>&1 &&
      return 0
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

# start_daemon HELPER LVM_TYPE: its own configuration and state
start_daemon () {
  local conf=$run/$pass.conf state=$run/state-$pass
  mkdir -p "$state"
  cat >"$conf" <<EOF
[DEFAULT]
volume_driver = lvm-iscsi
volume_group = $vg
iscsi_ip_address = ${portal%:*}
iscsi_port = ${portal##*:}
iscsi_helper = $1
lvm_type = $2
volume_clear = none
EOF
  "$daemon" --config "$conf" --state-dir "$state" </dev/null >>"$NOVA_VM_WORKDIR/nova-volumed-$pass.log" 2>&1 &
  daemon_pid=$!
  daemon_ready
}

stop_daemon () {
  local status=0
  [ -n "$daemon_pid" ] || return 0
  vm_stop_pid "$daemon_pid" || status=$?
  daemon_pid=
  return "$status"
}

# --- tgtd ------------------------------------------------------------------------------

start_tgtd () { vm_start_tgtd "$portal"; }
stop_tgtd () { vm_stop_tgtd "$portal"; }

# --- one pair of each side --------------------------------------------------------------

size=$((mib * 1048576))
helper=
lvm_type=
pair_create=
pair_delete=

# create: CreateVolume over D-Bus; the new volume's object path in $path
path=
create () {
  local reply
  reply=$(bus /org/openstack/Volume1/Manager org.openstack.Volume1.Manager CreateVolume 'ta{sv}' "$size" 0) ||
    return 1
  path=${reply#*\"}
  path=${path%\"*}
}

delete () {
  bus "$path" org.openstack.Volume1.Volume Delete 'a{sv}' 0 >/dev/null
}

# timed_pair CREATE DELETE: runs both, each timed into pair_create and
# pair_delete
timed_pair () {
  local t0 t1
  t0=$(now)
  "$1" || return 1
  pair_create=$(since "$t0")
  t1=$(now)
  "$2" || return 1
  pair_delete=$(since "$t1")
}

# dbus_pair: CreateVolume, then Delete of what it made
dbus_pair () {
  timed_pair create delete
}

bare_n=0
bare_lv=
bare_iqn=
bare_tid=900
# the target of one export, as the helpers leave it (LIO: no ACL yet,
# CHAP is per ACL; tgt: the CHAP account bound, no initiator rule)
lio_export () {
  local name=bare-$bare_n bs tpg
  bs=$lio/core/iblock_$bare_tid/$name
  tpg=$lio/iscsi/$bare_iqn/tpgt_1
  mkdir -p "$bs" &&
    echo "$bare_lv" >"$bs/udev_path" &&
    echo "udev_path=$bare_lv" >"$bs/control" &&
    echo 1 >"$bs/enable" &&
    echo "bare-$bare_n-serial" >"$bs/wwn/vpd_unit_serial" &&
    mkdir -p "$tpg/lun/lun_0" "$tpg/np/$portal" &&
    echo 1 >"$tpg/attrib/authentication" &&
    ln -s "$bs" "$tpg/lun/lun_0/$name" &&
    echo 1 >"$tpg/enable"
}
lio_unexport () {
  local name=bare-$bare_n tpg
  tpg=$lio/iscsi/$bare_iqn/tpgt_1
  echo 0 >"$tpg/enable" &&
    rm "$tpg/lun/lun_0/$name" &&
    rmdir "$tpg/lun/lun_0" "$tpg/np/$portal" "$tpg" "$lio/iscsi/$bare_iqn" \
      "$lio/core/iblock_$bare_tid/$name" "$lio/core/iblock_$bare_tid"
}
tgt_export () {
  tgtadm --lld iscsi --mode target --op new --tid "$bare_tid" --targetname "$bare_iqn" &&
    tgtadm --lld iscsi --mode logicalunit --op new --tid "$bare_tid" --lun 1 --backing-store "$bare_lv" &&
    tgtadm --lld iscsi --mode account --op new --user "bare-$bare_n" --password "bare-secret-$bare_n" &&
    tgtadm --lld iscsi --mode account --op bind --tid "$bare_tid" --user "bare-$bare_n"
}
tgt_unexport () {
  tgtadm --lld iscsi --mode target --op delete --force --tid "$bare_tid" &&
    tgtadm --lld iscsi --mode account --op delete --user "bare-$bare_n"
}

bare_lvcreate=''
bare_target=''
bare_untarget=''
bare_lvremove=''
bare_pair () {
  local t0 t1 t2 t3
  bare_n=$((bare_n + 1))
  bare_lv=/dev/$vg/bare-$bare_n
  bare_iqn=$prefix:bare-$bare_n
  t0=$(now)
  if [ "$lvm_type" = thin ]; then
    lvcreate -q -y -T "$vg/$pool" -V "${mib}m" -n "bare-$bare_n" >/dev/null || return 1
  else
    lvcreate -q -y -L "${mib}m" -n "bare-$bare_n" "$vg" >/dev/null || return 1
  fi
  bare_lvcreate=$(since "$t0")
  t1=$(now)
  if [ "$helper" = lioadm ]; then lio_export; else tgt_export; fi || return 1
  bare_target=$(since "$t1")
  pair_create=$(since "$t0")
  t2=$(now)
  if [ "$helper" = lioadm ]; then lio_unexport; else tgt_unexport; fi || return 1
  bare_untarget=$(since "$t2")
  t3=$(now)
  lvremove -q -y "$vg/bare-$bare_n" >/dev/null || return 1
  bare_lvremove=$(since "$t3")
  pair_delete=$(since "$t2")
}

# what the client and a process start cost, beside the pairs
ping_s=()
true_s=()
baselines () {
  local t i
  for i in 1 2; do
    t=$(now)
    bus /org/openstack/Volume1 org.freedesktop.DBus.Peer Ping >/dev/null || return 1
    ping_s+=("$(since "$t")")
    t=$(now)
    /bin/true
    true_s+=("$(since "$t")")
    : "$i"
  done
}

# --- the commands the daemon runs for one pair ---------------------------------------------

# programs LOG FIRST [LAST]: the programs started in strace's LOG
# between those lines, comma-separated (lvm by its command: vgs, lvcreate,
# ...; tgtadm by its mode and op: tgtadm:target:new; others by name), then
# the seconds from each one's exec to its exit, summed
programs () {
  sed -n "$2,${3:-\$}p" "$1" | awk '
    function seconds(t,  f) { split(t, f, ":"); return f[1] * 3600 + f[2] * 60 + f[3] }
    / execve\(/ && !($1 in started) { started[$1] = seconds($2) }
    / execve\(/ && / = 0$/ {
      if (!match($0, /\[[^]]*\]/)) next
      n = split(substr($0, RSTART + 1, RLENGTH - 2), a, /", "|^"|"$/)
      name = ""; mode = ""; op = ""; i0 = 0
      for (i = 1; i <= n; i++) {
        if (a[i] == "" || a[i] == ", ") continue
        if (name == "") { name = a[i]; sub(/.*\//, "", name); i0 = i; continue }
        if (name == "lvm" && i == i0 + 1) { name = a[i]; break }
        if (a[i - 1] == "--mode") mode = a[i]
        if (a[i - 1] == "--op") op = a[i]
      }
      if (name == "tgtadm") name = name ":" mode ":" op
      out = out (out == "" ? "" : ",") name
      ran[$1] = 1
    }
    /\+\+\+ exited/ && ($1 in ran) { total += seconds($2) - started[$1] }
    END { printf "%s %.3f\n", (out == "" ? "none" : out), total }'
}

# traced PID CREATE DELETE: one more pair with strace on process PID (not
# timed); sets traced_fields to the programs it started for the create
# and for the delete, and the seconds in them
traced_fields=
traced () {
  local log=$NOVA_VM_WORKDIR/strace-$pass-$1.log strace_pid lines create delete create_s delete_s t
  local create_programs_s delete_programs_s
  traced_fields=
  command -v strace >/dev/null || { vm_log "no strace: the programs started are not listed"; return 0; }
  strace -f -q -tt -s 64 -e trace=execve -e signal=none -o "$log" -p "$1" &
  strace_pid=$!
  sleep 2
  t=$(now)
  "$2" || { kill "$strace_pid"; return 1; }
  create_s=$(since "$t")
  sleep 0.5
  lines=$(wc -l <"$log")
  t=$(now)
  "$3" || { kill "$strace_pid"; return 1; }
  delete_s=$(since "$t")
  sleep 0.5
  kill -INT "$strace_pid" 2>/dev/null
  wait "$strace_pid" 2>/dev/null
  read -r create create_programs_s <<<"$(programs "$log" 1 "$lines")"
  read -r delete delete_programs_s <<<"$(programs "$log" $((lines + 1)))"
  traced_fields="create=$create delete=$delete traced_create_s=$create_s traced_delete_s=$delete_s"
  traced_fields+=" create_programs_s=$create_programs_s delete_programs_s=$delete_programs_s"
}

# traced_pair: the programs the daemon started for one pair
traced_pair () {
  traced "$daemon_pid" create delete || return 1
  [ -n "$traced_fields" ] || return 0
  vm_log "programs the daemon started ($pass): $traced_fields"
  result "lvm-commands pass=$pass $traced_fields"
}

# --- a pass --------------------------------------------------------------------------------

pass_summary=()

# run_pass NAME: rounds of $pairs pairs a side, the side that goes first
# changing every round
run_pass () {
  local r i side sides dbus_c=() dbus_d=() dbus_p=() bare_c=() bare_d=() bare_p=()
  local lvc=() tgt=() untgt=() lvr=() udisks_c=() udisks_d=() udisks_p=() with_udisks=0
  pass=$1
  case $pass in
    lio-*) helper=lioadm ;;
    tgt-*) helper=tgtadm ;;
    *) vm_fail "$pass" "no such pass"; return 1 ;;
  esac
  case $pass in
    *-thick) lvm_type=default ;;
    *-thin) lvm_type=thin ;;
    *) vm_fail "$pass" "no such pass"; return 1 ;;
  esac
  ping_s=()
  true_s=()
  vm_log "=== pass $pass: iscsi_helper $helper, lvm_type $lvm_type, $rounds rounds of $pairs pairs a side"
  if [ "$helper" = tgtadm ]; then
    vm_check "$pass-tgtd" start_tgtd || return 1
  fi
  vm_check "$pass-daemon" start_daemon "$helper" "$lvm_type" || return 1
  # warm-up: the thin pool, the page cache, the kernel modules
  vm_check "$pass-warm-up" dbus_pair || { stop_daemon; return 1; }
  vm_check "$pass-warm-up-bare" bare_pair || { stop_daemon; return 1; }
  # udisks2 makes plain LVs: the thick passes
  if [ -n "$udisks_vg" ] && [ "$lvm_type" = default ]; then
    vm_check "$pass-warm-up-udisks" udisks_pair && with_udisks=1
  fi

  for r in $(seq "$rounds"); do
    # each side goes first in turn
    sides=(dbus bare)
    [ "$with_udisks" = 1 ] && sides+=(udisks)
    for i in $(seq $(((r - 1) % ${#sides[@]}))); do
      sides=("${sides[@]:1}" "${sides[0]}")
    done
    for side in "${sides[@]}"; do
      for i in $(seq "$pairs"); do
        if ! "${side}_pair"; then
          vm_fail "$pass" "a $side pair failed in round $r"
          stop_daemon
          return 1
        fi
        if [ "$side" = udisks ]; then
          udisks_c+=("$pair_create") udisks_d+=("$pair_delete")
          udisks_p+=("$(awk -v a="$pair_create" -v b="$pair_delete" 'BEGIN { printf "%.6f", a + b }')")
          result "lvm-pair pass=$pass round=$r side=udisks create_s=$pair_create delete_s=$pair_delete"
        elif [ "$side" = dbus ]; then
          dbus_c+=("$pair_create") dbus_d+=("$pair_delete")
          dbus_p+=("$(awk -v a="$pair_create" -v b="$pair_delete" 'BEGIN { printf "%.6f", a + b }')")
          result "lvm-pair pass=$pass round=$r side=dbus create_s=$pair_create delete_s=$pair_delete"
        else
          bare_c+=("$pair_create") bare_d+=("$pair_delete")
          bare_p+=("$(awk -v a="$pair_create" -v b="$pair_delete" 'BEGIN { printf "%.6f", a + b }')")
          lvc+=("$bare_lvcreate") tgt+=("$bare_target") untgt+=("$bare_untarget") lvr+=("$bare_lvremove")
          result "lvm-pair pass=$pass round=$r side=bare create_s=$pair_create delete_s=$pair_delete" \
            "lvcreate_s=$bare_lvcreate target_s=$bare_target untarget_s=$bare_untarget lvremove_s=$bare_lvremove"
        fi
        : "$i"
      done
    done
    baselines || { vm_fail "$pass" "the baselines failed"; stop_daemon; return 1; }
  done

  traced_pair || vm_fail "$pass-traced" "the traced pair failed"
  local udisks_traced=
  if [ "$with_udisks" = 1 ]; then
    traced "$udisks_pid" udisks_create udisks_delete || vm_fail "$pass-traced-udisks" "the traced udisks pair failed"
    udisks_traced=$traced_fields
  fi
  vm_check "$pass-daemon-stops" stop_daemon
  # nothing left behind by either side
  if lvs --noheadings -o lv_name "$vg" | grep -v -e "$pool" | grep -q .; then
    vm_fail "$pass-clean" "LVs left: $(lvs --noheadings -o lv_name "$vg" | tr -s ' \n' ' ')"
  fi

  local dp dc dd bp bc bd ratio pi tr lc tg ut lr
  read -r dp _ _ _ <<<"$(stats "${dbus_p[@]}")"
  read -r dc _ _ _ <<<"$(stats "${dbus_c[@]}")"
  read -r dd _ _ _ <<<"$(stats "${dbus_d[@]}")"
  read -r bp _ _ _ <<<"$(stats "${bare_p[@]}")"
  read -r bc _ _ _ <<<"$(stats "${bare_c[@]}")"
  read -r bd _ _ _ <<<"$(stats "${bare_d[@]}")"
  read -r lc _ _ _ <<<"$(stats "${lvc[@]}")"
  read -r tg _ _ _ <<<"$(stats "${tgt[@]}")"
  read -r ut _ _ _ <<<"$(stats "${untgt[@]}")"
  read -r lr _ _ _ <<<"$(stats "${lvr[@]}")"
  read -r pi _ _ _ <<<"$(stats "${ping_s[@]}")"
  read -r tr _ _ _ <<<"$(stats "${true_s[@]}")"
  local dmin dmax bmin bmax
  read -r _ dmin dmax _ <<<"$(stats "${dbus_p[@]}")"
  read -r _ bmin bmax _ <<<"$(stats "${bare_p[@]}")"
  ratio=$(awk -v a="$dp" -v b="$bp" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  result "lvm-pass pass=$pass helper=$helper lvm_type=$lvm_type mib=$mib pairs=${#dbus_p[@]}" \
    "dbus_pair_s=$dp dbus_pair_min_s=$dmin dbus_pair_max_s=$dmax dbus_create_s=$dc dbus_delete_s=$dd" \
    "bare_pair_s=$bp bare_pair_min_s=$bmin bare_pair_max_s=$bmax bare_create_s=$bc bare_delete_s=$bd" \
    "bare_lvcreate_s=$lc bare_target_s=$tg bare_untarget_s=$ut bare_lvremove_s=$lr" \
    "ratio=$ratio client_ping_s=$pi process_s=$tr"
  vm_pass "$pass: CreateVolume+Delete of ${mib} MiB over D-Bus ${dp} s a pair (median of ${#dbus_p[@]}), bare ${bp} s: ${ratio}x"
  pass_summary+=("$pass ${dp}s vs ${bp}s ${ratio}x")
  if [ "$with_udisks" = 1 ]; then
    local up uc ud wo uratio
    read -r up _ _ _ <<<"$(stats "${udisks_p[@]}")"
    read -r uc _ _ _ <<<"$(stats "${udisks_c[@]}")"
    read -r ud _ _ _ <<<"$(stats "${udisks_d[@]}")"
    # the D-Bus side less the export and its teardown the bare side timed
    wo=$(awk -v a="$dp" -v b="$tg" -v c="$ut" 'BEGIN { printf "%.6f", a - b - c }')
    uratio=$(awk -v a="$dp" -v b="$up" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    result "lvm-udisks pass=$pass pairs=${#udisks_p[@]} udisks_pair_s=$up udisks_create_s=$uc udisks_delete_s=$ud" \
      "dbus_pair_s=$dp dbus_without_export_s=$wo ratio=$uratio $udisks_traced"
    vm_pass "$pass: udisks2 CreatePlainVolume+Delete ${up} s a pair (median of ${#udisks_p[@]}); nova-volume ${dp} s with the export, ${wo} s without: ${uratio}x"
    pass_summary+=("$pass udisks2 ${up}s, nova-volume ${dp}s (${wo}s without the export)")
  fi
}

# --- the cost of a create among many LVs ---------------------------------------

scale=${NOVA_BENCH_LVM_SCALE-10 100 500}
fillers=0

# fill_to N: N other LVs in the group, one extent each, active as
# Cinder's volumes are
fill_to () {
  while [ "$fillers" -lt "$1" ]; do
    fillers=$((fillers + 1))
    lvcreate -q -y -Wn -L 4M -n "filler-$fillers" "$vg" >/dev/null || return 1
  done
}

# udev and udisksd done with the fillers' devices: the pairs are timed on
# a quiet guest (udisksd takes each new device's events in turn)
settle_fillers () {
  local last now same=0
  udevadm settle -t 600 || return 1
  [ -n "$udisks_pid" ] || return 0
  last=$(awk '{ print $14 + $15 }' "/proc/$udisks_pid/stat")
  for _ in $(seq 600); do
    sleep 1
    now=$(awk '{ print $14 + $15 }' "/proc/$udisks_pid/stat")
    if [ "$now" = "$last" ]; then
      same=$((same + 1))
      [ "$same" -ge 5 ] && return 0
    else
      same=0
    fi
    last=$now
  done
  return 1
}

unfill () {
  local names=()
  for i in $(seq "$fillers"); do
    names+=("$vg/filler-$i")
  done
  [ "$fillers" = 0 ] || lvremove -q -y "${names[@]}" >/dev/null
  fillers=0
}

run_scale () {
  local n r side sides dbus_p dbus_c udisks_p udisks_c need free_mib failed
  pass="lio-scale"
  helper=lioadm
  lvm_type=default
  need=$(($(echo "$scale" | tr ' ' '\n' | sort -n | tail -n 1) * 4 + 4 * mib))
  free_mib=$(vgs --noheadings --nosuffix --units m -o vg_free "$vg" | tr -d ' ' | cut -d. -f1)
  if [ "$free_mib" -lt "$need" ]; then
    vm_log "scale rounds not run: they need ${need} MiB free in $vg, it has ${free_mib}"
    result "lvm-scale-missing why=${need}_MiB_needed_in_the_group,_${free_mib}_free_(a_larger_--disk)"
    return 0
  fi
  [ -n "$udisks_vg" ] || { result "lvm-scale-missing why=udisks2_not_running:_${udisks_missing// /_}"; return 0; }
  vm_check "$pass-daemon" start_daemon "$helper" "$lvm_type" || return 1
  for n in $scale; do
    vm_check "$pass-fill-$n" fill_to "$n" || break
    vm_check "$pass-settle-$n" settle_fillers || break
    dbus_p=() dbus_c=() udisks_p=() udisks_c=() failed=
    for r in $(seq "$rounds"); do
      sides=(dbus udisks)
      [ $((r % 2)) = 0 ] && sides=(udisks dbus)
      for side in "${sides[@]}"; do
        for i in $(seq "$pairs"); do
          if ! "${side}_pair"; then
            vm_fail "$pass" "a $side pair among $n LVs failed (a call has 120 s)"
            result "lvm-scale-failed lvs=$n side=$side dbus_pair_s=$(stats "${dbus_p[@]}" | cut -d' ' -f1)"
            failed=1
            break 3
          fi
          if [ "$side" = dbus ]; then
            dbus_c+=("$pair_create")
            dbus_p+=("$(awk -v a="$pair_create" -v b="$pair_delete" 'BEGIN { printf "%.6f", a + b }')")
          else
            udisks_c+=("$pair_create")
            udisks_p+=("$(awk -v a="$pair_create" -v b="$pair_delete" 'BEGIN { printf "%.6f", a + b }')")
          fi
        done
      done
    done
    [ -z "$failed" ] || break
    local dp dc up uc ratio
    read -r dp _ _ _ <<<"$(stats "${dbus_p[@]}")"
    read -r dc _ _ _ <<<"$(stats "${dbus_c[@]}")"
    read -r up _ _ _ <<<"$(stats "${udisks_p[@]}")"
    read -r uc _ _ _ <<<"$(stats "${udisks_c[@]}")"
    ratio=$(awk -v a="$dp" -v b="$up" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    result "lvm-scale lvs=$n pairs=${#dbus_p[@]} dbus_pair_s=$dp dbus_create_s=$dc udisks_pair_s=$up" \
      "udisks_create_s=$uc ratio=$ratio"
    vm_pass "$pass: among $n LVs: nova-volume ${dp} s a pair (create ${dc} s, with the export), udisks2 ${up} s (create ${uc} s): ${ratio}x"
  done
  vm_check "$pass-daemon-stops" stop_daemon
  vm_check "$pass-unfill" unfill
}

# the thick passes first: the thin pool, once made, takes 95% of the
# group; within each kind LIO first, then tgt. LIO and tgtd both want the
# portal, so tgtd runs only during a tgt pass.
lio_passes=() tgt_passes=()
for p in $passes; do
  case $p in
    lio-*) lio_passes+=("$p") ;;
    tgt-*) tgt_passes+=("$p") ;;
    *) vm_fail "passes" "no pass $p" ;;
  esac
done
order=()
for p in "${lio_passes[@]}" "${tgt_passes[@]}"; do
  [[ $p == *-thick ]] && order+=("$p")
done
for p in "${lio_passes[@]}" "${tgt_passes[@]}"; do
  [[ $p == *-thin ]] && order+=("$p")
done
if [ "${NOVA_BENCH_LVM_UDISKS:-1}" = 1 ] && [[ " ${order[*]} " == *-thick* ]]; then
  if ! start_udisks; then
    vm_log "udisks2 not measured: $udisks_missing"
    result "lvm-udisks-missing why=${udisks_missing// /_}"
  fi
fi
scaled=
for p in "${order[@]}"; do
  # after the thick passes, before a thin pool takes the group
  if [ -z "$scaled" ] && [ -n "$scale" ] && [[ $p == *-thin ]]; then
    stop_tgtd
    run_scale
    scaled=1
  fi
  case $p in
    lio-*) stop_tgtd ;;
  esac
  run_pass "$p"
done
if [ -z "$scaled" ] && [ -n "$scale" ]; then
  stop_tgtd
  run_scale
fi
stop_tgtd

vm_log "summary (median seconds a pair, D-Bus vs bare):"
for s in "${pass_summary[@]}"; do
  vm_log "  $s"
done
vm_finish
