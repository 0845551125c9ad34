#!/bin/bash
# tests/test-install.sh: the installed tree. Installs the build into a
# scratch DESTDIR (meson install --destdir) and checks each file the system
# integration needs: binaries and driver modules in place and linked to the
# private core library, the polkit policy, the D-Bus activation file and bus
# policy (parsed and obeyed by a real dbus-daemon), the systemd unit
# (systemd-analyze verify), the default config (every key the code knows).
#
#   tests/test-install.sh BUILD_ROOT SOURCE_ROOT
#
# The rest comes from tests/meson.build in the environment: MESON (the
# command), NOVA_VOLUME_PREFIX, _BINDIR, _LIBEXECDIR, _PKGLIBDIR,
# _DRIVERDIR, _DRIVERS (names, space-separated), _DATADIR, _MANDIR,
# _COMPLETIONSDIR, _SYSCONFDIR, _UNITDIR ("no": no unit), _STATE_DIR, all
# absolute as installed.
#
# Prints TAP: one "ok N - what" per check; a check this machine cannot run
# is "ok N - what # SKIP why". Needs no root; as root it also runs the bus
# policy against an unprivileged caller, and asks the real polkitd (in a
# private mount namespace, tests/real-polkit.sh) about the installed
# actions.

# (the checks are functions that check() calls)
# shellcheck disable=SC2317
set -u

build=${1:?usage: test-install.sh BUILD_ROOT SOURCE_ROOT}
source_root=${2:?usage: test-install.sh BUILD_ROOT SOURCE_ROOT}
read -r -a meson_cmd <<<"${MESON:-meson}"
prefix=$NOVA_VOLUME_PREFIX
bindir=$NOVA_VOLUME_BINDIR
libexecdir=$NOVA_VOLUME_LIBEXECDIR
pkglibdir=$NOVA_VOLUME_PKGLIBDIR
libdir=$NOVA_VOLUME_LIBDIR
includedir=$NOVA_VOLUME_INCLUDEDIR
driverdir=$NOVA_VOLUME_DRIVERDIR
read -r -a drivers <<<"$NOVA_VOLUME_DRIVERS"
datadir=$NOVA_VOLUME_DATADIR
mandir=$NOVA_VOLUME_MANDIR
completionsdir=$NOVA_VOLUME_COMPLETIONSDIR
sysconfdir=$NOVA_VOLUME_SYSCONFDIR
unitdir=$NOVA_VOLUME_UNITDIR
state_dir=$NOVA_VOLUME_STATE_DIR

bus_name=org.openstack.Volume1
policy_rel=$datadir/polkit-1/actions/org.openstack.volume1.policy
service_rel=$datadir/dbus-1/system-services/$bus_name.service
busconf_rel=$datadir/dbus-1/system.d/$bus_name.conf
unit_rel=$unitdir/nova-volumed.service
config_rel=$sysconfdir/nova-volume/nova-volume.conf
introspection=$source_root/introspection/org.openstack.Volume1.xml

