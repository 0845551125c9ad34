/* nova-volume: fuzz target for nova-volume.conf (nova_volume_config_load)
 * and for the command-line overrides (nova_volume_config_set).
 *
 * Input: the text of a configuration file. It is loaded as the daemon
 * loads /etc/nova-volume/nova-volume.conf; then each of its lines that
 * has a '=' is given to nova_volume_config_set as key and value, raw
 * bytes and all, as a command line could give them. Whatever is
 * accepted is read back through every getter.
 *
 * Checked beyond "no crash": a refusal is InvalidArgument; every string
 * the config hands out is UTF-8 without control characters (they become
 * D-Bus properties, log fields and command arguments); the driver is a
 * known one; a volume or snapshot name made from a UUID contains it once
 * and no '/'. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "fuzz-common.h"
#include "nova-volume-config.h"
#include "nova-volume-driver.h"
#include "nova-volume-error.h"

static char *scratch_dir;
static char *config_path;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}

void
fuzz_cleanup (void)
{
  if (scratch_dir != NULL)
    fuzz_remove_tree (scratch_dir);
  g_clear_pointer (&scratch_dir, g_free);
  g_clear_pointer (&config_path, g_free);
}

typedef enum {
  TYPE_STRING,
  TYPE_INT,
  TYPE_BOOLEAN,
} KeyType;

/* The config has no public type of a key; its default tells: digits are
 * an integer, true/false a boolean, anything else a string (enums and the
 * driver included). Asking with the wrong getter would be a critical. */
static KeyType
key_type (const char *key)
{
  const char *value = nova_volume_config_key_default (key);
  gboolean digits = *value != '\0';

  if (g_str_equal (value, "true") || g_str_equal (value, "false"))
    return TYPE_BOOLEAN;
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      digits = FALSE;
  return digits ? TYPE_INT : TYPE_STRING;
}

static void
check_text (const char *what, const char *text)
{
  if (text == NULL)
    g_error ("%s is NULL", what);
  if (!g_utf8_validate (text, -1, NULL))
    g_error ("%s is not valid UTF-8", what);
  for (const char *p = text; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      g_error ("%s contains control character 0x%02x", what, (guint) (guchar) *p);
}

static void
check_name (const char *what, const char *name, const char *id)
{
  const char *found;

  check_text (what, name);
  if (strchr (name, '/') != NULL)
    g_error ("%s '%s' contains '/'", what, name);
  found = strstr (name, id);
  if (found == NULL)
    g_error ("%s '%s' does not contain the id %s", what, name, id);
}

/* every getter, with the type each key was declared with */
static void
read_back (NovaVolumeConfig *config)
{
  static const char id[] = "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10";
  g_autofree char *volume_name = NULL;
  g_autofree char *snapshot_name = NULL;
  const char *driver;

  for (const char *const *key = nova_volume_config_list_keys (); *key != NULL; key++)
    {
      switch (key_type (*key))
        {
        case TYPE_INT:
          (void) nova_volume_config_get_int (config, *key);
          break;
        case TYPE_BOOLEAN:
          (void) nova_volume_config_get_boolean (config, *key);
          break;
        case TYPE_STRING:
        default:
          check_text (*key, nova_volume_config_get_string (config, *key));
          break;
        }
    }

  driver = nova_volume_config_get_driver (config);
  if (driver == NULL || !g_strv_contains (nova_volume_driver_registry_names (), driver))
    g_error ("volume_driver resolved to '%s', not a known driver", driver != NULL ? driver : "(null)");

  volume_name = nova_volume_config_volume_name (config, id);
  check_name ("volume name", volume_name, id);
  snapshot_name = nova_volume_config_snapshot_name (config, id);
  check_name ("snapshot name", snapshot_name, id);
  (void) nova_volume_config_get_path (config);
}

static void
check_refusal (const char *what, const GError *error)
{
  if (error->domain == G_IO_ERROR)
    return; /* the file itself, not its contents */
  if (!g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT))
    g_error ("%s refused with an unexpected error: %s", what, error->message);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) loaded = NULL;
  g_autoptr(NovaVolumeConfig) overridden = nova_volume_config_new ();
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(GStrv) lines = NULL;

  if (scratch_dir == NULL)
    {
      scratch_dir = fuzz_make_scratch_dir ("config");
      config_path = g_build_filename (scratch_dir, "nova-volume.conf", NULL);
    }

  /* the file, bytes as they are (NULs included) */
  if (!g_file_set_contents (config_path, (const char *) data, (gssize) size, &error))
    g_error ("%s", error->message);
  loaded = nova_volume_config_load (config_path, FALSE, &error);
  if (loaded != NULL)
    read_back (loaded);
  else
    check_refusal ("the file", error);
  g_clear_error (&error);

  /* the same lines as command-line overrides */
  lines = g_strsplit (text, "\n", 64);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      char *equals = strchr (lines[i], '=');

      if (equals == NULL)
        continue;
      *equals = '\0';
      if (!nova_volume_config_set (overridden, lines[i], equals + 1, &error))
        check_refusal ("an override", error);
      g_clear_error (&error);
    }
  read_back (overridden);
  return 0;
}
