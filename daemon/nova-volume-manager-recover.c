/* nova-volume: what the backends hold that the store has no record of. A
 * store restored from an old backup, or lost and started afresh, leaves
 * volumes whose bytes are still there: every start says so, and
 * nova-volumed --recover records them again (as available volumes and
 * snapshots, their ids and sizes as the backends give them), so nothing
 * is orphaned without a word. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"

/* What @backend holds that no record names; NULL when it cannot say
 * (NotSupported: a driver that keeps no bytes of its own, or one that
 * cannot list). */
static GPtrArray *
unrecorded_on (NovaVolumeManager *self, NovaVolumeBackend *backend, GError **error)
{
  g_autoptr(GPtrArray) stored = nova_volume_driver_list_stored (nova_volume_backend_get_driver (backend), error);

  if (stored == NULL)
    return NULL;
  for (guint i = stored->len; i-- > 0;)
    {
      const NovaVolumeStored *item = g_ptr_array_index (stored, i);

      /* what Unmanage let go of stays unrecorded on purpose */
      if (g_hash_table_contains (item->is_snapshot ? self->snapshots : self->volumes, item->id)
          || (!item->is_snapshot && g_hash_table_contains (self->released, item->id)))
        g_ptr_array_remove_index (stored, i);
    }
  return g_steal_pointer (&stored);
}

/* the backends that are up, each with what it holds unrecorded */
static void
for_each_unrecorded (NovaVolumeManager *self,
                     void (*func) (NovaVolumeManager *self, NovaVolumeBackend *backend, GPtrArray *unrecorded,
                                   gpointer data),
                     gpointer data)
{
  for (guint i = 0; i < self->backends->len; i++)
    {
      NovaVolumeBackend *backend = g_ptr_array_index (self->backends, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) unrecorded = NULL;

      if (!nova_volume_backend_is_up (backend))
        continue;
      unrecorded = unrecorded_on (self, backend, &error);
      if (unrecorded != NULL)
        func (self, backend, unrecorded, data);
      else if (g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED))
        g_debug ("backend '%s': %s", nova_volume_backend_get_name (backend), error->message);
      else
        g_warning ("cannot list what backend '%s' holds: %s", nova_volume_backend_get_name (backend),
                   error->message);
    }
}

static void
report (NovaVolumeManager *self, NovaVolumeBackend *backend, GPtrArray *unrecorded, gpointer data)
{
  g_autoptr(GString) some = g_string_new (NULL);
  guint n_snapshots = 0;

  if (unrecorded->len == 0)
    return;
  for (guint i = 0; i < unrecorded->len; i++)
    {
      const NovaVolumeStored *item = g_ptr_array_index (unrecorded, i);

      n_snapshots += item->is_snapshot ? 1 : 0;
      if (i < 3)
        g_string_append_printf (some, "%s%s %s", i > 0 ? ", " : "", item->is_snapshot ? "snapshot" : "volume",
                                item->id);
    }
  g_warning ("backend '%s' holds %u volumes and %u snapshots that the store has no record of (%s%s): their "
             "data is still there; nova-volumed --recover records them again", nova_volume_backend_get_name (backend),
             unrecorded->len - n_snapshots, n_snapshots, some->str, unrecorded->len > 3 ? ", ..." : "");
}

void
manager_report_unrecorded (NovaVolumeManager *self)
{
  for_each_unrecorded (self, report, NULL);
}

typedef struct {
  guint     n_volumes;
  guint     n_snapshots;
  guint     n_left;
  GError  **error;   /* the first commit that failed */
} Adoption;

