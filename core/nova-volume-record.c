/* nova-volume: volume, snapshot and connection records. */
#include "config.h"

#include <string.h>

#include "nova-volume-error.h"
#include "nova-volume-record.h"

/* indexed by the enums: keep in the same order */
static const char *const volume_status_names[] = {
  "creating",
  "available",
  "attaching",
  "in-use",
  "detaching",
  "extending",
  "deleting",
  "error",
  "error_deleting",
  "migrating",
  "reverting",
  "restoring-backup",
};
G_STATIC_ASSERT (G_N_ELEMENTS (volume_status_names) == NOVA_VOLUME_STATUS_RESTORING_BACKUP + 1);

static const char *const snapshot_status_names[] = {
  "creating",
  "available",
  "deleting",
  "error",
  "error_deleting",
};
G_STATIC_ASSERT (G_N_ELEMENTS (snapshot_status_names) == NOVA_SNAPSHOT_STATUS_ERROR_DELETING + 1);

const char *
nova_volume_status_to_string (NovaVolumeStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (volume_status_names))
    return NULL;
  return volume_status_names[status];
}

gboolean
nova_volume_status_from_string (const char *text, NovaVolumeStatus *out)
{
  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (volume_status_names); i++)
    {
      if (g_strcmp0 (text, volume_status_names[i]) == 0)
        {
          if (out != NULL)
            *out = (NovaVolumeStatus) i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
nova_snapshot_status_to_string (NovaSnapshotStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (snapshot_status_names))
    return NULL;
  return snapshot_status_names[status];
}

gboolean
nova_snapshot_status_from_string (const char *text, NovaSnapshotStatus *out)
{
  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (snapshot_status_names); i++)
    {
      if (g_strcmp0 (text, snapshot_status_names[i]) == 0)
        {
          if (out != NULL)
            *out = (NovaSnapshotStatus) i;
          return TRUE;
        }
    }
  return FALSE;
}

void
nova_record_set_string (char **field, const char *value)
{
  char *copy;

  g_return_if_fail (field != NULL);

  /* copy first: @value may be *field itself, or point into it */
  copy = g_strdup (value);
  g_free (*field);
  *field = copy;
}

static GHashTable *
metadata_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

NovaVolumeRecord *
nova_volume_record_new (void)
{
  NovaVolumeRecord *record = g_new0 (NovaVolumeRecord, 1);

  record->name = g_strdup ("");
  record->description = g_strdup ("");
  record->status = NOVA_VOLUME_STATUS_CREATING;
  record->status_reason = g_strdup ("");
  record->instance_uuid = g_strdup ("");
  record->mountpoint = g_strdup ("");
  record->attached_host = g_strdup ("");
  record->availability_zone = g_strdup ("");
  record->provider_location = g_strdup ("");
  record->provider_auth = g_strdup ("");
  record->driver = g_strdup ("");
  record->backend = g_strdup ("");
  record->migration = g_strdup ("");
  record->reverting_to = g_strdup ("");
  record->metadata = metadata_new ();
  record->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_attachment_record_free);
  return record;
}

NovaVolumeRecord *
nova_volume_record_copy (const NovaVolumeRecord *record)
{
  NovaVolumeRecord *copy;
  GHashTableIter iter;
  gpointer key;
  gpointer value;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_new0 (NovaVolumeRecord, 1);
  copy->id = g_strdup (record->id);
  copy->name = g_strdup (record->name);
  copy->description = g_strdup (record->description);
  copy->size = record->size;
  copy->status = record->status;
  copy->status_reason = g_strdup (record->status_reason);
  copy->attached = record->attached;
  copy->instance_uuid = g_strdup (record->instance_uuid);
  copy->mountpoint = g_strdup (record->mountpoint);
  copy->attached_host = g_strdup (record->attached_host);
  copy->availability_zone = g_strdup (record->availability_zone);
  copy->source_snapshot_id = g_strdup (record->source_snapshot_id);
  copy->source_volume_id = g_strdup (record->source_volume_id);
  copy->provider_location = g_strdup (record->provider_location);
  copy->provider_auth = g_strdup (record->provider_auth);
  copy->driver = g_strdup (record->driver);
  copy->backend = g_strdup (record->backend);
  copy->migration = g_strdup (record->migration);
  copy->reverting_to = g_strdup (record->reverting_to);
  copy->created_at = record->created_at;
  copy->updated_at = record->updated_at;
  copy->multiattach = record->multiattach;
  copy->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_attachment_record_free);
  for (guint i = 0; record->attachments != NULL && i < record->attachments->len; i++)
    g_ptr_array_add (copy->attachments, nova_attachment_record_copy (g_ptr_array_index (record->attachments, i)));

  /* a deep copy: the copy goes to another thread that may outlive the
   * original's table */
  copy->metadata = metadata_new ();
  if (record->metadata != NULL)
    {
      g_hash_table_iter_init (&iter, record->metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (copy->metadata, g_strdup (key), g_strdup (value));
    }
  return copy;
}

