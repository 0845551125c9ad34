/* nova-volume: the "aoe" driver (the seed's AOEDriver): LVM volumes
 * (NovaLvmDriver) exported over ATA-over-Ethernet, one vblade process per
 * volume on aoe_eth_dev, at shelf aoe_shelf and a blade (slot) the store
 * allocates. */
#pragma once

#include "nova-volume-aoe-probe.h"
#include "nova-volume-aoe-processes.h"
#include "nova-volume-lvm-driver.h"

G_BEGIN_DECLS

/* the store's number space for blades */
#define NOVA_AOE_BLADE_NUMBER_KIND "aoe-blade"

#define NOVA_VOLUME_TYPE_AOE_DRIVER (nova_volume_aoe_driver_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeAoeDriver, nova_volume_aoe_driver, NOVA_VOLUME, AOE_DRIVER, NovaLvmDriver)

/* For tests: a driver working through @lvm, @processes and @probe
 * instead of libblockdev, real vblades and an AF_PACKET socket. */
NovaVolumeDriver *nova_volume_aoe_driver_new_with (NovaLvm *lvm, NovaAoeProcesses *processes,
                                                   NovaAoeProbeFunc probe, gpointer probe_data);

G_END_DECLS
