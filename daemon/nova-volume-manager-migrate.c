/* nova-volume: Migrate, moving an available volume to another backend.
 * The volume keeps its id, object path, name and metadata; its bytes are
 * copied through the drivers' read and write streams as a Job that can be
 * cancelled. Where the move stands is committed before each step
 * (status migrating, migration "to:B" while the copy on B is made,
 * "from:A" while the copy left on A is deleted), so a crash at any point
 * leaves the volume where its backend says, and init_host deletes the
 * copy that is left over. */
#include "config.h"

#include <string.h>

#include "nova-volume-io.h"
#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"

/* a migrate's own: where the volume goes, and the volume as it is there */
typedef struct {
  NovaVolumeBackend *target_backend;   /* borrowed: backends live as long as the manager */
  NovaVolumeDriver  *target_driver;
  NovaVolumeRecord  *target;
  gboolean           target_created;
} MigrateData;

static void
migrate_data_free (MigrateData *data)
{
  g_clear_pointer (&data->target, nova_volume_record_free);
  g_free (data);
}

#define M(op) ((MigrateData *) (op)->data)

static void migrate_migrating_committed (Op *op);
static void migrate_thread (Op *op);
static void migrate_switch (Op *op);
static void migrate_switch_committed (Op *op);
static void migrate_cleanup_thread (Op *op);
static void migrate_done (Op *op);
static void migrate_committed (Op *op);

/* @volume's record as its copy on @backend has it: that backend and its
 * driver, no export yet, no migration of its own */
static NovaVolumeRecord *
record_on_backend (const NovaVolumeRecord *volume, NovaVolumeBackend *backend)
{
  NovaVolumeRecord *copy = nova_volume_record_copy (volume);

  nova_record_set_string (&copy->backend, nova_volume_backend_get_name (backend));
  nova_record_set_string (&copy->driver, nova_volume_backend_get_driver_name (backend));
  nova_record_set_string (&copy->provider_location, "");
  nova_record_set_string (&copy->provider_auth, "");
  nova_record_set_string (&copy->migration, "");
  return copy;
}

static void
migrate_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE };
  NovaVolumeBackend *source, *target;
  NovaVolumeDriver *source_driver;
  g_autoptr(GString) snapshots = g_string_new (NULL);
  g_autofree char *migration = NULL;
  guint n_snapshots = 0;

  if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  /* the copy an earlier migrate left behind is deleted first (at the next
   * start): a new migrate would lose track of it */
  if (op->volume->migration[0] != '\0')
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "cannot migrate volume %s: the copy an earlier migrate left (%s) is not deleted yet; "
                       "restart nova-volumed once that backend is up, then migrate again", op->volume_id,
                       op->volume->migration);
      return;
    }
  if (g_str_equal (op->volume->backend, op->backend_name))
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot migrate volume %s: it already lives on backend '%s'", op->volume_id,
                       op->backend_name);
      return;
    }
  n_snapshots = manager_count_snapshots_of (op->self, op->volume_id, snapshots);
  if (n_snapshots > 0)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                       "cannot migrate volume %s: it has %u snapshot%s (%s), which stay%s with backend '%s'; "
                       "delete %s first", op->volume_id, n_snapshots, n_snapshots == 1 ? "" : "s", snapshots->str,
                       n_snapshots == 1 ? "s" : "", op->volume->backend, n_snapshots == 1 ? "it" : "them");
      return;
    }
  if (!manager_op_check_no_connections (op))
    return;

  /* refused as any operation on a backend that is not served or down */
  source = op->backend;
  source_driver = op->driver;
  if (!manager_op_take_backend (op, op->backend_name, NULL))
    return;
  target = op->backend;
  op->backend = source;
  op->driver = source_driver;
  M (op)->target_backend = target;
  M (op)->target_driver = nova_volume_backend_get_driver (target);
  if (!nova_volume_driver_can_stream (op->driver, FALSE)
      || !nova_volume_driver_can_stream (M (op)->target_driver, TRUE))
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                       "cannot migrate volume %s from backend '%s' (the %s driver) to backend '%s' (the %s "
                       "driver): the %s driver cannot %s a volume's bytes", op->volume_id, op->volume->backend,
                       nova_volume_driver_get_name (op->driver), op->backend_name,
                       nova_volume_driver_get_name (M (op)->target_driver),
                       nova_volume_driver_can_stream (op->driver, FALSE)
                       ? nova_volume_driver_get_name (M (op)->target_driver) : nova_volume_driver_get_name (op->driver),
                       nova_volume_driver_can_stream (op->driver, FALSE) ? "take" : "give");
      return;
    }
  {
    g_autofree char *here = nova_volume_driver_storage_location (op->driver, op->volume);
    g_autofree char *there = nova_volume_driver_storage_location (M (op)->target_driver, op->volume);

    /* a copy onto itself would delete the volume with its "old copy" */
    if (here != NULL && g_strcmp0 (here, there) == 0)
      {
        manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "cannot migrate volume %s: backends '%s' and '%s' keep it in the same place (%s)",
                         op->volume_id, op->volume->backend, op->backend_name, here);
        return;
      }
  }

  /* what init_host must delete if we stop before the switch */
  migration = g_strconcat ("to:", op->backend_name, NULL);
  nova_record_set_string (&op->volume->migration, migration);
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_MIGRATING, NULL, migrate_migrating_committed);
}

