/* nova-volume: the driver contract, the seed's VolumeDriver. Every method
 * runs on a worker thread, never on the main loop, and may block. The
 * manager serializes calls per volume; calls for different volumes run at
 * the same time, so a driver guards its own shared state. */
#pragma once

#include <gio/gio.h>
#include "nova-volume-config.h"
#include "nova-volume-driver-registry.h"
#include "nova-volume-executor.h"
#include "nova-volume-record.h"
#include "nova-volume-ledger.h"

G_BEGIN_DECLS

/* What a driver is given at do_setup (the seed's context). */
typedef struct {
  gint                ref_count;
  NovaVolumeConfig   *config;
  NovaVolumeExecutor *executor;
  NovaVolumeLedger   *ledger;     /* the daemon's books; may be NULL in unit tests */
  char               *driver;     /* the driver to load: config's volume_driver, short name */
  char               *backend;    /* the backend this driver serves (its volumes' Backend) */
  char               *state_dir;
} NovaVolumeDriverContext;

NovaVolumeDriverContext *nova_volume_driver_context_new   (NovaVolumeConfig   *config,
                                                           NovaVolumeExecutor *executor,
                                                           NovaVolumeLedger   *ledger,
                                                           const char         *state_dir);
NovaVolumeDriverContext *nova_volume_driver_context_ref   (NovaVolumeDriverContext *ctx);
void                     nova_volume_driver_context_unref (NovaVolumeDriverContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaVolumeDriverContext, nova_volume_driver_context_unref)

#define NOVA_VOLUME_TYPE_DRIVER (nova_volume_driver_get_type ())
G_DECLARE_INTERFACE (NovaVolumeDriver, nova_volume_driver, NOVA_VOLUME, DRIVER, GObject)

/* A volume or a snapshot a backend holds under the names nova-volume
 * gives (volume_name_template, snapshot_name_template), as list_stored
 * finds it: its id (read back from the name), its size, and for a
 * snapshot its volume's id when the backend knows it (NULL when not). */
typedef struct {
  gboolean  is_snapshot;
  char     *id;
  guint64   size;
  char     *volume_id;
} NovaVolumeStored;

NovaVolumeStored *nova_volume_stored_new  (gboolean is_snapshot, const char *id, guint64 size,
                                           const char *volume_id);
void              nova_volume_stored_free (NovaVolumeStored *stored);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaVolumeStored, nova_volume_stored_free)

/* Progress of a long operation (copy, clear): 0.0 .. 1.0. Called from the
 * worker thread; may be NULL. */
typedef void (*NovaVolumeProgressFunc) (double fraction, gpointer user_data);

struct _NovaVolumeDriverInterface {
  GTypeInterface g_iface;

  /* Required. */
  const char *(*get_name) (NovaVolumeDriver *self);   /* "file" */
  gboolean (*do_setup)              (NovaVolumeDriver *self, NovaVolumeDriverContext *ctx, GError **error);
  gboolean (*check_for_setup_error) (NovaVolumeDriver *self, GError **error);

  /* create_* may set volume->size (rounded up), provider_location and
   * provider_auth; the manager commits what they set. */
  gboolean (*create_volume)               (NovaVolumeDriver *self, NovaVolumeRecord *volume, GError **error);
  gboolean (*create_volume_from_snapshot) (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                           const NovaSnapshotRecord *snapshot,
                                           NovaVolumeProgressFunc progress, gpointer progress_data,
                                           GCancellable *cancellable, GError **error);
  gboolean (*create_cloned_volume)        (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                           const NovaVolumeRecord *source,
                                           NovaVolumeProgressFunc progress, gpointer progress_data,
                                           GCancellable *cancellable, GError **error);
  /* Idempotent: deleting what is already gone succeeds. A refusal that
   * changed nothing (clones share its data, a client has it open) is
   * NOVA_VOLUME_ERROR_BUSY: the manager then exports the volume again and
   * gives it back its status instead of marking it error_deleting. The
   * same holds for delete_snapshot. */
  gboolean (*delete_volume)   (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);
  gboolean (*extend_volume)   (NovaVolumeDriver *self, NovaVolumeRecord *volume, guint64 new_size, GError **error);
  gboolean (*create_snapshot) (NovaVolumeDriver *self, NovaSnapshotRecord *snapshot,
                               const NovaVolumeRecord *volume, GError **error);
  gboolean (*delete_snapshot) (NovaVolumeDriver *self, const NovaSnapshotRecord *snapshot, GError **error);

  /* Exports. create_export may set provider_location/provider_auth. */
  gboolean (*create_export)    (NovaVolumeDriver *self, NovaVolumeRecord *volume, GError **error);
  gboolean (*ensure_export)    (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);
  gboolean (*remove_export)    (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);
  gboolean (*check_for_export) (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);

  /* @connector is a{sv}; returns a{sv} {driver_volume_type, data} as a
   * full (not floating) reference that the caller unrefs. */
  GVariant *(*initialize_connection) (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                      GVariant *connector, GError **error);
  gboolean  (*terminate_connection)  (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                      GVariant *connector, GError **error);

