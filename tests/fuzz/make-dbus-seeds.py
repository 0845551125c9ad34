#!/usr/bin/python3
"""Writes the seed corpus of fuzz-dbus (tests/fuzz/corpus/dbus/).

An input of fuzz-dbus is a script of calls read byte by byte (see
LLVMFuzzerTestOneInput and make_value in fuzz-dbus.c); this script writes
scripts that reach deep states on purpose: a volume attached, connected,
snapshotted, cloned, with hostile names at each step. Strings are given
raw (not through the fuzzer's table of hostile strings), so the seeds
keep their meaning when that table changes; method numbers are read from
introspection/org.openstack.Volume1.xml, in the order fuzz-dbus.c lists
the methods.

Run it from the source tree after changing the XML's methods (a method
added before another shifts the numbers of those after it, and the old
seeds would call other methods):
    /usr/bin/python3 tests/fuzz/make-dbus-seeds.py
"""

import os
import struct
import xml.etree.ElementTree as ET

here = os.path.dirname(os.path.abspath(__file__))


def method_numbers():
    """init_method_specs: the methods of the Manager, Volume, Snapshot, Job
    and Backup interfaces in the XML's order, then the standard ones"""
    xml = ET.parse(os.path.join(here, "..", "..", "introspection", "org.openstack.Volume1.xml"))
    numbers = {}
    for short in ("Manager", "Volume", "Snapshot", "Job", "Backup"):
        interface = xml.getroot().find("interface[@name='org.openstack.Volume1.%s']" % short)
        for method in interface.findall("method"):
            numbers["%s.%s" % (short, method.get("name"))] = len(numbers)
    for name in ("GetAll", "Get", "Set", "Introspect", "GetManagedObjects"):
        numbers[name] = len(numbers)
    return numbers


METHODS = method_numbers()
CREATE_VOLUME, GET_VOLUME_STATS = METHODS["Manager.CreateVolume"], METHODS["Manager.GetVolumeStats"]
DELETE, EXTEND, UPDATE = METHODS["Volume.Delete"], METHODS["Volume.Extend"], METHODS["Volume.Update"]
MIGRATE, COPY_TO_IMAGE = METHODS["Volume.Migrate"], METHODS["Volume.CopyToImage"]
REVERT_TO_SNAPSHOT = METHODS["Volume.RevertToSnapshot"]
MANAGE_EXISTING, UNMANAGE = METHODS["Manager.ManageExisting"], METHODS["Volume.Unmanage"]
CREATE_SNAPSHOT, ATTACH, DETACH = METHODS["Volume.CreateSnapshot"], METHODS["Volume.Attach"], METHODS["Volume.Detach"]
INITIALIZE_CONNECTION = METHODS["Volume.InitializeConnection"]
TERMINATE_CONNECTION = METHODS["Volume.TerminateConnection"]
CHECK_FOR_EXPORT = METHODS["Volume.CheckForExport"]
SNAPSHOT_DELETE, SNAPSHOT_UPDATE = METHODS["Snapshot.Delete"], METHODS["Snapshot.Update"]
SNAPSHOT_COPY_TO_IMAGE = METHODS["Snapshot.CopyToImage"]
JOB_CANCEL = METHODS["Job.Cancel"]
VOLUME_BACKUP, SNAPSHOT_BACKUP = METHODS["Volume.Backup"], METHODS["Snapshot.Backup"]
IMPORT_BACKUPS = METHODS["Manager.ImportBackups"]
BACKUP_RESTORE, BACKUP_DELETE = METHODS["Backup.Restore"], METHODS["Backup.Delete"]
BACKUP_VERIFY = METHODS["Backup.Verify"]
PROPS_GET_ALL, PROPS_GET, PROPS_SET = METHODS["GetAll"], METHODS["Get"], METHODS["Set"]
INTROSPECT, GET_MANAGED_OBJECTS = METHODS["Introspect"], METHODS["GetManagedObjects"]

