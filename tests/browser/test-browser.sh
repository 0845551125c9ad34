#!/bin/bash
# tests/browser/test-browser.sh: the Cockpit page (cockpit/) in a real
# browser, by clicking (suite browser; doc/cockpit.md says what it covers).
#
#   tests/browser/test-browser.sh SOURCE_ROOT BUILD_ROOT
#
# In a network namespace of its own (cockpit-ws(8): a local session must
# be isolated), with only its loopback up:
#   - a private system bus (a system bus's deny-by-default policy and the
#     tree's data/org.openstack.Volume1.conf), the mock polkit authority
#     of tests/polkitd-mock.py on it, and this build's nova-volumed as
#     root, without --session, so polkit decides; two backends, "files"
#     (the file driver) and "held" (the logging driver, whose copies wait
#     for a Cancel: a Job to watch);
#   - the page staged from the build (meson install --tags cockpit into a
#     scratch DESTDIR) and found by cockpit-bridge through XDG_DATA_DIRS;
#   - cockpit-ws --local-session=cockpit-bridge as nobody, so that the
#     page's calls reach the daemon as an ordinary user and polkit decides;
#   - Debian's headless Chromium driven by puppeteer-core
#     (tests/browser/lifecycle.js), which prints the TAP.
# Screenshots go to BUILD_ROOT/tests/browser/ (the artifacts); with
# NOVA_VOLUME_UPDATE_SCREENSHOTS=1 also to doc/screenshots/.
#
# NOVA_VOLUMED (tests/meson.build) is the daemon; MESON the meson command.
# Says SKIP with the reason where Chromium, cockpit or the namespace cannot
# start (not root, packages missing, npm packages not installed).
set -u

source_root=$(cd "${1:?usage: test-browser.sh SOURCE_ROOT BUILD_ROOT}" && pwd)
build_root=$(cd "${2:?usage: test-browser.sh SOURCE_ROOT BUILD_ROOT}" && pwd)
here=$source_root/tests/browser
tap_name=test-browser
# shellcheck source=tests/tap-lib.sh
. "$source_root/tests/tap-lib.sh"

chromium=/usr/bin/chromium
cockpit_ws=/usr/lib/cockpit/cockpit-ws
bus_name=org.openstack.Volume1

# why this machine cannot run it, or nothing
why_not () {
  local c
  [ "$(id -u)" -eq 0 ] || { echo "needs root (a network namespace, cockpit-ws as another user)"; return; }
  [ -x "$chromium" ] || { echo "no $chromium (Debian's chromium package; tools/deps.sh installs it)"; return; }
  [ -x "$cockpit_ws" ] || { echo "no $cockpit_ws (cockpit-ws)"; return; }
  command -v cockpit-bridge >/dev/null 2>&1 || { echo "no cockpit-bridge"; return; }
  [ -f /usr/share/cockpit/base1/manifest.json ] || { echo "no cockpit base1 package (cockpit-bridge)"; return; }
  for c in node unshare ip setpriv dbus-daemon gdbus; do
    command -v "$c" >/dev/null 2>&1 || { echo "no $c"; return; }
  done
  [ -f "$here/node_modules/puppeteer-core/package.json" ] ||
    { echo "puppeteer-core is not installed in tests/browser (tools/deps.sh: nova_volume_install_npm_deps)"; return; }
  /usr/bin/python3 -c 'import dbusmock' 2>/dev/null || { echo "no python3-dbusmock for the mock polkit authority"; return; }
  getent passwd nobody >/dev/null || { echo "no user nobody"; return; }
  timeout 10 unshare --net true 2>/dev/null || { echo "unshare --net is not permitted here"; return; }
}

# ---- outside: check, then start again in a network namespace ------------

if [ "${NOVA_VOLUME_BROWSER_INSIDE:-}" != 1 ]; then
  reason=$(why_not)
  [ -z "$reason" ] || skip_all "$reason"
  NOVA_VOLUME_BROWSER_INSIDE=1 exec unshare --net --fork --kill-child -- "$0" "$@"
fi

# ---- inside -------------------------------------------------------------

