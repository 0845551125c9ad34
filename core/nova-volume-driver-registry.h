/* nova-volume: the drivers there are. Each driver module describes itself
 * in a NovaVolumeDriverInfo (its name, the seed's class paths that old
 * configs use for it, its GType, its configuration keys); the registry
 * finds the modules (<dir>/libnova-volume-driver-<name>.so) and opens one
 * only when its driver is asked for, so a daemon serving the file driver
 * never maps librbd. A leaf below the configuration and the loader. */
#pragma once

#include <glib-object.h>

#include "nova-volume-config-key.h"

G_BEGIN_DECLS

typedef struct {
  const char                       *name;     /* volume_driver = name; the module's file name */
  const char *const                *aliases;  /* NULL-terminated, or NULL */
  GType                           (*get_type) (void);
  /* NULL-terminated list of key tables (its own, and those of the
   * libraries it shares with other drivers: iSCSI, LVM) */
  const NovaVolumeConfigKey *const *keys;
} NovaVolumeDriverInfo;

/* Every driver module exports its info under this symbol:
 *   NOVA_VOLUME_DRIVER_MODULE (my_driver_info);
 * at file scope of the driver's own source file. */
#define NOVA_VOLUME_DRIVER_MODULE_SYMBOL "nova_volume_driver_module_info"
#define NOVA_VOLUME_DRIVER_MODULE(info)                                           \
  G_MODULE_EXPORT const NovaVolumeDriverInfo *nova_volume_driver_module_info (void); \
  G_MODULE_EXPORT const NovaVolumeDriverInfo *nova_volume_driver_module_info (void) \
  {                                                                               \
    return &(info);                                                               \
  }

/* Where the modules are: the build tree when this binary runs from it
 * (drivers/), the installed module directory otherwise;
 * $NOVA_VOLUME_DRIVER_DIR overrides both. */
char *nova_volume_driver_module_path (const char *name);
/* Another module of that directory, by its file name. */
char *nova_volume_module_path (const char *file);

/* The driver @name names, a short name or a seed class path ("nova.volume.
 * driver.ISCSIDriver"), its module opened; NULL with an error that lists
 * the drivers there are, or says why the module would not open. */
const NovaVolumeDriverInfo *nova_volume_driver_registry_lookup (const char *name, GError **error);

/* Every driver's short name, sorted, without opening any module. */
const char *const *nova_volume_driver_registry_names (void);

/* The declaration of key @name among the drivers opened so far; with
 * @open_all, every module is opened until one declares it. NULL when no
 * driver does. */
const NovaVolumeConfigKey *nova_volume_driver_registry_find_key (const char *name, gboolean open_all);

/* Whether @info declares key @name. */
gboolean nova_volume_driver_info_has_key (const NovaVolumeDriverInfo *info, const char *name);

G_END_DECLS
