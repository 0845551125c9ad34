#!/bin/bash
# tools/run-tests.sh: installs what is missing (Debian 12), builds, runs
# every test suite but the guest tier (then the service suites with the
# daemon under valgrind, then everything, the guest tier included, in an
# ASan/LSan/UBSan build), and ends with the summary line
#   N passed, N failed, N skipped
# Exits non-zero when the build failed, a test failed or timed out, or no
# test ran.
#
# NOVA_VOLUME_BUILD_DIR  build directory (default: build)
# NOVA_VOLUME_TEST_TIMEOUT  limit for the whole meson test run (default: 50m)
# NOVA_VOLUME_SHEEPDOG_PREFIX  where the sheepdog tier finds, or else builds
#   once for both builds, sheep and dog (default: <build dir>-sheepdog)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
builddir=${NOVA_VOLUME_BUILD_DIR:-build}
test_timeout=${NOVA_VOLUME_TEST_TIMEOUT:-50m}

# shellcheck source=tools/deps.sh
. tools/deps.sh
if ! nova_volume_install_deps all; then
  echo "run-tests: installing the Debian packages failed; nothing was built or run" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
# the browser tier's puppeteer-core (npm ci in tests/browser); without it
# that tier says SKIP with the reason
if ! nova_volume_install_npm_deps; then
  echo "run-tests: npm ci in tests/browser failed; the browser suite will be skipped" >&2
fi

# a build that fails is reported in the summary, not by stopping here
summary_args=()
test_status=0

# what meson test selects in the next build_and_test (all when empty)
test_selection=()

# builds and tests one build directory; extra arguments go to meson setup
build_and_test () {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" || { summary_args+=(--failed-build "$dir"); return 1; }
  else
    # a setup that failed half-way starts again from nothing
    [ -d "$dir/meson-private" ] && rm -rf "$dir"
    meson setup "$dir" "$@" || { summary_args+=(--failed-build "$dir"); return 1; }
  fi
  meson compile -C "$dir" || { summary_args+=(--failed-build "$dir"); return 1; }

  # never summarize a log left over from an earlier run; a test that is
  # listed but has no result (a timeout stopped the run) counts as failed
  rm -f "$dir/meson-logs/testlog.json"
  meson test -C "$dir" --list --no-rebuild "${test_selection[@]}" >"$dir/meson-logs/expected-tests.txt"
  summary_args+=(--expected "$dir/meson-logs/expected-tests.txt" "$dir/meson-logs/testlog.json")
  local status=0
  timeout --kill-after=60 "$test_timeout" \
    meson test -C "$dir" --print-errorlogs --num-processes 2 "${test_selection[@]}" </dev/null || status=$?
  case $status in
    0) ;;
    124|137) echo "run-tests: meson test in $dir did not finish within $test_timeout and was stopped" >&2 ;;
    *) echo "run-tests: meson test in $dir exited with status $status" >&2 ;;
  esac
  return $status
}

# the sheepdog tier builds sheep and dog from source when it finds none:
# once for both build directories, into one cache beside them
NOVA_VOLUME_SHEEPDOG_PREFIX=${NOVA_VOLUME_SHEEPDOG_PREFIX:-$(realpath -m "$builddir")-sheepdog}
export NOVA_VOLUME_SHEEPDOG_PREFIX

# test builds: the crash suite kills the daemon at its named crash points.
# The guest tier (a qemu guest under TCG, minutes a test) runs once, in the
# sanitized pass below, where the same code runs with memory checks too.
test_selection=(--no-suite guest)
build_and_test "$builddir" -Dcrash_points=true || test_status=1
test_selection=()

# the daemon's suites once more with the daemon under valgrind memcheck:
# uninitialised reads and leaks that the sanitizers do not see
if [ -f "$builddir/meson-logs/expected-tests.txt" ]; then
  rm -f "$builddir/meson-logs/testlog-valgrind.json"
  meson test -C "$builddir" --setup valgrind --suite service --suite polkit --list --no-rebuild \
    >"$builddir/meson-logs/expected-valgrind.txt"
  summary_args+=(--expected "$builddir/meson-logs/expected-valgrind.txt"
                 "$builddir/meson-logs/testlog-valgrind.json")
  timeout --kill-after=60 "$test_timeout" \
    meson test -C "$builddir" --setup valgrind --suite service --suite polkit --no-rebuild --print-errorlogs \
      </dev/null || test_status=1   # meson logs a setup's run as testlog-<setup>.json
fi

# the whole suite again under AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer: the daemon started by the service tests is
# built with them too, and a leak makes its exit status non-zero
# (intercept_tls_get_addr=0: see __asan_default_options in daemon/nova-volumed.c)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0:intercept_tls_get_addr=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
build_and_test "$builddir-asan" -Dcrash_points=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
  || test_status=1

echo
summary_status=0
/usr/bin/python3 tools/test-summary.py "${summary_args[@]}" || summary_status=$?

if [ "$test_status" -ne 0 ] || [ "$summary_status" -ne 0 ]; then
  exit 1
fi