  /* a{sv}: total_capacity, free_capacity (t), storage_protocol,
   * volume_backend_name, vendor_name, driver_version (s), and more; a full
   * (not floating) reference that the caller unrefs. */
  GVariant *(*get_volume_stats) (NovaVolumeDriver *self, gboolean refresh, GError **error);

  /* The volume's bytes from offset 0, for the daemon's own copies
   * (Migrate): a stream to read its whole size, and one to write it. A
   * write stream that is GSeekable can skip ranges, which then read as
   * zeros (a new volume that reads as zeros: sparse files, thin LVs, RBD
   * images); one that is not gets every byte. NULL: NotSupported. Called
   * on worker threads; the streams are used on the same thread. */
  GInputStream  *(*open_for_read)  (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);
  GOutputStream *(*open_for_write) (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);
  /* A snapshot's bytes, as they were when it was taken (copying a
   * snapshot out into an image). */
  GInputStream  *(*open_snapshot_for_read) (NovaVolumeDriver *self, const NovaSnapshotRecord *snapshot,
                                            GError **error);
  /* For a driver whose streams hold no descriptor: the name qemu-img
   * opens @volume by (rbd: "rbd:pool/image:id=...:conf=..."), or its
   * snapshot @snapshot when not NULL; *out_new_reads_zero: a volume just
   * made reads zeros where nothing was written. NULL: none. */
  char          *(*qemu_img_location) (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                       const NovaSnapshotRecord *snapshot, gboolean *out_new_reads_zero);

  /* Where @volume's bytes live, as a string that two backends give alike
   * exactly when they would keep the volume in the same place (a path, a
   * VG and LV, a cluster, pool and image). NULL: the driver keeps no bytes
   * of its own (fake, logging). */
  char          *(*storage_location) (NovaVolumeDriver *self, const NovaVolumeRecord *volume);

  /* Everything the backend holds whose name one of the two templates
   * makes from a UUID (nova_volume_config_id_from_volume_name): a
   * GPtrArray of NovaVolumeStored, so that nothing it holds is forgotten
   * when the store lost its record (nova-volumed --recover). NULL: the
   * driver cannot list (NotSupported), or the listing failed. */
  GPtrArray     *(*list_stored) (NovaVolumeDriver *self, GError **error);

  /* Makes @volume's bytes @snapshot's again (the volume is available, no
   * host connected, its size the snapshot's). Idempotent: a revert cut
   * short by a crash is run again by init_host and must end the same. The
   * snapshot stays. @latest: @snapshot is the volume's newest; a driver
   * that can only go back to that one refuses the others with
   * NotSupported. May set volume->provider_location. NULL: NotSupported. */
  gboolean       (*revert_to_snapshot) (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                        const NovaSnapshotRecord *snapshot, gboolean latest,
                                        GError **error);

  /* Takes the backend's own object named @reference (an LV of the
   * volume group, an image of the pool, a VDI of the cluster, a file of
   * the volumes directory: a name, never a path) under the driver's
   * control as @volume, whose id the manager chose: checks that it is
   * there, is what a volume is on this backend, has no snapshots and is
   * not in use; renames it to the name @volume->id gives (nothing to do
   * when it has that name already); sets @volume->size and may set
   * provider_location. Refusals change nothing: NotFound (no such
   * object), InvalidArgument (not a volume's kind, a size the driver
   * cannot serve), Busy (in use, or it has snapshots). Called on a
   * worker thread. NULL: NotSupported. */
  gboolean       (*manage_existing) (NovaVolumeDriver *self, NovaVolumeRecord *volume, const char *reference,
                                     GError **error);

  /* Incremental backups from the backend's own record of what changed
   * (rbd's diff between snapshots). A mark is the driver's own snapshot
   * of @volume, named @mark, never a volume snapshot: it is kept from one
   * backup to the next, goes with the volume, and is not listed.
   * open_marked_for_read: makes mark @mark and reads the volume as it
   * was then (a stream that skips without reading); changed_chunks: the
   * indexes (guint64, ascending) of the @chunk_size chunks that differ
   * between mark @since and mark @mark, NotFound when @since is gone
   * (@since NULL: the chunks that hold data at all);
   * remove_mark: gone (there or not). Worker threads. NULL: the backend
   * keeps no such record; a backup reads the whole volume. */
  GInputStream  *(*open_marked_for_read) (NovaVolumeDriver *self, const NovaVolumeRecord *volume, const char *mark,
                                          GError **error);
  GArray        *(*changed_chunks)       (NovaVolumeDriver *self, const NovaVolumeRecord *volume, const char *mark,
                                          const char *since, guint64 chunk_size, GError **error);
  gboolean       (*remove_mark)          (NovaVolumeDriver *self, const NovaVolumeRecord *volume, const char *mark,
                                          GError **error);

  gpointer padding[2];
};

/* Wrappers: a missing optional method is NOVA_VOLUME_ERROR_NOT_SUPPORTED
 * (exports and extend) or a no-op success (ensure/remove_export). */
