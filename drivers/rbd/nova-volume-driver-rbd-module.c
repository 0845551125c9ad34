/* nova-volume: the rbd driver's module entry point. */
#include "config.h"

#include <gmodule.h>

#include "nova-volume-driver-rbd.h"

G_MODULE_EXPORT GType nova_volume_driver_module_get_type (void);

G_MODULE_EXPORT GType
nova_volume_driver_module_get_type (void)
{
  return NOVA_VOLUME_TYPE_RBD_DRIVER;
}
