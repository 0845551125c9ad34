/* nova-volume: the seed's volume manager. It owns the state machine of
 * every volume and snapshot, commits each change to the store before it
 * tells anyone (the "*-changed" signals), runs driver calls on worker
 * threads, one at a time per volume, and reconciles at start (init_host).
 * Main thread only; knows nothing of D-Bus. */
#pragma once

#include <gio/gio.h>
#include "nova-volume-backend.h"
#include "nova-volume-backup-record.h"
#include "nova-volume-backup-directory.h"
#include "nova-volume-backup-repository.h"
#include "nova-volume-config.h"
#include "nova-volume-driver.h"
#include "nova-volume-job.h"
#include "nova-volume-reserve.h"
#include "nova-volume-store.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_MANAGER (nova_volume_manager_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeManager, nova_volume_manager, NOVA_VOLUME, MANAGER, GObject)

/* Loads every record from @store. Serves @backends (NovaVolumeBackend,
 * at least one; a volume's operations go to the backend it lives on). */
NovaVolumeManager *nova_volume_manager_new_with_backends (NovaVolumeConfig  *config,
                                                          NovaVolumeStore   *store,
                                                          GPtrArray         *backends,
                                                          GError           **error);
/* One backend, named by @config, served by @driver. */
NovaVolumeManager *nova_volume_manager_new (NovaVolumeConfig  *config,
                                            NovaVolumeStore   *store,
                                            NovaVolumeDriver  *driver,
                                            GError           **error);

NovaVolumeConfig  *nova_volume_manager_get_config          (NovaVolumeManager *self);
/* NovaVolumeBackend, in config order (borrowed). */
GPtrArray         *nova_volume_manager_get_backends        (NovaVolumeManager *self);
/* The first backend that is up (the first of all when none is): whose
 * driver the Manager's DriverName and GetVolumeStats show. */
NovaVolumeBackend *nova_volume_manager_get_default_backend (NovaVolumeManager *self);
/* Its driver, or NULL when it is down. */
NovaVolumeDriver  *nova_volume_manager_get_driver          (NovaVolumeManager *self);

/* Keeps each backend's stats current: read now, every @interval_seconds
 * (0: never by time), and shortly after a change of its volumes. Until
 * this is called (unit tests), backends show only the provisioned bytes
 * and what GetVolumeStats read. */
void               nova_volume_manager_watch_backends      (NovaVolumeManager *self, guint interval_seconds);

/* The space kept on the store's file system for deletes, detaches and
 * disconnects (nova-volume-reserve.h); without one (unit tests) they
 * fail like any other operation on a full disk. */
void               nova_volume_manager_set_reserve         (NovaVolumeManager *self, NovaVolumeReserve *reserve);

/* Reconciles after a stop at any point: operations left mid-way are
 * finished (deleting, detaching) or failed with a reason (creating), and
 * every available or in-use volume gets ensure_export. Runs before the
 * daemon serves anyone, so it may block. */
gboolean nova_volume_manager_init_host (NovaVolumeManager *self, GError **error);

/* nova-volumed --recover, before init_host: what the backends hold that
 * the store has no record of (a lost store, an old backup) is recorded
 * again: each volume available (its export made anew; error if that
 * fails), each snapshot whose volume is known available. A snapshot
 * whose volume is unknown is left and logged. FALSE when a commit fails. */
gboolean nova_volume_manager_recover (NovaVolumeManager *self, GError **error);

/* The live records (borrowed; valid until the next change). */
const NovaVolumeRecord   *nova_volume_manager_lookup_volume   (NovaVolumeManager *self, const char *id);
const NovaSnapshotRecord *nova_volume_manager_lookup_snapshot (NovaVolumeManager *self, const char *id);
/* Borrowed records, in creation order. */
GPtrArray *nova_volume_manager_list_volumes   (NovaVolumeManager *self);
GPtrArray *nova_volume_manager_list_snapshots (NovaVolumeManager *self);

/* Operations running or waiting. */
guint nova_volume_manager_get_n_operations (NovaVolumeManager *self);

