/* nova-volume: keeping each backend's figures current: a refresh of its
 * driver's stats every backend_stats_interval seconds, and one shortly
 * after a volume on it was created, grown or deleted. Each refresh is an
 * operation of its own (no volume held), so a shutdown waits for it and
 * the main loop never waits on a driver. */
#include "config.h"

#include "nova-volume-manager-private.h"

/* a burst of changes (a script creating ten volumes) makes one refresh */
#define REFRESH_AFTER_CHANGE_MS 500

static void refresh_thread (Op *op);
static void refresh_done (Op *op);

static void
refresh_start (Op *op)
{
  if (!manager_op_take_backend (op, op->backend_name, NULL))
    {
      g_hash_table_remove (op->self->refreshing, op->backend_name);
      return;
    }
  manager_op_mark_stats_read (op);
  manager_op_in_thread (op, refresh_thread, refresh_done);
}

static void
refresh_thread (Op *op)
{
  g_autoptr(GVariant) stats = nova_volume_driver_get_volume_stats (op->driver, TRUE, &op->error);

  if (stats != NULL)
    op->result = manager_stats_with_policy (op->backend, stats);
}

static void
refresh_done (Op *op)
{
  if (op->error != NULL)
    {
      g_warning ("backend '%s': cannot read its capacity: %s", op->backend_name, op->error->message);
      nova_volume_backend_set_refresh_error (op->backend, op->error->message);
    }
  else
    nova_volume_backend_set_stats_read (op->backend, op->result, op->stats_provisioned, op->stats_read_at);
  g_hash_table_remove (op->self->refreshing, op->backend_name);
  manager_op_return (op);
}

/* Starts a refresh of @backend, unless the manager is stopping or the
 * backend is down. */
static void
refresh_backend (NovaVolumeManager *self, NovaVolumeBackend *backend)
{
  Op *op;

  /* one at a time a backend: a refresh that hangs (a cluster gone) is not
   * joined by another every interval, and none lands after a newer one */
  if (self->stopping || !nova_volume_backend_is_up (backend)
      || !g_hash_table_add (self->refreshing, g_strdup (nova_volume_backend_get_name (backend))))
    return;
  op = manager_op_new (self, "refresh backend stats", RESULT_VARIANT, NULL, NULL);
  op->backend_name = g_strdup (nova_volume_backend_get_name (backend));
  manager_op_submit (op, refresh_start);
}

static gboolean
on_refresh_interval (gpointer user_data)
{
  NovaVolumeManager *self = user_data;

  for (guint i = 0; i < self->backends->len; i++)
    refresh_backend (self, g_ptr_array_index (self->backends, i));
  return G_SOURCE_CONTINUE;
}

typedef struct {
  NovaVolumeManager *self;
  NovaVolumeBackend *backend;
} PendingRefresh;

static gboolean
on_refresh_after_change (gpointer user_data)
{
  PendingRefresh *pending = user_data;

  g_hash_table_remove (pending->self->refresh_pending, pending->backend);
  refresh_backend (pending->self, pending->backend);
  return G_SOURCE_REMOVE;
}

static void
on_volumes_changed (NovaVolumeBackend *backend, NovaVolumeManager *self)
{
  PendingRefresh *pending;

  if (g_hash_table_contains (self->refresh_pending, backend))
    return;
  pending = g_new0 (PendingRefresh, 1);
  pending->self = self;
  pending->backend = backend;
  g_hash_table_insert (self->refresh_pending, backend,
                       GUINT_TO_POINTER (g_timeout_add_full (G_PRIORITY_DEFAULT, REFRESH_AFTER_CHANGE_MS,
                                                             on_refresh_after_change, pending, g_free)));
}

void
nova_volume_manager_watch_backends (NovaVolumeManager *self, guint interval_seconds)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->refresh_interval_id == 0);

  for (guint i = 0; i < self->backends->len; i++)
    {
      NovaVolumeBackend *backend = g_ptr_array_index (self->backends, i);

      g_signal_connect_object (backend, "volumes-changed", G_CALLBACK (on_volumes_changed), self, 0);
      refresh_backend (self, backend);
    }
  if (interval_seconds > 0)
    self->refresh_interval_id = g_timeout_add_seconds (interval_seconds, on_refresh_interval, self);
}

void
manager_unwatch_backends (NovaVolumeManager *self)
{
  GHashTableIter iter;
  gpointer source_id;

  g_clear_handle_id (&self->refresh_interval_id, g_source_remove);
  g_hash_table_iter_init (&iter, self->refresh_pending);
  while (g_hash_table_iter_next (&iter, NULL, &source_id))
    g_source_remove (GPOINTER_TO_UINT (source_id));
  g_hash_table_remove_all (self->refresh_pending);
}
