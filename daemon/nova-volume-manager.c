/* nova-volume: the volume manager, the GObject: its signals, its
 * construction from the store and the backends, and what it hands out.
 * The operations and their framework are in the other
 * nova-volume-manager-*.c files (see nova-volume-manager-ops.c). */
#include "config.h"

#include "nova-volume-manager-private.h"
#include "nova-volume-store-writer.h"

G_DEFINE_TYPE (NovaVolumeManager, nova_volume_manager, G_TYPE_OBJECT)

static void
nova_volume_manager_finalize (GObject *object)
{
  NovaVolumeManager *self = NOVA_VOLUME_MANAGER (object);

  g_warn_if_fail (self->n_operations == 0);
  g_clear_object (&self->config);
  /* no operation runs, so nothing waits for a write still queued */
  g_clear_pointer (&self->writer, nova_volume_store_writer_free);
  /* not waiting: a thread stuck in the kernel must not hold the exit */
  if (self->op_pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->op_pool), TRUE, FALSE);
  g_clear_object (&self->store);
  g_clear_object (&self->reserve);
  manager_unwatch_backends (self);
  g_clear_pointer (&self->refresh_pending, g_hash_table_unref);
  g_clear_pointer (&self->refreshing, g_hash_table_unref);
  g_clear_pointer (&self->backends, g_ptr_array_unref);
  g_clear_pointer (&self->queue, nova_volume_op_queue_free);
  g_clear_pointer (&self->volumes, g_hash_table_unref);
  g_clear_pointer (&self->snapshots, g_hash_table_unref);
  g_clear_pointer (&self->snapshots_of, g_hash_table_unref);
  g_clear_pointer (&self->released, g_hash_table_unref);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->connections_unreadable, g_hash_table_unref);
  g_clear_pointer (&self->last_stats, g_variant_unref);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  g_clear_object (&self->image_executor);
  g_clear_pointer (&self->backups, g_hash_table_unref);
  g_clear_object (&self->repository);
  g_free (self->repository_problem);
  G_OBJECT_CLASS (nova_volume_manager_parent_class)->finalize (object);
}

static void
nova_volume_manager_class_init (NovaVolumeManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = nova_volume_manager_finalize;

  /* each fires after the change is committed to the store */
  manager_signals[MANAGER_SIGNAL_VOLUME_CHANGED] =
    g_signal_new ("volume-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  manager_signals[MANAGER_SIGNAL_VOLUME_REMOVED] =
    g_signal_new ("volume-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  manager_signals[MANAGER_SIGNAL_SNAPSHOT_CHANGED] =
    g_signal_new ("snapshot-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  manager_signals[MANAGER_SIGNAL_SNAPSHOT_REMOVED] =
    g_signal_new ("snapshot-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* the last running operation ended (for a clean shutdown) */
  manager_signals[MANAGER_SIGNAL_IDLE] =
    g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  manager_signals[MANAGER_SIGNAL_JOB_ADDED] =
    g_signal_new ("job-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, NOVA_VOLUME_TYPE_JOB);
  manager_signals[MANAGER_SIGNAL_JOB_REMOVED] =
    g_signal_new ("job-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, NOVA_VOLUME_TYPE_JOB);
  manager_signals[MANAGER_SIGNAL_BACKUP_CHANGED] =
    g_signal_new ("backup-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  manager_signals[MANAGER_SIGNAL_BACKUP_REMOVED] =
    g_signal_new ("backup-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
nova_volume_manager_init (NovaVolumeManager *self)
{
  self->queue = nova_volume_op_queue_new ();
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  /* a conversion is never retried: one attempt, cancelled with its Job */
  self->image_executor = nova_volume_executor_new (1);
  self->refresh_pending = g_hash_table_new (NULL, NULL);
  self->refreshing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->volumes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) nova_volume_record_free);
  self->snapshots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) nova_snapshot_record_free);
  self->snapshots_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) g_hash_table_unref);
  self->backups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) nova_backup_record_free);
  self->repository_problem = g_strdup ("no backup repository is configured");
}

NovaVolumeManager *
nova_volume_manager_new_with_backends (NovaVolumeConfig *config, NovaVolumeStore *store, GPtrArray *backends,
                                       GError **error)
{
  g_autoptr(NovaVolumeManager) self = g_object_new (NOVA_VOLUME_TYPE_MANAGER, NULL);
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GPtrArray) snapshots = NULL;
  g_autoptr(GPtrArray) backups = NULL;

  g_return_val_if_fail (backends != NULL && backends->len > 0, NULL);

  self->config = g_object_ref (config);
  self->store = g_object_ref (store);
  self->writer = nova_volume_store_writer_new (store);
  self->op_pool = manager_op_pool_new ();
  self->backends = g_ptr_array_ref (backends);

  volumes = nova_volume_store_list_volumes (store, error);
  if (volumes == NULL)
    return NULL;
  snapshots = nova_volume_store_list_snapshots (store, error);
  if (snapshots == NULL)
    return NULL;
  backups = nova_volume_store_list_backups (store, error);
  if (backups == NULL)
    return NULL;
  for (guint i = 0; i < backups->len; i++)
    {
      NovaBackupRecord *backup = g_ptr_array_index (backups, i);
      g_hash_table_replace (self->backups, g_strdup (backup->id), nova_backup_record_copy (backup));
    }
  self->released = nova_volume_store_list_released (store, error);
  if (self->released == NULL)
    return NULL;
  for (guint i = 0; i < volumes->len; i++)
    {
      NovaVolumeRecord *volume = g_ptr_array_index (volumes, i);
      g_hash_table_replace (self->volumes, g_strdup (volume->id), nova_volume_record_copy (volume));
    }
  for (guint i = 0; i < snapshots->len; i++)
    manager_keep_snapshot (self, g_ptr_array_index (snapshots, i));
  if (!manager_load_connections (self, error))
    return NULL;
  for (guint i = 0; i < backends->len; i++)
    {
      NovaVolumeDriver *driver = nova_volume_backend_get_driver (g_ptr_array_index (backends, i));

      if (driver != NULL)
        g_signal_connect_object (driver, "export-lost", G_CALLBACK (manager_on_export_lost), self, 0);
    }
  manager_count_on_backends (self);
  return g_steal_pointer (&self);
}

