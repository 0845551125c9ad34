/* nova-volume: the volume manager's reading operations, which change
 * nothing: CheckForExport and GetVolumeStats. */
#include "config.h"

#include "nova-volume-manager-private.h"

/* ---- reading --------------------------------------------------------- */

static void check_for_export_thread (Op *op);

static void
check_for_export_start (Op *op)
{
  if (!manager_op_take_volume (op))
    return;
  manager_op_in_thread (op, check_for_export_thread, manager_op_return);
}

static void
check_for_export_thread (Op *op)
{
  if (!nova_volume_driver_check_for_export (op->driver, op->volume, &op->error))
    g_prefix_error (&op->error, "volume %s is not exported: ", op->volume_id);
}

void
nova_volume_manager_check_for_export (NovaVolumeManager *self, const char *volume_id,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "check the export", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op->volume_shared = TRUE;
  manager_op_submit (op, check_for_export_start);
}

static void stats_thread (Op *op);
static void stats_done (Op *op);

/* The Manager's stats are its default backend's (the first that is up);
 * each backend has its own on its Backend object. */
static void
stats_start (Op *op)
{
  NovaVolumeBackend *backend = nova_volume_manager_get_default_backend (op->self);

  if (!manager_op_take_backend (op, nova_volume_backend_get_name (backend), NULL))
    return;
  if (!op->refresh && op->self->last_stats != NULL)
    {
      stats_done (op);
      return;
    }
  manager_op_mark_stats_read (op);
  manager_op_in_thread (op, stats_thread, stats_done);
}

static void
stats_thread (Op *op)
{
  g_autoptr(GVariant) stats = nova_volume_driver_get_volume_stats (op->driver, TRUE, &op->error);

  if (stats != NULL)
    op->result = manager_stats_with_policy (op->backend, stats);
}

static void
stats_done (Op *op)
{
  NovaVolumeManager *self = op->self;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  if (op->result != NULL)
    {
      g_clear_pointer (&self->last_stats, g_variant_unref);
      self->last_stats = g_steal_pointer (&op->result);
      nova_volume_backend_set_stats_read (op->backend, self->last_stats, op->stats_provisioned, op->stats_read_at);
    }
  /* the driver's figures, plus what only the manager knows */
  g_variant_iter_init (&iter, self->last_stats);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (!g_str_equal (key, "volume_count") && !g_str_equal (key, "snapshot_count"))
        g_variant_builder_add (&builder, "{sv}", key, value);
      g_variant_unref (value);
    }
  /* the counts of the same backend as the figures */
  g_variant_builder_add (&builder, "{sv}", "volume_count",
                         g_variant_new_uint32 (nova_volume_backend_get_n_volumes (op->backend)));
  g_variant_builder_add (&builder, "{sv}", "snapshot_count",
                         g_variant_new_uint32 (nova_volume_backend_get_n_snapshots (op->backend)));
  op->result = g_variant_ref_sink (g_variant_builder_end (&builder));
  manager_op_return (op);
}

void
nova_volume_manager_get_volume_stats (NovaVolumeManager *self, gboolean refresh,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "read volume stats", RESULT_VARIANT, callback, user_data);

  op->refresh = refresh;
  manager_op_submit (op, stats_start);
}

GVariant *
nova_volume_manager_get_volume_stats_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