# make_variant_type's table
VTYPES = ["s", "o", "b", "t", "a{ss}", "s", "b", "u", "i", "x", "d", "y", "n", "q", "g", "h",
          "as", "ay", "a{sv}", "v", "(ss)", "a{s(ii)}", "ao", "aay", "a{ss}", "s"]
GIB = 1 << 30


def raw_bytes(data):
    if len(data) < 255:
        return bytes([len(data)]) + data
    extra = len(data) - 255
    return bytes([255, extra >> 8, extra & 0xff]) + data


def string(text):
    """make_string: raw bytes (choice 255)"""
    if isinstance(text, str):
        text = text.encode("utf-8")
    return bytes([255]) + raw_bytes(text)


def long_string(index, fill):
    """make_string: one of the long strings (lengths[index]), filled with
    fill[fill_index] of "a-/. \\n\\xff" """
    return bytes([96 + index, "a-/. \n\xff".index(fill)])


def size(value):
    """make_size: a raw u64 (choice 255)"""
    return bytes([255]) + struct.pack(">Q", value)


def boolean(value):
    return bytes([1 if value else 0])


def handle(value):
    """an h: a u32, big-endian as fuzz_reader_u32 reads it"""
    return struct.pack(">I", value)


def strings(*texts):
    """as: the count (make_value takes it modulo 6), then each string"""
    assert len(texts) < 6
    return bytes([len(texts)]) + b"".join(string(t) for t in texts)


def path_volume(index):
    """make_object_path: the index-th volume"""
    return bytes([0, index])


def path_snapshot(index):
    return bytes([2, index])


def path_hostile(text, volumes=True):
    """make_object_path: a path built from text"""
    return bytes([6 if not volumes else 14]) + string(text)


def variant(type_string, encoded):
    """a value of another type than the key's (type byte even)"""
    return bytes([0, VTYPES.index(type_string)]) + encoded


def own(encoded):
    """a value of the key's own type (type byte odd)"""
    return bytes([1]) + encoded


def options(*entries):
    """a{sv}: entries are (key, encoded value with its type byte)"""
    out = bytes([len(entries)])
    for key, value in entries:
        out += bytes([255]) + string(key)
        out += value
    return out


def call(method, path_choice, args, wait=True, interactive=False, mode=0):
    header = (1 if wait else 0) | (2 if interactive else 0)
    return bytes([header, method, path_choice, mode]) + args


def script(*calls):
    return bytes([len(calls) - 1]) + b"".join(calls)


def create(name="vol", extra=(), size_bytes=GIB):
    return call(CREATE_VOLUME, 0, size(size_bytes) + options(("name", own(string(name))), *extra))


def on_volume(method, args, index=0, **kw):
    return call(method, index, args, **kw)


CONNECTOR = options(("initiator", own(string("iqn.1993-08.org.debian:01:abc"))),
                    ("host", own(string("compute-1"))),
                    ("ip", own(string("192.0.2.10"))))
UUID = "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10"

