/* nova-volume: reads answered off the main loop. Properties.Get and
 * GetAll of every exported object are answered on the bus's own thread,
 * as GDBus answers Peer.Ping; GetManagedObjects on a thread of its own,
 * instead of by GDBus's object manager on the main loop, which held the
 * loop and the object manager's lock while it built and sent a listing.
 *
 * A reader sees what a client would see: the main thread changes the
 * exported objects (their properties, an export, an unexport) only
 * inside nova_volume_property_reads_change_*, and a read takes the value
 * and sends its reply inside the same lock, so a reply never carries a
 * value older than a signal sent before it. The objects answered for are
 * this module's own list, kept beside the object manager's. Anything
 * else (another interface, a property GDBus would refuse, an object not
 * in the list) goes on to GDBus as before. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _NovaVolumePropertyReads NovaVolumePropertyReads;

/* Answers on @connection for the skeletons it is given, and lists them
 * for a GetManagedObjects at @root. */
NovaVolumePropertyReads *nova_volume_property_reads_new  (GDBusConnection *connection, const char *root);
/* Stops answering (a read under way finishes first). */
void                     nova_volume_property_reads_free (NovaVolumePropertyReads *self);

/* Around every change of an exported object on the main thread. */
void nova_volume_property_reads_change_begin (NovaVolumePropertyReads *self);
void nova_volume_property_reads_change_end   (NovaVolumePropertyReads *self);
/* Inside a change: the skeleton exported at @path is answered for from
 * now on, or no longer. */
void nova_volume_property_reads_add    (NovaVolumePropertyReads *self, const char *path,
                                        GDBusInterfaceSkeleton *skeleton);
void nova_volume_property_reads_remove (NovaVolumePropertyReads *self, const char *path);
/* Inside a change: @skeleton's properties were set (a listing under way
 * reads it again). */
void nova_volume_property_reads_changed (NovaVolumePropertyReads *self, GDBusInterfaceSkeleton *skeleton);

/* reads answered so far (for the tests) */
guint64 nova_volume_property_reads_get_count (NovaVolumePropertyReads *self);

G_END_DECLS
