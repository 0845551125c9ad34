/* nova-volume: backups. Volume.Backup and Snapshot.Backup copy a
 * volume's bytes into the repository as a Job ("backup-create"); a
 * Backup's Restore writes them into an available volume (into a new one:
 * CreateVolume with backup, nova-volume-manager-create.c), Delete removes
 * it, Verify reads it back; ImportBackups and init_host list what the
 * repository holds. The repository (backup/) keeps the bytes; the store
 * keeps what this daemon knows of each backup. */
#include "config.h"

#include <string.h>

#include "nova-volume-backup-copy.h"
#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

/* a backup's own: what it is to be, and what it made on the way */
typedef struct {
  char               *name;
  char               *description;
  gboolean            incremental;
  gboolean            force;
  NovaBackupRecord   *backup;         /* the working copy */
  NovaSnapshotRecord *temporary;      /* force on an in-use volume: the snapshot read */
  gboolean            temporary_made; /* ... which the driver made */
  /* a backend that keeps what changed (rbd): the volume is read from a
   * mark of this backup's, which the next incremental diffs against */
  gboolean            marked;
  gboolean            mark_made;
  char               *previous_id;    /* the volume's latest backup before: its mark goes */
  NovaVolumeRecord   *volume;         /* Delete: the backup's volume, when it is here, */
  NovaVolumeDriver   *driver;         /* and its driver, to remove the mark */
  GVariant           *verified;       /* Verify's report */
} BackupData;

#define BK(op) ((BackupData *) (op)->data)

static void
backup_data_free (BackupData *data)
{
  g_free (data->name);
  g_free (data->description);
  g_clear_pointer (&data->backup, nova_backup_record_free);
  g_clear_pointer (&data->temporary, nova_snapshot_record_free);
  g_free (data->previous_id);
  g_clear_pointer (&data->volume, nova_volume_record_free);
  g_clear_pointer (&data->verified, g_variant_unref);
  g_free (data);
}

static BackupData *
backup_data_new (Op *op)
{
  op->data = g_new0 (BackupData, 1);
  op->data_free = (GDestroyNotify) backup_data_free;
  return op->data;
}

/* the name of backup @id's mark on its volume's backend */
static char *
mark_of (const char *id)
{
  return g_strconcat ("nova-backup-", id, NULL);
}

/* ---- records ---------------------------------------------------------- */

void
nova_volume_manager_set_backup_repository (NovaVolumeManager *self, NovaVolumeBackupRepository *repository,
                                           const char *problem)
{
  g_return_if_fail (NOVA_VOLUME_IS_MANAGER (self));
  g_set_object (&self->repository, repository);
  g_free (self->repository_problem);
  self->repository_problem = g_strdup (repository == NULL ? problem : NULL);
}

const char *
nova_volume_manager_get_backup_kind (NovaVolumeManager *self)
{
  return self->repository != NULL ? nova_volume_backup_repository_get_kind (self->repository) : "none";
}

const NovaBackupRecord *
nova_volume_manager_lookup_backup (NovaVolumeManager *self, const char *id)
{
  return id != NULL ? g_hash_table_lookup (self->backups, id) : NULL;
}

static gint
compare_backups (gconstpointer a, gconstpointer b)
{
  const NovaBackupRecord *ba = *(const NovaBackupRecord *const *) a;
  const NovaBackupRecord *bb = *(const NovaBackupRecord *const *) b;

  if (ba->created_at != bb->created_at)
    return ba->created_at < bb->created_at ? -1 : 1;
  return g_strcmp0 (ba->id, bb->id);
}

GPtrArray *
nova_volume_manager_list_backups (NovaVolumeManager *self)
{
  GPtrArray *list = g_ptr_array_sized_new (g_hash_table_size (self->backups));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->backups);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (list, value);
  g_ptr_array_sort (list, compare_backups);
  return list;
}

gboolean
manager_commit_backup (NovaVolumeManager *self, NovaBackupRecord *backup, GError **error)
{
  backup->updated_at = g_get_real_time ();
  if (!nova_volume_store_put_backup (self->store, backup, error))
    return FALSE;
  manager_apply_backup (self, backup);
  return TRUE;
}

void
manager_apply_backup (NovaVolumeManager *self, const NovaBackupRecord *backup)
{
  g_hash_table_replace (self->backups, g_strdup (backup->id), nova_backup_record_copy (backup));
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_BACKUP_CHANGED], 0, backup->id);
}

void
manager_forget_backup (NovaVolumeManager *self, const char *id)
{
  g_autofree char *owned_id = g_strdup (id);

  g_hash_table_remove (self->backups, owned_id);
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_BACKUP_REMOVED], 0, owned_id);
}

gboolean
manager_commit_backup_removed (NovaVolumeManager *self, const char *id, GError **error)
{
  g_autofree char *owned_id = g_strdup (id);

  if (!nova_volume_store_delete_backup (self->store, owned_id, error)
      && !(manager_use_reserve (self, error) && nova_volume_store_delete_backup (self->store, owned_id, error)))
    return FALSE;
  manager_forget_backup (self, owned_id);
  return TRUE;
}

/* Commits the operation's backup as @status (@reason: why, or NULL),
 * then @then; see manager_op_commit_volume_status_then for failures. */
