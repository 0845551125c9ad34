'''A polkit authority for the service tests (a python3-dbusmock template).

Unlike dbusmock's own polkitd template it can answer "challenge" (polkit
would let the caller in after authenticating), and it records every
CheckAuthorization so a test can check which action was asked for, about
which subject, with which flags.

Results per action id, set with SetResult(action_id, result):
  "yes"        authorized
  "no"         not authorized (the default for every action)
  "challenge"  authorized if the caller allowed user interaction (flag 1),
               otherwise not authorized with is_challenge set
'''

import dbus

from dbusmock import MOCK_IFACE

BUS_NAME = 'org.freedesktop.PolicyKit1'
MAIN_OBJ = '/org/freedesktop/PolicyKit1/Authority'
MAIN_IFACE = 'org.freedesktop.PolicyKit1.Authority'
SYSTEM_BUS = True

ALLOW_USER_INTERACTION = 1


def load(mock, _parameters):
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary({
        'BackendName': 'nova-volume-test',
        'BackendVersion': '0',
        'BackendFeatures': dbus.UInt32(1, variant_level=1),
    }, signature='sv'))
    mock.results = {}
    mock.checks = []


@dbus.service.method(MAIN_IFACE, in_signature='(sa{sv})sa{ss}us', out_signature='(bba{ss})')
def CheckAuthorization(self, subject, action_id, details, flags, _cancellation_id):
    kind, subject_details = subject
    name = str(subject_details.get('name', ''))
    self.checks.append((str(kind), name, str(action_id), dbus.UInt32(flags),
                        dbus.Dictionary(details, signature='ss')))
    result = self.results.get(str(action_id), 'no')
    if result == 'yes':
        return (True, False, dbus.Dictionary({}, signature='ss'))
    if result == 'challenge':
        if flags & ALLOW_USER_INTERACTION:
            return (True, False, dbus.Dictionary({}, signature='ss'))
        return (False, True, dbus.Dictionary({}, signature='ss'))
    return (False, False, dbus.Dictionary({}, signature='ss'))


@dbus.service.method(MAIN_IFACE, in_signature='(sa{sv})ss')
def RegisterAuthenticationAgent(_self, _subject, _locale, _object_path):
    pass


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='')
def SetResult(self, action_id, result):
    '''Sets the answer for one action id: yes, no or challenge.'''
    if result not in ('yes', 'no', 'challenge'):
        raise dbus.exceptions.DBusException('result must be yes, no or challenge',
                                            name='org.freedesktop.DBus.Error.InvalidArgs')
    self.results[str(action_id)] = str(result)


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='a(sssua{ss})')
def TakeChecks(self):
    '''Returns the checks asked for so far (subject kind, subject name,
    action id, flags, details) and forgets them.'''
    checks = self.checks
    self.checks = []
    return dbus.Array(checks, signature='(sssua{ss})')
