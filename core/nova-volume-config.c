/* nova-volume: nova-volume.conf, its keys judged by their declarations */
#include "config.h"

#include <string.h>

#include "nova-volume-suggest.h"
#include "nova-volume-config.h"
#include "nova-volume-driver-registry.h"
#include "nova-volume-error.h"
#include "nova-volume-image.h"

/* the volume or snapshot id goes through the template with printf-style
 * %s, so exactly one %s and no other conversion may be in it */
static const char *
check_name_template (const char *value)
{
  guint n_s = 0;

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p != '%')
        continue;
      if (p[1] != 's')
        return "must contain exactly one %s and no other %";
      n_s++;
      p++;
    }
  if (n_s != 1)
    return "must contain exactly one %s and no other %";
  if (strchr (value, '/') != NULL)
    return "must not contain '/'";
  /* the name becomes an LV name, a file name and a target name: no tool
   * may read it as an option, and only what all three take */
  if (value[0] == '-')
    return "must not start with '-'";
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("+_.-%", *p) == NULL)
      return "may only contain letters, digits, + _ . - and the %s";
  return NULL;
}

/* a backend or volume type name: it becomes part of an object path
 * (escaped), a log line and a CLI argument */
static const char *
check_group_name (const char *value)
{
  if (*value == '\0')
    return "must not be empty";
  if (strlen (value) > 64)
    return "must be at most 64 characters";
  if (value[0] == '-' || value[0] == '.')
    return "must not start with '-' or '.'";
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_.-", *p) == NULL)
      return "may only contain letters, digits and _ . -";
  return NULL;
}

/* enabled_backends: names separated by commas (blanks around them are
 * fine), each a backend name, none twice */
static const char *
check_backend_list (const char *value)
{
  g_auto(GStrv) names = g_strsplit (value, ",", -1);

  if (*value == '\0')
    return NULL;
  for (gsize i = 0; names[i] != NULL; i++)
    {
      g_strstrip (names[i]);
      if (check_group_name (names[i]) != NULL)
        return "must be backend names (letters, digits, _ . -) separated by commas";
      for (gsize j = 0; j < i; j++)
        if (g_str_equal (names[i], names[j]))
          return "names a backend twice";
    }
  return NULL;
}

/* image_formats_allowed: qemu-img format names separated by commas */
static const char *
check_image_formats (const char *value)
{
  g_auto(GStrv) names = g_strsplit (value, ",", -1);

  for (gsize i = 0; names[i] != NULL; i++)
    {
      NovaVolumeImageFormat format;

      g_strstrip (names[i]);
      if (*names[i] == '\0' && names[1] == NULL)
        return NULL; /* empty: no image may come in */
      if (!nova_volume_image_format_from_string (names[i], &format))
        return "must be image formats separated by commas: raw, qcow2, vmdk, vhdx, vpc";
      for (gsize j = 0; j < i; j++)
        if (g_str_equal (names[i], names[j]))
          return "names a format twice";
    }
  return NULL;
}

/* a ratio as Cinder writes it: 20.0; at least 1 (no overcommit) */
static const char *
check_ratio (const char *value)
{
  char *end = NULL;
  double ratio = g_ascii_strtod (value, &end);

  if (end == value || *end != '\0' || !(ratio >= 1.0 && ratio <= 1000.0))
    return "must be a number from 1.0 (provision no more than the backend holds) to 1000.0";
  return NULL;
}

static const char *
check_optional_group_name (const char *value)
{
  return *value == '\0' ? NULL : check_group_name (value);
}

static const char *const backup_drivers[] = { "posix", "ceph", "none", NULL };

/* the daemon's own keys; each driver declares its keys beside its code
 * (NovaVolumeDriverInfo), and data/nova-volume.conf documents all of them
 * with their defaults (test-install checks that it still does) */