static void
commit_backup_status_then (Op *op, NovaBackupStatus status, const char *reason, OpStep then)
{
  manager_op_commit_backup_status_then (op, BK (op)->backup, status, reason, then);
}

/* The repository, or FALSE with the operation failed. */
static gboolean
take_repository (Op *op)
{
  if (op->self->repository != NULL)
    return TRUE;
  manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED, "cannot %s: %s", op->what, op->self->repository_problem);
  return FALSE;
}

const NovaBackupRecord *
manager_op_take_available_backup (Op *op, const char *doing)
{
  const NovaBackupRecord *backup = nova_volume_manager_lookup_backup (op->self, op->backup_id);

  if (!take_repository (op))
    return NULL;
  if (backup == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "backup %s not found", op->backup_id);
      return NULL;
    }
  if (backup->status != NOVA_BACKUP_STATUS_AVAILABLE)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot %s backup %s: it is %s%s%s", doing, backup->id,
                       nova_backup_status_to_string (backup->status), backup->status_reason[0] != '\0' ? ": " : "",
                       backup->status_reason);
      return NULL;
    }
  return backup;
}

NovaBackupManifest *
manager_read_backup_manifest (NovaVolumeManager *self, const NovaBackupRecord *backup, GError **error)
{
  g_autoptr(NovaBackupManifest) manifest = nova_volume_backup_repository_get_manifest (self->repository, backup->id,
                                                                                      error);

  if (manifest == NULL)
    {
      g_prefix_error (error, "backup %s: ", backup->id);
      return NULL;
    }
  if (manifest->size != backup->size)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "backup %s: its manifest in the repository says %" G_GUINT64_FORMAT " bytes, and it was made "
                   "of %" G_GUINT64_FORMAT "; the repository was changed behind this daemon's back",
                   backup->id, manifest->size, backup->size);
      return NULL;
    }
  return g_steal_pointer (&manifest);
}

static void
report_to_job (guint64 done, guint64 total, gpointer job)
{
  nova_volume_job_report_progress (total > 0 ? (double) done / (double) total : 1.0, job);
}

gboolean
manager_restore_into (NovaVolumeManager *self, NovaVolumeDriver *driver, const NovaBackupRecord *backup,
                      NovaVolumeRecord *volume, gboolean new_volume, NovaVolumeJob *job, GError **error)
{
  g_autoptr(NovaBackupManifest) manifest = manager_read_backup_manifest (self, backup, error);
  g_autoptr(GOutputStream) out = NULL;

  if (manifest == NULL)
    return FALSE;
  out = nova_volume_driver_open_for_write (driver, volume, error);
  if (out == NULL)
    return FALSE;
  if (!nova_volume_backup_repository_restore (self->repository, manifest, out, new_volume, report_to_job, job,
                                   nova_volume_job_get_cancellable (job), error))
    {
      g_output_stream_close (out, NULL, NULL);
      return FALSE;
    }
  return g_output_stream_close (out, NULL, error);
}

/* ---- Volume.Backup, Snapshot.Backup ---------------------------------- */

static void backup_thread (Op *op);
static void backup_temporary_committed (Op *op);
static void backup_creating_committed (Op *op);
static void backup_done (Op *op);

/* The volume's latest available backup: an incremental's parent. */
static const NovaBackupRecord *
latest_backup_of (NovaVolumeManager *self, const char *volume_id)
{
  const NovaBackupRecord *latest = NULL;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->backups);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const NovaBackupRecord *backup = value;

      if (backup->status == NOVA_BACKUP_STATUS_AVAILABLE && g_str_equal (backup->volume_id, volume_id)
          && (latest == NULL || compare_backups (&latest, &backup) < 0))
        latest = backup;
    }
  return latest;
}