seeds = {
    "create-plain": script(create()),
    "create-slash": script(create("../../etc/passwd")),
    "create-dashes": script(create("--help", extra=(("description", own(string("line\nbreak"))),))),
    "create-leading-dash": script(create("-rf /")),
    "create-space-newline": script(create("a b\nc")),
    "create-64k-name": script(call(CREATE_VOLUME, 0, size(GIB) + options(("name", own(long_string(4, "a")))))),
    "create-64k-description": script(call(CREATE_VOLUME, 0, size(GIB)
                                          + options(("description", own(long_string(4, "\n")))))),
    "create-multibyte-256": script(call(CREATE_VOLUME, 0, size(GIB) + options(("name", own(long_string(0, "\xff")))))),
    "create-metadata": script(create(extra=(("metadata", own(bytes([3])
                                                                + string("-k") + string("../v")
                                                                + string("a b") + string("--")
                                                                + string("") + string("x"))),))),
    "create-wrong-types": script(call(CREATE_VOLUME, 0, size(GIB)
                                      + options(("name", variant("b", boolean(True))),
                                                ("metadata", variant("a{sv}", bytes([0])))))),
    "create-unknown-option": script(call(CREATE_VOLUME, 0, size(GIB)
                                         + options(("../name", own(string("x"))),
                                                   ("auth.no_user_interaction", variant("b", boolean(True)))))),
    "create-zero": script(create(size_bytes=0)),
    "create-max": script(create(size_bytes=(1 << 64) - 1)),
    "create-int64-max": script(create(size_bytes=(1 << 63) - 1)),
    "create-zone": script(create(extra=(("availability-zone", own(string("../nova"))),))),
    "create-from-missing-snapshot": script(call(CREATE_VOLUME, 0, size(0)
                                                + options(("snapshot", own(path_hostile("..", False)))))),
    "create-source-and-snapshot": script(create(), call(CREATE_VOLUME, 0, size(0)
                                         + options(("source-volume", own(path_volume(0))),
                                                   ("snapshot", own(path_snapshot(0)))))),
    "clone": script(create(), call(CREATE_VOLUME, 0, size(0)
                                   + options(("source-volume", own(path_volume(0))),
                                             ("name", own(string("--clone")))))),
    "snapshot-and-restore": script(
        create(),
        on_volume(CREATE_SNAPSHOT, options(("name", own(string("-s /x"))), ("force", own(boolean(True))))),
        call(CREATE_VOLUME, 0, size(0) + options(("snapshot", own(path_snapshot(0))))),
        call(SNAPSHOT_DELETE, 0, options())),
    "backup-restore-delete": script(
        create(size_bytes=64 << 20),
        on_volume(VOLUME_BACKUP, options(("name", own(string("-b /x"))))),
        on_volume(VOLUME_BACKUP, options(("incremental", own(boolean(True))))),
        call(BACKUP_VERIFY, 0, options()),
        call(BACKUP_RESTORE, 1, options(("name", own(string("../restored"))))),
        call(BACKUP_RESTORE, 1, options(("volume", own(path_volume(0))))),
        call(BACKUP_DELETE, 0, options()),
        call(IMPORT_BACKUPS, 0, options())),
    "backup-snapshot-hostile": script(
        create(size_bytes=64 << 20),
        on_volume(CREATE_SNAPSHOT, options()),
        call(SNAPSHOT_BACKUP, 0, options(("description", own(string("line\nbreak"))),
                                         ("force", own(boolean(True))))),
        call(SNAPSHOT_BACKUP, 0, options(("name", own(string("\u202e-rf"))))),
        call(CREATE_VOLUME, 0, size(0) + options(("backup", own(path_hostile("..", False)))))),
    "attach-detach": script(
        create(),
        on_volume(ATTACH, string(UUID) + string("/dev/vdb") + options(("host", own(string("-host"))))),
        on_volume(DETACH, options())),
    "attach-hostile": script(
        create(),
        on_volume(ATTACH, string("../" + UUID) + string("/dev/../etc/shadow") + options()),
        on_volume(ATTACH, string(UUID) + string("/dev/-x") + options(("host", own(string("a b"))))),
        on_volume(ATTACH, string(UUID.upper()) + string("/dev/vd\nb") + options())),
    "connect": script(
        create(),
        on_volume(INITIALIZE_CONNECTION, CONNECTOR),
        on_volume(TERMINATE_CONNECTION, CONNECTOR),
        on_volume(DELETE, options())),
    "connect-hostile": script(
        create(),
        on_volume(INITIALIZE_CONNECTION, options(("host", own(string("--x"))))),
        on_volume(INITIALIZE_CONNECTION, options(("initiator", own(string("iqn.x y"))))),
        on_volume(INITIALIZE_CONNECTION, options(("ip", own(string("192.0.2.1; x"))))),
        on_volume(INITIALIZE_CONNECTION, options(("host", own(string("../../h")))))),
    "connect-nan": script(
        create(),
        on_volume(INITIALIZE_CONNECTION, options(("host", own(string("h"))),
                                                 ("x", variant("d", bytes([255]) + struct.pack(">d", float("nan")))))),
        on_volume(DELETE, options())),
    "connect-inf": script(
        create(),
        on_volume(INITIALIZE_CONNECTION, options(("host", own(string("h"))),
                                                 ("x", variant("d", bytes([255]) + struct.pack(">d", float("inf")))))),
        on_volume(TERMINATE_CONNECTION, options(("host", own(string("h")))))),
    "connect-nested": script(
        create(),
        on_volume(INITIALIZE_CONNECTION, options(("host", own(string("h"))),
                                                 ("v", variant("v", bytes([VTYPES.index("ay")]) + raw_bytes(b"\xff\x00\xfe"))),
                                                 ("g", variant("g", boolean(True))),
                                                 ("h", variant("h", b"\x00\x00\x00\x07"))))),
    # found by the fuzzer (doc/fuzzing.md): a subnormal double in a connector
    "crash-subnormal-connector": script(
        create(),
        on_volume(INITIALIZE_CONNECTION, options(("host", own(string("h"))),
                                                 ("x", variant("d", bytes([255]) + struct.pack(">Q", 0x7ff000))))),
        on_volume(TERMINATE_CONNECTION, options(("host", own(string("h")))))),
    "extend": script(create(), on_volume(EXTEND, size(2 * GIB) + options()),
                     on_volume(EXTEND, size(GIB) + options()),
                     on_volume(EXTEND, size((1 << 64) - 1) + options())),
    "check-export-stats": script(create(), on_volume(CHECK_FOR_EXPORT, b""),
                                 call(GET_VOLUME_STATS, 0, boolean(True))),
    "pipelined": script(
        create(),
        on_volume(ATTACH, string(UUID) + string("/dev/vdb") + options(), wait=False),
        on_volume(DETACH, options(), wait=False),
        on_volume(CREATE_SNAPSHOT, options(), wait=False),
        on_volume(DELETE, options(), wait=False),
        on_volume(EXTEND, size(4 * GIB) + options(), wait=False)),
    "properties": script(
        create(),
        call(PROPS_GET_ALL, 64, string("org.openstack.Volume1.Manager")),
        call(PROPS_GET, 70, string("org.openstack.Volume1.Volume") + string("Name")),
        call(PROPS_SET, 64, string("org.openstack.Volume1.Manager") + string("Host")
             + bytes([VTYPES.index("s")]) + string("--evil")),
        call(INTROSPECT, 200, path_hostile("..")),
        call(GET_MANAGED_OBJECTS, 0, b"")),
    "job-cancel": script(
        create(),
        call(CREATE_VOLUME, 0, size(0) + options(("source-volume", own(path_volume(0)))), wait=False),
        call(JOB_CANCEL, 1, options(), wait=False)),
    "missing-object": script(call(DELETE, 255, path_hostile(UUID) + options()),
                             call(SNAPSHOT_DELETE, 255, path_hostile("x") + options())),
    "raw-create": script(call(CREATE_VOLUME, 0, raw_bytes(struct.pack("<Q", GIB) + b"\x00" * 8), mode=210)),
    "raw-attach": script(create(), call(ATTACH, 0, raw_bytes(b"\x05\x00\x00\x00../x\x00/dev\x00"), mode=220)),
    "wrong-signature": script(call(CREATE_VOLUME, 0, string("x"), mode=240),
                              call(ATTACH, 0, boolean(True), mode=245)),
    "update": script(
        create(),
        on_volume(UPDATE, options(("name", own(string("--renamed"))),
                                  ("metadata-set", own(bytes([2]) + string("-k") + string("../v")
                                                       + string("a b") + string("\n"))),
                                  ("metadata-unset", own(strings("-k", "missing"))))),
        on_volume(UPDATE, options(("metadata", own(bytes([1]) + string("k") + string("v"))),
                                  ("metadata-set", own(bytes([1]) + string("k") + string("w"))))),
        on_volume(UPDATE, options(("description", own(long_string(4, "\n")))))),
    "update-snapshot": script(
        create(),
        on_volume(CREATE_SNAPSHOT, options(("name", own(string("s"))))),
        call(SNAPSHOT_UPDATE, 0, options(("name", own(string("../s"))), ("description", own(string("-x"))))),
        call(SNAPSHOT_UPDATE, 0, options(("metadata-set", own(bytes([1]) + string("k") + string("v")))))),
    "migrate": script(
        create(),
        on_volume(MIGRATE, string("../logging") + options()),
        on_volume(MIGRATE, string("logging") + options(("force", own(boolean(True))))),
        on_volume(MIGRATE, string("") + options())),
    "revert": script(
        create(),
        on_volume(CREATE_SNAPSHOT, options()),
        on_volume(CREATE_SNAPSHOT, options()),
        on_volume(REVERT_TO_SNAPSHOT, path_snapshot(0) + options()),
        on_volume(REVERT_TO_SNAPSHOT, path_snapshot(0) + options(("any", own(boolean(True))))),
        on_volume(REVERT_TO_SNAPSHOT, path_snapshot(1) + options(("any", own(string("yes"))))),
        on_volume(REVERT_TO_SNAPSHOT, path_hostile("..", False) + options())),
    "multiattach": script(
        create(extra=(("multiattach", own(boolean(True))),)),
        on_volume(ATTACH, string(UUID) + string("/dev/vdb") + options(("host", own(string("compute-a"))))),
        on_volume(ATTACH, string("9b1f7f1e-2a4d-4e57-8c55-3f0e6f7a1b22") + string("/dev/vdc")
                  + options(("host", own(string("compute-b"))), ("mode", own(string("ro"))))),
        on_volume(ATTACH, string("5d2c9a60-7e1b-4c3f-9d8a-2b6e4f1a0c33") + string("/dev/vdd")
                  + options(("mode", own(string("rx"))), ("connector", own(bytes([1]) + bytes([255])
                                                                             + string("host") + own(string("x")))))),
        on_volume(INITIALIZE_CONNECTION, options(("host", own(string("compute-b"))), ("ip", own(string("192.0.2.1"))))),
        on_volume(DETACH, options()),
        on_volume(DETACH, options(("attachment", own(path_hostile("attachments/x", False)))))),
    "manage": script(
        call(MANAGE_EXISTING, 0, string("legacy.img") + options(("name", own(string("old"))))),
        on_volume(UNMANAGE, options()),
        call(MANAGE_EXISTING, 0, string("volume-" + UUID) + options(("keep-name", own(boolean(True))))),
        call(MANAGE_EXISTING, 0, string("volume-" + UUID) + options()),
        call(MANAGE_EXISTING, 0, string("../etc/passwd") + options(("keep-name", own(string("yes"))))),
        call(MANAGE_EXISTING, 0, string("snapshot-" + UUID) + options(("backend", own(string("../x"))))),
        on_volume(CREATE_SNAPSHOT, options()),
        on_volume(UNMANAGE, options(("force", own(boolean(True)))))),
    "copy-to-image": script(
        create(),
        on_volume(COPY_TO_IMAGE, handle(0) + string("raw") + options(("compressed", own(boolean(True))))),
        on_volume(COPY_TO_IMAGE, handle(7) + string("../qcow2") + options()),
        on_volume(CREATE_SNAPSHOT, options()),
        call(SNAPSHOT_COPY_TO_IMAGE, 0, handle(0xffffffff) + string("qcow2") + options())),
    "create-image-fd": script(call(CREATE_VOLUME, 0, size(0)
                                   + options(("image-fd", own(handle(0))), ("image-format", own(string("-raw"))),
                                             ("backend", own(string("../x"))), ("type", own(string("--")))))),
    "interactive": script(call(CREATE_VOLUME, 0, size(GIB)
                               + options(("auth.no_user_interaction", own(boolean(True)))), interactive=True)),
}

out_dir = os.path.join(here, "corpus", "dbus")
os.makedirs(out_dir, exist_ok=True)
for name, data in sorted(seeds.items()):
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), out_dir))
