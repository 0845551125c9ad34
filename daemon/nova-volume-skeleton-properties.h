/* nova-volume: a gdbus-codegen skeleton's properties, as
 * g_dbus_interface_skeleton_get_properties gives them, and the entry
 * GetManagedObjects lists for its object, each written straight into one
 * buffer in GVariant's serialised form: a listing of 10,000 volumes reads
 * 200,000 values, and a tree of GVariants cost eight allocations each.
 *
 * Each skeleton class's table (property ids, value types) is made once;
 * the values are read through the class's get_property, which takes the
 * skeleton's own lock. Safe on any thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* a new (not floating) a{sv}, a GetAll's answer; a skeleton not made by
 * gdbus-codegen gets g_dbus_interface_skeleton_get_properties' */
GVariant *nova_volume_skeleton_properties    (GDBusInterfaceSkeleton *skeleton);
/* a new {oa{sa{sv}}}: @path with @skeleton's interface and properties */
GVariant *nova_volume_skeleton_listing_entry (const char *path, GDBusInterfaceSkeleton *skeleton);

G_END_DECLS
