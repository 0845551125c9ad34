/* nova-volume: the volume manager's operations on volumes and snapshots:
 * create (blank, from a snapshot, a clone), delete, extend, attach and
 * detach, take and delete snapshots. Each is a chain of steps on the
 * framework in nova-volume-manager.c. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

/* ---- checks ---------------------------------------------------------- */

guint
manager_count_snapshots_of (NovaVolumeManager *self, const char *volume_id, GString *ids)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->snapshots);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const NovaSnapshotRecord *snapshot = value;

      if (g_strcmp0 (snapshot->volume_id, volume_id) != 0)
        continue;
      if (ids != NULL)
        g_string_append_printf (ids, "%s%s", ids->len > 0 ? ", " : "", snapshot->id);
      n++;
    }
  return n;
}

static gboolean
check_metadata (GHashTable *metadata, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (metadata == NULL)
    return TRUE;
  if (g_hash_table_size (metadata) > METADATA_MAX_ITEMS)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "metadata has %u items; at most %d are allowed",
                   g_hash_table_size (metadata), METADATA_MAX_ITEMS);
      return FALSE;
    }
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (*(const char *) key == '\0')
        {
          g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                               "metadata keys may not be empty");
          return FALSE;
        }
      if (!manager_check_text ("metadata key", key, METADATA_MAX_LEN, error)
          || !manager_check_text ("metadata value", value, METADATA_MAX_LEN, error))
        return FALSE;
    }
  return TRUE;
}

/* The capability a type's extra spec asks for, against the backend's
 * stats: NULL when it matches, else what is missing */
static char *
type_mismatch (const NovaVolumeType *type, GVariant *stats)
{
  const char *wanted;
  gboolean thin = FALSE;
  const char *protocol = NULL;

  wanted = g_hash_table_lookup (type->specs, "thin");
  if (wanted != NULL && g_str_equal (wanted, "true")
      && !(g_variant_lookup (stats, "thin_provisioning_support", "b", &thin) && thin))
    return g_strdup ("thin = true, and the backend does not provision thinly");
  wanted = g_hash_table_lookup (type->specs, "multiattach");
  if (wanted != NULL && g_str_equal (wanted, "true"))
    return g_strdup ("multiattach = true, and the backend cannot attach a volume to several hosts");
  wanted = g_hash_table_lookup (type->specs, "storage_protocol");
  if (wanted != NULL && !(g_variant_lookup (stats, "storage_protocol", "&s", &protocol)
                          && g_ascii_strcasecmp (protocol, wanted) == 0))
    return g_strdup_printf ("storage_protocol = %s, and the backend's is %s", wanted,
                            protocol != NULL ? protocol : "unknown");
  return NULL;
}

gboolean
manager_check_free_space (NovaVolumeManager *self, NovaVolumeBackend *on, guint64 needed,
                          const char *volume_type, GError **error)
{
  g_autoptr(GVariant) stats = nova_volume_driver_get_volume_stats (nova_volume_backend_get_driver (on), TRUE,
                                                                   error);
  const char *backend = nova_volume_backend_get_name (on);
  const NovaVolumeType *type = volume_type != NULL
                               ? nova_volume_config_lookup_type (self->config, volume_type) : NULL;
  guint64 free_bytes;
  g_autofree char *needed_text = NULL;
  g_autofree char *free_text = NULL;

  if (stats == NULL)
    return FALSE;
  if (type != NULL)
    {
      g_autofree char *mismatch = type_mismatch (type, stats);

      if (mismatch != NULL)
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "volume type '%s' does not match its backend '%s': the type asks %s",
                       type->name, backend, mismatch);
          return FALSE;
        }
    }
  if (!g_variant_lookup (stats, "free_capacity", "t", &free_bytes))
    return TRUE; /* the driver cannot tell: let it refuse by itself */
  if (needed <= free_bytes)
    return TRUE;
  needed_text = nova_volume_size_format (needed);
  free_text = nova_volume_size_format (free_bytes);
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
               "not enough space: %s requested, %s free in the %s backend",
               needed_text, free_text, backend);
  return FALSE;
}

