#!/bin/bash
# test-client-gi.sh: the client library through its typelib, from Python
# (/usr/bin/python3 with python3-gi) or GJS, against nova-volumed (file
# driver) on a private session bus; the build tree's typelib and library
# only. TAP comes from the script it runs.
#
#   test-client-gi.sh python|gjs SCRIPT TYPELIB_DIR
set -u
language=$1 script=$2 typelib_dir=$3
tap_name="test-client-gi ($language)"
# shellcheck source=tests/tap-lib.sh
. "$(dirname "$0")/tap-lib.sh"
# shellcheck source=tests/session-daemon-lib.sh
. "$(dirname "$0")/session-daemon-lib.sh"

case $language in
  python)
    interpreter=(/usr/bin/python3)
    /usr/bin/python3 -c 'import gi' 2>/dev/null || skip_all "no python3-gi for /usr/bin/python3 (tools/deps.sh installs it)"
    ;;
  gjs)
    command -v gjs >/dev/null || skip_all "no gjs (tools/deps.sh installs it)"
    interpreter=(gjs)
    ;;
esac
[ -f "$typelib_dir/NovaVolume-1.typelib" ] || skip_all "no typelib: the build found no gobject-introspection"

dir=$(mktemp -d "${TMPDIR:-/tmp}/nova-volume-gi-XXXXXX")
cleanup () {
  session_daemon_cleanup
  rm -rf "$dir"
}
trap cleanup EXIT
printf '[DEFAULT]\nvolume_driver = file\n' >"$dir/nova-volume.conf"
private_bus_start
if ! daemon_start; then
  echo "Bail out! nova-volumed did not start: $(tail -n 5 "$dir/nova-volumed.log")"
  exit 1
fi
preload=()
if [ -n "${NOVA_VOLUME_GI_PRELOAD-}" ]; then
  # a sanitized build: its runtimes first; the interpreter's leaks are not ours
  preload=(LD_PRELOAD="$NOVA_VOLUME_GI_PRELOAD" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
fi
env "${preload[@]}" GI_TYPELIB_PATH="$typelib_dir" LD_LIBRARY_PATH="$typelib_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  timeout 120 "${interpreter[@]}" "$script"
status=$?
if [ $status -ne 0 ]; then
  echo "# the $language script exited $status; the daemon's log:"
  sed 's/^/# /' "$dir/nova-volumed.log" | tail -n 20
fi
exit $status