static const NovaVolumeConfigKey config_keys[] = {
  { "volume_driver", NOVA_VOLUME_KEY_DRIVER, "file", 0, 0, NULL, NULL,
    "Driver that manages the volumes: file, fake, logging, lvm-iscsi, rbd, sheepdog, aoe, "
    "or the seed's class path (nova.volume.driver.ISCSIDriver, ...)." },
  { "storage_availability_zone", NOVA_VOLUME_KEY_STRING, "nova", 0, 0, NULL, nova_volume_check_not_empty,
    "Availability zone of this volume service.", TRUE },
  { "num_shell_tries", NOVA_VOLUME_KEY_INT, "3", 1, 100, NULL, NULL,
    "Number of times to attempt to run an external command before giving up.", TRUE },
  { "volume_topic", NOVA_VOLUME_KEY_STRING, "volume", 0, 0, NULL, nova_volume_check_not_empty,
    "RPC topic of the volume service (kept for compatibility, reported only).", TRUE },
  { "volume_manager", NOVA_VOLUME_KEY_STRING, "nova.volume.manager.VolumeManager", 0, 0, NULL, nova_volume_check_not_empty,
    "Class name of the volume manager (kept for compatibility, reported only).", TRUE },
  { "host", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, nova_volume_check_no_space,
    "Name of this storage host; empty means the machine's host name.", TRUE },
  { "enabled_backends", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, check_backend_list,
    "Backends to serve, as Cinder names them: each NAME has its own [NAME] group; [backend:NAME] groups need no list. Empty with no such group: one backend, named after volume_driver.",
    TRUE },
  { "default_volume_type", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, check_optional_group_name,
    "Volume type (a [type:NAME] group) of a CreateVolume that names no backend and no type; empty: the backend with the most free space.",
    TRUE },
  { "backend_stats_interval", NOVA_VOLUME_KEY_INT, "60", 0, 86400, NULL, NULL,
    "Seconds between background refreshes of each backend's capacity and state (also refreshed after every change); 0: only after changes.",
    TRUE },
  { "max_over_subscription_ratio", NOVA_VOLUME_KEY_STRING, "20.0", 0, 0, NULL, check_ratio,
    "A thinly provisioned backend takes new volumes while all its volumes' sizes stay within this many times its capacity (1.0: no overcommit).",
    FALSE },
  { "reserved_percentage", NOVA_VOLUME_KEY_INT, "0", 0, 100, NULL, NULL,
    "Percent of the backend's capacity kept free: a create or clone that would leave less is NoSpace.",
    FALSE },
  { "thin_pool_warn_percent", NOVA_VOLUME_KEY_INT, "80", 1, 100, NULL, NULL,
    "A thin pool whose data or metadata is this many percent full is a warning (logged, and in the Manager's Warnings).",
    FALSE },
  { "shutdown_timeout", NOVA_VOLUME_KEY_INT, "30", 1, 3600, NULL, NULL,
    "Seconds a stop (SIGTERM) waits for running operations; then the daemon exits anyway and its next start settles what they left.",
    TRUE },
  { "image_formats_allowed", NOVA_VOLUME_KEY_STRING, "raw,qcow2", 0, 0, NULL, check_image_formats,
    "Image formats CreateVolume takes with image-fd (raw, qcow2, vmdk, vhdx, vpc), separated by commas; empty: none.",
    TRUE },
  { "image_max_virtual_size", NOVA_VOLUME_KEY_INT, "1024", 0, 1048576, NULL, NULL,
    "GiB: an image whose disk is larger is refused before anything is made; 0: no limit but the backend's free space.",
    TRUE },
  { "backup_driver", NOVA_VOLUME_KEY_ENUM, "posix", 0, 0, backup_drivers, NULL,
    "Where backups go: posix (a directory, backup_path), ceph (an RBD pool, backup_ceph_pool) or none (no backups).",
    TRUE },
  { "backup_path", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, nova_volume_check_optional_absolute_path,
    "The posix backup repository: a directory of the daemon's own, best on another disk or a share that outlives this host; empty: backups in the state directory.",
    TRUE },
  { "backup_ceph_conf", NOVA_VOLUME_KEY_STRING, "/etc/ceph/ceph.conf", 0, 0, NULL, nova_volume_check_absolute_path,
    "The ceph repository's cluster: its configuration file (monitors, keyring).", TRUE },
  { "backup_ceph_user", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, nova_volume_check_no_space,
    "The cephx user of the ceph repository, without \"client.\"; empty: librados' default (admin).", TRUE },
  { "backup_ceph_pool", NOVA_VOLUME_KEY_STRING, "backups", 0, 0, NULL, nova_volume_check_not_empty,
    "The ceph repository's pool: an RBD image per backup, manifests in its namespace nova-volume-backups.", TRUE },
  { "backup_chunk_size", NOVA_VOLUME_KEY_INT, "4", 1, 64, NULL, NULL,
    "MiB: a backup cuts the volume into chunks of this size, each stored once under its SHA-256 (an incremental backup stores the chunks that changed).",
    TRUE },
  { "volume_backend_name", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, NULL,
    "Backend name reported in the volume stats; empty means the backend's name." },
  { "volume_name_template", NOVA_VOLUME_KEY_STRING, "volume-%s", 0, 0, NULL, check_name_template,
    "Backend name of a volume (its file or LV; iSCSI target names end with it); %s is the volume id." },
  { "snapshot_name_template", NOVA_VOLUME_KEY_STRING, "snapshot-%s", 0, 0, NULL, check_name_template,
    "Backend name of a snapshot (its file or LV); %s is the snapshot id." },
};

#define N_CORE_KEYS G_N_ELEMENTS (config_keys)

