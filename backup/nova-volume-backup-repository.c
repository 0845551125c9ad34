/* nova-volume: the backup repository interface's calls. */
#include "config.h"

#include "nova-volume-backup-repository.h"

G_DEFINE_INTERFACE (NovaVolumeBackupRepository, nova_volume_backup_repository, G_TYPE_OBJECT)

static void
nova_volume_backup_repository_default_init (NovaVolumeBackupRepositoryInterface *iface)
{
}

void
nova_backup_verify_report_clear (NovaBackupVerifyReport *report)
{
  g_clear_pointer (&report->problems, g_ptr_array_unref);
}

#define IFACE(self) NOVA_VOLUME_BACKUP_REPOSITORY_GET_IFACE (self)

const char *
nova_volume_backup_repository_get_kind (NovaVolumeBackupRepository *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_REPOSITORY (self), NULL);
  return IFACE (self)->get_kind (self);
}

gboolean
nova_volume_backup_repository_store (NovaVolumeBackupRepository *self, GInputStream *in, NovaBackupManifest *manifest,
                                     const NovaBackupManifest *parent, const GArray *changed,
                                     NovaBackupProgressFunc progress, gpointer user_data, GCancellable *cancellable,
                                     GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_REPOSITORY (self), FALSE);
  g_return_val_if_fail (changed == NULL || parent == NULL || parent->chunk_size == manifest->chunk_size, FALSE);
  return IFACE (self)->store (self, in, manifest, parent, changed, progress, user_data, cancellable, error);
}

gboolean
nova_backup_chunk_unchanged (const GArray *changed, guint *cursor, guint64 i)
{
  if (changed == NULL)
    return FALSE;
  while (*cursor < changed->len && g_array_index (changed, guint64, *cursor) < i)
    (*cursor)++;
  return *cursor >= changed->len || g_array_index (changed, guint64, *cursor) != i;
}

gboolean
nova_backup_skip (GInputStream *in, gsize len, GCancellable *cancellable, GError **error)
{
  while (len > 0)
    {
      gssize skipped = g_input_stream_skip (in, len, cancellable, error);

      if (skipped < 0)
        return FALSE;
      if (skipped == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "the volume ended early");
          return FALSE;
        }
      len -= (gsize) skipped;
    }
  return TRUE;
}

gboolean
nova_volume_backup_repository_put_manifest (NovaVolumeBackupRepository *self, const NovaBackupManifest *manifest,
                                            GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_REPOSITORY (self), FALSE);
  return IFACE (self)->put_manifest (self, manifest, error);
}

gboolean
nova_volume_backup_repository_restore (NovaVolumeBackupRepository *self, const NovaBackupManifest *manifest,
                                       GOutputStream *out, gboolean out_reads_zero, NovaBackupProgressFunc progress,
                                       gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_REPOSITORY (self), FALSE);
  return IFACE (self)->restore (self, manifest, out, out_reads_zero, progress, user_data, cancellable, error);
}

gboolean
nova_volume_backup_repository_verify (NovaVolumeBackupRepository *self, const NovaBackupManifest *manifest,
                                      NovaBackupVerifyReport *report, NovaBackupProgressFunc progress,
                                      gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_REPOSITORY (self), FALSE);
  return IFACE (self)->verify (self, manifest, report, progress, user_data, cancellable, error);
}

NovaBackupManifest *
nova_volume_backup_repository_get_manifest (NovaVolumeBackupRepository *self, const char *id, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_REPOSITORY (self), NULL);
  return IFACE (self)->get_manifest (self, id, error);
}

GPtrArray *
nova_volume_backup_repository_list_manifests (NovaVolumeBackupRepository *self, GPtrArray **out_skipped,
                                              GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_REPOSITORY (self), NULL);
  return IFACE (self)->list_manifests (self, out_skipped, error);
}

gboolean
nova_volume_backup_repository_remove (NovaVolumeBackupRepository *self, const char *id, GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_REPOSITORY (self), FALSE);
  return IFACE (self)->remove (self, id, error);
}

gboolean
nova_volume_backup_repository_collect (NovaVolumeBackupRepository *self, guint *out_removed, guint64 *out_freed,
                                       GError **error)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_REPOSITORY (self), FALSE);
  return IFACE (self)->collect (self, out_removed, out_freed, error);
}
