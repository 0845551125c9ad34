#!/bin/bash
# test-manpages.sh: the man pages are built, render without a warning, and
# say everything the programs know: every nova-volumectl command with each
# of its options, every nova-volumed option, every configuration key with
# its default, every driver name. The lists come from the programs
# themselves (--help, print-config-keys), so a command, option or key
# added without its documentation fails here. TAP output.
#
#   test-manpages.sh DOC_SOURCE_DIR PRINT_CONFIG_KEYS "BUILT DRIVERS" MAN_PAGE...
#
# NOVA_VOLUMECTL, NOVA_VOLUMED: the programs (tests/meson.build sets them).
set -u

doc_dir=$1
print_config_keys=$2
built_drivers=$3
shift 3
man_pages=("$@")

n=0
failed=0
ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
skip () { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# "# ..." lines: TAP diagnostics
diag () { sed 's/^/# /'; }

export LC_ALL=C

# the section of an scdoc page from "## NAME" (or "# NAME") up to the next
# heading of the same or a higher level
section () {
  local file=$1 heading=$2
  awk -v h="$heading" '
    $0 == h { on = 1; next }
    on && /^#/ { level = match($0, /[^#]/) - 1; if (level <= hl) exit }
    on { print }
    BEGIN { hl = match(h, /[^#]/) - 1 }
  ' "$file"
}

# whether the text on stdin defines option $1 the way the pages do: a line
# "*--name*=_NAME_", "*--force*" or "*-c*, *--config*=_FILE_"
defines_option () {
  grep -qE -- "^(\*-[A-Za-z]\*, )?\*$1\*(=.*)?\$"
}

# the long options a --help text lists, one a line, without "=VALUE"
help_options () {
  sed -n 's/^  \(-[A-Za-z], \)\{0,1\}\(--[A-Za-z][A-Za-z-]*\).*$/\2/p'
}

# ---- built and rendered ------------------------------------------------

for page in "${man_pages[@]}"; do
  name=$(basename "$page")
  if [ -s "$page" ] && grep -q '^\.TH ' "$page"; then
    ok "$name is built (roff with a .TH header)"
  else
    not_ok "$name is built (roff with a .TH header)"
  fi
done

for page in "${man_pages[@]}"; do
  name=$(basename "$page")
  if ! command -v groff >/dev/null; then
    skip "$name renders without warnings (groff)" "groff is not installed (Debian: groff-base)"
    continue
  fi
  warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
  if [ -z "$warnings" ]; then
    ok "$name renders without warnings (groff -ww)"
  else
    not_ok "$name renders without warnings (groff -ww)"
    echo "$warnings" | diag
  fi
done

for page in "${man_pages[@]}"; do
  name=$(basename "$page")
  if ! command -v man >/dev/null; then
    skip "$name renders with man -l" "man is not installed (Debian: man-db)"
    continue
  fi
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat man --warnings -l "$page" 2>&1 >/dev/null)
  text=$(LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$page" 2>/dev/null)
  if [ -z "$warnings" ] && [ -n "$text" ]; then
    ok "$name renders with man -l, no warnings"
  else
    not_ok "$name renders with man -l, no warnings"
    echo "$warnings" | diag
  fi
done

# ---- nova-volumectl(1) -------------------------------------------------

ctl_page=$doc_dir/nova-volumectl.1.scd
ctl_help=$("$NOVA_VOLUMECTL" --help)
commands=$(sed -n '/^Commands:$/,/^$/s/^  \([a-z][a-z-]*\)  *[^ ].*$/\1/p' <<<"$ctl_help")
global_options=$(help_options <<<"$ctl_help")

if [ -n "$commands" ] && [ -n "$global_options" ]; then
  ok "nova-volumectl --help lists commands and options"
else
  not_ok "nova-volumectl --help lists commands and options"
fi

missing=""
global_section=$(section "$ctl_page" "# GLOBAL OPTIONS")
for option in $global_options; do
  defines_option "$option" <<<"$global_section" || missing="$missing $option"
done
if [ -z "$missing" ]; then
  ok "nova-volumectl(1) GLOBAL OPTIONS has every option of --help"
else
  not_ok "nova-volumectl(1) GLOBAL OPTIONS has every option of --help; missing:$missing"
fi

for command in $commands; do
  text=$(section "$ctl_page" "## $command")
  if [ -z "$text" ]; then
    not_ok "nova-volumectl(1) documents the command $command (a '## $command' section)"
    continue
  fi
  missing=""
  for option in $("$NOVA_VOLUMECTL" help "$command" | help_options); do
    # the global options and --help are documented once, above
    grep -qxF -- "$option" <<<"$global_options" && continue
    defines_option "$option" <<<"$text" || missing="$missing $option"
  done
  # the usage line's arguments, as the page writes them (_ID_, _SIZE_ ...)
  for argument in $("$NOVA_VOLUMECTL" help "$command" | sed -n '/^Usage:$/{n;s/^.*\[OPTION[^]]*\] *//p;q}' | tr -d '[]'); do
    grep -qF -- "_${argument}_" <<<"$text" || missing="$missing $argument"
  done
  if [ -z "$missing" ]; then
    ok "nova-volumectl(1) documents the command $command, its options and arguments"
  else
    not_ok "nova-volumectl(1) documents the command $command; missing:$missing"
  fi
done

# every section of the page that looks like a command is one
extra=""
for heading in $(sed -n 's/^## \([a-z-]*\)$/\1/p' "$ctl_page"); do
  grep -qxF -- "$heading" <<<"$commands" || extra="$extra $heading"
done
if [ -z "$extra" ]; then
  ok "nova-volumectl(1) documents no command the program lacks"
else
  not_ok "nova-volumectl(1) documents commands the program lacks:$extra"
fi

missing=""
exit_section=$(section "$ctl_page" "# EXIT STATUS")
for status in 0 1 2; do
  grep -qxF -- "*$status*" <<<"$exit_section" || missing="$missing $status"
done
if [ -z "$missing" ]; then
  ok "nova-volumectl(1) EXIT STATUS has 0, 1 and 2"
else
  not_ok "nova-volumectl(1) EXIT STATUS misses:$missing"
fi

# ---- nova-volumed(8) ---------------------------------------------------

daemon_page=$doc_dir/nova-volumed.8.scd
daemon_help=$("$NOVA_VOLUMED" --help)
options_section=$(section "$daemon_page" "# OPTIONS")
missing=""
for option in $(help_options <<<"$daemon_help"); do
  defines_option "$option" <<<"$options_section" || missing="$missing $option"
done
# the short forms as well: "-c, --config=FILE"
for option in $(sed -n 's/^  \(-[A-Za-z]\), .*$/\1/p' <<<"$daemon_help"); do
  grep -qF -- "*$option*" <<<"$options_section" || missing="$missing $option"
done
if [ -n "$(help_options <<<"$daemon_help")" ] && [ -z "$missing" ]; then
  ok "nova-volumed(8) OPTIONS has every option of --help"
else
  not_ok "nova-volumed(8) OPTIONS has every option of --help; missing:$missing"
fi

missing=""
for heading in "# SIGNALS AND REPLACEMENT" "# EXIT STATUS" "# ENVIRONMENT" "# FILES" "# STATE DIRECTORY"; do
  [ -n "$(section "$daemon_page" "$heading")" ] || missing="$missing '$heading'"
done
if [ -z "$missing" ]; then
  ok "nova-volumed(8) has its sections"
else
  not_ok "nova-volumed(8) lacks sections:$missing"
fi

# every environment variable the code reads
missing=""
env_section=$(section "$daemon_page" "# ENVIRONMENT")
for variable in NOVA_VOLUME_DRIVER_DIR DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR XDG_STATE_HOME; do
  grep -qF -- "$variable" <<<"$env_section" || missing="$missing $variable"
done
if [ -z "$missing" ]; then
  ok "nova-volumed(8) ENVIRONMENT has the variables the daemon reads"
else
  not_ok "nova-volumed(8) ENVIRONMENT misses:$missing"
fi

# ---- nova-volume.conf(5) -----------------------------------------------

conf_page=$doc_dir/nova-volume.conf.5.scd
keys=$("$print_config_keys")
if [ -n "$keys" ]; then
  ok "print-config-keys lists the configuration keys"
else
  not_ok "print-config-keys lists the configuration keys"
fi

missing=""
while IFS=$'\t' read -r key default; do
  [ -n "$key" ] || continue
  if [ -z "$default" ]; then
    shown="(default: empty"
  else
    shown="(default: *$default*"
  fi
  # "*key* = VALUE (default: *value*...)" on one line, a definition
  grep -E "^\*$key\* = " "$conf_page" | grep -qF -- "$shown" || missing="$missing $key"
done <<<"$keys"
if [ -z "$missing" ]; then
  ok "nova-volume.conf(5) has every key with its default"
else
  not_ok "nova-volume.conf(5) has every key with its default; missing or wrong:$missing"
fi

extra=""
for key in $(sed -n 's/^\*\([a-z_]*\)\* = .*$/\1/p' "$conf_page"); do
  cut -f1 <<<"$keys" | grep -qxF -- "$key" || extra="$extra $key"
done
if [ -z "$extra" ]; then
  ok "nova-volume.conf(5) documents no key the code lacks"
else
  not_ok "nova-volume.conf(5) documents keys the code lacks:$extra"
fi

missing=""
driver_text=$(awk '/^\*volume_driver\* = /{ on = 1 } on && /^\*[a-z_]+\* = / && !/^\*volume_driver\*/{ exit } on' "$conf_page")
for driver in $("$print_config_keys" --drivers); do
  grep -qF -- "*$driver*" <<<"$driver_text" || missing="$missing $driver"
done
if [ -z "$missing" ]; then
  ok "nova-volume.conf(5) volume_driver names every driver the configuration accepts"
else
  not_ok "nova-volume.conf(5) volume_driver misses drivers:$missing"
fi

# each driver that is built has its own entry (a tab-indented "*name*")
missing=""
for driver in $built_drivers; do
  grep -qxF -- "	*$driver*" <<<"$driver_text" || missing="$missing $driver"
done
if [ -n "$built_drivers" ] && [ -z "$missing" ]; then
  ok "nova-volume.conf(5) describes each built driver ($built_drivers)"
else
  not_ok "nova-volume.conf(5) describes each built driver; missing:$missing"
fi

echo "1..$n"
exit $failed
