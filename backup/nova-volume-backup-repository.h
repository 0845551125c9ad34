/* nova-volume: a backup repository, whatever keeps the bytes
 * (backup_driver): a directory (posix, nova-volume-backup-directory.h)
 * or a Ceph pool. A backup is its data and its manifest
 * (nova-volume-backup-manifest.h), written last: a backup cut short has
 * data no manifest names, which collect removes. The daemon's backups
 * call nothing else; every call but get_kind may block (worker threads,
 * or init_host). */
#pragma once

#include <gio/gio.h>

#include "nova-volume-backup-manifest.h"

G_BEGIN_DECLS

/* @done of @total bytes */
typedef void (*NovaBackupProgressFunc) (guint64 done, guint64 total, gpointer user_data);

/* Chunk @i is unchanged since the parent by @changed (see store), read
 * in ascending order of @i with *@cursor starting at 0. */
gboolean nova_backup_chunk_unchanged (const GArray *changed, guint *cursor, guint64 i);

/* Moves @in on by @len bytes without keeping them. */
gboolean nova_backup_skip (GInputStream *in, gsize len, GCancellable *cancellable, GError **error);

/* What a verify found. */
typedef struct {
  guint      n_chunks;    /* stored chunks read */
  guint      n_missing;
  guint      n_damaged;
  GPtrArray *problems;    /* char*: "chunk N (<id>): <why>", the first ones */
} NovaBackupVerifyReport;

void nova_backup_verify_report_clear (NovaBackupVerifyReport *report);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (NovaBackupVerifyReport, nova_backup_verify_report_clear)

#define NOVA_VOLUME_TYPE_BACKUP_REPOSITORY (nova_volume_backup_repository_get_type ())
G_DECLARE_INTERFACE (NovaVolumeBackupRepository, nova_volume_backup_repository, NOVA_VOLUME, BACKUP_REPOSITORY,
                     GObject)

struct _NovaVolumeBackupRepositoryInterface {
  GTypeInterface parent_iface;

  /* "posix", "ceph": its backup_driver */
  const char         *(*get_kind)       (NovaVolumeBackupRepository *self);
  /* Stores @manifest->size bytes read from @in in chunks of
   * @manifest->chunk_size, filling @manifest->chunks (each chunk's
   * SHA-256, NULL for one of zeros) and ->stored_bytes (what it added).
   * @parent: the manifest of the backup it is incremental to, or NULL.
   * @changed: the indexes (guint64, ascending) of the only chunks that
   * may differ from the parent's (of the same chunk size), or without a
   * parent the only ones that may hold data: the others are skipped in
   * @in unread and taken from the parent, or are zeros; NULL: every
   * chunk is read.
   * Writes no manifest: put_manifest does, last. */
  gboolean            (*store)          (NovaVolumeBackupRepository *self, GInputStream *in,
                                         NovaBackupManifest *manifest, const NovaBackupManifest *parent,
                                         const GArray *changed, NovaBackupProgressFunc progress, gpointer user_data,
                                         GCancellable *cancellable, GError **error);
  /* The backup is whole from here on. */
  gboolean            (*put_manifest)   (NovaVolumeBackupRepository *self, const NovaBackupManifest *manifest,
                                         GError **error);
  /* Writes the volume @manifest describes to @out. With @out_reads_zero
   * (a new volume that reads zeros where nothing was written) and a
   * seekable @out, chunks of zeros are skipped. Every chunk is checked
   * against its SHA-256 before it is written: a missing or damaged one
   * fails the restore, naming the backup and the chunk. */
  gboolean            (*restore)        (NovaVolumeBackupRepository *self, const NovaBackupManifest *manifest,
                                         GOutputStream *out, gboolean out_reads_zero,
                                         NovaBackupProgressFunc progress, gpointer user_data,
                                         GCancellable *cancellable, GError **error);
  /* Reads every chunk back and checks it; FALSE only when it could not
   * look (cancelled, the repository gone), the findings in @report. */
  gboolean            (*verify)         (NovaVolumeBackupRepository *self, const NovaBackupManifest *manifest,
                                         NovaBackupVerifyReport *report, NovaBackupProgressFunc progress,
                                         gpointer user_data, GCancellable *cancellable, GError **error);
  /* Backup @id's manifest: G_IO_ERROR_NOT_FOUND when there is none,
   * G_IO_ERROR_INVALID_DATA when it is not one. */
  NovaBackupManifest *(*get_manifest)   (NovaVolumeBackupRepository *self, const char *id, GError **error);
  /* Every backup's manifest; each thing that is not one is a line
   * "<name>: <why>" in *@out_skipped. */
  GPtrArray          *(*list_manifests) (NovaVolumeBackupRepository *self, GPtrArray **out_skipped,
                                         GError **error);
  /* Backup @id is gone (there or not): its manifest, and its data where
   * no other backup uses it (collect frees what is shared no more). */
  gboolean            (*remove)         (NovaVolumeBackupRepository *self, const char *id, GError **error);
  /* Removes data no manifest names (backups cut short). Only while no
   * backup is being stored into this repository. */
  gboolean            (*collect)        (NovaVolumeBackupRepository *self, guint *out_removed,
                                         guint64 *out_freed, GError **error);
};

const char         *nova_volume_backup_repository_get_kind       (NovaVolumeBackupRepository *self);
gboolean            nova_volume_backup_repository_store          (NovaVolumeBackupRepository *self, GInputStream *in,
                                                                  NovaBackupManifest *manifest,
                                                                  const NovaBackupManifest *parent,
                                                                  const GArray *changed,
                                                                  NovaBackupProgressFunc progress, gpointer user_data,
                                                                  GCancellable *cancellable, GError **error);
gboolean            nova_volume_backup_repository_put_manifest   (NovaVolumeBackupRepository *self,
                                                                  const NovaBackupManifest *manifest, GError **error);
gboolean            nova_volume_backup_repository_restore        (NovaVolumeBackupRepository *self,
                                                                  const NovaBackupManifest *manifest, GOutputStream *out,
                                                                  gboolean out_reads_zero, NovaBackupProgressFunc progress,
                                                                  gpointer user_data, GCancellable *cancellable,
                                                                  GError **error);
gboolean            nova_volume_backup_repository_verify         (NovaVolumeBackupRepository *self,
                                                                  const NovaBackupManifest *manifest,
                                                                  NovaBackupVerifyReport *report,
                                                                  NovaBackupProgressFunc progress, gpointer user_data,
                                                                  GCancellable *cancellable, GError **error);
NovaBackupManifest *nova_volume_backup_repository_get_manifest   (NovaVolumeBackupRepository *self, const char *id,
                                                                  GError **error);
GPtrArray          *nova_volume_backup_repository_list_manifests (NovaVolumeBackupRepository *self,
                                                                  GPtrArray **out_skipped, GError **error);
gboolean            nova_volume_backup_repository_remove         (NovaVolumeBackupRepository *self, const char *id,
                                                                  GError **error);
gboolean            nova_volume_backup_repository_collect        (NovaVolumeBackupRepository *self, guint *out_removed,
                                                                  guint64 *out_freed, GError **error);

G_END_DECLS
