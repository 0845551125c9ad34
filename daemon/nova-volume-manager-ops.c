/* nova-volume: the volume manager's operation framework.
 *
 * An operation is a chain of steps: checks and commits on the main thread,
 * driver calls on a worker thread (manager_op_in_thread), then the final
 * commit on the main thread. The op queue holds the ids an operation
 * touches for its whole chain, so one volume sees one operation at a time
 * while others run in parallel. Each state change is written to the store
 * first; only then does the live record change and "volume-changed" fire.
 *
 * This file holds the framework every operation uses (ops, threads,
 * commits, lookups, backends, checks, jobs); the GObject is in
 * nova-volume-manager.c, each operation in a file of its own
 * (nova-volume-manager-create.c, -delete.c, -extend.c, -snapshot.c,
 * -delete-snapshot.c, -attach.c, -connections.c, -reading.c, -migrate.c,
 * -backends.c), the checks several of them share in -checks.c, init_host
 * in -reconcile.c and the settling of stale statuses in -settle.c. What
 * they share is in nova-volume-manager-private.h. */
#include "config.h"

#include "nova-volume-crash.h"
#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"

/* registered by the class (nova-volume-manager.c), emitted here */
guint manager_signals[MANAGER_N_SIGNALS];

/* ---- operations ------------------------------------------------------ */

static void
op_free (Op *op)
{
  g_clear_object (&op->task);
  g_free (op->backend_name);
  g_free (op->volume_id);
  g_free (op->exclusive_key);
  g_free (op->backup_id);
  g_free (op->snapshot_id);
  g_free (op->source_volume_id);
  g_free (op->caller_bus_name);
  g_clear_pointer (&op->volume, nova_volume_record_free);
  g_clear_pointer (&op->source, nova_volume_record_free);
  if (op->data_free != NULL)
    g_clear_pointer (&op->data, op->data_free);
  g_clear_pointer (&op->volume_before, nova_volume_record_free);
  g_clear_pointer (&op->snapshot_before, nova_snapshot_record_free);
  g_clear_pointer (&op->snapshot, nova_snapshot_record_free);
  g_clear_pointer (&op->result, g_variant_unref);
  g_clear_error (&op->error);
  g_clear_object (&op->job);
  g_free (op);
}

Op *
manager_op_new (NovaVolumeManager *self, const char *what, OpResultKind result_kind,
                GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = g_new0 (Op, 1);

  op->self = self;
  op->what = what;
  op->result_kind = result_kind;
  op->task = g_task_new (self, NULL, callback, user_data);
  return op;
}

#if NOVA_VOLUME_CRASH_POINTS
void
manager_crash_point (Op *op, const char *step)
{
  g_autofree char *name = g_strdup_printf ("%s:%s", op->what, step);

  nova_volume_crash_point (g_strdelimit (name, " ", '-'));
}
#endif

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

/* Ends the operation: answers the caller and lets the next one run. */
void
manager_op_return (Op *op)
{
  NovaVolumeManager *self = op->self;

  /* a full disk took the reserve, or there was no room for it at start:
   * it is kept again once there is (a stat when it is whole), before the
   * caller hears of the operation's end */
  if (self->reserve != NULL)
    nova_volume_reserve_fill (self->reserve);

  if (op->error != NULL)
    {
      /* drivers fail with GIO or GLib errors: callers get ours, by the
       * backend's rule (a missing backing file is the backend's fault,
       * not a NotFound of the caller's) */
      nova_volume_error_convert_from (&op->error, NOVA_VOLUME_ERROR_FROM_BACKEND);
      g_task_return_error (op->task, g_steal_pointer (&op->error));
    }
  else
    switch (op->result_kind)
      {
      case RESULT_VARIANT:
        g_task_return_pointer (op->task, g_steal_pointer (&op->result), (GDestroyNotify) g_variant_unref);
        break;
      case RESULT_VOLUME_ID:
        g_task_return_pointer (op->task, g_strdup (op->volume_id), g_free);
        break;
      case RESULT_SNAPSHOT_ID:
        g_task_return_pointer (op->task, g_strdup (op->snapshot_id), g_free);
        break;
      case RESULT_BACKUP_ID:
        g_task_return_pointer (op->task, g_strdup (op->backup_id), g_free);
        break;
      case RESULT_NONE:
      default:
        g_task_return_boolean (op->task, TRUE);
        break;
      }

  if (op->queued != NULL)
    nova_volume_op_queue_finish (self->queue, op->queued);
  op_free (op);
  g_assert (self->n_operations > 0);
  if (--self->n_operations == 0)
    g_signal_emit (self, manager_signals[MANAGER_SIGNAL_IDLE], 0);
}

