# shellcheck shell=bash disable=SC2034  # its variables are the caller's
# tests/sheepdog-cluster.sh: a throwaway one-node Sheepdog cluster on
# 127.0.0.1 for the tiers that need one (tests/test-sheepdog.sh). Sourced.
#
# Where sheep and dog come from, in this order:
#   1. $NOVA_VOLUME_SHEEPDOG_PREFIX/sbin/sheep and .../bin/dog
#   2. sheep and dog on PATH
#   3. built once from Sheepdog's source with its `build PREFIX` script:
#      $NOVA_VOLUME_SHEEPDOG_SOURCE, by default <source root>/../shared/sheepdog,
#      into $NOVA_VOLUME_SHEEPDOG_PREFIX when it is set (tools/run-tests.sh
#      points both of its build directories at one), else into the build
#      directory's sheepdog/. The build holds a lock (flock), so tests
#      started at the same time build once, and a prefix that has both
#      programs is never built again.
# Debian 12 does not package Sheepdog; without any of the three the caller
# is told why (sheepdog_skip_reason) and skips.
#
# The cluster: `sheep -f -c local:<dir>/shm -b 127.0.0.1 -p <free port>`
# as a child of the caller (so `wait` works and a killed test takes it
# along), `dog cluster format -c 1`. sheepdog_stop asks it to shut down,
# waits for that PID to exit (dog cluster shutdown returns before it has),
# SIGKILLs after 30 s; call it from the caller's EXIT trap.
#
# State in the caller's variables:
#   sheep_bin, dog_bin     the programs found
#   sheepdog_skip_reason   why none could be had
#   sheep_pids             every sheep started, for sheepdog_stop
#   sheepdog_port          the port sheepdog_start chose

sheep_bin=
dog_bin=
sheepdog_skip_reason=
sheep_pids=()
sheepdog_port=
# shellcheck source=tests/process-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/process-lib.sh"

# sheepdog_find SOURCE_ROOT BUILD_DIR: sets sheep_bin and dog_bin, or
# sheepdog_skip_reason and fails
sheepdog_find () {
  local source_root=$1 build_dir=$2 prefix source lock log status
  prefix=${NOVA_VOLUME_SHEEPDOG_PREFIX:-}
  if [ -n "$prefix" ] && [ -x "$prefix/sbin/sheep" ] && [ -x "$prefix/bin/dog" ]; then
    sheep_bin=$prefix/sbin/sheep
    dog_bin=$prefix/bin/dog
    return 0
  fi
  if command -v sheep >/dev/null 2>&1 && command -v dog >/dev/null 2>&1; then
    sheep_bin=$(command -v sheep)
    dog_bin=$(command -v dog)
    return 0
  fi

  source=${NOVA_VOLUME_SHEEPDOG_SOURCE:-$source_root/../shared/sheepdog}
  if [ ! -x "$source/build" ]; then
    sheepdog_skip_reason="no Sheepdog: sheep and dog are not on PATH, not under NOVA_VOLUME_SHEEPDOG_PREFIX, and there is no Sheepdog source with a build script at $source (NOVA_VOLUME_SHEEPDOG_SOURCE)"
    return 1
  fi
  prefix=${prefix:-$build_dir/sheepdog}
  mkdir -p "$(dirname "$prefix")" || { sheepdog_skip_reason="cannot make $(dirname "$prefix")"; return 1; }
  lock=$prefix.lock
  log=$prefix.build.log
  status=0
  # one build at a time; whoever comes second finds it done (the build
  # script does nothing when the prefix has both programs)
  (
    flock -w 600 9 || { echo "waited 10 minutes for the lock $lock" >"$log"; exit 1; }
    if [ -x "$prefix/sbin/sheep" ] && [ -x "$prefix/bin/dog" ]; then
      exit 0
    fi
    echo "# building Sheepdog from $source into $prefix (about a minute, once)" >&2
    # --foreground: in the test's process group, so a test that is killed
    # takes the build (and its hold on the lock) with it
    timeout --foreground 900 "$source/build" "$prefix" >"$log" 2>&1
  ) 9>"$lock" || status=$?
  if [ "$status" -ne 0 ] || [ ! -x "$prefix/sbin/sheep" ] || [ ! -x "$prefix/bin/dog" ]; then
    sheepdog_skip_reason="building Sheepdog from $source failed (status $status; needs autoconf automake libtool pkg-config liburcu-dev yasm, tools/deps.sh): $(tail -n 5 "$log" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
  sheep_bin=$prefix/sbin/sheep
  dog_bin=$prefix/bin/dog
}

# a TCP port on 127.0.0.1 that nothing listens on
sheepdog_free_port () {
  local candidate
  for _ in $(seq 50); do
    candidate=$((30000 + RANDOM % 30000))
    if [ -z "$(ss -Hltn "sport = :$candidate")" ]; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# dog with a timeout, against 127.0.0.1:$1
sheepdog_dog () {
  local port=$1
  shift
  timeout 30 "$dog_bin" "$@" -a 127.0.0.1 -p "$port"
}

# sheepdog_start DIR [unformatted]: a sheep on a free port in DIR (its
# store, shm, pidfile and sheep.log), formatted with one copy unless
# "unformatted"; sets sheepdog_port. 5 tries on other ports.
sheepdog_start () {
  local dir=$1 format=${2:-formatted} pid deadline
  mkdir -p "$dir" || return 1
  for _ in 1 2 3 4 5; do
    sheepdog_port=$(sheepdog_free_port) || return 1
    "$sheep_bin" -f -c "local:$dir/shm" -b 127.0.0.1 -p "$sheepdog_port" -P "$dir/sheep.pid" "$dir/store" \
      >>"$dir/sheep.out" 2>&1 &
    pid=$!
    sheep_pids+=("$pid")
    # up when dog gets an answer: "Waiting for cluster to be formatted";
    # a deadline, not a count of tries, since one try may wait 30 s
    deadline=$((SECONDS + 30))
    while [ "$SECONDS" -lt "$deadline" ]; do
      process_alive "$pid" || break
      if sheepdog_dog "$sheepdog_port" cluster info >/dev/null 2>&1; then
        if [ "$format" = unformatted ]; then
          return 0
        fi
        sheepdog_dog "$sheepdog_port" cluster format -c 1 </dev/null >>"$dir/sheep.out" 2>&1 || break
        if sheepdog_dog "$sheepdog_port" cluster info 2>/dev/null | grep -q '^Cluster status: running'; then
          return 0
        fi
        break
      fi
      sleep 0.05
    done
    sheepdog_stop_one "$pid"
  done
  return 1
}

# asks the sheep of PID $1 to shut down (through its port, read from its
# command line) and waits for it; SIGKILL after 30 s
sheepdog_stop_one () {
  local pid=$1 port
  if process_alive "$pid"; then
    # a test that stopped it (SIGSTOP) may have died before resuming it
    kill -CONT "$pid" 2>/dev/null
    port=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | sed -n '/^-p$/{n;p;q}')
    if [ -n "$port" ]; then
      sheepdog_dog "$port" cluster shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
    else
      kill -TERM "$pid" 2>/dev/null
    fi
  fi
  process_reap "$pid" 300 "# sheep"
  return 0
}

# every sheep this shell started, stopped and waited for
sheepdog_stop () {
  local pid
  for pid in "${sheep_pids[@]}"; do
    sheepdog_stop_one "$pid"
  done
  sheep_pids=()
}