static void
backup_start (Op *op)
{
  NovaVolumeManager *self = op->self;
  const char *volume_id;
  NovaBackupRecord *backup;
  guint64 size;
  const NovaBackupRecord *latest;

  if (!take_repository (op))
    return;
  if (op->snapshot_id != NULL)
    {
      const NovaVolumeRecord *parent = manager_op_take_available_snapshot (op, "back up");

      if (parent == NULL || !manager_op_take_backend (op, parent->backend, parent->driver))
        return;
      volume_id = op->snapshot->volume_id;
      size = op->snapshot->size;
    }
  else
    {
      static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_IN_USE };

      if (!manager_op_take_volume (op) || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
        return;
      if (op->volume->status == NOVA_VOLUME_STATUS_IN_USE && !BK (op)->force)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                           "cannot back up volume %s: it is in-use, and an instance may be writing it; give "
                           "force to back it up from a temporary snapshot, or detach it first", op->volume_id);
          return;
        }
      volume_id = op->volume_id;
      size = op->volume->size;
    }
  if (!nova_volume_driver_can_stream (op->driver, FALSE))
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                       "cannot back up %s %s: the %s driver does not give its volumes' bytes to copy",
                       op->snapshot_id != NULL ? "snapshot" : "volume",
                       op->snapshot_id != NULL ? op->snapshot_id : op->volume_id,
                       nova_volume_backend_get_driver_name (op->backend));
      return;
    }

  backup = BK (op)->backup = nova_backup_record_new ();
  backup->id = g_strdup (op->backup_id);
  backup->volume_id = g_strdup (volume_id);
  nova_record_set_string (&backup->snapshot_id, op->snapshot_id != NULL ? op->snapshot_id : "");
  nova_record_set_string (&backup->name, BK (op)->name != NULL ? BK (op)->name : "");
  nova_record_set_string (&backup->description, BK (op)->description != NULL ? BK (op)->description : "");
  backup->size = size;
  backup->created_at = g_get_real_time ();
  /* the volume's latest backup: an incremental's parent, and the one
   * whose mark the new backup's replaces */
  latest = latest_backup_of (self, volume_id);
  /* a volume (not a snapshot) on a backend that keeps what changed */
  BK (op)->marked = op->snapshot_id == NULL && nova_volume_driver_can_mark (op->driver);
  if (latest != NULL)
    BK (op)->previous_id = g_strdup (latest->id);
  if (BK (op)->incremental)
    {
      const NovaBackupRecord *parent = latest;

      if (parent == NULL)
        {
          manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                           "cannot make an incremental backup of volume %s: it has no available backup to be "
                           "incremental to; make a full backup first", volume_id);
          return;
        }
      nova_record_set_string (&backup->parent_id, parent->id);
    }

  /* an in-use volume is read from a snapshot of it, recorded first so
   * that a stop half way leaves it in sight, to be deleted (a mark is
   * such a snapshot already) */
  if (op->volume != NULL && op->volume->status == NOVA_VOLUME_STATUS_IN_USE && !BK (op)->marked)
    {
      NovaSnapshotRecord *temporary = BK (op)->temporary = nova_snapshot_record_new ();

      temporary->id = g_uuid_string_random ();
      temporary->volume_id = g_strdup (op->volume_id);
      g_free (temporary->name);
      temporary->name = g_strdup_printf ("temporary snapshot for backup %s", op->backup_id);
      temporary->size = op->volume->size;
      temporary->created_at = g_get_real_time ();
      manager_op_commit_other_snapshot_then (op, temporary, FALSE, backup_temporary_committed);
      return;
    }
  backup_temporary_committed (op);
}

static void
backup_temporary_committed (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  commit_backup_status_then (op, NOVA_BACKUP_STATUS_CREATING, NULL, backup_creating_committed);
}

static void
backup_creating_committed (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  op->self->n_backups_storing++;
  manager_op_start_job (op, "backup-create", BK (op)->backup->size);
  manager_op_in_thread (op, backup_thread, backup_done);
}

/* worker thread: the volume as its new mark holds it, and in
 * *@out_changed the chunks that changed since @parent's mark, or without
 * a parent those that hold data (left NULL when the backend cannot
 * tell, or the parent's mark is gone: every chunk is read) */
