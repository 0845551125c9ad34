/* nova-volume: the volume manager.
 *
 * An operation is a chain of steps: checks and commits on the main thread,
 * driver calls on a worker thread (op_in_thread), then the final commit on
 * the main thread. The op queue holds the ids an operation touches for its
 * whole chain, so one volume sees one operation at a time while others run
 * in parallel. Each state change is written to the store first; only then
 * does the live record change and "volume-changed" fire. */
#include "config.h"

#include "nova-volume-error.h"
#include "nova-volume-manager.h"
#include "nova-volume-op-queue.h"
#include "nova-volume-size.h"

#define NAME_MAX_LEN        255
#define DESCRIPTION_MAX_LEN 4096
#define MOUNTPOINT_MAX_LEN  255
#define METADATA_MAX_ITEMS  64
#define METADATA_MAX_LEN    255

struct _NovaVolumeManager {
  GObject            parent_instance;
  NovaVolumeConfig  *config;
  NovaVolumeStore   *store;
  NovaVolumeDriver  *driver;
  NovaVolumeOpQueue *queue;
  GHashTable        *volumes;     /* id -> NovaVolumeRecord */
  GHashTable        *snapshots;   /* id -> NovaSnapshotRecord */
  GVariant          *last_stats;  /* a{sv} from the driver, or NULL */
  GPtrArray         *jobs;        /* running NovaVolumeJob */
  guint              n_operations;
};

enum {
  SIGNAL_VOLUME_CHANGED,
  SIGNAL_VOLUME_REMOVED,
  SIGNAL_SNAPSHOT_CHANGED,
  SIGNAL_SNAPSHOT_REMOVED,
  SIGNAL_IDLE,
  SIGNAL_JOB_ADDED,
  SIGNAL_JOB_REMOVED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (NovaVolumeManager, nova_volume_manager, G_TYPE_OBJECT)

/* ---- operations ------------------------------------------------------ */

typedef struct _Op Op;

/* What the caller gets back when an operation succeeds. */
typedef enum {
  RESULT_NONE,
  RESULT_VOLUME_ID,
  RESULT_SNAPSHOT_ID,
  RESULT_VARIANT,
} OpResultKind;
typedef void (*OpStep) (Op *op);

struct _Op {
  NovaVolumeManager  *self;
  GTask              *task;            /* the caller's */
  NovaVolumeOp       *queued;
  const char         *what;            /* "create volume", for messages */
  OpResultKind        result_kind;

  /* inputs */
  char               *volume_id;
  char               *snapshot_id;
  char               *source_volume_id;
  guint64             size;
  gboolean            force;
  char               *name;
  char               *description;
  char               *instance_uuid;
  char               *mountpoint;
  char               *host;
  char               *availability_zone;
  GHashTable         *metadata;
  GVariant           *connector;
  char               *connector_key;
  gboolean            refresh;
  guint               caller_uid;
  gboolean            volume_shared;    /* the operation only reads the volume */
  gboolean            snapshot_shared;  /* ... or the snapshot */

  /* working copies the worker thread may change */
  NovaVolumeRecord   *volume;
  NovaVolumeRecord   *source;
  NovaSnapshotRecord *snapshot;

  /* outputs */
  GVariant           *result;
  GError             *error;           /* set by a step that failed */
  gboolean            cleaned_up;      /* a failed create undid its backend work */
  NovaVolumeJob      *job;             /* a long copy in progress, or NULL */

  OpStep              start;
  OpStep              thread_step;
  OpStep              then;
};

static void
op_free (Op *op)
{
  g_clear_object (&op->task);
  g_free (op->volume_id);
  g_free (op->snapshot_id);
  g_free (op->source_volume_id);
  g_free (op->name);
  g_free (op->description);
  g_free (op->instance_uuid);
  g_free (op->mountpoint);
  g_free (op->host);
  g_free (op->availability_zone);
  g_clear_pointer (&op->metadata, g_hash_table_unref);
  g_clear_pointer (&op->connector, g_variant_unref);
  g_free (op->connector_key);
  g_clear_pointer (&op->volume, nova_volume_record_free);
  g_clear_pointer (&op->source, nova_volume_record_free);
  g_clear_pointer (&op->snapshot, nova_snapshot_record_free);
  g_clear_pointer (&op->result, g_variant_unref);
  g_clear_error (&op->error);
  g_clear_object (&op->job);
  g_free (op);
}

static Op *
op_new (NovaVolumeManager *self, const char *what, OpResultKind result_kind,
        GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = g_new0 (Op, 1);

  op->self = self;
  op->what = what;
  op->result_kind = result_kind;
  op->task = g_task_new (self, NULL, callback, user_data);
  return op;
}

/* What a driver's GIO or GLib error means to a caller: a cancel, a full
 * backend, or a failure of the backend. Not NotFound or InvalidArgument:
 * a missing backing file is the backend's fault, not the caller's. */
static void
convert_backend_error (GError **error)
{
  GError *converted;

  if ((*error)->domain == NOVA_VOLUME_ERROR)
    return;
  if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    converted = g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_CANCELLED, (*error)->message);
  else if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)
           || g_error_matches (*error, G_FILE_ERROR, G_FILE_ERROR_NOSPC))
    converted = g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE, (*error)->message);
  else
    converted = g_error_new_literal (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, (*error)->message);
  g_error_free (*error);
  *error = converted;
}