typedef struct {
  char   *text;   /* NOVA_VOLUME_KEY_STRING, NOVA_VOLUME_KEY_ENUM, NOVA_VOLUME_KEY_DRIVER (canonical name) */
  gint64  number; /* NOVA_VOLUME_KEY_INT, NOVA_VOLUME_KEY_BOOLEAN */
} ConfigValue;

struct _NovaVolumeConfig {
  GObject      parent_instance;

  char        *path;
  char        *host_name; /* g_get_host_name(), taken once: stable pointer */
  GHashTable  *values;    /* key name -> ConfigValue: what the file or set() gave */

  char        *backend_name; /* a backend's own configuration: its name */
  GPtrArray   *backends;     /* the daemon's: NovaVolumeConfig per backend group, file order */
  GPtrArray   *types;        /* the daemon's: NovaVolumeType, file order */
};

G_DEFINE_FINAL_TYPE (NovaVolumeConfig, nova_volume_config, G_TYPE_OBJECT)

/* The declaration of @name: the daemon's own, or a driver's (with
 * @open_all, of any driver there is, else of those opened so far). */
static const NovaVolumeConfigKey *
find_key (const char *name, gboolean open_all)
{
  for (gsize i = 0; i < N_CORE_KEYS; i++)
    if (g_str_equal (config_keys[i].name, name))
      return &config_keys[i];
  return nova_volume_driver_registry_find_key (name, open_all);
}

static gboolean
is_core_key (const NovaVolumeConfigKey *key)
{
  return key >= config_keys && key < config_keys + N_CORE_KEYS;
}

static char *
join_allowed (const char *const *allowed)
{
  return g_strjoinv (", ", (char **) allowed);
}

/* @value as it can be shown in a message or a log line: control
 * characters escaped C-style, UTF-8 left alone (g_strescape would mangle it) */
static char *
printable_value (const char *value)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\t')
        g_string_append (out, "\\t");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\r')
        g_string_append (out, "\\r");
      else if (g_ascii_iscntrl (*p))
        g_string_append_printf (out, "\\x%02x", (guint) (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
bad_value (const NovaVolumeConfigKey *key, const char *value, GError **error,
           const char *format, ...) G_GNUC_PRINTF (4, 5);

static gboolean
bad_value (const NovaVolumeConfigKey *key, const char *value, GError **error,
           const char *format, ...)
{
  va_list args;
  g_autofree char *why = NULL;
  g_autofree char *shown = printable_value (value);

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
               "%s = '%s': %s", key->name, shown, why);
  return FALSE;
}

static gboolean
parse_boolean (const char *text, gboolean *out)
{
  static const char *const yes[] = { "true", "yes", "1", "on" };
  static const char *const no[] = { "false", "no", "0", "off" };

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (text, yes[i]) == 0)
        {
          *out = TRUE;
          return TRUE;
        }
      if (g_ascii_strcasecmp (text, no[i]) == 0)
        {
          *out = FALSE;
          return TRUE;
        }
    }
  return FALSE;
}

/* checks @value for @key and, when fine, fills @out (whose text the caller
 * then owns); the one place a value is judged, for the file and for set() */