static void
migrate_migrating_committed (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  manager_op_start_job (op, "volume-migrate", op->volume->size);
  manager_op_in_thread (op, migrate_thread, migrate_switch);
}

/* the copy's bytes, from the source's stream into the target's; a target
 * the driver made larger (whole extents) gets zeros past the source's end */
static gboolean
copy_bytes (Op *op, GError **error)
{
  g_autoptr(GInputStream) in = nova_volume_driver_open_for_read (op->driver, op->volume, error);
  g_autoptr(GOutputStream) out = NULL;

  if (in == NULL)
    return FALSE;
  out = nova_volume_driver_open_for_write (M (op)->target_driver, M (op)->target, error);
  if (out == NULL)
    return FALSE;
  return nova_volume_copy_stream (in, out, op->volume->size, MAX (M (op)->target->size, op->volume->size),
                                  nova_volume_job_report_progress, op->job,
                                  nova_volume_job_get_cancellable (op->job), error);
}

/* the target's copy, the source's bytes in it and the target's export;
 * FALSE with op->error, having undone what it did, when a step failed */
static gboolean
make_target (Op *op, gboolean *out_source_unexported)
{
  MANAGER_CRASH_POINT (op, "before-target-create");
  /* a volume for several instances goes only where it can be shared */
  if (!manager_check_free_space (op->self, M (op)->target_backend, op->volume->size, NULL, op->volume->multiattach,
                                 &op->error)
      || !nova_volume_driver_create_volume (M (op)->target_driver, M (op)->target, &op->error))
    return FALSE;
  M (op)->target_created = TRUE;
  MANAGER_CRASH_POINT (op, "after-target-create");
  if (!copy_bytes (op, &op->error))
    return FALSE;
  MANAGER_CRASH_POINT (op, "after-copy");
  /* the source's export goes first: the two exports of one volume may
   * want one number (an iSCSI target id on this host) */
  if (!nova_volume_driver_remove_export (op->driver, op->volume, &op->error))
    return FALSE;
  *out_source_unexported = TRUE;
  MANAGER_CRASH_POINT (op, "after-source-remove-export");
  return nova_volume_driver_create_export (M (op)->target_driver, M (op)->target, &op->error);
}

/* Puts the source back as it was and deletes what was made on the
 * target (a failed, cancelled or unrecorded move). The source's export is
 * made anew rather than ensured: its number went with remove_export, and
 * the new location is committed with the volume. The target's export is
 * not removed: it is made last, so a failure never left one, and removing
 * "the volume's export" there could find the source's (one id, one
 * number). op->cleaned_up: nothing is left on the target. */
static void
undo_migration (Op *op, gboolean source_unexported)
{
  g_autoptr(GError) error = NULL;

  if (source_unexported && !nova_volume_driver_create_export (op->driver, op->volume, &error))
    {
      g_warning ("volume %s: its export could not be made again after a failed migrate: %s", op->volume->id,
                 error->message);
      g_clear_error (&error);
    }
  op->cleaned_up = TRUE;
  if (M (op)->target_created)
    {
      op->cleaned_up = nova_volume_driver_delete_volume (M (op)->target_driver, M (op)->target, &error);
      if (!op->cleaned_up)
        g_warning ("volume %s: its partial copy on backend '%s' could not be deleted (the next start tries "
                   "again): %s", op->volume->id, nova_volume_backend_get_name (M (op)->target_backend),
                   error->message);
    }
}