/* Ends the operation: answers the caller and lets the next one run. */
static void
op_return (Op *op)
{
  NovaVolumeManager *self = op->self;

  if (op->error != NULL)
    {
      /* drivers fail with GIO or GLib errors: callers get ours */
      convert_backend_error (&op->error);
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
    g_signal_emit (self, signals[SIGNAL_IDLE], 0);
}

/* Fails the operation with a message before anything changed. */
G_GNUC_PRINTF (3, 4) static void
op_fail (Op *op, NovaVolumeErrorCode code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_clear_error (&op->error);
  op->error = g_error_new_valist (NOVA_VOLUME_ERROR, code, format, args);
  va_end (args);
  op_return (op);
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
static void
op_in_thread (Op *op, OpStep thread_step, OpStep then)
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
static void
op_submit (Op *op, OpStep start)
{
  const char *exclusive[3] = { NULL, };
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
  op->start = start;
  op->self->n_operations++;
  nova_volume_op_queue_submit (op->self->queue, exclusive, shared, op_started, op);
}

/* ---- commits --------------------------------------------------------- */

static gboolean
commit_volume (NovaVolumeManager *self, NovaVolumeRecord *volume, GError **error)
{
  volume->updated_at = g_get_real_time ();
  if (!nova_volume_store_put_volume (self->store, volume, error))
    return FALSE;
  g_hash_table_replace (self->volumes, g_strdup (volume->id), nova_volume_record_copy (volume));
  g_signal_emit (self, signals[SIGNAL_VOLUME_CHANGED], 0, volume->id);
  return TRUE;
}

static gboolean
commit_volume_removed (NovaVolumeManager *self, const char *id, GError **error)
{
  g_autofree char *owned_id = g_strdup (id);

  if (!nova_volume_store_delete_volume (self->store, owned_id, error))
    return FALSE;
  g_hash_table_remove (self->volumes, owned_id);
  g_signal_emit (self, signals[SIGNAL_VOLUME_REMOVED], 0, owned_id);
  return TRUE;
}

static gboolean
commit_snapshot (NovaVolumeManager *self, NovaSnapshotRecord *snapshot, GError **error)
{
  snapshot->updated_at = g_get_real_time ();
  if (!nova_volume_store_put_snapshot (self->store, snapshot, error))
    return FALSE;
  g_hash_table_replace (self->snapshots, g_strdup (snapshot->id), nova_snapshot_record_copy (snapshot));
  g_signal_emit (self, signals[SIGNAL_SNAPSHOT_CHANGED], 0, snapshot->id);
  return TRUE;
}

static gboolean
commit_snapshot_removed (NovaVolumeManager *self, const char *id, GError **error)
{
  g_autofree char *owned_id = g_strdup (id);

  if (!nova_volume_store_delete_snapshot (self->store, owned_id, error))
    return FALSE;
  g_hash_table_remove (self->snapshots, owned_id);
  g_signal_emit (self, signals[SIGNAL_SNAPSHOT_REMOVED], 0, owned_id);
  return TRUE;
}

/* Commits a volume's new status (and whatever else op->volume holds). On a
 * store failure the operation fails with that error and returns FALSE. */
static gboolean
op_commit_volume_status (Op *op, NovaVolumeStatus status, const char *reason)
{
  g_autoptr(GError) error = NULL;

  op->volume->status = status;
  nova_record_set_string (&op->volume->status_reason, reason != NULL ? reason : "");
  if (commit_volume (op->self, op->volume, &error))
    return TRUE;
  g_warning ("cannot record volume %s as %s: %s", op->volume->id,
             nova_volume_status_to_string (status), error->message);
  g_clear_error (&op->error);
  op->error = g_steal_pointer (&error);
  return FALSE;
}

static gboolean
op_commit_snapshot_status (Op *op, NovaSnapshotStatus status, const char *reason)
{
  g_autoptr(GError) error = NULL;

  op->snapshot->status = status;
  nova_record_set_string (&op->snapshot->status_reason, reason != NULL ? reason : "");
  if (commit_snapshot (op->self, op->snapshot, &error))
    return TRUE;
  g_warning ("cannot record snapshot %s as %s: %s", op->snapshot->id,
             nova_snapshot_status_to_string (status), error->message);
  g_clear_error (&op->error);
  op->error = g_steal_pointer (&error);
  return FALSE;
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

static guint
count_snapshots_of (NovaVolumeManager *self, const char *volume_id)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->snapshots);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (((NovaSnapshotRecord *) value)->volume_id, volume_id) == 0)
      n++;
  return n;
}

static void
clear_attachment (NovaVolumeRecord *volume)
{
  volume->attached = FALSE;
  nova_record_set_string (&volume->instance_uuid, "");
  nova_record_set_string (&volume->mountpoint, "");
  nova_record_set_string (&volume->attached_host, "");
}

/* A transitional status with no operation running is stale: the daemon
 * stopped, or the operation's last commit failed. Settles @volume as
 * init_host does, without asking the driver (a deleting volume becomes
 * error_deleting, to be deleted again); TRUE when it changed anything. */
static gboolean
settle_volume (NovaVolumeRecord *volume)
{
  switch (volume->status)
    {
    case NOVA_VOLUME_STATUS_CREATING:
      /* the caller never heard back: what the backend holds is unknown */
      volume->status = NOVA_VOLUME_STATUS_ERROR;
      nova_record_set_string (&volume->status_reason,
                              "the create was interrupted (nova-volumed stopped, or its state "
                              "could not be written); delete the volume and create it again");
      return TRUE;
    case NOVA_VOLUME_STATUS_DELETING:
      volume->status = NOVA_VOLUME_STATUS_ERROR_DELETING;
      nova_record_set_string (&volume->status_reason, "the delete was interrupted; delete the volume again");
      return TRUE;
    case NOVA_VOLUME_STATUS_ATTACHING:
      /* attach is bookkeeping only and never completed: undo it */
      clear_attachment (volume);
      volume->status = NOVA_VOLUME_STATUS_AVAILABLE;
      return TRUE;
    case NOVA_VOLUME_STATUS_DETACHING:
      /* the caller asked for the end of the attachment: finish it */
      clear_attachment (volume);
      volume->status = NOVA_VOLUME_STATUS_AVAILABLE;
      return TRUE;
    case NOVA_VOLUME_STATUS_EXTENDING:
      /* the committed size stays; a second Extend grows it again */
      volume->status = NOVA_VOLUME_STATUS_AVAILABLE;
      return TRUE;
    case NOVA_VOLUME_STATUS_AVAILABLE:
    case NOVA_VOLUME_STATUS_IN_USE:
    case NOVA_VOLUME_STATUS_ERROR:
    case NOVA_VOLUME_STATUS_ERROR_DELETING:
    default:
      return FALSE;
    }
}

static gboolean
settle_snapshot (NovaSnapshotRecord *snapshot)
{
  switch (snapshot->status)
    {
    case NOVA_SNAPSHOT_STATUS_CREATING:
      snapshot->status = NOVA_SNAPSHOT_STATUS_ERROR;
      nova_record_set_string (&snapshot->status_reason,
                              "taking the snapshot was interrupted; delete it and take it again");
      return TRUE;
    case NOVA_SNAPSHOT_STATUS_DELETING:
      snapshot->status = NOVA_SNAPSHOT_STATUS_ERROR_DELETING;
      nova_record_set_string (&snapshot->status_reason, "the delete was interrupted; delete the snapshot again");
      return TRUE;
    case NOVA_SNAPSHOT_STATUS_AVAILABLE:
    case NOVA_SNAPSHOT_STATUS_ERROR:
    case NOVA_SNAPSHOT_STATUS_ERROR_DELETING:
    default:
      return FALSE;
    }
}

/* Looks the volume up for @op and copies it into op->volume; fails the
 * operation (and returns FALSE) when it is gone or belongs to another
 * driver. */
static gboolean
op_take_volume (Op *op)
{
  NovaVolumeManager *self = op->self;
  const NovaVolumeRecord *volume = nova_volume_manager_lookup_volume (self, op->volume_id);
  const char *driver = nova_volume_driver_get_name (self->driver);

  if (volume == NULL)
    {
      op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "volume %s not found", op->volume_id);
      return FALSE;
    }
  if (g_strcmp0 (volume->driver, driver) != 0)
    {
      op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
               "cannot %s: volume %s was created by the %s driver and this nova-volumed runs "
               "the %s driver", op->what, volume->id, volume->driver, driver);
      return FALSE;
    }
  g_clear_pointer (&op->volume, nova_volume_record_free);
  op->volume = nova_volume_record_copy (volume);
  /* this operation holds the volume, so a transitional status is stale */
  if (settle_volume (op->volume))
    g_warning ("volume %s was left %s by an earlier operation whose state could not be written; "
               "treating it as %s", volume->id, nova_volume_status_to_string (volume->status),
               nova_volume_status_to_string (op->volume->status));
  return TRUE;
}

