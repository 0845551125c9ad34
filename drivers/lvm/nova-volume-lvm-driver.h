/* nova-volume: what every driver keeping its volumes in an LVM volume
 * group does the same way (lvm-iscsi, aoe), as an abstract base class.
 *
 * It implements NovaVolumeDriver's volume half: volumes are logical
 * volumes named by volume_name_template in volume_group; with lvm_type =
 * thin they live in the thin pool <volume_group>-pool, made on first use.
 * Snapshots are thin snapshots, or thick copy-on-write snapshots with room
 * for lvm_snapshot_percent of their origin. A thick volume made from a
 * snapshot or a clone is a copy, with progress; a thin one is a thin
 * snapshot. A deleted thick volume is cleared first (volume_clear,
 * volume_clear_size). Stats come from the volume group (or the pool).
 * list_stored reads the names of the group's LVs back through the
 * templates: volumes, and snapshots with their origin's volume.
 *
 * A subclass supplies the export half: its name, its storage protocol,
 * setup_exports (called at the end of do_setup) and the export and
 * connection methods, which the base hands through unchanged. */
#pragma once

#include "nova-volume-driver.h"
#include "nova-volume-lvm.h"

#include "nova-volume-config-key.h"

G_BEGIN_DECLS

#define NOVA_TYPE_LVM_DRIVER (nova_lvm_driver_get_type ())
G_DECLARE_DERIVABLE_TYPE (NovaLvmDriver, nova_lvm_driver, NOVA, LVM_DRIVER, GObject)

struct _NovaLvmDriverClass {
  GObjectClass parent_class;

  /* set in class_init: the driver's short name ("lvm-iscsi"), which is
   * also the default volume_backend_name, and stats' storage_protocol */
  const char *name;
  const char *storage_protocol;

  /* Required. Called at the end of do_setup, when the config, the ledger
   * and the LVM layer are in place. */
  gboolean  (*setup_exports)         (NovaLvmDriver *self, NovaVolumeDriverContext *ctx, GError **error);

  /* As NovaVolumeDriverInterface has them; NULL as there. */
  gboolean  (*create_export)         (NovaLvmDriver *self, NovaVolumeRecord *volume, GError **error);
  gboolean  (*ensure_export)         (NovaLvmDriver *self, const NovaVolumeRecord *volume, GError **error);
  gboolean  (*remove_export)         (NovaLvmDriver *self, const NovaVolumeRecord *volume, GError **error);
  gboolean  (*check_for_export)      (NovaLvmDriver *self, const NovaVolumeRecord *volume, GError **error);
  GVariant *(*initialize_connection) (NovaLvmDriver *self, const NovaVolumeRecord *volume,
                                      GVariant *connector, GError **error);
  gboolean  (*terminate_connection)  (NovaLvmDriver *self, const NovaVolumeRecord *volume,
                                      GVariant *connector, GError **error);
  /* The LV grew: a connected host sees the new size when it rescans.
   * NULL: nothing to do. */
  gboolean  (*refresh_export)        (NovaLvmDriver *self, const NovaVolumeRecord *volume, GError **error);
  /* What an attachment in mode ro gets from the target: "enforced" (the
   * host's writes refused) or NULL (ro refused: the target cannot hold
   * one host to reading). See NovaVolumeStats. */
  const char *(*read_only_attachments) (NovaLvmDriver *self);

  gpointer padding[6];
};

/* Tests give a driver its LVM layer (a volume group of files) before
 * do_setup; without one do_setup makes the libblockdev one. */
void              nova_lvm_driver_set_lvm    (NovaLvmDriver *self, NovaLvm *lvm);

/* What do_setup was given; borrowed, NULL before it. */
NovaVolumeLedger *nova_lvm_driver_get_ledger (NovaLvmDriver *self);
NovaVolumeConfig *nova_lvm_driver_get_config (NovaLvmDriver *self);

/* The block device of volume @volume_id's logical volume, newly
 * allocated. */
char *nova_lvm_driver_volume_path (NovaLvmDriver *self, const char *volume_id);

/* The configuration keys of the drivers built on this (for their
 * NovaVolumeDriverInfo). */
extern const NovaVolumeConfigKey nova_volume_lvm_config_keys[];

G_END_DECLS
