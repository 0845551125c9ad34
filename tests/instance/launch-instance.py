#!/usr/bin/python3
"""tests/instance/launch-instance.py: starts an instance, a qemu process whose
one disk is a volume, from the volume's connection_info, as Nova's libvirt
volume drivers turn connection_info into a guest disk:

  local  {device_path}    -drive file=DEVICE_PATH,format=raw,if=virtio
  iscsi  {target_portal, target_iqn, target_lun, auth_method,
          auth_username, auth_password}
                          qemu's own iSCSI initiator (libiscsi): a
                          -blockdev driver=iscsi with the CHAP user, the
                          password as a qemu secret object read from a
                          private file (never on the command line) and the
                          connector's initiator name, under a virtio disk
  rbd    {name, hosts, ports, auth_enabled, auth_username}
                          qemu's librbd driver, as libvirt builds it:
                          -drive file=rbd:POOL/IMAGE:mon_host=...:id=USER
                          with the key from --ceph-keyring (a real
                          hypervisor takes it from the libvirt secret
                          secret_uuid names)

  launch-instance.py --image DIR --connection-info FILE|- [--initiator IQN]
                     [--ceph-keyring FILE] [--ceph-conf FILE]
                     [--uuid UUID] [--name NAME] [--console FILE]
                     [--timeout SECONDS] [--mem MIB] [--accel tcg|kvm]
                     [--dry-run]

The connection_info is JSON: what `nova-volumectl --json connect` prints,
or InitializeConnection's a{sv} turned into JSON ({"driver_volume_type":
..., "data": {...}}). The image is a directory (tests/instance/build-image.sh)
with `kernel`, `initramfs.cpio` and `cmdline`. The instance runs under TCG
(or --accel kvm) with no network, its serial console in --console (default:
this program's stdout), until it powers off or --timeout passes (then it is
killed). --dry-run prints the qemu command line and starts nothing.

Exit status: 0 when the instance ran and powered off; 1 when qemu failed
(it could not open the volume: wrong CHAP secret, initiator not allowed,
no such file; the reason from qemu is printed) or was killed at the
timeout; 2 on bad arguments or a connection_info this launcher cannot use
(an unknown driver_volume_type, a missing key).
"""

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PROG = "launch-instance"


class LaunchError(Exception):
    """A connection_info or an image this launcher cannot use."""


def qemu_escape(value):
    """qemu splits its option strings at commas; a comma in a value is doubled."""
    return str(value).replace(",", ",,")


def local_disk(data, _args, _secret_dir):
    path = data.get("device_path")
    if not isinstance(path, str) or not path:
        raise LaunchError("local connection_info without device_path")
    if not os.path.exists(path):
        raise LaunchError(f"local device_path {path} does not exist on this host")
    return ["-drive", f"file={qemu_escape(path)},format=raw,if=virtio"]


def initiator_name(args):
    """The connector's initiator: --initiator, else this host's open-iscsi name."""
    if args.initiator:
        return args.initiator
    try:
        with open("/etc/iscsi/initiatorname.iscsi", encoding="utf-8") as f:
            for line in f:
                if line.startswith("InitiatorName="):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    raise LaunchError("iscsi needs the connector's initiator name: --initiator IQN "
                      "(or /etc/iscsi/initiatorname.iscsi)")


def iscsi_disk(data, args, secret_dir):
    for key in ("target_portal", "target_iqn", "target_lun"):
        if key not in data:
            raise LaunchError(f"iscsi connection_info without {key}")
    lun = data["target_lun"]
    if isinstance(lun, bool) or not isinstance(lun, int) or lun < 0:
        raise LaunchError(f"iscsi target_lun is not a LUN number: {lun!r}")
    blockdev = {
        "driver": "iscsi",
        "node-name": "volume",
        "transport": "tcp",
        "portal": data["target_portal"],
        "target": data["target_iqn"],
        "lun": lun,
        "initiator-name": initiator_name(args),
    }
    argv = []
    method = data.get("auth_method")
    if method:
        if str(method).upper() != "CHAP":
            raise LaunchError(f"iscsi auth_method {method} is not supported (only CHAP)")
        user, password = data.get("auth_username"), data.get("auth_password")
        if not user or password is None:
            raise LaunchError("iscsi CHAP without auth_username or auth_password")
        # the secret reaches qemu through a file only this user can read,
        # never through its command line (which every user can see)
        secret_file = os.path.join(secret_dir, "chap-secret")
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(password)
        argv += ["-object", f"secret,id=volume-chap,format=raw,file={qemu_escape(secret_file)}"]
        blockdev["user"] = user
        blockdev["password-secret"] = "volume-chap"
    options = ",".join(f"{k}={qemu_escape(v)}" for k, v in blockdev.items())
    argv += ["-blockdev", options, "-device", "virtio-blk-pci,drive=volume"]
    return argv