static gboolean
op_check_volume_status (Op *op, const NovaVolumeStatus *allowed, gsize n_allowed)
{
  const NovaVolumeRecord *volume = op->volume;
  const char *status = nova_volume_status_to_string (volume->status);

  for (gsize i = 0; i < n_allowed; i++)
    if (volume->status == allowed[i])
      return TRUE;

  if (volume->status == NOVA_VOLUME_STATUS_IN_USE)
    op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
             "cannot %s: volume %s is attached to instance %s at %s; detach it first",
             op->what, volume->id, volume->instance_uuid, volume->mountpoint);
  else if (volume->status == NOVA_VOLUME_STATUS_AVAILABLE)
    op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
             "cannot %s: volume %s is available, not attached", op->what, volume->id);
  else if (volume->status == NOVA_VOLUME_STATUS_ERROR
           || volume->status == NOVA_VOLUME_STATUS_ERROR_DELETING)
    op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
             "cannot %s: volume %s is in status %s (%s); delete it", op->what, volume->id,
             status, volume->status_reason);
  else
    op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
             "cannot %s: volume %s is %s", op->what, volume->id, status);
  return FALSE;
}

static gboolean
check_text (const char *what, const char *text, gsize max_len, GError **error)
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
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar) *p < 0x20 && *p != '\t' && !(max_len == DESCRIPTION_MAX_LEN && *p == '\n'))
      {
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                     "the %s contains a control character", what);
        return FALSE;
      }
  return TRUE;
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
      if (!check_text ("metadata key", key, METADATA_MAX_LEN, error)
          || !check_text ("metadata value", value, METADATA_MAX_LEN, error))
        return FALSE;
    }
  return TRUE;
}

/* Asks the driver for free space (worker thread) and refuses @needed
 * bytes more than that. */
static gboolean
check_free_space (NovaVolumeManager *self, guint64 needed, GError **error)
{
  g_autoptr(GVariant) stats = nova_volume_driver_get_volume_stats (self->driver, TRUE, error);
  guint64 free_bytes;
  g_autofree char *needed_text = NULL;
  g_autofree char *free_text = NULL;

  if (stats == NULL)
    return FALSE;
  if (!g_variant_lookup (stats, "free_capacity", "t", &free_bytes))
    return TRUE; /* the driver cannot tell: let it refuse by itself */
  if (needed <= free_bytes)
    return TRUE;
  needed_text = nova_volume_size_format (needed);
  free_text = nova_volume_size_format (free_bytes);
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
               "not enough space: %s requested, %s free in the %s backend",
               needed_text, free_text, nova_volume_driver_get_name (self->driver));
  return FALSE;
}

/* Fails @op at once when its arguments are bad (nothing queued). */
static void
op_reject (Op *op, GError *error)
{
  op->self->n_operations++;
  op->error = error;
  op_return (op);
}

/* ---- jobs ------------------------------------------------------------ */

static void
op_start_job (Op *op, const char *operation)
{
  const char *volumes[] = { op->volume_id, op->source_volume_id, NULL };
  const char *snapshots[] = { op->snapshot_id, NULL };

  op->job = nova_volume_job_new (operation, volumes, op->snapshot_id != NULL ? snapshots : NULL,
                                 op->caller_uid);
  g_ptr_array_add (op->self->jobs, g_object_ref (op->job));
  g_signal_emit (op->self, signals[SIGNAL_JOB_ADDED], 0, op->job);
}

static void
op_end_job (Op *op)
{
  if (op->job == NULL)
    return;
  nova_volume_job_complete (op->job, op->error);
  g_ptr_array_remove (op->self->jobs, op->job);
  g_signal_emit (op->self, signals[SIGNAL_JOB_REMOVED], 0, op->job);
  g_clear_object (&op->job);
}

void
nova_volume_manager_cancel_jobs (NovaVolumeManager *self)
{
  for (guint i = 0; i < self->jobs->len; i++)
    nova_volume_job_cancel (g_ptr_array_index (self->jobs, i));
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
  const char *driver = nova_volume_driver_get_name (self->driver);
  NovaVolumeRecord *volume;
  guint64 source_size = 0;

  if (op->snapshot_id != NULL)
    {
      const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (self, op->snapshot_id);
      const NovaVolumeRecord *parent;

      if (snapshot == NULL)
        { op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "snapshot %s not found", op->snapshot_id); return; }
      if (snapshot->status != NOVA_SNAPSHOT_STATUS_AVAILABLE)
        { op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                        "cannot create a volume from snapshot %s: it is %s, not available",
                        snapshot->id, nova_snapshot_status_to_string (snapshot->status)); return; }
      parent = nova_volume_manager_lookup_volume (self, snapshot->volume_id);
      if (parent != NULL && g_strcmp0 (parent->driver, driver) != 0)
        { op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                        "cannot create a volume from snapshot %s: it belongs to the %s driver and "
                        "this nova-volumed runs the %s driver", snapshot->id, parent->driver, driver); return; }
      op->snapshot = nova_snapshot_record_copy (snapshot);
      source_size = snapshot->size;
    }
  else if (op->source_volume_id != NULL)
    {
      const NovaVolumeRecord *source = nova_volume_manager_lookup_volume (self, op->source_volume_id);

      if (source == NULL)
        { op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "source volume %s not found",
                        op->source_volume_id); return; }
      if (source->status != NOVA_VOLUME_STATUS_AVAILABLE && source->status != NOVA_VOLUME_STATUS_IN_USE)
        { op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                        "cannot clone volume %s: it is %s; only available and in-use volumes "
                        "can be cloned", source->id, nova_volume_status_to_string (source->status)); return; }
      if (g_strcmp0 (source->driver, driver) != 0)
        { op_fail (op, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                        "cannot clone volume %s: it belongs to the %s driver and this "
                        "nova-volumed runs the %s driver", source->id, source->driver, driver); return; }
      op->source = nova_volume_record_copy (source);
      source_size = source->size;
    }

  if (op->size == 0)
    op->size = source_size;
  if (op->size < source_size)
    {
      g_autofree char *want = g_format_size_full (op->size, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *have = nova_volume_size_format (source_size);

      { op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                      "a size of %s is smaller than the source's %s; give 0 or at least %" G_GUINT64_FORMAT " bytes",
                      want, have, source_size); return; }
    }

  volume = op->volume = nova_volume_record_new ();
  nova_record_set_string (&volume->id, op->volume_id);
  nova_record_set_string (&volume->name, op->name != NULL ? op->name : "");
  nova_record_set_string (&volume->description, op->description != NULL ? op->description : "");
  volume->size = op->size;
  volume->status = NOVA_VOLUME_STATUS_CREATING;
  nova_record_set_string (&volume->availability_zone,
                          nova_volume_config_get_string (self->config, "storage_availability_zone"));
  nova_record_set_string (&volume->source_snapshot_id, op->snapshot_id);
  nova_record_set_string (&volume->source_volume_id, op->source_volume_id);
  nova_record_set_string (&volume->driver, driver);
  volume->created_at = g_get_real_time ();
  if (op->metadata != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_hash_table_iter_init (&iter, op->metadata);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_replace (volume->metadata, g_strdup (key), g_strdup (value));
    }

  op_in_thread (op, create_precheck_thread, create_commit_creating);
}

