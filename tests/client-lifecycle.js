// The client library from GJS through its typelib: a volume's lifecycle
// against the daemon the caller started on the session bus. Prints TAP
// lines; test-client-gi.sh runs it.
imports.gi.versions.NovaVolume = '1';
const {GLib, Gio, NovaVolume} = imports.gi;

const MIB = 1024 * 1024;
let step = 0;

function ok(passed, what, detail) {
    step++;
    print(`${passed ? 'ok' : 'not ok'} ${step} ${what}`);
    if (detail)
        print(`# ${detail}`);
}

const client = NovaVolume.Client.new_sync(Gio.BusType.SESSION, null);
const manager = client.get_manager();
ok(manager.version !== '', `gjs: the Manager, version ${manager.version}`);

const options = new GLib.Variant('a{sv}', {name: new GLib.Variant('s', 'from-gjs')});
const [created, path] = manager.call_create_volume_sync(MIB, options, null, null);
ok(created && path.startsWith('/org/openstack/Volume1/volumes/'), 'gjs: CreateVolume', path);

const volume = client.lookup_volume('from-gjs');
ok(volume.get_object_path() === path, 'gjs: lookup by name');
ok(client.wait_for_status(volume, 'available', null), 'gjs: wait for available');
ok(volume.size === MIB, 'gjs: its size');

try {
    client.lookup_volume('no-such-volume');
    ok(false, 'gjs: a missing volume is an error');
} catch (error) {
    ok(error.matches(NovaVolume.ErrorCode, NovaVolume.ErrorCode.NOT_FOUND), 'gjs: a missing volume is NOT_FOUND',
        error.message);
}

volume.call_delete_sync(new GLib.Variant('a{sv}', {}), null);
try {
    client.wait_for_status(volume, 'available', null);
    ok(false, 'gjs: a deleted volume goes away');
} catch (error) {
    ok(error.message.includes('went away'), 'gjs: a deleted volume goes away', error.message);
}
print(`1..${step}`);
