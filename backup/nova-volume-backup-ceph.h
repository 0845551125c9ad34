/* nova-volume: a backup repository in a Ceph pool (backup_driver =
 * ceph), on any cluster, the volumes' own or another. Each backup is an
 * RBD image of the pool, backup-<id>, with one protected snapshot,
 * "backup", that holds its bytes; an incremental backup is a clone of its
 * parent's snapshot in which only the chunks that changed were written,
 * so it takes the room of what changed. The manifests are RADOS objects
 * <id>.json in the pool's namespace nova-volume-backups, written last; a
 * daemon that has never seen the pool lists its backups from them. */
#pragma once

#include <gio/gio.h>

#include "nova-volume-backup-repository.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_BACKUP_CEPH (nova_volume_backup_ceph_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeBackupCeph, nova_volume_backup_ceph, NOVA_VOLUME, BACKUP_CEPH, GObject)

/* Connects to the cluster @conf_path names as @user (cephx id without
 * "client.", empty: admin) and opens @pool, within @timeout_seconds. */
NovaVolumeBackupCeph *nova_volume_backup_ceph_open (const char  *conf_path,
                                                    const char  *user,
                                                    const char  *pool,
                                                    guint        timeout_seconds,
                                                    GError     **error);

G_END_DECLS