static void
create_precheck_thread (Op *op)
{
  check_free_space (op->self, op->volume->size, &op->error);
}

static void
create_commit_creating (Op *op)
{
  if (op->error != NULL || !op_commit_volume_status (op, NOVA_VOLUME_STATUS_CREATING, NULL))
    { op_return (op); return; }
  /* copies take long: show them as a Job that can be cancelled */
  if (op->snapshot != NULL)
    op_start_job (op, "volume-create-from-snapshot");
  else if (op->source != NULL)
    op_start_job (op, "volume-clone");
  op_in_thread (op, create_thread, create_done);
}

static void
create_thread (Op *op)
{
  NovaVolumeDriver *driver = op->self->driver;
  g_autoptr(GError) cleanup_error = NULL;
  gboolean ok;

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

  if (ok && nova_volume_driver_create_export (driver, op->volume, &op->error))
    return;

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
      if (op_commit_volume_status (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL))
        g_message ("created volume %s (%" G_GUINT64_FORMAT " bytes)", op->volume->id, op->volume->size);
      op_end_job (op);
      op_return (op);
      return;
    }

  g_prefix_error (&op->error, "cannot create volume: ");
  if (op->cleaned_up)
    {
      g_autoptr(GError) error = NULL;

      if (!commit_volume_removed (op->self, op->volume->id, &error))
        g_warning ("cannot forget failed volume %s: %s", op->volume->id, error->message);
    }
  else
    {
      g_autoptr(GError) saved = g_steal_pointer (&op->error);

      op_commit_volume_status (op, NOVA_VOLUME_STATUS_ERROR, saved->message);
      g_clear_error (&op->error);
      op->error = g_steal_pointer (&saved);
    }
  /* the job ends after the last commit, with the final word */
  op_end_job (op);
  op_return (op);
}

void
nova_volume_manager_create_volume (NovaVolumeManager *self, const NovaVolumeCreateRequest *request,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "create volume", RESULT_VOLUME_ID, callback, user_data);
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
      if (check_text ("name", request->name, NAME_MAX_LEN, &error)
          && check_text ("description", request->description, DESCRIPTION_MAX_LEN, &error))
        check_metadata (request->metadata, &error);
    }
  if (error != NULL)
    { op_reject (op, g_steal_pointer (&error)); return; }

  op->volume_id = g_uuid_string_random ();
  op->size = request->size;
  op->name = g_strdup (request->name);
  op->description = g_strdup (request->description);
  op->snapshot_id = g_strdup (request->snapshot_id);
  op->snapshot_shared = TRUE;
  op->source_volume_id = g_strdup (request->source_volume_id);
  op->caller_uid = request->caller_uid;
  if (request->metadata != NULL)
    op->metadata = g_hash_table_ref (request->metadata);
  op_submit (op, create_start);
}

char *
nova_volume_manager_create_volume_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- delete volume --------------------------------------------------- */

static char *connector_key (GVariant *connector, GError **error);

/* The connectors that InitializeConnection let in and no
 * TerminateConnection removed: their keys, "initiator:iqn...". */
static GPtrArray *
connection_keys (NovaVolumeManager *self, const char *volume_id, GError **error)
{
  g_autoptr(GPtrArray) connections = nova_volume_store_list_connections (self->store, volume_id, error);
  g_autoptr(GPtrArray) keys = NULL;

  if (connections == NULL)
    return NULL;
  keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < connections->len; i++)
    g_ptr_array_add (keys, connector_key (g_ptr_array_index (connections, i), NULL));
  return g_steal_pointer (&keys);
}

/* A volume a host is still connected to is not deleted under it. */
static gboolean
check_no_connections (Op *op)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = connection_keys (op->self, op->volume_id, &error);
  g_autoptr(GString) list = NULL;

  if (keys == NULL)
    {
      op_fail (op, NOVA_VOLUME_ERROR_FAILED, "cannot read the connections of volume %s: %s",
               op->volume_id, error->message);
      return FALSE;
    }
  if (keys->len == 0)
    return TRUE;
  list = g_string_new (NULL);
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (list, "%s%s", i > 0 ? ", " : "",
                            g_ptr_array_index (keys, i) != NULL ? (char *) g_ptr_array_index (keys, i) : "?");
  op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
           "cannot delete volume %s: %u host%s still connected (%s); call TerminateConnection with "
           "%s connector first", op->volume_id, keys->len, keys->len == 1 ? " is" : "s are", list->str,
           keys->len == 1 ? "its" : "each");
  return FALSE;
}

static void delete_thread (Op *op);
static void delete_done (Op *op);

static void
delete_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = {
    NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_ERROR, NOVA_VOLUME_STATUS_ERROR_DELETING,
  };
  guint n_snapshots;

  if (!op_take_volume (op) || !op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (!check_no_connections (op))
    return;
  n_snapshots = count_snapshots_of (op->self, op->volume_id);
  if (n_snapshots > 0)
    { op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                    "cannot delete volume %s: it has %u snapshot%s; delete %s first",
                    op->volume_id, n_snapshots, n_snapshots == 1 ? "" : "s",
                    n_snapshots == 1 ? "it" : "them"); return; }
  if (!op_commit_volume_status (op, NOVA_VOLUME_STATUS_DELETING, NULL))
    { op_return (op); return; }
  op_in_thread (op, delete_thread, delete_done);
}

static void
delete_thread (Op *op)
{
  NovaVolumeDriver *driver = op->self->driver;

  if (!nova_volume_driver_remove_export (driver, op->volume, &op->error))
    return;
  /* the export is gone: a retry after a failed delete must not find (and
   * act on) a target number that another volume may hold by then */
  nova_record_set_string (&op->volume->provider_location, "");
  nova_record_set_string (&op->volume->provider_auth, "");
  nova_volume_driver_delete_volume (driver, op->volume, &op->error);
}

static void
delete_done (Op *op)
{
  if (op->error != NULL)
    {
      g_autoptr(GError) saved = g_steal_pointer (&op->error);

      g_prefix_error (&saved, "cannot delete volume %s: ", op->volume_id);
      op_commit_volume_status (op, NOVA_VOLUME_STATUS_ERROR_DELETING, saved->message);
      g_clear_error (&op->error);
      op->error = g_steal_pointer (&saved);
      { op_return (op); return; }
    }
  if (commit_volume_removed (op->self, op->volume_id, &op->error))
    g_message ("deleted volume %s", op->volume_id);
  op_return (op);
}

void
nova_volume_manager_delete_volume (NovaVolumeManager *self, const char *volume_id,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "delete volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op_submit (op, delete_start);
}

/* ---- extend ---------------------------------------------------------- */

static void extend_precheck_thread (Op *op);
static void extend_commit_extending (Op *op);
static void extend_thread (Op *op);
static void extend_done (Op *op);

static void
extend_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE };

  if (!op_take_volume (op) || !op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (op->size <= op->volume->size)
    { op_fail (op, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                    "cannot extend volume %s to %" G_GUINT64_FORMAT " bytes: the new size must be "
                    "larger than its current %" G_GUINT64_FORMAT " bytes (volumes never shrink)",
                    op->volume_id, op->size, op->volume->size); return; }
  /* refused for space before anything is written */
  op_in_thread (op, extend_precheck_thread, extend_commit_extending);
}

