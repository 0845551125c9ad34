/* nova-volume: the names volume_driver takes: each driver's short name
 * and the seed's class path that old configs still use. A leaf: the
 * configuration checks names here, the loader turns them into modules. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "file" for "file" and for a seed class path ("nova.volume.driver.
 * ISCSIDriver" -> "lvm-iscsi"); NULL for an unknown name. */
const char *nova_volume_driver_resolve_name (const char *name);
/* Every short name, NULL-terminated. */
const char *const *nova_volume_driver_known_names (void);

G_END_DECLS
