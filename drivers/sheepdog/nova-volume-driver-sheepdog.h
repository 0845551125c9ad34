/* nova-volume: the "sheepdog" driver, the seed's SheepdogDriver: each
 * volume a VDI of a Sheepdog cluster, driven through the dog command
 * (NovaDog); hypervisors reach the VDI themselves (connection_info
 * {driver_volume_type: sheepdog, data: {name, hosts, ports}}). */
#pragma once

#include "nova-volume-driver.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_SHEEPDOG_DRIVER (nova_volume_sheepdog_driver_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeSheepdogDriver, nova_volume_sheepdog_driver, NOVA_VOLUME, SHEEPDOG_DRIVER, GObject)

G_END_DECLS
