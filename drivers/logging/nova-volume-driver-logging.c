/* nova-volume: the "logging" driver, the seed's LoggingVolumeDriver. Every
 * method succeeds and is recorded three ways: as "<method> key=value ..."
 * in the read-only "calls" property (for tests in the same process; the
 * latest CALLS_KEPT of them, so a driver that runs for days, as under the
 * fuzzer, does not grow without end), with
 * g_info (for a person reading the journal), and, when logging_driver_log
 * is set, as one JSON object a line in that file (for tests outside the
 * process, such as the service tests talking to a daemon).
 *
 * A test makes one method fail by setting "fail-method" to its name: the
 * next call of that method returns NOVA_VOLUME_ERROR_FAILED (or the code
 * in "fail-code": BUSY for a refusal) and the property goes back to NULL. The config has no key for this on purpose:
 * a production config must not be able to make a driver fail.
 *
 * A test that needs a copy in progress (a Job to watch and cancel) sets
 * "hold-copies" (or, for a daemon, logging_driver_hold_copies = true):
 * clones and volumes from snapshots then report half their progress and
 * wait until they are cancelled, and so does a write stream (Migrate onto
 * a logging backend) once half the volume is written.
 *
 * A volume's bytes read as zeros, and what is written to one is dropped;
 * manage_existing takes any name as a volume of a GiB.
 *
 * initialize_connection answers {driver_volume_type: "logging", data:
 * {volume_id: <id>}}: there is no device, and a made-up "local" path would
 * invite a test to open it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <gmodule.h>
#include <json-glib/json-glib.h>

#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "nova-volume-stats.h"

/* how many calls the "calls" property keeps at least; trimmed in bulk */
#define CALLS_KEPT 10000

/* the logging driver's own keys */
static const NovaVolumeConfigKey logging_keys[] = {
  { "logging_driver_log", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, nova_volume_check_optional_absolute_path,
    "logging driver: file to append each driver call to, as JSON lines; empty for none." },
  { "logging_driver_hold_copies", NOVA_VOLUME_KEY_BOOLEAN, "false", 0, 0, NULL, NULL,
    "logging driver (tests only): copies report half their progress and wait until their Job is cancelled." },
  NOVA_VOLUME_CONFIG_KEYS_END
};

#define LOGGING_CAPACITY (G_MAXUINT64 / 2)

#define NOVA_VOLUME_TYPE_LOGGING_DRIVER (nova_volume_logging_driver_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeLoggingDriver, nova_volume_logging_driver, NOVA_VOLUME, LOGGING_DRIVER, GObject)

struct _NovaVolumeLoggingDriver {
  GObject    parent_instance;
  GMutex     lock;          /* guards everything below */
  GPtrArray *calls;         /* char*, "<method> key=value ..." */
  char      *fail_method;   /* the method whose next call fails, or NULL */
  gint       fail_code;     /* the NovaVolumeErrorCode it fails with */
  gboolean   hold_copies;   /* copies wait for cancellation */
  char      *log_path;      /* logging_driver_log, NULL when unset */
  char      *backend_name;
};

enum {
  PROP_0,
  PROP_CALLS,
  PROP_FAIL_METHOD,
  PROP_HOLD_COPIES,
  PROP_FAIL_CODE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void nova_volume_logging_driver_iface_init (NovaVolumeDriverInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NovaVolumeLoggingDriver, nova_volume_logging_driver, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_DRIVER,
                                                nova_volume_logging_driver_iface_init))

/* One argument of a recorded call. The text form names the object a
 * method acts on "id"; the JSON form says which kind of id it is. */
typedef enum {
  ARG_STRING,
  ARG_UINT64,
  ARG_BOOLEAN,
} ArgType;

typedef struct {
  const char *text_key;
  const char *json_key;
  ArgType     type;
  const char *str;
  guint64     num;
} CallArg;

