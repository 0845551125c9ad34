/* nova-volume: the "lvm-iscsi" driver (the seed's ISCSIDriver).
 *
 * The volumes are NovaLvmDriver's (logical volumes in volume_group, thick
 * or thin, cleared before they go). This class adds the iSCSI exports:
 * the target number comes from the store (allocated in a transaction,
 * "iscsi-target", 1..iscsi_num_targets), the CHAP credentials are made
 * once per volume and kept in provider_auth, and each connected host's
 * initiator gets its own access rule (NovaIscsiExporter). */
#include "config.h"

#include <gmodule.h>

#include "nova-volume-driver-lvm-iscsi.h"
#include "nova-volume-error.h"
#include "nova-volume-iscsi-exporter.h"
#include "nova-volume-iscsi-lio.h"
#include "nova-volume-iscsi-tgtadm.h"

struct _NovaVolumeLvmIscsiDriver {
  NovaLvmDriver      parent_instance;
  NovaIscsiTarget   *target;
  NovaIscsiExporter *exporter;    /* target numbers, CHAP, access rules */
};

G_DEFINE_FINAL_TYPE (NovaVolumeLvmIscsiDriver, nova_volume_lvm_iscsi_driver, NOVA_TYPE_LVM_DRIVER)

/* iscsi_helper: tgtadm drives the running tgtd through its default
 * control socket; lioadm writes the kernel's configfs. */
static NovaIscsiTarget *
make_target_helper (NovaVolumeDriverContext *ctx)
{
  const char *helper = nova_volume_config_get_string (ctx->config, "iscsi_helper");

  if (g_str_equal (helper, "lioadm"))
    return NOVA_ISCSI_TARGET (nova_iscsi_lio_new ("/sys/kernel/config",
                                                  nova_volume_config_get_string (ctx->config, "iscsi_ip_address"),
                                                  (guint) nova_volume_config_get_int (ctx->config, "iscsi_port")));
  return nova_iscsi_tgtadm_new (ctx->executor, NULL);
}

/* the LUN of a volume's target: its logical volume */
static char *
export_backing_path (const char *volume_id, gpointer user_data)
{
  return nova_lvm_driver_volume_path (NOVA_LVM_DRIVER (user_data), volume_id);
}

static gboolean
nova_volume_lvm_iscsi_driver_setup_exports (NovaLvmDriver *driver, NovaVolumeDriverContext *ctx, GError **error)
{
  NovaVolumeLvmIscsiDriver *self = NOVA_VOLUME_LVM_ISCSI_DRIVER (driver);

  if (self->target == NULL)
    self->target = make_target_helper (ctx);
  g_clear_object (&self->exporter);
  self->exporter = nova_iscsi_exporter_new (self->target, ctx->ledger, ctx->config, export_backing_path, self);
  return TRUE;
}

static gboolean
nova_volume_lvm_iscsi_driver_create_export (NovaLvmDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  return nova_iscsi_exporter_create_export (NOVA_VOLUME_LVM_ISCSI_DRIVER (driver)->exporter, volume, error);
}

static gboolean
nova_volume_lvm_iscsi_driver_ensure_export (NovaLvmDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  return nova_iscsi_exporter_ensure_export (NOVA_VOLUME_LVM_ISCSI_DRIVER (driver)->exporter, volume, error);
}

static gboolean
nova_volume_lvm_iscsi_driver_remove_export (NovaLvmDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  return nova_iscsi_exporter_remove_export (NOVA_VOLUME_LVM_ISCSI_DRIVER (driver)->exporter, volume, error);
}

static gboolean
nova_volume_lvm_iscsi_driver_refresh_export (NovaLvmDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  return nova_iscsi_exporter_refresh_export (NOVA_VOLUME_LVM_ISCSI_DRIVER (driver)->exporter, volume, error);
}

static gboolean
nova_volume_lvm_iscsi_driver_check_for_export (NovaLvmDriver *driver, const NovaVolumeRecord *volume,
                                               GError **error)
{
  return nova_iscsi_exporter_check_for_export (NOVA_VOLUME_LVM_ISCSI_DRIVER (driver)->exporter, volume, error);
}

