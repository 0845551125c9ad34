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
run_suite () {
  local dir=$1
  rm -f "$dir/meson-logs/testlog.json"
  meson test -C "$dir" --list --no-rebuild >"$dir/meson-logs/expected-tests.txt"
  local status=0
  timeout --kill-after=60 "$test_timeout" \
    meson test -C "$dir" --print-errorlogs --num-processes 2 </dev/null || status=$?
  case $status in
    0) ;;
    124|137) echo "run-tests: meson test in $dir did not finish within $test_timeout and was stopped" >&2 ;;
    *) echo "run-tests: meson test in $dir exited with status $status" >&2 ;;
  esac
  return $status
}

test_status=0
run_suite "$builddir" || test_status=1

# the whole suite again under AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer: the daemon started by the service tests is
# built with them too, and a leak makes its exit status non-zero
asandir="$builddir-asan"
if [ ! -f "$asandir/build.ninja" ]; then
  meson setup "$asandir" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
fi
meson compile -C "$asandir"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite "$asandir" || test_status=1

echo
summary_status=0
/usr/bin/python3 tools/test-summary.py \
  --expected "$builddir/meson-logs/expected-tests.txt" "$builddir/meson-logs/testlog.json" \
  --expected "$asandir/meson-logs/expected-tests.txt" "$asandir/meson-logs/testlog.json" || summary_status=$?

if [ "$test_status" -ne 0 ] || [ "$summary_status" -ne 0 ]; then
  exit 1
fi
