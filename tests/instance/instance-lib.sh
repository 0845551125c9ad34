# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # variables shared with the sourcing script
# tests/instance/instance-lib.sh: instances for the shell tiers that boot
# them (tests/test-instance.sh, tests/test-ceph.sh): the two images, an
# instance launched from a connection_info, and what it said on its
# console. Sourced after tests/tap-lib.sh; uses the caller's $dir (scratch
# directory) and $uuid_a (instance A's UUID, for check_same_bytes), and
# keeps the running launcher in $launcher_pid for the caller's trap.

instance_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
launcher=$instance_dir/launch-instance.py
launcher_pid=

# CACHE_DIR: builds (or takes from the cache) image A, the writer, and
# image B, the reader, into $image_a and $image_b. 0; 77 when this machine
# cannot build them (the reason in $instance_skip_reason); otherwise
# build-image's messages are in $dir/image.err
instance_build_images () {
  local status=0
  instance_skip_reason=
  image_a=$("$instance_dir/build-image.sh" "$1" writer "$instance_dir/writer.sh" 2>"$dir/image.err") &&
    image_b=$("$instance_dir/build-image.sh" "$1" reader "$instance_dir/reader.sh" \
                --bzimage --append "loglevel=3 instance.role=reader" 2>"$dir/image.err") || status=$?
  if [ "$status" -eq 77 ]; then
    instance_skip_reason=$(sed -n 's/^build-image: SKIP: //p' "$dir/image.err" | tail -n 1)
  fi
  return "$status"
}

# launch NAME IMAGE CONNECTION_INFO UUID [LAUNCHER ARGS...]: the instance
# until it powers off; console in $dir/NAME.console, the launcher's
# messages in $dir/NAME.err. In the background, so that a signal to this
# test runs its trap at once (bash defers traps while a foreground child
# runs).
launch () {
  local name=$1 image=$2 info=$3 uuid=$4 status=0
  shift 4
  timeout 150 "$launcher" --image "$image" --connection-info "$info" --uuid "$uuid" --name "$name" \
    --console "$dir/$name.console" --timeout 120 "$@" 2>"$dir/$name.err" &
  launcher_pid=$!
  wait "$launcher_pid" || status=$?
  launcher_pid=
  return "$status"
}

# what an instance said: the value of FIELD= on its LINE: line
said () {
  sed -n "s/^$2:.* $3=\\([^ ]*\\).*/\\1/p" "$dir/$1.console" | tr -d '\r' | head -n 1
}

# "what" NAME: the instance ran, reported PASS and powered off
check_instance () {
  local what=$1 name=$2 result
  result=$(sed -n 's/^INSTANCE-RESULT: //p' "$dir/$name.console" | tr -d '\r')
  if [ "$result" = PASS ]; then
    ok "$what: $(tail -n 1 "$dir/$name.err" | sed 's/^launch-instance: //')"
  else
    not_ok "$what" "$(cat "$dir/$name.err" "$dir/$name.console")"
  fi
}

# "what" NAME-OF-A NAME-OF-B: B read what A wrote: its header (writer,
# nonce) and bytes whose SHA-256 is the one A computed
check_same_bytes () {
  local what=$1 a=$2 b=$3
  if [ -n "$(said "$a" INSTANCE-WROTE sha256)" ] &&
     [ "$(said "$b" INSTANCE-READ sha256)" = "$(said "$a" INSTANCE-WROTE sha256)" ] &&
     [ "$(said "$b" INSTANCE-READ nonce)" = "$(said "$a" INSTANCE-WROTE nonce)" ] &&
     [ "$(said "$b" INSTANCE-READ writer)" = "$uuid_a" ]; then
    ok "$what: $(grep '^INSTANCE-READ-HEAD: ' "$dir/$b.console" | tr -d '\r' | cut -d' ' -f2-)"
  else
    not_ok "$what" "$(grep -h '^INSTANCE' "$dir/$a.console" "$dir/$b.console")"
  fi
}

# "what" FILE NAME-OF-A: FILE (the volume as the storage host sees it; a
# pipe will do) holds at 1 MiB the 4 MiB whose SHA-256 A reported
check_backing () {
  local sum
  sum=$(dd if="$2" bs=1M skip=1 count=4 iflag=fullblock 2>/dev/null | sha256sum | cut -d' ' -f1)
  if [ "$sum" = "$(said "$3" INSTANCE-WROTE sha256)" ]; then
    ok "$1"
  else
    not_ok "$1" "host: $sum, instance: $(said "$3" INSTANCE-WROTE sha256)"
  fi
}