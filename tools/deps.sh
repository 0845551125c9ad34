# shellcheck shell=bash
# tools/deps.sh: what nova-volume needs on Debian 12 (bookworm), and one
# function that installs whatever of it is missing. Sourced by
# tools/run-service.sh and tools/run-tests.sh; not run on its own.
#
# NOVA_VOLUME_SKIP_DEPS=1 skips the check (a machine set up some other way).

# Build: compiler, meson, the libraries the code links (polkit and
# libblockdev for the system-bus daemon and the lvm-iscsi driver, polkit's
# text agent for the CLI), scdoc for the man pages, systemd.pc and
# bash-completion.pc for where the unit and the completion go.
# Tests: a dbus-daemon for private buses (dbus-daemon, dbus-run-session in
# dbus-bin), gdbus (libglib2.0-bin), Debian's python3-dbusmock for the mock
# polkit authority, xmllint for the introspection XML and the polkit
# policy, pkaction (polkitd) and systemd-analyze for the installed files,
# groff and man (the man pages render without warnings), shellcheck (the
# completion script), valgrind; tgt (tgtd, tgtadm), libiscsi-bin
# (iscsi-inq, iscsi-readcapacity16), qemu-utils and qemu-block-extra
# (qemu-io with its iscsi:// driver) for the host iSCSI tier (suite tgt).
# The guest tier (tests/vm/): qemu, Debian's generic kernel (9p, LIO,
# device-mapper as modules), busybox-static for the initramfs, kmod for the
# module order, and what the guest runs from the shared root: LVM with
# thin provisioning, open-iscsi (iscsid, iscsiadm).
# What the service needs, to build and to run with the file driver
# (tools/run-service.sh): the compiler and meson, the libraries every
# part links (librbd and librados included: the rbd driver is always
# built), scdoc, systemd.pc and bash-completion.pc, msgfmt (gettext) with
# polkit's ITS rules, a dbus-daemon for the session bus it may start, and
# qemu-img for images in and out.
NOVA_VOLUME_SERVICE_PACKAGES=(
  build-essential
  meson
  ninja-build
  pkg-config
  libglib2.0-dev
  libglib2.0-bin
  libjson-glib-dev
  libzstd-dev
  libsqlite3-dev
  libpolkit-gobject-1-dev
  libpolkit-agent-1-dev
  scdoc
  systemd
  bash-completion
  libblockdev-dev
  libblockdev-lvm-dev
  libdevmapper-dev
  dbus
  dbus-daemon
  dbus-bin
  gettext
  qemu-utils
  librbd-dev
  librados-dev
)

# Everything, for the tests (tools/run-tests.sh): the service's, then the
# test toolchain and the backends the tiers start.
NOVA_VOLUME_DEBIAN_PACKAGES=(
  "${NOVA_VOLUME_SERVICE_PACKAGES[@]}"
  python3-dbusmock
  libxml2-utils
  # the client library's GIR and typelib, and its tests from Python and GJS
  gobject-introspection
  libgirepository1.0-dev
  gir1.2-glib-2.0
  python3-gi
  gjs
  # the client library's API reference, from the GIR
  gi-docgen
  polkitd
  groff-base
  man-db
  shellcheck
  valgrind
  qemu-system-x86
  linux-image-amd64
  busybox-static
  kmod
  lvm2
  thin-provisioning-tools
  open-iscsi
  tgt
  libiscsi-bin
  qemu-block-extra
  clang
  libclang-rt-14-dev
  # the sheepdog tier builds sheep and dog once from the Sheepdog source
  # beside the project (Debian 12 no longer packages Sheepdog)
  autoconf
  automake
  libtool
  liburcu-dev
  yasm
  # the aoe driver and its guest tier: vblade exports, aoetools'
  # aoe-discover on the initiator side
  vblade
  aoetools
  # the ceph tier's throwaway one-node cluster (ceph-mon, ceph-osd on
  # memstore, the ceph and rbd commands of ceph-common, ceph-mgr for the
  # pool usage that `ceph df` and the driver's stats report), which
  # tests/ceph-cluster.sh starts
  ceph-mon
  ceph-osd
  ceph-common
  ceph-mgr
  # the Cockpit page's browser tier (tests/browser/, suite browser):
  # cockpit-ws with a local session and the bridge, cockpit-system for
  # the base1 package (cockpit.js) the page loads, Debian's Chromium,
  # driven by puppeteer-core from npm (nova_volume_install_npm_deps)
  cockpit-ws
  cockpit-bridge
  cockpit-system
  chromium
  nodejs
  iproute2
  # the bench's LVM figure measures udisks2 with its LVM module beside
  # the daemon in the guest (bench/lvm-guest.sh); strace lists the
  # programs each side starts
  udisks2
  udisks2-lvm2
  strace
)

# Prints the packages of the list (service: the service's; else all)
# that are not installed, one a line.
nova_volume_missing_packages ()
{
  local pkg status
  local -a packages=("${NOVA_VOLUME_DEBIAN_PACKAGES[@]}")
  [ "${1:-}" = service ] && packages=("${NOVA_VOLUME_SERVICE_PACKAGES[@]}")
  for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
      printf '%s\n' "$pkg"
    fi
  done
}

# Installs what is missing with apt-get: as root directly, otherwise
# through sudo. Does nothing (and needs no network) when all is there.
# "service": only what the service needs (tools/run-service.sh).
nova_volume_install_deps ()
{
  local which=${1:-all}
  local -a missing sudo_cmd
  if [ "${NOVA_VOLUME_SKIP_DEPS:-0}" = "1" ]; then
    return 0
  fi
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: not a Debian system (no dpkg-query/apt-get); install these by hand if the build fails:" >&2
    echo "  ${NOVA_VOLUME_DEBIAN_PACKAGES[*]}" >&2
    return 0
  fi

  mapfile -t missing < <(nova_volume_missing_packages "$which")
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps: all the Debian packages it needs ($which) are installed"
    return 0
  fi

  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "deps: missing packages and no sudo to install them; as root run:" >&2
      echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
      return 1
    fi
    sudo_cmd=(sudo)
  fi

  echo "deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
}

# The browser tier's npm packages (tests/browser/package-lock.json, no
# browser download: Debian's Chromium is the browser), installed with
# `npm ci` into tests/browser/node_modules when that is missing or older
# than the lock file. Debian's nodejs comes without npm: the npm package
# is installed when no npm command is found.
nova_volume_install_npm_deps ()
{
  local dir
  dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/browser" && pwd) || return 1
  if [ "${NOVA_VOLUME_SKIP_DEPS:-0}" = "1" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    local -a sudo_cmd=()
    [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
    echo "deps: installing npm"
    "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends npm </dev/null || return 1
  fi
  if [ -f "$dir/node_modules/.package-lock.json" ] &&
     [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    echo "deps: the browser test's npm packages are installed"
    return 0
  fi
  echo "deps: npm ci in tests/browser"
  (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROMIUM_DOWNLOAD=1 \
     timeout 600 npm ci --no-audit --no-fund --ignore-scripts </dev/null)
}
