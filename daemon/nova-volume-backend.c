/* nova-volume: a backend the daemon serves (see the header) */
#include "config.h"

#include "nova-volume-backend.h"
#include "nova-volume-log.h"

struct _NovaVolumeBackend {
  GObject           parent_instance;
  NovaVolumeConfig *config;
  NovaVolumeDriver *driver;       /* NULL when down */
  char             *state_reason;
  GVariant         *stats;
  char             *refresh_error; /* the latest refresh failed: why */
  guint64           provisioned;
  guint64           stats_provisioned; /* when the driver began reading the stats */
  gint64            stats_read_at;     /* then (monotonic); 0: not known */
  guint             n_volumes;     /* the manager's records on it */
  guint             n_snapshots;   /* of those volumes */
  char             *warning;       /* from the latest stats, or NULL */
};

G_DEFINE_FINAL_TYPE (NovaVolumeBackend, nova_volume_backend, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_VOLUMES_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
nova_volume_backend_finalize (GObject *object)
{
  NovaVolumeBackend *self = NOVA_VOLUME_BACKEND (object);

  g_clear_object (&self->config);
  g_clear_object (&self->driver);
  g_free (self->state_reason);
  g_free (self->refresh_error);
  g_free (self->warning);
  g_clear_pointer (&self->stats, g_variant_unref);
  G_OBJECT_CLASS (nova_volume_backend_parent_class)->finalize (object);
}

static void
nova_volume_backend_class_init (NovaVolumeBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_backend_finalize;

  /* its capacity or state changed */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* a volume on it was created, grown or deleted: its figures are stale */
  signals[SIGNAL_VOLUMES_CHANGED] =
    g_signal_new ("volumes-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
nova_volume_backend_init (NovaVolumeBackend *self)
{
}

NovaVolumeBackend *
nova_volume_backend_new_up (NovaVolumeConfig *config, NovaVolumeDriver *driver)
{
  NovaVolumeBackend *self = g_object_new (NOVA_VOLUME_TYPE_BACKEND, NULL);

  g_return_val_if_fail (NOVA_VOLUME_IS_DRIVER (driver), NULL);
  self->config = g_object_ref (config);
  self->driver = g_object_ref (driver);
  self->state_reason = g_strdup ("");
  return self;
}

NovaVolumeBackend *
nova_volume_backend_new_down (NovaVolumeConfig *config, const char *reason)
{
  NovaVolumeBackend *self = g_object_new (NOVA_VOLUME_TYPE_BACKEND, NULL);

  self->config = g_object_ref (config);
  self->state_reason = g_strdup (reason);
  return self;
}

/* Two backends that would keep a volume in one place (one directory, one
 * volume group with one name template, one pool) would each take the
 * other's volumes for theirs: a migrate between them would delete what it
 * copied, a reconcile what it settles. The later one is down, naming the
 * earlier one and the place. */
static void
refuse_shared_storage (GPtrArray *backends)
{
  g_autoptr(NovaVolumeRecord) probe = nova_volume_record_new ();

  nova_record_set_string (&probe->id, "00000000-0000-4000-8000-000000000000");
  for (guint i = 0; i < backends->len; i++)
    {
      NovaVolumeBackend *backend = g_ptr_array_index (backends, i);
      g_autofree char *location = NULL;

      if (!nova_volume_backend_is_up (backend))
        continue;
      location = nova_volume_driver_storage_location (backend->driver, probe);
      for (guint j = 0; location != NULL && j < i; j++)
        {
          NovaVolumeBackend *earlier = g_ptr_array_index (backends, j);
          g_autofree char *other = NULL;
          g_autofree char *reason = NULL;

          if (!nova_volume_backend_is_up (earlier))
            continue;
          other = nova_volume_driver_storage_location (earlier->driver, probe);
          if (g_strcmp0 (location, other) != 0)
            continue;
          reason = g_strdup_printf ("it would keep its volumes where backend '%s' keeps them (%s, for a volume "
                                    "named by its id): give each backend its own place (file_volumes_dir; "
                                    "volume_group or volume_name_template; rbd_pool)",
                                    nova_volume_backend_get_name (earlier), location);
          g_ptr_array_index (backends, i) = nova_volume_backend_new_down (backend->config, reason);
          g_object_unref (backend);
          break;
        }
    }
}

GPtrArray *
nova_volume_backends_load (NovaVolumeConfig   *config,
                           NovaVolumeExecutor *executor,
                           NovaVolumeLedger   *ledger,
                           const char         *state_dir)
{
  GPtrArray *backends = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < nova_volume_config_get_n_backends (config); i++)
    {
      NovaVolumeConfig *backend_config = nova_volume_config_get_backend (config, i);
      g_autoptr(NovaVolumeDriverContext) ctx = nova_volume_driver_context_new (backend_config, executor, ledger,
                                                                               state_dir);
      g_autoptr(GError) error = NULL;
      g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);

      if (driver != NULL)
        g_ptr_array_add (backends, nova_volume_backend_new_up (backend_config, driver));
      else
        g_ptr_array_add (backends, nova_volume_backend_new_down (backend_config, error->message));
    }
  refuse_shared_storage (backends);
  return backends;
}

const char *
nova_volume_backend_get_name (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), NULL);
  return nova_volume_config_get_backend_name (self->config);
}

