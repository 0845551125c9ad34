/* nova-volume: the volume manager's reconciling: init_host, which
 * finishes or fails what a stop left mid-way and restores exports and
 * connections (a migrate's leftover copy is the migrate's own, in
 * nova-volume-manager-migrate.c), and the export a driver lost by
 * itself. */
#include "config.h"


#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"

/* ---- an export lost between starts ----------------------------------- */

static void
export_lost_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_ERROR, op->volume_id, NULL, "volume %s is now error: %s",
                           op->volume_id, op->volume->status_reason);
  manager_op_return (op);
}

static void
export_lost_start (Op *op)
{
  if (!manager_op_take_volume (op))
    return;
  /* a volume being deleted or already in error keeps what it has */
  if (op->volume->status == NOVA_VOLUME_STATUS_AVAILABLE || op->volume->status == NOVA_VOLUME_STATUS_IN_USE)
    {
      g_autofree char *reason = g_strdup_printf ("its export was lost: %s", (const char *) op->data);

      manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_ERROR, reason, export_lost_committed);
      return;
    }
  manager_op_return (op);
}

/* The driver's "export-lost": marks the volume error with the reason,
 * through the volume's queue like any change of its status. */
void
manager_on_export_lost (NovaVolumeDriver *driver, const char *volume_id, const char *reason,
                        NovaVolumeManager *self)
{
  Op *op = manager_op_new (self, "mark the export lost", RESULT_NONE, NULL, NULL);

  g_message ("the export of volume %s was lost: %s", volume_id, reason);
  op->volume_id = g_strdup (volume_id);
  /* its own: the driver's reason */
  op->data = g_strdup (reason);
  op->data_free = g_free;
  manager_op_submit (op, export_lost_start);
}

/* ---- init_host ------------------------------------------------------- */

/* The driver of the backend @volume lives on, when this daemon serves it,
 * it is up and it runs the driver that made the volume; else NULL, and
 * the volume is left alone. */
static NovaVolumeDriver *
volume_driver (NovaVolumeManager *self, const NovaVolumeRecord *volume)
{
  NovaVolumeBackend *backend = volume != NULL ? manager_lookup_backend (self, volume->backend) : NULL;

  if (backend == NULL || !nova_volume_backend_is_up (backend)
      || g_strcmp0 (nova_volume_backend_get_driver_name (backend), volume->driver) != 0)
    return NULL;
  return nova_volume_backend_get_driver (backend);
}

/* A revert a stop cut short, run again (the drivers' reverts are
 * idempotent): TRUE when @volume is now its snapshot's again */
static gboolean
finish_revert (NovaVolumeManager *self, NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (self, volume->reverting_to);

  if (snapshot == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "the revert to snapshot %s was interrupted and the snapshot is gone; its bytes may be "
                   "partly the snapshot's", volume->reverting_to);
      return FALSE;
    }
  if (!nova_volume_driver_revert_to_snapshot (driver, volume, snapshot, TRUE, error))
    {
      g_prefix_error (error, "the revert to snapshot %s was interrupted and could not be finished "
                      "(revert to it again): ", volume->reverting_to);
      return FALSE;
    }
  nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_REVERTED, volume->id, snapshot->id,
                         "finished reverting volume %s to snapshot %s", volume->id, snapshot->id);
  return TRUE;
}

/* Settles one volume left mid-way by a stop; a delete and a revert are
 * finished. */
static void
reconcile_volume (NovaVolumeManager *self, NovaVolumeDriver *driver, NovaVolumeRecord *volume)
{
  g_autoptr(GError) error = NULL;
  const char *was = nova_volume_status_to_string (volume->status);

  if (volume->status == NOVA_VOLUME_STATUS_REVERTING)
    {
      if (finish_revert (self, driver, volume, &error))
        {
          volume->status = NOVA_VOLUME_STATUS_AVAILABLE;
          nova_record_set_string (&volume->status_reason, "");
          nova_record_set_string (&volume->reverting_to, "");
        }
      else
        {
          /* reverting_to stays: a revert to it again is let in */
          volume->status = NOVA_VOLUME_STATUS_ERROR;
          nova_record_set_string (&volume->status_reason, error->message);
          g_clear_error (&error);
        }
    }
  else if (volume->status == NOVA_VOLUME_STATUS_DELETING)
    {
      if (nova_volume_driver_remove_export (driver, volume, &error)
          && nova_volume_driver_delete_volume (driver, volume, &error))
        {
          if (manager_commit_volume_removed (self, volume->id, &error))
            nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_DELETED, volume->id, NULL,
                                   "finished deleting volume %s", volume->id);
          else
            g_warning ("cannot forget deleted volume %s: %s", volume->id, error->message);
          return;
        }
      volume->status = NOVA_VOLUME_STATUS_ERROR_DELETING;
      nova_record_set_string (&volume->status_reason, error->message);
      g_clear_error (&error);
    }
  else if (!manager_settle_volume (volume))
    return;
  if (manager_commit_volume (self, volume, &error))
    nova_volume_log_event (NOVA_VOLUME_EVENT_RECONCILED, volume->id, NULL, "volume %s was %s at start; now %s",
                           volume->id, was, nova_volume_status_to_string (volume->status));
  else
    g_warning ("cannot settle volume %s: %s", volume->id, error->message);
}

