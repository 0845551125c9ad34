/* nova-volume: the NovaVolumeDriver interface, its context, and the
 * wrappers that give optional methods their documented default. */
#include "config.h"

#include "nova-volume-driver.h"
#include "nova-volume-error.h"

G_DEFINE_INTERFACE (NovaVolumeDriver, nova_volume_driver, G_TYPE_OBJECT)

static void
nova_volume_driver_default_init (NovaVolumeDriverInterface *iface)
{
  /* see nova_volume_driver_export_lost() */
  g_signal_new ("export-lost", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

void
nova_volume_driver_export_lost (NovaVolumeDriver *self, const char *volume_id, const char *reason)
{
  g_return_if_fail (NOVA_VOLUME_IS_DRIVER (self));
  g_signal_emit_by_name (self, "export-lost", volume_id, reason);
}

NovaVolumeDriverContext *
nova_volume_driver_context_new (NovaVolumeConfig   *config,
                                NovaVolumeExecutor *executor,
                                NovaVolumeLedger   *ledger,
                                const char         *state_dir)
{
  NovaVolumeDriverContext *ctx = g_new0 (NovaVolumeDriverContext, 1);

  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (config), NULL);
  g_return_val_if_fail (NOVA_VOLUME_IS_EXECUTOR (executor), NULL);
  g_return_val_if_fail (state_dir != NULL, NULL);

  ctx->ref_count = 1;
  ctx->config = g_object_ref (config);
  ctx->executor = g_object_ref (executor);
  ctx->ledger = ledger != NULL ? g_object_ref (ledger) : NULL;
  ctx->driver = g_strdup (nova_volume_config_get_driver (config));
  ctx->backend = g_strdup (nova_volume_config_get_backend_name (config));
  ctx->state_dir = g_strdup (state_dir);
  return ctx;
}

NovaVolumeDriverContext *
nova_volume_driver_context_ref (NovaVolumeDriverContext *ctx)
{
  g_atomic_int_inc (&ctx->ref_count);
  return ctx;
}

void
nova_volume_driver_context_unref (NovaVolumeDriverContext *ctx)
{
  if (!g_atomic_int_dec_and_test (&ctx->ref_count))
    return;
  g_object_unref (ctx->config);
  g_object_unref (ctx->executor);
  g_clear_object (&ctx->ledger);
  g_free (ctx->driver);
  g_free (ctx->backend);
  g_free (ctx->state_dir);
  g_free (ctx);
}

#define IFACE(self) NOVA_VOLUME_DRIVER_GET_IFACE (self)

static gboolean
not_supported (NovaVolumeDriver *self, const char *what, GError **error)
{
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
               "the %s driver cannot %s", nova_volume_driver_get_name (self), what);
  return FALSE;
}

const char *
nova_volume_driver_get_name (NovaVolumeDriver *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_DRIVER (self), NULL);
  return IFACE (self)->get_name (self);
}

gboolean
nova_volume_driver_do_setup (NovaVolumeDriver *self, NovaVolumeDriverContext *ctx, GError **error)
{
  if (IFACE (self)->do_setup == NULL)
    return TRUE;
  return IFACE (self)->do_setup (self, ctx, error);
}

gboolean
nova_volume_driver_check_for_setup_error (NovaVolumeDriver *self, GError **error)
{
  if (IFACE (self)->check_for_setup_error == NULL)
    return TRUE;
  return IFACE (self)->check_for_setup_error (self, error);
}

gboolean
nova_volume_driver_create_volume (NovaVolumeDriver *self, NovaVolumeRecord *volume, GError **error)
{
  if (IFACE (self)->create_volume == NULL)
    return not_supported (self, "create volumes", error);
  return IFACE (self)->create_volume (self, volume, error);
}

gboolean
nova_volume_driver_create_volume_from_snapshot (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                                const NovaSnapshotRecord *snapshot,
                                                NovaVolumeProgressFunc progress, gpointer progress_data,
                                                GCancellable *cancellable, GError **error)
{
  if (IFACE (self)->create_volume_from_snapshot == NULL)
    return not_supported (self, "create volumes from snapshots", error);
  return IFACE (self)->create_volume_from_snapshot (self, volume, snapshot, progress, progress_data,
                                                    cancellable, error);
}

gboolean
nova_volume_driver_create_cloned_volume (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                         const NovaVolumeRecord *source,
                                         NovaVolumeProgressFunc progress, gpointer progress_data,
                                         GCancellable *cancellable, GError **error)
{
  if (IFACE (self)->create_cloned_volume == NULL)
    return not_supported (self, "clone volumes", error);
  return IFACE (self)->create_cloned_volume (self, volume, source, progress, progress_data,
                                             cancellable, error);
}