static gboolean
parse_value (const NovaVolumeConfigKey *key, const char *value, ConfigValue *out, GError **error)
{
  /* GKeyFile keeps trailing blanks, which no editor shows: "vg0 " is
   * meant as "vg0" (oslo.config strips too) */
  g_autofree char *stripped = g_strstrip (g_strdup (value));

  /* the file's values are UTF-8 (GKeyFile checks); set() gets the same
   * rule, as every value may become a D-Bus property */
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_autofree char *shown = g_utf8_make_valid (value, -1);

      return bad_value (key, shown, error, "must be valid UTF-8");
    }

  /* values end up in logs, command lines and D-Bus properties */
  for (const char *p = stripped; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      return bad_value (key, value, error, "must not contain control characters");

  switch (key->type)
    {
    case NOVA_VOLUME_KEY_STRING:
      {
        const char *why = key->check != NULL ? key->check (stripped) : NULL;

        if (why != NULL)
          return bad_value (key, value, error, "%s", why);
        out->text = g_steal_pointer (&stripped);
        return TRUE;
      }

    case NOVA_VOLUME_KEY_INT:
      {
        gint64 number = 0;
        g_autoptr(GError) local_error = NULL;

        if (!g_ascii_string_to_signed (stripped, 10, G_MININT64, G_MAXINT64, &number, &local_error))
          return bad_value (key, value, error,
                            "not an integer (%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")",
                            key->min, key->max);
        if (number < key->min || number > key->max)
          return bad_value (key, value, error,
                            "out of range (%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")",
                            key->min, key->max);
        out->number = number;
        return TRUE;
      }

    case NOVA_VOLUME_KEY_BOOLEAN:
      {
        gboolean b = FALSE;

        if (!parse_boolean (stripped, &b))
          return bad_value (key, value, error, "not a boolean (true/false, yes/no, on/off, 1/0)");
        out->number = b;
        return TRUE;
      }

    case NOVA_VOLUME_KEY_ENUM:
      if (!g_strv_contains (key->allowed, stripped))
        {
          g_autofree char *allowed = join_allowed (key->allowed);

          return bad_value (key, value, error, "not one of %s", allowed);
        }
      out->text = g_steal_pointer (&stripped);
      return TRUE;

    case NOVA_VOLUME_KEY_DRIVER:
      {
        g_autoptr(GError) local_error = NULL;
        const NovaVolumeDriverInfo *info = nova_volume_driver_registry_lookup (stripped, &local_error);

        if (info == NULL)
          return bad_value (key, value, error, "%s", local_error->message);
        out->text = g_strdup (info->name);
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

static ConfigValue *
value_copy (const ConfigValue *value)
{
  ConfigValue *copy = g_new0 (ConfigValue, 1);

  copy->text = g_strdup (value->text);
  copy->number = value->number;
  return copy;
}

static void
value_free (ConfigValue *value)
{
  g_free (value->text);
  g_free (value);
}

/* A key's default, parsed once per process and kept: the getters hand out
 * its text. Defaults go through the same parser as the file, so a default
 * that breaks its own rule fails every test at once. */
static const ConfigValue *
default_of (const NovaVolumeConfigKey *key)
{
  static GMutex lock;
  static GHashTable *defaults; /* declaration -> ConfigValue, never freed */
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);
  ConfigValue *value;

  if (defaults == NULL)
    defaults = g_hash_table_new (NULL, NULL);
  value = g_hash_table_lookup (defaults, key);
  if (value == NULL)
    {
      g_autoptr(GError) error = NULL;

      value = g_new0 (ConfigValue, 1);
      if (!parse_value (key, key->default_value, value, &error))
        g_error ("built-in default: %s", error->message);
      g_hash_table_insert (defaults, (gpointer) key, value);
    }
  return value;
}

static void
store_value (NovaVolumeConfig *self, const NovaVolumeConfigKey *key, ConfigValue *value)
{
  g_hash_table_replace (self->values, (gpointer) key->name, value);
}

static void
nova_volume_config_finalize (GObject *object)
{
  NovaVolumeConfig *self = NOVA_VOLUME_CONFIG (object);

  g_clear_pointer (&self->values, g_hash_table_unref);
  g_free (self->path);
  g_free (self->host_name);
  g_free (self->backend_name);
  g_clear_pointer (&self->backends, g_ptr_array_unref);
  g_clear_pointer (&self->types, g_ptr_array_unref);

  G_OBJECT_CLASS (nova_volume_config_parent_class)->finalize (object);
}

static void
nova_volume_config_class_init (NovaVolumeConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = nova_volume_config_finalize;
}

static void
volume_type_free (NovaVolumeType *type)
{
  g_free (type->name);
  g_free (type->backend);
  g_hash_table_unref (type->specs);
  g_free (type);
}

static void
nova_volume_config_init (NovaVolumeConfig *self)
{
  self->host_name = g_strdup (g_get_host_name ());
  self->backends = g_ptr_array_new_with_free_func (g_object_unref);
  self->types = g_ptr_array_new_with_free_func ((GDestroyNotify) volume_type_free);
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) value_free);
}

NovaVolumeConfig *
nova_volume_config_new (void)
{
  return g_object_new (NOVA_VOLUME_TYPE_CONFIG, NULL);
}

/* Whether @key may be in @group: [DEFAULT] (@driver NULL) takes every key
 * any driver declares, as a single-driver config always could; a
 * backend's group takes the per-backend keys of the daemon and the keys
 * of its own driver. FALSE with the error naming the group. */
static gboolean
key_allowed (const NovaVolumeConfigKey *key, const char *name, const char *path, const char *group,
             const char *driver, GError **error)
{
  if (key == NULL)
    {
      const char *meant = nova_volume_suggest (name, nova_volume_config_list_keys ());

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: unknown key '%s' in [%s]%s%s%s", path, name, group, meant != NULL ? "; did you mean " : "",
                   meant != NULL ? meant : "", meant != NULL ? "?" : "");
      return FALSE;
    }
  if (driver == NULL)
    return TRUE;
  if (key->daemon_wide)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: [%s]: %s belongs in [DEFAULT]: it has one value for the whole daemon, "
                   "not one per backend", path, group, name);
      return FALSE;
    }
  if (!is_core_key (key)
      && !nova_volume_driver_info_has_key (nova_volume_driver_registry_lookup (driver, NULL), name))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: [%s]: %s is not a key of the %s driver, this backend's volume_driver",
                   path, group, name, driver);
      return FALSE;
    }
  return TRUE;
}

