/* nova-volume: the drivers there are (see the header) */
#include "config.h"

#include <gmodule.h>
#include <string.h>

#include "nova-volume-driver-registry.h"
#include "nova-volume-error.h"

#define MODULE_PREFIX "libnova-volume-driver-"
#define MODULE_SUFFIX ".so"

typedef struct {
  char                       *name;
  const NovaVolumeDriverInfo *info;       /* NULL until opened */
  char                       *open_error; /* why it would not open, once tried */
} Entry;

/* Entries are added once and never removed; the infos they point to are
 * static data of resident modules, so a pointer handed out stays good. */
static GMutex lock;
static GPtrArray *entries;    /* Entry, sorted by name */
static const char **names;    /* NULL-terminated copy of the names */

/* True when the running binary lives in the build tree meson configured:
 * then the driver modules are the freshly built ones, so
 * `build/daemon/nova-volumed` and the tests need no install and no flag. */
static gboolean
running_uninstalled (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *root = g_strconcat (NOVA_VOLUME_BUILD_ROOT, G_DIR_SEPARATOR_S, NULL);

  return exe != NULL && g_str_has_prefix (exe, root);
}

static const char *
override_dir (void)
{
  const char *dir = g_getenv ("NOVA_VOLUME_DRIVER_DIR");

  return dir != NULL && *dir != '\0' ? dir : NULL;
}

static char *
module_dir (void)
{
  if (override_dir () != NULL)
    return g_strdup (override_dir ());
  if (running_uninstalled ())
    return g_build_filename (NOVA_VOLUME_BUILD_ROOT, "drivers", NULL);
  return g_strdup (NOVA_VOLUME_DRIVER_DIR);
}

char *
nova_volume_module_path (const char *file)
{
  g_autofree char *dir = module_dir ();

  return g_build_filename (dir, file, NULL);
}

char *
nova_volume_driver_module_path (const char *name)
{
  g_autofree char *file = g_strconcat (MODULE_PREFIX, name, MODULE_SUFFIX, NULL);

  return nova_volume_module_path (file);
}

static Entry *
find_entry (const char *name)
{
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *entry = g_ptr_array_index (entries, i);

      if (g_str_equal (entry->name, name))
        return entry;
    }
  return NULL;
}

static gint
compare_entries (gconstpointer a, gconstpointer b)
{
  const Entry *ea = *(const Entry *const *) a;
  const Entry *eb = *(const Entry *const *) b;

  return strcmp (ea->name, eb->name);
}

static void
add_entry (const char *name)
{
  Entry *entry = find_entry (name);

  if (entry == NULL)
    {
      entry = g_new0 (Entry, 1);
      entry->name = g_strdup (name);
      g_ptr_array_add (entries, entry);
      g_ptr_array_sort (entries, compare_entries);
      g_free (names);
      names = g_new0 (const char *, entries->len + 1);
      for (guint i = 0; i < entries->len; i++)
        names[i] = ((Entry *) g_ptr_array_index (entries, i))->name;
    }
}

/* the driver names of the module files in @dir */
static void
scan_dir (const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *file;

  if (listing == NULL)
    return;
  while ((file = g_dir_read_name (listing)) != NULL)
    if (g_str_has_prefix (file, MODULE_PREFIX) && g_str_has_suffix (file, MODULE_SUFFIX)
        && strlen (file) > strlen (MODULE_PREFIX MODULE_SUFFIX))
      {
        g_autofree char *name = g_strndup (file + strlen (MODULE_PREFIX),
                                           strlen (file) - strlen (MODULE_PREFIX MODULE_SUFFIX));
        add_entry (name);
      }
}

/* called with the lock held */
static void
ensure_scanned (void)
{
  g_autofree char *dir = NULL;

  if (entries != NULL)
    return;
  entries = g_ptr_array_new ();
  names = g_new0 (const char *, 1);
  dir = module_dir ();
  scan_dir (dir);
}

