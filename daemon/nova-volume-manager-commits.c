/* nova-volume: the manager's commits. Each state change is written to
 * the store first; only then does the live record change (and with it a
 * backend's counts) and "volume-changed" fire. The operations' steps
 * commit through the store's writer thread (nova-volume-store-writer.h):
 * the main loop goes on while the disk syncs, and commits that wait at
 * once share one transaction. Only what runs before the daemon serves
 * (init_host, --recover) commits in place. */
#include "config.h"

#include "nova-volume-crash.h"
#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-store-writer.h"

/* the failure a test asked for at @op's step @step (crash-point builds) */
static gboolean
injected_failure (Op *op, const char *step, GError **error)
{
  g_autofree char *name = g_strdelimit (g_strdup_printf ("%s:%s", op->what, step), " ", '-');

  if (!nova_volume_fail_point (name))
    return FALSE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE, "state database: database or disk is full "
               "(injected at %s)", name);
  return TRUE;
}

/* A commit failed: the store keeps what it had, a transitional status
 * that a restart would settle. The live record is settled now, the same
 * way, so clients see what a restart would show (an error with a reason)
 * and not a status frozen until then. */
static void
settle_live_volume (NovaVolumeManager *self, const char *id, const char *why)
{
  NovaVolumeRecord *live = g_hash_table_lookup (self->volumes, id);
  g_autoptr(NovaVolumeRecord) copy = NULL;
  g_autofree char *reason = NULL;

  if (live == NULL)
    return;
  copy = nova_volume_record_copy (live);
  if (!manager_settle_volume (copy))
    return;
  /* an error says why; a status settled back to usable needs no reason */
  if (*copy->status_reason != '\0')
    {
      reason = g_strdup_printf ("%s (its new state could not be recorded: %s)", copy->status_reason, why);
      nova_record_set_string (&copy->status_reason, reason);
    }
  g_hash_table_replace (self->volumes, g_strdup (id), g_steal_pointer (&copy));
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_VOLUME_CHANGED], 0, id);
}

static void
settle_live_snapshot (NovaVolumeManager *self, const char *id, const char *why)
{
  NovaSnapshotRecord *live = g_hash_table_lookup (self->snapshots, id);
  g_autoptr(NovaSnapshotRecord) copy = NULL;
  g_autofree char *reason = NULL;

  if (live == NULL)
    return;
  copy = nova_snapshot_record_copy (live);
  if (!manager_settle_snapshot (copy))
    return;
  /* an error says why; a status settled back to usable needs no reason */
  if (*copy->status_reason != '\0')
    {
      reason = g_strdup_printf ("%s (its new state could not be recorded: %s)", copy->status_reason, why);
      nova_record_set_string (&copy->status_reason, reason);
    }
  manager_keep_snapshot (self, copy);
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_SNAPSHOT_CHANGED], 0, id);
}

/* ---- commits --------------------------------------------------------- */

/* Moves @volume (its size, itself and its snapshots) in or out of its
 * backend's counts. */
static void
count_on_backend (NovaVolumeManager *self, const NovaVolumeRecord *volume, gboolean add)
{
  NovaVolumeBackend *backend = volume != NULL ? manager_lookup_backend (self, volume->backend) : NULL;
  GHashTable *ids;
  guint64 bytes;
  guint n_volumes, n_snapshots, k;

  if (backend == NULL)
    return;
  ids = manager_snapshot_ids_of (self, volume->id);
  k = ids != NULL ? g_hash_table_size (ids) : 0;
  bytes = nova_volume_backend_get_provisioned (backend);
  n_volumes = nova_volume_backend_get_n_volumes (backend);
  n_snapshots = nova_volume_backend_get_n_snapshots (backend);
  if (add)
    nova_volume_backend_set_counts (backend, bytes + volume->size, n_volumes + 1, n_snapshots + k);
  else
    nova_volume_backend_set_counts (backend, bytes - MIN (bytes, volume->size), n_volumes - MIN (n_volumes, 1),
                                    n_snapshots - MIN (n_snapshots, k));
}

GHashTable *
manager_snapshot_ids_of (NovaVolumeManager *self, const char *volume_id)
{
  return volume_id != NULL ? g_hash_table_lookup (self->snapshots_of, volume_id) : NULL;
}

/* Adds @snapshot_id to or takes it from its volume's set and the count of
 * the backend the volume is on (none when the volume has no record: it is
 * counted with its snapshots when it gets one) */