/* Reads one key of @group into @self. */
static gboolean
load_key (NovaVolumeConfig *self, GKeyFile *keyfile, const char *path, const char *group,
          const NovaVolumeConfigKey *key, GError **error)
{
  ConfigValue value = { NULL, 0 };
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;

  /* get_string undoes the escapes (\s, \n, \\) as the format defines */
  text = g_key_file_get_string (keyfile, group, key->name, &local_error);
  /* GLib 2.74 may return the part before a bad escape with the error */
  if (text == NULL || local_error != NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: %s: %s", path, key->name, local_error->message);
      return FALSE;
    }
  if (!parse_value (key, text, &value, error))
    {
      if (g_str_equal (group, "DEFAULT"))
        g_prefix_error (error, "%s: ", path);
      else
        g_prefix_error (error, "%s: [%s]: ", path, group);
      return FALSE;
    }
  store_value (self, key, g_memdup2 (&value, sizeof value));
  return TRUE;
}

/* Reads the keys of @group into @self: [DEFAULT] when @is_backend is
 * FALSE, else a backend's group, whose own volume_driver (or the one it
 * inherits) decides which driver keys it may hold. */
static gboolean
load_group (NovaVolumeConfig *self, GKeyFile *keyfile, const char *path, const char *group,
            gboolean is_backend, GError **error)
{
  g_auto(GStrv) keys = NULL;
  const NovaVolumeConfigKey *driver_key = find_key ("volume_driver", FALSE);

  if (!g_key_file_has_group (keyfile, group))
    return TRUE;

  keys = g_key_file_get_keys (keyfile, group, NULL, error);
  if (keys == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return FALSE;
    }

  /* the driver first: its declarations judge the other keys */
  if (g_strv_contains ((const char *const *) keys, "volume_driver")
      && !load_key (self, keyfile, path, group, driver_key, error))
    return FALSE;

  for (gsize i = 0; keys[i] != NULL; i++)
    {
      const NovaVolumeConfigKey *key = find_key (keys[i], TRUE);

      if (key == driver_key)
        continue;
      if (!key_allowed (key, keys[i], path, group,
                        is_backend ? nova_volume_config_get_driver (self) : NULL, error)
          || !load_key (self, keyfile, path, group, key, error))
        return FALSE;
    }
  return TRUE;
}

/* A backend's configuration: the daemon's [DEFAULT] values, then its
 * group's. */
static NovaVolumeConfig *
backend_config_new (NovaVolumeConfig *defaults, const char *name)
{
  NovaVolumeConfig *backend = nova_volume_config_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, defaults->values);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_replace (backend->values, key, value_copy (value));
  backend->backend_name = g_strdup (name);
  backend->path = g_strdup (defaults->path);
  return backend;
}

static gboolean
add_backend (NovaVolumeConfig *self, GKeyFile *keyfile, const char *path, const char *name,
             const char *group, GError **error)
{
  g_autoptr(NovaVolumeConfig) backend = NULL;
  const char *why = g_str_equal (name, "DEFAULT") ? "is the group of the daemon's own keys" : check_group_name (name);

  if (why != NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: [%s]: the backend name '%s' %s", path, group, name, why);
      return FALSE;
    }
  for (guint i = 0; i < self->backends->len; i++)
    {
      NovaVolumeConfig *other = g_ptr_array_index (self->backends, i);

      if (g_str_equal (other->backend_name, name))
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "%s: the backend '%s' is configured twice ([backend:%s] and enabled_backends)",
                       path, name, name);
          return FALSE;
        }
    }
  backend = backend_config_new (self, name);
  if (!load_group (backend, keyfile, path, group, TRUE, error))
    return FALSE;
  g_ptr_array_add (self->backends, g_steal_pointer (&backend));
  return TRUE;
}

/* the extra specs a type may hold, and what each must be */
static const char *const type_boolean_specs[] = { "thin", "multiattach", NULL };
static const char *const type_text_specs[] = { "storage_protocol", "description", NULL };

