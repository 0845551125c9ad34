# shellcheck shell=bash
# tests/tap-lib.sh: TAP output for the shell tiers (tests/test-*.sh).
# Sourced; set tap_name (the test's name, for the SKIP line on stderr)
# first. Counts in n and failures; end with tap_finish.

n=0
failures=0

ok () { n=$((n + 1)); echo "ok $n - $1"; }

# "what" [DETAILS]: a failed test, the details as TAP comments
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

# "what" "reason": one test skipped, saying why
skip () { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

# "reason": the whole test skipped, loudly: on the TAP plan and on stderr
skip_all () {
  echo "${tap_name:-test}: SKIP: $1" >&2
  echo "1..0 # SKIP $1"
  exit 0
}

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