/* Asks every running job (copy, clone) to stop, as at shutdown: their
 * operations fail with Cancelled and undo what they did. A job is
 * announced with "job-added" (NovaVolumeJob) when it starts and
 * "job-removed" after it completed. */
void nova_volume_manager_cancel_jobs (NovaVolumeManager *self);

typedef struct {
  guint64      size;               /* 0 with a source: the source's size */
  const char  *name;               /* NULL: "" */
  const char  *description;
  const char  *snapshot_id;        /* create from this snapshot */
  const char  *source_volume_id;   /* clone this volume */
  const char  *availability_zone;  /* NULL: this host's */
  const char  *backend;            /* NULL: the type's, else default_volume_type's, else the freest */
  const char  *volume_type;        /* NULL: default_volume_type */
  GHashTable  *metadata;           /* NULL or char* -> char* */
  gboolean     with_image;         /* fill it from the image on image_fd */
  int          image_fd;           /* the caller's; the manager takes a duplicate */
  const char  *image_format;       /* NULL: raw */
  const char  *backup_id;          /* restore this backup into it */
  guint        caller_uid;         /* for the Job; G_MAXUINT when unknown */
  const char  *caller_bus_name;    /* for the Job: the caller's unique name, or NULL */
  gboolean     multiattach;        /* may be attached to several instances (NotSupported
                                    * where the backend's stats do not say multiattach) */
} NovaVolumeCreateRequest;

void  nova_volume_manager_create_volume        (NovaVolumeManager *self, const NovaVolumeCreateRequest *request,
                                                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/* The new volume's id. */
char *nova_volume_manager_create_volume_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error);

void     nova_volume_manager_delete_volume     (NovaVolumeManager *self, const char *volume_id,
                                                GAsyncReadyCallback callback, gpointer user_data);

/* What Manager.ManageExisting asks for: the backend's own object named
 * @reference becomes a volume (renamed to its id's name unless the
 * volume template made its name; @keep_name refuses a rename). */
typedef struct {
  const char  *reference;
  const char  *backend;     /* NULL: default_volume_type's, else the only one */
  const char  *name;
  const char  *description;
  GHashTable  *metadata;    /* NULL or char* -> char* */
  gboolean     keep_name;
} NovaVolumeManageRequest;

/* Finish with nova_volume_manager_create_volume_finish: the volume's id. */
void     nova_volume_manager_manage_existing   (NovaVolumeManager *self, const NovaVolumeManageRequest *request,
                                                GAsyncReadyCallback callback, gpointer user_data);
/* Lets available (or error) volume @volume_id, without snapshots or
 * connected hosts, go: its export and record are removed, its data stays
 * on the backend and the store remembers that it was let go of. */
void     nova_volume_manager_unmanage_volume   (NovaVolumeManager *self, const char *volume_id,
                                                GAsyncReadyCallback callback, gpointer user_data);

/* What Volume.Update and Snapshot.Update change; NULL leaves a field as it
 * is. @metadata replaces all of it; @metadata_set adds or replaces keys
 * and @metadata_unset removes keys (not with @metadata). Snapshots have a
 * name and a description only. */
typedef struct {
  const char         *name;
  const char         *description;
  GHashTable         *metadata;
  GHashTable         *metadata_set;
  const char *const  *metadata_unset;
} NovaVolumeUpdate;

void     nova_volume_manager_update_volume     (NovaVolumeManager *self, const char *volume_id,
                                                const NovaVolumeUpdate *update,
                                                GAsyncReadyCallback callback, gpointer user_data);
void     nova_volume_manager_update_snapshot   (NovaVolumeManager *self, const char *snapshot_id,
                                                const NovaVolumeUpdate *update,
                                                GAsyncReadyCallback callback, gpointer user_data);
void     nova_volume_manager_extend_volume     (NovaVolumeManager *self, const char *volume_id, guint64 new_size,
                                                GAsyncReadyCallback callback, gpointer user_data);