static GInputStream *
open_marked (Op *op, const NovaBackupManifest *parent, guint64 chunk_size, GArray **out_changed, GError **error)
{
  g_autofree char *mark = mark_of (op->backup_id);
  g_autoptr(GInputStream) in = nova_volume_driver_open_marked_for_read (op->driver, op->volume, mark, error);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *since = NULL;

  if (in == NULL)
    return NULL;
  BK (op)->mark_made = TRUE;
  MANAGER_CRASH_POINT (op, "after-backup-mark");
  if (parent != NULL && parent->chunk_size != chunk_size)
    return g_steal_pointer (&in);
  since = parent != NULL ? mark_of (parent->id) : NULL;
  *out_changed = nova_volume_driver_changed_chunks (op->driver, op->volume, mark, since, chunk_size, &local_error);
  if (*out_changed == NULL && !g_error_matches (local_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (*out_changed == NULL)
    g_debug ("backup %s: %s; reading all of volume %s", op->backup_id, local_error->message, op->volume_id);
  else
    g_debug ("backup %s: %u chunks of volume %s to read (since %s)", op->backup_id, (*out_changed)->len,
             op->volume_id, parent != NULL ? parent->id : "its creation");
  return g_steal_pointer (&in);
}

/* worker thread: the bytes to read, from the snapshot asked for, the
 * temporary one, or the volume */
static GInputStream *
open_backup_source (Op *op, GError **error)
{
  if (BK (op)->temporary != NULL)
    {
      if (!nova_volume_driver_create_snapshot (op->driver, BK (op)->temporary, op->volume, error))
        return NULL;
      BK (op)->temporary_made = TRUE;
      MANAGER_CRASH_POINT (op, "after-temporary-snapshot");
      return nova_volume_driver_open_snapshot_for_read (op->driver, BK (op)->temporary, error);
    }
  if (op->snapshot != NULL)
    return nova_volume_driver_open_snapshot_for_read (op->driver, op->snapshot, error);
  return nova_volume_driver_open_for_read (op->driver, op->volume, error);
}

static void
backup_thread (Op *op)
{
  NovaBackupRecord *backup = BK (op)->backup;
  g_autoptr(NovaBackupManifest) manifest = nova_backup_manifest_new ();
  g_autoptr(NovaBackupManifest) parent = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GArray) changed = NULL;

  MANAGER_CRASH_POINT (op, "before-backup-store");
  nova_record_set_string (&manifest->id, backup->id);
  nova_record_set_string (&manifest->volume_id, backup->volume_id);
  nova_record_set_string (&manifest->snapshot_id, backup->snapshot_id);
  nova_record_set_string (&manifest->name, backup->name);
  nova_record_set_string (&manifest->description, backup->description);
  nova_record_set_string (&manifest->parent_id, backup->parent_id);
  manifest->size = backup->size;
  manifest->chunk_size = (guint64) nova_volume_config_get_int (op->self->config, "backup_chunk_size") * 1024 * 1024;
  manifest->created_at = backup->created_at;

  if (backup->parent_id[0] != '\0')
    {
      /* what it is incremental to (a Ceph repository writes only the
       * chunks that differ from it) */
      parent = nova_volume_backup_repository_get_manifest (op->self->repository, backup->parent_id, &op->error);
      if (parent == NULL)
        {
          g_prefix_error (&op->error, "its parent, backup %s: ", backup->parent_id);
          return;
        }
    }
  in = BK (op)->marked ? open_marked (op, parent, manifest->chunk_size, &changed, &op->error)
                       : open_backup_source (op, &op->error);
  if (in != NULL
      && nova_volume_backup_repository_store (op->self->repository, in, manifest, parent, changed, report_to_job,
                                              op->job, nova_volume_job_get_cancellable (op->job), &op->error))
    {
      MANAGER_CRASH_POINT (op, "after-backup-store");
      /* the manifest last: from here on the backup is whole */
      if (nova_volume_backup_repository_put_manifest (op->self->repository, manifest, &op->error))
        {
          backup->stored_bytes = manifest->stored_bytes;
          MANAGER_CRASH_POINT (op, "after-backup-manifest");
        }
    }
  if (in != NULL)
    g_input_stream_close (in, NULL, NULL);
  if (BK (op)->mark_made)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *mark = NULL;

      /* the next incremental diffs against this backup's mark; a failed
       * backup's goes */
      mark = mark_of (op->error == NULL ? BK (op)->previous_id : op->backup_id);
      if (op->error == NULL && BK (op)->previous_id == NULL)
        g_clear_pointer (&mark, g_free);
      if (mark != NULL && !nova_volume_driver_remove_mark (op->driver, op->volume, mark, &error))
        g_warning ("backup %s: cannot remove the mark %s of volume %s: %s", backup->id, mark, op->volume_id,
                   error->message);
    }
  if (BK (op)->temporary_made)
    {
      g_autoptr(GError) error = NULL;

      if (nova_volume_driver_delete_snapshot (op->driver, BK (op)->temporary, &error))
        BK (op)->temporary_made = FALSE;
      else
        g_warning ("backup %s: cannot delete its temporary snapshot %s: %s", backup->id, BK (op)->temporary->id,
                   error->message);
    }
}

static void backup_record_outcome (Op *op);
static void backup_removal_committed (Op *op);
static void backup_created (Op *op);

static void
backup_done (Op *op)
{
  NovaSnapshotRecord *temporary = BK (op)->temporary;

  op->self->n_backups_storing--;
  /* the temporary snapshot's record goes with it; one the driver could
   * not delete stays, in error, for the admin; either commit failing
   * changes nothing for the backup */
  if (temporary == NULL)
    backup_record_outcome (op);
  else if (BK (op)->temporary_made)
    {
      temporary->status = NOVA_SNAPSHOT_STATUS_ERROR;
      nova_record_set_string (&temporary->status_reason,
                              "the backup's temporary snapshot could not be deleted; delete it");
      manager_op_commit_other_snapshot_then (op, temporary, TRUE, backup_record_outcome);
    }
  else
    manager_op_commit_other_snapshot_removed_then (op, temporary->id, TRUE, backup_record_outcome);
}

static void
backup_record_outcome (Op *op)
{
  if (op->error == NULL)
    {
      commit_backup_status_then (op, NOVA_BACKUP_STATUS_AVAILABLE, NULL, backup_created);
      return;
    }
  g_prefix_error (&op->error, "cannot back up %s %s: ", op->snapshot_id != NULL ? "snapshot" : "volume",
                  op->snapshot_id != NULL ? op->snapshot_id : op->volume_id);
  /* what it stored is collected with the next delete or start; a
   * cancelled backup is undone, a failed one stays to say why */
  if (g_error_matches (op->error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_error_matches (op->error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_CANCELLED))
    manager_op_commit_backup_removed_then (op, backup_removal_committed);
  else
    commit_backup_status_then (op, NOVA_BACKUP_STATUS_ERROR, op->error->message, manager_op_finish);
}

static void
backup_removal_committed (Op *op)
{
  if (op->commit_failed)
    commit_backup_status_then (op, NOVA_BACKUP_STATUS_ERROR, op->error->message, manager_op_finish);
  else
    manager_op_finish (op);
}

static void
backup_created (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_BACKUP_CREATED, op->volume_id, op->snapshot_id,
                           "backed up %s %s as backup %s (%" G_GUINT64_FORMAT " bytes stored)",
                           op->snapshot_id != NULL ? "snapshot" : "volume",
                           op->snapshot_id != NULL ? op->snapshot_id : op->volume_id, op->backup_id,
                           BK (op)->backup->stored_bytes);
  manager_op_finish (op);
}