gboolean
nova_volume_driver_delete_volume (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  if (IFACE (self)->delete_volume == NULL)
    return not_supported (self, "delete volumes", error);
  return IFACE (self)->delete_volume (self, volume, error);
}

gboolean
nova_volume_driver_revert_to_snapshot (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                       const NovaSnapshotRecord *snapshot, gboolean latest, GError **error)
{
  if (IFACE (self)->revert_to_snapshot == NULL)
    return not_supported (self, "revert volumes to snapshots", error);
  return IFACE (self)->revert_to_snapshot (self, volume, snapshot, latest, error);
}

gboolean
nova_volume_driver_manage_existing (NovaVolumeDriver *self, NovaVolumeRecord *volume, const char *reference,
                                    GError **error)
{
  if (IFACE (self)->manage_existing == NULL)
    return not_supported (self, "take existing volumes under its control", error);
  return IFACE (self)->manage_existing (self, volume, reference, error);
}

gboolean
nova_volume_driver_extend_volume (NovaVolumeDriver *self, NovaVolumeRecord *volume, guint64 new_size,
                                  GError **error)
{
  if (IFACE (self)->extend_volume == NULL)
    return not_supported (self, "extend volumes", error);
  return IFACE (self)->extend_volume (self, volume, new_size, error);
}

gboolean
nova_volume_driver_create_snapshot (NovaVolumeDriver *self, NovaSnapshotRecord *snapshot,
                                    const NovaVolumeRecord *volume, GError **error)
{
  if (IFACE (self)->create_snapshot == NULL)
    return not_supported (self, "create snapshots", error);
  return IFACE (self)->create_snapshot (self, snapshot, volume, error);
}

gboolean
nova_volume_driver_delete_snapshot (NovaVolumeDriver *self, const NovaSnapshotRecord *snapshot,
                                    GError **error)
{
  if (IFACE (self)->delete_snapshot == NULL)
    return not_supported (self, "delete snapshots", error);
  return IFACE (self)->delete_snapshot (self, snapshot, error);
}

/* Exports are optional: a driver without them (rbd, sheepdog) has nothing
 * to export, as in the seed. */
gboolean
nova_volume_driver_create_export (NovaVolumeDriver *self, NovaVolumeRecord *volume, GError **error)
{
  if (IFACE (self)->create_export == NULL)
    return TRUE;
  return IFACE (self)->create_export (self, volume, error);
}

gboolean
nova_volume_driver_ensure_export (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  if (IFACE (self)->ensure_export == NULL)
    return TRUE;
  return IFACE (self)->ensure_export (self, volume, error);
}

gboolean
nova_volume_driver_remove_export (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  if (IFACE (self)->remove_export == NULL)
    return TRUE;
  return IFACE (self)->remove_export (self, volume, error);
}

gboolean
nova_volume_driver_check_for_export (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  if (IFACE (self)->check_for_export == NULL)
    return TRUE;
  return IFACE (self)->check_for_export (self, volume, error);
}

GVariant *
nova_volume_driver_initialize_connection (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                          GVariant *connector, GError **error)
{
  if (IFACE (self)->initialize_connection == NULL)
    {
      not_supported (self, "connect hosts", error);
      return NULL;
    }
  return IFACE (self)->initialize_connection (self, volume, connector, error);
}

gboolean
nova_volume_driver_terminate_connection (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                         GVariant *connector, GError **error)
{
  if (IFACE (self)->terminate_connection == NULL)
    return TRUE;
  return IFACE (self)->terminate_connection (self, volume, connector, error);
}

GVariant *
nova_volume_driver_get_volume_stats (NovaVolumeDriver *self, gboolean refresh, GError **error)
{
  if (IFACE (self)->get_volume_stats == NULL)
    {
      not_supported (self, "report volume stats", error);
      return NULL;
    }
  return IFACE (self)->get_volume_stats (self, refresh, error);
}

GInputStream *
nova_volume_driver_open_for_read (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  if (IFACE (self)->open_for_read == NULL)
    {
      not_supported (self, "read a volume's bytes for a copy (it cannot be migrated away)", error);
      return NULL;
    }
  return IFACE (self)->open_for_read (self, volume, error);
}

GInputStream *
nova_volume_driver_open_snapshot_for_read (NovaVolumeDriver *self, const NovaSnapshotRecord *snapshot, GError **error)
{
  if (IFACE (self)->open_snapshot_for_read == NULL)
    {
      not_supported (self, "read a snapshot's bytes (to copy it out into an image)", error);
      return NULL;
    }
  return IFACE (self)->open_snapshot_for_read (self, snapshot, error);
}