def rbd_escape(value):
    """qemu's rbd: filename splits at ':' (and '@' in the image); a backslash
    keeps one literal. Then the -drive option's commas are doubled."""
    text = str(value)
    for ch in ("\\", ":", "@"):
        text = text.replace(ch, "\\" + ch)
    return text


def rbd_disk(data, args, _secret_dir):
    """As Nova's libvirt driver gives qemu an rbd disk: the image, the
    monitors of the connection_info, the cephx user when auth_enabled. The
    key itself is the hypervisor's (libvirt keeps it in the secret with
    secret_uuid); here --ceph-keyring names the file that holds it."""
    name = data.get("name")
    if not isinstance(name, str) or "/" not in name:
        raise LaunchError("rbd connection_info without name POOL/IMAGE")
    hosts, ports = data.get("hosts"), data.get("ports")
    if not isinstance(hosts, list) or not isinstance(ports, list) or not hosts or len(hosts) != len(ports):
        raise LaunchError("rbd connection_info without matching hosts and ports")
    pool, image = name.split("/", 1)
    mons = ";".join(f"{h}:{p}" if ":" not in str(h) else f"[{h}]:{p}" for h, p in zip(hosts, ports))
    spec = f"rbd:{rbd_escape(pool)}/{rbd_escape(image)}:mon_host={rbd_escape(mons)}"
    if data.get("auth_enabled"):
        user = data.get("auth_username")
        if not user:
            raise LaunchError("rbd auth_enabled without auth_username")
        spec += f":id={rbd_escape(user)}:auth_supported=cephx"
        if not args.ceph_keyring:
            raise LaunchError(f"rbd auth for {user}: --ceph-keyring FILE with its key "
                              f"(libvirt secret {data.get('secret_uuid') or '(none)'} on a real hypervisor)")
    else:
        spec += ":auth_supported=none" if not args.ceph_keyring else ""
    if args.ceph_keyring:
        spec += f":keyring={rbd_escape(args.ceph_keyring)}"
    if args.ceph_conf:
        spec += f":conf={rbd_escape(args.ceph_conf)}"
    return ["-drive", f"file={qemu_escape(spec)},format=raw,if=virtio,cache=writeback"]


# driver_volume_type -> how its disk is given to qemu
DISK_BUILDERS = {
    "local": local_disk,
    "iscsi": iscsi_disk,
    "rbd": rbd_disk,
}


def read_connection_info(source):
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as f:
                text = f.read()
        info = json.loads(text)
    except (OSError, ValueError) as e:
        raise LaunchError(f"cannot read the connection_info {source}: {e}") from e
    if not isinstance(info, dict) or not isinstance(info.get("data"), dict):
        raise LaunchError("the connection_info is not {\"driver_volume_type\": ..., \"data\": {...}}")
    return info


def read_image(directory):
    paths = {name: os.path.join(directory, name) for name in ("kernel", "initramfs.cpio", "cmdline")}
    for path in paths.values():
        if not os.access(path, os.R_OK):
            raise LaunchError(f"the image {directory} has no readable {os.path.basename(path)}")
    with open(paths["cmdline"], encoding="utf-8") as f:
        cmdline = f.read().strip()
    return paths["kernel"], paths["initramfs.cpio"], cmdline