#define ARG_STR(text, json, value) { text, json, ARG_STRING, value, 0 }
#define ARG_U64(text, json, value) { text, json, ARG_UINT64, NULL, value }
#define ARG_BOOL(text, json, value) { text, json, ARG_BOOLEAN, NULL, (value) ? 1 : 0 }

static char *
call_to_text (const char *method, const CallArg *args, gsize n_args)
{
  GString *text = g_string_new (method);

  for (gsize i = 0; i < n_args; i++)
    {
      g_string_append_printf (text, " %s=", args[i].text_key);
      switch (args[i].type)
        {
        case ARG_STRING:
          g_string_append (text, args[i].str != NULL ? args[i].str : "");
          break;
        case ARG_UINT64:
          g_string_append_printf (text, "%" G_GUINT64_FORMAT, args[i].num);
          break;
        case ARG_BOOLEAN:
          g_string_append (text, args[i].num != 0 ? "true" : "false");
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return g_string_free (text, FALSE);
}

static char *
call_to_json (const char *method, const CallArg *args, gsize n_args, GVariant *connector)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method);
  for (gsize i = 0; i < n_args; i++)
    {
      json_builder_set_member_name (builder, args[i].json_key);
      switch (args[i].type)
        {
        case ARG_STRING:
          if (args[i].str != NULL)
            json_builder_add_string_value (builder, args[i].str);
          else
            json_builder_add_null_value (builder);
          break;
        case ARG_UINT64:
          /* JSON numbers are int64 in json-glib; sizes fit */
          json_builder_add_int_value (builder, (gint64) MIN (args[i].num, (guint64) G_MAXINT64));
          break;
        case ARG_BOOLEAN:
          json_builder_add_boolean_value (builder, args[i].num != 0);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  if (connector != NULL)
    {
      json_builder_set_member_name (builder, "connector");
      json_builder_add_value (builder, json_gvariant_serialize (connector));
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* appends one line; O_APPEND keeps lines whole when several processes
 * (a daemon and its restarted successor) share the file */
static void
append_to_log (const char *path, const char *line)
{
  g_autofree char *data = g_strconcat (line, "\n", NULL);
  gsize len = strlen (data);
  gsize done = 0;
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_warning ("logging_driver_log %s: %s", path, g_strerror (errno));
      return;
    }
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_warning ("logging_driver_log %s: %s", path, g_strerror (errno));
          break;
        }
      done += (gsize) n;
    }
  close (fd);
}

/* records the call; FALSE with an error when a test asked this method to
 * fail */
static gboolean
log_call_full (NovaVolumeLoggingDriver *self, const char *method, const CallArg *args, gsize n_args,
               GVariant *connector, GError **error)
{
  g_autofree char *text = call_to_text (method, args, n_args);
  gboolean fail = FALSE;
  gint code = NOVA_VOLUME_ERROR_FAILED;

  g_info ("%s", text);
  g_mutex_lock (&self->lock);
  if (self->calls->len >= 2 * CALLS_KEPT)
    g_ptr_array_remove_range (self->calls, 0, self->calls->len - CALLS_KEPT);
  g_ptr_array_add (self->calls, g_strdup (text));
  if (self->log_path != NULL)
    {
      g_autofree char *json = call_to_json (method, args, n_args, connector);
      append_to_log (self->log_path, json);
    }
  if (g_strcmp0 (self->fail_method, method) == 0)
    {
      fail = TRUE;
      code = self->fail_code;
      g_clear_pointer (&self->fail_method, g_free);
    }
  g_mutex_unlock (&self->lock);

  if (fail)
    {
      /* the property changed: tell whoever watches it, outside the lock */
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FAIL_METHOD]);
      g_set_error (error, NOVA_VOLUME_ERROR, code, "logging driver: %s failed as asked", method);
      return FALSE;
    }
  return TRUE;
}

#define log_call(self, method, args, error) \
  log_call_full (self, method, args, G_N_ELEMENTS (args), NULL, error)

