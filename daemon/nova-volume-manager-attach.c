/* nova-volume: Attach and Detach: the bookkeeping of where a volume is
 * attached, as in the seed (the host connects by itself), one attachment
 * per instance. A volume made with multiattach may have several, each
 * read-write or read-only; the others have one at most. An attachment is
 * committed with the volume's status in one write: there is no state in
 * between for a stop to cut into. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

/* an attach's own: where the volume goes */
typedef struct {
  char     *instance_uuid;
  char     *mountpoint;
  char     *host;          /* "" when none */
  char     *mode;          /* "rw" or "ro" */
  GVariant *connector;     /* the caller's (secrets left out), or NULL */
  GVariant *connected;     /* the host's recorded connection, re-allowed in the new mode; or NULL */
  char     *attachment_id; /* a detach's: NULL for the only one */
} AttachData;

static void
attach_data_free (AttachData *data)
{
  g_free (data->instance_uuid);
  g_free (data->mountpoint);
  g_free (data->host);
  g_free (data->mode);
  g_clear_pointer (&data->connector, g_variant_unref);
  g_clear_pointer (&data->connected, g_variant_unref);
  g_free (data->attachment_id);
  g_free (data);
}

#define A(op) ((AttachData *) (op)->data)

/* what the backend's latest stats say it does with a read-only
 * attachment: "enforced", "advisory" or "none" */
static const char *
backend_read_only (NovaVolumeBackend *backend)
{
  GVariant *stats = nova_volume_backend_get_stats (backend);
  const char *how = "none";

  if (stats != NULL)
    g_variant_lookup (stats, "read_only_attachments", "&s", &how);
  return how;
}

/* The attach's mode against what the volume and its backend allow;
 * fails the operation and returns FALSE when they do not. */
static gboolean
attach_check_mode (Op *op)
{
  NovaVolumeRecord *volume = op->volume;

  for (guint i = 0; i < volume->attachments->len; i++)
    {
      const NovaAttachmentRecord *other = g_ptr_array_index (volume->attachments, i);

      if (g_str_equal (other->instance_uuid, A (op)->instance_uuid))
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                           "volume %s is already attached to instance %s at %s (attachment %s)", op->volume_id,
                           other->instance_uuid, other->mountpoint, other->id);
          return FALSE;
        }
      /* one host, one initiator: the target sees it one way */
      if (*A (op)->host != '\0' && g_str_equal (other->host, A (op)->host) && !g_str_equal (other->mode, A (op)->mode))
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                           "volume %s is attached %s on host %s (instance %s): one host reaches a volume one "
                           "way; attach it %s there too, or detach that one first", op->volume_id, other->mode,
                           other->host, other->instance_uuid, other->mode);
          return FALSE;
        }
    }
  if (g_str_equal (A (op)->mode, "ro") && g_str_equal (backend_read_only (op->backend), "none"))
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                       "cannot attach volume %s read-only: backend '%s' (the %s driver) cannot hold one host to "
                       "reading (its target lets every host in alike); attach it read-write", op->volume_id,
                       nova_volume_backend_get_name (op->backend), nova_volume_backend_get_driver_name (op->backend));
      return FALSE;
    }
  return TRUE;
}

static void attach_thread (Op *op);
static void attach_done (Op *op);
static void attach_committed (Op *op);

static void
attach_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_IN_USE };
  g_autoptr(GError) error = NULL;

  if (!manager_op_take_volume (op))
    return;
  if (op->volume->status == NOVA_VOLUME_STATUS_IN_USE && !op->volume->multiattach)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "volume %s is already attached to instance %s at %s; detach it first (only a volume "
                       "made with multiattach is attached to several instances)", op->volume_id,
                       op->volume->instance_uuid, op->volume->mountpoint);
      return;
    }
  if (!manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)) || !attach_check_mode (op))
    return;
  /* the host connected already: its access is made the attachment's */
  A (op)->connected = manager_find_connection (op->self, op->volume_id, A (op)->host, &error);
  if (error != NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_FAILED, "cannot read the connections of volume %s: %s",
                       op->volume_id, error->message);
      return;
    }
  if (A (op)->connector == NULL && A (op)->connected != NULL)
    A (op)->connector = manager_connector_without_secrets (A (op)->connected);
  if (A (op)->connected != NULL && g_str_equal (A (op)->mode, "ro")
      && g_str_equal (backend_read_only (op->backend), "enforced"))
    {
      manager_op_in_thread (op, attach_thread, attach_done);
      return;
    }
  attach_done (op);
}