/* Fails the operation with a message before anything changed. */
void
manager_op_fail (Op *op, NovaVolumeErrorCode code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_clear_error (&op->error);
  op->error = g_error_new_valist (NOVA_VOLUME_ERROR, code, format, args);
  va_end (args);
  manager_op_return (op);
}

static void
op_thread_func (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Op *op = task_data;

  op->thread_step (op);
  g_task_return_boolean (task, TRUE);
}

static void
op_thread_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Op *op = user_data;

  op->then (op);
}

/* Runs @thread_step on a worker thread, then @then on the main thread. */
void
manager_op_in_thread (Op *op, OpStep thread_step, OpStep then)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, op_thread_done, op);

  op->thread_step = thread_step;
  op->then = then;
  g_task_set_task_data (task, op, NULL);
  g_task_run_in_thread (task, op_thread_func);
}

static void
op_started (NovaVolumeOp *queued, gpointer user_data)
{
  Op *op = user_data;

  op->queued = queued;
  op->start (op);
}

/* Queues @op on the ids it touches; @start runs when they are free,
 * perhaps before this returns. The source of a copy is only read, and so
 * are the volume and the snapshot when the operation says so: those are
 * held shared, so two clones of one volume run together. */
void
manager_op_submit (Op *op, OpStep start)
{
  const char *exclusive[4] = { NULL, };
  const char *shared[4] = { NULL, };
  guint n_exclusive = 0, n_shared = 0;

  if (op->volume_id != NULL)
    {
      if (op->volume_shared)
        shared[n_shared++] = op->volume_id;
      else
        exclusive[n_exclusive++] = op->volume_id;
    }
  if (op->snapshot_id != NULL)
    {
      if (op->snapshot_shared)
        shared[n_shared++] = op->snapshot_id;
      else
        exclusive[n_exclusive++] = op->snapshot_id;
    }
  if (op->source_volume_id != NULL)
    shared[n_shared++] = op->source_volume_id;
  if (op->exclusive_key != NULL)
    exclusive[n_exclusive++] = op->exclusive_key;
  if (op->backup_id != NULL)
    exclusive[n_exclusive++] = op->backup_id;
  op->start = start;
  op->self->n_operations++;
  nova_volume_op_queue_submit (op->self->queue, exclusive, shared, op_started, op);
}

gboolean
nova_volume_manager_operation_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
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

gboolean
manager_commit_volume (NovaVolumeManager *self, NovaVolumeRecord *volume, GError **error)
{
  volume->updated_at = g_get_real_time ();
  if (!nova_volume_store_put_volume (self->store, volume, error))
    return FALSE;
  count_on_backend (self, g_hash_table_lookup (self->volumes, volume->id), FALSE);
  count_on_backend (self, volume, TRUE);
  g_hash_table_replace (self->volumes, g_strdup (volume->id), nova_volume_record_copy (volume));
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_VOLUME_CHANGED], 0, volume->id);
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
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_VOLUME_REMOVED], 0, owned_id);
}

gboolean
manager_commit_snapshot (NovaVolumeManager *self, NovaSnapshotRecord *snapshot, GError **error)
{
  snapshot->updated_at = g_get_real_time ();
  if (!nova_volume_store_put_snapshot (self->store, snapshot, error))
    return FALSE;
  manager_keep_snapshot (self, snapshot);
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_SNAPSHOT_CHANGED], 0, snapshot->id);
  return TRUE;
}

gboolean
manager_commit_snapshot_removed (NovaVolumeManager *self, const char *id, GError **error)
{
  g_autofree char *owned_id = g_strdup (id);

  if (!nova_volume_store_delete_snapshot (self->store, owned_id, error)
      && !(manager_use_reserve (self, error) && nova_volume_store_delete_snapshot (self->store, owned_id, error)))
    return FALSE;
  drop_snapshot (self, owned_id);
  g_signal_emit (self, manager_signals[MANAGER_SIGNAL_SNAPSHOT_REMOVED], 0, owned_id);
  return TRUE;
}

