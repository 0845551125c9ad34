'''A fake nova-volumed for test-cli: a python-dbusmock template.

It owns org.openstack.Volume1 on the system bus with the Manager object,
and refuses the first "refusals" CreateVolume calls (parameter, default 1;
-1: all of them) with org.openstack.Volume1.Error.NotAuthorizedCanObtain,
as the real daemon does when polkit would let the caller in after
authenticating but the call did not allow interaction. Later calls create
a volume object. The calls are in the mock's call log (GetMethodCalls on
org.freedesktop.DBus.Mock).
'''

import dbus

BUS_NAME = 'org.openstack.Volume1'
MAIN_OBJ = '/org/openstack/Volume1'
MAIN_IFACE = 'org.freedesktop.DBus.ObjectManager'
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

MANAGER_PATH = MAIN_OBJ + '/Manager'
MANAGER_IFACE = 'org.openstack.Volume1.Manager'
VOLUME_IFACE = 'org.openstack.Volume1.Volume'
VOLUME_ID = '7e57c0de-0000-4000-8000-000000000001'

# runs as the Manager's CreateVolume: self is that object, args its
# arguments, objects every mock object by path
CREATE_VOLUME = '''
main = objects["%s"]
if main.refusals != 0:
    main.refusals -= 1
    raise dbus.exceptions.DBusException(
        "not authorized to call CreateVolume (org.openstack.volume1.manage-volumes): "
        "authentication is required", name="org.openstack.Volume1.Error.NotAuthorizedCanObtain")
path = "%s/volumes/" + "%s".replace("-", "_")
if path not in objects:
    main.AddObject(path, "%s", {"Id": "%s", "Name": "", "Size": dbus.UInt64(args[0])}, [])
ret = dbus.ObjectPath(path)
''' % (MAIN_OBJ, MAIN_OBJ, VOLUME_ID, VOLUME_IFACE, VOLUME_ID)


def load(mock, parameters):
    mock.refusals = int(parameters.get('refusals', 1))
    mock.AddObject(MANAGER_PATH, MANAGER_IFACE,
                   {'DriverName': 'fake', 'AvailabilityZone': 'nova', 'Version': '0', 'Host': 'fake'},
                   [('CreateVolume', 'ta{sv}', 'o', CREATE_VOLUME)])