/* a create's own: what the new volume is to be */
typedef struct {
  guint64     size;          /* 0 with a source: the source's */
  char       *name;
  char       *description;
  GHashTable *metadata;      /* may be NULL */
  char       *volume_type;   /* asked for, or default_volume_type's; may be NULL */
} CreateData;

static void
create_data_free (CreateData *data)
{
  g_free (data->name);
  g_free (data->description);
  g_clear_pointer (&data->metadata, g_hash_table_unref);
  g_free (data->volume_type);
  g_free (data);
}

#define CR(op) ((CreateData *) (op)->data)

/* The backend a new volume without a source goes to: the one asked for,
 * else the type's (asked for, else default_volume_type), else the one
 * that is up with the most free space by its latest figures. Fails the
 * operation and returns FALSE when that backend cannot take it. */
static gboolean
create_take_backend (Op *op)
{
  NovaVolumeManager *self = op->self;
  const char *type_name = CR (op)->volume_type;
  const char *default_type = nova_volume_config_get_string (self->config, "default_volume_type");
  NovaVolumeBackend *freest = NULL;
  guint64 freest_bytes = 0;

  if (type_name == NULL && op->backend_name == NULL && default_type[0] != '\0')
    {
      type_name = default_type;
      CR (op)->volume_type = g_strdup (default_type);
    }
  if (type_name != NULL)
    {
      const NovaVolumeType *type = nova_volume_config_lookup_type (self->config, type_name);
      NovaVolumeBackend *backend;

      if (type == NULL)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "cannot %s: there is no volume type '%s'", op->what, type_name);
          return FALSE;
        }
      if (op->backend_name != NULL && !g_str_equal (op->backend_name, type->backend))
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "cannot %s: volume type '%s' puts its volumes on backend '%s', not on "
                           "backend '%s'; give one of the two", op->what, type->name, type->backend,
                           op->backend_name);
          return FALSE;
        }
      backend = manager_lookup_backend (self, type->backend);
      if (backend != NULL && !nova_volume_backend_is_up (backend))
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "cannot %s: volume type '%s' puts its volumes on backend '%s', which is "
                           "down: %s", op->what, type->name, type->backend,
                           nova_volume_backend_get_state_reason (backend));
          return FALSE;
        }
      return manager_op_take_backend (op, type->backend, NULL);
    }
  if (op->backend_name != NULL)
    return manager_op_take_backend (op, op->backend_name, NULL);

  for (guint i = 0; i < self->backends->len; i++)
    {
      NovaVolumeBackend *backend = g_ptr_array_index (self->backends, i);
      GVariant *stats = nova_volume_backend_get_stats (backend);
      guint64 free_bytes = 0;

      const char *reason = NULL;

      /* down, or its latest refresh failed (a cluster gone since): not a
       * place for a new volume */
      if (g_str_equal (nova_volume_backend_get_state (backend, &reason), "down"))
        continue;
      if (stats != NULL)
        g_variant_lookup (stats, "free_capacity", "t", &free_bytes);
      if (freest == NULL || free_bytes > freest_bytes)
        {
          freest = backend;
          freest_bytes = free_bytes;
        }
    }
  if (freest == NULL)
    freest = g_ptr_array_index (self->backends, 0);
  return manager_op_take_backend (op, nova_volume_backend_get_name (freest), NULL);
}

/* A volume made from a snapshot or a clone is made by its source's
 * backend: a backend or type that names another one is refused. */
static gboolean
create_take_source_backend (Op *op, const NovaVolumeRecord *source, const char *what)
{
  const NovaVolumeType *type = CR (op)->volume_type != NULL
                               ? nova_volume_config_lookup_type (op->self->config, CR (op)->volume_type) : NULL;

  if (CR (op)->volume_type != NULL && type == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot %s: there is no volume type '%s'", op->what, CR (op)->volume_type);
      return FALSE;
    }
  if ((op->backend_name != NULL && !g_str_equal (op->backend_name, source->backend))
      || (type != NULL && !g_str_equal (type->backend, source->backend)))
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot %s: %s lives on backend '%s', which makes it, and backend '%s' was "
                       "asked for; make it there, then Migrate the new volume", op->what, what,
                       source->backend, op->backend_name != NULL ? op->backend_name : type->backend);
      return FALSE;
    }
  return manager_op_take_backend (op, source->backend, source->driver);
}