NovaVolumeManager *
nova_volume_manager_new (NovaVolumeConfig *config, NovaVolumeStore *store, NovaVolumeDriver *driver,
                         GError **error)
{
  g_autoptr(GPtrArray) backends = g_ptr_array_new_with_free_func (g_object_unref);

  g_ptr_array_add (backends, nova_volume_backend_new_up (config, driver));
  return nova_volume_manager_new_with_backends (config, store, backends, error);
}

NovaVolumeConfig *
nova_volume_manager_get_config (NovaVolumeManager *self)
{
  return self->config;
}

NovaVolumeBackend *
nova_volume_manager_get_default_backend (NovaVolumeManager *self)
{
  for (guint i = 0; i < self->backends->len; i++)
    if (nova_volume_backend_is_up (g_ptr_array_index (self->backends, i)))
      return g_ptr_array_index (self->backends, i);
  return g_ptr_array_index (self->backends, 0);
}

NovaVolumeDriver *
nova_volume_manager_get_driver (NovaVolumeManager *self)
{
  return nova_volume_backend_get_driver (nova_volume_manager_get_default_backend (self));
}

GPtrArray *
nova_volume_manager_get_backends (NovaVolumeManager *self)
{
  return self->backends;
}

/* What the manager's own records give each backend, shown at once after
 * every change (the driver's figures follow at its refresh). */
void
manager_count_on_backends (NovaVolumeManager *self)
{
  g_autofree guint64 *bytes = g_new0 (guint64, self->backends->len);
  g_autofree guint *n_volumes = g_new0 (guint, self->backends->len);
  g_autofree guint *n_snapshots = g_new0 (guint, self->backends->len);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->volumes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const NovaVolumeRecord *volume = value;
      GHashTable *ids = manager_snapshot_ids_of (self, volume->id);
      guint i;

      for (i = 0; i < self->backends->len; i++)
        if (g_strcmp0 (volume->backend, nova_volume_backend_get_name (g_ptr_array_index (self->backends, i))) == 0)
          break;
      if (i == self->backends->len)
        continue;
      bytes[i] += volume->size;
      n_volumes[i]++;
      n_snapshots[i] += ids != NULL ? g_hash_table_size (ids) : 0;
    }
  for (guint i = 0; i < self->backends->len; i++)
    nova_volume_backend_set_counts (g_ptr_array_index (self->backends, i), bytes[i], n_volumes[i], n_snapshots[i]);
}

void
nova_volume_manager_cancel_jobs (NovaVolumeManager *self)
{
  self->stopping = TRUE;
  manager_unwatch_backends (self);
  for (guint i = 0; i < self->jobs->len; i++)
    nova_volume_job_cancel (g_ptr_array_index (self->jobs, i));
}

void
nova_volume_manager_set_reserve (NovaVolumeManager *self, NovaVolumeReserve *reserve)
{
  g_return_if_fail (NOVA_VOLUME_IS_MANAGER (self));
  g_set_object (&self->reserve, reserve);
}