static void
extend_precheck_thread (Op *op)
{
  check_free_space (op->self, op->size - op->volume->size, &op->error);
}

static void
extend_commit_extending (Op *op)
{
  if (op->error != NULL)
    {
      g_prefix_error (&op->error, "cannot extend volume %s: ", op->volume_id);
      op_return (op);
      return;
    }
  if (!op_commit_volume_status (op, NOVA_VOLUME_STATUS_EXTENDING, NULL))
    { op_return (op); return; }
  op_in_thread (op, extend_thread, extend_done);
}

static void
extend_thread (Op *op)
{
  /* work on a copy: a refused extend must leave the size as it was */
  g_autoptr(NovaVolumeRecord) grown = nova_volume_record_copy (op->volume);

  if (nova_volume_driver_extend_volume (op->self->driver, grown, op->size, &op->error))
    op->volume->size = MAX (grown->size, op->size);
}

static void
extend_done (Op *op)
{
  g_autoptr(GError) saved = g_steal_pointer (&op->error);

  /* the volume is usable either way: back to available, with the new size
   * only when the driver grew it */
  op_commit_volume_status (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL);
  if (saved != NULL)
    {
      g_prefix_error (&saved, "cannot extend volume %s: ", op->volume_id);
      g_clear_error (&op->error);
      op->error = g_steal_pointer (&saved);
    }
  else if (op->error == NULL)
    g_message ("extended volume %s to %" G_GUINT64_FORMAT " bytes", op->volume_id, op->volume->size);
  op_return (op);
}

void
nova_volume_manager_extend_volume (NovaVolumeManager *self, const char *volume_id, guint64 new_size,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "extend volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op->size = new_size;
  op_submit (op, extend_start);
}

/* ---- snapshots ------------------------------------------------------- */

static void snapshot_thread (Op *op);
static void snapshot_done (Op *op);

static void
snapshot_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_IN_USE };
  NovaSnapshotRecord *snapshot;

  if (!op_take_volume (op) || !op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (op->volume->status == NOVA_VOLUME_STATUS_IN_USE && !op->force)
    { op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                    "volume %s is in-use (attached to instance %s): its snapshot may not be "
                    "crash-consistent; pass the option force=true to take it anyway",
                    op->volume_id, op->volume->instance_uuid); return; }

  snapshot = op->snapshot = nova_snapshot_record_new ();
  nova_record_set_string (&snapshot->id, op->snapshot_id);
  nova_record_set_string (&snapshot->volume_id, op->volume_id);
  nova_record_set_string (&snapshot->name, op->name != NULL ? op->name : "");
  nova_record_set_string (&snapshot->description, op->description != NULL ? op->description : "");
  snapshot->size = op->volume->size;
  snapshot->progress = 0.0;
  snapshot->created_at = g_get_real_time ();
  if (!op_commit_snapshot_status (op, NOVA_SNAPSHOT_STATUS_CREATING, NULL))
    { op_return (op); return; }
  op_in_thread (op, snapshot_thread, snapshot_done);
}

static void
snapshot_thread (Op *op)
{
  g_autoptr(GError) cleanup_error = NULL;

  if (nova_volume_driver_create_snapshot (op->self->driver, op->snapshot, op->volume, &op->error))
    return;
  op->cleaned_up = nova_volume_driver_delete_snapshot (op->self->driver, op->snapshot, &cleanup_error);
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
      op_commit_snapshot_status (op, NOVA_SNAPSHOT_STATUS_AVAILABLE, NULL);
      g_message ("created snapshot %s of volume %s", op->snapshot_id, op->volume_id);
      { op_return (op); return; }
    }
  g_prefix_error (&op->error, "cannot snapshot volume %s: ", op->volume_id);
  if (op->cleaned_up)
    {
      g_autoptr(GError) error = NULL;

      if (!commit_snapshot_removed (op->self, op->snapshot_id, &error))
        g_warning ("cannot forget failed snapshot %s: %s", op->snapshot_id, error->message);
    }
  else
    {
      g_autoptr(GError) saved = g_steal_pointer (&op->error);

      op_commit_snapshot_status (op, NOVA_SNAPSHOT_STATUS_ERROR, saved->message);
      g_clear_error (&op->error);
      op->error = g_steal_pointer (&saved);
    }
  op_return (op);
}

void
nova_volume_manager_create_snapshot (NovaVolumeManager *self, const char *volume_id,
                                     const char *name, const char *description, gboolean force,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "snapshot volume", RESULT_SNAPSHOT_ID, callback, user_data);
  GError *error = NULL;

  if (!check_text ("name", name, NAME_MAX_LEN, &error)
      || !check_text ("description", description, DESCRIPTION_MAX_LEN, &error))
    { op_reject (op, error); return; }

  op->volume_id = g_strdup (volume_id);
  op->volume_shared = TRUE;
  op->snapshot_id = g_uuid_string_random ();
  op->name = g_strdup (name);
  op->description = g_strdup (description);
  op->force = force;
  op_submit (op, snapshot_start);
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
    { op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "snapshot %s not found", op->snapshot_id); return; }
  op->snapshot = nova_snapshot_record_copy (snapshot);
  /* this operation holds the snapshot, so a transitional status is stale */
  settle_snapshot (op->snapshot);
  if (op->snapshot->status != NOVA_SNAPSHOT_STATUS_AVAILABLE
      && op->snapshot->status != NOVA_SNAPSHOT_STATUS_ERROR
      && op->snapshot->status != NOVA_SNAPSHOT_STATUS_ERROR_DELETING)
    { op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot delete snapshot %s: it is %s",
                    op->snapshot_id, nova_snapshot_status_to_string (op->snapshot->status)); return; }
  if (!op_commit_snapshot_status (op, NOVA_SNAPSHOT_STATUS_DELETING, NULL))
    { op_return (op); return; }
  op_in_thread (op, delete_snapshot_thread, delete_snapshot_done);
}

static void
delete_snapshot_thread (Op *op)
{
  nova_volume_driver_delete_snapshot (op->self->driver, op->snapshot, &op->error);
}

static void
delete_snapshot_done (Op *op)
{
  if (op->error != NULL)
    {
      g_autoptr(GError) saved = g_steal_pointer (&op->error);

      g_prefix_error (&saved, "cannot delete snapshot %s: ", op->snapshot_id);
      op_commit_snapshot_status (op, NOVA_SNAPSHOT_STATUS_ERROR_DELETING, saved->message);
      g_clear_error (&op->error);
      op->error = g_steal_pointer (&saved);
      { op_return (op); return; }
    }
  if (commit_snapshot_removed (op->self, op->snapshot_id, &op->error))
    g_message ("deleted snapshot %s", op->snapshot_id);
  op_return (op);
}

void
nova_volume_manager_delete_snapshot (NovaVolumeManager *self, const char *snapshot_id,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "delete snapshot", RESULT_NONE, callback, user_data);
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (self, snapshot_id);

  op->snapshot_id = g_strdup (snapshot_id);
  /* serialize with the volume too: its delete counts its snapshots */
  if (snapshot != NULL)
    {
      op->volume_id = g_strdup (snapshot->volume_id);
      op->volume_shared = TRUE;
    }
  op_submit (op, delete_snapshot_start);
}