/* worker thread: the connected host's access made read-only */
static void
attach_thread (Op *op)
{
  g_autoptr(GVariant) connector = manager_connector_with_mode (A (op)->connected, A (op)->mode);
  g_autoptr(GVariant) info = NULL;

  MANAGER_CRASH_POINT (op, "before-driver-initialize-connection");
  info = nova_volume_driver_initialize_connection (op->driver, op->volume, connector, &op->error);
}

static void
attach_done (Op *op)
{
  NovaAttachmentRecord *attachment;

  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot attach volume %s read-only: its host's access could not be made "
                      "read-only: ", op->volume_id);
      manager_op_return (op);
      return;
    }
  attachment = nova_attachment_record_new ();
  attachment->id = g_uuid_string_random ();
  nova_record_set_string (&attachment->instance_uuid, A (op)->instance_uuid);
  nova_record_set_string (&attachment->mountpoint, A (op)->mountpoint);
  nova_record_set_string (&attachment->host, A (op)->host);
  nova_record_set_string (&attachment->mode, A (op)->mode);
  if (A (op)->connector != NULL)
    {
      g_autofree char *text = g_variant_print (A (op)->connector, TRUE);

      nova_record_set_string (&attachment->connector, text);
    }
  attachment->attached_at = g_get_real_time ();
  g_ptr_array_add (op->volume->attachments, attachment);
  nova_volume_record_sync_attached (op->volume);
  op->result = g_variant_ref_sink (g_variant_new_string (attachment->id));
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_IN_USE, NULL, attach_committed);
}

static void
attach_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_ATTACHED, op->volume_id, NULL,
                           "attached volume %s to instance %s at %s (%s, attachment %s)", op->volume_id,
                           A (op)->instance_uuid, A (op)->mountpoint, A (op)->mode,
                           g_variant_get_string (op->result, NULL));
  else
    g_clear_pointer (&op->result, g_variant_unref);
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

/* the attach's host: the one named, else its connector's; both must agree */
static gboolean
attach_host (const NovaVolumeAttachRequest *request, char **out_host, GError **error)
{
  const char *from_connector = NULL;

  if (request->connector != NULL && !manager_check_connector (request->connector, error))
    return FALSE;
  if (request->connector != NULL)
    g_variant_lookup (request->connector, "host", "&s", &from_connector);
  if (request->host != NULL && from_connector != NULL && !g_str_equal (request->host, from_connector))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "host '%s' and the connector's host '%s' differ: give one of them, or the same", request->host,
                   from_connector);
      return FALSE;
    }
  *out_host = g_strdup (request->host != NULL ? request->host : from_connector != NULL ? from_connector : "");
  return TRUE;
}

void
nova_volume_manager_attach (NovaVolumeManager *self, const char *volume_id, const NovaVolumeAttachRequest *request,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "attach volume", RESULT_VARIANT, callback, user_data);
  const char *mode = request->mode != NULL ? request->mode : "rw";
  g_autofree char *host = NULL;
  GError *error = NULL;

  if (!g_uuid_string_is_valid (request->instance_uuid))
    {
      manager_op_reject (
        op, g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "instance '%s' is not a UUID such as "
                         "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10",
                         g_utf8_validate (request->instance_uuid, -1, NULL) ? request->instance_uuid
                                                                             : "(not UTF-8)"));
      return;
    }
  if (!g_str_equal (mode, "rw") && !g_str_equal (mode, "ro"))
    {
      manager_op_reject (op, g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                          "mode '%s' is neither rw (read-write) nor ro (read-only)",
                                          g_utf8_validate (mode, -1, NULL) ? mode : "(not UTF-8)"));
      return;
    }
  if (!check_mountpoint (request->mountpoint, &error)
      || !manager_check_text ("host", request->host, NAME_MAX_LEN, &error)
      || !attach_host (request, &host, &error))
    {
      manager_op_reject (op, error);
      return;
    }

  op->volume_id = g_strdup (volume_id);
  op->data = g_new0 (AttachData, 1);
  op->data_free = (GDestroyNotify) attach_data_free;
  A (op)->instance_uuid = g_ascii_strdown (request->instance_uuid, -1);
  A (op)->mountpoint = g_strdup (request->mountpoint);
  A (op)->host = g_steal_pointer (&host);
  A (op)->mode = g_strdup (mode);
  if (request->connector != NULL)
    A (op)->connector = manager_connector_without_secrets (request->connector);
  /* a host's access changes with an attach: not beside a connect */
  op->exclusive_key = g_strconcat ("connections:", volume_id, NULL);
  manager_op_submit (op, attach_start);
}