/* ---- create volume --------------------------------------------------- */

static void create_precheck_thread (Op *op);
static void create_commit_creating (Op *op);
static void create_thread (Op *op);
static void create_done (Op *op);

static void
create_start (Op *op)
{
  NovaVolumeManager *self = op->self;
  NovaVolumeRecord *volume;
  guint64 source_size = 0;

  if (op->snapshot_id != NULL)
    {
      const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (self, op->snapshot_id);
      const NovaVolumeRecord *parent;

      if (snapshot == NULL)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "snapshot %s not found", op->snapshot_id);
          return;
        }
      if (snapshot->status != NOVA_SNAPSHOT_STATUS_AVAILABLE)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                           "cannot create a volume from snapshot %s: it is %s, not available", snapshot->id,
                           nova_snapshot_status_to_string (snapshot->status));
          return;
        }
      parent = nova_volume_manager_lookup_volume (self, snapshot->volume_id);
      if (parent == NULL)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "the volume of snapshot %s is gone",
                           snapshot->id);
          return;
        }
      if (!create_take_source_backend (op, parent, "the snapshot's volume"))
        return;
      op->snapshot = nova_snapshot_record_copy (snapshot);
      source_size = snapshot->size;
    }
  else if (op->source_volume_id != NULL)
    {
      const NovaVolumeRecord *source = nova_volume_manager_lookup_volume (self, op->source_volume_id);

      if (source == NULL)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "source volume %s not found",
                           op->source_volume_id);
          return;
        }
      if (source->status != NOVA_VOLUME_STATUS_AVAILABLE && source->status != NOVA_VOLUME_STATUS_IN_USE)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                           "cannot clone volume %s: it is %s; only available and in-use volumes "
                           "can be cloned",
                           source->id, nova_volume_status_to_string (source->status));
          return;
        }
      if (!create_take_source_backend (op, source, "the source volume"))
        return;
      op->source = nova_volume_record_copy (source);
      source_size = source->size;
    }

  else if (!create_take_backend (op))
    return;

  if (CR (op)->size == 0)
    CR (op)->size = source_size;
  if (CR (op)->size < source_size)
    {
      g_autofree char *want = g_format_size_full (CR (op)->size, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *have = nova_volume_size_format (source_size);

      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "a size of %s is smaller than the source's %s; "
                       "give 0 or at least %" G_GUINT64_FORMAT " bytes",
                       want, have, source_size);
      return;
    }

  volume = op->volume = nova_volume_record_new ();
  nova_record_set_string (&volume->id, op->volume_id);
  nova_record_set_string (&volume->name, CR (op)->name != NULL ? CR (op)->name : "");
  nova_record_set_string (&volume->description, CR (op)->description != NULL ? CR (op)->description : "");
  volume->size = CR (op)->size;
  volume->status = NOVA_VOLUME_STATUS_CREATING;
  nova_record_set_string (&volume->availability_zone,
                          nova_volume_config_get_string (self->config, "storage_availability_zone"));
  nova_record_set_string (&volume->source_snapshot_id, op->snapshot_id);
  nova_record_set_string (&volume->source_volume_id, op->source_volume_id);
  nova_record_set_string (&volume->driver, nova_volume_backend_get_driver_name (op->backend));
  nova_record_set_string (&volume->backend, nova_volume_backend_get_name (op->backend));
  volume->created_at = g_get_real_time ();
  if (CR (op)->metadata != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, CR (op)->metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_replace (volume->metadata, g_strdup (key), g_strdup (value));
    }

  manager_op_in_thread (op, create_precheck_thread, create_commit_creating);
}

static void
create_precheck_thread (Op *op)
{
  manager_check_free_space (op->self, op->backend, op->volume->size, CR (op)->volume_type, &op->error);
}

static void
create_commit_creating (Op *op)
{
  if (op->error != NULL || !manager_op_commit_volume_status (op, NOVA_VOLUME_STATUS_CREATING, NULL))
    {
      manager_op_return (op);
      return;
    }
  /* copies take long: show them as a Job that can be cancelled */
  if (op->snapshot != NULL)
    manager_op_start_job (op, "volume-create-from-snapshot");
  else if (op->source != NULL)
    manager_op_start_job (op, "volume-clone");
  manager_op_in_thread (op, create_thread, create_done);
}