/* what a manifest keeps: text on one line, at most @max_bytes */
static gboolean
check_backup_text (const char *what, const char *text, gsize max_bytes, GError **error)
{
  if (text == NULL)
    return TRUE;
  if (!manager_check_text (what, text, max_bytes, error))
    return FALSE;
  if (strlen (text) > max_bytes || strpbrk (text, "\t\n") != NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "a backup's %s is one line of at most %" G_GSIZE_FORMAT " bytes (UTF-8), without tabs", what,
                   max_bytes);
      return FALSE;
    }
  return TRUE;
}

void
nova_volume_manager_create_backup (NovaVolumeManager *self, const NovaVolumeBackupRequest *request,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, request->snapshot_id != NULL ? "back up snapshot" : "back up volume",
                           RESULT_BACKUP_ID, callback, user_data);
  g_autoptr(GError) error = NULL;

  if (!check_backup_text ("name", request->name, NOVA_BACKUP_MAX_NAME_LEN, &error)
      || !check_backup_text ("description", request->description, NOVA_BACKUP_MAX_DESCRIPTION_LEN, &error))
    {
      manager_op_reject (op, g_steal_pointer (&error));
      return;
    }
  if (request->force && request->snapshot_id != NULL)
    {
      manager_op_reject (op, g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                                  "force is for an in-use volume; a snapshot is backed up as "
                                                  "it is"));
      return;
    }
  backup_data_new (op);
  BK (op)->name = g_strdup (request->name);
  BK (op)->description = g_strdup (request->description);
  BK (op)->incremental = request->incremental;
  BK (op)->force = request->force;
  op->backup_id = g_uuid_string_random ();
  op->volume_id = g_strdup (request->volume_id);
  op->volume_shared = TRUE;
  /* one backup of a volume at a time: an incremental builds on the
   * latest one, which a backup beside it would not see yet */
  {
    const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (self, request->snapshot_id);
    const char *volume_id = snapshot != NULL ? snapshot->volume_id : request->volume_id;

    if (volume_id != NULL)
      op->exclusive_key = g_strconcat ("backup-of:", volume_id, NULL);
  }
  op->snapshot_id = g_strdup (request->snapshot_id);
  op->snapshot_shared = TRUE;
  op->caller_uid = request->caller_uid;
  op->caller_bus_name = g_strdup (request->caller_bus_name);
  manager_op_submit (op, backup_start);
}

char *
nova_volume_manager_create_backup_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Backup.Restore into an available volume -------------------------- */

static void restore_backup_committed (Op *op);
static void restore_volume_committed (Op *op);
static void restore_thread (Op *op);
static void restore_done (Op *op);
static void restore_volume_settled (Op *op);

static void
restore_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE };
  const NovaBackupRecord *backup = manager_op_take_available_backup (op, "restore");

  if (backup == NULL || !manager_op_take_volume (op)
      || !manager_op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (op->volume->size < backup->size)
    {
      g_autofree char *have = nova_volume_size_format (op->volume->size);
      g_autofree char *need = nova_volume_size_format (backup->size);

      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "cannot restore backup %s into volume %s: the volume holds %s and the backup %s; extend "
                       "the volume, or restore into a new one", backup->id, op->volume_id, have, need);
      return;
    }
  if (!nova_volume_driver_can_stream (op->driver, TRUE))
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                       "cannot restore backup %s into volume %s: the %s driver does not take bytes to write",
                       backup->id, op->volume_id, op->volume->driver);
      return;
    }
  backup_data_new (op);
  BK (op)->backup = nova_backup_record_copy (backup);
  commit_backup_status_then (op, NOVA_BACKUP_STATUS_RESTORING, NULL, restore_backup_committed);
}

static void
restore_backup_committed (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_RESTORING_BACKUP, NULL, restore_volume_committed);
}

static void
restore_volume_committed (Op *op)
{
  /* the volume could not be taken: the backup is as it was */
  if (op->error != NULL)
    {
      commit_backup_status_then (op, NOVA_BACKUP_STATUS_AVAILABLE, NULL, manager_op_return);
      return;
    }
  manager_op_start_job (op, "backup-restore", BK (op)->backup->size);
  manager_op_in_thread (op, restore_thread, restore_done);
}

static void
restore_thread (Op *op)
{
  MANAGER_CRASH_POINT (op, "before-backup-restore");
  manager_restore_into (op->self, op->driver, BK (op)->backup, op->volume, FALSE, op->job, &op->error);
  MANAGER_CRASH_POINT (op, "after-backup-restore");
}

static void
restore_done (Op *op)
{
  if (op->error == NULL)
    {
      manager_op_commit_volume_status_then (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL, restore_volume_settled);
      return;
    }
  /* its bytes are partly the backup's now */
  g_prefix_error (&op->error, "cannot restore backup %s into volume %s: ", op->backup_id, op->volume_id);
  manager_op_commit_volume_failure_then (op, NOVA_VOLUME_STATUS_ERROR, restore_volume_settled);
}

static void
restore_volume_settled (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_BACKUP_RESTORED, op->volume_id, NULL,
                           "restored backup %s into volume %s", op->backup_id, op->volume_id);
  /* the backup is as it was, whatever became of the volume; the
   * operation's first error is the one the caller hears */
  commit_backup_status_then (op, NOVA_BACKUP_STATUS_AVAILABLE, NULL, manager_op_finish);
}

