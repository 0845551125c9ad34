/* nova-volume: a backup repository on a file system (backup_driver =
 * posix): a directory, on a second disk or a mounted share, that outlives
 * the volumes' host. It holds
 *
 *   chunks/   the chunk store (nova-volume-chunk-store.h)
 *   backups/  <id>.json, one manifest per backup, written last
 *
 * A daemon that has never seen the repository lists its backups from the
 * manifests alone. */
#pragma once

#include <gio/gio.h>

#include "nova-volume-backup-manifest.h"
#include "nova-volume-backup-repository.h"
#include "nova-volume-chunk-store.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_BACKUP_DIRECTORY (nova_volume_backup_directory_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeBackupDirectory, nova_volume_backup_directory, NOVA_VOLUME, BACKUP_DIRECTORY,
                      GObject)

/* Opens (makes) the repository at @path. It must be the daemon's own,
 * writable by nobody else, as the state directory is: it holds every
 * volume's data. */
NovaVolumeBackupDirectory *nova_volume_backup_directory_open        (const char  *path,
                                                                       GError     **error);
const char                 *nova_volume_backup_directory_get_path    (NovaVolumeBackupDirectory *self);
NovaVolumeChunkStore       *nova_volume_backup_directory_get_chunks  (NovaVolumeBackupDirectory *self);

/* Writes @manifest as backups/<id>.json, whole or not at all: from then
 * on the backup exists. */
gboolean            nova_volume_backup_directory_put_manifest    (NovaVolumeBackupDirectory *self,
                                                                   const NovaBackupManifest   *manifest,
                                                                   GError                    **error);
/* Backup @id's manifest: G_IO_ERROR_NOT_FOUND when there is none,
 * G_IO_ERROR_INVALID_DATA when it cannot be read as one. */
NovaBackupManifest *nova_volume_backup_directory_get_manifest    (NovaVolumeBackupDirectory *self,
                                                                   const char                 *id,
                                                                   GError                    **error);
/* Every backup's manifest (NovaBackupManifest*); a file that is not a
 * manifest is skipped, and said in @out_skipped (may be NULL: char*,
 * "<file>: <why>"). */
GPtrArray          *nova_volume_backup_directory_list_manifests  (NovaVolumeBackupDirectory *self,
                                                                   GPtrArray                 **out_skipped,
                                                                   GError                    **error);
/* Removes backup @id's manifest (there or not): the backup is gone; its
 * chunks go at the next collection. */
gboolean            nova_volume_backup_directory_remove_manifest (NovaVolumeBackupDirectory *self,
                                                                   const char                 *id,
                                                                   GError                    **error);
/* Removes the chunks no manifest names that are older than @min_age_s
 * (a chunk a backup at work wrote or found again is younger: storing
 * touches a chunk that is there). Reports how many and their bytes. */
gboolean            nova_volume_backup_directory_collect         (NovaVolumeBackupDirectory *self,
                                                                   guint                       min_age_s,
                                                                   guint                      *out_removed,
                                                                   guint64                    *out_freed,
                                                                   GError                    **error);

G_END_DECLS
