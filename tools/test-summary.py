#!/usr/bin/python3
# tools/test-summary.py: the closing summary of a meson test run.
#
#   /usr/bin/python3 tools/test-summary.py [--expected LIST] [build/meson-logs/testlog.json | BUILDDIR]
#
# Reads meson's testlog.json (one JSON object per test program run; several
# logs for several builds) and prints: each failed test, each skipped
# program or TAP subtest with its reason, and last, alone on its line,
#
#   N passed, N failed, N skipped
#
# counting TAP subtests (ok, not ok, # SKIP; # TODO inverts), and a
# program without subtests as one test by its meson result (OK and
# EXPECTEDFAIL passed; SKIP skipped; anything else failed). A program that
# failed without a failed subtest (a crash, a bail out) adds one failure.
# With --expected (the output of `meson test --list`), a test that has no
# result in the log (the run was stopped by a timeout, or meson itself
# failed) counts as failed; --failed-build names a build whose tests could
# not run, one failure each. Exits 1 when anything failed or when no test
# ran (a log is missing or empty), 0 otherwise.

import argparse
import json
import os
import re
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}

# "ok 3 /file/reflink # SKIP no reflink here", "not ok 4 - name # TODO why"
TAP_RESULT = re.compile(
    r"^(?P<ok>not ok|ok)\b\s*(?P<number>\d+)?\s*(?:-\s*)?(?P<desc>[^#]*?)\s*"
    r"(?:#\s*(?P<directive>skip|todo)\S*\s*(?P<reason>.*?))?\s*$",
    re.IGNORECASE,
)
# "1..0 # SKIP no dbus-daemon": the whole program skipped
TAP_PLAN_SKIP = re.compile(r"^1\.\.0\b\s*(?:#\s*(?:skip\S*)?\s*(?P<reason>.*?))?\s*$", re.IGNORECASE)
# why a program stopped early
TAP_BAIL = re.compile(r"^Bail out!\s*(?P<reason>.*)$")


def log_path(path):
    if path is None:
        path = os.path.join(os.environ.get("NOVA_VOLUME_BUILD_DIR", "build"), "meson-logs", "testlog.json")
    if os.path.isdir(path):
        path = os.path.join(path, "meson-logs", "testlog.json")
    return path


def read_log(path):
    runs = []
    with open(path, encoding="utf-8", errors="replace") as log:
        for number, line in enumerate(log, 1):
            line = line.strip()
            if not line:
                continue
            try:
                runs.append(json.loads(line))
            except json.JSONDecodeError as error:
                print(f"{path}:{number}: not JSON ({error}); line ignored", file=sys.stderr)
    return runs


def tap_lines(run):
    """The lines of a run's output; TAP results are matched at column 0 only
    (a TAP 14 subtest of a subtest is indented)."""
    return (run.get("stdout") or "").splitlines()


def whole_skip_reason(run):
    for line in tap_lines(run):
        match = TAP_PLAN_SKIP.match(line)
        if match:
            return match.group("reason") or ""
    return ""


def subtests(run):
    """(number, description, ok, directive, reason) of each TAP result line."""
    for line in tap_lines(run):
        match = TAP_RESULT.match(line)
        if match:
            yield (
                match.group("number"),
                match.group("desc"),
                match.group("ok").lower() == "ok",
                (match.group("directive") or "").upper(),
                match.group("reason") or "",
            )


def read_expected(path):
    if path is None:
        return []
    try:
        with open(path, encoding="utf-8", errors="replace") as listing:
            return [line.strip() for line in listing if line.strip()]
    except FileNotFoundError:
        print(f"{path} is missing: not checking that every test ran", file=sys.stderr)
        return []


def main(argv):
    parser = argparse.ArgumentParser(description="Summarize meson's testlog.json.")
    parser.add_argument("--expected", metavar="LIST", action="append", default=[],
                        help="the names of every test that should have run (meson test --list); "
                             "once per log, in the same order")
    parser.add_argument("--failed-build", metavar="WHAT", action="append", default=[],
                        help="a build that failed (its tests did not run); counts as one failure")
    parser.add_argument("log", nargs="*", help="testlog.json or the build directory (default: build); "
                                                "several runs (a sanitizer build) are counted together")
    args = parser.parse_intermixed_args(argv[1:])
    logs = args.log or ([] if args.failed_build else [None])
    runs = []
    expected = []
    for index, log in enumerate(logs):
        path = log_path(log)
        # with several builds, a test's name says which build ran it
        # (testlog-valgrind.json: the valgrind setup of that build)
        stem = os.path.basename(path).removesuffix(".json").removeprefix("testlog").lstrip("-")
        label = (os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(path))))
                 + (f" ({stem})" if stem else "") + ": ") if len(logs) > 1 else ""
        listed = read_expected(args.expected[index] if index < len(args.expected) else None)
        expected += [label + name for name in listed]
        try:
            found = read_log(path)
        except FileNotFoundError:
            found = None
        if not found:
            why = "missing" if found is None else "empty"
            print(f"No tests ran: {path} is {why}.")
            print(f"0 passed, {len(expected)} failed, 0 skipped")
            return 1
        for run in found:
            run["name"] = label + run.get("name", "?")
        runs += found

    # the closing counts are of tests: a program's TAP subtests when it has
    # them, the program itself otherwise; a program that failed without a
    # failed subtest (a crash, a bail out) adds one failure of its own
    passed = failed = skipped = 0
    failures = []
    skips = []
    for build in args.failed_build:
        failed += 1
        failures.append(f"Failed: {build} — the build failed, so its tests did not run")

    for run in runs:
        name = run.get("name", "?")
        result = str(run.get("result", "?")).upper()
        run_sub = {"passed": 0, "failed": 0, "skipped": 0}

        for number, desc, ok, directive, reason in subtests(run):
            label = desc or (f"#{number}" if number else "?")
            if directive == "SKIP":
                run_sub["skipped"] += 1
                skips.append(f"Skipped: {name} {label} — {reason or 'no reason given'}")
            elif ok != (directive == "TODO"):
                # ok, or not ok # TODO (an expected failure)
                run_sub["passed"] += 1
            else:
                run_sub["failed"] += 1
                if ok:
                    failures.append(f"Failed: {name} {label} — passed unexpectedly (TODO {reason})")
                else:
                    failures.append(f"Failed: {name} {label}")
        has_subtests = sum(run_sub.values()) > 0
        passed += run_sub["passed"]
        failed += run_sub["failed"]
        skipped += run_sub["skipped"]

        if result in PASSED:
            if not has_subtests:
                passed += 1
        elif result in SKIPPED:
            if not has_subtests:
                skipped += 1
            reason = whole_skip_reason(run)
            if not reason:
                reason = (f"each of its subtests skipped ({run_sub['skipped']}, listed below)"
                          if run_sub["skipped"] else "no reason given")
            skips.append(f"Skipped: {name} — {reason}")
        else:
            if run_sub["failed"] == 0:
                failed += 1
            detail = result
            for line in tap_lines(run):
                bail = TAP_BAIL.match(line)
                if bail:
                    why = bail.group("reason")
                    if len(why) > 160:
                        why = why[:157] + "..."
                    detail += f" (Bail out! {why})"
                    break
            failures.append(f"Failed: {name} — {detail}")

    logged = {run.get("name") for run in runs}
    for name in expected:
        if name not in logged:
            failed += 1
            failures.append(f"Failed: {name} — no result: it did not run or did not finish")

    for line in failures:
        print(line)
    for line in skips:
        print(line)
    print(f"{len(runs)} test programs ran; counting their TAP subtests:")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed > 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
