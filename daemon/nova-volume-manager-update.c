/* nova-volume: Volume.Update and Snapshot.Update: a new name,
 * description or metadata, checked as at creation and committed like any
 * change of state, in whatever status the volume is but deleting. */
#include "config.h"

#include "nova-volume-manager-private.h"

/* an update's own: a copy of what the caller asked */
typedef struct {
  char       *name;
  char       *description;
  GHashTable *metadata;
  GHashTable *metadata_set;
  GStrv       metadata_unset;
} UpdateData;

#define UP(op) ((UpdateData *) (op)->data)

static void
update_data_free (UpdateData *data)
{
  g_free (data->name);
  g_free (data->description);
  g_clear_pointer (&data->metadata, g_hash_table_unref);
  g_clear_pointer (&data->metadata_set, g_hash_table_unref);
  g_strfreev (data->metadata_unset);
  g_free (data);
}

/* the request, checked before it waits in the queue */
static gboolean
take_update (Op *op, const NovaVolumeUpdate *update, gboolean snapshot, GError **error)
{
  UpdateData *data = g_new0 (UpdateData, 1);
  const char *what = snapshot ? "snapshot" : "volume";

  op->data = data;
  op->data_free = (GDestroyNotify) update_data_free;
  if (update->name == NULL && update->description == NULL && update->metadata == NULL
      && update->metadata_set == NULL && update->metadata_unset == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "nothing to update: give %s", snapshot ? "name or description"
                   : "name, description, metadata, metadata-set or metadata-unset");
      return FALSE;
    }
  if (snapshot && (update->metadata != NULL || update->metadata_set != NULL || update->metadata_unset != NULL))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "a snapshot has no metadata: give name or description");
      return FALSE;
    }
  if (update->metadata != NULL && (update->metadata_set != NULL || update->metadata_unset != NULL))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "metadata replaces all of the %s's metadata: give it alone, or give metadata-set and "
                   "metadata-unset", what);
      return FALSE;
    }
  if (!manager_check_text ("name", update->name, NAME_MAX_LEN, error)
      || !manager_check_text ("description", update->description, DESCRIPTION_MAX_LEN, error)
      || !manager_check_metadata (update->metadata, error)
      || !manager_check_metadata (update->metadata_set, error))
    return FALSE;
  for (const char *const *key = update->metadata_unset; key != NULL && *key != NULL; key++)
    if (!manager_check_text ("metadata key", *key, METADATA_MAX_LEN, error))
      return FALSE;
  data->name = g_strdup (update->name);
  data->description = g_strdup (update->description);
  data->metadata = update->metadata != NULL ? g_hash_table_ref (update->metadata) : NULL;
  data->metadata_set = update->metadata_set != NULL ? g_hash_table_ref (update->metadata_set) : NULL;
  data->metadata_unset = g_strdupv ((GStrv) update->metadata_unset);
  return TRUE;
}

static void
copy_metadata (GHashTable *into, GHashTable *from)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, from);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_replace (into, g_strdup (key), g_strdup (value));
}

static void
update_volume_start (Op *op)
{
  UpdateData *data = UP (op);
  g_autoptr(GError) error = NULL;

  if (!manager_op_take_volume (op))
    return;
  if (op->volume->status == NOVA_VOLUME_STATUS_DELETING)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot update volume %s: it is being deleted",
                       op->volume_id);
      return;
    }
  if (data->name != NULL)
    nova_record_set_string (&op->volume->name, data->name);
  if (data->description != NULL)
    nova_record_set_string (&op->volume->description, data->description);
  if (data->metadata != NULL)
    {
      g_hash_table_remove_all (op->volume->metadata);
      copy_metadata (op->volume->metadata, data->metadata);
    }
  if (data->metadata_set != NULL)
    copy_metadata (op->volume->metadata, data->metadata_set);
  for (char **key = data->metadata_unset; key != NULL && *key != NULL; key++)
    g_hash_table_remove (op->volume->metadata, *key);
  /* the limits hold for the result, not only for what was added */
  if (!manager_check_metadata (op->volume->metadata, &error))
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT, "cannot update volume %s: %s", op->volume_id,
                       error->message);
      return;
    }
  g_autofree char *reason = g_strdup (op->volume->status_reason);
  manager_op_commit_volume_status_then (op, op->volume->status, reason, manager_op_return);
}

void
nova_volume_manager_update_volume (NovaVolumeManager *self, const char *volume_id, const NovaVolumeUpdate *update,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "update volume", RESULT_NONE, callback, user_data);
  GError *error = NULL;

  op->volume_id = g_strdup (volume_id);
  if (!take_update (op, update, FALSE, &error))
    {
      manager_op_reject (op, error);
      return;
    }
  manager_op_submit (op, update_volume_start);
}

static void
update_snapshot_start (Op *op)
{
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (op->self, op->snapshot_id);
  UpdateData *data = UP (op);

  if (snapshot == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "snapshot %s not found", op->snapshot_id);
      return;
    }
  if (snapshot->status == NOVA_SNAPSHOT_STATUS_DELETING)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot update snapshot %s: it is being deleted",
                       op->snapshot_id);
      return;
    }
  op->snapshot = nova_snapshot_record_copy (snapshot);
  if (data->name != NULL)
    nova_record_set_string (&op->snapshot->name, data->name);
  if (data->description != NULL)
    nova_record_set_string (&op->snapshot->description, data->description);
  g_autofree char *reason = g_strdup (op->snapshot->status_reason);
  manager_op_commit_snapshot_status_then (op, op->snapshot->status, reason, manager_op_return);
}

void
nova_volume_manager_update_snapshot (NovaVolumeManager *self, const char *snapshot_id,
                                     const NovaVolumeUpdate *update,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "update snapshot", RESULT_NONE, callback, user_data);
  GError *error = NULL;

  op->snapshot_id = g_strdup (snapshot_id);
  if (!take_update (op, update, TRUE, &error))
    {
      manager_op_reject (op, error);
      return;
    }
  manager_op_submit (op, update_snapshot_start);
}