static gboolean
add_type (NovaVolumeConfig *self, GKeyFile *keyfile, const char *path, const char *name,
          const char *group, GError **error)
{
  g_autoptr(GHashTable) specs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) keys = g_key_file_get_keys (keyfile, group, NULL, NULL);
  g_autofree char *backend = NULL;
  const char *why = check_group_name (name);
  NovaVolumeType *type;

  if (why != NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: [%s]: the type name '%s' %s", path, group, name, why);
      return FALSE;
    }
  for (gsize i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *raw = g_key_file_get_string (keyfile, group, keys[i], NULL);
      g_autofree char *text = g_strstrip (g_strdup (raw != NULL ? raw : ""));
      gboolean flag = FALSE;

      if (g_str_equal (keys[i], "backend"))
        {
          backend = g_steal_pointer (&text);
          continue;
        }
      if (g_strv_contains (type_boolean_specs, keys[i]))
        {
          if (!parse_boolean (text, &flag))
            {
              g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "%s: [%s]: %s = '%s': not a boolean (true/false, yes/no, on/off, 1/0)",
                           path, group, keys[i], text);
              return FALSE;
            }
          g_hash_table_insert (specs, g_strdup (keys[i]), g_strdup (flag ? "true" : "false"));
          continue;
        }
      if (g_strv_contains (type_text_specs, keys[i]) && g_utf8_validate (text, -1, NULL))
        {
          g_hash_table_insert (specs, g_strdup (keys[i]), g_steal_pointer (&text));
          continue;
        }
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: [%s]: unknown key '%s': a type takes backend, thin, multiattach, "
                   "storage_protocol and description", path, group, keys[i]);
      return FALSE;
    }
  if (backend == NULL || backend[0] == '\0')
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: [%s]: no backend: a type names the backend its volumes go to (backend = NAME)",
                   path, group);
      return FALSE;
    }
  if (nova_volume_config_lookup_backend (self, backend) == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) nova_volume_config_list_backends (self));

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: [%s]: backend = '%s': no such backend; the backends are %s",
                   path, group, backend, known);
      return FALSE;
    }
  type = g_new0 (NovaVolumeType, 1);
  type->name = g_strdup (name);
  type->backend = g_steal_pointer (&backend);
  type->specs = g_steal_pointer (&specs);
  g_ptr_array_add (self->types, type);
  return TRUE;
}

/* The groups after [DEFAULT]: backends ([backend:NAME], or [NAME] for
 * each name of enabled_backends, as Cinder has them) and then volume
 * types ([type:NAME], which name a backend). Any other group would be
 * ignored without a word, so it is an error. */
static gboolean
load_backends_and_types (NovaVolumeConfig *self, GKeyFile *keyfile, const char *path, GError **error)
{
  g_auto(GStrv) groups = g_key_file_get_groups (keyfile, NULL);
  g_auto(GStrv) enabled = g_strsplit (nova_volume_config_get_string (self, "enabled_backends"), ",", -1);
  const char *default_type = nova_volume_config_get_string (self, "default_volume_type");

  for (gsize i = 0; enabled[i] != NULL; i++)
    g_strstrip (enabled[i]);

  for (gsize i = 0; groups[i] != NULL; i++)
    {
      const char *group = groups[i];

      if (g_str_equal (group, "DEFAULT") || g_str_has_prefix (group, "type:"))
        continue;
      if (g_str_has_prefix (group, "backend:"))
        {
          if (!add_backend (self, keyfile, path, group + strlen ("backend:"), group, error))
            return FALSE;
        }
      else if (g_strv_contains ((const char *const *) enabled, group))
        {
          if (!add_backend (self, keyfile, path, group, group, error))
            return FALSE;
        }
      else
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "%s: unknown group [%s]: keys belong in [DEFAULT], a backend's "
                       "[backend:NAME] (or a [NAME] that enabled_backends lists) or a [type:NAME]",
                       path, group);
          return FALSE;
        }
    }
  for (gsize i = 0; enabled[i] != NULL; i++)
    if (enabled[i][0] != '\0' && (g_str_equal (enabled[i], "DEFAULT") || !g_key_file_has_group (keyfile, enabled[i])))
      {
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                     "%s: enabled_backends names '%s', but there is no [%s] group with its volume_driver "
                     "(a [backend:%s] group needs no enabled_backends)",
                     path, enabled[i], enabled[i], enabled[i]);
        return FALSE;
      }

  for (gsize i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], "type:")
        && !add_type (self, keyfile, path, groups[i] + strlen ("type:"), groups[i], error))
      return FALSE;

  if (default_type[0] != '\0' && nova_volume_config_lookup_type (self, default_type) == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: default_volume_type = '%s': there is no [type:%s] group",
                   path, default_type, default_type);
      return FALSE;
    }
  return TRUE;
}

NovaVolumeConfig *
nova_volume_config_load (const char  *path,
                         gboolean     missing_ok,
                         GError     **error)
{
  g_autoptr(NovaVolumeConfig) self = nova_volume_config_new ();
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          if (missing_ok)
            {
              g_debug ("%s does not exist: using the built-in defaults", path);
              return g_steal_pointer (&self);
            }
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "%s: no such configuration file", path);
          return NULL;
        }
      if (local_error->domain == G_FILE_ERROR)
        {
          /* unreadable: keep the errno-based code (permission denied, ...) */
          g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
                       "%s: %s", path, local_error->message);
          return NULL;
        }
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s: %s", path, local_error->message);
      return NULL;
    }

  self->path = g_strdup (path);
  if (!load_group (self, keyfile, path, "DEFAULT", FALSE, error)
      || !load_backends_and_types (self, keyfile, path, error))
    return NULL;
  return g_steal_pointer (&self);
}