static GVariant *
nova_volume_lvm_iscsi_driver_initialize_connection (NovaLvmDriver *driver, const NovaVolumeRecord *volume,
                                                    GVariant *connector, GError **error)
{
  return nova_iscsi_exporter_initialize_connection (NOVA_VOLUME_LVM_ISCSI_DRIVER (driver)->exporter, volume,
                                                    connector, error);
}

static gboolean
nova_volume_lvm_iscsi_driver_terminate_connection (NovaLvmDriver *driver, const NovaVolumeRecord *volume,
                                                   GVariant *connector, GError **error)
{
  return nova_iscsi_exporter_terminate_connection (NOVA_VOLUME_LVM_ISCSI_DRIVER (driver)->exporter, volume,
                                                   connector, error);
}

/* LIO write-protects one initiator's mapped LUN; tgt has one LUN for all */
static const char *
nova_volume_lvm_iscsi_driver_read_only_attachments (NovaLvmDriver *driver)
{
  return NOVA_IS_ISCSI_LIO (NOVA_VOLUME_LVM_ISCSI_DRIVER (driver)->target) ? "enforced" : NULL;
}

static void
nova_volume_lvm_iscsi_driver_finalize (GObject *object)
{
  NovaVolumeLvmIscsiDriver *self = NOVA_VOLUME_LVM_ISCSI_DRIVER (object);

  g_clear_object (&self->exporter);
  g_clear_object (&self->target);
  G_OBJECT_CLASS (nova_volume_lvm_iscsi_driver_parent_class)->finalize (object);
}

static void
nova_volume_lvm_iscsi_driver_class_init (NovaVolumeLvmIscsiDriverClass *klass)
{
  NovaLvmDriverClass *lvm_class = NOVA_LVM_DRIVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = nova_volume_lvm_iscsi_driver_finalize;
  lvm_class->name = "lvm-iscsi";
  lvm_class->storage_protocol = "iSCSI";
  lvm_class->setup_exports = nova_volume_lvm_iscsi_driver_setup_exports;
  lvm_class->create_export = nova_volume_lvm_iscsi_driver_create_export;
  lvm_class->ensure_export = nova_volume_lvm_iscsi_driver_ensure_export;
  lvm_class->remove_export = nova_volume_lvm_iscsi_driver_remove_export;
  lvm_class->check_for_export = nova_volume_lvm_iscsi_driver_check_for_export;
  lvm_class->initialize_connection = nova_volume_lvm_iscsi_driver_initialize_connection;
  lvm_class->terminate_connection = nova_volume_lvm_iscsi_driver_terminate_connection;
  lvm_class->refresh_export = nova_volume_lvm_iscsi_driver_refresh_export;
  lvm_class->read_only_attachments = nova_volume_lvm_iscsi_driver_read_only_attachments;
}

static void
nova_volume_lvm_iscsi_driver_init (NovaVolumeLvmIscsiDriver *self)
{
}

NovaVolumeDriver *
nova_volume_lvm_iscsi_driver_new_with (NovaLvm *lvm, NovaIscsiTarget *target)
{
  NovaVolumeLvmIscsiDriver *self = g_object_new (NOVA_VOLUME_TYPE_LVM_ISCSI_DRIVER, NULL);

  nova_lvm_driver_set_lvm (NOVA_LVM_DRIVER (self), lvm);
  self->target = g_object_ref (target);
  return NOVA_VOLUME_DRIVER (self);
}

/* what the registry and the configuration know of this driver */
static const char *const lvm_iscsi_aliases[] = { "nova.volume.driver.ISCSIDriver", NULL };
static const NovaVolumeConfigKey *const lvm_iscsi_key_tables[] = { nova_volume_lvm_config_keys, nova_volume_iscsi_config_keys, NULL };
static const NovaVolumeDriverInfo lvm_iscsi_info = {
  .name = "lvm-iscsi",
  .aliases = lvm_iscsi_aliases,
  .get_type = nova_volume_lvm_iscsi_driver_get_type,
  .keys = lvm_iscsi_key_tables,
};

NOVA_VOLUME_DRIVER_MODULE (lvm_iscsi_info)
