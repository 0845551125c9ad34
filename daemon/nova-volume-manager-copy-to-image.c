/* nova-volume: Volume.CopyToImage and Snapshot.CopyToImage: an available
 * volume's bytes, or a snapshot's (the consistent copy of a volume in
 * use), out into a descriptor the caller passed, raw or qcow2, as a Job
 * ("image-export"). What is copied is held for the whole copy (no other
 * operation changes it) and its status stays available: a cancel or a
 * failure leaves it as it was. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"

/* an export's own: where the image goes and as what */
typedef struct {
  int                    fd;        /* our duplicate of the caller's */
  NovaVolumeImageFormat  format;
  gboolean               compress;
} ExportData;

#define EXP(op) ((ExportData *) (op)->data)

static void
export_data_free (ExportData *data)
{
  if (data->fd >= 0)
    close (data->fd);
  g_free (data);
}

static void export_thread (Op *op);
static void export_done (Op *op);

static void
export_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE };

  if (!manager_op_take_volume (op))
    return;
  if (op->volume->status == NOVA_VOLUME_STATUS_IN_USE)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "cannot copy volume %s into an image: it is in-use, and an instance may be writing it; "
                       "detach it, or take a snapshot of it and copy that (Snapshot.CopyToImage)", op->volume_id);
      return;
    }
  if (!manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  manager_op_start_job (op, "image-export", op->volume->size);
  manager_op_in_thread (op, export_thread, export_done);
}

static void
export_snapshot_start (Op *op)
{
  const NovaVolumeRecord *parent = manager_op_take_available_snapshot (op, "copy into an image");

  if (parent == NULL)
    return;
  if (!manager_op_take_backend (op, parent->backend, parent->driver))
    return;
  manager_op_start_job (op, "image-export", op->snapshot->size);
  manager_op_in_thread (op, export_thread, export_done);
}

static void
export_thread (Op *op)
{
  GCancellable *cancellable = nova_volume_job_get_cancellable (op->job);

  MANAGER_CRASH_POINT (op, "before-image-export");
  nova_volume_image_export (op->self->image_executor, op->driver, op->volume, op->snapshot, EXP (op)->fd,
                            EXP (op)->format, EXP (op)->compress, nova_volume_job_report_progress, op->job,
                            cancellable, &op->error);
  MANAGER_CRASH_POINT (op, "after-image-export");
}

static void
export_done (Op *op)
{
  const char *kind = op->snapshot != NULL ? "snapshot" : "volume";
  const char *id = op->snapshot != NULL ? op->snapshot_id : op->volume_id;

  if (op->error != NULL)
    g_prefix_error (&op->error, "cannot copy %s %s into an image: ", kind, id);
  else
    nova_volume_log_event (NOVA_VOLUME_EVENT_IMAGE_EXPORTED, op->volume_id, op->snapshot_id,
                           "copied %s %s into a %s image", kind, id,
                           nova_volume_image_format_to_string (EXP (op)->format));
  manager_op_end_job (op);
  manager_op_return (op);
}

/* the checks of either export that need no state, and its data; FALSE
 * with the operation rejected */
static gboolean
export_prepare (Op *op, const char *kind, const char *id, int fd, const char *format, gboolean compress)
{
  NovaVolumeImageFormat image_format = NOVA_VOLUME_IMAGE_RAW;
  g_autoptr(GError) error = NULL;

  if (!nova_volume_image_format_from_string (format, &image_format))
    error = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "'%s' is not an image format; give raw or qcow2", format);
  else if (compress && image_format != NOVA_VOLUME_IMAGE_QCOW2)
    error = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "only qcow2 is compressed, not %s",
                         format);
  else if (nova_volume_image_check_export_target (fd, image_format, &error))
    {
      op->data = g_new0 (ExportData, 1);
      op->data_free = (GDestroyNotify) export_data_free;
      EXP (op)->format = image_format;
      EXP (op)->compress = compress;
      EXP (op)->fd = fcntl (fd, F_DUPFD_CLOEXEC, 3);
      if (EXP (op)->fd < 0)
        error = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "cannot take the descriptor: %s",
                             g_strerror (errno));
    }
  if (error == NULL)
    return TRUE;
  g_prefix_error (&error, "cannot copy %s %s into an image: ", kind, id);
  manager_op_reject (op, g_steal_pointer (&error));
  return FALSE;
}

void
nova_volume_manager_copy_volume_to_image (NovaVolumeManager *self, const char *volume_id, int fd,
                                          const char *format, gboolean compress, guint caller_uid,
                                          const char *caller_bus_name, GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  Op *op = manager_op_new (self, "copy volume to image", RESULT_NONE, callback, user_data);

  if (!export_prepare (op, "volume", volume_id, fd, format, compress))
    return;
  op->volume_id = g_strdup (volume_id);
  op->caller_uid = caller_uid;
  op->caller_bus_name = g_strdup (caller_bus_name);
  manager_op_submit (op, export_start);
}

void
nova_volume_manager_copy_snapshot_to_image (NovaVolumeManager *self, const char *snapshot_id, int fd,
                                            const char *format, gboolean compress, guint caller_uid,
                                            const char *caller_bus_name, GAsyncReadyCallback callback,
                                            gpointer user_data)
{
  Op *op = manager_op_new (self, "copy snapshot to image", RESULT_NONE, callback, user_data);

  if (!export_prepare (op, "snapshot", snapshot_id, fd, format, compress))
    return;
  op->snapshot_id = g_strdup (snapshot_id);
  /* read only: other readers of the snapshot (a create from it) may run */
  op->snapshot_shared = TRUE;
  op->caller_uid = caller_uid;
  op->caller_bus_name = g_strdup (caller_bus_name);
  manager_op_submit (op, export_snapshot_start);
}