static void
migrate_thread (Op *op)
{
  gboolean source_unexported = FALSE;

  M (op)->target = record_on_backend (op->volume, M (op)->target_backend);
  if (make_target (op, &source_unexported))
    {
      /* the source's export is gone with the switch */
      nova_record_set_string (&op->volume->provider_location, "");
      nova_record_set_string (&op->volume->provider_auth, "");
      return;
    }
  undo_migration (op, source_unexported);
}

/* the switch could not be committed: the target's export goes, and the
 * source is made as it was (worker thread) */
static void
unswitch_thread (Op *op)
{
  nova_volume_driver_remove_export (M (op)->target_driver, M (op)->target, NULL);
  undo_migration (op, TRUE);
}

/* main thread: the volume stays, available, where it was, and the
 * migrate fails with op->error (a commit that failed too, with its own);
 * a partial copy that could not be deleted stays named for init_host */
static void
migrate_fail (Op *op)
{
  if (op->cleaned_up)
    nova_record_set_string (&op->volume->migration, "");
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL, manager_op_finish);
}

/* main thread: the copy is made (the volume switches to its new backend)
 * or it failed (the volume stays, available, where it was) */
static void
migrate_switch (Op *op)
{
  const char *target_name = nova_volume_backend_get_name (M (op)->target_backend);
  g_autofree char *leftover = NULL;

  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot migrate volume %s to backend '%s': ", op->volume_id, target_name);
      migrate_fail (op);
      return;
    }

  /* the switch: from here on the volume lives on the target */
  op->volume_before = nova_volume_record_copy (op->volume);
  /* its old export went before the target's was made (migrate_thread
   * cleared it from op->volume); the record of the source copy keeps its
   * place for the delete */
  leftover = g_strconcat ("from:", op->volume->backend, NULL);
  nova_record_set_string (&op->volume->backend, M (op)->target->backend);
  nova_record_set_string (&op->volume->driver, M (op)->target->driver);
  nova_record_set_string (&op->volume->provider_location, M (op)->target->provider_location);
  nova_record_set_string (&op->volume->provider_auth, M (op)->target->provider_auth);
  op->volume->size = M (op)->target->size;
  nova_record_set_string (&op->volume->migration, leftover);
  MANAGER_CRASH_POINT (op, "before-commit-switch");
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_MIGRATING, NULL, migrate_switch_committed);
}

static void
migrate_switch_committed (Op *op)
{
  if (op->error != NULL)
    {
      /* not switched: the store still has the volume on its source; put
       * the live record back and undo the target */
      nova_volume_record_free (op->volume);
      op->volume = g_steal_pointer (&op->volume_before);
      manager_op_in_thread (op, unswitch_thread, migrate_fail);
      return;
    }
  MANAGER_CRASH_POINT (op, "after-commit-switch");
  manager_op_in_thread (op, migrate_cleanup_thread, migrate_done);
}

/* the copy left on the source backend goes */
static void
migrate_cleanup_thread (Op *op)
{
  g_autoptr(GError) error = NULL;

  op->cleaned_up = nova_volume_driver_delete_volume (op->driver, op->volume_before, &error);
  if (!op->cleaned_up)
    g_warning ("volume %s: its copy on backend '%s' could not be deleted (the next start tries again): %s",
               op->volume_id, op->volume_before->backend, error->message);
  MANAGER_CRASH_POINT (op, "after-source-delete");
}

static void
migrate_done (Op *op)
{
  if (op->cleaned_up)
    nova_record_set_string (&op->volume->migration, "");
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL, migrate_committed);
}

static void
migrate_committed (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_MIGRATED, op->volume_id, NULL,
                           "migrated volume %s from backend '%s' to backend '%s'", op->volume_id,
                           op->volume_before->backend, op->volume->backend);
  manager_op_finish (op);
}

void
nova_volume_manager_migrate_volume (NovaVolumeManager *self, const char *volume_id, const char *backend,
                                    guint caller_uid, const char *caller_bus_name,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "migrate volume", RESULT_NONE, callback, user_data);

  op->data = g_new0 (MigrateData, 1);
  op->data_free = (GDestroyNotify) migrate_data_free;
  op->volume_id = g_strdup (volume_id);
  op->backend_name = g_strdup (backend);
  op->caller_uid = caller_uid;
  op->caller_bus_name = g_strdup (caller_bus_name);
  manager_op_submit (op, migrate_start);
}