/* Commits a volume's new status (and whatever else op->volume holds). On a
 * store failure the operation fails with that error and returns FALSE. */
gboolean
manager_op_commit_volume_status (Op *op, NovaVolumeStatus status, const char *reason)
{
  g_autoptr(GError) error = NULL;

  /* an operation that holds the volume shared only reads it */
  g_return_val_if_fail (!op->volume_shared, FALSE);
  g_autofree char *before = g_strconcat ("before-commit-", nova_volume_status_to_string (status), NULL);
  g_autofree char *after = g_strconcat ("after-commit-", nova_volume_status_to_string (status), NULL);

  op->volume->status = status;
  nova_record_set_string (&op->volume->status_reason, reason != NULL ? reason : "");
  MANAGER_CRASH_POINT (op, before);
  if (!injected_failure (op, before, &error)
      && (manager_commit_volume (op->self, op->volume, &error)
          || (op->frees_space && manager_use_reserve (op->self, &error)
              && manager_commit_volume (op->self, op->volume, &error))))
    {
      MANAGER_CRASH_POINT (op, after);
      return TRUE;
    }
  g_warning ("cannot record volume %s as %s: %s", op->volume->id,
             nova_volume_status_to_string (status), error->message);
  settle_live_volume (op->self, op->volume->id, error->message);
  g_clear_error (&op->error);
  op->error = g_steal_pointer (&error);
  return FALSE;
}

gboolean
manager_op_commit_snapshot_status (Op *op, NovaSnapshotStatus status, const char *reason)
{
  g_autoptr(GError) error = NULL;

  g_autofree char *before = g_strconcat ("before-commit-snapshot-", nova_snapshot_status_to_string (status), NULL);
  g_autofree char *after = g_strconcat ("after-commit-snapshot-", nova_snapshot_status_to_string (status), NULL);

  op->snapshot->status = status;
  nova_record_set_string (&op->snapshot->status_reason, reason != NULL ? reason : "");
  MANAGER_CRASH_POINT (op, before);
  if (!injected_failure (op, before, &error)
      && (manager_commit_snapshot (op->self, op->snapshot, &error)
          || (op->frees_space && manager_use_reserve (op->self, &error)
              && manager_commit_snapshot (op->self, op->snapshot, &error))))
    {
      MANAGER_CRASH_POINT (op, after);
      return TRUE;
    }
  g_warning ("cannot record snapshot %s as %s: %s", op->snapshot->id,
             nova_snapshot_status_to_string (status), error->message);
  settle_live_snapshot (op->self, op->snapshot->id, error->message);
  g_clear_error (&op->error);
  op->error = g_steal_pointer (&error);
  return FALSE;
}

/* Records that @op failed: the volume goes to @status with the error's
 * message as its reason. The caller gets the operation's error, whatever
 * the commit says. */
void
manager_op_commit_volume_failure (Op *op, NovaVolumeStatus status)
{
  g_autoptr(GError) saved = g_steal_pointer (&op->error);

  if (manager_op_commit_volume_status (op, status, saved->message))
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_ERROR, op->volume->id, NULL, "volume %s is now %s: %s",
                           op->volume->id, nova_volume_status_to_string (status), saved->message);
  g_clear_error (&op->error);
  op->error = g_steal_pointer (&saved);
}

void
manager_op_commit_snapshot_failure (Op *op, NovaSnapshotStatus status)
{
  g_autoptr(GError) saved = g_steal_pointer (&op->error);

  manager_op_commit_snapshot_status (op, status, saved->message);
  g_clear_error (&op->error);
  op->error = g_steal_pointer (&saved);
}

/* ---- lookups and checks --------------------------------------------- */

const NovaVolumeRecord *
nova_volume_manager_lookup_volume (NovaVolumeManager *self, const char *id)
{
  return id != NULL ? g_hash_table_lookup (self->volumes, id) : NULL;
}

const NovaSnapshotRecord *
nova_volume_manager_lookup_snapshot (NovaVolumeManager *self, const char *id)
{
  return id != NULL ? g_hash_table_lookup (self->snapshots, id) : NULL;
}

static GPtrArray *
hash_table_values (GHashTable *table)
{
  GPtrArray *values = g_ptr_array_sized_new (g_hash_table_size (table));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (values, value);
  return values;
}

