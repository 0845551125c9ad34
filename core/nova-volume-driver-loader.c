/* nova-volume: finds, loads and sets up the driver module that
 * volume_driver names. */
#include "config.h"

#include <gmodule.h>

#include "nova-volume-driver.h"
#include "nova-volume-error.h"

/* True when the running binary lives in the build tree meson configured:
 * then the driver modules are the freshly built ones next to it, so
 * `build/daemon/nova-volumed` and the tests need no install and no flag. */
static gboolean
running_uninstalled (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *root = g_strconcat (NOVA_VOLUME_BUILD_ROOT, G_DIR_SEPARATOR_S, NULL);

  return exe != NULL && g_str_has_prefix (exe, root);
}

char *
nova_volume_driver_module_path (const char *name)
{
  const char *dir = g_getenv ("NOVA_VOLUME_DRIVER_DIR");
  g_autofree char *file = g_strdup_printf ("libnova-volume-driver-%s.so", name);

  if (dir != NULL && *dir != '\0')
    return g_build_filename (dir, file, NULL);
  if (running_uninstalled ())
    return g_build_filename (NOVA_VOLUME_BUILD_ROOT, "drivers", name, file, NULL);
  return g_build_filename (NOVA_VOLUME_DRIVER_DIR, file, NULL);
}

NovaVolumeDriver *
nova_volume_driver_load (NovaVolumeDriverContext *ctx, GError **error)
{
  const char *name = ctx->driver;
  g_autofree char *path = nova_volume_driver_module_path (name);
  g_autoptr(NovaVolumeDriver) driver = NULL;
  GType (*get_type) (void) = NULL;
  GModule *module;
  GType type;

  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (module == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                   "volume_driver = %s: cannot load its module: %s",
                   name, g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, NOVA_VOLUME_DRIVER_MODULE_SYMBOL, (gpointer *) &get_type)
      || get_type == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "volume_driver = %s: %s has no %s()", name, path,
                   NOVA_VOLUME_DRIVER_MODULE_SYMBOL);
      g_module_close (module);
      return NULL;
    }
  /* types registered by the module live as long as the process */
  g_module_make_resident (module);

  type = get_type ();
  if (!g_type_is_a (type, NOVA_VOLUME_TYPE_DRIVER))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "volume_driver = %s: %s does not implement NovaVolumeDriver", name, path);
      return NULL;
    }

  driver = g_object_new (type, NULL);
  if (!nova_volume_driver_do_setup (driver, ctx, error))
    {
      g_prefix_error (error, "volume_driver = %s: setup failed: ", name);
      return NULL;
    }
  if (!nova_volume_driver_check_for_setup_error (driver, error))
    {
      g_prefix_error (error, "volume_driver = %s: not ready: ", name);
      return NULL;
    }
  g_debug ("loaded driver %s from %s", name, path);
  return g_steal_pointer (&driver);
}
