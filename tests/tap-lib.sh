# shellcheck shell=bash disable=SC2034  # n and failures are the caller's
# tests/tap-lib.sh: the TAP lines of a shell tier. Sourced; set tap_name
# (what a skip says on stderr) first. The caller ends with
#   echo "1..$n"; [ "$failures" -eq 0 ]

n=0
failures=0

ok () { n=$((n + 1)); echo "ok $n - $1"; }

# "what" [output]: the output, if any, as TAP comments
not_ok () {
  local line
  n=$((n + 1))
  failures=$((failures + 1))
  echo "not ok $n - $1"
  if [ $# -gt 1 ] && [ -n "$2" ]; then
    while IFS= read -r line; do
      echo "# $line"
    done <<<"$2"
  fi
}

# the whole test skipped, loudly: on the TAP plan line and on stderr
skip_all () {
  echo "${tap_name:-test}: SKIP: $1" >&2
  echo "1..0 # SKIP $1"
  exit 0
}

# "what" "reason": one test skipped, saying why
skip () { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# "what" command...: ok when it succeeds, else not ok with its output
check () {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then
    ok "$what"
  else
    not_ok "$what" "$out"
  fi
}

# milliseconds since $1 (a `date +%s%N`)
ms_since () {
  echo $((($(date +%s%N) - $1) / 1000000))
}

# the plan, and the status: 0 when nothing failed
tap_finish () {
  echo "1..$n"
  [ "$failures" -eq 0 ]
}