static gint
compare_volumes (gconstpointer a, gconstpointer b)
{
  const NovaVolumeRecord *va = *(NovaVolumeRecord *const *) a;
  const NovaVolumeRecord *vb = *(NovaVolumeRecord *const *) b;

  if (va->created_at != vb->created_at)
    return va->created_at < vb->created_at ? -1 : 1;
  return g_strcmp0 (va->id, vb->id);
}

static gint
compare_snapshots (gconstpointer a, gconstpointer b)
{
  const NovaSnapshotRecord *sa = *(NovaSnapshotRecord *const *) a;
  const NovaSnapshotRecord *sb = *(NovaSnapshotRecord *const *) b;

  if (sa->created_at != sb->created_at)
    return sa->created_at < sb->created_at ? -1 : 1;
  return g_strcmp0 (sa->id, sb->id);
}

GPtrArray *
nova_volume_manager_list_volumes (NovaVolumeManager *self)
{
  GPtrArray *list = hash_table_values (self->volumes);

  g_ptr_array_sort (list, compare_volumes);
  return list;
}

GPtrArray *
nova_volume_manager_list_snapshots (NovaVolumeManager *self)
{
  GPtrArray *list = hash_table_values (self->snapshots);

  g_ptr_array_sort (list, compare_snapshots);
  return list;
}

guint
nova_volume_manager_get_n_operations (NovaVolumeManager *self)
{
  return self->n_operations;
}

/* Looks the volume up for @op and copies it into op->volume; fails the
 * operation (and returns FALSE) when it is gone or belongs to another
 * driver. */
NovaVolumeBackend *
manager_lookup_backend (NovaVolumeManager *self, const char *name)
{
  for (guint i = 0; i < self->backends->len; i++)
    {
      NovaVolumeBackend *backend = g_ptr_array_index (self->backends, i);

      if (g_strcmp0 (nova_volume_backend_get_name (backend), name) == 0)
        return backend;
    }
  return NULL;
}

static char *
backend_names (NovaVolumeManager *self)
{
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < self->backends->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                            nova_volume_backend_get_name (g_ptr_array_index (self->backends, i)));
  return g_string_free (g_steal_pointer (&names), FALSE);
}

gboolean
manager_op_take_backend (Op *op, const char *name, const char *driver_name)
{
  NovaVolumeBackend *backend = manager_lookup_backend (op->self, name);

  if (backend == NULL)
    {
      g_autofree char *names = backend_names (op->self);

      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                       "cannot %s: this nova-volumed serves no backend '%s' (its backends: %s)",
                       op->what, name, names);
      return FALSE;
    }
  if (driver_name != NULL && g_strcmp0 (driver_name, nova_volume_backend_get_driver_name (backend)) != 0)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                       "cannot %s: it was made by the %s driver and backend '%s' now runs the %s driver",
                       op->what, driver_name, name, nova_volume_backend_get_driver_name (backend));
      return FALSE;
    }
  if (!nova_volume_backend_is_up (backend))
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_FAILED, "cannot %s: backend '%s' is down: %s",
                       op->what, name, nova_volume_backend_get_state_reason (backend));
      return FALSE;
    }
  op->backend = backend;
  op->driver = nova_volume_backend_get_driver (backend);
  return TRUE;
}

/* Looks the volume up for @op and copies it into op->volume, and takes
 * its backend; fails the operation (and returns FALSE) when it is gone or
 * its backend is not served here, is down, or runs another driver. */
gboolean
manager_op_take_volume (Op *op)
{
  NovaVolumeManager *self = op->self;
  const NovaVolumeRecord *volume = nova_volume_manager_lookup_volume (self, op->volume_id);

  if (volume == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "volume %s not found", op->volume_id);
      return FALSE;
    }
  if (manager_lookup_backend (self, volume->backend) == NULL)
    {
      g_autofree char *names = backend_names (self);

      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                       "cannot %s: volume %s lives on backend '%s' (the %s driver), which this "
                       "nova-volumed does not serve (its backends: %s)",
                       op->what, volume->id, volume->backend, volume->driver, names);
      return FALSE;
    }
  if (!manager_op_take_backend (op, volume->backend, volume->driver))
    return FALSE;
  g_clear_pointer (&op->volume, nova_volume_record_free);
  op->volume = nova_volume_record_copy (volume);
  /* this operation holds the volume, so a transitional status is stale */
  if (manager_settle_volume (op->volume))
    g_message ("volume %s was left %s by an earlier operation whose state could not be written; "
               "treating it as %s", volume->id, nova_volume_status_to_string (volume->status),
               nova_volume_status_to_string (op->volume->status));
  return TRUE;
}

