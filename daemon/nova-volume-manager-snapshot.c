/* nova-volume: CreateSnapshot: a snapshot of an available volume (or an in-use
 * one with force), its record creating, the driver's snapshot, available. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

/* a snapshot's own: what it is to be called, and whether an in-use volume
 * may be taken */
typedef struct {
  char     *name;
  char     *description;
  gboolean  force;
} SnapshotData;

static void
snapshot_data_free (SnapshotData *data)
{
  g_free (data->name);
  g_free (data->description);
  g_free (data);
}

#define SN(op) ((SnapshotData *) (op)->data)

static void snapshot_thread (Op *op);
static void snapshot_done (Op *op);
static void snapshot_commit_available (Op *op);
static void snapshot_available_committed (Op *op);

static void
snapshot_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_IN_USE };
  NovaSnapshotRecord *snapshot;

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (op->volume->status == NOVA_VOLUME_STATUS_IN_USE && !SN (op)->force)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "volume %s is in-use (attached to instance %s): its snapshot may not be "
                       "crash-consistent; pass the option force=true to take it anyway",
                       op->volume_id, op->volume->instance_uuid);
      return;
    }

  snapshot = op->snapshot = nova_snapshot_record_new ();
  nova_record_set_string (&snapshot->id, op->snapshot_id);
  nova_record_set_string (&snapshot->volume_id, op->volume_id);
  nova_record_set_string (&snapshot->name, SN (op)->name != NULL ? SN (op)->name : "");
  nova_record_set_string (&snapshot->description, SN (op)->description != NULL ? SN (op)->description : "");
  snapshot->size = op->volume->size;
  snapshot->progress = 0.0;
  snapshot->created_at = g_get_real_time ();
  manager_op_commit_snapshot_status_then_in_thread (op, NOVA_SNAPSHOT_STATUS_CREATING, snapshot_thread,
                                                    snapshot_commit_available, snapshot_done);
}

static void
snapshot_thread (Op *op)
{
  g_autoptr(GError) cleanup_error = NULL;

  MANAGER_CRASH_POINT (op, "before-driver-create-snapshot");
  if (nova_volume_driver_create_snapshot (op->driver, op->snapshot, op->volume, &op->error))
    {
      MANAGER_CRASH_POINT (op, "after-driver-create-snapshot");
      return;
    }
  op->cleaned_up = nova_volume_driver_delete_snapshot (op->driver, op->snapshot, &cleanup_error);
  if (!op->cleaned_up)
    g_warning ("snapshot %s: cleaning up after a failed create failed too: %s",
               op->snapshot->id, cleanup_error->message);
}

static void
snapshot_done (Op *op)
{
  if (op->error == NULL)
    {
      snapshot_commit_available (op);
      return;
    }
  g_prefix_error (&op->error, "cannot snapshot volume %s: ", op->volume_id);
  if (op->cleaned_up)
    manager_op_commit_snapshot_removed_then (op, manager_op_return);
  else
    manager_op_commit_snapshot_failure_then (op, NOVA_SNAPSHOT_STATUS_ERROR, manager_op_return);
}

/* on the snapshot's thread, or the main thread */
static void
snapshot_commit_available (Op *op)
{
  op->snapshot->progress = 1.0;
  manager_op_commit_snapshot_status_then (op, NOVA_SNAPSHOT_STATUS_AVAILABLE, NULL, snapshot_available_committed);
}

static void
snapshot_available_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_SNAPSHOT_CREATED, op->volume_id, op->snapshot_id,
                           "created snapshot %s of volume %s", op->snapshot_id, op->volume_id);
  manager_op_return (op);
}

void
nova_volume_manager_create_snapshot (NovaVolumeManager *self, const char *volume_id,
                                     const char *name, const char *description, gboolean force,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "snapshot volume", RESULT_SNAPSHOT_ID, callback, user_data);
  GError *error = NULL;

  if (!manager_check_text ("name", name, NAME_MAX_LEN, &error)
      || !manager_check_text ("description", description, DESCRIPTION_MAX_LEN, &error))
    {
      manager_op_reject (op, error);
      return;
    }

  op->volume_id = g_strdup (volume_id);
  op->volume_shared = TRUE;
  op->snapshot_id = g_uuid_string_random ();
  op->data = g_new0 (SnapshotData, 1);
  op->data_free = (GDestroyNotify) snapshot_data_free;
  SN (op)->name = g_strdup (name);
  SN (op)->description = g_strdup (description);
  SN (op)->force = force;
  manager_op_submit (op, snapshot_start);
}

char *
nova_volume_manager_create_snapshot_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