const char *nova_volume_driver_get_name              (NovaVolumeDriver *self);
gboolean nova_volume_driver_do_setup                 (NovaVolumeDriver *self, NovaVolumeDriverContext *ctx, GError **error);
gboolean nova_volume_driver_check_for_setup_error    (NovaVolumeDriver *self, GError **error);
gboolean nova_volume_driver_create_volume            (NovaVolumeDriver *self, NovaVolumeRecord *volume, GError **error);
gboolean nova_volume_driver_create_volume_from_snapshot (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                                      const NovaSnapshotRecord *snapshot,
                                                      NovaVolumeProgressFunc progress, gpointer progress_data,
                                                      GCancellable *cancellable, GError **error);
gboolean nova_volume_driver_create_cloned_volume     (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                                      const NovaVolumeRecord *source,
                                                      NovaVolumeProgressFunc progress, gpointer progress_data,
                                                      GCancellable *cancellable, GError **error);
gboolean nova_volume_driver_delete_volume            (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);
gboolean nova_volume_driver_extend_volume            (NovaVolumeDriver *self, NovaVolumeRecord *volume, guint64 new_size, GError **error);
gboolean nova_volume_driver_create_snapshot          (NovaVolumeDriver *self, NovaSnapshotRecord *snapshot,
                                                      const NovaVolumeRecord *volume, GError **error);
gboolean nova_volume_driver_delete_snapshot          (NovaVolumeDriver *self, const NovaSnapshotRecord *snapshot, GError **error);
gboolean nova_volume_driver_create_export            (NovaVolumeDriver *self, NovaVolumeRecord *volume, GError **error);
gboolean nova_volume_driver_ensure_export            (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);
gboolean nova_volume_driver_remove_export            (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);
gboolean nova_volume_driver_check_for_export         (NovaVolumeDriver *self, const NovaVolumeRecord *volume, GError **error);
GVariant *nova_volume_driver_initialize_connection   (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                                      GVariant *connector, GError **error);
gboolean nova_volume_driver_terminate_connection     (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                                      GVariant *connector, GError **error);
GVariant *nova_volume_driver_get_volume_stats        (NovaVolumeDriver *self, gboolean refresh, GError **error);
GInputStream  *nova_volume_driver_open_for_read      (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                                      GError **error);
GInputStream  *nova_volume_driver_open_snapshot_for_read (NovaVolumeDriver *self, const NovaSnapshotRecord *snapshot,
                                                         GError **error);
char          *nova_volume_driver_qemu_img_location  (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                                      const NovaSnapshotRecord *snapshot,
                                                      gboolean *out_new_reads_zero);
GOutputStream *nova_volume_driver_open_for_write     (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                                      GError **error);
/* Whether the driver gives its volumes' bytes as streams (@write: takes
 * them), so a Migrate from (onto) it can copy. */
gboolean nova_volume_driver_can_stream               (NovaVolumeDriver *self, gboolean write);
/* Marks (see open_marked_for_read): whether the driver keeps them, and
 * the calls (NotSupported without). */
gboolean       nova_volume_driver_can_mark             (NovaVolumeDriver *self);
GInputStream  *nova_volume_driver_open_marked_for_read (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                                        const char *mark, GError **error);
GArray        *nova_volume_driver_changed_chunks       (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                                        const char *mark, const char *since, guint64 chunk_size,
                                                        GError **error);
gboolean       nova_volume_driver_remove_mark          (NovaVolumeDriver *self, const NovaVolumeRecord *volume,
                                                        const char *mark, GError **error);
/* NULL when the driver does not say (see storage_location). */
char    *nova_volume_driver_storage_location         (NovaVolumeDriver *self, const NovaVolumeRecord *volume);
gboolean nova_volume_driver_manage_existing          (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                                      const char *reference, GError **error);
/* NotSupported when the driver has no list_stored. */
GPtrArray *nova_volume_driver_list_stored            (NovaVolumeDriver *self, GError **error);
gboolean nova_volume_driver_revert_to_snapshot       (NovaVolumeDriver *self, NovaVolumeRecord *volume,
                                                      const NovaSnapshotRecord *snapshot, gboolean latest,
                                                      GError **error);

/* A driver whose export went away by itself and could not be brought
 * back (a vblade that keeps dying) says so on the main context: emits
 * "export-lost" (volume id, reason), and the manager marks the volume
 * error with @reason, without waiting for the next init_host. */
void nova_volume_driver_export_lost (NovaVolumeDriver *self, const char *volume_id, const char *reason);

/* The connection_info of initialize_connection: {driver_volume_type:
 * @type, data: @data}, as Nova's volume drivers take it. @data is an a{sv}
 * (floating or not, consumed); the result is a full reference. */
GVariant *nova_volume_connection_info_new (const char *type, GVariant *data);
/* @info (a connection_info) with @key set to @value (floating or not,
 * consumed) in its data; a new full reference, @info left as it is. */
GVariant *nova_volume_connection_info_add (GVariant *info, const char *key, GVariant *value);

/* Loads the module of @ctx->driver, constructs the driver and runs
 * do_setup and check_for_setup_error: errors say which step failed. */
NovaVolumeDriver *nova_volume_driver_load (NovaVolumeDriverContext *ctx, GError **error);

G_END_DECLS