static gboolean
log_call_noargs (NovaVolumeLoggingDriver *self, const char *method, GError **error)
{
  return log_call_full (self, method, NULL, 0, NULL, error);
}

/* the driver */

static const char *
nova_volume_logging_driver_get_name (NovaVolumeDriver *driver)
{
  return "logging";
}

static gboolean
nova_volume_logging_driver_do_setup (NovaVolumeDriver *driver, NovaVolumeDriverContext *ctx, GError **error)
{
  NovaVolumeLoggingDriver *self = NOVA_VOLUME_LOGGING_DRIVER (driver);
  const char *log_path = nova_volume_config_get_string (ctx->config, "logging_driver_log");
  const char *backend_name = nova_volume_config_get_string (ctx->config, "volume_backend_name");

  g_mutex_lock (&self->lock);
  g_free (self->log_path);
  self->log_path = log_path != NULL && *log_path != '\0' ? g_strdup (log_path) : NULL;
  g_free (self->backend_name);
  self->backend_name = g_strdup (backend_name != NULL && *backend_name != '\0' ? backend_name : "logging");
  g_mutex_unlock (&self->lock);
  g_atomic_int_set (&self->hold_copies, nova_volume_config_get_boolean (ctx->config, "logging_driver_hold_copies"));
  return log_call_noargs (self, "do_setup", error);
}

static gboolean
nova_volume_logging_driver_check_for_setup_error (NovaVolumeDriver *driver, GError **error)
{
  return log_call_noargs (NOVA_VOLUME_LOGGING_DRIVER (driver), "check_for_setup_error", error);
}

static gboolean
nova_volume_logging_driver_create_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_U64 ("size", "size", volume->size),
  };

  return log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "create_volume", args, error);
}

/* The end of a (pretend) copy: half way and waiting for cancellation when
 * "hold-copies" is set, else done. */
static gboolean
finish_copy (NovaVolumeLoggingDriver *self, NovaVolumeRecord *volume, guint64 source_size,
             NovaVolumeProgressFunc progress, gpointer progress_data,
             GCancellable *cancellable, GError **error)
{
  if (g_atomic_int_get (&self->hold_copies) && cancellable != NULL)
    {
      if (progress != NULL)
        progress (0.5, progress_data);
      /* no deadline: the test that set hold-copies cancels */
      while (!g_cancellable_is_cancelled (cancellable))
        g_usleep (1000);
      return !g_cancellable_set_error_if_cancelled (cancellable, error);
    }
  if (volume->size == 0)
    volume->size = source_size;
  if (progress != NULL)
    progress (1.0, progress_data);
  return TRUE;
}

static gboolean
nova_volume_logging_driver_create_volume_from_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                                        const NovaSnapshotRecord *snapshot,
                                                        NovaVolumeProgressFunc progress, gpointer progress_data,
                                                        GCancellable *cancellable, GError **error)
{
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_U64 ("size", "size", volume->size),
    ARG_STR ("snapshot_id", "snapshot_id", snapshot->id),
  };

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "create_volume_from_snapshot", args, error))
    return FALSE;
  return finish_copy (NOVA_VOLUME_LOGGING_DRIVER (driver), volume, snapshot->size,
                      progress, progress_data, cancellable, error);
}

static gboolean
nova_volume_logging_driver_create_cloned_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                                 const NovaVolumeRecord *source,
                                                 NovaVolumeProgressFunc progress, gpointer progress_data,
                                                 GCancellable *cancellable, GError **error)
{
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_U64 ("size", "size", volume->size),
    ARG_STR ("source_volume_id", "source_volume_id", source->id),
  };

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "create_cloned_volume", args, error))
    return FALSE;
  return finish_copy (NOVA_VOLUME_LOGGING_DRIVER (driver), volume, source->size,
                      progress, progress_data, cancellable, error);
}

