# The client library from Python through its typelib (GObject
# introspection): a volume's lifecycle against the daemon the caller
# started on the session bus. Prints TAP lines; test-client-gi.sh runs it.
import sys

import gi

gi.require_version('NovaVolume', '1')
from gi.repository import GLib, Gio, NovaVolume  # noqa: E402

MIB = 1 << 20
step = 0


def ok(passed, what, detail=''):
    global step
    step += 1
    print(('ok %d %s' if passed else 'not ok %d %s') % (step, what))
    if detail:
        print('# ' + detail)
    return passed


client = NovaVolume.Client.new_sync(Gio.BusType.SESSION, None)
manager = client.get_manager()
ok(manager.props.version != '', 'python: the Manager, version ' + manager.props.version)

options = GLib.Variant('a{sv}', {'name': GLib.Variant('s', 'from-python'),
                                 'metadata': GLib.Variant('a{ss}', {'lang': 'python'})})
path, _ = manager.call_create_volume_sync(2 * MIB, options, None, None)
ok(path.startswith('/org/openstack/Volume1/volumes/'), 'python: CreateVolume', path)

volume = client.lookup_volume('from-python')
ok(volume.get_object_path() == path, 'python: lookup by name')
ok(client.wait_for_status(volume, 'available', None), 'python: wait for available')
ok(volume.props.size == 2 * MIB and volume.props.metadata['lang'] == 'python', 'python: its properties')

volume.call_update_sync(GLib.Variant('a{sv}', {'name': GLib.Variant('s', 'renamed')}), None)
volume.call_extend_sync(4 * MIB, GLib.Variant('a{sv}', {}), None)
ok(client.wait_for_status(volume, 'available', None), 'python: Update and Extend')
same = client.lookup_volume('renamed')
ok(same.get_object_path() == path, 'python: found by its new name')

try:
    volume.call_extend_sync(MIB, GLib.Variant('a{sv}', {}), None)
    ok(False, 'python: shrinking is refused')
except GLib.Error as error:
    ok(error.matches(NovaVolume.error_quark(), NovaVolume.ErrorCode.INVALID_ARGUMENT),
       'python: shrinking is refused: NovaVolume.ErrorCode.INVALID_ARGUMENT', error.message)

try:
    client.lookup_volume('no-such-volume')
    ok(False, 'python: a missing volume is an error')
except GLib.Error as error:
    ok(error.matches(NovaVolume.error_quark(), NovaVolume.ErrorCode.NOT_FOUND) and 'no volume' in error.message,
       'python: a missing volume is NOT_FOUND', error.message)

volume.call_delete_sync(GLib.Variant('a{sv}', {}), None)
try:
    client.wait_for_status(volume, 'available', None)
    ok(False, 'python: a deleted volume goes away')
except GLib.Error as error:
    ok('went away' in error.message, 'python: a deleted volume goes away', error.message)

print('1..%d' % step)
sys.exit(0)