/* What Volume.Attach asks for. */
typedef struct {
  const char *instance_uuid;
  const char *mountpoint;
  const char *host;        /* NULL: the connector's host, else none */
  const char *mode;        /* "rw" (NULL) or "ro" */
  GVariant   *connector;   /* the host's connector, kept with the attachment; NULL: its connection's */
} NovaVolumeAttachRequest;

/* Attaches the volume to an instance: a new attachment, the volume
 * in-use. A second one only with multiattach; ro only where the backend
 * enforces it or leaves it to the host (read_only_attachments). A host
 * connected already gets the mode at once. */
void  nova_volume_manager_attach        (NovaVolumeManager *self, const char *volume_id,
                                         const NovaVolumeAttachRequest *request,
                                         GAsyncReadyCallback callback, gpointer user_data);
/* The new attachment's id. */
char *nova_volume_manager_attach_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error);
/* nova_volume_manager_attach in mode rw, without a connector; finish with
 * nova_volume_manager_operation_finish or attach_finish */
void     nova_volume_manager_attach_volume     (NovaVolumeManager *self, const char *volume_id,
                                                const char *instance_uuid, const char *mountpoint,
                                                const char *host,
                                                GAsyncReadyCallback callback, gpointer user_data);
/* Ends attachment @attachment_id (NULL: the only one; with several,
 * InvalidArgument naming them); the volume is available after the last. */
void     nova_volume_manager_detach         (NovaVolumeManager *self, const char *volume_id,
                                             const char *attachment_id,
                                             GAsyncReadyCallback callback, gpointer user_data);
void     nova_volume_manager_detach_volume     (NovaVolumeManager *self, const char *volume_id,
                                                GAsyncReadyCallback callback, gpointer user_data);
void     nova_volume_manager_terminate_connection (NovaVolumeManager *self, const char *volume_id,
                                                   GVariant *connector,
                                                   GAsyncReadyCallback callback, gpointer user_data);
void     nova_volume_manager_check_for_export  (NovaVolumeManager *self, const char *volume_id,
                                                GAsyncReadyCallback callback, gpointer user_data);
void     nova_volume_manager_delete_snapshot   (NovaVolumeManager *self, const char *snapshot_id,
                                                GAsyncReadyCallback callback, gpointer user_data);
/* Makes available volume @volume_id's bytes those of its snapshot
 * @snapshot_id again, the snapshot kept: only its latest snapshot unless
 * @any (and the driver can), only with no host connected, only at the
 * size the snapshot was taken at. A volume whose revert was cut short
 * (error, its reverting_to this snapshot) may be reverted again. */
void     nova_volume_manager_revert_volume     (NovaVolumeManager *self, const char *volume_id,
                                                const char *snapshot_id, gboolean any,
                                                GAsyncReadyCallback callback, gpointer user_data);
/* Moves available volume @volume_id, without snapshots or connected
 * hosts, to @backend: its bytes copied as a Job ("volume-migrate"), its
 * id, name and metadata kept. @caller_uid, @caller_bus_name: for the Job. */
void     nova_volume_manager_migrate_volume    (NovaVolumeManager *self, const char *volume_id,
                                                const char *backend, guint caller_uid,
                                                const char *caller_bus_name,
                                                GAsyncReadyCallback callback, gpointer user_data);
/* Copies available volume @volume_id into @fd (the caller's; a duplicate
 * is taken) as @format, raw or qcow2 (@compress), as a Job
 * ("image-export"). */
void     nova_volume_manager_copy_volume_to_image (NovaVolumeManager *self, const char *volume_id, int fd,
                                                   const char *format, gboolean compress, guint caller_uid,
                                                   const char *caller_bus_name, GAsyncReadyCallback callback,
                                                   gpointer user_data);
/* The same for snapshot @snapshot_id (available), the consistent copy of
 * a volume in use. */
void     nova_volume_manager_copy_snapshot_to_image (NovaVolumeManager *self, const char *snapshot_id, int fd,
                                                     const char *format, gboolean compress, guint caller_uid,
                                                     const char *caller_bus_name, GAsyncReadyCallback callback,
                                                     gpointer user_data);
