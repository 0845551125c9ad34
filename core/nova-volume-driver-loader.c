/* nova-volume: sets up the driver that volume_driver names, from the
 * module the registry opened. */
#include "config.h"

#include "nova-volume-driver.h"
#include "nova-volume-error.h"

NovaVolumeDriver *
nova_volume_driver_load (NovaVolumeDriverContext *ctx, GError **error)
{
  const char *name = ctx->driver;
  const NovaVolumeDriverInfo *info = nova_volume_driver_registry_lookup (name, error);
  g_autoptr(NovaVolumeDriver) driver = NULL;
  GType type;

  if (info == NULL)
    {
      g_prefix_error (error, "volume_driver = %s: ", name);
      return NULL;
    }
  type = info->get_type ();
  if (!g_type_is_a (type, NOVA_VOLUME_TYPE_DRIVER))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "volume_driver = %s: its module does not implement NovaVolumeDriver", name);
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
  g_debug ("loaded driver %s", name);
  return g_steal_pointer (&driver);
}
