/* nova-volume: AttachVolume and DetachVolume: the bookkeeping of where a
 * volume is attached, as in the seed (the host connects by itself). */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

/* an attach's own: where the volume goes */
typedef struct {
  char *instance_uuid;
  char *mountpoint;
  char *host;          /* may be NULL */
} AttachData;

static void
attach_data_free (AttachData *data)
{
  g_free (data->instance_uuid);
  g_free (data->mountpoint);
  g_free (data->host);
  g_free (data);
}

#define A(op) ((AttachData *) (op)->data)

static void
attach_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE };

  if (!manager_op_take_volume (op))
    return;
  if (op->volume->status == NOVA_VOLUME_STATUS_IN_USE)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "volume %s is already attached to instance %s at %s; detach it first", op->volume_id,
                       op->volume->instance_uuid, op->volume->mountpoint);
      return;
    }
  if (!manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (!manager_op_commit_volume_status (op, NOVA_VOLUME_STATUS_ATTACHING, NULL))
    {
      manager_op_return (op);
      return;
    }

  op->volume->attached = TRUE;
  nova_record_set_string (&op->volume->instance_uuid, A (op)->instance_uuid);
  nova_record_set_string (&op->volume->mountpoint, A (op)->mountpoint);
  nova_record_set_string (&op->volume->attached_host, A (op)->host != NULL ? A (op)->host : "");
  if (manager_op_commit_volume_status (op, NOVA_VOLUME_STATUS_IN_USE, NULL))
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_ATTACHED, op->volume_id, NULL, "attached volume %s to instance %s at %s",
                           op->volume_id, A (op)->instance_uuid, A (op)->mountpoint);
  manager_op_return (op);
}

static gboolean
check_mountpoint (const char *mountpoint, GError **error)
{
  if (!manager_check_text ("mountpoint", mountpoint, MOUNTPOINT_MAX_LEN, error))
    return FALSE;
  if (!g_str_has_prefix (mountpoint, "/dev/") || mountpoint[5] == '\0'
      || strstr (mountpoint, "/../") != NULL || g_str_has_suffix (mountpoint, "/..")
      || strpbrk (mountpoint, " \t") != NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "mountpoint '%s' is not a device name such as /dev/vdb", mountpoint);
      return FALSE;
    }
  return TRUE;
}

void
nova_volume_manager_attach_volume (NovaVolumeManager *self, const char *volume_id,
                                   const char *instance_uuid, const char *mountpoint, const char *host,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "attach volume", RESULT_NONE, callback, user_data);
  GError *error = NULL;

  if (!g_uuid_string_is_valid (instance_uuid))
    {
      manager_op_reject (
        op, g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "instance '%s' is not a UUID such as "
                         "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10",
                         g_utf8_validate (instance_uuid, -1, NULL) ? instance_uuid : "(not UTF-8)"));
      return;
    }
  if (!check_mountpoint (mountpoint, &error) || !manager_check_text ("host", host, NAME_MAX_LEN, &error))
    {
      manager_op_reject (op, error);
      return;
    }

  op->volume_id = g_strdup (volume_id);
  op->data = g_new0 (AttachData, 1);
  op->data_free = (GDestroyNotify) attach_data_free;
  A (op)->instance_uuid = g_ascii_strdown (instance_uuid, -1);
  A (op)->mountpoint = g_strdup (mountpoint);
  A (op)->host = g_strdup (host);
  manager_op_submit (op, attach_start);
}

static void
detach_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_IN_USE };
  g_autofree char *instance = NULL;

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (!manager_op_commit_volume_status (op, NOVA_VOLUME_STATUS_DETACHING, NULL))
    {
      manager_op_return (op);
      return;
    }

  instance = g_strdup (op->volume->instance_uuid);
  manager_clear_attachment (op->volume);
  if (manager_op_commit_volume_status (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL))
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_DETACHED, op->volume_id, NULL, "detached volume %s from instance %s",
                           op->volume_id, instance);
  manager_op_return (op);
}

void
nova_volume_manager_detach_volume (NovaVolumeManager *self, const char *volume_id,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "detach volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op->frees_space = TRUE;
  manager_op_submit (op, detach_start);
}
