/* nova-volume: the stats every driver's get_volume_stats reports, built in
 * one place, so the keys and their types are the same whatever the
 * driver (the Backend objects and GetVolumeStats read them). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *backend_name;      /* volume_backend_name */
  const char *storage_protocol;  /* local, iSCSI, ceph, sheepdog, AoE, ... */
  gboolean    thin;              /* thin_provisioning_support */
  gboolean    capacity_known;    /* FALSE: no total/free (a Ceph without mgr) */
  guint64     total;             /* total_capacity, bytes */
  guint64     free;              /* free_capacity, bytes */
  gboolean    provisioned_known; /* FALSE: no provisioned_capacity */
  guint64     provisioned;       /* provisioned_capacity, bytes */
  gboolean    pool_known;        /* a thin pool whose use is known: */
  double      pool_data_percent;     /* thin_pool_data_percent, 0..100 */
  double      pool_metadata_percent; /* thin_pool_metadata_percent, 0..100 */
  gboolean    multiattach;       /* multiattach: a volume may be attached to several instances */
  /* read_only_attachments: what an attachment in mode ro gets: "enforced"
   * (the target refuses that host's writes), "advisory" (access_mode in
   * connection_info only: the host must honour it), NULL: none (refused) */
  const char *read_only_attachments;
} NovaVolumeStats;

/* Starts @builder as an a{sv} holding @stats and the keys every driver
 * reports alike: vendor_name "Open Source", driver_version (this
 * release), reserved_percentage 0. The driver adds its own keys
 * (volume_count, pool_name, ...) and ends it. */
void nova_volume_stats_builder_init (GVariantBuilder *builder, const NovaVolumeStats *stats);

G_END_DECLS