static gboolean
nova_volume_logging_driver_delete_volume (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                          GError **error)
{
  CallArg args[] = { ARG_STR ("id", "volume_id", volume->id) };

  return log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "delete_volume", args, error);
}

static gboolean
nova_volume_logging_driver_extend_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                          guint64 new_size, GError **error)
{
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_U64 ("size", "size", new_size),
  };

  if (!log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "extend_volume", args, error))
    return FALSE;
  volume->size = new_size;
  return TRUE;
}

static gboolean
nova_volume_logging_driver_revert_to_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                               const NovaSnapshotRecord *snapshot, gboolean latest,
                                               GError **error)
{
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_STR ("snapshot_id", "snapshot_id", snapshot->id),
  };

  return log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "revert_to_snapshot", args, error);
}

/* anything named is taken, as a volume of a GiB: there are no bytes */
static gboolean
nova_volume_logging_driver_manage_existing (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                            const char *reference, GError **error)
{
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_STR ("reference", "reference", reference),
  };

  if (!log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "manage_existing", args, error))
    return FALSE;
  volume->size = G_GUINT64_CONSTANT (1) << 30;
  return TRUE;
}

static gboolean
nova_volume_logging_driver_create_snapshot (NovaVolumeDriver *driver, NovaSnapshotRecord *snapshot,
                                            const NovaVolumeRecord *volume, GError **error)
{
  CallArg args[] = {
    ARG_STR ("id", "snapshot_id", snapshot->id),
    ARG_STR ("volume_id", "volume_id", volume->id),
    ARG_U64 ("size", "size", volume->size),
  };

  if (!log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "create_snapshot", args, error))
    return FALSE;
  if (snapshot->size == 0)
    snapshot->size = volume->size;
  return TRUE;
}

static gboolean
nova_volume_logging_driver_delete_snapshot (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot,
                                            GError **error)
{
  CallArg args[] = {
    ARG_STR ("id", "snapshot_id", snapshot->id),
    ARG_STR ("volume_id", "volume_id", snapshot->volume_id),
  };

  return log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "delete_snapshot", args, error);
}

static gboolean
nova_volume_logging_driver_create_export (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  CallArg args[] = { ARG_STR ("id", "volume_id", volume->id) };

  return log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "create_export", args, error);
}

static gboolean
nova_volume_logging_driver_ensure_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                          GError **error)
{
  CallArg args[] = { ARG_STR ("id", "volume_id", volume->id) };

  return log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "ensure_export", args, error);
}

static gboolean
nova_volume_logging_driver_remove_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                          GError **error)
{
  CallArg args[] = { ARG_STR ("id", "volume_id", volume->id) };

  return log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "remove_export", args, error);
}

static gboolean
nova_volume_logging_driver_check_for_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                             GError **error)
{
  CallArg args[] = { ARG_STR ("id", "volume_id", volume->id) };

  return log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "check_for_export", args, error);
}

static const char *
connector_string (GVariant *connector, const char *key)
{
  const char *value = NULL;

  if (connector == NULL || !g_variant_is_of_type (connector, G_VARIANT_TYPE_VARDICT))
    return NULL;
  if (!g_variant_lookup (connector, key, "&s", &value))
    return NULL;
  return value;
}

static GVariant *
nova_volume_logging_driver_initialize_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                                  GVariant *connector, GError **error)
{
  const char *host = connector_string (connector, "host");
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_STR ("host", "host", host != NULL ? host : ""),
  };
  GVariantBuilder data;

  if (!log_call_full (NOVA_VOLUME_LOGGING_DRIVER (driver), "initialize_connection", args,
                      G_N_ELEMENTS (args), connector, error))
    return NULL;
  g_variant_builder_init (&data, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&data, "{sv}", "volume_id", g_variant_new_string (volume->id));
  return nova_volume_connection_info_new ("logging", g_variant_builder_end (&data));
}

