/* nova-volume-bench: the floor of a listing. A bare GDBus server in a
 * thread of the bench, on the daemon's bus, that answers
 * GetManagedObjects with a reply built beforehand (the daemon's own,
 * byte for byte) and Properties.Get of one string property, both from
 * its thread: what serving that reply costs the bus and the client
 * alone. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _BenchListingFloor BenchListingFloor;

/* Serves @reply ("(a{oa{sa{sv}}})") on a connection of its own to the bus
 * at @bus_address. */
BenchListingFloor *bench_listing_floor_new  (const char *bus_address, GVariant *reply, GError **error);
void               bench_listing_floor_free (BenchListingFloor *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchListingFloor, bench_listing_floor_free)

/* its unique name, to call it by */
const char *bench_listing_floor_get_name (BenchListingFloor *self);

/* the object path that has the string property */
#define BENCH_FLOOR_PATH  "/org/openstack/Volume1/floor"
#define BENCH_FLOOR_IFACE "org.openstack.Volume1.Volume"

G_END_DECLS
