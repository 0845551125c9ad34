/* nova-volume: giving memory back after large replies. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* GLib before 2.76 keeps what its slice allocator freed for itself unless
 * G_SLICE=always-malloc was in the environment when the process started
 * (the allocator is set up before main). Without it, runs the program
 * again with it (exec: the same process, the same descriptors); returns
 * only when there is nothing to do or the exec failed. */
void  nova_volume_memory_use_malloc       (char **argv);
/* Keeps glibc from raising the sizes above which it maps a block on its
 * own and gives a heap's free top back (a threshold raised by one large
 * reply kept tens of MiB from every later trim), and to two arenas: one
 * for each thread kept more from each trim. */
void  nova_volume_memory_fix_thresholds   (void);

/* Watches @connection for GetManagedObjects calls and, a moment after a
 * burst of them, hands the free memory their replies were built in back
 * to the system (glibc keeps it otherwise: about 120 MiB after listing
 * 10,000 volumes). Returns the filter's id. */
guint nova_volume_memory_watch_listings   (GDBusConnection *connection);

G_END_DECLS