void
nova_volume_manager_restore_backup (NovaVolumeManager *self, const char *backup_id, const char *volume_id,
                                    guint caller_uid, const char *caller_bus_name, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  Op *op = manager_op_new (self, "restore backup", RESULT_NONE, callback, user_data);

  op->backup_id = g_strdup (backup_id);
  op->volume_id = g_strdup (volume_id);
  op->caller_uid = caller_uid;
  op->caller_bus_name = g_strdup (caller_bus_name);
  manager_op_submit (op, restore_start);
}

/* ---- Backup.Delete ---------------------------------------------------- */

static void delete_deleting_committed (Op *op);
static void delete_thread (Op *op);
static void delete_done (Op *op);
static void delete_removed_committed (Op *op);

/* The backups whose parent is @id, ", " between them. */
static char *
children_of (NovaVolumeManager *self, const char *id)
{
  g_autoptr(GString) ids = g_string_new (NULL);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->backups);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const NovaBackupRecord *backup = value;

      if (g_str_equal (backup->parent_id, id))
        g_string_append_printf (ids, "%s%s", ids->len > 0 ? ", " : "", backup->id);
    }
  return ids->len > 0 ? g_string_free (g_steal_pointer (&ids), FALSE) : NULL;
}

static void
delete_start (Op *op)
{
  const NovaBackupRecord *backup = nova_volume_manager_lookup_backup (op->self, op->backup_id);
  g_autofree char *children = NULL;

  if (!take_repository (op))
    return;
  if (backup == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "backup %s not found", op->backup_id);
      return;
    }
  if (backup->status != NOVA_BACKUP_STATUS_AVAILABLE && backup->status != NOVA_BACKUP_STATUS_ERROR
      && backup->status != NOVA_BACKUP_STATUS_DELETING)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot delete backup %s: it is %s", backup->id,
                       nova_backup_status_to_string (backup->status));
      return;
    }
  children = children_of (op->self, backup->id);
  if (children != NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_BUSY,
                       "cannot delete backup %s: the incremental backups %s are made on it; delete them first",
                       backup->id, children);
      return;
    }
  backup_data_new (op);
  BK (op)->backup = nova_backup_record_copy (backup);
  {
    const NovaVolumeRecord *volume = nova_volume_manager_lookup_volume (op->self, backup->volume_id);
    NovaVolumeBackend *backend = volume != NULL ? manager_lookup_backend (op->self, volume->backend) : NULL;
    NovaVolumeDriver *driver = backend != NULL ? nova_volume_backend_get_driver (backend) : NULL;

    /* its mark on the volume, if the volume is here and keeps marks */
    if (driver != NULL && nova_volume_driver_can_mark (driver))
      {
        BK (op)->volume = nova_volume_record_copy (volume);
        BK (op)->driver = driver;
      }
  }
  commit_backup_status_then (op, NOVA_BACKUP_STATUS_DELETING, NULL, delete_deleting_committed);
}

static void
delete_deleting_committed (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  /* no chunk is collected while a backup stores chunks no manifest names yet */
  op->refresh = op->self->n_backups_storing == 0;
  manager_op_in_thread (op, delete_thread, delete_done);
}

static void
delete_thread (Op *op)
{
  g_autoptr(GError) error = NULL;
  guint removed = 0;
  guint64 freed = 0;

  MANAGER_CRASH_POINT (op, "before-backup-remove");
  if (!nova_volume_backup_repository_remove (op->self->repository, op->backup_id, &op->error))
    return;
  MANAGER_CRASH_POINT (op, "after-backup-remove");
  if (BK (op)->volume != NULL)
    {
      g_autofree char *mark = mark_of (op->backup_id);

      if (!nova_volume_driver_remove_mark (BK (op)->driver, BK (op)->volume, mark, &error))
        g_warning ("deleted backup %s, but its mark on volume %s stays: %s", op->backup_id, BK (op)->volume->id,
                   error->message);
      g_clear_error (&error);
    }
  if (op->refresh && !nova_volume_backup_repository_collect (op->self->repository, &removed, &freed, &error))
    g_warning ("deleted backup %s, but collecting the chunks no backup uses failed: %s", op->backup_id,
               error->message);
  else if (removed > 0)
    g_debug ("deleted backup %s: %u chunks no backup uses, %" G_GUINT64_FORMAT " bytes", op->backup_id, removed,
             freed);
}

static void
delete_done (Op *op)
{
  if (op->error != NULL)
    {
      /* the operation keeps its error, whatever this commit says */
      g_prefix_error (&op->error, "cannot delete backup %s: ", op->backup_id);
      commit_backup_status_then (op, NOVA_BACKUP_STATUS_ERROR, op->error->message, manager_op_return);
      return;
    }
  manager_op_commit_backup_removed_then (op, delete_removed_committed);
}

static void
delete_removed_committed (Op *op)
{
  if (op->error != NULL)
    g_prefix_error (&op->error, "deleted backup %s from the repository, but cannot forget it: ", op->backup_id);
  else
    nova_volume_log_event (NOVA_VOLUME_EVENT_BACKUP_DELETED, BK (op)->backup->volume_id, NULL,
                           "deleted backup %s", op->backup_id);
  manager_op_return (op);
}

