#!/bin/bash
# tests/test-sheepdog.sh: the sheepdog tier (suite sheepdog). Finds sheep
# and dog, or builds them once from the Sheepdog source beside the project
# (tests/sheepdog-cluster.sh), starts a formatted one-node cluster and an
# unformatted sheep on 127.0.0.1 in a temporary directory, runs the
# driver (TEST_SHEEPDOG_REAL) and the daemon (TEST_SHEEPDOG_SERVICE)
# against them, and stops every sheep it started, on every way out.
#
#   tests/test-sheepdog.sh SOURCE_ROOT BUILD_DIR TEST_SHEEPDOG_REAL TEST_SHEEPDOG_SERVICE
#
# Prints TAP: its own steps and each test of the two programs. Without
# any Sheepdog (no programs, no source, or the build failed) the whole
# test is skipped with the reason (TAP "1..0 # SKIP", and on stderr).
set -u

source_root=${1:?usage: test-sheepdog.sh SOURCE_ROOT BUILD_DIR TEST_SHEEPDOG_REAL TEST_SHEEPDOG_SERVICE}
build_dir=${2:?}
real_test=${3:?}
service_test=${4:?}

tap_name=test-sheepdog
# shellcheck source=tests/tap-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap-lib.sh"

for cmd in ss timeout flock; do
  command -v "$cmd" >/dev/null 2>&1 || skip_all "$cmd is not installed (iproute2, coreutils, util-linux)"
done

# shellcheck source=tests/sheepdog-cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/sheepdog-cluster.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/nova-volume-sheepdog-XXXXXX") || skip_all "cannot make a scratch directory"
cleanup () {
  sheepdog_stop
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

t0=$(date +%s%N)
if ! sheepdog_find "$source_root" "$build_dir"; then
  skip_all "$sheepdog_skip_reason"
fi
ok "sheep and dog: $sheep_bin, $dog_bin ($((($(date +%s%N) - t0) / 1000000)) ms to find or build)"

t0=$(date +%s%N)
if ! sheepdog_start "$dir/cluster"; then
  skip_all "sheep did not start on 127.0.0.1 (5 ports tried): $(tail -n 5 "$dir/cluster/sheep.out" "$dir/cluster/store/sheep.log" 2>/dev/null | tr '\n' ' ')"
fi
port=$sheepdog_port
sheep_pid=${sheep_pids[0]}
ok "one-node cluster formatted on 127.0.0.1:$port in $((($(date +%s%N) - t0) / 1000000)) ms"
if sheepdog_start "$dir/unformatted" unformatted; then
  unformatted_port=$sheepdog_port
  ok "an unformatted sheep on 127.0.0.1:$unformatted_port"
else
  not_ok "an unformatted sheep did not start" "$(tail -n 5 "$dir/unformatted/sheep.out" 2>/dev/null)"
  unformatted_port=1
fi
free_port=$(sheepdog_free_port) || free_port=1

# runs a GLib test program with --tap and passes its results on as ours:
# its plan is dropped, its numbers replaced, everything else a comment; a
# program that dies without saying so is a failure
run_program () {
  local program=$1 status line out
  out=$dir/$(basename "$program").tap
  NOVA_TEST_SHEEPDOG_DOG=$dog_bin NOVA_TEST_SHEEPDOG_PORT=$port \
    NOVA_TEST_SHEEPDOG_UNFORMATTED_PORT=$unformatted_port NOVA_TEST_SHEEPDOG_FREE_PORT=$free_port \
    NOVA_TEST_SHEEPDOG_PID=$sheep_pid \
    timeout --kill-after=10 600 "$program" --tap >"$out" 2>&1
  status=$?
  while IFS= read -r line; do
    case $line in
      "ok "*) ok "$(sed -E 's/^ok [0-9]+ //' <<<"$line")" ;;
      "not ok "*) not_ok "$(sed -E 's/^not ok [0-9]+ //' <<<"$line")" ;;
      1..*) ;;
      "#"*) echo "$line" ;;
      *) echo "# $line" ;;
    esac
  done <"$out"
  if [ "$status" -ne 0 ]; then
    not_ok "$(basename "$program") exited with status $status"
  fi
}

run_program "$real_test"
run_program "$service_test"

# the cluster is still there after all that, and stops cleanly
if out=$(sheepdog_dog "$port" cluster info 2>&1) && grep -q '^Cluster status: running' <<<"$out"; then
  ok "the cluster still runs after the tests"
else
  not_ok "the cluster does not run after the tests" "$out"
fi
t0=$(date +%s%N)
pids=("${sheep_pids[@]}")
sheepdog_stop
left=""
for pid in "${pids[@]}"; do
  process_alive "$pid" && left="$left $pid"
done
if [ -z "$left" ]; then
  ok "every sheep stopped and waited for in $((($(date +%s%N) - t0) / 1000000)) ms"
else
  not_ok "sheep still running:$left"
fi

echo "1..$n"
[ "$failures" -eq 0 ]