static void
index_snapshot (NovaVolumeManager *self, const char *volume_id, const char *snapshot_id, gboolean add)
{
  GHashTable *ids = manager_snapshot_ids_of (self, volume_id);
  const NovaVolumeRecord *volume = g_hash_table_lookup (self->volumes, volume_id);
  NovaVolumeBackend *backend = volume != NULL ? manager_lookup_backend (self, volume->backend) : NULL;
  guint n;

  if (add)
    {
      if (ids == NULL)
        {
          ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          g_hash_table_insert (self->snapshots_of, g_strdup (volume_id), ids);
        }
      if (!g_hash_table_add (ids, g_strdup (snapshot_id)))
        return;
    }
  else
    {
      if (ids == NULL || !g_hash_table_remove (ids, snapshot_id))
        return;
      if (g_hash_table_size (ids) == 0)
        g_hash_table_remove (self->snapshots_of, volume_id);
    }
  if (backend == NULL)
    return;
  n = nova_volume_backend_get_n_snapshots (backend);
  nova_volume_backend_set_counts (backend, nova_volume_backend_get_provisioned (backend),
                                  nova_volume_backend_get_n_volumes (backend),
                                  add ? n + 1 : n - MIN (n, 1));
}

void
manager_keep_snapshot (NovaVolumeManager *self, const NovaSnapshotRecord *snapshot)
{
  const NovaSnapshotRecord *old = g_hash_table_lookup (self->snapshots, snapshot->id);

  if (old != NULL && g_strcmp0 (old->volume_id, snapshot->volume_id) != 0)
    index_snapshot (self, old->volume_id, old->id, FALSE);
  index_snapshot (self, snapshot->volume_id, snapshot->id, TRUE);
  g_hash_table_replace (self->snapshots, g_strdup (snapshot->id), nova_snapshot_record_copy (snapshot));
}

/* Takes snapshot @id out of the records and the index */
static void
drop_snapshot (NovaVolumeManager *self, const char *id)
{
  const NovaSnapshotRecord *old = g_hash_table_lookup (self->snapshots, id);

  if (old != NULL)
    index_snapshot (self, old->volume_id, old->id, FALSE);
  g_hash_table_remove (self->snapshots, id);
}

gboolean
manager_use_reserve (NovaVolumeManager *self, GError **error)
{
  if (self->reserve == NULL || !g_error_matches (*error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE)
      || !nova_volume_reserve_release (self->reserve))
    return FALSE;
  g_clear_error (error);
  return TRUE;
}

/* @volume is in the store: the live record, its backend's counts and the
 * signal follow */
static void
apply_volume (NovaVolumeManager *self, const NovaVolumeRecord *volume)
{
  const NovaVolumeRecord *old = g_hash_table_lookup (self->volumes, volume->id);

  /* a new status alone leaves the counts (and the Backend's properties)
   * as they are */
  if (old == NULL || old->size != volume->size || g_strcmp0 (old->backend, volume->backend) != 0)
    {
      count_on_backend (self, old, FALSE);
      count_on_backend (self, volume, TRUE);
    }
  g_hash_table_replace (self->volumes, g_strdup (volume->id), nova_volume_record_copy (volume));
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_VOLUME_CHANGED], 0, volume->id);
}

gboolean
manager_commit_volume (NovaVolumeManager *self, NovaVolumeRecord *volume, GError **error)
{
  volume->updated_at = g_get_real_time ();
  if (!nova_volume_store_put_volume (self->store, volume, error))
    return FALSE;
  apply_volume (self, volume);
  return TRUE;
}

gboolean
manager_commit_volume_removed (NovaVolumeManager *self, const char *id, GError **error)
{
  g_autofree char *owned_id = g_strdup (id);

  /* a removal frees space: it may use the reserve */
  if (!nova_volume_store_delete_volume (self->store, owned_id, error)
      && !(manager_use_reserve (self, error) && nova_volume_store_delete_volume (self->store, owned_id, error)))
    return FALSE;
  manager_forget_volume (self, owned_id);
  return TRUE;
}

void
manager_forget_volume (NovaVolumeManager *self, const char *id)
{
  g_autofree char *owned_id = g_strdup (id);

  count_on_backend (self, g_hash_table_lookup (self->volumes, owned_id), FALSE);
  g_hash_table_remove (self->volumes, owned_id);
  /* its connections went with its row */
  g_hash_table_remove (self->connections, owned_id);
  g_hash_table_remove (self->connections_unreadable, owned_id);
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_VOLUME_REMOVED], 0, owned_id);
}

static void
apply_snapshot (NovaVolumeManager *self, const NovaSnapshotRecord *snapshot)
{
  manager_keep_snapshot (self, snapshot);
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_SNAPSHOT_CHANGED], 0, snapshot->id);
}

/* snapshot @id's row is gone from the store: from memory too */
static void
forget_snapshot (NovaVolumeManager *self, const char *id)
{
  g_autofree char *owned_id = g_strdup (id);

  drop_snapshot (self, owned_id);
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_SNAPSHOT_REMOVED], 0, owned_id);
}

gboolean
manager_commit_snapshot (NovaVolumeManager *self, NovaSnapshotRecord *snapshot, GError **error)
{
  snapshot->updated_at = g_get_real_time ();
  if (!nova_volume_store_put_snapshot (self->store, snapshot, error))
    return FALSE;
  apply_snapshot (self, snapshot);
  return TRUE;
}