static gboolean
nova_volume_logging_driver_terminate_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                                 GVariant *connector, GError **error)
{
  const char *host = connector_string (connector, "host");
  const char *initiator = connector_string (connector, "initiator");
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_STR ("host", "host", host != NULL ? host : ""),
    ARG_STR ("initiator", "initiator", initiator != NULL ? initiator : ""),
  };

  return log_call_full (NOVA_VOLUME_LOGGING_DRIVER (driver), "terminate_connection", args,
                        G_N_ELEMENTS (args), connector, error);
}

/* ---- the bytes: zeros in, nothing kept ------------------------------------ */

#define NOVA_TYPE_LOGGING_ZERO_STREAM (nova_logging_zero_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaLoggingZeroStream, nova_logging_zero_stream, NOVA, LOGGING_ZERO_STREAM, GInputStream)

struct _NovaLoggingZeroStream {
  GInputStream parent_instance;
  guint64      left;
  guint64      read;
  guint64      hold_at;   /* G_MAXUINT64: never */
};

G_DEFINE_FINAL_TYPE (NovaLoggingZeroStream, nova_logging_zero_stream, G_TYPE_INPUT_STREAM)

static gssize
zero_stream_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  NovaLoggingZeroStream *self = NOVA_LOGGING_ZERO_STREAM (stream);
  gsize n = (gsize) MIN ((guint64) count, self->left);

  /* hold-copies: half way, wait until the test cancels the Job */
  if (self->read >= self->hold_at && cancellable != NULL)
    while (!g_cancellable_is_cancelled (cancellable))
      g_usleep (1000);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  memset (buffer, 0, n);
  self->left -= n;
  self->read += n;
  return (gssize) n;
}

static void
nova_logging_zero_stream_class_init (NovaLoggingZeroStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = zero_stream_read;
}

static void
nova_logging_zero_stream_init (NovaLoggingZeroStream *self)
{
  self->hold_at = G_MAXUINT64;
}

#define NOVA_TYPE_LOGGING_SINK_STREAM (nova_logging_sink_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaLoggingSinkStream, nova_logging_sink_stream, NOVA, LOGGING_SINK_STREAM, GOutputStream)

struct _NovaLoggingSinkStream {
  GOutputStream parent_instance;
  guint64       written;
  guint64       hold_at;   /* G_MAXUINT64: never */
};

G_DEFINE_FINAL_TYPE (NovaLoggingSinkStream, nova_logging_sink_stream, G_TYPE_OUTPUT_STREAM)

static gssize
sink_stream_write (GOutputStream *stream, const void *buffer, gsize count, GCancellable *cancellable,
                   GError **error)
{
  NovaLoggingSinkStream *self = NOVA_LOGGING_SINK_STREAM (stream);

  /* hold-copies: half way, wait until the test cancels the Job */
  if (self->written >= self->hold_at && cancellable != NULL)
    while (!g_cancellable_is_cancelled (cancellable))
      g_usleep (1000);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  self->written += count;
  return (gssize) count;
}

static void
nova_logging_sink_stream_class_init (NovaLoggingSinkStreamClass *klass)
{
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = sink_stream_write;
}

static void
nova_logging_sink_stream_init (NovaLoggingSinkStream *self)
{
  self->hold_at = G_MAXUINT64;
}

static GInputStream *
nova_volume_logging_driver_open_for_read (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                          GError **error)
{
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_U64 ("size", "size", volume->size),
  };
  NovaLoggingZeroStream *stream;

  if (!log_call (NOVA_VOLUME_LOGGING_DRIVER (driver), "open_for_read", args, error))
    return NULL;
  stream = g_object_new (NOVA_TYPE_LOGGING_ZERO_STREAM, NULL);
  stream->left = volume->size;
  if (g_atomic_int_get (&NOVA_VOLUME_LOGGING_DRIVER (driver)->hold_copies))
    stream->hold_at = volume->size / 2;
  return G_INPUT_STREAM (stream);
}