gboolean
manager_op_check_volume_status (Op *op, const NovaVolumeStatus *allowed, gsize n_allowed)
{
  const NovaVolumeRecord *volume = op->volume;
  const char *status = nova_volume_status_to_string (volume->status);

  for (gsize i = 0; i < n_allowed; i++)
    if (volume->status == allowed[i])
      return TRUE;

  if (volume->status == NOVA_VOLUME_STATUS_IN_USE)
    manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                     "cannot %s: volume %s is attached to instance %s at %s; detach it first",
                     op->what, volume->id, volume->instance_uuid, volume->mountpoint);
  else if (volume->status == NOVA_VOLUME_STATUS_AVAILABLE)
    manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                     "cannot %s: volume %s is available, not attached", op->what, volume->id);
  else if (volume->status == NOVA_VOLUME_STATUS_ERROR
           || volume->status == NOVA_VOLUME_STATUS_ERROR_DELETING)
    manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                     "cannot %s: volume %s is in status %s (%s); delete it", op->what, volume->id,
                     status, volume->status_reason);
  else
    manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                     "cannot %s: volume %s is %s", op->what, volume->id, status);
  return FALSE;
}

gboolean
manager_check_text (const char *what, const char *text, gsize max_len, GError **error)
{
  if (text == NULL)
    return TRUE;
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "the %s is not valid UTF-8", what);
      return FALSE;
    }
  if ((gsize) g_utf8_strlen (text, -1) > max_len)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "the %s is %ld characters long; at most %zu are allowed", what,
                   g_utf8_strlen (text, -1), max_len);
      return FALSE;
    }
  /* nothing that moves, hides or breaks text where a person reads it (a
   * terminal, a log): C0 and C1 controls and DEL, format characters such
   * as the bidirectional overrides of Trojan Source (CVE-2021-42574) and
   * zero-width marks, and the line and paragraph separators; a tab, and
   * in a description a newline, are text */
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (c == '\t' || (c == '\n' && max_len == DESCRIPTION_MAX_LEN))
        continue;
      if (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT || type == G_UNICODE_LINE_SEPARATOR
          || type == G_UNICODE_PARAGRAPH_SEPARATOR)
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "the %s contains U+%04X, a control or format character that can hide, move or break "
                       "text where it is shown", what, (guint) c);
          return FALSE;
        }
    }
  return TRUE;
}

/* Fails @op at once when its arguments are bad (nothing queued). */
void
manager_op_reject (Op *op, GError *error)
{
  op->self->n_operations++;
  op->error = error;
  manager_op_return (op);
}

/* ---- jobs ------------------------------------------------------------ */

void
manager_op_start_job (Op *op, const char *operation, guint64 bytes)
{
  const char *volumes[] = { op->volume_id, op->source_volume_id, NULL };
  const char *snapshots[] = { op->snapshot_id, NULL };

  op->job = nova_volume_job_new (operation, volumes, op->snapshot_id != NULL ? snapshots : NULL,
                                 op->caller_uid, op->caller_bus_name);
  nova_volume_job_set_bytes (op->job, bytes);
  nova_volume_job_set_backup_id (op->job, op->backup_id);
  g_ptr_array_add (op->self->jobs, g_object_ref (op->job));
  g_signal_emit (op->self, manager_signals[MANAGER_SIGNAL_JOB_ADDED], 0, op->job);
  /* a copy that waited in the queue past a shutdown stops at once */
  if (op->self->stopping)
    nova_volume_job_cancel (op->job);
}

void
manager_op_end_job (Op *op)
{
  if (op->job == NULL)
    return;
  nova_volume_job_complete (op->job, op->error);
  g_ptr_array_remove (op->self->jobs, op->job);
  g_signal_emit (op->self, manager_signals[MANAGER_SIGNAL_JOB_REMOVED], 0, op->job);
  g_clear_object (&op->job);
}