NovaVolumeConfig *
nova_volume_backend_get_config (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), NULL);
  return self->config;
}

const char *
nova_volume_backend_get_driver_name (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), NULL);
  return nova_volume_config_get_driver (self->config);
}

NovaVolumeDriver *
nova_volume_backend_get_driver (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), NULL);
  return self->driver;
}

gboolean
nova_volume_backend_is_up (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), FALSE);
  return self->driver != NULL;
}

const char *
nova_volume_backend_get_state_reason (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), NULL);
  return self->state_reason;
}

const char *
nova_volume_backend_get_state (NovaVolumeBackend *self, const char **out_reason)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), NULL);
  if (self->driver == NULL)
    {
      *out_reason = self->state_reason;
      return "down";
    }
  if (self->refresh_error != NULL)
    {
      *out_reason = self->refresh_error;
      return "down";
    }
  *out_reason = "";
  return "up";
}

void
nova_volume_backend_set_refresh_error (NovaVolumeBackend *self, const char *message)
{
  g_return_if_fail (NOVA_VOLUME_IS_BACKEND (self));
  if (g_strcmp0 (self->refresh_error, message) == 0)
    return;
  g_free (self->refresh_error);
  self->refresh_error = g_strdup (message);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

GVariant *
nova_volume_backend_get_stats (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), NULL);
  return self->stats;
}

/* What @stats say that an admin must act on before it is too late: a
 * thin pool past thin_pool_warn_percent (LVM stops every write to its
 * volumes when it is full); NULL when nothing */
static char *
warning_of (NovaVolumeBackend *self, GVariant *stats)
{
  gint warn = nova_volume_config_get_int (self->config, "thin_pool_warn_percent");
  double data = 0, metadata = 0;

  if (!g_variant_lookup (stats, "thin_pool_data_percent", "d", &data)
      || !g_variant_lookup (stats, "thin_pool_metadata_percent", "d", &metadata)
      || (data < warn && metadata < warn))
    return NULL;
  return g_strdup_printf ("backend %s: its thin pool is %.0f%% full (data) and %.0f%% (metadata), past "
                          "thin_pool_warn_percent = %d: grow it (lvextend of the pool; for the file driver, its "
                          "file system) or delete volumes before it fills, which fails every write to its "
                          "volumes", nova_volume_backend_get_name (self), data, metadata, warn);
}

void
nova_volume_backend_set_stats (NovaVolumeBackend *self, GVariant *stats)
{
  g_autofree char *warning = NULL;

  g_return_if_fail (NOVA_VOLUME_IS_BACKEND (self));
  g_return_if_fail (stats != NULL);
  g_variant_ref_sink (stats);
  g_clear_pointer (&self->stats, g_variant_unref);
  self->stats = stats;
  g_clear_pointer (&self->refresh_error, g_free);
  /* said once when it starts, once when it ends */
  warning = warning_of (self, stats);
  if (warning != NULL && self->warning == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_THIN_POOL_WARNING, NULL, NULL, "%s", warning);
  else if (warning == NULL && self->warning != NULL)
    g_message ("backend %s: its thin pool is below thin_pool_warn_percent again", nova_volume_backend_get_name (self));
  g_free (self->warning);
  self->warning = g_steal_pointer (&warning);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
nova_volume_backend_set_stats_read (NovaVolumeBackend *self, GVariant *stats, guint64 provisioned, gint64 read_at)
{
  g_return_if_fail (NOVA_VOLUME_IS_BACKEND (self));
  self->stats_provisioned = provisioned;
  self->stats_read_at = read_at;
  nova_volume_backend_set_stats (self, stats);
}

gboolean
nova_volume_backend_get_recent_stats (NovaVolumeBackend *self, gint64 max_age_us, GVariant **out_stats,
                                      guint64 *out_provisioned_since)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), FALSE);
  if (self->stats == NULL || self->refresh_error != NULL || self->driver == NULL || self->stats_read_at == 0
      || g_get_monotonic_time () - self->stats_read_at > max_age_us)
    return FALSE;
  *out_stats = self->stats;
  *out_provisioned_since = self->provisioned > self->stats_provisioned ? self->provisioned - self->stats_provisioned : 0;
  return TRUE;
}

const char *
nova_volume_backend_get_warning (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), NULL);
  return self->warning;
}

void
nova_volume_backend_set_counts (NovaVolumeBackend *self, guint64 provisioned, guint n_volumes, guint n_snapshots)
{
  g_return_if_fail (NOVA_VOLUME_IS_BACKEND (self));
  self->n_volumes = n_volumes;
  self->n_snapshots = n_snapshots;
  if (self->provisioned == provisioned)
    return;
  self->provisioned = provisioned;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  g_signal_emit (self, signals[SIGNAL_VOLUMES_CHANGED], 0);
}

guint
nova_volume_backend_get_n_volumes (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), 0);
  return self->n_volumes;
}

guint
nova_volume_backend_get_n_snapshots (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), 0);
  return self->n_snapshots;
}

guint64
nova_volume_backend_get_provisioned (NovaVolumeBackend *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKEND (self), 0);
  return self->provisioned;
}
