/* nova-volume: DeleteSnapshot: the driver's delete and the record gone. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

static void delete_snapshot_thread (Op *op);
static void delete_snapshot_done (Op *op);
static void delete_snapshot_commit_removed (Op *op);
static void delete_snapshot_removed_committed (Op *op);

static void
delete_snapshot_start (Op *op)
{
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (op->self, op->snapshot_id);

  if (snapshot == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "snapshot %s not found", op->snapshot_id);
      return;
    }
  {
    const NovaVolumeRecord *parent = nova_volume_manager_lookup_volume (op->self, snapshot->volume_id);

    if (parent == NULL)
      {
        manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "the volume of snapshot %s is gone", snapshot->id);
        return;
      }
    if (!manager_op_take_backend (op, parent->backend, parent->driver))
      return;
  }
  op->snapshot = nova_snapshot_record_copy (snapshot);
  /* this operation holds the snapshot, so a transitional status is stale */
  manager_settle_snapshot (op->snapshot);
  if (op->snapshot->status != NOVA_SNAPSHOT_STATUS_AVAILABLE
      && op->snapshot->status != NOVA_SNAPSHOT_STATUS_ERROR
      && op->snapshot->status != NOVA_SNAPSHOT_STATUS_ERROR_DELETING)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot delete snapshot %s: it is %s",
                       op->snapshot_id, nova_snapshot_status_to_string (op->snapshot->status));
      return;
    }
  op->snapshot_before = nova_snapshot_record_copy (op->snapshot);
  manager_op_commit_snapshot_status_then_in_thread (op, NOVA_SNAPSHOT_STATUS_DELETING, delete_snapshot_thread,
                                                    delete_snapshot_commit_removed, delete_snapshot_done);
}

static void
delete_snapshot_thread (Op *op)
{
  MANAGER_CRASH_POINT (op, "before-driver-delete-snapshot");
  nova_volume_driver_delete_snapshot (op->driver, op->snapshot, &op->error);
  MANAGER_CRASH_POINT (op, "after-driver-delete-snapshot");
}

static void
delete_snapshot_done (Op *op)
{
  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot delete snapshot %s: ", op->snapshot_id);
      /* refused (clones share its data): the snapshot is as it was */
      if (manager_delete_refused (op->error))
        manager_op_commit_snapshot_as_before_then (op, manager_op_return);
      else
        manager_op_commit_snapshot_failure_then (op, NOVA_SNAPSHOT_STATUS_ERROR_DELETING, manager_op_return);
      return;
    }
  delete_snapshot_commit_removed (op);
}

/* on the delete's thread, or the main thread: "deleting" is on disk and
 * the driver has deleted, so the answer need not wait for the row to go */
static void
delete_snapshot_commit_removed (Op *op)
{
  manager_op_commit_snapshot_removed_later_then (op, delete_snapshot_removed_committed);
}

static void
delete_snapshot_removed_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_SNAPSHOT_DELETED, NULL, op->snapshot_id, "deleted snapshot %s",
                           op->snapshot_id);
  manager_op_return (op);
}

void
nova_volume_manager_delete_snapshot (NovaVolumeManager *self, const char *snapshot_id,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "delete snapshot", RESULT_NONE, callback, user_data);
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (self, snapshot_id);

  op->snapshot_id = g_strdup (snapshot_id);
  op->frees_space = TRUE;
  /* serialize with the volume too: its delete counts its snapshots */
  if (snapshot != NULL)
    {
      op->volume_id = g_strdup (snapshot->volume_id);
      op->volume_shared = TRUE;
    }
  manager_op_submit (op, delete_snapshot_start);
}
