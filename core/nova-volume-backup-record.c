/* nova-volume: backup records. */
#include "config.h"

#include "nova-volume-backup-record.h"

/* indexed by the enum: keep in the same order */
static const char *const backup_status_names[] = {
  "creating",
  "available",
  "restoring",
  "deleting",
  "error",
};
G_STATIC_ASSERT (G_N_ELEMENTS (backup_status_names) == NOVA_BACKUP_STATUS_ERROR + 1);

const char *
nova_backup_status_to_string (NovaBackupStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (backup_status_names))
    return NULL;
  return backup_status_names[status];
}

gboolean
nova_backup_status_from_string (const char *text, NovaBackupStatus *out)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (backup_status_names); i++)
    if (g_str_equal (text, backup_status_names[i]))
      {
        if (out != NULL)
          *out = (NovaBackupStatus) i;
        return TRUE;
      }
  return FALSE;
}

NovaBackupRecord *
nova_backup_record_new (void)
{
  NovaBackupRecord *record = g_new0 (NovaBackupRecord, 1);

  record->snapshot_id = g_strdup ("");
  record->name = g_strdup ("");
  record->description = g_strdup ("");
  record->parent_id = g_strdup ("");
  record->status = NOVA_BACKUP_STATUS_CREATING;
  record->status_reason = g_strdup ("");
  return record;
}

NovaBackupRecord *
nova_backup_record_copy (const NovaBackupRecord *record)
{
  NovaBackupRecord *copy = g_memdup2 (record, sizeof *record);

  copy->id = g_strdup (record->id);
  copy->volume_id = g_strdup (record->volume_id);
  copy->snapshot_id = g_strdup (record->snapshot_id);
  copy->name = g_strdup (record->name);
  copy->description = g_strdup (record->description);
  copy->parent_id = g_strdup (record->parent_id);
  copy->status_reason = g_strdup (record->status_reason);
  return copy;
}

void
nova_backup_record_free (NovaBackupRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->id);
  g_free (record->volume_id);
  g_free (record->snapshot_id);
  g_free (record->name);
  g_free (record->description);
  g_free (record->parent_id);
  g_free (record->status_reason);
  g_free (record);
}
