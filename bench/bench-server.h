/* nova-volume-bench: a bare GDBus server in a thread of the bench, on a
 * connection of its own to the daemon's bus, answering from that thread:
 * what serving a call costs the bus and the client alone. The floors of
 * a listing (bench-listing-floor.c) and of a create+delete pair
 * (bench-pair-floor.c) are made of it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _BenchServer BenchServer;

/* Connects to the bus at @bus_address; objects are registered next, then
 * the thread starts. */
BenchServer *bench_server_new   (const char *bus_address, GError **error);
/* Stops the thread, unregisters, closes the connection. */
void         bench_server_free  (BenchServer *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchServer, bench_server_free)

/* Serves @iface at @path with @vtable and @user_data, on the server's
 * thread once started. */
gboolean     bench_server_register (BenchServer *self, const char *path, GDBusInterfaceInfo *iface,
                                    const GDBusInterfaceVTable *vtable, gpointer user_data, GError **error);
void         bench_server_start (BenchServer *self);

/* its unique name, to call it by */
const char  *bench_server_get_name (BenchServer *self);

G_END_DECLS