static GOutputStream *
nova_volume_logging_driver_open_for_write (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                           GError **error)
{
  NovaVolumeLoggingDriver *self = NOVA_VOLUME_LOGGING_DRIVER (driver);
  CallArg args[] = {
    ARG_STR ("id", "volume_id", volume->id),
    ARG_U64 ("size", "size", volume->size),
  };
  NovaLoggingSinkStream *stream;

  if (!log_call (self, "open_for_write", args, error))
    return NULL;
  stream = g_object_new (NOVA_TYPE_LOGGING_SINK_STREAM, NULL);
  if (g_atomic_int_get (&self->hold_copies))
    stream->hold_at = volume->size / 2;
  return G_OUTPUT_STREAM (stream);
}

static GVariant *
nova_volume_logging_driver_get_volume_stats (NovaVolumeDriver *driver, gboolean refresh, GError **error)
{
  NovaVolumeLoggingDriver *self = NOVA_VOLUME_LOGGING_DRIVER (driver);
  CallArg args[] = { ARG_BOOL ("refresh", "refresh", refresh) };
  g_autofree char *backend_name = NULL;
  GVariantBuilder builder;

  if (!log_call (self, "get_volume_stats", args, error))
    return NULL;
  g_mutex_lock (&self->lock);
  backend_name = g_strdup (self->backend_name);
  g_mutex_unlock (&self->lock);

  nova_volume_stats_builder_init (&builder, &(NovaVolumeStats) {
    .backend_name = backend_name, .storage_protocol = "logging", .thin = TRUE,
    .multiattach = TRUE, .read_only_attachments = "advisory",
    .capacity_known = TRUE, .total = LOGGING_CAPACITY, .free = LOGGING_CAPACITY,
    .provisioned_known = TRUE, .provisioned = 0,
  });
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* GObject */

static void
nova_volume_logging_driver_iface_init (NovaVolumeDriverInterface *iface)
{
  iface->get_name = nova_volume_logging_driver_get_name;
  iface->do_setup = nova_volume_logging_driver_do_setup;
  iface->check_for_setup_error = nova_volume_logging_driver_check_for_setup_error;
  iface->create_volume = nova_volume_logging_driver_create_volume;
  iface->create_volume_from_snapshot = nova_volume_logging_driver_create_volume_from_snapshot;
  iface->create_cloned_volume = nova_volume_logging_driver_create_cloned_volume;
  iface->delete_volume = nova_volume_logging_driver_delete_volume;
  iface->extend_volume = nova_volume_logging_driver_extend_volume;
  iface->create_snapshot = nova_volume_logging_driver_create_snapshot;
  iface->delete_snapshot = nova_volume_logging_driver_delete_snapshot;
  iface->revert_to_snapshot = nova_volume_logging_driver_revert_to_snapshot;
  iface->manage_existing = nova_volume_logging_driver_manage_existing;
  iface->create_export = nova_volume_logging_driver_create_export;
  iface->ensure_export = nova_volume_logging_driver_ensure_export;
  iface->remove_export = nova_volume_logging_driver_remove_export;
  iface->check_for_export = nova_volume_logging_driver_check_for_export;
  iface->initialize_connection = nova_volume_logging_driver_initialize_connection;
  iface->terminate_connection = nova_volume_logging_driver_terminate_connection;
  iface->get_volume_stats = nova_volume_logging_driver_get_volume_stats;
  iface->open_for_read = nova_volume_logging_driver_open_for_read;
  iface->open_for_write = nova_volume_logging_driver_open_for_write;
}

static void
nova_volume_logging_driver_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  NovaVolumeLoggingDriver *self = NOVA_VOLUME_LOGGING_DRIVER (object);

  switch (prop_id)
    {
    case PROP_CALLS:
      {
        GStrvBuilder *builder = g_strv_builder_new ();

        g_mutex_lock (&self->lock);
        for (guint i = 0; i < self->calls->len; i++)
          g_strv_builder_add (builder, g_ptr_array_index (self->calls, i));
        g_mutex_unlock (&self->lock);
        g_value_take_boxed (value, g_strv_builder_end (builder));
        g_strv_builder_unref (builder);
      }
      break;
    case PROP_FAIL_METHOD:
      g_mutex_lock (&self->lock);
      g_value_set_string (value, self->fail_method);
      g_mutex_unlock (&self->lock);
      break;
    case PROP_HOLD_COPIES:
      g_value_set_boolean (value, g_atomic_int_get (&self->hold_copies));
      break;
    case PROP_FAIL_CODE:
      g_value_set_int (value, g_atomic_int_get (&self->fail_code));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
nova_volume_logging_driver_set_property (GObject *object, guint prop_id, const GValue *value,
                                         GParamSpec *pspec)
{
  NovaVolumeLoggingDriver *self = NOVA_VOLUME_LOGGING_DRIVER (object);

  switch (prop_id)
    {
    case PROP_FAIL_METHOD:
      {
        gboolean changed;

        g_mutex_lock (&self->lock);
        changed = g_strcmp0 (self->fail_method, g_value_get_string (value)) != 0;
        g_free (self->fail_method);
        self->fail_method = g_value_dup_string (value);
        g_mutex_unlock (&self->lock);
        if (changed)
          g_object_notify_by_pspec (object, pspec);
      }
      break;
    case PROP_HOLD_COPIES:
      g_atomic_int_set (&self->hold_copies, g_value_get_boolean (value));
      break;
    case PROP_FAIL_CODE:
      g_atomic_int_set (&self->fail_code, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
nova_volume_logging_driver_finalize (GObject *object)
{
  NovaVolumeLoggingDriver *self = NOVA_VOLUME_LOGGING_DRIVER (object);

  g_ptr_array_unref (self->calls);
  g_free (self->fail_method);
  g_free (self->log_path);
  g_free (self->backend_name);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (nova_volume_logging_driver_parent_class)->finalize (object);
}

static void
nova_volume_logging_driver_class_init (NovaVolumeLoggingDriverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = nova_volume_logging_driver_get_property;
  object_class->set_property = nova_volume_logging_driver_set_property;
  object_class->finalize = nova_volume_logging_driver_finalize;

  /* every call so far, "<method> key=value ...", in order */
  props[PROP_CALLS] = g_param_spec_boxed ("calls", NULL, NULL, G_TYPE_STRV,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* the method whose next call fails; reset to NULL by that call */
  props[PROP_FAIL_METHOD] = g_param_spec_string ("fail-method", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                                                 G_PARAM_EXPLICIT_NOTIFY);
  /* copies report 0.5 and wait for cancellation */
  props[PROP_HOLD_COPIES] = g_param_spec_boolean ("hold-copies", NULL, NULL, FALSE,
                                                  G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* the NovaVolumeErrorCode of that failure */
  props[PROP_FAIL_CODE] = g_param_spec_int ("fail-code", NULL, NULL, 0, NOVA_VOLUME_ERROR_N_ERRORS - 1,
                                            NOVA_VOLUME_ERROR_FAILED,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
nova_volume_logging_driver_init (NovaVolumeLoggingDriver *self)
{
  g_mutex_init (&self->lock);
  self->calls = g_ptr_array_new_with_free_func (g_free);
  self->backend_name = g_strdup ("logging");
  self->fail_code = NOVA_VOLUME_ERROR_FAILED;
}

/* what the registry and the configuration know of this driver */
static const char *const logging_aliases[] = { "nova.volume.driver.LoggingVolumeDriver", NULL };
static const NovaVolumeConfigKey *const logging_key_tables[] = { logging_keys, NULL };
static const NovaVolumeDriverInfo logging_info = {
  .name = "logging",
  .aliases = logging_aliases,
  .get_type = nova_volume_logging_driver_get_type,
  .keys = logging_key_tables,
};

NOVA_VOLUME_DRIVER_MODULE (logging_info)