gboolean
manager_commit_snapshot_removed (NovaVolumeManager *self, const char *id, GError **error)
{
  g_autofree char *owned_id = g_strdup (id);

  if (!nova_volume_store_delete_snapshot (self->store, owned_id, error)
      && !(manager_use_reserve (self, error) && nova_volume_store_delete_snapshot (self->store, owned_id, error)))
    return FALSE;
  forget_snapshot (self, owned_id);
  return TRUE;
}

/* ---- commits through the store's writer ------------------------------ */

typedef enum {
  WRITE_VOLUME,
  WRITE_VOLUME_REMOVED,
  WRITE_SNAPSHOT,
  WRITE_SNAPSHOT_REMOVED,
  WRITE_BACKUP,
  WRITE_BACKUP_REMOVED,
  WRITE_BACKUPS,          /* a GPtrArray of NovaBackupRecord, in one write */
  WRITE_CONNECTION,
  WRITE_CONNECTION_REMOVED,
  WRITE_VOLUME_RELEASED,  /* Unmanage: the row goes, a released row names its backend */
  WRITE_RELEASED_FORGOTTEN, /* Manage: that released row goes */
} WriteKind;

/* one commit of an operation's step, from its hand-over to its @then */
typedef struct {
  Op        *op;
  WriteKind  kind;
  gpointer   record;    /* what is written (the operation's, borrowed), or NULL for a removal */
  char      *id;        /* the record's id (a connection's: its volume's) */
  char      *key;       /* a connection's connector key; a released volume's backend */
  GVariant  *connector; /* a connection's connector */
  char      *step;      /* "creating", "snapshot-removed": crash points, messages */
  gboolean   quiet;     /* a failure is only logged: the operation goes on as if it had not been */
  gboolean   failed;
  GError    *saved;         /* the operation's error, which stays the caller's whatever the commit says */
  gboolean   failure_event; /* logs the volume's failure once recorded */
  gboolean   retried;   /* once more after the reserve gave its space back */
  GError    *injected;  /* the failure a test asked for */
  GError    *written;   /* the writer's error, carried to the main thread */
  OpStep     then;
  /* an intent whose operation, once durable, goes on in a worker (see
   * on_written_here): manager_op_in_thread_then_commit's three steps */
  OpStep     thread_step;
  OpStep     thread_commit;
  OpStep     thread_then;
} Commit;

static void
commit_free (Commit *commit)
{
  g_clear_error (&commit->written);
  g_clear_error (&commit->saved);
  g_clear_error (&commit->injected);
  g_free (commit->id);
  g_free (commit->key);
  g_clear_pointer (&commit->connector, g_variant_unref);
  g_free (commit->step);
  g_free (commit);
}

/* the writer's side: what a commit writes (a copy, freed by the writer) */
static gboolean
write_volume (NovaVolumeStore *store, gpointer data, GError **error)
{
  return nova_volume_store_put_volume (store, data, error);
}

static gboolean
write_volume_removed (NovaVolumeStore *store, gpointer data, GError **error)
{
  return nova_volume_store_delete_volume (store, data, error);
}

static gboolean
write_snapshot (NovaVolumeStore *store, gpointer data, GError **error)
{
  return nova_volume_store_put_snapshot (store, data, error);
}

static gboolean
write_snapshot_removed (NovaVolumeStore *store, gpointer data, GError **error)
{
  return nova_volume_store_delete_snapshot (store, data, error);
}

static gboolean
write_backup (NovaVolumeStore *store, gpointer data, GError **error)
{
  return nova_volume_store_put_backup (store, data, error);
}

static gboolean
write_backup_removed (NovaVolumeStore *store, gpointer data, GError **error)
{
  return nova_volume_store_delete_backup (store, data, error);
}

static gboolean
write_backups (NovaVolumeStore *store, gpointer data, GError **error)
{
  GPtrArray *backups = data;

  for (guint i = 0; i < backups->len; i++)
    if (!nova_volume_store_put_backup (store, g_ptr_array_index (backups, i), error))
      return FALSE;
  return TRUE;
}

/* what a connection's commit (key: the connector's) or a release's
 * (key: the backend) hands the writer */
typedef struct {
  char     *volume_id;
  char     *key;
  GVariant *connector;  /* a connection's record; NULL otherwise */
} VolumeKeyWrite;

static void
volume_key_write_free (VolumeKeyWrite *write)
{
  g_free (write->volume_id);
  g_free (write->key);
  g_clear_pointer (&write->connector, g_variant_unref);
  g_free (write);
}

static gboolean
write_connection (NovaVolumeStore *store, gpointer data, GError **error)
{
  VolumeKeyWrite *write = data;

  return nova_volume_store_put_connection (store, write->volume_id, write->key, write->connector, error);
}