void
nova_volume_manager_delete_backup (NovaVolumeManager *self, const char *backup_id, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  Op *op = manager_op_new (self, "delete backup", RESULT_NONE, callback, user_data);

  op->backup_id = g_strdup (backup_id);
  op->frees_space = TRUE;
  manager_op_submit (op, delete_start);
}

/* ---- Backup.Verify ---------------------------------------------------- */

static void verify_thread (Op *op);
static void verify_done (Op *op);

static void
verify_start (Op *op)
{
  const NovaBackupRecord *backup = manager_op_take_available_backup (op, "verify");

  if (backup == NULL)
    return;
  backup_data_new (op);
  BK (op)->backup = nova_backup_record_copy (backup);
  manager_op_start_job (op, "backup-verify", backup->size);
  manager_op_in_thread (op, verify_thread, verify_done);
}

static void
verify_thread (Op *op)
{
  g_autoptr(NovaBackupManifest) manifest = manager_read_backup_manifest (op->self, BK (op)->backup, &op->error);
  g_auto(NovaBackupVerifyReport) report = { 0, };
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (manifest == NULL
      || !nova_volume_backup_repository_verify (op->self->repository, manifest, &report, report_to_job, op->job,
                                     nova_volume_job_get_cancellable (op->job), &op->error))
    return;
  g_ptr_array_add (report.problems, NULL);
  g_variant_builder_add (&builder, "{sv}", "chunks", g_variant_new_uint32 (report.n_chunks));
  g_variant_builder_add (&builder, "{sv}", "missing", g_variant_new_uint32 (report.n_missing));
  g_variant_builder_add (&builder, "{sv}", "damaged", g_variant_new_uint32 (report.n_damaged));
  g_variant_builder_add (&builder, "{sv}", "problems",
                         g_variant_new_strv ((const char *const *) report.problems->pdata, -1));
  g_variant_builder_add (&builder, "{sv}", "ok", g_variant_new_boolean (report.n_missing + report.n_damaged == 0));
  op->result = g_variant_ref_sink (g_variant_builder_end (&builder));
}

static void
verify_done (Op *op)
{
  if (op->error != NULL)
    g_prefix_error (&op->error, "cannot verify backup %s: ", op->backup_id);
  manager_op_end_job (op);
  manager_op_return (op);
}

void
nova_volume_manager_verify_backup (NovaVolumeManager *self, const char *backup_id, guint caller_uid,
                                   const char *caller_bus_name, GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "verify backup", RESULT_VARIANT, callback, user_data);

  op->backup_id = g_strdup (backup_id);
  op->caller_uid = caller_uid;
  op->caller_bus_name = g_strdup (caller_bus_name);
  manager_op_submit (op, verify_start);
}

GVariant *
nova_volume_manager_variant_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- ImportBackups and init_host -------------------------------------- */

/* The manifests of the repository (worker thread: it reads every one),
 * and a line for each file that is not one. */
typedef struct {
  GPtrArray *manifests;   /* NovaBackupManifest */
  GPtrArray *skipped;     /* char* */
  /* then, on the main thread: */
  GPtrArray *found;       /* NovaBackupRecord: the manifests the store has no record of */
  guint      known;       /* the others */
} Listing;

static void
listing_free (Listing *listing)
{
  g_clear_pointer (&listing->manifests, g_ptr_array_unref);
  g_clear_pointer (&listing->skipped, g_ptr_array_unref);
  g_clear_pointer (&listing->found, g_ptr_array_unref);
  g_free (listing);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Listing, listing_free)

static Listing *
list_repository (NovaVolumeManager *self, GError **error)
{
  g_autoptr(Listing) listing = g_new0 (Listing, 1);

  listing->manifests = nova_volume_backup_repository_list_manifests (self->repository, &listing->skipped, error);
  if (listing->manifests == NULL)
    return NULL;
  return g_steal_pointer (&listing);
}

/* What @listing holds that the store does not, as records of available
 * backups, into listing->found (main thread: it reads the records). */
static void
find_unrecorded (NovaVolumeManager *self, Listing *listing)
{
  listing->found = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_backup_record_free);
  listing->known = 0;
  for (guint i = 0; i < listing->manifests->len; i++)
    {
      const NovaBackupManifest *manifest = g_ptr_array_index (listing->manifests, i);
      NovaBackupRecord *backup;

      if (nova_volume_manager_lookup_backup (self, manifest->id) != NULL)
        {
          listing->known++;
          continue;
        }
      backup = nova_backup_record_new ();
      backup->id = g_strdup (manifest->id);
      backup->volume_id = g_strdup (manifest->volume_id);
      nova_record_set_string (&backup->snapshot_id, manifest->snapshot_id);
      nova_record_set_string (&backup->name, manifest->name);
      nova_record_set_string (&backup->description, manifest->description);
      nova_record_set_string (&backup->parent_id, manifest->parent_id);
      backup->size = manifest->size;
      backup->stored_bytes = manifest->stored_bytes;
      backup->status = NOVA_BACKUP_STATUS_AVAILABLE;
      backup->created_at = manifest->created_at;
      g_ptr_array_add (listing->found, backup);
    }
}