/* opens @entry's module once; called with the lock held */
static const NovaVolumeDriverInfo *
open_entry (Entry *entry)
{
  g_autofree char *path = NULL;
  const NovaVolumeDriverInfo *(*get_info) (void) = NULL;
  const NovaVolumeDriverInfo *info;
  GModule *module;

  if (entry->info != NULL || entry->open_error != NULL)
    return entry->info;

  path = nova_volume_driver_module_path (entry->name);
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      entry->open_error = g_strdup_printf ("cannot load its module: %s", g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, NOVA_VOLUME_DRIVER_MODULE_SYMBOL, (gpointer *) &get_info)
      || get_info == NULL || (info = get_info ()) == NULL)
    {
      entry->open_error = g_strdup_printf ("%s has no %s()", path, NOVA_VOLUME_DRIVER_MODULE_SYMBOL);
      g_module_close (module);
      return NULL;
    }
  if (info->name == NULL || !g_str_equal (info->name, entry->name) || info->get_type == NULL)
    {
      entry->open_error = g_strdup_printf ("%s describes a driver '%s', not '%s'",
                                           path, info->name != NULL ? info->name : "(null)", entry->name);
      g_module_close (module);
      return NULL;
    }
  /* types and key tables of the module live as long as the process */
  g_module_make_resident (module);
  g_debug ("opened driver module %s", path);
  entry->info = info;
  return info;
}

static gboolean
has_alias (const NovaVolumeDriverInfo *info, const char *name)
{
  return info->aliases != NULL && g_strv_contains (info->aliases, name);
}

const NovaVolumeDriverInfo *
nova_volume_driver_registry_lookup (const char *name, GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);
  Entry *entry;

  g_return_val_if_fail (name != NULL, NULL);

  ensure_scanned ();
  entry = find_entry (name);
  if (entry == NULL)
    {
      /* a class path: only the modules themselves know theirs */
      for (guint i = 0; i < entries->len && entry == NULL; i++)
        {
          Entry *candidate = g_ptr_array_index (entries, i);
          const NovaVolumeDriverInfo *info = open_entry (candidate);

          if (info != NULL && has_alias (info, name))
            entry = candidate;
        }
    }
  if (entry == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) names);

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "unknown driver; known drivers: %s (or their nova.volume.driver class path)", known);
      return NULL;
    }
  if (open_entry (entry) == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                   "%s", entry->open_error);
      return NULL;
    }
  return entry->info;
}

const char *const *
nova_volume_driver_registry_names (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);

  ensure_scanned ();
  return names;
}

gboolean
nova_volume_driver_info_has_key (const NovaVolumeDriverInfo *info, const char *name)
{
  for (gsize t = 0; info->keys != NULL && info->keys[t] != NULL; t++)
    for (const NovaVolumeConfigKey *key = info->keys[t]; key->name != NULL; key++)
      if (g_str_equal (key->name, name))
        return TRUE;
  return FALSE;
}

static const NovaVolumeConfigKey *
info_find_key (const NovaVolumeDriverInfo *info, const char *name)
{
  for (gsize t = 0; info->keys != NULL && info->keys[t] != NULL; t++)
    for (const NovaVolumeConfigKey *key = info->keys[t]; key->name != NULL; key++)
      if (g_str_equal (key->name, name))
        return key;
  return NULL;
}

const NovaVolumeConfigKey *
nova_volume_driver_registry_find_key (const char *name, gboolean open_all)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);

  g_return_val_if_fail (name != NULL, NULL);

  ensure_scanned ();
  for (guint pass = 0; pass < (open_all ? 2 : 1); pass++)
    for (guint i = 0; i < entries->len; i++)
      {
        Entry *entry = g_ptr_array_index (entries, i);
        const NovaVolumeDriverInfo *info = pass == 0 ? entry->info : open_entry (entry);
        const NovaVolumeConfigKey *key = info != NULL ? info_find_key (info, name) : NULL;

        if (key != NULL)
          return key;
      }
  return NULL;
}