static gboolean
write_connection_removed (NovaVolumeStore *store, gpointer data, GError **error)
{
  VolumeKeyWrite *write = data;
  g_autoptr(GError) local_error = NULL;

  if (nova_volume_store_delete_connection (store, write->volume_id, write->key, &local_error))
    return TRUE;
  /* already gone: what was asked for holds */
  if (g_error_matches (local_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
write_volume_released (NovaVolumeStore *store, gpointer data, GError **error)
{
  VolumeKeyWrite *write = data;

  return nova_volume_store_release_volume (store, write->volume_id, write->key, error);
}

static gboolean
write_released_forgotten (NovaVolumeStore *store, gpointer data, GError **error)
{
  return nova_volume_store_forget_released (store, data, error);
}

static GPtrArray *
copy_backups (GPtrArray *backups)
{
  GPtrArray *copy = g_ptr_array_new_full (backups->len, (GDestroyNotify) nova_backup_record_free);

  for (guint i = 0; i < backups->len; i++)
    g_ptr_array_add (copy, nova_backup_record_copy (g_ptr_array_index (backups, i)));
  return copy;
}

static gboolean
is_removal (WriteKind kind)
{
  return kind == WRITE_VOLUME_REMOVED || kind == WRITE_SNAPSHOT_REMOVED || kind == WRITE_BACKUP_REMOVED
         || kind == WRITE_CONNECTION_REMOVED;
}

static void on_written (const GError *error, gpointer user_data);
static void on_written_here (const GError *error, gpointer user_data);

static void
commit_hand_over (Commit *commit)
{
  Op *op = commit->op;
  g_autofree char *label = g_strdup_printf ("%s:commit-%s", op->what, commit->step);
  NovaVolumeStoreWrite write;
  gpointer data;
  GDestroyNotify destroy;

  /* a removal writes the id; the others a copy of the record, stamped */
  switch (commit->kind)
    {
    case WRITE_VOLUME:
      ((NovaVolumeRecord *) commit->record)->updated_at = g_get_real_time ();
      write = write_volume;
      data = nova_volume_record_copy (commit->record);
      destroy = (GDestroyNotify) nova_volume_record_free;
      break;
    case WRITE_SNAPSHOT:
      ((NovaSnapshotRecord *) commit->record)->updated_at = g_get_real_time ();
      write = write_snapshot;
      data = nova_snapshot_record_copy (commit->record);
      destroy = (GDestroyNotify) nova_snapshot_record_free;
      break;
    case WRITE_BACKUP:
      ((NovaBackupRecord *) commit->record)->updated_at = g_get_real_time ();
      write = write_backup;
      data = nova_backup_record_copy (commit->record);
      destroy = (GDestroyNotify) nova_backup_record_free;
      break;
    case WRITE_BACKUPS:
      write = write_backups;
      data = copy_backups (commit->record);
      destroy = (GDestroyNotify) g_ptr_array_unref;
      break;
    case WRITE_CONNECTION:
    case WRITE_CONNECTION_REMOVED:
    case WRITE_VOLUME_RELEASED:
      {
        VolumeKeyWrite *keyed = g_new0 (VolumeKeyWrite, 1);

        keyed->volume_id = g_strdup (commit->id);
        keyed->key = g_strdup (commit->key);
        if (commit->connector != NULL)
          keyed->connector = g_variant_ref (commit->connector);
        write = commit->kind == WRITE_CONNECTION           ? write_connection
                : commit->kind == WRITE_CONNECTION_REMOVED ? write_connection_removed
                                                           : write_volume_released;
        data = keyed;
        destroy = (GDestroyNotify) volume_key_write_free;
      }
      break;
    case WRITE_RELEASED_FORGOTTEN:
      write = write_released_forgotten;
      data = g_strdup (commit->id);
      destroy = g_free;
      break;
    case WRITE_VOLUME_REMOVED:
    case WRITE_SNAPSHOT_REMOVED:
    case WRITE_BACKUP_REMOVED:
    default:
      write = commit->kind == WRITE_VOLUME_REMOVED ? write_volume_removed
              : commit->kind == WRITE_SNAPSHOT_REMOVED ? write_snapshot_removed : write_backup_removed;
      data = g_strdup (commit->id);
      destroy = g_free;
      break;
    }
  if (commit->thread_step != NULL)
    nova_volume_store_writer_write_then_here (op->self->writer, label, write, data, destroy, on_written_here,
                                              commit);
  else
    nova_volume_store_writer_write (op->self->writer, label, write, data, destroy, g_task_get_context (op->task),
                                    on_written, commit);
}

/* the commit is durable: the live records follow */
static void
commit_apply (Commit *commit)
{
  Op *op = commit->op;

  switch (commit->kind)
    {
    case WRITE_VOLUME:
      apply_volume (op->self, commit->record);
      if (commit->failure_event)
        nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_ERROR, commit->id, NULL, "volume %s is now %s: %s",
                               commit->id, nova_volume_status_to_string (op->volume->status),
                               commit->saved->message);
      break;
    case WRITE_VOLUME_REMOVED:
      manager_forget_volume (op->self, commit->id);
      break;
    case WRITE_SNAPSHOT:
      apply_snapshot (op->self, commit->record);
      break;
    case WRITE_SNAPSHOT_REMOVED:
      forget_snapshot (op->self, commit->id);
      break;
    case WRITE_BACKUP:
      manager_apply_backup (op->self, commit->record);
      break;
    case WRITE_BACKUPS:
      for (guint i = 0; i < ((GPtrArray *) commit->record)->len; i++)
        manager_apply_backup (op->self, g_ptr_array_index ((GPtrArray *) commit->record, i));
      break;
    case WRITE_CONNECTION:
      manager_keep_connection (op->self, commit->id, commit->key, commit->connector);
      break;
    case WRITE_CONNECTION_REMOVED:
      manager_drop_connection (op->self, commit->id, commit->key);
      break;
    case WRITE_VOLUME_RELEASED:
      g_hash_table_replace (op->self->released, g_strdup (commit->id), g_strdup (commit->key));
      manager_forget_volume (op->self, commit->id);
      break;
    case WRITE_RELEASED_FORGOTTEN:
      g_hash_table_remove (op->self->released, commit->id);
      break;
    case WRITE_BACKUP_REMOVED:
    default:
      manager_forget_backup (op->self, commit->id);
      break;
    }
}

/* the commit failed: the store keeps what it had */
static void
commit_failed (Commit *commit, GError *error)
{
  Op *op = commit->op;

  const char *what = commit->kind == WRITE_VOLUME || commit->kind == WRITE_VOLUME_REMOVED ? "volume"
                     : commit->kind == WRITE_SNAPSHOT || commit->kind == WRITE_SNAPSHOT_REMOVED ? "snapshot"
                     : "backup";

  commit->failed = TRUE;
  if (commit->kind == WRITE_CONNECTION || commit->kind == WRITE_CONNECTION_REMOVED)
    g_warning ("cannot record %s of volume %s as %s: %s", commit->key, commit->id, commit->step, error->message);
  else if (commit->kind == WRITE_VOLUME_RELEASED || commit->kind == WRITE_RELEASED_FORGOTTEN)
    g_warning ("cannot record volume %s as %s: %s", commit->id, commit->step, error->message);
  else if (is_removal (commit->kind))
    g_warning ("cannot record that %s %s is gone: %s", what, commit->id, error->message);
  else
    g_warning ("cannot record %s %s as %s: %s", what, commit->id, commit->step, error->message);
  if (commit->quiet)
    return;
  if (commit->kind == WRITE_VOLUME)
    settle_live_volume (op->self, commit->id, error->message);
  else if (commit->kind == WRITE_SNAPSHOT)
    settle_live_snapshot (op->self, commit->id, error->message);
  /* (an operation that had failed before gets its own error back in
   * commit_done) */
  g_clear_error (&op->error);
  op->error = g_error_copy (error);
}

static void
commit_done (Commit *commit)
{
  Op *op = commit->op;
  OpStep then = commit->then;

  if (commit->saved != NULL)
    {
      g_clear_error (&op->error);
      op->error = g_steal_pointer (&commit->saved);
    }
  op->commit_failed = commit->failed;
  commit_free (commit);
  then (op);
}

static void
on_written (const GError *written_error, gpointer user_data)
{
  Commit *commit = user_data;
  Op *op = commit->op;
  g_autoptr(GError) error = written_error != NULL ? g_error_copy (written_error) : NULL;

  if (error == NULL)
    {
      g_autofree char *after = g_strconcat ("after-commit-", commit->step, NULL);

      commit_apply (commit);
      MANAGER_CRASH_POINT (op, after);
    }
  else if ((op->frees_space || is_removal (commit->kind)) && !commit->retried && manager_use_reserve (op->self, &error))
    {
      /* what frees space may take the reserve's: once more */
      commit->retried = TRUE;
      commit_hand_over (commit);
      return;
    }
  else
    {
      commit_failed (commit, error);
    }
  commit_done (commit);
}

/* ---- an intent whose operation goes on in a worker -------------------- */

/* what the main thread makes of a durable intent: the live record */
typedef struct {
  NovaVolumeManager  *self;
  NovaVolumeRecord   *volume;     /* one of the two */
  NovaSnapshotRecord *snapshot;
} Applied;

static gboolean
apply_on_main (gpointer user_data)
{
  Applied *applied = user_data;

  if (applied->volume != NULL)
    apply_volume (applied->self, applied->volume);
  else
    apply_snapshot (applied->self, applied->snapshot);
  g_clear_pointer (&applied->volume, nova_volume_record_free);
  g_clear_pointer (&applied->snapshot, nova_snapshot_record_free);
  g_free (applied);
  return G_SOURCE_REMOVE;
}

/* a write that failed: the main thread settles it as on_written does */
static gboolean
written_on_main (gpointer user_data)
{
  Commit *commit = user_data;
  g_autoptr(GError) error = g_steal_pointer (&commit->written);

  on_written (error, commit);
  return G_SOURCE_REMOVE;
}

/* On the writer's thread, right after the intent's commit. Durable: the
 * live record follows on the main thread (a copy: the worker changes the
 * operation's own from now on), and the operation goes on to its worker
 * from here, without waking the main loop in between. The main thread
 * applies the intent before anything the worker hands on, as its source
 * is attached first. */
static void
on_written_here (const GError *error, gpointer user_data)
{
  Commit *commit = user_data;
  Op *op = commit->op;
  GMainContext *context = g_task_get_context (op->task);
  OpStep thread_step = commit->thread_step, thread_commit = commit->thread_commit, thread_then = commit->thread_then;
  g_autofree char *after = NULL;
  Applied *applied;

  if (error != NULL)
    {
      commit->written = g_error_copy (error);
      manager_run_on_context (context, written_on_main, commit);
      return;
    }
  applied = g_new0 (Applied, 1);
  applied->self = op->self;
  if (commit->kind == WRITE_VOLUME)
    applied->volume = nova_volume_record_copy (commit->record);
  else
    applied->snapshot = nova_snapshot_record_copy (commit->record);
  after = g_strconcat ("after-commit-", commit->step, NULL);
  MANAGER_CRASH_POINT (op, after);
  manager_run_on_context (context, apply_on_main, applied);
  op->error = g_steal_pointer (&commit->saved);
  op->commit_failed = FALSE;
  commit_free (commit);
  manager_op_in_thread_then_commit (op, thread_step, thread_commit, thread_then);
}

static gboolean
commit_injected_failure (gpointer user_data)
{
  Commit *commit = user_data;

  commit_failed (commit, commit->injected);
  commit_done (commit);
  return G_SOURCE_REMOVE;
}

static Commit *
commit_new (Op *op, WriteKind kind, gpointer record, const char *id, const char *step, OpStep then)
{
  Commit *commit = g_new0 (Commit, 1);

  commit->op = op;
  commit->kind = kind;
  commit->record = record;
  commit->id = g_strdup (id);
  commit->step = g_strdup (step);
  commit->then = then;
  /* an operation that failed before keeps its error */
  commit->saved = g_steal_pointer (&op->error);
  return commit;
}

static void
commit_start (Commit *commit)
{
  Op *op = commit->op;
  g_autofree char *before = g_strconcat ("before-commit-", commit->step, NULL);
  g_autoptr(GError) error = NULL;

  MANAGER_CRASH_POINT (op, before);
  if (injected_failure (op, before, &error))
    {
      /* as the writer would answer: on the main thread, later */
      commit->injected = g_steal_pointer (&error);
      manager_run_on_context (g_task_get_context (op->task), commit_injected_failure, commit);
      return;
    }
  commit_hand_over (commit);
}

/* op->volume's new @status (and @reason), to be committed */
static Commit *
volume_status_commit_new (Op *op, NovaVolumeStatus status, const char *reason, OpStep then)
{
  /* an operation that holds the volume shared only reads it */
  g_return_val_if_fail (!op->volume_shared, NULL);
  op->volume->status = status;
  nova_record_set_string (&op->volume->status_reason, reason != NULL ? reason : "");
  return commit_new (op, WRITE_VOLUME, op->volume, op->volume->id, nova_volume_status_to_string (status), then);
}

/* op->snapshot's, the same way */
static Commit *
snapshot_status_commit_new (Op *op, NovaSnapshotStatus status, const char *reason, OpStep then)
{
  g_autofree char *step = g_strconcat ("snapshot-", nova_snapshot_status_to_string (status), NULL);

  op->snapshot->status = status;
  nova_record_set_string (&op->snapshot->status_reason, reason != NULL ? reason : "");
  return commit_new (op, WRITE_SNAPSHOT, op->snapshot, op->snapshot->id, step, then);
}

void
manager_op_commit_volume_status_then (Op *op, NovaVolumeStatus status, const char *reason, OpStep then)
{
  Commit *commit = volume_status_commit_new (op, status, reason, then);

  if (commit != NULL)
    commit_start (commit);
}

/* @commit, an intent made with manager_op_return as its then (a failed
 * commit ends the operation with its error, as a step after a commit
 * does), once durable goes on as manager_op_in_thread_then_commit */
static void
commit_start_in_thread (Commit *commit, OpStep thread_step, OpStep thread_commit, OpStep thread_then)
{
  if (commit == NULL)
    return;
  commit->thread_step = thread_step;
  commit->thread_commit = thread_commit;
  commit->thread_then = thread_then;
  commit_start (commit);
}

void
manager_op_commit_volume_status_then_in_thread (Op *op, NovaVolumeStatus status, OpStep thread_step,
                                                OpStep commit_step, OpStep then)
{
  commit_start_in_thread (volume_status_commit_new (op, status, NULL, manager_op_return), thread_step, commit_step,
                          then);
}

void
manager_op_commit_snapshot_status_then_in_thread (Op *op, NovaSnapshotStatus status, OpStep thread_step,
                                                  OpStep commit_step, OpStep then)
{
  commit_start_in_thread (snapshot_status_commit_new (op, status, NULL, manager_op_return), thread_step,
                          commit_step, then);
}

void
manager_op_commit_volume_failure_then (Op *op, NovaVolumeStatus status, OpStep then)
{
  Commit *commit;

  g_return_if_fail (op->error != NULL);
  op->volume->status = status;
  nova_record_set_string (&op->volume->status_reason, op->error->message);
  commit = commit_new (op, WRITE_VOLUME, op->volume, op->volume->id, nova_volume_status_to_string (status), then);
  commit->failure_event = TRUE;
  commit_start (commit);
}

void
manager_op_commit_volume_as_before_then (Op *op, OpStep then)
{
  op->volume->status = op->volume_before->status;
  nova_record_set_string (&op->volume->status_reason, op->volume_before->status_reason);
  commit_start (commit_new (op, WRITE_VOLUME, op->volume, op->volume->id,
                            nova_volume_status_to_string (op->volume->status), then));
}

void
manager_op_commit_volume_removed_then (Op *op, OpStep then)
{
  commit_start (commit_new (op, WRITE_VOLUME_REMOVED, NULL, op->volume_id, "removed", then));
}

/* ---- a removal written behind the answer ------------------------------ */

/* What a removal hands the writer, and all its callback needs: the
 * operation is over by the time the row is gone. */
typedef struct {
  GWeakRef  manager;
  gboolean  snapshot;  /* a snapshot's row, else a volume's */
  char     *what;      /* the operation's, for crash points and messages */
  char     *id;
  gboolean  retried;   /* once more after the reserve gave its space back */
} LaterRemoval;

static LaterRemoval *
later_removal_new (NovaVolumeManager *self, gboolean snapshot, const char *what, const char *id)
{
  LaterRemoval *removal = g_new0 (LaterRemoval, 1);

  g_weak_ref_init (&removal->manager, self);
  removal->snapshot = snapshot;
  removal->what = g_strdelimit (g_strdup (what), " ", '-');
  removal->id = g_strdup (id);
  return removal;
}

static void
later_removal_free (LaterRemoval *removal)
{
  g_weak_ref_clear (&removal->manager);
  g_free (removal->what);
  g_free (removal->id);
  g_free (removal);
}

/* the step, as the synchronous removals name theirs */
static const char *
removed_step (gboolean snapshot)
{
  return snapshot ? "snapshot-removed" : "removed";
}

static gboolean
write_later_removal (NovaVolumeStore *store, gpointer data, GError **error)
{
  LaterRemoval *removal = data;

  return removal->snapshot ? nova_volume_store_delete_snapshot (store, removal->id, error)
                           : nova_volume_store_delete_volume (store, removal->id, error);
}

static void
warn_later_removal_failed (gboolean snapshot, const char *id, const GError *error)
{
  g_warning ("cannot record that %s %s is gone: %s; it stays \"deleting\" in the store, and the next start "
             "finishes its delete", snapshot ? "snapshot" : "volume", id, error->message);
}

static void on_later_removal_written (const GError *error, gpointer user_data);

static void
later_removal_hand_over (NovaVolumeManager *self, LaterRemoval *removal, GMainContext *context)
{
  g_autofree char *label = g_strconcat (removal->what, ":commit-", removed_step (removal->snapshot), NULL);

  nova_volume_store_writer_write (self->writer, label, write_later_removal, removal,
                                  (GDestroyNotify) later_removal_free, context, on_later_removal_written, removal);
}

/* on the main thread; @user_data is freed by the writer after this */
static void
on_later_removal_written (const GError *written_error, gpointer user_data)
{
  LaterRemoval *removal = user_data;
  g_autoptr(NovaVolumeManager) self = g_weak_ref_get (&removal->manager);
  g_autoptr(GError) error = NULL;

  if (written_error == NULL)
    {
#if NOVA_VOLUME_CRASH_POINTS
      g_autofree char *point = g_strconcat (removal->what, ":after-commit-", removed_step (removal->snapshot), NULL);

      nova_volume_crash_point (point);
#endif
      return;
    }
  error = g_error_copy (written_error);
  if (self != NULL && !removal->retried && manager_use_reserve (self, &error))
    {
      LaterRemoval *again = later_removal_new (self, removal->snapshot, removal->what, removal->id);

      again->retried = TRUE;
      /* this callback runs in the context the removal was handed over with */
      later_removal_hand_over (self, again, g_main_context_get_thread_default ());
      return;
    }
  warn_later_removal_failed (removal->snapshot, removal->id, error);
}

static gboolean
later_removal_apply (gpointer user_data)
{
  Op *op = user_data;

  if (op->later_removal_of_snapshot)
    forget_snapshot (op->self, op->snapshot_id);
  else
    manager_forget_volume (op->self, op->volume_id);
  op->commit_failed = FALSE;
  op->then (op);
  return G_SOURCE_REMOVE;
}

static void
commit_removed_later (Op *op, gboolean snapshot, OpStep then)
{
  const char *id = snapshot ? op->snapshot_id : op->volume_id;
  g_autofree char *before = g_strconcat ("before-commit-", removed_step (snapshot), NULL);
  g_autoptr(GError) error = NULL;

  MANAGER_CRASH_POINT (op, before);
  if (injected_failure (op, before, &error))
    warn_later_removal_failed (snapshot, id, error);
  else
    later_removal_hand_over (op->self, later_removal_new (op->self, snapshot, op->what, id),
                             g_task_get_context (op->task));
  /* gone for good whatever the write does: on with the answer (on the
   * main thread, where the live records are) */
  op->later_removal_of_snapshot = snapshot;
  op->then = then;
  manager_run_on_context (g_task_get_context (op->task), later_removal_apply, op);
}

void
manager_op_commit_volume_removed_later_then (Op *op, OpStep then)
{
  commit_removed_later (op, FALSE, then);
}

void
manager_op_commit_snapshot_removed_later_then (Op *op, OpStep then)
{
  commit_removed_later (op, TRUE, then);
}

static void
commit_snapshot_status (Op *op, NovaSnapshotStatus status, const char *reason, OpStep then)
{
  commit_start (snapshot_status_commit_new (op, status, reason, then));
}

void
manager_op_commit_snapshot_status_then (Op *op, NovaSnapshotStatus status, const char *reason, OpStep then)
{
  commit_snapshot_status (op, status, reason, then);
}

void
manager_op_commit_snapshot_failure_then (Op *op, NovaSnapshotStatus status, OpStep then)
{
  g_return_if_fail (op->error != NULL);
  commit_snapshot_status (op, status, op->error->message, then);
}

void
manager_op_commit_snapshot_as_before_then (Op *op, OpStep then)
{
  g_autofree char *reason = g_strdup (op->snapshot_before->status_reason);

  commit_snapshot_status (op, op->snapshot_before->status, reason, then);
}

void
manager_op_commit_snapshot_removed_then (Op *op, OpStep then)
{
  commit_start (commit_new (op, WRITE_SNAPSHOT_REMOVED, NULL, op->snapshot_id, "snapshot-removed", then));
}

void
manager_op_commit_other_snapshot_then (Op *op, NovaSnapshotRecord *snapshot, gboolean quiet, OpStep then)
{
  g_autofree char *step = g_strconcat ("snapshot-", nova_snapshot_status_to_string (snapshot->status), NULL);
  Commit *commit = commit_new (op, WRITE_SNAPSHOT, snapshot, snapshot->id, step, then);

  commit->quiet = quiet;
  commit_start (commit);
}

void
manager_op_commit_other_snapshot_removed_then (Op *op, const char *id, gboolean quiet, OpStep then)
{
  Commit *commit = commit_new (op, WRITE_SNAPSHOT_REMOVED, NULL, id, "snapshot-removed", then);

  commit->quiet = quiet;
  commit_start (commit);
}

void
manager_op_commit_backup_status_then (Op *op, NovaBackupRecord *backup, NovaBackupStatus status, const char *reason,
                                      OpStep then)
{
  g_autofree char *step = g_strconcat ("backup-", nova_backup_status_to_string (status), NULL);

  backup->status = status;
  nova_record_set_string (&backup->status_reason, reason != NULL ? reason : "");
  commit_start (commit_new (op, WRITE_BACKUP, backup, backup->id, step, then));
}

void
manager_op_commit_backups_then (Op *op, GPtrArray *backups, OpStep then)
{
  g_autofree char *what = g_strdup_printf ("(%u of them)", backups->len);

  commit_start (commit_new (op, WRITE_BACKUPS, backups, what, "backups-available", then));
}

void
manager_op_commit_backup_removed_then (Op *op, OpStep then)
{
  commit_start (commit_new (op, WRITE_BACKUP_REMOVED, NULL, op->backup_id, "backup-removed", then));
}

void
manager_op_commit_connection_then (Op *op, const char *key, GVariant *connector, OpStep then)
{
  Commit *commit = commit_new (op, WRITE_CONNECTION, NULL, op->volume_id, "connection", then);

  commit->key = g_strdup (key);
  commit->connector = g_variant_ref (connector);
  commit_start (commit);
}

void
manager_op_commit_connection_removed_then (Op *op, const char *key, OpStep then)
{
  Commit *commit = commit_new (op, WRITE_CONNECTION_REMOVED, NULL, op->volume_id, "connection-removed", then);

  commit->key = g_strdup (key);
  commit_start (commit);
}

void
manager_op_commit_volume_released_then (Op *op, OpStep then)
{
  Commit *commit = commit_new (op, WRITE_VOLUME_RELEASED, NULL, op->volume_id, "released", then);

  commit->key = g_strdup (op->volume->backend);
  commit_start (commit);
}

void
manager_op_commit_released_forgotten_then (Op *op, OpStep then)
{
  Commit *commit = commit_new (op, WRITE_RELEASED_FORGOTTEN, NULL, op->volume_id, "released-forgotten", then);

  commit->quiet = TRUE;
  commit_start (commit);
}

/* the last step of an operation that may have started a job */
void
manager_op_finish (Op *op)
{
  manager_op_end_job (op);
  manager_op_return (op);
}