static void
create_thread (Op *op)
{
  NovaVolumeDriver *driver = op->driver;
  g_autoptr(GError) cleanup_error = NULL;
  gboolean ok;

  MANAGER_CRASH_POINT (op, "before-driver-create");
  if (op->snapshot != NULL)
    ok = nova_volume_driver_create_volume_from_snapshot (driver, op->volume, op->snapshot,
                                                         nova_volume_job_report_progress, op->job,
                                                         nova_volume_job_get_cancellable (op->job),
                                                         &op->error);
  else if (op->source != NULL)
    ok = nova_volume_driver_create_cloned_volume (driver, op->volume, op->source,
                                                  nova_volume_job_report_progress, op->job,
                                                  nova_volume_job_get_cancellable (op->job),
                                                  &op->error);
  else
    ok = nova_volume_driver_create_volume (driver, op->volume, &op->error);
  MANAGER_CRASH_POINT (op, "after-driver-create");

  if (ok && nova_volume_driver_create_export (driver, op->volume, &op->error))
    {
      MANAGER_CRASH_POINT (op, "after-driver-create-export");
      return;
    }

  /* undo what the driver did, so a failed create leaves nothing behind */
  if (ok)
    nova_volume_driver_remove_export (driver, op->volume, NULL);
  op->cleaned_up = nova_volume_driver_delete_volume (driver, op->volume, &cleanup_error);
  if (!op->cleaned_up)
    g_warning ("volume %s: cleaning up after a failed create failed too: %s",
               op->volume->id, cleanup_error->message);
}

static void
create_done (Op *op)
{
  if (op->error == NULL)
    {
      if (manager_op_commit_volume_status (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL))
        nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_CREATED, op->volume->id, NULL, "created volume %s (%" G_GUINT64_FORMAT " bytes)",
                               op->volume->id, op->volume->size);
      manager_op_end_job (op);
      manager_op_return (op);
      return;
    }

  g_prefix_error (&op->error, "cannot create volume: ");
  if (op->cleaned_up)
    {
      g_autoptr(GError) error = NULL;

      if (!manager_commit_volume_removed (op->self, op->volume->id, &error))
        g_warning ("cannot forget failed volume %s: %s", op->volume->id, error->message);
    }
  else
    {
      manager_op_commit_volume_failure (op, NOVA_VOLUME_STATUS_ERROR);
    }
  /* the job ends after the last commit, with the final word */
  manager_op_end_job (op);
  manager_op_return (op);
}

void
nova_volume_manager_create_volume (NovaVolumeManager *self, const NovaVolumeCreateRequest *request,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  /* the three kinds of create have their own names (crash points, messages) */
  Op *op = manager_op_new (self,
                           request->snapshot_id != NULL ? "create volume from snapshot"
                           : request->source_volume_id != NULL ? "clone volume" : "create volume",
                           RESULT_VOLUME_ID, callback, user_data);
  const char *zone = nova_volume_config_get_string (self->config, "storage_availability_zone");
  g_autoptr(GError) error = NULL;

  if (request->snapshot_id != NULL && request->source_volume_id != NULL)
    error = g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                 "give either a snapshot or a source volume, not both");
  else if (request->size == 0 && request->snapshot_id == NULL && request->source_volume_id == NULL)
    error = g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                 "a size of 0 bytes is only allowed with a snapshot or a source volume");
  else if (request->availability_zone != NULL && g_strcmp0 (request->availability_zone, zone) != 0)
    error = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "availability zone '%s' is not served here; this host serves '%s'",
                         request->availability_zone, zone);
  if (error == NULL)
    {
      if (manager_check_text ("name", request->name, NAME_MAX_LEN, &error)
          && manager_check_text ("description", request->description, DESCRIPTION_MAX_LEN, &error))
        check_metadata (request->metadata, &error);
    }
  if (error != NULL)
    {
      manager_op_reject (op, g_steal_pointer (&error));
      return;
    }

  op->volume_id = g_uuid_string_random ();
  op->data = g_new0 (CreateData, 1);
  op->data_free = (GDestroyNotify) create_data_free;
  CR (op)->size = request->size;
  op->backend_name = g_strdup (request->backend);
  CR (op)->volume_type = g_strdup (request->volume_type);
  CR (op)->name = g_strdup (request->name);
  CR (op)->description = g_strdup (request->description);
  op->snapshot_id = g_strdup (request->snapshot_id);
  op->snapshot_shared = TRUE;
  op->source_volume_id = g_strdup (request->source_volume_id);
  op->caller_uid = request->caller_uid;
  op->caller_bus_name = g_strdup (request->caller_bus_name);
  if (request->metadata != NULL)
    CR (op)->metadata = g_hash_table_ref (request->metadata);
  manager_op_submit (op, create_start);
}