def qemu_command(args, info, secret_dir):
    kind = info.get("driver_volume_type")
    builder = DISK_BUILDERS.get(kind)
    if builder is None:
        raise LaunchError(f"unknown driver_volume_type {kind!r}: this launcher knows "
                          + ", ".join(sorted(DISK_BUILDERS)))
    kernel, initrd, cmdline = read_image(args.image)
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        raise LaunchError("no qemu-system-x86_64 (install qemu-system-x86)")
    accel = ["-accel", "kvm", "-cpu", "host"] if args.accel == "kvm" else ["-accel", "tcg", "-cpu", "max"]
    argv = [qemu, "-name", qemu_escape(args.name), "-machine", "pc", *accel, "-smp", "1",
            "-m", str(args.mem), "-nodefaults", "-no-user-config", "-display", "none",
            "-nic", "none", "-no-reboot", "-serial", "stdio",
            "-kernel", kernel, "-initrd", initrd, "-append", cmdline]
    if args.uuid:
        argv += ["-uuid", args.uuid]
    if args.qmp:
        argv += ["-qmp", f"unix:{qemu_escape(args.qmp)},server=on,wait=off"]
    return argv + builder(info["data"], args, secret_dir)


def shorten(err, argv):
    """qemu repeats the whole option it failed on; the reason is what follows it."""
    for option, value in zip(argv, argv[1:]):
        if option in ("-drive", "-blockdev"):
            err = err.replace(f"{os.path.basename(argv[0])}: {option} {value}: ", f"{option} volume: ")
    return err


def run(argv, console, limit):
    """Runs qemu until it exits or limit seconds pass; returns its status and stderr."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as err:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=console, stderr=err)
        try:
            status = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            status = None
        finally:
            # a signal to this launcher (see main) must not leave qemu behind
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        return status, err.read().strip()


def main():
    parser = argparse.ArgumentParser(prog=PROG, description="Start an instance whose disk is a volume.")
    parser.add_argument("--image", required=True, help="image directory (tests/instance/build-image.sh)")
    parser.add_argument("--connection-info", required=True, metavar="FILE",
                        help="connection_info JSON, - for stdin")
    parser.add_argument("--initiator", help="the connector's iSCSI initiator name (iscsi)")
    parser.add_argument("--ceph-keyring", metavar="FILE",
                        help="keyring with the cephx key of the connection_info's user (rbd)")
    parser.add_argument("--ceph-conf", metavar="FILE",
                        help="ceph.conf for the rest of librbd's settings (rbd; the monitors "
                        "come from the connection_info)")
    parser.add_argument("--uuid", help="the instance's UUID (SMBIOS; what the volume is attached to)")
    parser.add_argument("--name", default="instance", help="the instance's name (qemu -name)")
    parser.add_argument("--console", default="-", help="file for the serial console (default: stdout)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds before the instance is killed")
    parser.add_argument("--mem", type=int, default=256, help="memory in MiB")
    parser.add_argument("--accel", choices=("tcg", "kvm"), default=os.environ.get("NOVA_VOLUME_VM_ACCEL", "tcg"))
    parser.add_argument("--qmp", metavar="SOCKET",
                        help="a QMP socket at SOCKET, for the host to act on the running instance "
                             "(block_resize after an online extend, as libvirt's blockResize)")
    parser.add_argument("--dry-run", action="store_true", help="print the qemu command line, start nothing")
    args = parser.parse_args()

    # SIGTERM, SIGHUP: unwind, so that qemu is killed and the secret removed
    def stop(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    secret_dir = tempfile.mkdtemp(prefix="nova-instance-")
    try:
        try:
            info = read_connection_info(args.connection_info)
            argv = qemu_command(args, info, secret_dir)
        except LaunchError as e:
            print(f"{PROG}: {e}", file=sys.stderr)
            return 2
        if args.dry_run:
            print(shlex.join(argv))
            return 0
        start = time.monotonic()
        if args.console == "-":
            status, err = run(argv, None, args.timeout)
        else:
            with open(args.console, "w", encoding="utf-8") as console:
                status, err = run(argv, console, args.timeout)
        elapsed = time.monotonic() - start
        kind = info["driver_volume_type"]
        if status is None:
            print(f"{PROG}: {args.name} killed after {args.timeout} s (the instance did not power off)",
                  file=sys.stderr)
            return 1
        if status != 0:
            print(f"{PROG}: qemu failed ({kind} volume, exit {status} after {elapsed:.1f} s): "
                  f"{shorten(err, argv) or 'no message'}", file=sys.stderr)
            return 1
        print(f"{PROG}: {args.name} ran {elapsed:.1f} s and powered off ({kind} volume)", file=sys.stderr)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        shutil.rmtree(secret_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