/* ---- attach and detach: bookkeeping, as in the seed ----------------- */

static void
attach_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_AVAILABLE };

  if (!op_take_volume (op))
    return;
  if (op->volume->status == NOVA_VOLUME_STATUS_IN_USE)
    { op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                    "volume %s is already attached to instance %s at %s; detach it first",
                    op->volume_id, op->volume->instance_uuid, op->volume->mountpoint); return; }
  if (!op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (!op_commit_volume_status (op, NOVA_VOLUME_STATUS_ATTACHING, NULL))
    { op_return (op); return; }

  op->volume->attached = TRUE;
  nova_record_set_string (&op->volume->instance_uuid, op->instance_uuid);
  nova_record_set_string (&op->volume->mountpoint, op->mountpoint);
  nova_record_set_string (&op->volume->attached_host, op->host != NULL ? op->host : "");
  if (op_commit_volume_status (op, NOVA_VOLUME_STATUS_IN_USE, NULL))
    g_message ("attached volume %s to instance %s at %s", op->volume_id, op->instance_uuid, op->mountpoint);
  op_return (op);
}

static gboolean
check_mountpoint (const char *mountpoint, GError **error)
{
  if (!check_text ("mountpoint", mountpoint, MOUNTPOINT_MAX_LEN, error))
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
  Op *op = op_new (self, "attach volume", RESULT_NONE, callback, user_data);
  GError *error = NULL;

  if (!g_uuid_string_is_valid (instance_uuid))
    { op_reject (op, g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                                       "instance '%s' is not a UUID such as "
                                       "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10",
                                       g_utf8_validate (instance_uuid, -1, NULL) ? instance_uuid : "(not UTF-8)")); return; }
  if (!check_mountpoint (mountpoint, &error) || !check_text ("host", host, NAME_MAX_LEN, &error))
    { op_reject (op, error); return; }

  op->volume_id = g_strdup (volume_id);
  op->instance_uuid = g_ascii_strdown (instance_uuid, -1);
  op->mountpoint = g_strdup (mountpoint);
  op->host = g_strdup (host);
  op_submit (op, attach_start);
}

static void
detach_start (Op *op)
{
  static const NovaVolumeStatus allowed[] = { NOVA_VOLUME_STATUS_IN_USE };
  g_autofree char *instance = NULL;

  if (!op_take_volume (op) || !op_check_volume_status (op, allowed, G_N_ELEMENTS (allowed)))
    return;
  if (!op_commit_volume_status (op, NOVA_VOLUME_STATUS_DETACHING, NULL))
    { op_return (op); return; }

  instance = g_strdup (op->volume->instance_uuid);
  op->volume->attached = FALSE;
  nova_record_set_string (&op->volume->instance_uuid, "");
  nova_record_set_string (&op->volume->mountpoint, "");
  nova_record_set_string (&op->volume->attached_host, "");
  if (op_commit_volume_status (op, NOVA_VOLUME_STATUS_AVAILABLE, NULL))
    g_message ("detached volume %s from instance %s", op->volume_id, instance);
  op_return (op);
}

void
nova_volume_manager_detach_volume (NovaVolumeManager *self, const char *volume_id,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "detach volume", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op_submit (op, detach_start);
}

/* ---- connections ----------------------------------------------------- */

static const NovaVolumeStatus connectable[] = {
  NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_IN_USE,
};

/* The connector's identity: its initiator, else its host, else its ip. */
/* Connector values end up in target commands (an ACL for the initiator)
 * and in logs: each must look like what it claims to be. */
static gboolean
check_connector_value (const char *key, const char *value, GError **error)
{
  gboolean ok = TRUE;

  if (*value == '\0')
    return TRUE; /* empty: as if absent */
  if (*value == '-' || strpbrk (value, " \t") != NULL)
    ok = FALSE;
  else if (g_str_equal (key, "initiator"))
    ok = g_str_has_prefix (value, "iqn.") || g_str_has_prefix (value, "eui.")
         || g_str_has_prefix (value, "naa.");
  else if (g_str_equal (key, "ip"))
    ok = g_hostname_is_ip_address (value);
  if (ok)
    return TRUE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
               "connector %s '%s' is not valid: %s", key, value,
               g_str_equal (key, "initiator") ? "an iSCSI name starts with iqn., eui. or naa."
               : g_str_equal (key, "ip") ? "give an IPv4 or IPv6 address"
               : "no spaces, and no leading '-'");
  return FALSE;
}

/* The connector without the auth.* options that every options dictionary
 * may carry: they are for polkit, not for the driver or the record. */
static GVariant *
connector_without_auth (GVariant *connector)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (!g_variant_is_of_type (connector, G_VARIANT_TYPE_VARDICT))
    return g_variant_ref (connector);
  g_variant_iter_init (&iter, connector);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (!g_str_has_prefix (key, "auth."))
        g_variant_builder_add (&builder, "{sv}", key, value);
      g_variant_unref (value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static char *
connector_key (GVariant *connector, GError **error)
{
  static const char *const keys[] = { "initiator", "host", "ip" };
  static const char *const text_keys[] = { "initiator", "host", "ip", "platform", "os_type" };
  char *found = NULL;

  if (connector == NULL || !g_variant_is_of_type (connector, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "the connector must be a dictionary a{sv}");
      return NULL;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (text_keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (connector, text_keys[i], NULL);

      if (value == NULL)
        continue;
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "connector key '%s' must be a string (s), not %s",
                       text_keys[i], g_variant_get_type_string (value));
          g_free (found);
          return NULL;
        }
      if (!check_text (text_keys[i], g_variant_get_string (value, NULL), NAME_MAX_LEN, error)
          || !check_connector_value (text_keys[i], g_variant_get_string (value, NULL), error))
        {
          g_free (found);
          return NULL;
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (keys) && found == NULL; i++)
    {
      const char *text = NULL;

      if (g_variant_lookup (connector, keys[i], "&s", &text) && *text != '\0')
        found = g_strdup_printf ("%s:%s", keys[i], text);
    }
  if (found == NULL)
    g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "the connector names no host: give at least one of initiator, host or ip");
  return found;
}

static void initialize_connection_thread (Op *op);
static void initialize_connection_done (Op *op);

static void
initialize_connection_start (Op *op)
{

  if (!op_take_volume (op) || !op_check_volume_status (op, connectable, G_N_ELEMENTS (connectable)))
    return;
  op_in_thread (op, initialize_connection_thread, initialize_connection_done);
}

static void
initialize_connection_thread (Op *op)
{
  op->result = nova_volume_driver_initialize_connection (op->self->driver, op->volume,
                                                         op->connector, &op->error);
}