gboolean
nova_volume_config_set (NovaVolumeConfig  *self,
                        const char        *key,
                        const char        *value,
                        GError           **error)
{
  const NovaVolumeConfigKey *decl;
  ConfigValue parsed = { NULL, 0 };

  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  decl = find_key (key, TRUE);
  if (decl == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "unknown key '%s'", key);
      return FALSE;
    }
  if (!parse_value (decl, value, &parsed, error))
    return FALSE;

  /* not locked: set() is for start-up (command line) and tests, before
   * any worker thread reads the config; a value set on the daemon's
   * configuration holds for each of its backends too */
  if (!decl->daemon_wide)
    for (guint i = 0; i < self->backends->len; i++)
      store_value (g_ptr_array_index (self->backends, i), decl, value_copy (&parsed));
  store_value (self, decl, g_memdup2 (&parsed, sizeof parsed));
  return TRUE;
}

/* the value slot of @name when it is declared with one of the types
 * @type_a/@type_b/@type_c, else a critical and NULL */
static const ConfigValue *
lookup (NovaVolumeConfig *self, const char *name, const char *wanted,
        NovaVolumeKeyType type_a, NovaVolumeKeyType type_b, NovaVolumeKeyType type_c)
{
  const NovaVolumeConfigKey *key;
  const ConfigValue *value;

  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  key = find_key (name, TRUE);
  if (key == NULL)
    {
      g_critical ("nova-volume.conf has no key '%s'", name);
      return NULL;
    }
  if (key->type != type_a && key->type != type_b && key->type != type_c)
    {
      g_critical ("nova-volume.conf key '%s' is not %s", name, wanted);
      return NULL;
    }
  value = g_hash_table_lookup (self->values, key->name);
  return value != NULL ? value : default_of (key);
}

const char *
nova_volume_config_get_string (NovaVolumeConfig *self, const char *key)
{
  const ConfigValue *value = lookup (self, key, "a string", NOVA_VOLUME_KEY_STRING, NOVA_VOLUME_KEY_ENUM, NOVA_VOLUME_KEY_DRIVER);

  if (value == NULL)
    return NULL;

  /* the empty defaults that stand for something else */
  if (value->text[0] == '\0')
    {
      if (g_str_equal (key, "host"))
        return self->host_name;
      if (g_str_equal (key, "volume_backend_name"))
        return nova_volume_config_get_backend_name (self);
    }
  return value->text;
}

gint64
nova_volume_config_get_int (NovaVolumeConfig *self, const char *key)
{
  const ConfigValue *value = lookup (self, key, "an integer", NOVA_VOLUME_KEY_INT, NOVA_VOLUME_KEY_INT, NOVA_VOLUME_KEY_INT);

  return value != NULL ? value->number : 0;
}

gboolean
nova_volume_config_get_boolean (NovaVolumeConfig *self, const char *key)
{
  const ConfigValue *value = lookup (self, key, "a boolean", NOVA_VOLUME_KEY_BOOLEAN, NOVA_VOLUME_KEY_BOOLEAN, NOVA_VOLUME_KEY_BOOLEAN);

  return value != NULL ? value->number != 0 : FALSE;
}

const char *
nova_volume_config_get_driver (NovaVolumeConfig *self)
{
  const ConfigValue *value = lookup (self, "volume_driver", "a driver", NOVA_VOLUME_KEY_DRIVER, NOVA_VOLUME_KEY_DRIVER, NOVA_VOLUME_KEY_DRIVER);

  const NovaVolumeDriverInfo *info = value != NULL ? nova_volume_driver_registry_lookup (value->text, NULL) : NULL;

  /* the module's own static string: stable even across set() */
  return info != NULL ? info->name : NULL;
}

/* @template with @id in place of its %s; check_name_template saw to it
 * that there is exactly one and no other conversion, and the id is put in
 * as text rather than through printf */
static char *
expand_name_template (const char *template, const char *id)
{
  const char *conversion = strstr (template, "%s");

  g_return_val_if_fail (conversion != NULL, NULL);
  return g_strdup_printf ("%.*s%s%s", (int) (conversion - template), template, id, conversion + 2);
}

/* the UUID @template put into @name, or NULL */
static char *
match_name_template (const char *template, const char *name)
{
  const char *conversion = strstr (template, "%s");
  gsize prefix, suffix, length = strlen (name);
  g_autofree char *id = NULL;

  g_return_val_if_fail (conversion != NULL, NULL);
  prefix = (gsize) (conversion - template);
  suffix = strlen (conversion + 2);
  if (length <= prefix + suffix || strncmp (name, template, prefix) != 0
      || strcmp (name + length - suffix, conversion + 2) != 0)
    return NULL;
  id = g_strndup (name + prefix, length - prefix - suffix);
  return g_uuid_string_is_valid (id) ? g_steal_pointer (&id) : NULL;
}

