/* nova-volume: the export bookkeeping every LVM + iSCSI driver does the
 * same way (lvm-iscsi, and fake, which records its commands): one target
 * per volume, its number from the store (allocated in a transaction,
 * "iscsi-target", 1..iscsi_num_targets, so it survives a restart and two
 * exports never get one number), CHAP credentials made once per volume
 * and kept in provider_auth, provider_location in the seed's format, and
 * one access rule per connected host's initiator, all carried out by a
 * target helper (tgtadm or lioadm). Each call is one driver method's
 * export part; the driver adds what is its own (checking ids, ...).
 *
 * The target name is iscsi_target_prefix followed by the volume name
 * (volume_name_template); the LUN's backing path is the driver's, asked
 * for through a callback. Safe to use from many threads at once. */
#pragma once

#include "nova-volume-config.h"
#include "nova-volume-iscsi-target.h"
#include "nova-volume-record.h"
#include "nova-volume-ledger.h"

#include "nova-volume-config-key.h"

G_BEGIN_DECLS

/* The store's number space for target numbers. */
#define NOVA_ISCSI_TARGET_NUMBER_KIND "iscsi-target"

/* The block device (or file) that backs @volume_id's LUN, newly
 * allocated. */
typedef char *(*NovaIscsiBackingPathFunc) (const char *volume_id, gpointer user_data);

#define NOVA_TYPE_ISCSI_EXPORTER (nova_iscsi_exporter_get_type ())
G_DECLARE_FINAL_TYPE (NovaIscsiExporter, nova_iscsi_exporter, NOVA, ISCSI_EXPORTER, GObject)

/* @config: iscsi_target_prefix, iscsi_ip_address, iscsi_port,
 * iscsi_num_targets and volume_name_template are read from it now.
 * @backing_path is called with @user_data, which must outlive the
 * exporter (the driver that owns it). */
NovaIscsiExporter *nova_iscsi_exporter_new (NovaIscsiTarget         *target,
                                            NovaVolumeLedger        *ledger,
                                            NovaVolumeConfig        *config,
                                            NovaIscsiBackingPathFunc backing_path,
                                            gpointer                 user_data);

NovaIscsiTarget *nova_iscsi_exporter_get_target (NovaIscsiExporter *self);

/* The driver methods' export part, as NovaVolumeDriverInterface has them.
 * create_export sets provider_auth (once) and provider_location. */
gboolean  nova_iscsi_exporter_create_export         (NovaIscsiExporter *self, NovaVolumeRecord *volume,
                                                     GError **error);
gboolean  nova_iscsi_exporter_ensure_export         (NovaIscsiExporter *self, const NovaVolumeRecord *volume,
                                                     GError **error);
gboolean  nova_iscsi_exporter_refresh_export        (NovaIscsiExporter *self, const NovaVolumeRecord *volume,
                                                     GError **error);
gboolean  nova_iscsi_exporter_remove_export         (NovaIscsiExporter *self, const NovaVolumeRecord *volume,
                                                     GError **error);
gboolean  nova_iscsi_exporter_check_for_export      (NovaIscsiExporter *self, const NovaVolumeRecord *volume,
                                                     GError **error);
/* The connector must name its initiator (InvalidArgument otherwise). */
GVariant *nova_iscsi_exporter_initialize_connection (NovaIscsiExporter *self, const NovaVolumeRecord *volume,
                                                     GVariant *connector, GError **error);
gboolean  nova_iscsi_exporter_terminate_connection  (NovaIscsiExporter *self, const NovaVolumeRecord *volume,
                                                     GVariant *connector, GError **error);

/* The configuration keys of the drivers built on this (for their
 * NovaVolumeDriverInfo). */
extern const NovaVolumeConfigKey nova_volume_iscsi_config_keys[];

G_END_DECLS
