/* nova-volume: the "rbd" driver, the seed's RBDDriver: volumes are RADOS
 * block device images in rbd_pool of a Ceph cluster, driven through
 * librbd; hypervisors reach them by themselves (no export). */
#pragma once

#include "nova-volume-driver.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_RBD_DRIVER (nova_volume_rbd_driver_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeRbdDriver, nova_volume_rbd_driver, NOVA_VOLUME, RBD_DRIVER, GObject)

/* The suffix of the temporary snapshot a clone of a volume is made from:
 * "<clone's image name>.clone_snap" on the source image (Cinder's name). */
#define NOVA_RBD_CLONE_SNAP_SUFFIX ".clone_snap"
/* the start of a backup mark's snapshot name: kept between backups for
 * RBD's diff, removed with the volume */
#define NOVA_RBD_MARK_PREFIX "nova-backup-"

G_END_DECLS
