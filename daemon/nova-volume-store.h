/* nova-volume: the state store, SQLite in the state directory (WAL,
 * user_version migrations). Every public call that writes is one
 * transaction; the connection is serialized, so any thread may call. */
#pragma once

#include <glib-object.h>
#include "nova-volume-backup-record.h"
#include "nova-volume-record.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_STORE (nova_volume_store_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeStore, nova_volume_store, NOVA_VOLUME, STORE, GObject)

/* The schema version nova_volume_store_open migrates to. */
#define NOVA_VOLUME_STORE_SCHEMA_VERSION 8

/* Opens (creating if needed) and migrates the database at @path. A
 * database newer than this build knows is refused, not touched. */
NovaVolumeStore *nova_volume_store_open (const char *path, GError **error);

int          nova_volume_store_get_schema_version (NovaVolumeStore *self);

/* The store's identity (SQLite's application_id: 0 for none yet), kept
 * beside it too, so a state directory knows when its store was lost. */
guint32      nova_volume_store_get_identity (NovaVolumeStore *self, GError **error);
gboolean     nova_volume_store_set_identity (NovaVolumeStore *self, guint32 identity, GError **error);
const char  *nova_volume_store_get_path           (NovaVolumeStore *self);

/* Volumes. put inserts or replaces the whole row and its metadata. get of
 * a missing id is NOVA_VOLUME_ERROR_NOT_FOUND. */
gboolean          nova_volume_store_put_volume    (NovaVolumeStore *self, const NovaVolumeRecord *volume, GError **error);
gboolean          nova_volume_store_delete_volume (NovaVolumeStore *self, const char *id, GError **error);
/* Unmanage: the volume's row goes, in the same transaction as a row that
 * says its data on @backend was let go on purpose (so a start does not
 * report it as data without a record, and --recover leaves it). */
gboolean          nova_volume_store_release_volume (NovaVolumeStore *self, const char *id, const char *backend,
                                                    GError **error);
/* The ids released, each to its backend's name: a new table. */
GHashTable       *nova_volume_store_list_released  (NovaVolumeStore *self, GError **error);
/* The released id @id is managed again; nothing when it was not released. */
gboolean          nova_volume_store_forget_released (NovaVolumeStore *self, const char *id, GError **error);
NovaVolumeRecord *nova_volume_store_get_volume    (NovaVolumeStore *self, const char *id, GError **error);
/* GPtrArray of NovaVolumeRecord (free func set), ordered by created_at. */
GPtrArray        *nova_volume_store_list_volumes  (NovaVolumeStore *self, GError **error);
/* What the volumes on @backend were given, in bytes: its provisioned
 * capacity for get_volume_stats. */
gboolean          nova_volume_store_provisioned   (NovaVolumeStore *self, const char *backend,
                                                   guint64 *out_bytes, GError **error);

/* The SQLite virtual-machine steps of every statement the stores of this
 * process ran: what a call read, for tests that it stays the same as the
 * store grows. */
guint64           nova_volume_store_get_vm_steps  (void);

/* Snapshots, the same way. */
gboolean            nova_volume_store_put_snapshot    (NovaVolumeStore *self, const NovaSnapshotRecord *snapshot, GError **error);
gboolean            nova_volume_store_delete_snapshot (NovaVolumeStore *self, const char *id, GError **error);
NovaSnapshotRecord *nova_volume_store_get_snapshot    (NovaVolumeStore *self, const char *id, GError **error);
GPtrArray          *nova_volume_store_list_snapshots  (NovaVolumeStore *self, GError **error);

/* Backups, the same way; a backup's row does not refer to its volume
 * (it outlives it). */
gboolean   nova_volume_store_put_backup    (NovaVolumeStore *self, const NovaBackupRecord *backup, GError **error);
gboolean   nova_volume_store_delete_backup (NovaVolumeStore *self, const char *id, GError **error);
GPtrArray *nova_volume_store_list_backups  (NovaVolumeStore *self, GError **error);

/* Connections a volume has handed out (InitializeConnection), keyed by
 * the connector's initiator, else host, else ip. The connector is kept as
 * an a{sv} GVariant. */
/* FALSE when a value of a{sv} @connector would not read back from its
 * row (put_connection refuses it): checked before a driver lets it in */
gboolean   nova_volume_store_connector_is_storable (GVariant *connector);
gboolean   nova_volume_store_put_connection    (NovaVolumeStore *self, const char *volume_id,
                                                const char *connector_key, GVariant *connector,
                                                GError **error);
gboolean   nova_volume_store_delete_connection (NovaVolumeStore *self, const char *volume_id,
                                                const char *connector_key, GError **error);
/* GPtrArray of floating-free (owned) a{sv} GVariants. */
GPtrArray *nova_volume_store_list_connections  (NovaVolumeStore *self, const char *volume_id,
                                                GError **error);
/* Every volume's connections in one read (the manager keeps them in
 * memory): volume id -> GPtrArray as list_connections gives. A volume
 * with a row that cannot be read is in @unreadable instead (volume id ->
 * why), so that only its own calls fail. */
GHashTable *nova_volume_store_list_all_connections (NovaVolumeStore *self, GHashTable **unreadable,
                                                    GError **error);

/* Several changes as one transaction: @func runs inside BEGIN IMMEDIATE
 * and may call the put/delete functions above (they then join this
 * transaction); it is committed when @func returns TRUE, rolled back
 * otherwise. */
typedef gboolean (*NovaVolumeStoreTransactionFunc) (NovaVolumeStore *store,
                                                    gpointer         user_data,
                                                    GError         **error);
gboolean nova_volume_store_transaction (NovaVolumeStore                *self,
                                        NovaVolumeStoreTransactionFunc  func,
                                        gpointer                        user_data,
                                        GError                        **error);

/* Export numbers: an iSCSI target number, an AoE shelf.blade. Each @kind
 * ("iscsi-target", "aoe-blade") is its own number space; a volume holds at
 * most one number of each kind, and a number belongs to one volume. They
 * go with the volume's row.
 *
 * nova_volume_store_allocate_number gives @volume_id the number it
 * already holds, else the lowest free one in @min..@max, inside one write
 * transaction, so two exports never get one number even when they run at
 * once or in two processes. NoSpace when every number is taken. */
gboolean nova_volume_store_allocate_number (NovaVolumeStore *self, const char *kind, const char *volume_id,
                                            guint min, guint max, guint *out_number, GError **error);
/* Frees @volume_id's number of @kind; having none is not an error. */
gboolean nova_volume_store_release_number  (NovaVolumeStore *self, const char *kind, const char *volume_id,
                                            GError **error);
/* *out_found is FALSE when @volume_id holds no number of @kind. */
gboolean nova_volume_store_lookup_number   (NovaVolumeStore *self, const char *kind, const char *volume_id,
                                            guint *out_number, gboolean *out_found, GError **error);

/* PRAGMA integrity_check == "ok". */
gboolean nova_volume_store_check_integrity (NovaVolumeStore *self, GError **error);

G_END_DECLS
