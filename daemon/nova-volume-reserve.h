/* nova-volume: space kept on the state directory's file system for the
 * operations that free space. When that file system fills up, SQLite
 * cannot append to its WAL, and without space kept aside a Delete, a
 * Snapshot.Delete or a TerminateConnection would fail too: the one thing
 * that frees space could not run, not even after a restart. The reserve
 * is a file of allocated blocks; such an operation whose commit fails for
 * want of space gives it up and commits again, and it is filled again
 * when there is room. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_RESERVE (nova_volume_reserve_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeReserve, nova_volume_reserve, NOVA_VOLUME, RESERVE, GObject)

/* What it keeps: room for SQLite's WAL to grow to its checkpoint size
 * (about 4 MiB) with its shared-memory index, twice over. */
#define NOVA_VOLUME_RESERVE_BYTES (8 * 1024 * 1024)

/* The file @name beneath @dir_fd (made if missing, never through a link;
 * a regular file of the daemon's uid), holding up to @bytes. @dir_path
 * is for messages. Does not fill it: see _fill. */
NovaVolumeReserve *nova_volume_reserve_new (int          dir_fd,
                                            const char  *dir_path,
                                            const char  *name,
                                            guint64      bytes,
                                            GError     **error);

/* Allocates what is missing; TRUE when it holds all of it. A full file
 * system leaves it as it was (it is tried again later). */
gboolean nova_volume_reserve_fill    (NovaVolumeReserve *self);
/* Gives its space back to the file system; TRUE when it held any. */
gboolean nova_volume_reserve_release (NovaVolumeReserve *self);
/* The bytes it holds now. */
guint64  nova_volume_reserve_get_held (NovaVolumeReserve *self);

G_END_DECLS
