# shellcheck shell=bash
# tests/vm/image-lib.sh: making an initramfs from busybox-static and the
# installed Debian kernel's modules. Sourced by tests/vm/build-image.sh (the
# guest tier's initramfs) and tests/instance/build-image.sh (the instance
# tier's images). Each function prints its error on stderr and returns 1.

# image_module_lines MODPROBE KVER MODULE...: the modules to insmod for
# MODULE... in kernel KVER, each once, in load order (`modprobe
# --show-depends`), one "PATH [PARAMS]" a line; builtin ones need nothing
image_module_lines () {
  local modprobe=$1 kver=$2 name deps verb path params
  local lines=()
  shift 2
  for name in "$@"; do
    deps=$("$modprobe" -S "$kver" --show-depends "$name" 2>&1) ||
      { echo "modprobe -S $kver --show-depends $name: $deps" >&2; return 1; }
    while read -r verb path params; do
      case $verb in
        insmod) lines+=("$path${params:+ $params}") ;;
        builtin) ;;
        *) echo "modprobe --show-depends $name: unexpected line: $verb $path" >&2; return 1 ;;
      esac
    done <<<"$deps"
  done
  [ "${#lines[@]}" -eq 0 ] || printf '%s\n' "${lines[@]}" | awk '!seen[$1]++'
}

# image_stage_modules STAGING LINE...: the modules of image_module_lines'
# LINEs uncompressed into STAGING/modules, and STAGING/modules.order (one
# "FILE [PARAMS]" a line, in load order) for the init to insmod them
image_stage_modules () {
  local staging=$1 line path params base
  shift
  mkdir -p "$staging/modules"
  : >"$staging/modules.order"
  for line in "$@"; do
    path=${line%% *}
    params=
    [ "$line" = "$path" ] || params=${line#* }
    base=${path##*/}
    case $path in
      *.ko) cp "$path" "$staging/modules/$base" ;;
      *.ko.xz) base=${base%.xz}; xz -dc "$path" >"$staging/modules/$base" ;;
      *.ko.zst) base=${base%.zst}; zstd -qdc "$path" >"$staging/modules/$base" ;;
      *.ko.gz) base=${base%.gz}; gzip -dc "$path" >"$staging/modules/$base" ;;
      *) echo "unknown module file type: $path" >&2; return 1 ;;
    esac || { echo "cannot copy $path" >&2; return 1; }
    echo "$base${params:+ $params}" >>"$staging/modules.order"
  done
}

# image_write_cpio BUSYBOX STAGING OUT: STAGING as a newc cpio archive
# owned by root, uncompressed (the kernel unpacks it faster than any
# compressor saves), written to OUT.tmp and renamed
image_write_cpio () {
  local busybox=$1 staging=$2 out=$3
  (cd "$staging" && find . -mindepth 1 | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) \
    >"$out.tmp" || { rm -f "$out.tmp"; echo "cpio failed" >&2; return 1; }
  mv "$out.tmp" "$out"
}