/* what ImportBackups answers, once listing->found is recorded */
static GVariant *
listing_result (const Listing *listing)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GStrv) skipped = NULL;

  if (listing->found->len > 0)
    g_message ("found %u backups in the backup repository that this daemon had no record of", listing->found->len);
  skipped = g_new0 (char *, listing->skipped->len + 1);
  for (guint i = 0; i < listing->skipped->len; i++)
    skipped[i] = g_strdup (g_ptr_array_index (listing->skipped, i));
  g_variant_builder_add (&builder, "{sv}", "imported", g_variant_new_uint32 (listing->found->len));
  g_variant_builder_add (&builder, "{sv}", "known", g_variant_new_uint32 (listing->known));
  g_variant_builder_add (&builder, "{sv}", "skipped", g_variant_new_strv ((const char *const *) skipped, -1));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* init_host: what @listing holds that the store does not, recorded in
 * place */
static GVariant *
record_listed (NovaVolumeManager *self, Listing *listing, GError **error)
{
  find_unrecorded (self, listing);
  for (guint i = 0; i < listing->found->len; i++)
    if (!manager_commit_backup (self, g_ptr_array_index (listing->found, i), error))
      return NULL;
  return listing_result (listing);
}

static void import_thread (Op *op);
static void import_done (Op *op);
static void import_committed (Op *op);

static void
import_start (Op *op)
{
  if (!take_repository (op))
    return;
  manager_op_in_thread (op, import_thread, import_done);
}

static void
import_thread (Op *op)
{
  op->data = list_repository (op->self, &op->error);
  op->data_free = (GDestroyNotify) listing_free;
}

static void
import_done (Op *op)
{
  Listing *listing = op->data;

  if (op->error != NULL)
    {
      import_committed (op);
      return;
    }
  /* all of them in one commit */
  find_unrecorded (op->self, listing);
  manager_op_commit_backups_then (op, listing->found, import_committed);
}

static void
import_committed (Op *op)
{
  if (op->error != NULL)
    g_prefix_error (&op->error, "cannot import backups: ");
  else
    op->result = listing_result (op->data);
  manager_op_return (op);
}

void
nova_volume_manager_import_backups (NovaVolumeManager *self, GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, "import backups", RESULT_VARIANT, callback, user_data);

  /* one at a time: two would both find the same new backups */
  op->exclusive_key = g_strdup ("backup-import");
  manager_op_submit (op, import_start);
}

void
manager_reconcile_backups (NovaVolumeManager *self)
{
  g_autoptr(GPtrArray) backups = NULL;
  g_autoptr(Listing) listing = NULL;
  g_autoptr(GVariant) imported = NULL;
  g_autoptr(GError) error = NULL;
  guint removed = 0;
  guint64 freed = 0;

  if (self->repository == NULL)
    return;
  backups = nova_volume_manager_list_backups (self);
  for (guint i = 0; i < backups->len; i++)
    {
      g_autoptr(NovaBackupRecord) backup = nova_backup_record_copy (g_ptr_array_index (backups, i));
      g_autoptr(NovaBackupManifest) manifest = NULL;
      g_autoptr(GError) local_error = NULL;

      switch (backup->status)
        {
        case NOVA_BACKUP_STATUS_CREATING:
          /* whole when its manifest was written, else cut short */
          manifest = manager_read_backup_manifest (self, backup, &local_error);
          if (manifest != NULL)
            {
              backup->status = NOVA_BACKUP_STATUS_AVAILABLE;
              backup->stored_bytes = manifest->stored_bytes;
            }
          else
            {
              backup->status = NOVA_BACKUP_STATUS_ERROR;
              nova_record_set_string (&backup->status_reason,
                                      "the backup was cut short (nova-volumed stopped); delete it and back up "
                                      "again");
            }
          break;
        case NOVA_BACKUP_STATUS_RESTORING:
          /* the target volume settles on its own */
          backup->status = NOVA_BACKUP_STATUS_AVAILABLE;
          break;
        case NOVA_BACKUP_STATUS_DELETING:
          if (nova_volume_backup_repository_remove (self->repository, backup->id, &local_error)
              && manager_commit_backup_removed (self, backup->id, &local_error))
            continue;
          backup->status = NOVA_BACKUP_STATUS_ERROR;
          nova_record_set_string (&backup->status_reason, local_error->message);
          break;
        case NOVA_BACKUP_STATUS_AVAILABLE:
        case NOVA_BACKUP_STATUS_ERROR:
        default:
          continue;
        }
      g_clear_error (&local_error);
      if (!manager_commit_backup (self, backup, &local_error))
        g_warning ("cannot settle backup %s: %s", backup->id, local_error->message);
    }

  listing = list_repository (self, &error);
  imported = listing != NULL ? record_listed (self, listing, &error) : NULL;
  if (imported == NULL)
    {
      g_warning ("cannot list the backups in the backup repository: %s", error->message);
      return;
    }
  /* what a backup cut short stored, and temporaries */
  if (!nova_volume_backup_repository_collect (self->repository, &removed, &freed, &error))
    g_warning ("cannot collect the chunks no backup uses: %s", error->message);
  else if (removed > 0)
    g_message ("removed %u chunks no backup uses from the backup repository (%" G_GUINT64_FORMAT " bytes)",
               removed, freed);
}
