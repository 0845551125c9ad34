/* nova-volume: Volume.Extend: a larger size on an available volume, checked
 * against the backend's free space, committed as extending first. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

/* an extend's own: the size asked for, and the status to go back to */
typedef struct {
  guint64          size;
  NovaVolumeStatus was;
} ExtendData;

#define EX(op) ((ExtendData *) (op)->data)

static void extend_precheck_thread (Op *op);
static void extend_commit_extending (Op *op);
static void extend_thread (Op *op);
static void extend_commit_back (Op *op);
static void extend_done (Op *op);
static void extend_committed (Op *op);

static void
extend_start (Op *op)
{
  /* in use too: the driver refreshes the export, the host rescans */
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_IN_USE };

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  EX (op)->was = op->volume->status;
  if (EX (op)->size > (guint64) G_MAXINT64)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot extend volume %s to %" G_GUINT64_FORMAT " bytes: beyond any block device "
                       "(at most 2^63 - 1)", op->volume_id, EX (op)->size);
      return;
    }
  if (EX (op)->size <= op->volume->size)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot extend volume %s to %" G_GUINT64_FORMAT " bytes: the new size must be "
                       "larger than its current %" G_GUINT64_FORMAT " bytes (volumes never shrink)",
                       op->volume_id, EX (op)->size, op->volume->size);
      return;
    }
  /* refused for space before anything is written: by the backend's
   * latest figures when they show room (no worker to ask the driver) */
  if (manager_free_space_known (op->self, op->backend, EX (op)->size - op->volume->size, NULL, FALSE))
    extend_commit_extending (op);
  else
    manager_op_in_thread (op, extend_precheck_thread, extend_commit_extending);
}

static void
extend_precheck_thread (Op *op)
{
  manager_check_free_space (op->self, op->backend, EX (op)->size - op->volume->size, NULL, FALSE, &op->error);
}

static void
extend_commit_extending (Op *op)
{
  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot extend volume %s: ", op->volume_id);
      manager_op_return (op);
      return;
    }
  manager_op_commit_volume_status_then_in_thread (op, NOVA_VOLUME_STATUS_EXTENDING, extend_thread,
                                                  extend_commit_back, extend_done);
}

static void
extend_thread (Op *op)
{
  /* work on a copy: a refused extend must leave the size as it was */
  g_autoptr(NovaVolumeRecord) grown = nova_volume_record_copy (op->volume);

  MANAGER_CRASH_POINT (op, "before-driver-extend");
  if (nova_volume_driver_extend_volume (op->driver, grown, EX (op)->size, &op->error))
    op->volume->size = MAX (grown->size, EX (op)->size);
  MANAGER_CRASH_POINT (op, "after-driver-extend");
}

/* on the extend's thread when the driver grew it, else the main thread:
 * the volume is usable either way, back to its status, with the new size
 * only when the driver grew it */
static void
extend_commit_back (Op *op)
{
  manager_op_commit_volume_status_then (op, EX (op)->was, NULL, extend_committed);
}

static void
extend_done (Op *op)
{
  g_prefix_error (&op->error, "cannot extend volume %s: ", op->volume_id);
  extend_commit_back (op);
}

static void
extend_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_EXTENDED, op->volume_id, NULL, "extended volume %s to %" G_GUINT64_FORMAT " bytes",
                           op->volume_id, op->volume->size);
  manager_op_return (op);
}

void
nova_volume_manager_extend_volume (NovaVolumeManager *self, const char *volume_id, guint64 new_size,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "extend volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op->data = g_new0 (ExtendData, 1);
  op->data_free = g_free;
  EX (op)->size = new_size;
  manager_op_submit (op, extend_start);
}
