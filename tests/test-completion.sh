#!/bin/bash
# test-completion.sh: the bash completion of nova-volumectl, sourced into
# bash with bash-completion's framework and run as bash runs it on TAB
# (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT). Commands and options
# must be exactly what the program's --help lists; IDs come from a real
# nova-volumed on a private session bus, and nothing (no output, no error)
# when no daemon answers. TAP output.
#
#   test-completion.sh COMPLETION_SCRIPT BASH_COMPLETION_FRAMEWORK
#
# NOVA_VOLUMECTL, NOVA_VOLUMED: the programs (tests/meson.build sets them).
set -u

script=$1
framework=$2
ctl=$NOVA_VOLUMECTL

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip () { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
diag () { sed 's/^/# /'; }

export LC_ALL=C

if [ -z "$framework" ] || [ ! -r "$framework" ]; then
  echo "1..0 # SKIP bash-completion is not installed (no ${framework:-bash-completion.pc})"
  exit 0
fi

tmp=$(mktemp -d)
bus_pid=""
daemon_pid=""
# shellcheck disable=SC2317  # called from the trap
cleanup () {
  if [ -n "$daemon_pid" ]; then
    kill -TERM "$daemon_pid" 2>/dev/null
    wait "$daemon_pid" 2>/dev/null
  fi
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# completes the words given (the last one is the word under the cursor,
# "" for a new one) and prints COMPREPLY one a line, sorted; what the
# completion wrote to stderr goes to $tmp/stderr. Words are given as bash
# splits them: "--snapshot" "=" "" for "--snapshot=".
complete_words () {
  COMPLETE_SCRIPT=$script COMPLETE_FRAMEWORK=$framework bash --norc --noprofile -c '
    source "$COMPLETE_FRAMEWORK"
    source "$COMPLETE_SCRIPT"
    compopt () { :; }   # only valid while readline completes
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE=""
    prev=""
    for word in "${COMP_WORDS[@]}"; do
      if [ -z "$COMP_LINE" ] || [ "$word" = "=" ] || [ "$prev" = "=" ]; then
        COMP_LINE+=$word
      else
        COMP_LINE+=" $word"
      fi
      prev=$word
    done
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _nova_volumectl
    printf "%s\n" "${COMPREPLY[@]}"
  ' complete "$@" 2>"$tmp/stderr" | sed '/^$/d' | sort
}

# checks that completing "$@" gives exactly $expected (sorted, one a line)
expect () {
  local name=$1 expected=$2 got
  shift 2
  got=$(complete_words "$@")
  expected=$(tr ' ' '\n' <<<"$expected" | sed '/^$/d' | sort)
  if [ "$got" = "$expected" ] && [ ! -s "$tmp/stderr" ]; then
    ok "$name"
  else
    not_ok "$name"
    { echo "completing: $*"; echo "expected:"; echo "$expected"; echo "got:"; echo "$got"
      echo "stderr:"; cat "$tmp/stderr"; } | diag
  fi
}

# ---- loading -----------------------------------------------------------

if bash --norc --noprofile -c 'source "$1" && source "$2" && complete -p nova-volumectl' \
     check "$framework" "$script" >"$tmp/out" 2>&1 && grep -q -- '-F _nova_volumectl' "$tmp/out"; then
  ok "the script loads and completes nova-volumectl with _nova_volumectl"
else
  not_ok "the script loads and completes nova-volumectl with _nova_volumectl"
  diag <"$tmp/out"
fi

if command -v shellcheck >/dev/null; then
  if shellcheck -s bash -S warning "$script" >"$tmp/out" 2>&1; then
    ok "shellcheck finds no warning in the script"
  else
    not_ok "shellcheck finds no warning in the script"
    diag <"$tmp/out"
  fi
else
  skip "shellcheck finds no warning in the script" "shellcheck is not installed"
fi

# ---- what --help lists, parsed here on its own -------------------------

help=$("$ctl" --help)
commands=$(awk '/^Commands:$/ { on = 1; next } on && /^$/ { exit } on { print $1 }' <<<"$help")
# "--name=NAME" becomes "--name=", a flag stays as it is
options_of () {
  awk '$1 ~ /^-[A-Za-z],$/ { $1 = "" } { sub(/^ +/, "") }
       /^--[A-Za-z]/ { o = $1; if (o ~ /=/) sub(/=.*/, "=", o); print o }'
}
global_options=$(options_of <<<"$help")

expect "a command name: every command of --help" "$commands" "$ctl" ""
expect "a command name from a prefix: c" "create connect check-export cancel" "$ctl" "c"
expect "a global option: every option of --help" "$global_options" "$ctl" "--"
expect "a global option from a prefix: --s" "--session" "$ctl" "--s"
expect "a global option before the command: --no" "--no-user-interaction" "$ctl" "--json" "--no"

create_options="--help --name= --image= --format= --backend= --type= --description= --snapshot= --source-volume= --availability-zone= --metadata= --multiattach --session --no-user-interaction --json"
expect "the options of create" "$create_options" "$ctl" create "--"
expect "the options of create from a prefix: --s" "--snapshot= --source-volume= --session" "$ctl" create "--s"
expect "an option of create after a global option" "--snapshot=" "$ctl" --session create --snap
expect "the commands after help" "$commands" "$ctl" help ""
expect "nothing for an option's value that is not an ID: --name" "" "$ctl" create --name ""

# every command's options, as its own help lists them
missing=""
for command in $commands; do
  got=$(complete_words "$ctl" "$command" "--")
  want=$("$ctl" help "$command" | options_of | sort)
  [ "$got" = "$want" ] || missing="$missing $command"
done
if [ -n "$commands" ] && [ -z "$missing" ]; then
  ok "every command completes exactly the options its help lists"
else
  not_ok "every command completes exactly the options its help lists; differ:$missing"
fi

# ---- IDs ---------------------------------------------------------------

# no daemon: nothing, and silently
DBUS_SESSION_BUS_ADDRESS=unix:path=$tmp/no-bus expect "no IDs and no message without a daemon" "" \
  "$ctl" --session show ""

if ! command -v dbus-daemon >/dev/null || ! command -v gdbus >/dev/null; then
  skip "IDs of volumes and snapshots from a running daemon" "no dbus-daemon or gdbus to run one"
else
  : >"$tmp/empty.conf"
  bus_info=$(dbus-daemon --session --fork --nopidfile --print-address=1 --print-pid=1 </dev/null 2>"$tmp/bus.log")
  DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p <<<"$bus_info")
  bus_pid=$(sed -n 2p <<<"$bus_info")
  export DBUS_SESSION_BUS_ADDRESS
  "$NOVA_VOLUMED" --session --state-dir "$tmp/state" --config "$tmp/empty.conf" >"$tmp/daemon.log" 2>&1 &
  daemon_pid=$!
  if [ -n "$bus_pid" ] && timeout 60 gdbus wait --session --timeout 50 org.openstack.Volume1 \
     && volume=$("$ctl" --session create 1M --name one) && other=$("$ctl" --session create 1M --name two) \
     && snapshot=$("$ctl" --session snapshot "$volume"); then
    ok "a daemon on a private session bus with two volumes and a snapshot"
    expect "show: volume and snapshot IDs and names" "$volume $other $snapshot one two" "$ctl" --session show ""
    expect "delete: volume and snapshot IDs, from a prefix" "$snapshot" "$ctl" --session delete "${snapshot:0:8}"
    expect "snapshot: volume IDs and names only" "$volume $other one two" "$ctl" --session snapshot ""
    expect "a name from its prefix" "one" "$ctl" --session snapshot o
    expect "--session after the command counts too" "$volume $other one two" "$ctl" extend --session ""
    expect "create --snapshot=: snapshot IDs" "$snapshot" "$ctl" --session create --snapshot = ""
    expect "create --source-volume ID: volume IDs and names" "$volume $other one two" "$ctl" --session create --source-volume ""
    expect "attach: nothing for INSTANCE" "" "$ctl" --session attach "$volume" ""
    expect "extend: nothing for SIZE" "" "$ctl" --session extend "$volume" ""
    expect "list: no arguments" "" "$ctl" --session list ""
  else
    not_ok "a daemon on a private session bus with two volumes and a snapshot"
    diag <"$tmp/daemon.log"
  fi
fi

echo "1..$n"
exit $failed