/* finish for every operation above that returns nothing */
gboolean nova_volume_manager_operation_finish  (NovaVolumeManager *self, GAsyncResult *result, GError **error);

void  nova_volume_manager_create_snapshot        (NovaVolumeManager *self, const char *volume_id,
                                                  const char *name, const char *description, gboolean force,
                                                  GAsyncReadyCallback callback, gpointer user_data);
/* The new snapshot's id. */
char *nova_volume_manager_create_snapshot_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error);

/* @connector: a{sv} with at least one of initiator, host, ip. */
void      nova_volume_manager_initialize_connection        (NovaVolumeManager *self, const char *volume_id,
                                                            GVariant *connector,
                                                            GAsyncReadyCallback callback, gpointer user_data);
/* a{sv} {driver_volume_type, data} */
GVariant *nova_volume_manager_initialize_connection_finish (NovaVolumeManager *self, GAsyncResult *result,
                                                            GError **error);

void      nova_volume_manager_get_volume_stats        (NovaVolumeManager *self, gboolean refresh,
                                                       GAsyncReadyCallback callback, gpointer user_data);
GVariant *nova_volume_manager_get_volume_stats_finish (NovaVolumeManager *self, GAsyncResult *result,
                                                       GError **error);

/* ---- backups (nova-volume-manager-backup.c) --------------------------- */

/* Where backups go (nova-volumed opens it from the configuration): NULL
 * with @problem, what a backup call is refused with (NotSupported). */
void nova_volume_manager_set_backup_repository (NovaVolumeManager *self, NovaVolumeBackupRepository *repository,
                                                const char *problem);
/* The repository's backup_driver ("posix"), or "none". */
const char *nova_volume_manager_get_backup_kind (NovaVolumeManager *self);
const NovaBackupRecord *nova_volume_manager_lookup_backup (NovaVolumeManager *self, const char *id);
/* Borrowed records, in creation order. */
GPtrArray *nova_volume_manager_list_backups (NovaVolumeManager *self);

typedef struct {
  const char *volume_id;      /* back up this volume, */
  const char *snapshot_id;    /* or this snapshot */
  const char *name;
  const char *description;
  gboolean    incremental;    /* the volume's latest available backup is its parent */
  gboolean    force;          /* an in-use volume, through a temporary snapshot */
  guint       caller_uid;
  const char *caller_bus_name;
} NovaVolumeBackupRequest;

void  nova_volume_manager_create_backup        (NovaVolumeManager *self, const NovaVolumeBackupRequest *request,
                                                GAsyncReadyCallback callback, gpointer user_data);
/* The new backup's id. */
char *nova_volume_manager_create_backup_finish (NovaVolumeManager *self, GAsyncResult *result, GError **error);
/* Restores backup @backup_id into the available volume @volume_id;
 * finish with nova_volume_manager_operation_finish. (Into a new volume:
 * nova_volume_manager_create_volume with backup_id.) */
void  nova_volume_manager_restore_backup       (NovaVolumeManager *self, const char *backup_id, const char *volume_id,
                                                guint caller_uid, const char *caller_bus_name,
                                                GAsyncReadyCallback callback, gpointer user_data);
void  nova_volume_manager_delete_backup        (NovaVolumeManager *self, const char *backup_id,
                                                GAsyncReadyCallback callback, gpointer user_data);
/* a{sv} chunks, missing, damaged (u), problems (as), ok (b); finish with
 * nova_volume_manager_variant_finish */
void  nova_volume_manager_verify_backup        (NovaVolumeManager *self, const char *backup_id, guint caller_uid,
                                                const char *caller_bus_name, GAsyncReadyCallback callback,
                                                gpointer user_data);
/* a{sv} imported, known (u), skipped (as) */
void  nova_volume_manager_import_backups       (NovaVolumeManager *self, GAsyncReadyCallback callback,
                                                gpointer user_data);
GVariant *nova_volume_manager_variant_finish   (NovaVolumeManager *self, GAsyncResult *result, GError **error);

G_END_DECLS