void
nova_volume_record_free (NovaVolumeRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->name);
  g_free (record->description);
  g_free (record->status_reason);
  g_free (record->instance_uuid);
  g_free (record->mountpoint);
  g_free (record->attached_host);
  g_free (record->availability_zone);
  g_free (record->source_snapshot_id);
  g_free (record->source_volume_id);
  g_free (record->provider_location);
  g_free (record->provider_auth);
  g_free (record->driver);
  g_free (record->backend);
  g_free (record->migration);
  g_free (record->reverting_to);
  g_clear_pointer (&record->metadata, g_hash_table_unref);
  g_clear_pointer (&record->attachments, g_ptr_array_unref);
  g_free (record);
}

NovaAttachmentRecord *
nova_attachment_record_new (void)
{
  NovaAttachmentRecord *record = g_new0 (NovaAttachmentRecord, 1);

  record->instance_uuid = g_strdup ("");
  record->mountpoint = g_strdup ("");
  record->host = g_strdup ("");
  record->mode = g_strdup ("rw");
  record->connector = g_strdup ("");
  return record;
}

NovaAttachmentRecord *
nova_attachment_record_copy (const NovaAttachmentRecord *record)
{
  NovaAttachmentRecord *copy = g_new0 (NovaAttachmentRecord, 1);

  copy->id = g_strdup (record->id);
  copy->instance_uuid = g_strdup (record->instance_uuid);
  copy->mountpoint = g_strdup (record->mountpoint);
  copy->host = g_strdup (record->host);
  copy->mode = g_strdup (record->mode);
  copy->connector = g_strdup (record->connector);
  copy->attached_at = record->attached_at;
  return copy;
}

void
nova_attachment_record_free (NovaAttachmentRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->instance_uuid);
  g_free (record->mountpoint);
  g_free (record->host);
  g_free (record->mode);
  g_free (record->connector);
  g_free (record);
}

void
nova_volume_record_sync_attached (NovaVolumeRecord *volume)
{
  const NovaAttachmentRecord *first = volume->attachments->len > 0 ? g_ptr_array_index (volume->attachments, 0)
                                                                     : NULL;

  volume->attached = first != NULL;
  nova_record_set_string (&volume->instance_uuid, first != NULL ? first->instance_uuid : "");
  nova_record_set_string (&volume->mountpoint, first != NULL ? first->mountpoint : "");
  nova_record_set_string (&volume->attached_host, first != NULL ? first->host : "");
}

NovaAttachmentRecord *
nova_volume_record_find_attachment (const NovaVolumeRecord *volume, const char *id)
{
  for (guint i = 0; i < volume->attachments->len; i++)
    {
      NovaAttachmentRecord *attachment = g_ptr_array_index (volume->attachments, i);

      if (g_strcmp0 (attachment->id, id) == 0)
        return attachment;
    }
  return NULL;
}

NovaSnapshotRecord *
nova_snapshot_record_new (void)
{
  NovaSnapshotRecord *record = g_new0 (NovaSnapshotRecord, 1);

  record->name = g_strdup ("");
  record->description = g_strdup ("");
  record->status = NOVA_SNAPSHOT_STATUS_CREATING;
  record->status_reason = g_strdup ("");
  record->provider_location = g_strdup ("");
  return record;
}

NovaSnapshotRecord *
nova_snapshot_record_copy (const NovaSnapshotRecord *record)
{
  NovaSnapshotRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_new0 (NovaSnapshotRecord, 1);
  copy->id = g_strdup (record->id);
  copy->volume_id = g_strdup (record->volume_id);
  copy->name = g_strdup (record->name);
  copy->description = g_strdup (record->description);
  copy->size = record->size;
  copy->status = record->status;
  copy->status_reason = g_strdup (record->status_reason);
  copy->progress = record->progress;
  copy->provider_location = g_strdup (record->provider_location);
  copy->created_at = record->created_at;
  copy->updated_at = record->updated_at;
  return copy;
}

void
nova_snapshot_record_free (NovaSnapshotRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->volume_id);
  g_free (record->name);
  g_free (record->description);
  g_free (record->status_reason);
  g_free (record->provider_location);
  g_free (record);
}

/* with GCC, G_DEFINE_BOXED_TYPE type-checks copy and free through a
 * transparent union, which -Wpedantic rejects in ISO C mode */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
G_DEFINE_BOXED_TYPE (NovaVolumeRecord, nova_volume_record,
                     nova_volume_record_copy, nova_volume_record_free)
G_DEFINE_BOXED_TYPE (NovaSnapshotRecord, nova_snapshot_record,
                     nova_snapshot_record_copy, nova_snapshot_record_free)
#pragma GCC diagnostic pop

gboolean
nova_volume_check_id (const char *kind, const char *id, GError **error)
{
  gboolean ok = id != NULL && *id != '\0' && id[0] != '.' && id[0] != '-' && strchr (id, '/') == NULL;

  for (const char *p = id; ok && *p != '\0'; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      ok = FALSE;
  if (!ok)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                 "invalid %s id '%s'", kind, id != NULL ? id : "(null)");
  return ok;
}