bail () {
  echo "Bail out! $1"
  [ $# -gt 1 ] && [ -f "$2" ] && sed 's/^/# /' "$2" | tail -n 40
  exit 1
}

ip link set lo up || bail "cannot bring up the loopback of the new network namespace"

dir=$(mktemp -d "${TMPDIR:-/tmp}/nova-volume-browser.XXXXXX") || exit 1
chmod 755 "$dir"
pids=()
# (cleanup runs from the trap)
# shellcheck disable=SC2317
cleanup () {
  local pid i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[$i]}
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

artifacts=$build_root/tests/browser
mkdir -p "$artifacts"
rm -f "$artifacts"/*.png "$artifacts"/*.log

# the page, staged from the build as it installs
read -r -a meson_cmd <<<"${MESON:-meson}"
if ! out=$(DESTDIR='' timeout 120 "${meson_cmd[@]}" install -C "$build_root" --tags cockpit --no-rebuild \
             --destdir "$dir/stage" --quiet 2>&1); then
  echo "$out" >"$dir/stage.log"
  bail "meson install --tags cockpit failed" "$dir/stage.log"
fi
manifest=$(find "$dir/stage" -path '*/cockpit/nova-volume/manifest.json' | head -n 1)
[ -n "$manifest" ] || bail "the staged install has no cockpit/nova-volume/manifest.json"
datadir=$(dirname "$(dirname "$(dirname "$manifest")")")
chmod -R a+rX "$dir/stage"

# a private system bus: a system bus's default policy, the daemon's own
# bus policy from the tree; root (the daemon, the mock authority, this
# script) may own and call anything
cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
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
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow own="*"/>
    <allow send_destination="*"/>
  </policy>
  <include>$source_root/data/org.openstack.Volume1.conf</include>
</busconfig>
EOF
dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile --print-address=1 \
  >"$dir/bus-address" 2>"$dir/bus.log" </dev/null &
pids+=($!)
for _ in $(seq 100); do
  [ -s "$dir/bus-address" ] && break
  sleep 0.05
done
[ -s "$dir/bus-address" ] || bail "the private dbus-daemon did not start" "$dir/bus.log"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$dir/system_bus_socket

has_owner () {
  [ "$(timeout 5 gdbus call --system -d org.freedesktop.DBus -o /org/freedesktop/DBus \
         -m org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null)" = "(true,)" ]
}

# the mock polkit authority (Debian's python3-dbusmock belongs to
# /usr/bin/python3); every action "no" until lifecycle.js says otherwise
/usr/bin/python3 -m dbusmock --system --template "$source_root/tests/polkitd-mock.py" \
  >"$dir/polkitd.log" 2>&1 </dev/null &
pids+=($!)
for _ in $(seq 300); do
  has_owner org.freedesktop.PolicyKit1 && break
  sleep 0.1
done
has_owner org.freedesktop.PolicyKit1 || bail "the mock polkit authority did not start" "$dir/polkitd.log"

# the daemon: two backends, and a backup repository
mkdir -p "$dir/state" "$dir/volumes"
mkdir -m 700 "$dir/backups"
cat >"$dir/nova-volume.conf" <<EOF
[DEFAULT]
host = storage1
default_volume_type = standard
backup_path = $dir/backups

[backend:files]
volume_driver = file
file_volumes_dir = $dir/volumes

[backend:held]
volume_driver = logging
logging_driver_hold_copies = true

[type:standard]
backend = files
EOF
G_MESSAGES_DEBUG=all "${NOVA_VOLUMED:?}" --verbose --state-dir "$dir/state" --config "$dir/nova-volume.conf" \
  >"$dir/nova-volumed.log" 2>&1 </dev/null &
pids+=($!)
for _ in $(seq 300); do
  has_owner "$bus_name" && break
  sleep 0.1
done
has_owner "$bus_name" || bail "nova-volumed did not take $bus_name" "$dir/nova-volumed.log"

# cockpit-ws with a local session, as nobody: the bridge it starts reads
# the page from the stage and calls the daemon as nobody
mkdir -p "$dir/home" "$dir/runtime"
chown nobody "$dir/home" "$dir/runtime"
chmod 700 "$dir/runtime"
port=9090
setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$dir/home" XDG_RUNTIME_DIR="$dir/runtime" \
      XDG_DATA_DIRS="$datadir:/usr/local/share:/usr/share" XDG_CONFIG_DIRS="$dir/home" \
      DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS" LANG=C.UTF-8 \
  "$cockpit_ws" --port "$port" --address 127.0.0.1 --local-session=cockpit-bridge \
  >"$dir/cockpit-ws.log" 2>&1 </dev/null &
pids+=($!)
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || bail "cockpit-ws does not listen on port $port" "$dir/cockpit-ws.log"

# the browser, by clicking; it prints the TAP
mkdir -p "$dir/chromium-profile"
status=0
NOVA_VOLUME_BROWSER_URL="http://127.0.0.1:$port/cockpit/@localhost/nova-volume/index.html" \
NOVA_VOLUME_BROWSER_ARTIFACTS=$artifacts \
NOVA_VOLUME_BROWSER_PROFILE=$dir/chromium-profile \
NOVA_VOLUME_BROWSER_SCREENSHOTS=$([ "${NOVA_VOLUME_UPDATE_SCREENSHOTS:-0}" = 1 ] && echo "$source_root/doc/screenshots") \
NOVA_VOLUME_CHROMIUM=$chromium \
  timeout --kill-after=10 240 node "$here/lifecycle.js" || status=$?

# the logs are artifacts too; on a failure they go into the TAP output
for log in nova-volumed cockpit-ws polkitd bus; do
  cp "$dir/$log.log" "$artifacts/$log.log" 2>/dev/null
done
if [ "$status" -ne 0 ]; then
  [ "$status" -eq 124 ] && echo "# lifecycle.js did not finish within 240 s"
  for log in nova-volumed cockpit-ws; do
    echo "# --- $log.log (last lines) ---"
    tail -n 30 "$dir/$log.log" | sed 's/^/# /'
  done
fi
exit "$status"