static void
initialize_connection_done (Op *op)
{
  if (op->error == NULL)
    {
      /* recorded after the driver allowed it, so a restart can re-allow it */
      g_autoptr(GPtrArray) known = connection_keys (op->self, op->volume_id, NULL);
      gboolean reconnect = known != NULL
                           && g_ptr_array_find_with_equal_func (known, op->connector_key, g_str_equal, NULL);

      if (!nova_volume_store_put_connection (op->self->store, op->volume_id, op->connector_key,
                                             op->connector, &op->error))
        {
          /* unrecorded access is withdrawn, unless it was granted before
           * (and recorded then): that host keeps what it had */
          if (!reconnect)
            nova_volume_driver_terminate_connection (op->self->driver, op->volume, op->connector, NULL);
          g_clear_pointer (&op->result, g_variant_unref);
        }
      else
        g_message ("volume %s: connection initialized for %s", op->volume_id, op->connector_key);
    }
  op_return (op);
}

void
nova_volume_manager_initialize_connection (NovaVolumeManager *self, const char *volume_id,
                                           GVariant *connector,
                                           GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "connect a host", RESULT_VARIANT, callback, user_data);
  GError *error = NULL;

  /* ours from here, whatever happens */
  g_variant_ref_sink (connector);
  op->connector = connector_without_auth (connector);
  g_variant_unref (connector);
  connector = op->connector;
  op->connector_key = connector_key (connector, &error);
  if (op->connector_key == NULL)
    { op_reject (op, error); return; }
  op->volume_id = g_strdup (volume_id);
  op_submit (op, initialize_connection_start);
}

GVariant *
nova_volume_manager_initialize_connection_finish (NovaVolumeManager *self, GAsyncResult *result,
                                                  GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void terminate_connection_thread (Op *op);
static void terminate_connection_done (Op *op);

static void
terminate_connection_start (Op *op)
{

  if (!op_take_volume (op))
    return;
  op_in_thread (op, terminate_connection_thread, terminate_connection_done);
}

static void
terminate_connection_thread (Op *op)
{
  nova_volume_driver_terminate_connection (op->self->driver, op->volume, op->connector, &op->error);
}

static void
terminate_connection_done (Op *op)
{
  g_autoptr(GError) error = NULL;

  if (op->error == NULL
      && !nova_volume_store_delete_connection (op->self->store, op->volume_id, op->connector_key, &error)
      && !g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND))
    op->error = g_steal_pointer (&error);
  if (op->error == NULL)
    g_message ("volume %s: connection terminated for %s", op->volume_id, op->connector_key);
  op_return (op);
}

void
nova_volume_manager_terminate_connection (NovaVolumeManager *self, const char *volume_id,
                                          GVariant *connector,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "disconnect a host", RESULT_NONE, callback, user_data);
  GError *error = NULL;

  /* ours from here, whatever happens */
  g_variant_ref_sink (connector);
  op->connector = connector_without_auth (connector);
  g_variant_unref (connector);
  connector = op->connector;
  op->connector_key = connector_key (connector, &error);
  if (op->connector_key == NULL)
    { op_reject (op, error); return; }
  op->volume_id = g_strdup (volume_id);
  op_submit (op, terminate_connection_start);
}

/* ---- reading --------------------------------------------------------- */

static void check_for_export_thread (Op *op);

static void
check_for_export_start (Op *op)
{

  if (!op_take_volume (op))
    return;
  op_in_thread (op, check_for_export_thread, op_return);
}

static void
check_for_export_thread (Op *op)
{
  if (!nova_volume_driver_check_for_export (op->self->driver, op->volume, &op->error))
    g_prefix_error (&op->error, "volume %s is not exported: ", op->volume_id);
}

void
nova_volume_manager_check_for_export (NovaVolumeManager *self, const char *volume_id,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "check the export", RESULT_NONE, callback, user_data);

  op->volume_id = g_strdup (volume_id);
  op->volume_shared = TRUE;
  op_submit (op, check_for_export_start);
}

static void stats_thread (Op *op);
static void stats_done (Op *op);

static void
stats_start (Op *op)
{

  if (!op->refresh && op->self->last_stats != NULL)
    { stats_done (op); return; }
  op_in_thread (op, stats_thread, stats_done);
}

static void
stats_thread (Op *op)
{
  op->result = nova_volume_driver_get_volume_stats (op->self->driver, TRUE, &op->error);
}

static void
stats_done (Op *op)
{
  NovaVolumeManager *self = op->self;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (op->error != NULL)
    { op_return (op); return; }
  if (op->result != NULL)
    {
      g_clear_pointer (&self->last_stats, g_variant_unref);
      self->last_stats = g_steal_pointer (&op->result);
    }
  /* the driver's figures, plus what only the manager knows */
  g_variant_iter_init (&iter, self->last_stats);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (!g_str_equal (key, "volume_count") && !g_str_equal (key, "snapshot_count"))
        g_variant_builder_add (&builder, "{sv}", key, value);
      g_variant_unref (value);
    }
  g_variant_builder_add (&builder, "{sv}", "volume_count",
                         g_variant_new_uint32 (g_hash_table_size (self->volumes)));
  g_variant_builder_add (&builder, "{sv}", "snapshot_count",
                         g_variant_new_uint32 (g_hash_table_size (self->snapshots)));
  op->result = g_variant_ref_sink (g_variant_builder_end (&builder));
  op_return (op);
}

void
nova_volume_manager_get_volume_stats (NovaVolumeManager *self, gboolean refresh,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = op_new (self, "read volume stats", RESULT_VARIANT, callback, user_data);

  op->refresh = refresh;
  op_submit (op, stats_start);
}

GVariant *
nova_volume_manager_get_volume_stats_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
nova_volume_manager_operation_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- init_host ------------------------------------------------------- */

/* Settles one volume left mid-way by a stop; a delete is finished. */
static void
reconcile_volume (NovaVolumeManager *self, NovaVolumeRecord *volume)
{
  g_autoptr(GError) error = NULL;
  const char *was = nova_volume_status_to_string (volume->status);

  if (volume->status == NOVA_VOLUME_STATUS_DELETING)
    {
      if (nova_volume_driver_remove_export (self->driver, volume, &error)
          && nova_volume_driver_delete_volume (self->driver, volume, &error))
        {
          if (commit_volume_removed (self, volume->id, &error))
            g_message ("finished deleting volume %s", volume->id);
          else
            g_warning ("cannot forget deleted volume %s: %s", volume->id, error->message);
          return;
        }
      volume->status = NOVA_VOLUME_STATUS_ERROR_DELETING;
      nova_record_set_string (&volume->status_reason, error->message);
      g_clear_error (&error);
    }
  else if (!settle_volume (volume))
    return;
  if (commit_volume (self, volume, &error))
    g_message ("volume %s was %s at start; now %s", volume->id, was,
               nova_volume_status_to_string (volume->status));
  else
    g_warning ("cannot settle volume %s: %s", volume->id, error->message);
}

static void
reconcile_snapshot (NovaVolumeManager *self, NovaSnapshotRecord *snapshot)
{
  g_autoptr(GError) error = NULL;

  if (snapshot->status == NOVA_SNAPSHOT_STATUS_DELETING)
    {
      if (nova_volume_driver_delete_snapshot (self->driver, snapshot, &error))
        {
          if (commit_snapshot_removed (self, snapshot->id, &error))
            g_message ("finished deleting snapshot %s", snapshot->id);
          else
            g_warning ("cannot forget deleted snapshot %s: %s", snapshot->id, error->message);
          return;
        }
      snapshot->status = NOVA_SNAPSHOT_STATUS_ERROR_DELETING;
      nova_record_set_string (&snapshot->status_reason, error->message);
      g_clear_error (&error);
    }
  else if (!settle_snapshot (snapshot))
    return;
  if (!commit_snapshot (self, snapshot, &error))
    g_warning ("cannot settle snapshot %s: %s", snapshot->id, error->message);
}