char *
nova_volume_driver_qemu_img_location (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                      const NovaSnapshotRecord *snapshot, gboolean *out_new_reads_zero)
{
  *out_new_reads_zero = FALSE;
  if (IFACE (self)->qemu_img_location == NULL)
    return NULL;
  return IFACE (self)->qemu_img_location (self, volume, snapshot, out_new_reads_zero);
}

GOutputStream *
nova_volume_driver_open_for_write (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  if (IFACE (self)->open_for_write == NULL)
    {
      not_supported (self, "write a volume's bytes for a copy (nothing can be migrated onto it)", error);
      return NULL;
    }
  return IFACE (self)->open_for_write (self, volume, error);
}

gboolean
nova_volume_driver_can_stream (NovaVolumeDriver *self, gboolean write)
{
  return write ? IFACE (self)->open_for_write != NULL : IFACE (self)->open_for_read != NULL;
}

gboolean
nova_volume_driver_can_mark (NovaVolumeDriver *self)
{
  return IFACE (self)->open_marked_for_read != NULL && IFACE (self)->changed_chunks != NULL
         && IFACE (self)->remove_mark != NULL;
}

GInputStream *
nova_volume_driver_open_marked_for_read (NovaVolumeDriver *self, const NovaVolumeRecord *volume, const char *mark,
                                         GError **error)
{
  if (!nova_volume_driver_can_mark (self))
    {
      not_supported (self, "keep a record of what changed between backups", error);
      return NULL;
    }
  return IFACE (self)->open_marked_for_read (self, volume, mark, error);
}

GArray *
nova_volume_driver_changed_chunks (NovaVolumeDriver *self, const NovaVolumeRecord *volume, const char *mark,
                                   const char *since, guint64 chunk_size, GError **error)
{
  if (!nova_volume_driver_can_mark (self))
    {
      not_supported (self, "keep a record of what changed between backups", error);
      return NULL;
    }
  return IFACE (self)->changed_chunks (self, volume, mark, since, chunk_size, error);
}

gboolean
nova_volume_driver_remove_mark (NovaVolumeDriver *self, const NovaVolumeRecord *volume, const char *mark,
                                GError **error)
{
  if (!nova_volume_driver_can_mark (self))
    return not_supported (self, "keep a record of what changed between backups", error);
  return IFACE (self)->remove_mark (self, volume, mark, error);
}

char *
nova_volume_driver_storage_location (NovaVolumeDriver *self, const NovaVolumeRecord *volume)
{
  if (IFACE (self)->storage_location == NULL)
    return NULL;
  return IFACE (self)->storage_location (self, volume);
}

GPtrArray *
nova_volume_driver_list_stored (NovaVolumeDriver *self, GError **error)
{
  if (IFACE (self)->list_stored == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                   "the %s driver cannot list what its backend holds", nova_volume_driver_get_name (self));
      return NULL;
    }
  return IFACE (self)->list_stored (self, error);
}

NovaVolumeStored *
nova_volume_stored_new (gboolean is_snapshot, const char *id, guint64 size, const char *volume_id)
{
  NovaVolumeStored *stored = g_new0 (NovaVolumeStored, 1);

  stored->is_snapshot = is_snapshot;
  stored->id = g_strdup (id);
  stored->size = size;
  stored->volume_id = g_strdup (volume_id);
  return stored;
}

void
nova_volume_stored_free (NovaVolumeStored *stored)
{
  if (stored == NULL)
    return;
  g_free (stored->id);
  g_free (stored->volume_id);
  g_free (stored);
}

GVariant *
nova_volume_connection_info_add (GVariant *info, const char *key, GVariant *value)
{
  g_auto(GVariantBuilder) data = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) old_data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  const char *type = NULL;
  GVariantIter iter;
  const char *old_key;
  GVariant *old_value;

  g_return_val_if_fail (old_data != NULL && g_variant_lookup (info, "driver_volume_type", "&s", &type), NULL);
  g_variant_iter_init (&iter, old_data);
  while (g_variant_iter_next (&iter, "{&sv}", &old_key, &old_value))
    {
      if (!g_str_equal (old_key, key))
        g_variant_builder_add (&data, "{sv}", old_key, old_value);
      g_variant_unref (old_value);
    }
  g_variant_builder_add (&data, "{sv}", key, value);
  return nova_volume_connection_info_new (type, g_variant_builder_end (&data));
}

GVariant *
nova_volume_connection_info_new (const char *type, GVariant *data)
{
  g_auto(GVariantBuilder) info = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  g_return_val_if_fail (g_variant_is_of_type (data, G_VARIANT_TYPE_VARDICT), NULL);
  g_variant_builder_add (&info, "{sv}", "driver_volume_type", g_variant_new_string (type));
  g_variant_builder_add (&info, "{sv}", "data", data);
  return g_variant_ref_sink (g_variant_builder_end (&info));
}
