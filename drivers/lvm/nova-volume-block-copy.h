/* nova-volume: copying and clearing block devices (or files) for the LVM
 * drivers: a thick volume made from a snapshot or a clone is a copy, and a
 * deleted thick volume is cleared so its bytes never show up in the next
 * volume carved from the same extents. Both report progress and stop
 * when cancelled. */
#pragma once

#include <gio/gio.h>

#include "nova-volume-driver.h"

G_BEGIN_DECLS

/* Copies the first @size bytes of @src into @dst (both exist, @dst at
 * least @size long) and syncs @dst. */
gboolean nova_block_copy (const char *src, const char *dst, guint64 size,
                          NovaVolumeProgressFunc progress, gpointer progress_data,
                          GCancellable *cancellable, GError **error);

/* Writes zeros over the first @size bytes of @path and syncs it. */
gboolean nova_block_zero (const char *path, guint64 size,
                          NovaVolumeProgressFunc progress, gpointer progress_data,
                          GCancellable *cancellable, GError **error);

G_END_DECLS