char *
nova_volume_manager_create_volume_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- delete volume --------------------------------------------------- */

static void delete_thread (Op *op);
static void delete_done (Op *op);

static void
delete_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = {
    NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_ERROR, NOVA_VOLUME_STATUS_ERROR_DELETING,
  };
  guint n_snapshots;

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (!manager_op_check_no_connections (op))
    return;
  n_snapshots = manager_count_snapshots_of (op->self, op->volume_id, NULL);
  if (n_snapshots > 0)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "cannot delete volume %s: it has %u snapshot%s; delete %s first", op->volume_id,
                       n_snapshots, n_snapshots == 1 ? "" : "s", n_snapshots == 1 ? "it" : "them");
      return;
    }
  op->volume_before = nova_volume_record_copy (op->volume);
  if (!manager_op_commit_volume_status (op, NOVA_VOLUME_STATUS_DELETING, NULL))
    {
      manager_op_return (op);
      return;
    }
  manager_op_in_thread (op, delete_thread, delete_done);
}

/* whether the driver refused a delete without changing anything */
static gboolean
delete_refused (const GError *error)
{
  return g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
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
  if (!nova_volume_driver_delete_volume (driver, op->volume, &op->error) && delete_refused (op->error)
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
      if (delete_refused (op->error))
        {
          g_autoptr(GError) saved = g_steal_pointer (&op->error);

          manager_op_commit_volume_status (op, op->volume_before->status, op->volume_before->status_reason);
          if (op->error == NULL)
            op->error = g_steal_pointer (&saved);
          manager_op_return (op);
          return;
        }
      manager_op_commit_volume_failure (op, NOVA_VOLUME_STATUS_ERROR_DELETING);
      {
        manager_op_return (op);
        return;
      }
    }
  MANAGER_CRASH_POINT (op, "before-commit-removed");
  if (manager_commit_volume_removed (op->self, op->volume_id, &op->error))
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_DELETED, op->volume_id, NULL, "deleted volume %s", op->volume_id);
  manager_op_return (op);
}

void
nova_volume_manager_delete_volume (NovaVolumeManager *self, const char *volume_id,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "delete volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  manager_op_submit (op, delete_start);
}

/* ---- extend ---------------------------------------------------------- */

/* an extend's own: the size asked for */
typedef struct {
  guint64 size;
} ExtendData;

#define EX(op) ((ExtendData *) (op)->data)

static void extend_precheck_thread (Op *op);
static void extend_commit_extending (Op *op);
static void extend_thread (Op *op);
static void extend_done (Op *op);

static void
extend_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE };

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (EX (op)->size <= op->volume->size)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot extend volume %s to %" G_GUINT64_FORMAT " bytes: the new size must be "
                       "larger than its current %" G_GUINT64_FORMAT " bytes (volumes never shrink)",
                       op->volume_id, EX (op)->size, op->volume->size);
      return;
    }
  /* refused for space before anything is written */
  manager_op_in_thread (op, extend_precheck_thread, extend_commit_extending);
}

