/* nova-volume: the "lvm-iscsi" driver, the seed's ISCSIDriver: logical
 * volumes in volume_group (thick, or thin in <volume_group>-pool),
 * exported over iSCSI by a target helper (tgtadm or lioadm) with CHAP and
 * one node ACL per connected initiator. */
#pragma once

#include "nova-volume-iscsi-target.h"
#include "nova-volume-lvm-driver.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_LVM_ISCSI_DRIVER (nova_volume_lvm_iscsi_driver_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeLvmIscsiDriver, nova_volume_lvm_iscsi_driver, NOVA_VOLUME, LVM_ISCSI_DRIVER, NovaLvmDriver)

/* For tests: a driver working through @lvm and @target instead of
 * libblockdev and the configured iscsi_helper. */
NovaVolumeDriver *nova_volume_lvm_iscsi_driver_new_with (NovaLvm *lvm, NovaIscsiTarget *target);

G_END_DECLS
