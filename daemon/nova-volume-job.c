/* nova-volume: jobs. Progress crosses from the worker thread to the main
 * thread through an atomic value and one pending idle source, so a driver
 * reporting every block costs no more than a notify every 100 ms. */
#include "config.h"

#include "nova-volume-job.h"

struct _NovaVolumeJob {
  GObject       parent_instance;
  guint         number;
  char         *operation;
  GStrv         volume_ids;
  GStrv         snapshot_ids;
  char         *backup_id;     /* or NULL */
  gint64        started_at;
  guint         started_by_uid;
  char         *started_by;      /* the caller's unique bus name, or "" */
  gboolean      cancelable;
  GCancellable *cancellable;
  GMainContext *context;         /* where "progress" is notified */
  guint64       bytes;           /* what the copy moves; 0: not known */
  gint64        started_mono;    /* for the rate */

  GMutex        lock;
  double        progress;        /* under lock */
  gboolean      notify_pending;  /* under lock */
  gint64        last_notify;     /* under lock */
  gboolean      completed;
};

enum { PROP_0, PROP_PROGRESS, N_PROPS };
static GParamSpec *props[N_PROPS];

enum { SIGNAL_COMPLETED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (NovaVolumeJob, nova_volume_job, G_TYPE_OBJECT)

static guint next_number;

static void
nova_volume_job_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  NovaVolumeJob *self = NOVA_VOLUME_JOB (object);

  switch (prop_id)
    {
    case PROP_PROGRESS:
      g_value_set_double (value, nova_volume_job_get_progress (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
nova_volume_job_finalize (GObject *object)
{
  NovaVolumeJob *self = NOVA_VOLUME_JOB (object);

  g_free (self->operation);
  g_free (self->started_by);
  g_strfreev (self->volume_ids);
  g_strfreev (self->snapshot_ids);
  g_free (self->backup_id);
  g_object_unref (self->cancellable);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (nova_volume_job_parent_class)->finalize (object);
}

static void
nova_volume_job_class_init (NovaVolumeJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = nova_volume_job_get_property;
  object_class->finalize = nova_volume_job_finalize;

  props[PROP_PROGRESS] = g_param_spec_double ("progress", NULL, NULL, 0.0, 1.0, 0.0,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  signals[SIGNAL_COMPLETED] =
    g_signal_new ("completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);
}

static void
nova_volume_job_init (NovaVolumeJob *self)
{
  g_mutex_init (&self->lock);
  self->cancelable = TRUE;
  self->cancellable = g_cancellable_new ();
  self->context = g_main_context_ref_thread_default ();
}

static GStrv
copy_ids (const char *const *ids)
{
  return ids != NULL ? g_strdupv ((char **) ids) : g_new0 (char *, 1);
}

NovaVolumeJob *
nova_volume_job_new (const char *operation, const char *const *volume_ids,
                     const char *const *snapshot_ids, guint started_by_uid,
                     const char *started_by)
{
  NovaVolumeJob *self = g_object_new (NOVA_VOLUME_TYPE_JOB, NULL);

  self->number = g_atomic_int_add (&next_number, 1) + 1;
  self->operation = g_strdup (operation);
  self->volume_ids = copy_ids (volume_ids);
  self->snapshot_ids = copy_ids (snapshot_ids);
  self->started_at = g_get_real_time ();
  self->started_mono = g_get_monotonic_time ();
  self->started_by_uid = started_by_uid;
  self->started_by = g_strdup (started_by != NULL ? started_by : "");
  return self;
}

void
nova_volume_job_set_bytes (NovaVolumeJob *self, guint64 bytes)
{
  self->bytes = bytes;
}

guint64
nova_volume_job_get_bytes (NovaVolumeJob *self)
{
  return self->bytes;
}

guint64
nova_volume_job_get_rate (NovaVolumeJob *self)
{
  gint64 elapsed = g_get_monotonic_time () - self->started_mono;

  /* the first 100 ms say nothing yet */
  if (self->bytes == 0 || elapsed < 100 * 1000)
    return 0;
  return (guint64) (nova_volume_job_get_progress (self) * (double) self->bytes * G_USEC_PER_SEC / (double) elapsed);
}

guint
nova_volume_job_get_number (NovaVolumeJob *self)
{
  return self->number;
}

const char *
nova_volume_job_get_operation (NovaVolumeJob *self)
{
  return self->operation;
}

const char *const *
nova_volume_job_get_volume_ids (NovaVolumeJob *self)
{
  return (const char *const *) self->volume_ids;
}

const char *const *
nova_volume_job_get_snapshot_ids (NovaVolumeJob *self)
{
  return (const char *const *) self->snapshot_ids;
}

void
nova_volume_job_set_backup_id (NovaVolumeJob *self, const char *backup_id)
{
  g_free (self->backup_id);
  self->backup_id = g_strdup (backup_id);
}

const char *
nova_volume_job_get_backup_id (NovaVolumeJob *self)
{
  return self->backup_id;
}

double
nova_volume_job_get_progress (NovaVolumeJob *self)
{
  double progress;

  g_mutex_lock (&self->lock);
  progress = self->progress;
  g_mutex_unlock (&self->lock);
  return progress;
}

gint64
nova_volume_job_get_started_at (NovaVolumeJob *self)
{
  return self->started_at;
}

guint
nova_volume_job_get_started_by_uid (NovaVolumeJob *self)
{
  return self->started_by_uid;
}

const char *
nova_volume_job_get_started_by (NovaVolumeJob *self)
{
  return self->started_by;
}

void
nova_volume_job_set_cancelable (NovaVolumeJob *self, gboolean cancelable)
{
  self->cancelable = cancelable;
}

gboolean
nova_volume_job_get_cancelable (NovaVolumeJob *self)
{
  return self->cancelable;
}

GCancellable *
nova_volume_job_get_cancellable (NovaVolumeJob *self)
{
  return self->cancellable;
}

static gboolean
notify_progress (gpointer user_data)
{
  NovaVolumeJob *self = user_data;

  g_mutex_lock (&self->lock);
  self->notify_pending = FALSE;
  self->last_notify = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROGRESS]);
  return G_SOURCE_REMOVE;
}

void
nova_volume_job_report_progress (double fraction, gpointer job)
{
  NovaVolumeJob *self = job;
  gboolean schedule = FALSE;
  gint64 delay_ms = 0;

  g_mutex_lock (&self->lock);
  self->progress = CLAMP (fraction, 0.0, 1.0);
  if (!self->notify_pending)
    {
      gint64 since = g_get_monotonic_time () - self->last_notify;

      self->notify_pending = schedule = TRUE;
      delay_ms = since >= 100 * 1000 || fraction >= 1.0 ? 0 : 100 - since / 1000;
    }
  g_mutex_unlock (&self->lock);

  if (schedule)
    {
      g_autoptr(GSource) source = delay_ms > 0 ? g_timeout_source_new ((guint) delay_ms) : g_idle_source_new ();

      g_source_set_callback (source, notify_progress, g_object_ref (self), g_object_unref);
      g_source_attach (source, self->context);
    }
}

void
nova_volume_job_cancel (NovaVolumeJob *self)
{
  g_cancellable_cancel (self->cancellable);
}

void
nova_volume_job_complete (NovaVolumeJob *self, const GError *error)
{
  if (self->completed)
    return;
  self->completed = TRUE;
  g_signal_emit (self, signals[SIGNAL_COMPLETED], 0, error == NULL, error != NULL ? error->message : "");
}