n=0
failed=0
pids=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nova-volume-install.XXXXXX") || exit 1
cleanup () {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
dest=$tmp/dest

diag () {
  [ $# -gt 0 ] && [ -n "$*" ] && printf '%s\n' "$@" | sed 's/^/# /'
  return 0
}
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); echo "not ok $n - $1"; failed=1; shift; diag "$@"; }
skip () { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# check NAME COMMAND...: ok when COMMAND succeeds; its output goes to the
# log either way
check () {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    ok "$name"
    diag "$out"
  else
    not_ok "$name" "$out"
  fi
}
# xpath FILE EXPR: the string value of EXPR in FILE
xpath () { xmllint --nonet --xpath "$2" "$1" 2>/dev/null; }
# attributes FILE ELEMENTS NAME: the values of the attribute NAME of
# ELEMENTS, one a line
attributes () { xpath "$1" "$2/@$3" | grep -o "$3=\"[^\"]*\"" | sed "s/^$3=\"\\(.*\\)\"\$/\\1/"; }
# key FILE KEY: the value of KEY= in a .service or unit file (the last one)
key () { sed -n "s/^$2=//p" "$1" | tail -n 1; }
have () { command -v "$1" >/dev/null 2>&1; }

api_interfaces=$(attributes "$introspection" //interface name)

# --- the install --------------------------------------------------------

if ! out=$(DESTDIR='' timeout 120 "${meson_cmd[@]}" install -C "$build" --destdir "$dest" --quiet 2>&1); then
  diag "$out"
  echo "Bail out! meson install --destdir failed"
  exit 1
fi
ok "meson install --destdir"

# every file that must be there, and what it must be
expect_file () {
  local what=$1 path=$2 test=${3:--f}
  if test "$test" "$dest$path"; then ok "installed: $what ($path)"; else not_ok "installed: $what ($path)" "missing or not $test"; fi
}
expect_file "the daemon" "$libexecdir/nova-volumed" -x
expect_file "the CLI" "$bindir/nova-volumectl" -x
expect_file "the client library" "$libdir/libnova-volume.so"
expect_file "the client library's header" "$includedir/nova-volume-1/nova-volume-client.h"
expect_file "the client library's generated header" "$includedir/nova-volume-1/nova-dbus-generated.h"
expect_file "the client library's pkg-config file" "$libdir/pkgconfig/nova-volume.pc"
if [ "$NOVA_VOLUME_INTROSPECTION" = yes ]; then
  expect_file "the client library's GIR" "$datadir/gir-1.0/NovaVolume-1.gir"
  expect_file "the client library's typelib" "$libdir/girepository-1.0/NovaVolume-1.typelib"
else
  skip "the client library's GIR and typelib" "built without gobject-introspection"
fi
if [ "$NOVA_VOLUME_API_DOCS" = yes ]; then
  expect_file "the client library's API reference" "$datadir/doc/libnova-volume/index.html"
  expect_file "the API reference of NovaVolumeClient" "$datadir/doc/libnova-volume/class.Client.html"
else
  skip "the client library's API reference" "built without gi-docgen or gobject-introspection"
fi
expect_file "the driver SDK library" "$pkglibdir/libnova-volume-core.so"
for d in "${drivers[@]}"; do
  expect_file "driver module $d" "$driverdir/libnova-volume-driver-$d.so"
done
expect_file "the Ceph backup repository's module" "$driverdir/libnova-volume-backup-ceph.so"
expect_file "the polkit policy" "$policy_rel"
expect_file "the D-Bus activation file" "$service_rel"
expect_file "the D-Bus bus policy" "$busconf_rel"
expect_file "the D-Bus interface XML" "$datadir/dbus-1/interfaces/org.openstack.Volume1.xml"
expect_file "the default config" "$config_rel"
if [ "$unitdir" != no ]; then
  expect_file "the systemd unit" "$unit_rel"
else
  skip "installed: the systemd unit" "built with -Dsystemdsystemunitdir=no (or no systemd.pc)"
fi
[ -n "$api_interfaces" ] || not_ok "the interfaces are found in $introspection" "no <interface name=...>"
for iface in $api_interfaces; do
  expect_file "API reference of $iface" "$datadir/doc/nova-volume/api/nova-volume-api-$iface.rst"
  expect_file "API reference of $iface (DocBook)" "$datadir/doc/nova-volume/api/nova-volume-api-$iface.xml"
done
expect_file "design decisions" "$datadir/doc/nova-volume/design-decisions.md"
expect_file "the administrator's guide" "$datadir/doc/nova-volume/admin-guide.md"
expect_file "man page nova-volumectl(1)" "$mandir/man1/nova-volumectl.1"
expect_file "man page nova-volume.conf(5)" "$mandir/man5/nova-volume.conf.5"
expect_file "man page nova-volumed(8)" "$mandir/man8/nova-volumed.8"
expect_file "bash completion" "$completionsdir/nova-volumectl"
for f in manifest.json index.html nova-volume.js nova-volume.css; do
  expect_file "the Cockpit page: $f" "$datadir/cockpit/nova-volume/$f"
done
# the tree's own text, not a stale or generated copy
same_as_source () { cmp "$source_root/$1" "$dest$2"; }
check "installed admin-guide.md is doc/admin-guide.md" same_as_source doc/admin-guide.md "$datadir/doc/nova-volume/admin-guide.md"
check "installed bash completion is completion/nova-volumectl" same_as_source completion/nova-volumectl "$completionsdir/nova-volumectl"

# nothing lands outside the prefix but the config and the unit
stray=$(cd "$dest" && find . \( -type f -o -type l \) | sed 's/^\.//' | while read -r f; do
  case $f in
    "$prefix"/*|"$sysconfdir"/*) ;;
    "$unitdir"/*) [ "$unitdir" != no ] || echo "$f" ;;
    *) echo "$f" ;;
  esac
done)
if [ -z "$stray" ]; then ok "nothing installed outside $prefix, $sysconfdir and the unit directory"; else not_ok "nothing installed outside $prefix, $sysconfdir and the unit directory" "$stray"; fi

# --- binaries -----------------------------------------------------------

# installed programs and modules find the core in pkglibdir through their
# runpath, and never look into the build tree
runpath_ok () {
  local rp
  rp=$(readelf -d "$1" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p')
  echo "runpath: ${rp:-none}"
  case ":$rp:" in *":$pkglibdir:"*) ;; *) echo "does not contain $pkglibdir"; return 1 ;; esac
  case $rp in *"$build"*) echo "points into the build tree"; return 1 ;; esac
  return 0
}
if have readelf; then
  check "nova-volumed finds the core in $pkglibdir" runpath_ok "$dest$libexecdir/nova-volumed"
  check "nova-volumectl finds the core in $pkglibdir" runpath_ok "$dest$bindir/nova-volumectl"
  for d in "${drivers[@]}"; do
    check "driver module $d finds the core in $pkglibdir" runpath_ok "$dest$driverdir/libnova-volume-driver-$d.so"
  done
  check "the Ceph backup repository's module finds the core in $pkglibdir" \
    runpath_ok "$dest$driverdir/libnova-volume-backup-ceph.so"
else
  skip "runpaths of the installed binaries" "no readelf (binutils)"
fi

# the installed programs run (the core from the DESTDIR in place of pkglibdir)
runs () { LD_LIBRARY_PATH=$dest$pkglibdir:$dest$libdir timeout 10 "$@" </dev/null; }
version=$("${meson_cmd[@]}" introspect --projectinfo "$build" 2>/dev/null | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p')
version_ok () {
  local out
  out=$(runs "$@") || return 1
  echo "$out"
  [ "$out" = "$(basename "$1") $version" ]
}
check "installed nova-volumed --version says $version" version_ok "$dest$libexecdir/nova-volumed" --version
check "installed nova-volumectl --version says $version" version_ok "$dest$bindir/nova-volumectl" --version

# --- polkit policy ------------------------------------------------------

policy=$dest$policy_rel
check "polkit policy is well-formed XML" xmllint --noout --nonet "$policy"
polkit_dtd=
for f in /usr/share/polkit-1/policyconfig-1.dtd /usr/share/xml/polkit-1/policyconfig-1.dtd; do
  [ -f "$f" ] && { polkit_dtd=$f; break; }
done
if [ -n "$polkit_dtd" ]; then
  check "polkit policy is valid against $polkit_dtd" xmllint --noout --nonet --dtdvalid "$polkit_dtd" "$policy"
else
  skip "polkit policy is valid against polkit's DTD" "no policyconfig-1.dtd (polkitd not installed)"
fi

# the actions the daemon asks for (daemon/nova-volume-auth.h), each in the
# policy with udisks' defaults and words for a person
daemon_actions=$(sed -n 's/^#define NOVA_VOLUME_ACTION_[A-Z_]* *"\([^"]*\)".*/\1/p' "$source_root/daemon/nova-volume-auth.h")
if [ -z "$daemon_actions" ]; then
  not_ok "the daemon's actions are found in daemon/nova-volume-auth.h" "no #define NOVA_VOLUME_ACTION_* there"
fi
action_ok () {
  local a="//action[@id='$1']" got
  [ -n "$(xpath "$policy" "$a/@id")" ] || { echo "no action $1"; return 1; }
  got="$(xpath "$policy" "string($a/defaults/allow_any)") $(xpath "$policy" "string($a/defaults/allow_inactive)") $(xpath "$policy" "string($a/defaults/allow_active)")"
  echo "defaults: $got"
  [ "$got" = "auth_admin auth_admin auth_admin_keep" ] || { echo "expected: auth_admin auth_admin auth_admin_keep"; return 1; }
  [ -n "$(xpath "$policy" "string($a/description[not(@xml:lang)])")" ] || { echo "no description"; return 1; }
  [ -n "$(xpath "$policy" "string($a/message[not(@xml:lang)])")" ] || { echo "no message"; return 1; }
  xpath "$policy" "string($a/message[not(@xml:lang)])"; echo
}
for action in $daemon_actions; do
  check "polkit action $action: defaults auth_admin, auth_admin, auth_admin_keep; description, message" action_ok "$action"
done
policy_actions=$(attributes "$policy" //action id | sort)
unused=$(comm -23 <(echo "$policy_actions") <(echo "$daemon_actions" | sort))
if [ -z "$unused" ]; then ok "every polkit action is one the daemon asks for"; else not_ok "every polkit action is one the daemon asks for" "not in daemon/nova-volume-auth.h: $unused"; fi

# pkaction asks polkitd, which reads only /usr/share/polkit-1/actions: the
# real polkitd, in a private mount namespace where that directory holds
# the DESTDIR's policy alone (tests/real-polkit.sh), loads it and answers
# with exactly the daemon's actions and their defaults
real_polkit=$source_root/tests/real-polkit.sh
if ! have pkaction; then
  skip "pkaction (the real polkitd) knows the installed actions" "no pkaction (polkitd)"
elif ! why=$("$real_polkit" --check); then
  skip "pkaction (the real polkitd) knows the installed actions" "$why"
else
  pkaction_ok () {
    local action_list
    mapfile -t action_list <<<"$daemon_actions"
    # (the script runs inside the namespace, with the actions as arguments)
    # shellcheck disable=SC2016
    timeout 60 "$real_polkit" --actions "$policy" -- bash -c '
      listed=$(timeout 10 pkaction 2>&1) || { echo "$listed"; exit 1; }
      if [ "$(echo "$listed" | sort)" != "$(printf "%s\n" "$@" | sort)" ]; then
        printf "pkaction lists:\n%s\nthe daemon asks for:\n" "$listed"; printf "%s\n" "$@"
        exit 1
      fi
      for a in "$@"; do
        out=$(timeout 10 pkaction --verbose --action-id "$a" 2>&1) || { echo "$out"; exit 1; }
        echo "$out"
        echo "$out" | grep -Eq "^  description: +[^ ]" || exit 1
        echo "$out" | grep -Eq "^  message: +[^ ]" || exit 1
        echo "$out" | grep -Eq "^  implicit any: +auth_admin$" || exit 1
        echo "$out" | grep -Eq "^  implicit inactive: +auth_admin$" || exit 1
        echo "$out" | grep -Eq "^  implicit active: +auth_admin_keep$" || exit 1
      done' pkaction-check "${action_list[@]}"
  }
  check "pkaction (the real polkitd) lists exactly the daemon's actions, each with a description, a message, auth_admin, auth_admin, auth_admin_keep" pkaction_ok
fi

# --- D-Bus --------------------------------------------------------------

service=$dest$service_rel
service_ok () {
  local exec_path
  grep -qx '\[D-BUS Service\]' "$service" || { echo "no [D-BUS Service] group"; return 1; }
  [ "$(key "$service" Name)" = "$bus_name" ] || { echo "Name=$(key "$service" Name)"; return 1; }
  exec_path=$(key "$service" Exec)
  [ "$exec_path" = "$libexecdir/nova-volumed" ] || { echo "Exec=$exec_path, not $libexecdir/nova-volumed"; return 1; }
  [ -x "$dest$exec_path" ] || { echo "Exec=$exec_path is not installed"; return 1; }
  [ "$(key "$service" User)" = root ] || { echo "User=$(key "$service" User)"; return 1; }
  [ "$(key "$service" SystemdService)" = nova-volumed.service ] || { echo "SystemdService=$(key "$service" SystemdService)"; return 1; }
  if [ "$unitdir" != no ] && [ ! -f "$dest$unitdir/$(key "$service" SystemdService)" ]; then
    echo "SystemdService= names a unit that is not installed"; return 1
  fi
  cat "$service"
}
check "D-Bus activation file: Name, Exec (installed), User=root, SystemdService (installed)" service_ok

busconf=$dest$busconf_rel
check "bus policy is well-formed XML" xmllint --noout --nonet "$busconf"
# No DTD validation: Debian ships no busconfig.dtd, and the dbus-daemon
# below parses the policy as the system bus does, which is the check that
# matters.
busconf_ok () {
  local iface missing=
  [ -n "$(xpath "$busconf" "//policy[@user='root']/allow[@own='$bus_name']")" ] || { echo "root may not own $bus_name"; return 1; }
  [ -z "$(xpath "$busconf" "//policy[not(@user='root')]/allow[@own or @own_prefix]")" ] || { echo "someone other than root may own a name"; return 1; }
  for iface in $api_interfaces \
      org.freedesktop.DBus.Properties org.freedesktop.DBus.ObjectManager org.freedesktop.DBus.Introspectable; do
    [ -n "$(xpath "$busconf" "//policy[@context='default']/allow[@send_destination='$bus_name' and @send_interface='$iface']")" ] \
      || missing="$missing $iface"
  done
  [ -z "$missing" ] || { echo "everyone may not call:$missing"; return 1; }
}
check "bus policy: root owns $bus_name; everyone may call every interface of the API, Properties, ObjectManager, Introspectable" busconf_ok

# a private dbus-daemon with a system bus's default policy (deny owning,
# deny method calls) plus ours, and our activation directory: it parses
# both as the system bus does, and then obeys them
if have dbus-daemon && have gdbus; then
  bus_dir=$tmp/bus
  mkdir -p "$bus_dir" && chmod 755 "$tmp" "$bus_dir"
  cat >"$bus_dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$bus_dir/socket</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$dest$datadir/dbus-1/system-services</servicedir>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
  </policy>
  <include>$busconf</include>
</busconfig>
EOF
  address=unix:path=$bus_dir/socket
  dbus-daemon --config-file="$bus_dir/bus.conf" --nofork --print-address=1 >"$bus_dir/address" 2>"$bus_dir/log" &
  pids+=($!)
  for _ in $(seq 50); do
    [ -s "$bus_dir/address" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  if [ -s "$bus_dir/address" ]; then
    ok "dbus-daemon accepts the bus policy and the activation file"
    call () { timeout 10 gdbus call --address "$address" "$@" 2>&1; }
    bus_call () { call -d org.freedesktop.DBus -o /org/freedesktop/DBus -m "org.freedesktop.DBus.$1" "${@:2}"; }
    out=$(bus_call ListActivatableNames)
    case $out in
      *"'$bus_name'"*) ok "the bus can activate $bus_name from the installed .service file" ;;
      *) not_ok "the bus can activate $bus_name from the installed .service file" "$out" "$(cat "$bus_dir/log")" ;;
    esac

    # RequestName as someone who is not root: refused
    as_user=()
    drop=
    if [ "$(id -u)" -ne 0 ]; then
      user_name=$(id -un)
    elif have setpriv; then
      as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
      user_name=nobody
      drop=1
    else
      user_name=
    fi
    if [ -n "$user_name" ]; then
      out=$("${as_user[@]}" timeout 10 gdbus call --address "$address" -d org.freedesktop.DBus -o /org/freedesktop/DBus \
              -m org.freedesktop.DBus.RequestName "$bus_name" "uint32 4" 2>&1)
      case $out in
        *AccessDenied*) ok "$user_name is refused the name $bus_name" ;;
        *) not_ok "$user_name is refused the name $bus_name" "$out" ;;
      esac
    else
      skip "a user other than root is refused the name $bus_name" "running as root without setpriv to become nobody"
    fi

    if [ -z "$drop" ]; then
      skip "root owns $bus_name; nobody may call it (bus policy)" "needs root and setpriv to own the name as root and call as nobody"
    elif ! /usr/bin/python3 -c 'import dbusmock' 2>/dev/null; then
      skip "root owns $bus_name; nobody may call it (bus policy)" "no python3-dbusmock"
    else
      # root owns the name (a mock object in the daemon's place) ...
      DBUS_SYSTEM_BUS_ADDRESS=$address /usr/bin/python3 -m dbusmock --system \
        "$bus_name" /org/openstack/Volume1 org.openstack.Volume1.Manager >"$bus_dir/mock.log" 2>&1 &
      pids+=($!)
      owned=
      for _ in $(seq 100); do
        out=$(bus_call NameHasOwner "$bus_name")
        [ "$out" = "(true,)" ] && { owned=1; break; }
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.1
      done
      if [ -n "$owned" ]; then
        ok "root may own $bus_name"
        # ... and nobody's calls reach it: to the API's interfaces and the
        # standard ones (answered by the mock or refused by it as unknown,
        # not by the bus), but not to another interface
        nobody_call () {
          "${as_user[@]}" timeout 10 gdbus call --address "$address" -d "$bus_name" -o /org/openstack/Volume1 -m "$@" 2>&1
        }
        reach_ok () {
          local out
          out=$(nobody_call "$@")
          echo "${out:0:160}"
          case $out in *AccessDenied*) return 1 ;; esac
        }
        check "nobody may call org.freedesktop.DBus.Introspectable" reach_ok org.freedesktop.DBus.Introspectable.Introspect
        check "nobody may call org.freedesktop.DBus.Properties" reach_ok org.freedesktop.DBus.Properties.GetAll org.openstack.Volume1.Manager
        check "nobody may call org.openstack.Volume1.Manager" reach_ok org.openstack.Volume1.Manager.GetVolumeStats false
        check "nobody may call org.openstack.Volume1.Volume" reach_ok org.openstack.Volume1.Volume.Delete '{}'
        out=$(nobody_call org.freedesktop.DBus.Mock.GetCalls)
        case $out in
          *AccessDenied*) ok "nobody is refused calls to another interface of $bus_name" ;;
          *) not_ok "nobody is refused calls to another interface of $bus_name" "$out" ;;
        esac
      else
        not_ok "root may own $bus_name" "$(cat "$bus_dir/mock.log")"
      fi
    fi
  else
    not_ok "dbus-daemon accepts the bus policy and the activation file" "$(cat "$bus_dir/log")"
  fi
else
  skip "dbus-daemon accepts the bus policy and the activation file" "no dbus-daemon or gdbus"
fi

# --- systemd unit -------------------------------------------------------

unit=$dest$unit_rel
if [ "$unitdir" = no ]; then
  skip "systemd unit" "built with -Dsystemdsystemunitdir=no (or no systemd.pc)"
else
  unit_keys_ok () {
    local k want
    for k in "Type=dbus" "BusName=$bus_name" "ExecStart=$libexecdir/nova-volumed" \
             "StateDirectory=$(basename "$state_dir")" "ConfigurationDirectory=nova-volume" \
             "WantedBy=multi-user.target"; do
      want=${k#*=}
      [ "$(key "$unit" "${k%%=*}")" = "$want" ] || { echo "${k%%=*}=$(key "$unit" "${k%%=*}"), not $want"; return 1; }
    done
    # StateDirectory= is where the daemon keeps its state (config.h): under
    # ProtectSystem=strict it is the one place the daemon may write
    [ "$state_dir" = "/var/lib/$(key "$unit" StateDirectory)" ] || { echo "the daemon keeps its state in $state_dir"; return 1; }
  }
  check "systemd unit: Type=dbus, BusName, ExecStart, StateDirectory, ConfigurationDirectory, WantedBy" unit_keys_ok

  # every hardening directive is either set or said why not, in a comment
  hardening_ok () {
    local d missing=
    for d in ProtectSystem ProtectHome PrivateTmp NoNewPrivileges PrivateDevices DevicePolicy \
             ProtectKernelTunables ProtectKernelModules ProtectKernelLogs ProtectControlGroups \
             ProtectClock ProtectHostname ProtectProc ProcSubset PrivateNetwork PrivateIPC \
             PrivateUsers DynamicUser RestrictAddressFamilies RestrictNamespaces RestrictRealtime \
             RestrictSUIDSGID LockPersonality MemoryDenyWriteExecute SystemCallFilter \
             SystemCallArchitectures CapabilityBoundingSet RemoveIPC; do
      grep -q "^$d=" "$unit" || grep -q "^#.*\b$d=" "$unit" || missing="$missing $d"
    done
    [ -z "$missing" ] || { echo "neither set nor explained:$missing"; return 1; }
  }
  check "systemd unit: each hardening directive is set or its absence explained" hardening_ok

  if have systemd-analyze; then
    # verify a copy whose ExecStart= is the binary in the DESTDIR (verify
    # wants it to exist); any complaint about the unit is a failure
    mkdir -p "$tmp/unit"
    sed "s|^ExecStart=$libexecdir/|ExecStart=$dest$libexecdir/|" "$unit" >"$tmp/unit/nova-volumed.service"
    verify_ok () {
      local out status=0
      out=$(timeout 30 systemd-analyze verify --man=no "$tmp/unit/nova-volumed.service" 2>&1) || status=$?
      echo "$out"
      [ "$status" -eq 0 ] && ! echo "$out" | grep -q "nova-volumed.service"
    }
    check "systemd-analyze verify accepts the unit" verify_ok
    # the exposure score, for the log; a unit that lost its hardening
    # (above 5.0, "MEDIUM") fails
    security_ok () {
      local out status=0
      out=$(timeout 30 systemd-analyze security --offline=yes --threshold=50 "$tmp/unit/nova-volumed.service" 2>&1) || status=$?
      echo "$out" | grep -i "overall exposure" || echo "$out"
      return "$status"
    }
    if timeout 10 systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
      check "systemd-analyze security: exposure at most 5.0" security_ok
    else
      skip "systemd-analyze security: exposure at most 5.0" "this systemd-analyze has no --offline"
    fi
  else
    skip "systemd-analyze verify accepts the unit" "no systemd-analyze (systemd)"
  fi
fi

# --- config -------------------------------------------------------------

# every key the daemon and its drivers declare (print-config-keys asks
# the configuration code, which opens every driver module), commented out
# at its default in the installed nova-volume.conf; every key the drivers
# and the daemon read is declared; the file documents no key the code lacks
config=$dest$config_rel
table=$("$build/tests/print-config-keys" | tr '\t' '=')
if [ -z "$table" ] || ! echo "$table" | grep -q '^volume_driver=file$' || ! echo "$table" | grep -q '^rbd_pool='; then
  not_ok "print-config-keys lists the daemon's and the drivers' keys" \
    "it printed: $(echo "$table" | head -3)"
else
  keys_ok () {
    local entry k def missing=
    while IFS= read -r entry; do
      k=${entry%%=*}
      def=${entry#*=}
      if [ -n "$def" ]; then
        grep -qxF "#$k = $def" "$config" || missing="$missing
#$k = $def"
      else
        grep -qxF "#$k =" "$config" || missing="$missing
#$k ="
      fi
    done <<<"$table"
    echo "$(echo "$table" | wc -l) keys"
    [ -z "$missing" ] || { echo "not documented in $config_rel:$missing"; return 1; }
  }
  check "nova-volume.conf documents every declared key at its default" keys_ok

  used_ok () {
    local used k unknown=
    used=$(cat "$source_root"/lib/*.c "$source_root"/core/*.c "$source_root"/daemon/*.c "$source_root"/drivers/*/*.c | tr '\n' ' ' \
           | grep -oE 'nova_volume_config_(get_[a-z]+|key_default) *\([^;"]*"[a-z0-9_]+"' \
           | sed 's/.*"\([a-z0-9_]*\)"$/\1/' | sort -u)
    for k in $used; do
      echo "$table" | grep -q "^$k=" || unknown="$unknown $k"
    done
    echo "read by the code: $(echo "$used" | wc -w) keys"
    [ -z "$unknown" ] || { echo "read but not declared:$unknown"; return 1; }
  }
  check "every key the daemon and the drivers read is declared" used_ok

  stale_ok () {
    local k stale=
    while read -r k; do
      echo "$table" | grep -q "^$k=" || stale="$stale $k"
    done < <(sed -n 's/^#\([a-z0-9_]*\) =.*/\1/p' "$config")
    [ -z "$stale" ] || { echo "documented but unknown to the code:$stale"; return 1; }
  }
  check "nova-volume.conf documents no key the code does not know" stale_ok
fi

echo "1..$n"
exit $failed
