/* nova-volume: ManageExisting and Unmanage, Cinder's manage and unmanage.
 * ManageExisting takes an LV, image, VDI or file a backend already holds
 * under the daemon's control: the driver checks it and renames it to the
 * name the new volume's id gives (a name the volume template made keeps
 * its id and is not renamed), then the volume is recorded, exported and
 * available. Unmanage is the way back: the export and the record go, the
 * data stays, and the store remembers that it was let go of, so a start
 * does not report it as data without a record and --recover leaves it. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"

/* a manage's own: what the caller asked for */
typedef struct {
  char       *reference;
  char       *name;
  char       *description;
  GHashTable *metadata;    /* may be NULL */
  gboolean    keep_name;
} ManageData;

static void
manage_data_free (ManageData *data)
{
  g_free (data->reference);
  g_free (data->name);
  g_free (data->description);
  g_clear_pointer (&data->metadata, g_hash_table_unref);
  g_free (data);
}

#define MD(op) ((ManageData *) (op)->data)

static void manage_thread (Op *op);
static void manage_commit_creating (Op *op);
static void manage_export_thread (Op *op);
static void manage_creating_committed (Op *op);
static void manage_done (Op *op);
static void manage_committed (Op *op);

/* The backend a manage looks in: the one named, else default_volume_type's,
 * else the only one. */
static const char *
manage_backend_name (Op *op)
{
  NovaVolumeManager *self = op->self;
  const char *default_type = nova_volume_config_get_string (self->config, "default_volume_type");
  const NovaVolumeType *type = default_type[0] != '\0' ? nova_volume_config_lookup_type (self->config, default_type)
                                                       : NULL;

  if (op->backend_name != NULL)
    return op->backend_name;
  if (type != NULL)
    return type->backend;
  if (self->backends->len == 1)
    return nova_volume_backend_get_name (g_ptr_array_index (self->backends, 0));
  manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "cannot manage '%s': this daemon serves %u backends and has no default_volume_type; give "
                   "option backend", MD (op)->reference, self->backends->len);
  return NULL;
}

static void
manage_start (Op *op)
{
  NovaVolumeManager *self = op->self;
  const char *backend_name = manage_backend_name (op);
  NovaVolumeConfig *config;
  g_autofree char *id = NULL, *snapshot_id = NULL;
  NovaVolumeRecord *volume;

  if (backend_name == NULL || !manager_op_take_backend (op, backend_name, NULL))
    return;
  config = nova_volume_backend_get_config (op->backend);
  id = nova_volume_config_id_from_volume_name (config, MD (op)->reference);
  snapshot_id = nova_volume_config_id_from_snapshot_name (config, MD (op)->reference);
  if (id == NULL && snapshot_id != NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot manage '%s': it is named as a snapshot is (snapshot_name_template); a snapshot "
                       "is recorded with its volume by nova-volumed --recover", MD (op)->reference);
      return;
    }
  if (id != NULL && nova_volume_manager_lookup_volume (self, id) != NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot manage '%s': it is volume %s, managed already",
                       MD (op)->reference, id);
      return;
    }
  if (id == NULL && MD (op)->keep_name)
    {
      g_autofree char *example = nova_volume_config_volume_name (config, "<id>");

      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                       "cannot manage '%s' under its own name: backend '%s' finds a volume, its export and its "
                       "snapshots by the name its id gives (%s); leave out keep-name to have it renamed",
                       MD (op)->reference, backend_name, example);
      return;
    }
  /* a name the template made from an id keeps that id: nothing to rename */
  op->volume_id = id != NULL ? g_steal_pointer (&id) : g_uuid_string_random ();
  volume = op->volume = nova_volume_record_new ();
  nova_record_set_string (&volume->id, op->volume_id);
  nova_record_set_string (&volume->name, MD (op)->name != NULL ? MD (op)->name : "");
  nova_record_set_string (&volume->description, MD (op)->description != NULL ? MD (op)->description : "");
  volume->status = NOVA_VOLUME_STATUS_CREATING;
  nova_record_set_string (&volume->availability_zone,
                          nova_volume_config_get_string (self->config, "storage_availability_zone"));
  nova_record_set_string (&volume->driver, nova_volume_backend_get_driver_name (op->backend));
  nova_record_set_string (&volume->backend, nova_volume_backend_get_name (op->backend));
  volume->created_at = g_get_real_time ();
  if (MD (op)->metadata != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, MD (op)->metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_replace (volume->metadata, g_strdup (key), g_strdup (value));
    }
  manager_op_in_thread (op, manage_thread, manage_commit_creating);
}

/* worker thread: the driver checks and renames; nothing is recorded yet,
 * so a crash after the rename leaves data under the volume's name without
 * a record, which every start reports and --recover records */
static void
manage_thread (Op *op)
{
  MANAGER_CRASH_POINT (op, "before-driver-manage");
  if (!nova_volume_driver_manage_existing (op->driver, op->volume, MD (op)->reference, &op->error))
    return;
  MANAGER_CRASH_POINT (op, "after-driver-manage");
}

static void
manage_commit_creating (Op *op)
{
  g_autofree char *reason = NULL;

  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot manage '%s': ", MD (op)->reference);
      manager_op_return (op);
      return;
    }
  /* recorded before its export, as a create is: the export's numbers (a
   * target, a shelf.slot) are kept against the volume's row. A creating
   * volume that a stop cuts short is settled in error with the reason
   * it carries, and a delete would remove the data it was given: the
   * reason says so. */
  reason = g_strdup_printf ("taking '%s' under control; if that is cut short, its data is this volume's: "
                            "Unmanage it and manage it again (Delete would remove the data)", MD (op)->reference);
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_CREATING, reason, manage_creating_committed);
}

