/* nova-volume: the checks several operations share: the snapshots of a
 * volume (delete, migrate), whether a driver refused a delete, an available
 * snapshot and its volume (create from it, copy it out), the free space and a volume type's extra specs
 * on a backend (create, extend, migrate). */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"
#include "nova-volume-size.h"

/* a message names this many snapshots at most */
#define SNAPSHOTS_NAMED 10

guint
manager_count_snapshots_of (NovaVolumeManager *self, const char *volume_id, GString *ids)
{
  GHashTable *set = manager_snapshot_ids_of (self, volume_id);
  guint n = set != NULL ? g_hash_table_size (set) : 0;
  GHashTableIter iter;
  gpointer id;
  guint named = 0;

  if (set == NULL)
    return 0;
  g_hash_table_iter_init (&iter, set);
  while (ids != NULL && named < SNAPSHOTS_NAMED && g_hash_table_iter_next (&iter, &id, NULL))
    {
      g_string_append_printf (ids, "%s%s", ids->len > 0 ? ", " : "", (const char *) id);
      named++;
    }
  if (ids != NULL && n > named)
    g_string_append_printf (ids, " and %u more", n - named);
  return n;
}

/* The capability a type's extra spec asks for, against the backend's
 * stats: NULL when it matches, else what is missing */
static char *
type_mismatch (const NovaVolumeType *type, GVariant *stats)
{
  const char *wanted;
  gboolean thin = FALSE;
  const char *protocol = NULL;

  wanted = g_hash_table_lookup (type->specs, "thin");
  if (wanted != NULL && g_str_equal (wanted, "true")
      && !(g_variant_lookup (stats, "thin_provisioning_support", "b", &thin) && thin))
    return g_strdup ("thin = true, and the backend does not provision thinly");
  wanted = g_hash_table_lookup (type->specs, "multiattach");
  if (wanted != NULL && g_str_equal (wanted, "true"))
    return g_strdup ("multiattach = true, and the backend cannot attach a volume to several hosts");
  wanted = g_hash_table_lookup (type->specs, "storage_protocol");
  if (wanted != NULL && !(g_variant_lookup (stats, "storage_protocol", "&s", &protocol)
                          && g_ascii_strcasecmp (protocol, wanted) == 0))
    return g_strdup_printf ("storage_protocol = %s, and the backend's is %s", wanted,
                            protocol != NULL ? protocol : "unknown");
  return NULL;
}

static double
over_subscription_ratio (NovaVolumeConfig *config)
{
  return g_ascii_strtod (nova_volume_config_get_string (config, "max_over_subscription_ratio"), NULL);
}

GVariant *
manager_stats_with_policy (NovaVolumeBackend *backend, GVariant *stats)
{
  NovaVolumeConfig *config = nova_volume_backend_get_config (backend);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (!g_str_equal (key, "reserved_percentage") && !g_str_equal (key, "max_over_subscription_ratio"))
        g_variant_builder_add (&builder, "{sv}", key, value);
      g_variant_unref (value);
    }
  g_variant_builder_add (&builder, "{sv}", "reserved_percentage",
                         g_variant_new_uint32 ((guint32) nova_volume_config_get_int (config, "reserved_percentage")));
  g_variant_builder_add (&builder, "{sv}", "max_over_subscription_ratio",
                         g_variant_new_double (over_subscription_ratio (config)));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Cinder's capacity rules: a thick backend needs the bytes free beyond its
 * reserve; a thin one takes nothing at creation, so it needs free space
 * beyond the reserve and room under max_over_subscription_ratio times its
 * capacity for all its volumes' sizes (provisioned, as the store counts
 * them), the new one's included. @consumed: bytes a thick backend gave
 * since @stats were read. */
static gboolean
check_capacity (NovaVolumeBackend *on, GVariant *stats, guint64 needed, guint64 consumed, GError **error)
{
  NovaVolumeConfig *config = nova_volume_backend_get_config (on);
  const char *backend = nova_volume_backend_get_name (on);
  gint64 percent = nova_volume_config_get_int (config, "reserved_percentage");
  guint64 free_bytes, total = 0, reserved;
  gboolean thin = FALSE;
  g_autofree char *needed_text = nova_volume_size_format (needed);

  if (!g_variant_lookup (stats, "free_capacity", "t", &free_bytes))
    return TRUE; /* the driver cannot tell: let it refuse by itself */
  g_variant_lookup (stats, "total_capacity", "t", &total);
  g_variant_lookup (stats, "thin_provisioning_support", "b", &thin);
  if (!thin)
    free_bytes = free_bytes > consumed ? free_bytes - consumed : 0;
  reserved = total / 100 * (guint64) percent + total % 100 * (guint64) percent / 100;
  if (thin)
    {
      double ratio = over_subscription_ratio (config);
      guint64 provisioned = nova_volume_backend_get_provisioned (on);
      double allowed = ratio * (double) total;

      if (free_bytes <= reserved)
        {
          g_autofree char *free_text = nova_volume_size_format (free_bytes);
          g_autofree char *reserved_text = nova_volume_size_format (reserved);

          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
                       "not enough space: the %s backend has %s free, and %s (reserved_percentage %d) is kept free; "
                       "free space there or delete volumes", backend, free_text, reserved_text, (int) percent);
          return FALSE;
        }
      if ((double) provisioned + (double) needed > allowed)
        {
          g_autofree char *provisioned_text = nova_volume_size_format (provisioned);
          g_autofree char *total_text = nova_volume_size_format (total);

          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
                       "not enough space: %s requested, and the thin %s backend already provisions %s of the %g "
                       "times its %s that max_over_subscription_ratio allows", needed_text, backend,
                       provisioned_text, ratio, total_text);
          return FALSE;
        }
      return TRUE;
    }
  if (free_bytes >= reserved && needed <= free_bytes - reserved)
    return TRUE;
  {
    g_autofree char *free_text = nova_volume_size_format (free_bytes);
    g_autofree char *reserved_text = nova_volume_size_format (reserved);

    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
                 "not enough space: %s requested, %s free in the %s backend%s%s%s", needed_text, free_text, backend,
                 reserved > 0 ? ", of which " : "", reserved > 0 ? reserved_text : "",
                 reserved > 0 ? " is kept free (reserved_percentage)" : "");
  }
  return FALSE;
}

