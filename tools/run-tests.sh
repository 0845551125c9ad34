#!/bin/bash
# tools/run-tests.sh: installs what is missing (Debian 12), builds, runs
# every test suite, and ends with the summary line
#   N passed, N failed, N skipped
# Exits non-zero when the build failed, a test failed or timed out, or no
# test ran.
#
# NOVA_VOLUME_BUILD_DIR  build directory (default: build)
# NOVA_VOLUME_TEST_TIMEOUT  limit for the whole meson test run (default: 50m)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
builddir=${NOVA_VOLUME_BUILD_DIR:-build}
test_timeout=${NOVA_VOLUME_TEST_TIMEOUT:-50m}

# shellcheck source=tools/deps.sh
. tools/deps.sh
nova_volume_install_deps

if [ -f "$builddir/build.ninja" ]; then
  meson setup --reconfigure "$builddir"
elif [ -d "$builddir/meson-private" ]; then
  # a setup that failed half-way
  meson setup --wipe "$builddir"
else
  meson setup "$builddir"
fi
meson compile -C "$builddir"

# never summarize a log left over from an earlier run; a test that is
# listed but has no result (a timeout stopped the run) counts as failed
testlog="$builddir/meson-logs/testlog.json"
expected="$builddir/meson-logs/expected-tests.txt"
rm -f "$testlog"
meson test -C "$builddir" --list --no-rebuild >"$expected"

test_status=0
timeout --kill-after=60 "$test_timeout" \
  meson test -C "$builddir" --print-errorlogs --num-processes 2 </dev/null || test_status=$?
case $test_status in
  0) ;;
  124|137) echo "run-tests: meson test did not finish within $test_timeout and was stopped" >&2 ;;
  *) echo "run-tests: meson test exited with status $test_status" >&2 ;;
esac

echo
summary_status=0
/usr/bin/python3 tools/test-summary.py --expected "$expected" "$testlog" || summary_status=$?

if [ "$test_status" -ne 0 ] || [ "$summary_status" -ne 0 ]; then
  exit 1
fi
