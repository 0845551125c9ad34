/* nova-volume: the file operations both parts of a file-system backup
 * repository need, beneath a directory descriptor they hold. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the prefix of a file written but not yet renamed */
#define NOVA_VOLUME_BACKUP_TEMPORARY_PREFIX ".tmp-"

/* Writes @len bytes of @data as @name beneath @dir_fd, whole or not at
 * all: under a temporary name made from @name, flushed, renamed, the
 * directory flushed; no link followed. 0, or the errno of what failed
 * (the temporary file is gone then). */
int        nova_volume_backup_write_file (int dir_fd, const char *name, const guint8 *data, gsize len);

/* The names beneath @dir_fd ("." and ".." left out); NULL with errno set
 * when it cannot be read. */
GPtrArray *nova_volume_backup_list_dir   (int dir_fd);

G_END_DECLS