/* the checks of a create on backend @on with @stats */
static gboolean
check_stats (NovaVolumeManager *self, NovaVolumeBackend *on, GVariant *stats, guint64 needed, guint64 consumed,
             const char *volume_type, gboolean multiattach, GError **error)
{
  gboolean shares = FALSE;
  const char *backend = nova_volume_backend_get_name (on);
  const NovaVolumeType *type = volume_type != NULL
                               ? nova_volume_config_lookup_type (self->config, volume_type) : NULL;

  /* Cinder's capability key: whether the backend may share a volume */
  if (multiattach && !(g_variant_lookup (stats, "multiattach", "b", &shares) && shares))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                   "backend '%s' (the %s driver) cannot share a volume between instances (multiattach)", backend,
                   nova_volume_backend_get_driver_name (on));
      return FALSE;
    }
  if (type != NULL)
    {
      g_autofree char *mismatch = type_mismatch (type, stats);

      if (mismatch != NULL)
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "volume type '%s' does not match its backend '%s': the type asks %s",
                       type->name, backend, mismatch);
          return FALSE;
        }
    }
  return check_capacity (on, stats, needed, consumed, error);
}

gboolean
manager_check_free_space (NovaVolumeManager *self, NovaVolumeBackend *on, guint64 needed,
                          const char *volume_type, gboolean multiattach, GError **error)
{
  g_autoptr(GVariant) stats = nova_volume_driver_get_volume_stats (nova_volume_backend_get_driver (on), TRUE,
                                                                   error);

  return stats != NULL && check_stats (self, on, stats, needed, 0, volume_type, multiattach, error);
}

gboolean
manager_free_space_known (NovaVolumeManager *self, NovaVolumeBackend *on, guint64 needed,
                          const char *volume_type, gboolean multiattach)
{
  gint64 interval = nova_volume_config_get_int (self->config, "backend_stats_interval");
  GVariant *stats = NULL;
  guint64 consumed = 0;

  return interval > 0
         && nova_volume_backend_get_recent_stats (on, interval * G_USEC_PER_SEC, &stats, &consumed)
         && check_stats (self, on, stats, needed, consumed, volume_type, multiattach, NULL);
}

void
manager_op_mark_stats_read (Op *op)
{
  op->stats_read_at = g_get_monotonic_time ();
  op->stats_provisioned = nova_volume_backend_get_provisioned (op->backend);
}

gboolean
manager_delete_refused (const GError *error)
{
  return g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY);
}

const NovaVolumeRecord *
manager_op_take_available_snapshot (Op *op, const char *doing)
{
  const NovaSnapshotRecord *snapshot = nova_volume_manager_lookup_snapshot (op->self, op->snapshot_id);
  const NovaVolumeRecord *parent;

  if (snapshot == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "snapshot %s not found", op->snapshot_id);
      return NULL;
    }
  if (snapshot->status != NOVA_SNAPSHOT_STATUS_AVAILABLE)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE, "cannot %s snapshot %s: it is %s, not available", doing,
                       snapshot->id, nova_snapshot_status_to_string (snapshot->status));
      return NULL;
    }
  parent = nova_volume_manager_lookup_volume (op->self, snapshot->volume_id);
  if (parent == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND, "the volume of snapshot %s is gone", snapshot->id);
      return NULL;
    }
  op->snapshot = nova_snapshot_record_copy (snapshot);
  return parent;
}

gboolean
manager_check_metadata (GHashTable *metadata, GError **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (metadata == NULL)
    return TRUE;
  if (g_hash_table_size (metadata) > METADATA_MAX_ITEMS)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "metadata has %u items; at most %d are allowed",
                   g_hash_table_size (metadata), METADATA_MAX_ITEMS);
      return FALSE;
    }
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (*(const char *) key == '\0')
        {
          g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                               "metadata keys may not be empty");
          return FALSE;
        }
      if (!manager_check_text ("metadata key", key, METADATA_MAX_LEN, error)
          || !manager_check_text ("metadata value", value, METADATA_MAX_LEN, error))
        return FALSE;
    }
  return TRUE;
}
