/* nova-volume: the stats every driver reports (see the header) */
#include "config.h"

#include "nova-volume-stats.h"

void
nova_volume_stats_builder_init (GVariantBuilder *builder, const NovaVolumeStats *stats)
{
  g_variant_builder_init (builder, G_VARIANT_TYPE_VARDICT);
  if (stats->capacity_known)
    {
      g_variant_builder_add (builder, "{sv}", "total_capacity", g_variant_new_uint64 (stats->total));
      g_variant_builder_add (builder, "{sv}", "free_capacity", g_variant_new_uint64 (stats->free));
    }
  if (stats->provisioned_known)
    g_variant_builder_add (builder, "{sv}", "provisioned_capacity", g_variant_new_uint64 (stats->provisioned));
  g_variant_builder_add (builder, "{sv}", "storage_protocol", g_variant_new_string (stats->storage_protocol));
  g_variant_builder_add (builder, "{sv}", "volume_backend_name", g_variant_new_string (stats->backend_name));
  g_variant_builder_add (builder, "{sv}", "vendor_name", g_variant_new_string ("Open Source"));
  g_variant_builder_add (builder, "{sv}", "driver_version", g_variant_new_string (PACKAGE_VERSION));
  g_variant_builder_add (builder, "{sv}", "reserved_percentage", g_variant_new_uint32 (0));
  g_variant_builder_add (builder, "{sv}", "thin_provisioning_support", g_variant_new_boolean (stats->thin));
  g_variant_builder_add (builder, "{sv}", "multiattach", g_variant_new_boolean (stats->multiattach));
  g_variant_builder_add (builder, "{sv}", "read_only_attachments",
                         g_variant_new_string (stats->read_only_attachments != NULL ? stats->read_only_attachments
                                                                                     : "none"));
  if (stats->pool_known)
    {
      g_variant_builder_add (builder, "{sv}", "thin_pool_data_percent", g_variant_new_double (stats->pool_data_percent));
      g_variant_builder_add (builder, "{sv}", "thin_pool_metadata_percent",
                             g_variant_new_double (stats->pool_metadata_percent));
    }
}