static void
manage_creating_committed (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  manager_op_in_thread (op, manage_export_thread, manage_done);
}

static void
manage_export_thread (Op *op)
{
  if (nova_volume_driver_create_export (op->driver, op->volume, &op->error))
    MANAGER_CRASH_POINT (op, "after-driver-create-export");
}

static void
manage_done (Op *op)
{
  if (op->error != NULL)
    {
      /* the data is the volume's now, under its name: it stays recorded,
       * in error, for Unmanage or Delete to decide */
      g_prefix_error (&op->error, "managed '%s' as volume %s, but its export could not be made: ",
                      MD (op)->reference, op->volume_id);
      manager_op_commit_volume_failure_then (op, NOVA_VOLUME_STATUS_ERROR, manager_op_return);
      return;
    }
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_AVAILABLE, "", manage_committed);
}

static void manage_finish (Op *op);

static void
manage_committed (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  /* a stale row only keeps quiet what is recorded anyway */
  if (g_hash_table_contains (op->self->released, op->volume_id))
    manager_op_commit_released_forgotten_then (op, manage_finish);
  else
    manage_finish (op);
}

static void
manage_finish (Op *op)
{
  nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_MANAGED, op->volume_id, NULL,
                         "managed '%s' on backend '%s' as volume %s (%" G_GUINT64_FORMAT " bytes)",
                         MD (op)->reference, op->volume->backend, op->volume_id, op->volume->size);
  manager_op_return (op);
}

void
nova_volume_manager_manage_existing (NovaVolumeManager *self, const NovaVolumeManageRequest *request,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "manage volume", RESULT_VOLUME_ID, callback, user_data);
  g_autoptr(GError) error = NULL;

  if (request->reference == NULL || request->reference[0] == '\0')
    error = g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                 "give the name the backend knows it by: an LV of the volume group, an image of "
                                 "the pool, a VDI, a file of the volumes directory");
  if (error == NULL && manager_check_text ("reference", request->reference, NAME_MAX_LEN, &error)
      && manager_check_text ("name", request->name, NAME_MAX_LEN, &error)
      && manager_check_text ("description", request->description, DESCRIPTION_MAX_LEN, &error))
    manager_check_metadata (request->metadata, &error);
  if (error != NULL)
    {
      manager_op_reject (op, g_steal_pointer (&error));
      return;
    }
  op->data = g_new0 (ManageData, 1);
  op->data_free = (GDestroyNotify) manage_data_free;
  MD (op)->reference = g_strdup (request->reference);
  MD (op)->name = g_strdup (request->name);
  MD (op)->description = g_strdup (request->description);
  MD (op)->keep_name = request->keep_name;
  if (request->metadata != NULL)
    MD (op)->metadata = g_hash_table_ref (request->metadata);
  op->backend_name = g_strdup (request->backend);
  /* two manages of one name go one after the other: the second finds it
   * renamed, or managed */
  op->exclusive_key = g_strdup_printf ("manage:%s:%s", request->backend != NULL ? request->backend : "",
                                       request->reference);
  manager_op_submit (op, manage_start);
}

/* ---- unmanage --------------------------------------------------------- */

static void unmanage_thread (Op *op);
static void unmanage_done (Op *op);
static void unmanage_released (Op *op);

static void
unmanage_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_ERROR };
  g_autoptr(GString) ids = g_string_new (NULL);
  guint n_snapshots;

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed))
      || !manager_op_check_no_connections (op))
    return;
  n_snapshots = manager_count_snapshots_of (op->self, op->volume_id, ids);
  if (n_snapshots > 0)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "cannot unmanage volume %s: it has %u snapshot%s (%s); delete %s first, or they would "
                       "stay on the backend with no volume to belong to", op->volume_id, n_snapshots,
                       n_snapshots == 1 ? "" : "s", ids->str, n_snapshots == 1 ? "it" : "them");
      return;
    }
  manager_op_in_thread (op, unmanage_thread, unmanage_done);
}

/* worker thread: hosts lose their way in; the data stays */
static void
unmanage_thread (Op *op)
{
  MANAGER_CRASH_POINT (op, "before-driver-remove-export");
  if (!nova_volume_driver_remove_export (op->driver, op->volume, &op->error))
    return;
  MANAGER_CRASH_POINT (op, "after-driver-remove-export");
}

static void
unmanage_done (Op *op)
{
  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot unmanage volume %s: ", op->volume_id);
      manager_op_return (op);
      return;
    }
  /* the export comes back at the next start if this commit is lost */
  manager_op_commit_volume_released_then (op, unmanage_released);
}

static void
unmanage_released (Op *op)
{
  g_autofree char *location = NULL;

  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  location = nova_volume_driver_storage_location (op->driver, op->volume);
  nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_UNMANAGED, op->volume_id, NULL,
                         "unmanaged volume %s: its data stays on backend '%s'%s%s", op->volume_id,
                         op->volume->backend, location != NULL ? " at " : "", location != NULL ? location : "");
  manager_op_return (op);
}

void
nova_volume_manager_unmanage_volume (NovaVolumeManager *self, const char *volume_id,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "unmanage volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  manager_op_submit (op, unmanage_start);
}