/* Lets every recorded connector in again (access rules that a target
 * daemon or a reboot forgot); returns how many were restored. */
static guint
restore_connections (NovaVolumeManager *self, const NovaVolumeRecord *volume)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) connections = nova_volume_store_list_connections (self->store, volume->id, &error);
  guint n = 0;

  if (connections == NULL)
    {
      g_warning ("cannot read the connections of volume %s: %s", volume->id, error->message);
      return 0;
    }
  for (guint i = 0; i < connections->len; i++)
    {
      g_autoptr(GVariant) info = nova_volume_driver_initialize_connection (self->driver, volume,
                                                                          g_ptr_array_index (connections, i),
                                                                          &error);
      if (info != NULL)
        n++;
      else
        {
          g_warning ("cannot restore a connection of volume %s: %s", volume->id, error->message);
          g_clear_error (&error);
        }
    }
  return n;
}

gboolean
nova_volume_manager_init_host (NovaVolumeManager *self, GError **error)
{
  g_autoptr(GPtrArray) snapshots = nova_volume_manager_list_snapshots (self);
  g_autoptr(GPtrArray) volumes = NULL;
  const char *driver = nova_volume_driver_get_name (self->driver);
  guint n_exports = 0, n_failed = 0, n_connections = 0;

  g_return_val_if_fail (self->n_operations == 0, FALSE);

  /* snapshots first: a volume's delete may wait on them */
  for (guint i = 0; i < snapshots->len; i++)
    {
      g_autoptr(NovaSnapshotRecord) copy = nova_snapshot_record_copy (g_ptr_array_index (snapshots, i));
      reconcile_snapshot (self, copy);
    }

  volumes = nova_volume_manager_list_volumes (self);
  for (guint i = 0; i < volumes->len; i++)
    {
      g_autoptr(NovaVolumeRecord) copy = nova_volume_record_copy (g_ptr_array_index (volumes, i));

      if (g_strcmp0 (copy->driver, driver) != 0)
        {
          g_message ("volume %s belongs to the %s driver, not %s: left alone",
                     copy->id, copy->driver, driver);
          continue;
        }
      reconcile_volume (self, copy);
    }
  g_clear_pointer (&volumes, g_ptr_array_unref);

  /* bring every export back (a rebooted host, a restarted target daemon) */
  volumes = nova_volume_manager_list_volumes (self);
  for (guint i = 0; i < volumes->len; i++)
    {
      const NovaVolumeRecord *volume = g_ptr_array_index (volumes, i);
      g_autoptr(GError) local_error = NULL;

      if (g_strcmp0 (volume->driver, driver) != 0
          || (volume->status != NOVA_VOLUME_STATUS_AVAILABLE && volume->status != NOVA_VOLUME_STATUS_IN_USE))
        continue;
      if (nova_volume_driver_ensure_export (self->driver, volume, &local_error))
        {
          n_exports++;
          n_connections += restore_connections (self, volume);
        }
      else
        {
          n_failed++;
          g_warning ("cannot restore the export of volume %s: %s", volume->id, local_error->message);
        }
    }
  g_message ("init_host: %u volumes, %u snapshots, %u exports ensured (%u failed), %u connections restored",
             g_hash_table_size (self->volumes), g_hash_table_size (self->snapshots), n_exports, n_failed,
             n_connections);
  return TRUE;
}

/* ---- object ---------------------------------------------------------- */

static void
nova_volume_manager_finalize (GObject *object)
{
  NovaVolumeManager *self = NOVA_VOLUME_MANAGER (object);

  g_warn_if_fail (self->n_operations == 0);
  g_clear_object (&self->config);
  g_clear_object (&self->store);
  g_clear_object (&self->driver);
  g_clear_pointer (&self->queue, nova_volume_op_queue_free);
  g_clear_pointer (&self->volumes, g_hash_table_unref);
  g_clear_pointer (&self->snapshots, g_hash_table_unref);
  g_clear_pointer (&self->last_stats, g_variant_unref);
  g_clear_pointer (&self->jobs, g_ptr_array_unref);
  G_OBJECT_CLASS (nova_volume_manager_parent_class)->finalize (object);
}

static void
nova_volume_manager_class_init (NovaVolumeManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = nova_volume_manager_finalize;

  /* each fires after the change is committed to the store */
  signals[SIGNAL_VOLUME_CHANGED] =
    g_signal_new ("volume-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_VOLUME_REMOVED] =
    g_signal_new ("volume-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_SNAPSHOT_CHANGED] =
    g_signal_new ("snapshot-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_SNAPSHOT_REMOVED] =
    g_signal_new ("snapshot-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* the last running operation ended (for a clean shutdown) */
  signals[SIGNAL_IDLE] =
    g_signal_new ("idle", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_JOB_ADDED] =
    g_signal_new ("job-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, NOVA_VOLUME_TYPE_JOB);
  signals[SIGNAL_JOB_REMOVED] =
    g_signal_new ("job-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, NOVA_VOLUME_TYPE_JOB);
}

static void
nova_volume_manager_init (NovaVolumeManager *self)
{
  self->queue = nova_volume_op_queue_new ();
  self->jobs = g_ptr_array_new_with_free_func (g_object_unref);
  self->volumes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) nova_volume_record_free);
  self->snapshots = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) nova_snapshot_record_free);
}

NovaVolumeManager *
nova_volume_manager_new (NovaVolumeConfig *config, NovaVolumeStore *store, NovaVolumeDriver *driver,
                         GError **error)
{
  g_autoptr(NovaVolumeManager) self = g_object_new (NOVA_VOLUME_TYPE_MANAGER, NULL);
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GPtrArray) snapshots = NULL;

  self->config = g_object_ref (config);
  self->store = g_object_ref (store);
  self->driver = g_object_ref (driver);

  volumes = nova_volume_store_list_volumes (store, error);
  if (volumes == NULL)
    return NULL;
  snapshots = nova_volume_store_list_snapshots (store, error);
  if (snapshots == NULL)
    return NULL;
  for (guint i = 0; i < volumes->len; i++)
    {
      NovaVolumeRecord *volume = g_ptr_array_index (volumes, i);
      g_hash_table_replace (self->volumes, g_strdup (volume->id), nova_volume_record_copy (volume));
    }
  for (guint i = 0; i < snapshots->len; i++)
    {
      NovaSnapshotRecord *snapshot = g_ptr_array_index (snapshots, i);
      g_hash_table_replace (self->snapshots, g_strdup (snapshot->id), nova_snapshot_record_copy (snapshot));
    }
  return g_steal_pointer (&self);
}

NovaVolumeConfig *
nova_volume_manager_get_config (NovaVolumeManager *self)
{
  return self->config;
}

NovaVolumeDriver *
nova_volume_manager_get_driver (NovaVolumeManager *self)
{
  return self->driver;
}