char *
nova_volume_manager_attach_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GVariant) id = g_task_propagate_pointer (G_TASK (result), error);

  return id != NULL ? g_variant_dup_string (id, NULL) : NULL;
}

void
nova_volume_manager_attach_volume (NovaVolumeManager *self, const char *volume_id,
                                   const char *instance_uuid, const char *mountpoint, const char *host,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  const NovaVolumeAttachRequest request = {
    .instance_uuid = instance_uuid, .mountpoint = mountpoint, .host = host,
  };

  nova_volume_manager_attach (self, volume_id, &request, callback, user_data);
}

/* ---- detach ----------------------------------------------------------- */

static void detach_committed (Op *op);

static void
detach_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_IN_USE };
  NovaVolumeRecord *volume;
  NovaAttachmentRecord *attachment = NULL;
  g_autofree char *instance = NULL, *id = NULL;

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  volume = op->volume;
  if (A (op)->attachment_id != NULL)
    attachment = nova_volume_record_find_attachment (volume, A (op)->attachment_id);
  else if (volume->attachments->len == 1)
    attachment = g_ptr_array_index (volume->attachments, 0);
  if (attachment == NULL)
    {
      g_autoptr(GString) ids = g_string_new (NULL);

      for (guint i = 0; i < volume->attachments->len; i++)
        {
          const NovaAttachmentRecord *each = g_ptr_array_index (volume->attachments, i);

          g_string_append_printf (ids, "%s%s (instance %s)", i > 0 ? ", " : "", each->id, each->instance_uuid);
        }
      if (A (op)->attachment_id != NULL)
        manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "volume %s has no attachment %s; its attachments: %s",
                         op->volume_id, A (op)->attachment_id, ids->str);
      else
        manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "volume %s is attached %u times (%s): give option attachment to say which to end",
                         op->volume_id, volume->attachments->len, ids->str);
      return;
    }
  /* kept for the event */
  g_free (A (op)->instance_uuid);
  A (op)->instance_uuid = g_strdup (attachment->instance_uuid);
  g_free (A (op)->attachment_id);
  A (op)->attachment_id = g_strdup (attachment->id);
  g_ptr_array_remove (volume->attachments, attachment);
  nova_volume_record_sync_attached (volume);
  manager_op_commit_volume_status_then (op, volume->attachments->len > 0 ? NOVA_VOLUME_STATUS_IN_USE
                                                                         : NOVA_VOLUME_STATUS_AVAILABLE,
                                        NULL, detach_committed);
}

static void
detach_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_DETACHED, op->volume_id, NULL,
                           "detached volume %s from instance %s (attachment %s)", op->volume_id,
                           A (op)->instance_uuid, A (op)->attachment_id);
  manager_op_return (op);
}

void
nova_volume_manager_detach (NovaVolumeManager *self, const char *volume_id, const char *attachment_id,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "detach volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op->data = g_new0 (AttachData, 1);
  op->data_free = (GDestroyNotify) attach_data_free;
  A (op)->attachment_id = g_strdup (attachment_id);
  op->frees_space = TRUE;
  manager_op_submit (op, detach_start);
}

void
nova_volume_manager_detach_volume (NovaVolumeManager *self, const char *volume_id,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  nova_volume_manager_detach (self, volume_id, NULL, callback, user_data);
}
