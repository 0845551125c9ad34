/* nova-volume: the bytes of a backup, in and out. A backup reads a
 * volume (or snapshot) as a stream, chunk by chunk, and stores each chunk
 * that is not all zero; a restore writes the chunks back in order, and a
 * verify reads every chunk and checks it. Each runs on a worker thread
 * (a Job's), reports its progress after every chunk and stops when
 * cancelled. */
#pragma once

#include <gio/gio.h>

#include "nova-volume-backup-directory.h"
#include "nova-volume-backup-repository.h"

G_BEGIN_DECLS

/* Stores @manifest->size bytes read from @in in chunks of
 * @manifest->chunk_size, filling @manifest->chunks and ->stored_bytes.
 * Writes no manifest: the caller does, last. */
gboolean nova_volume_backup_store   (NovaVolumeBackupDirectory *repository,
                                     GInputStream               *in,
                                     NovaBackupManifest         *manifest,
                                     const NovaBackupManifest   *parent,
                                     const GArray               *changed,
                                     NovaBackupProgressFunc      progress,
                                     gpointer                    user_data,
                                     GCancellable               *cancellable,
                                     GError                    **error);

/* Writes the volume @manifest describes to @out. With @out_reads_zero
 * (a new volume that reads zeros where nothing was written) and a
 * seekable @out, all-zero chunks are skipped, else written. Every chunk
 * is checked before it is written: a missing or damaged one fails the
 * restore, naming it. */
gboolean nova_volume_backup_restore (NovaVolumeBackupDirectory *repository,
                                     const NovaBackupManifest   *manifest,
                                     GOutputStream              *out,
                                     gboolean                    out_reads_zero,
                                     NovaBackupProgressFunc      progress,
                                     gpointer                    user_data,
                                     GCancellable               *cancellable,
                                     GError                    **error);


/* Reads every chunk @manifest names back and checks it; FALSE only when
 * the reading itself could not go on (cancelled, the repository gone),
 * damage is in @report. */
gboolean nova_volume_backup_verify  (NovaVolumeBackupDirectory *repository,
                                     const NovaBackupManifest   *manifest,
                                     NovaBackupVerifyReport     *report,
                                     NovaBackupProgressFunc      progress,
                                     gpointer                    user_data,
                                     GCancellable               *cancellable,
                                     GError                    **error);

G_END_DECLS
