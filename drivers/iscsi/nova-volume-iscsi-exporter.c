/* nova-volume: iSCSI export bookkeeping shared by the LVM + iSCSI drivers */
#include "config.h"

#include "nova-volume-error.h"
#include "nova-volume-iscsi-exporter.h"
#include "nova-volume-iscsi-location.h"

static const char *
check_iqn_prefix (const char *value)
{
  if (!g_str_has_prefix (value, "iqn.") && !g_str_has_prefix (value, "eui.")
      && !g_str_has_prefix (value, "naa."))
    return "must start with iqn., eui. or naa.";
  return nova_volume_check_no_space (value);
}

static const char *const iscsi_helpers[] = { "tgtadm", "lioadm", NULL };

/* the keys of every driver that exports over iSCSI */
const NovaVolumeConfigKey nova_volume_iscsi_config_keys[] = {
  { "iscsi_target_prefix", NOVA_VOLUME_KEY_STRING, "iqn.2010-10.org.openstack:", 0, 0, NULL, check_iqn_prefix,
    "Prefix of the iSCSI target names (IQN); the volume name follows it." },
  { "iscsi_ip_address", NOVA_VOLUME_KEY_STRING, "127.0.0.1", 0, 0, NULL, nova_volume_check_ip_address,
    "IP address initiators use to reach the iSCSI targets of this host." },
  { "iscsi_port", NOVA_VOLUME_KEY_INT, "3260", 1, 65535, NULL, NULL,
    "TCP port of the iSCSI portal." },
  { "iscsi_num_targets", NOVA_VOLUME_KEY_INT, "100", 1, 65535, NULL, NULL,
    "Number of iSCSI target ids this host allocates; an export beyond them fails." },
  { "iscsi_helper", NOVA_VOLUME_KEY_ENUM, "tgtadm", 0, 0, iscsi_helpers, NULL,
    "Tool that exports iSCSI targets: tgtadm (userspace tgt) or lioadm (kernel LIO)." },
  NOVA_VOLUME_CONFIG_KEYS_END
};

struct _NovaIscsiExporter {
  GObject                  parent_instance;

  /* all set at construction and never changed */
  NovaIscsiTarget         *target;
  NovaVolumeLedger        *ledger;
  NovaVolumeConfig        *config;
  NovaIscsiBackingPathFunc backing_path;
  gpointer                 backing_path_data;
  char                    *target_prefix;
  char                    *ip;
  gint64                   port;
  guint                    num_targets;
};

G_DEFINE_FINAL_TYPE (NovaIscsiExporter, nova_iscsi_exporter, G_TYPE_OBJECT)

static char *
target_iqn (NovaIscsiExporter *self, const char *volume_id)
{
  g_autofree char *name = nova_volume_config_volume_name (self->config, volume_id);

  return g_strconcat (self->target_prefix, name, NULL);
}

/* What the target helper needs for @volume; strings owned by @storage. */
typedef struct {
  NovaIscsiExport export;
  char           *iqn;
  char           *path;
  char           *user;
  char           *secret;
} ExportSpec;

static void
export_spec_clear (ExportSpec *spec)
{
  g_free (spec->iqn);
  g_free (spec->path);
  g_free (spec->user);
  g_free (spec->secret);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExportSpec, export_spec_clear)

static void
export_spec_init (NovaIscsiExporter *self, const NovaVolumeRecord *volume, guint tid, ExportSpec *spec)
{
  spec->iqn = target_iqn (self, volume->id);
  spec->path = self->backing_path (volume->id, self->backing_path_data);
  nova_iscsi_auth_parse (volume->provider_auth, NULL, &spec->user, &spec->secret);
  spec->export.iqn = spec->iqn;
  spec->export.tid = tid;
  spec->export.backing_path = spec->path;
  spec->export.chap_user = spec->user;
  spec->export.chap_secret = spec->secret;
}

/* The volume's target number from the store, when it holds one. */
static gboolean
lookup_tid (NovaIscsiExporter *self, const NovaVolumeRecord *volume, guint *tid, gboolean *found,
            GError **error)
{
  return nova_volume_ledger_lookup_number (self->ledger, NOVA_ISCSI_TARGET_NUMBER_KIND, volume->id, tid, found,
                                          error);
}

/* The export @volume holds: *held, and @spec filled for its target
 * number when it holds one (an export once made, not removed since). */
static gboolean
held_export (NovaIscsiExporter *self, const NovaVolumeRecord *volume, ExportSpec *spec, gboolean *held,
             GError **error)
{
  guint tid = 0;

  *held = FALSE;
  if (!lookup_tid (self, volume, &tid, held, error))
    return FALSE;
  if (*held)
    export_spec_init (self, volume, tid, spec);
  return TRUE;
}