char *
nova_volume_config_id_from_volume_name (NovaVolumeConfig *self, const char *name)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return match_name_template (nova_volume_config_get_string (self, "volume_name_template"), name);
}

char *
nova_volume_config_id_from_snapshot_name (NovaVolumeConfig *self, const char *name)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return match_name_template (nova_volume_config_get_string (self, "snapshot_name_template"), name);
}

char *
nova_volume_config_volume_name (NovaVolumeConfig *self, const char *id)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return expand_name_template (nova_volume_config_get_string (self, "volume_name_template"), id);
}

char *
nova_volume_config_snapshot_name (NovaVolumeConfig *self, const char *id)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return expand_name_template (nova_volume_config_get_string (self, "snapshot_name_template"), id);
}

const char *
nova_volume_config_get_path (NovaVolumeConfig *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  return self->path;
}

/* the daemon's keys, then each driver's in the order of their names,
 * every driver module opened */
const char *const *
nova_volume_config_list_keys (void)
{
  static const char **names;
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      GPtrArray *list = g_ptr_array_new ();

      for (gsize i = 0; i < N_CORE_KEYS; i++)
        g_ptr_array_add (list, (gpointer) config_keys[i].name);
      for (const char *const *driver = nova_volume_driver_registry_names (); *driver != NULL; driver++)
        {
          const NovaVolumeDriverInfo *info = nova_volume_driver_registry_lookup (*driver, NULL);

          for (gsize t = 0; info != NULL && info->keys != NULL && info->keys[t] != NULL; t++)
            for (const NovaVolumeConfigKey *key = info->keys[t]; key->name != NULL; key++)
              if (!g_ptr_array_find_with_equal_func (list, key->name, g_str_equal, NULL))
                g_ptr_array_add (list, (gpointer) key->name);
        }
      g_ptr_array_add (list, NULL);
      names = (const char **) g_ptr_array_free (list, FALSE);
      g_once_init_leave (&initialized, 1);
    }
  return names;
}

const char *
nova_volume_config_key_default (const char *key)
{
  const NovaVolumeConfigKey *decl;

  g_return_val_if_fail (key != NULL, NULL);

  decl = find_key (key, TRUE);
  if (decl == NULL)
    {
      g_critical ("nova-volume.conf has no key '%s'", key);
      return NULL;
    }
  return decl->default_value;
}

const char *
nova_volume_config_get_backend_name (NovaVolumeConfig *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  return self->backend_name != NULL ? self->backend_name : nova_volume_config_get_driver (self);
}

guint
nova_volume_config_get_n_backends (NovaVolumeConfig *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), 0);
  return self->backends->len > 0 ? self->backends->len : 1;
}

NovaVolumeConfig *
nova_volume_config_get_backend (NovaVolumeConfig *self, guint index)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  if (self->backends->len == 0)
    return index == 0 ? self : NULL;
  return index < self->backends->len ? g_ptr_array_index (self->backends, index) : NULL;
}

NovaVolumeConfig *
nova_volume_config_lookup_backend (NovaVolumeConfig *self, const char *name)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; i < nova_volume_config_get_n_backends (self); i++)
    {
      NovaVolumeConfig *backend = nova_volume_config_get_backend (self, i);

      if (g_str_equal (nova_volume_config_get_backend_name (backend), name))
        return backend;
    }
  return NULL;
}

const char *const *
nova_volume_config_list_backends (NovaVolumeConfig *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  for (guint i = 0; i < nova_volume_config_get_n_backends (self); i++)
    g_ptr_array_add (names, (gpointer) nova_volume_config_get_backend_name (nova_volume_config_get_backend (self, i)));
  g_ptr_array_add (names, NULL);
  /* kept with the object: the names are its own strings */
  g_object_set_data_full (G_OBJECT (self), "backend-names", g_ptr_array_steal (names, NULL), g_free);
  return g_object_get_data (G_OBJECT (self), "backend-names");
}

guint
nova_volume_config_get_n_types (NovaVolumeConfig *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), 0);
  return self->types->len;
}

const NovaVolumeType *
nova_volume_config_get_volume_type (NovaVolumeConfig *self, guint index)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  return index < self->types->len ? g_ptr_array_index (self->types, index) : NULL;
}

const NovaVolumeType *
nova_volume_config_lookup_type (NovaVolumeConfig *self, const char *name)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; i < self->types->len; i++)
    {
      const NovaVolumeType *type = g_ptr_array_index (self->types, i);

      if (g_str_equal (type->name, name))
        return type;
    }
  return NULL;
}