static void
adopt_volume (NovaVolumeManager *self, NovaVolumeBackend *backend, const NovaVolumeStored *item, Adoption *adoption)
{
  g_autoptr(NovaVolumeRecord) volume = nova_volume_record_new ();
  g_autoptr(GError) export_error = NULL;
  g_autofree char *description = g_strdup_printf ("recorded again by nova-volumed --recover: found on backend '%s' "
                                                  "without a record", nova_volume_backend_get_name (backend));

  volume->id = g_strdup (item->id);
  volume->size = item->size;
  nova_record_set_string (&volume->description, description);
  nova_record_set_string (&volume->driver, nova_volume_backend_get_driver_name (backend));
  nova_record_set_string (&volume->backend, nova_volume_backend_get_name (backend));
  nova_record_set_string (&volume->availability_zone,
                          nova_volume_config_get_string (self->config, "storage_availability_zone"));
  volume->created_at = g_get_real_time ();
  /* recorded first, as a create is: the export's numbers (a target, a
   * shelf.slot) are kept against the volume's row */
  volume->status = NOVA_VOLUME_STATUS_CREATING;
  if (!manager_commit_volume (self, volume, adoption->error))
    return;
  /* the export the store forgot (its target name, its CHAP secret) is made
   * anew: hosts connect with the new one */
  volume->status = NOVA_VOLUME_STATUS_AVAILABLE;
  if (!nova_volume_driver_create_export (nova_volume_backend_get_driver (backend), volume, &export_error)
      && !g_error_matches (export_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED))
    {
      g_autofree char *reason = g_strdup_printf ("recorded again by --recover, but its export could not be "
                                                 "made: %s", export_error->message);

      volume->status = NOVA_VOLUME_STATUS_ERROR;
      nova_record_set_string (&volume->status_reason, reason);
    }
  if (!manager_commit_volume (self, volume, adoption->error))
    return;
  adoption->n_volumes++;
  g_message ("recorded volume %s again (%" G_GUINT64_FORMAT " bytes on backend '%s'): %s", volume->id, volume->size,
             volume->backend, nova_volume_status_to_string (volume->status));
}

static void
adopt_snapshot (NovaVolumeManager *self, NovaVolumeBackend *backend, const NovaVolumeStored *item,
                Adoption *adoption)
{
  g_autoptr(NovaSnapshotRecord) snapshot = NULL;
  const NovaVolumeRecord *volume = nova_volume_manager_lookup_volume (self, item->volume_id);

  if (volume == NULL)
    {
      g_warning ("snapshot %s on backend '%s': %s; left as it is", item->id, nova_volume_backend_get_name (backend),
                 item->volume_id == NULL ? "the backend does not say whose snapshot it is"
                                         : "its volume is on no backend served here");
      adoption->n_left++;
      return;
    }
  snapshot = nova_snapshot_record_new ();
  snapshot->id = g_strdup (item->id);
  snapshot->volume_id = g_strdup (volume->id);
  snapshot->size = item->size;
  snapshot->status = NOVA_SNAPSHOT_STATUS_AVAILABLE;
  snapshot->progress = 1.0;
  nova_record_set_string (&snapshot->description, "recorded again by nova-volumed --recover");
  snapshot->created_at = g_get_real_time ();
  if (!manager_commit_snapshot (self, snapshot, adoption->error))
    return;
  adoption->n_snapshots++;
  g_message ("recorded snapshot %s of volume %s again", snapshot->id, snapshot->volume_id);
}

static void
adopt (NovaVolumeManager *self, NovaVolumeBackend *backend, GPtrArray *unrecorded, gpointer data)
{
  Adoption *adoption = data;

  /* volumes first: a snapshot is recorded only with its volume */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < unrecorded->len && *adoption->error == NULL; i++)
      {
        const NovaVolumeStored *item = g_ptr_array_index (unrecorded, i);

        if (!item->is_snapshot && pass == 0)
          adopt_volume (self, backend, item, adoption);
        else if (item->is_snapshot && pass == 1)
          adopt_snapshot (self, backend, item, adoption);
      }
}

gboolean
nova_volume_manager_recover (NovaVolumeManager *self, GError **error)
{
  GError *first_error = NULL;
  Adoption adoption = { 0, 0, 0, &first_error };

  g_return_val_if_fail (NOVA_VOLUME_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (self->n_operations == 0, FALSE);
  for_each_unrecorded (self, adopt, &adoption);
  if (first_error != NULL)
    {
      g_propagate_error (error, first_error);
      return FALSE;
    }
  nova_volume_log_event (NOVA_VOLUME_EVENT_RECONCILED, NULL, NULL,
                         "recover: recorded %u volumes and %u snapshots again; %u snapshots left as they are",
                         adoption.n_volumes, adoption.n_snapshots, adoption.n_left);
  return TRUE;
}