static void
extend_precheck_thread (Op *op)
{
  manager_check_free_space (op->self, op->backend, EX (op)->size - op->volume->size, NULL, &op->error);
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
  if (!manager_op_commit_volume_status (op, NOVA_VOLUME_STATUS_EXTENDING, NULL))
    {
      manager_op_return (op);
      return;
    }
  manager_op_in_thread (op, extend_thread, extend_done);
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

static void
extend_done (Op *op)
{
  g_autoptr(GError) saved = g_steal_pointer (&op->error);

  /* the volume is usable either way: back to available, with the new size
   * only when the driver grew it */
  manager_op_commit_volume_status (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL);
  if (saved != NULL)
    {
      g_prefix_error (&saved, "cannot extend volume %s: ", op->volume_id);
      g_clear_error (&op->error);
      op->error = g_steal_pointer (&saved);
    }
  else if (op->error == NULL)
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

/* ---- snapshots ------------------------------------------------------- */

/* a snapshot's own: what it is to be called, and whether an in-use volume
 * may be taken */
typedef struct {
  char     *name;
  char     *description;
  gboolean  force;
} SnapshotData;

static void
snapshot_data_free (SnapshotData *data)
{
  g_free (data->name);
  g_free (data->description);
  g_free (data);
}

#define SN(op) ((SnapshotData *) (op)->data)

static void snapshot_thread (Op *op);
static void snapshot_done (Op *op);

static void
snapshot_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_IN_USE };
  NovaSnapshotRecord *snapshot;

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (op->volume->status == NOVA_VOLUME_STATUS_IN_USE && !SN (op)->force)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "volume %s is in-use (attached to instance %s): its snapshot may not be "
                       "crash-consistent; pass the option force=true to take it anyway",
                       op->volume_id, op->volume->instance_uuid);
      return;
    }

  snapshot = op->snapshot = nova_snapshot_record_new ();
  nova_record_set_string (&snapshot->id, op->snapshot_id);
  nova_record_set_string (&snapshot->volume_id, op->volume_id);
  nova_record_set_string (&snapshot->name, SN (op)->name != NULL ? SN (op)->name : "");
  nova_record_set_string (&snapshot->description, SN (op)->description != NULL ? SN (op)->description : "");
  snapshot->size = op->volume->size;
  snapshot->progress = 0.0;
  snapshot->created_at = g_get_real_time ();
  if (!manager_op_commit_snapshot_status (op, NOVA_SNAPSHOT_STATUS_CREATING, NULL))
    {
      manager_op_return (op);
      return;
    }
  manager_op_in_thread (op, snapshot_thread, snapshot_done);
}

static void
snapshot_thread (Op *op)
{
  g_autoptr(GError) cleanup_error = NULL;

  MANAGER_CRASH_POINT (op, "before-driver-create-snapshot");
  if (nova_volume_driver_create_snapshot (op->driver, op->snapshot, op->volume, &op->error))
    {
      MANAGER_CRASH_POINT (op, "after-driver-create-snapshot");
      return;
    }
  op->cleaned_up = nova_volume_driver_delete_snapshot (op->driver, op->snapshot, &cleanup_error);
  if (!op->cleaned_up)
    g_warning ("snapshot %s: cleaning up after a failed create failed too: %s",
               op->snapshot->id, cleanup_error->message);
}

static void
snapshot_done (Op *op)
{
  if (op->error == NULL)
    {
      op->snapshot->progress = 1.0;
      if (manager_op_commit_snapshot_status (op, NOVA_SNAPSHOT_STATUS_AVAILABLE, NULL))
        nova_volume_log_event (NOVA_VOLUME_EVENT_SNAPSHOT_CREATED, op->volume_id, op->snapshot_id,
                               "created snapshot %s of volume %s", op->snapshot_id, op->volume_id);
      {
        manager_op_return (op);
        return;
      }
    }
  g_prefix_error (&op->error, "cannot snapshot volume %s: ", op->volume_id);
  if (op->cleaned_up)
    {
      g_autoptr(GError) error = NULL;

      if (!manager_commit_snapshot_removed (op->self, op->snapshot_id, &error))
        g_warning ("cannot forget failed snapshot %s: %s", op->snapshot_id, error->message);
    }
  else
    {
      manager_op_commit_snapshot_failure (op, NOVA_SNAPSHOT_STATUS_ERROR);
    }
  manager_op_return (op);
}