/* ---- after a stop: the copy a migrate left ----------------------------- */

/* Deletes the copy @volume's migration names: "to:B" a partial target
 * (its export too: the volume's number may have moved there), "from:A" the
 * source after the switch (its export went before). Callable from a
 * worker thread: it reads only the backends, which do not change. TRUE
 * when nothing is left; FALSE, saying why, when the copy stays (its
 * backend is not served or down, or the delete failed). */
gboolean
manager_delete_migration_leftover (NovaVolumeManager *self, NovaVolumeDriver *own_driver,
                                   const NovaVolumeRecord *volume, GError **error)
{
  const char *colon = strchr (volume->migration, ':');
  const char *name = colon != NULL ? colon + 1 : "";
  NovaVolumeBackend *backend = manager_lookup_backend (self, name);
  NovaVolumeDriver *driver;
  g_autoptr(NovaVolumeRecord) copy = NULL;
  g_autofree char *here = NULL, *there = NULL;

  if (volume->migration[0] == '\0')
    return TRUE;
  if (backend == NULL || !nova_volume_backend_is_up (backend))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "backend '%s', which holds the copy, is not served or down", name);
      return FALSE;
    }
  driver = nova_volume_backend_get_driver (backend);
  copy = record_on_backend (volume, backend);
  /* never the volume itself */
  here = own_driver != NULL ? nova_volume_driver_storage_location (own_driver, volume) : NULL;
  there = nova_volume_driver_storage_location (driver, copy);
  if (here != NULL && g_strcmp0 (here, there) == 0)
    return TRUE;
  if (g_str_has_prefix (volume->migration, "to:"))
    nova_volume_driver_remove_export (driver, copy, NULL);
  return nova_volume_driver_delete_volume (driver, copy, error);
}

static void finish_thread (Op *op);
static void finish_done (Op *op);

/* A migrate cut short by a stop left a copy on the backend its migration
 * names; it is deleted and, for "to:" (the volume stayed where it was),
 * the volume's export made anew: its number may have gone with the
 * copy's. A copy on a backend that is not served or down stays, named in
 * the log, for a later start. */
static void
finish_start (Op *op)
{
  if (!manager_op_take_volume (op))
    return;
  manager_op_in_thread (op, finish_thread, finish_done);
}

static void
finish_thread (Op *op)
{
  g_autoptr(GError) error = NULL;

  op->cleaned_up = manager_delete_migration_leftover (op->self, op->driver, op->volume, &error);
  if (!op->cleaned_up)
    {
      g_warning ("volume %s: cannot delete the copy an interrupted migrate left (%s; tried again at the next "
                 "start): %s", op->volume_id, op->volume->migration, error->message);
      g_clear_error (&error);
    }
  if (g_str_has_prefix (op->volume->migration, "to:")
      && (!nova_volume_driver_remove_export (op->driver, op->volume, &error)
          || !nova_volume_driver_create_export (op->driver, op->volume, &error)))
    g_warning ("volume %s: its export could not be made again after an interrupted migrate: %s", op->volume_id,
               error->message);
}

static void
finish_done (Op *op)
{
  if (op->cleaned_up)
    {
      nova_volume_log_event (NOVA_VOLUME_EVENT_RECONCILED, op->volume_id, NULL,
                             "volume %s: deleted the copy an interrupted migrate left (%s); the volume lives "
                             "on backend '%s'", op->volume_id, op->volume->migration, op->volume->backend);
      nova_record_set_string (&op->volume->migration, "");
    }
  g_autofree char *reason = g_strdup (op->volume->status_reason);

  manager_op_commit_volume_status_then (op, op->volume->status, reason, manager_op_return);
}

void
manager_finish_migrations (NovaVolumeManager *self)
{
  g_autoptr(GPtrArray) volumes = nova_volume_manager_list_volumes (self);

  for (guint i = 0; i < volumes->len; i++)
    {
      const NovaVolumeRecord *volume = g_ptr_array_index (volumes, i);
      Op *op;

      if (volume->migration[0] == '\0')
        continue;
      op = manager_op_new (self, "finish migrate", RESULT_NONE, NULL, NULL);
      op->volume_id = g_strdup (volume->id);
      manager_op_submit (op, finish_start);
    }
}