gboolean
nova_iscsi_exporter_create_export (NovaIscsiExporter *self, NovaVolumeRecord *volume, GError **error)
{
  g_auto(ExportSpec) spec = { 0 };
  g_autofree char *location = NULL;
  gboolean held = FALSE;
  guint tid = 0;

  g_return_val_if_fail (NOVA_IS_ISCSI_EXPORTER (self), FALSE);

  if (!lookup_tid (self, volume, &tid, &held, error))
    return FALSE;
  if (!held && !nova_volume_ledger_allocate_number (self->ledger, NOVA_ISCSI_TARGET_NUMBER_KIND, volume->id, 1,
                                                   self->num_targets, &tid, error))
    return FALSE;
  if (!nova_iscsi_auth_parse (volume->provider_auth, NULL, NULL, NULL))
    {
      g_autofree char *auth = nova_iscsi_auth_generate ();
      nova_record_set_string (&volume->provider_auth, auth);
    }

  export_spec_init (self, volume, tid, &spec);
  if (!nova_iscsi_target_ensure_export (self->target, &spec.export, error))
    {
      /* a number this call took goes back; one held before stays */
      if (!held)
        nova_volume_ledger_release_number (self->ledger, NOVA_ISCSI_TARGET_NUMBER_KIND, volume->id, NULL);
      return FALSE;
    }
  location = nova_iscsi_location_format (self->ip, self->port, tid, spec.iqn,
                                         (gint32) nova_iscsi_target_get_lun (self->target));
  nova_record_set_string (&volume->provider_location, location);
  return TRUE;
}

/* After a reboot or a restart of the target daemon: the target again,
 * with the number and the credentials the store kept. */
gboolean
nova_iscsi_exporter_ensure_export (NovaIscsiExporter *self, const NovaVolumeRecord *volume, GError **error)
{
  g_auto(ExportSpec) spec = { 0 };
  gboolean held = FALSE;

  g_return_val_if_fail (NOVA_IS_ISCSI_EXPORTER (self), FALSE);

  if (!held_export (self, volume, &spec, &held, error))
    return FALSE;
  /* never exported: nothing to make again */
  return !held || nova_iscsi_target_ensure_export (self->target, &spec.export, error);
}

gboolean
nova_iscsi_exporter_remove_export (NovaIscsiExporter *self, const NovaVolumeRecord *volume, GError **error)
{
  g_auto(ExportSpec) spec = { 0 };
  gboolean held = FALSE;

  g_return_val_if_fail (NOVA_IS_ISCSI_EXPORTER (self), FALSE);

  if (!held_export (self, volume, &spec, &held, error))
    return FALSE;
  return !held
         || (nova_iscsi_target_remove_export (self->target, &spec.export, error)
             && nova_volume_ledger_release_number (self->ledger, NOVA_ISCSI_TARGET_NUMBER_KIND, volume->id, error));
}

/* The volume grew: its LUN shows the new size to hosts that rescan */
gboolean
nova_iscsi_exporter_refresh_export (NovaIscsiExporter *self, const NovaVolumeRecord *volume, GError **error)
{
  g_auto(ExportSpec) spec = { 0 };
  gboolean held = FALSE;

  g_return_val_if_fail (NOVA_IS_ISCSI_EXPORTER (self), FALSE);

  if (!held_export (self, volume, &spec, &held, error))
    return FALSE;
  return !held || nova_iscsi_target_refresh_size (self->target, &spec.export, error);
}

gboolean
nova_iscsi_exporter_check_for_export (NovaIscsiExporter *self, const NovaVolumeRecord *volume, GError **error)
{
  g_auto(ExportSpec) spec = { 0 };
  gboolean held = FALSE, exists = FALSE;

  g_return_val_if_fail (NOVA_IS_ISCSI_EXPORTER (self), FALSE);

  if (!held_export (self, volume, &spec, &held, error))
    return FALSE;
  if (held && !nova_iscsi_target_export_exists (self->target, &spec.export, &exists, error))
    return FALSE;
  if (!exists)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "volume %s is not exported (no iSCSI target %s); restarting nova-volumed brings "
                   "exports back", volume->id, spec.iqn != NULL ? spec.iqn : "was ever made");
      return FALSE;
    }
  return TRUE;
}

/* iSCSI needs the host's initiator name: it is what the target lets in. */
static const char *
connector_initiator (GVariant *connector, GError **error)
{
  const char *initiator = NULL;

  if (!g_variant_lookup (connector, "initiator", "&s", &initiator) || *initiator == '\0')
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "an iSCSI connection needs the host's initiator name: give 'initiator' "
                           "(the InitiatorName of /etc/iscsi/initiatorname.iscsi) in the connector");
      return NULL;
    }
  return initiator;
}