void
nova_volume_manager_create_snapshot (NovaVolumeManager *self, const char *volume_id,
                                     const char *name, const char *description, gboolean force,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "snapshot volume", RESULT_SNAPSHOT_ID, callback, user_data);
  GError *error = NULL;

  if (!manager_check_text ("name", name, NAME_MAX_LEN, &error)
      || !manager_check_text ("description", description, DESCRIPTION_MAX_LEN, &error))
    {
      manager_op_reject (op, error);
      return;
    }

  op->volume_id = g_strdup (volume_id);
  op->volume_shared = TRUE;
  op->snapshot_id = g_uuid_string_random ();
  op->data = g_new0 (SnapshotData, 1);
  op->data_free = (GDestroyNotify) snapshot_data_free;
  SN (op)->name = g_strdup (name);
  SN (op)->description = g_strdup (description);
  SN (op)->force = force;
  manager_op_submit (op, snapshot_start);
}

char *
nova_volume_manager_create_snapshot_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void delete_snapshot_thread (Op *op);
static void delete_snapshot_done (Op *op);

static void
delete_snapshot_start (Op *op)
{
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (op->self, op->snapshot_id);

  if (snapshot == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "snapshot %s not found", op->snapshot_id);
      return;
    }
  {
    const NovaVolumeRecord *parent = nova_volume_manager_lookup_volume (op->self, snapshot->volume_id);

    if (parent == NULL)
      {
        manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "the volume of snapshot %s is gone", snapshot->id);
        return;
      }
    if (!manager_op_take_backend (op, parent->backend, parent->driver))
      return;
  }
  op->snapshot = nova_snapshot_record_copy (snapshot);
  /* this operation holds the snapshot, so a transitional status is stale */
  manager_settle_snapshot (op->snapshot);
  if (op->snapshot->status != NOVA_SNAPSHOT_STATUS_AVAILABLE
      && op->snapshot->status != NOVA_SNAPSHOT_STATUS_ERROR
      && op->snapshot->status != NOVA_SNAPSHOT_STATUS_ERROR_DELETING)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot delete snapshot %s: it is %s",
                       op->snapshot_id, nova_snapshot_status_to_string (op->snapshot->status));
      return;
    }
  op->snapshot_before = nova_snapshot_record_copy (op->snapshot);
  if (!manager_op_commit_snapshot_status (op, NOVA_SNAPSHOT_STATUS_DELETING, NULL))
    {
      manager_op_return (op);
      return;
    }
  manager_op_in_thread (op, delete_snapshot_thread, delete_snapshot_done);
}

static void
delete_snapshot_thread (Op *op)
{
  MANAGER_CRASH_POINT (op, "before-driver-delete-snapshot");
  nova_volume_driver_delete_snapshot (op->driver, op->snapshot, &op->error);
  MANAGER_CRASH_POINT (op, "after-driver-delete-snapshot");
}

static void
delete_snapshot_done (Op *op)
{
  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot delete snapshot %s: ", op->snapshot_id);
      /* refused (clones share its data): the snapshot is as it was */
      if (delete_refused (op->error))
        {
          g_autoptr(GError) saved = g_steal_pointer (&op->error);

          manager_op_commit_snapshot_status (op, op->snapshot_before->status, op->snapshot_before->status_reason);
          if (op->error == NULL)
            op->error = g_steal_pointer (&saved);
          manager_op_return (op);
          return;
        }
      manager_op_commit_snapshot_failure (op, NOVA_SNAPSHOT_STATUS_ERROR_DELETING);
      {
        manager_op_return (op);
        return;
      }
    }
  MANAGER_CRASH_POINT (op, "before-commit-snapshot-removed");
  if (manager_commit_snapshot_removed (op->self, op->snapshot_id, &op->error))
    nova_volume_log_event (NOVA_VOLUME_EVENT_SNAPSHOT_DELETED, NULL, op->snapshot_id, "deleted snapshot %s", op->snapshot_id);
  manager_op_return (op);
}

void
nova_volume_manager_delete_snapshot (NovaVolumeManager *self, const char *snapshot_id,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "delete snapshot", RESULT_NONE, callback, user_data);
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (self, snapshot_id);

  op->snapshot_id = g_strdup (snapshot_id);
  /* serialize with the volume too: its delete counts its snapshots */
  if (snapshot != NULL)
    {
      op->volume_id = g_strdup (snapshot->volume_id);
      op->volume_shared = TRUE;
    }
  manager_op_submit (op, delete_snapshot_start);
}

/* ---- attach and detach: bookkeeping, as in the seed ----------------- */

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
  manager_op_submit (op, detach_start);
}