static void
reconcile_snapshot (NovaVolumeManager *self, NovaSnapshotRecord *snapshot)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeDriver *driver = volume_driver (self, nova_volume_manager_lookup_volume (self, snapshot->volume_id));

  /* a snapshot of a volume whose backend is not served here only settles */
  if (snapshot->status == NOVA_SNAPSHOT_STATUS_DELETING && driver != NULL)
    {
      if (nova_volume_driver_delete_snapshot (driver, snapshot, &error))
        {
          if (manager_commit_snapshot_removed (self, snapshot->id, &error))
            g_message ("finished deleting snapshot %s", snapshot->id);
          else
            g_warning ("cannot forget deleted snapshot %s: %s", snapshot->id, error->message);
          return;
        }
      snapshot->status = NOVA_SNAPSHOT_STATUS_ERROR_DELETING;
      nova_record_set_string (&snapshot->status_reason, error->message);
      g_clear_error (&error);
    }
  else if (!manager_settle_snapshot (snapshot))
    return;
  if (!manager_commit_snapshot (self, snapshot, &error))
    g_warning ("cannot settle snapshot %s: %s", snapshot->id, error->message);
}

/* Lets every recorded connector in again (access rules that a target
 * daemon or a reboot forgot); returns how many were restored. */
static guint
restore_connections (NovaVolumeManager *self, NovaVolumeDriver *driver, const NovaVolumeRecord *volume)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) connections = manager_recorded_connections (self, volume->id, &error);
  guint n = 0;

  if (connections == NULL)
    {
      g_warning ("cannot read the connections of volume %s: %s", volume->id, error->message);
      return 0;
    }
  for (guint i = 0; i < connections->len; i++)
    {
      /* a read-only host stays read-only */
      g_autoptr(GVariant) connector = manager_connector_for_driver (volume, g_ptr_array_index (connections, i));
      g_autoptr(GVariant) info = nova_volume_driver_initialize_connection (driver, volume, connector, &error);
      if (info != NULL)
        n++;
      else
        {
          g_warning ("cannot restore a connection of volume %s: %s", volume->id, error->message);
          g_clear_error (&error);
        }
    }
  return n;
}

gboolean
nova_volume_manager_init_host (NovaVolumeManager *self, GError **error)
{
  g_autoptr(GPtrArray) snapshots = nova_volume_manager_list_snapshots (self);
  g_autoptr(GPtrArray) volumes = NULL;
  guint n_exports = 0, n_failed = 0, n_connections = 0;

  g_return_val_if_fail (self->n_operations == 0, FALSE);

  /* snapshots first: a volume's delete may wait on them */
  for (guint i = 0; i < snapshots->len; i++)
    {
      g_autoptr(NovaSnapshotRecord) copy = nova_snapshot_record_copy (g_ptr_array_index (snapshots, i));
      reconcile_snapshot (self, copy);
    }

  volumes = nova_volume_manager_list_volumes (self);
  for (guint i = 0; i < volumes->len; i++)
    {
      g_autoptr(NovaVolumeRecord) copy = nova_volume_record_copy (g_ptr_array_index (volumes, i));
      NovaVolumeDriver *driver = volume_driver (self, copy);

      if (driver == NULL)
        {
          g_message ("volume %s lives on backend '%s' (the %s driver), which is not served here or "
                     "is down: left alone", copy->id, copy->backend, copy->driver);
          continue;
        }
      reconcile_volume (self, driver, copy);
    }
  g_clear_pointer (&volumes, g_ptr_array_unref);

  /* bring every export back (a rebooted host, a restarted target daemon) */
  volumes = nova_volume_manager_list_volumes (self);
  for (guint i = 0; i < volumes->len; i++)
    {
      const NovaVolumeRecord *volume = g_ptr_array_index (volumes, i);
      NovaVolumeDriver *driver = volume_driver (self, volume);
      g_autoptr(GError) local_error = NULL;

      if (driver == NULL
          || (volume->status != NOVA_VOLUME_STATUS_AVAILABLE && volume->status != NOVA_VOLUME_STATUS_IN_USE))
        continue;
      if (nova_volume_driver_ensure_export (driver, volume, &local_error))
        {
          n_exports++;
          n_connections += restore_connections (self, driver, volume);
        }
      else
        {
          n_failed++;
          g_warning ("cannot restore the export of volume %s: %s", volume->id, local_error->message);
        }
    }
  /* copies an interrupted migrate left: deleted by operations of their
   * own, which run once the daemon serves (a delete may zero a whole LV) */
  manager_finish_migrations (self);
  manager_report_unrecorded (self);
  manager_reconcile_backups (self);
  nova_volume_log_event (NOVA_VOLUME_EVENT_RECONCILED, NULL, NULL,
                         "init_host: %u volumes, %u snapshots, %u exports ensured (%u failed), %u connections restored",
             g_hash_table_size (self->volumes), g_hash_table_size (self->snapshots), n_exports, n_failed,
             n_connections);
  return TRUE;
}