GVariant *
nova_iscsi_exporter_initialize_connection (NovaIscsiExporter *self, const NovaVolumeRecord *volume,
                                           GVariant *connector, GError **error)
{
  g_auto(ExportSpec) spec = { 0 };
  g_autofree char *portal = NULL;
  g_autofree char *iqn = NULL;
  const char *initiator = NULL;
  const char *mode = NULL;
  gint32 lun = 0;
  guint tid = 0;

  g_return_val_if_fail (NOVA_IS_ISCSI_EXPORTER (self), NULL);

  if ((initiator = connector_initiator (connector, error)) == NULL)
    return NULL;
  if (!nova_iscsi_location_parse (volume->provider_location, &portal, &tid, &iqn, &lun))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_STATE,
                   "volume %s has no iSCSI export to connect to", volume->id);
      return NULL;
    }
  export_spec_init (self, volume, tid, &spec);
  if (!nova_iscsi_target_allow_initiator (self->target, &spec.export, initiator, error))
    return NULL;
  /* the manager's access_mode: ro for a host whose attachment reads only */
  if (!g_variant_lookup (connector, "access_mode", "&s", &mode))
    mode = "rw";
  if (!nova_iscsi_target_set_read_only (self->target, &spec.export, initiator, g_str_equal (mode, "ro"), error))
    return NULL;
  return nova_iscsi_connection_info (portal, iqn, lun, volume->id, volume->provider_auth);
}

gboolean
nova_iscsi_exporter_terminate_connection (NovaIscsiExporter *self, const NovaVolumeRecord *volume,
                                          GVariant *connector, GError **error)
{
  g_auto(ExportSpec) spec = { 0 };
  const char *initiator = NULL;
  guint tid = 0;

  g_return_val_if_fail (NOVA_IS_ISCSI_EXPORTER (self), FALSE);

  /* a host that never gave an initiator was never let in */
  if (!g_variant_lookup (connector, "initiator", "&s", &initiator) || *initiator == '\0')
    return TRUE;
  if (!nova_iscsi_location_parse (volume->provider_location, NULL, &tid, NULL, NULL))
    return TRUE;
  export_spec_init (self, volume, tid, &spec);
  return nova_iscsi_target_deny_initiator (self->target, &spec.export, initiator, error);
}

/* the object */

static void
nova_iscsi_exporter_finalize (GObject *object)
{
  NovaIscsiExporter *self = NOVA_ISCSI_EXPORTER (object);

  g_clear_object (&self->target);
  g_clear_object (&self->ledger);
  g_clear_object (&self->config);
  g_free (self->target_prefix);
  g_free (self->ip);

  G_OBJECT_CLASS (nova_iscsi_exporter_parent_class)->finalize (object);
}

static void
nova_iscsi_exporter_class_init (NovaIscsiExporterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_iscsi_exporter_finalize;
}

static void
nova_iscsi_exporter_init (NovaIscsiExporter *self)
{
}

NovaIscsiExporter *
nova_iscsi_exporter_new (NovaIscsiTarget         *target,
                         NovaVolumeLedger        *ledger,
                         NovaVolumeConfig        *config,
                         NovaIscsiBackingPathFunc backing_path,
                         gpointer                 user_data)
{
  NovaIscsiExporter *self;

  g_return_val_if_fail (NOVA_IS_ISCSI_TARGET (target), NULL);
  g_return_val_if_fail (NOVA_VOLUME_IS_LEDGER (ledger), NULL);
  g_return_val_if_fail (NOVA_VOLUME_IS_CONFIG (config), NULL);
  g_return_val_if_fail (backing_path != NULL, NULL);

  self = g_object_new (NOVA_TYPE_ISCSI_EXPORTER, NULL);
  self->target = g_object_ref (target);
  self->ledger = g_object_ref (ledger);
  self->config = g_object_ref (config);
  self->backing_path = backing_path;
  self->backing_path_data = user_data;
  self->target_prefix = g_strdup (nova_volume_config_get_string (config, "iscsi_target_prefix"));
  self->ip = g_strdup (nova_volume_config_get_string (config, "iscsi_ip_address"));
  self->port = nova_volume_config_get_int (config, "iscsi_port");
  /* the config keeps it within 1..65535 */
  self->num_targets = (guint) nova_volume_config_get_int (config, "iscsi_num_targets");
  return self;
}

NovaIscsiTarget *
nova_iscsi_exporter_get_target (NovaIscsiExporter *self)
{
  g_return_val_if_fail (NOVA_IS_ISCSI_EXPORTER (self), NULL);
  return self->target;
}
