/* nova-volume: the volume manager's operation framework.
 *
 * An operation is a chain of steps: checks on the main thread, driver
 * calls on a worker thread (manager_op_in_thread), commits on the store's
 * writer thread (nova-volume-manager-commits.c), each followed by the next
 * step on the main thread. The op queue holds the ids an operation
 * touches for its whole chain, so one volume sees one operation at a time
 * while others run in parallel. Each state change is written to the store
 * first; only then does the live record change and "volume-changed" fire.
 *
 * This file holds the framework every operation uses (ops, threads,
 * lookups, backends, checks, jobs), the commits in -commits.c; the GObject is in
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

/* Runs @func (@data) in the turn of @context's loop after this one:
 * from a worker thread, or from the main thread to unwind first. */
void
manager_run_on_context (GMainContext *context, GSourceFunc func, gpointer data)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, NULL);
  g_source_set_static_name (source, "[nova-volume] operation step");
  g_source_attach (source, context);
}

static gboolean
op_thread_done (gpointer user_data)
{
  Op *op = user_data;

  op->then (op);
  return G_SOURCE_REMOVE;
}

/* a worker of the manager's pool */
static void
op_thread_func (gpointer data, gpointer user_data)
{
  Op *op = data;
  OpStep commit = op->commit_step;

  op->commit_step = NULL;
  op->thread_step (op);
  if (commit != NULL && op->error == NULL)
    {
      /* the step's commit goes to the store's writer from here, and the
       * writer's callback goes on on the main thread: one turn of the main
       * loop fewer */
      commit (op);
      return;
    }
  manager_run_on_context (g_task_get_context (op->task), op_thread_done, op);
}

GThreadPool *
manager_op_pool_new (void)
{
  /* as many threads as operations wait in drivers (copies take long), and
   * enough of them kept between calls that a busy daemon does not make a
   * thread for every step */
  g_thread_pool_set_max_unused_threads (MAX (g_thread_pool_get_max_unused_threads (), 16));
  return g_thread_pool_new (op_thread_func, NULL, -1, FALSE, NULL);
}

/* Runs @thread_step on a worker thread, then @then on the main thread. */
void
manager_op_in_thread (Op *op, OpStep thread_step, OpStep then)
{
  manager_op_in_thread_then_commit (op, thread_step, NULL, then);
}

void
manager_op_in_thread_then_commit (Op *op, OpStep thread_step, OpStep commit, OpStep then)
{
  op->thread_step = thread_step;
  op->commit_step = commit;
  op->then = then;
  g_thread_pool_push (op->self->op_pool, op, NULL);
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
