/* nova-volume: DeleteVolume: refused with snapshots or while in use; the
 * export removed, the driver's delete, the record gone; a delete the driver
 * refuses puts the export back and changes nothing. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

static void delete_thread (Op *op);
static void delete_done (Op *op);
static void delete_commit_removed (Op *op);
static void delete_removed_committed (Op *op);

static void
delete_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = {
    NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_ERROR, NOVA_VOLUME_STATUS_ERROR_DELETING,
  };
  g_autoptr(GString) snapshots = g_string_new (NULL);
  guint n_snapshots;

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (!manager_op_check_no_connections (op))
    return;
  n_snapshots = manager_count_snapshots_of (op->self, op->volume_id, snapshots);
  if (n_snapshots > 0)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "cannot delete volume %s: it has %u snapshot%s (%s); delete %s first", op->volume_id,
                       n_snapshots, n_snapshots == 1 ? "" : "s", snapshots->str, n_snapshots == 1 ? "it" : "them");
      return;
    }
  op->volume_before = nova_volume_record_copy (op->volume);
  manager_op_commit_volume_status_then_in_thread (op, NOVA_VOLUME_STATUS_DELETING, delete_thread,
                                                  delete_commit_removed, delete_done);
}

/* After a refused delete_volume: the export the delete removed comes
 * back, with the credentials (and, where the store still holds it, the
 * target number) it had, so the volume is as usable as before the call.
 * FALSE, with @op->error naming both failures, when it cannot. */
static gboolean
delete_restore_export (Op *op)
{
  NovaVolumeRecord *before = op->volume_before;
  g_autoptr(GError) export_error = NULL;
  g_autofree char *refusal = g_strdup (op->error->message);

  nova_record_set_string (&op->volume->provider_location, before->provider_location);
  nova_record_set_string (&op->volume->provider_auth, before->provider_auth);
  /* an available volume was exported when it was made; one in error
   * may never have been */
  if (before->status != NOVA_VOLUME_STATUS_AVAILABLE)
    return TRUE;
  if (nova_volume_driver_create_export (op->driver, op->volume, &export_error))
    return TRUE;
  g_clear_error (&op->error);
  g_set_error (&op->error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
               "the driver refused (%s), and the export it had could not be made again: %s",
               refusal, export_error->message);
  return FALSE;
}

static void
delete_thread (Op *op)
{
  NovaVolumeDriver *driver = op->driver;

  MANAGER_CRASH_POINT (op, "before-driver-remove-export");
  if (!nova_volume_driver_remove_export (driver, op->volume, &op->error))
    return;
  MANAGER_CRASH_POINT (op, "after-driver-remove-export");
  /* the export is gone: a retry after a failed delete must not find (and
   * act on) a target number that another volume may hold by then */
  nova_record_set_string (&op->volume->provider_location, "");
  nova_record_set_string (&op->volume->provider_auth, "");
  if (!nova_volume_driver_delete_volume (driver, op->volume, &op->error) && manager_delete_refused (op->error)
      && delete_restore_export (op))
    return;
  MANAGER_CRASH_POINT (op, "after-driver-delete");
  /* a copy a failed migrate left goes with the volume */
  if (op->error == NULL && op->volume->migration[0] != '\0')
    {
      g_autoptr(GError) leftover_error = NULL;

      if (!manager_delete_migration_leftover (op->self, driver, op->volume, &leftover_error))
        g_warning ("volume %s: the copy a failed migrate left (%s) stays, and is named nowhere now: %s",
                   op->volume_id, op->volume->migration, leftover_error->message);
    }
}

static void
delete_done (Op *op)
{
  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot delete volume %s: ", op->volume_id);
      /* refused and exported again: the volume is as it was */
      if (manager_delete_refused (op->error))
        manager_op_commit_volume_as_before_then (op, manager_op_return);
      else
        manager_op_commit_volume_failure_then (op, NOVA_VOLUME_STATUS_ERROR_DELETING, manager_op_return);
      return;
    }
  delete_commit_removed (op);
}

/* on the delete's thread, or the main thread: "deleting" is on disk and
 * the driver has deleted, so the answer need not wait for the row to go */
static void
delete_commit_removed (Op *op)
{
  manager_op_commit_volume_removed_later_then (op, delete_removed_committed);
}

static void
delete_removed_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_DELETED, op->volume_id, NULL, "deleted volume %s", op->volume_id);
  manager_op_return (op);
}

void
nova_volume_manager_delete_volume (NovaVolumeManager *self, const char *volume_id,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "delete volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op->frees_space = TRUE;
  manager_op_submit (op, delete_start);
}
