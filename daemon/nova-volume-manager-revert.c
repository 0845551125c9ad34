/* nova-volume: Volume.RevertToSnapshot: a volume's bytes made its
 * snapshot's again, the snapshot kept. Committed as reverting with the
 * snapshot's id first, so that init_host finishes a revert a stop cut
 * short (the drivers' reverts are idempotent) instead of leaving a volume
 * that is neither. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"

/* a revert's own */
typedef struct {
  gboolean any;      /* the caller allows a snapshot older than the latest */
  gboolean latest;   /* the snapshot is the volume's latest */
} RevertData;

#define RV(op) ((RevertData *) (op)->data)

static void revert_thread (Op *op);
static void revert_reverting_committed (Op *op);
static void revert_done (Op *op);
static void revert_committed (Op *op);

/* The newest snapshot of @volume_id, by when it was taken */
static const NovaSnapshotRecord *
latest_snapshot_of (NovaVolumeManager *self, const char *volume_id)
{
  GHashTable *ids = manager_snapshot_ids_of (self, volume_id);
  const NovaSnapshotRecord *latest = NULL;
  GHashTableIter iter;
  gpointer id;

  if (ids == NULL)
    return NULL;
  g_hash_table_iter_init (&iter, ids);
  while (g_hash_table_iter_next (&iter, &id, NULL))
    {
      const NovaSnapshotRecord *snapshot = g_hash_table_lookup (self->snapshots, id);

      if (snapshot == NULL)
        continue;
      if (latest == NULL || snapshot->created_at > latest->created_at
          || (snapshot->created_at == latest->created_at && g_strcmp0 (snapshot->id, latest->id) > 0))
        latest = snapshot;
    }
  return latest;
}

/* The caller's snapshot, which must be @op's volume's, available and of
 * its size; a copy in op->snapshot */
static gboolean
take_snapshot (Op *op)
{
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (op->self, op->snapshot_id);
  const NovaSnapshotRecord *latest;

  if (snapshot == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "snapshot %s not found", op->snapshot_id);
      return FALSE;
    }
  if (g_strcmp0 (snapshot->volume_id, op->volume_id) != 0)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot revert volume %s to snapshot %s: that is a snapshot of volume %s; "
                       "create a volume from it instead", op->volume_id, snapshot->id, snapshot->volume_id);
      return FALSE;
    }
  if (snapshot->status != NOVA_SNAPSHOT_STATUS_AVAILABLE)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot revert volume %s to snapshot %s: it is %s, not available",
                       op->volume_id, snapshot->id, nova_snapshot_status_to_string (snapshot->status));
      return FALSE;
    }
  if (snapshot->size != op->volume->size)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "cannot revert volume %s to snapshot %s: the volume is %" G_GUINT64_FORMAT " bytes, the "
                       "snapshot was taken at %" G_GUINT64_FORMAT " (a volume never shrinks); create a volume "
                       "from the snapshot instead", op->volume_id, snapshot->id, op->volume->size, snapshot->size);
      return FALSE;
    }
  latest = latest_snapshot_of (op->self, op->volume_id);
  RV (op)->latest = latest == snapshot;
  if (!RV (op)->latest && !RV (op)->any)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "cannot revert volume %s to snapshot %s: it is not the volume's latest snapshot (%s is); "
                       "revert to that one, or pass option any=true where the backend can go further back",
                       op->volume_id, snapshot->id, latest->id);
      return FALSE;
    }
  op->snapshot = nova_snapshot_record_copy (snapshot);
  return TRUE;
}

static void
revert_start (Op *op)
{
  gboolean finishing;

  if (!manager_op_take_volume (op))
    return;
  /* this operation holds the volume, so a transitional status is stale */
  manager_settle_volume (op->volume);
  /* a revert cut short left the volume in error, naming its snapshot:
   * reverting to that one again finishes it */
  finishing = op->volume->status == NOVA_VOLUME_STATUS_ERROR && g_strcmp0 (op->volume->reverting_to, op->snapshot_id) == 0;
  if (!finishing)
    {
      static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE };

      if (!manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
        return;
    }
  if (!manager_op_check_no_connections (op) || !take_snapshot (op))
    return;
  nova_record_set_string (&op->volume->reverting_to, op->snapshot_id);
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_REVERTING, NULL, revert_reverting_committed);
}

static void
revert_reverting_committed (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  manager_op_in_thread (op, revert_thread, revert_done);
}

static void
revert_thread (Op *op)
{
  MANAGER_CRASH_POINT (op, "before-driver-revert");
  nova_volume_driver_revert_to_snapshot (op->driver, op->volume, op->snapshot, RV (op)->latest, &op->error);
  MANAGER_CRASH_POINT (op, "after-driver-revert");
}

/* Whether the driver refused without touching the volume */
static gboolean
revert_refused (const GError *error)
{
  return g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED)
         || g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
}

static void
revert_done (Op *op)
{
  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot revert volume %s to snapshot %s: ", op->volume_id, op->snapshot_id);
      if (revert_refused (op->error))
        {
          /* nothing changed: usable as it was (the operation keeps its
           * error) */
          nova_record_set_string (&op->volume->reverting_to, "");
          manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL, manager_op_return);
        }
      else
        {
          /* its bytes may be partly the snapshot's: error, and reverting
           * to the same snapshot again is allowed (reverting_to kept) */
          manager_op_commit_volume_failure_then (op, NOVA_VOLUME_STATUS_ERROR, manager_op_return);
        }
      return;
    }
  nova_record_set_string (&op->volume->reverting_to, "");
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL, revert_committed);
}

static void
revert_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_REVERTED, op->volume_id, op->snapshot_id,
                           "reverted volume %s to snapshot %s", op->volume_id, op->snapshot_id);
  manager_op_return (op);
}

void
nova_volume_manager_revert_volume (NovaVolumeManager *self, const char *volume_id, const char *snapshot_id,
                                   gboolean any, GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "revert volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op->snapshot_id = g_strdup (snapshot_id);
  /* the snapshot stays: held so that it is not deleted meanwhile */
  op->snapshot_shared = TRUE;
  op->data = g_new0 (RevertData, 1);
  op->data_free = g_free;
  RV (op)->any = any;
  manager_op_submit (op, revert_start);
}
