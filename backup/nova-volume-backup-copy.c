/* nova-volume: the bytes of a backup, in and out. One chunk's buffer at a
 * time: memory does not grow with the volume. */
#include "config.h"

#include "nova-volume-backup-copy.h"

/* a verify names this many problems at most; the counts say the rest */
#define MAX_PROBLEMS 20

gboolean
nova_volume_backup_store (NovaVolumeBackupDirectory *repository, GInputStream *in, NovaBackupManifest *manifest,
                          const NovaBackupManifest *parent, const GArray *changed, NovaBackupProgressFunc progress,
                          gpointer user_data, GCancellable *cancellable, GError **error)
{
  guint cursor = 0;
  NovaVolumeChunkStore *chunks = nova_volume_backup_directory_get_chunks (repository);
  guint64 n = nova_backup_manifest_n_chunks (manifest->size, manifest->chunk_size);
  g_autofree guint8 *buffer = g_malloc (manifest->chunk_size);
  guint64 done = 0;

  g_ptr_array_set_size (manifest->chunks, 0);
  manifest->stored_bytes = 0;
  for (guint64 i = 0; i < n; i++)
    {
      gsize len = nova_backup_manifest_chunk_len (manifest, i);
      gsize got = 0;
      char *id = NULL;
      guint64 stored = 0;

      /* unchanged since the parent: its chunk, unread */
      if (nova_backup_chunk_unchanged (changed, &cursor, i))
        {
          const char *before = parent != NULL && i < parent->chunks->len ? g_ptr_array_index (parent->chunks, i)
                                                                          : NULL;

          if (before != NULL && !nova_volume_chunk_store_has (chunks, before))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "chunk %" G_GUINT64_FORMAT " of the parent backup %s (%s) is missing; make a full backup",
                           i, parent != NULL ? parent->id : "", before);
              return FALSE;
            }
          if (!nova_backup_skip (in, len, cancellable, error))
            return FALSE;
          g_ptr_array_add (manifest->chunks, g_strdup (before));
          done += len;
          if (progress != NULL)
            progress (done, manifest->size, user_data);
          continue;
        }
      if (!g_input_stream_read_all (in, buffer, len, &got, cancellable, error))
        return FALSE;
      if (got < len)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       "the volume ended after %" G_GUINT64_FORMAT " bytes of %" G_GUINT64_FORMAT,
                       done + got, manifest->size);
          return FALSE;
        }
      if (!nova_volume_chunk_is_zero (buffer, len)
          && !nova_volume_chunk_store_put (chunks, buffer, len, &id, &stored, error))
        return FALSE;
      g_ptr_array_add (manifest->chunks, id);
      manifest->stored_bytes += stored;
      done += len;
      if (progress != NULL)
        progress (done, manifest->size, user_data);
    }
  return TRUE;
}

gboolean
nova_volume_backup_restore (NovaVolumeBackupDirectory *repository, const NovaBackupManifest *manifest,
                            GOutputStream *out, gboolean out_reads_zero, NovaBackupProgressFunc progress,
                            gpointer user_data, GCancellable *cancellable, GError **error)
{
  NovaVolumeChunkStore *chunks = nova_volume_backup_directory_get_chunks (repository);
  gboolean skip_zeros = out_reads_zero && G_IS_SEEKABLE (out) && g_seekable_can_seek (G_SEEKABLE (out));
  g_autofree guint8 *zeros = NULL;
  guint64 done = 0;

  for (guint i = 0; i < manifest->chunks->len; i++)
    {
      const char *id = g_ptr_array_index (manifest->chunks, i);
      gsize len = nova_backup_manifest_chunk_len (manifest, i);
      g_autoptr(GBytes) bytes = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (id == NULL && skip_zeros)
        {
          if (!g_seekable_seek (G_SEEKABLE (out), (goffset) len, G_SEEK_CUR, cancellable, error))
            return FALSE;
        }
      else if (id == NULL)
        {
          if (zeros == NULL)
            zeros = g_malloc0 (manifest->chunk_size);
          if (!g_output_stream_write_all (out, zeros, len, NULL, cancellable, error))
            return FALSE;
        }
      else
        {
          bytes = nova_volume_chunk_store_get (chunks, id, len, error);
          if (bytes == NULL)
            {
              g_prefix_error (error, "cannot restore chunk %u of backup %s: ", i, manifest->id);
              return FALSE;
            }
          if (!g_output_stream_write_all (out, g_bytes_get_data (bytes, NULL), len, NULL, cancellable, error))
            return FALSE;
        }
      done += len;
      if (progress != NULL)
        progress (done, manifest->size, user_data);
    }
  return g_output_stream_flush (out, cancellable, error);
}

gboolean
nova_volume_backup_verify (NovaVolumeBackupDirectory *repository, const NovaBackupManifest *manifest,
                           NovaBackupVerifyReport *report, NovaBackupProgressFunc progress, gpointer user_data,
                           GCancellable *cancellable, GError **error)
{
  NovaVolumeChunkStore *chunks = nova_volume_backup_directory_get_chunks (repository);
  guint64 done = 0;

  report->n_chunks = report->n_missing = report->n_damaged = 0;
  if (report->problems == NULL)
    report->problems = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < manifest->chunks->len; i++)
    {
      const char *id = g_ptr_array_index (manifest->chunks, i);
      gsize len = nova_backup_manifest_chunk_len (manifest, i);
      g_autoptr(GError) chunk_error = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      done += len;
      if (id == NULL)
        continue;
      report->n_chunks++;
      bytes = nova_volume_chunk_store_get (chunks, id, len, &chunk_error);
      if (bytes == NULL)
        {
          if (g_error_matches (chunk_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            report->n_missing++;
          else
            report->n_damaged++;
          if (report->problems->len < MAX_PROBLEMS)
            g_ptr_array_add (report->problems, g_strdup_printf ("chunk %u: %s", i, chunk_error->message));
        }
      if (progress != NULL)
        progress (done, manifest->size, user_data);
    }
  return TRUE;
}
