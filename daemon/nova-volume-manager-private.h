/* nova-volume: what the parts of the volume manager share and nothing
 * else sees: the manager's instance struct, the operation (Op) that each
 * public call runs as a chain of steps, and the helpers of that framework
 * (nova-volume-manager.c) that the operations in the other
 * nova-volume-manager-*.c files use. The signal ids stay private to
 * nova-volume-manager.c: only its commits, manager_op_return and jobs emit
 * them. */
#pragma once

#include "nova-volume-backend.h"
#include "nova-volume-error.h"
#include "nova-volume-manager.h"
#include "nova-volume-image.h"
#include "nova-volume-image-copy.h"
#include "nova-volume-op-queue.h"
#include "nova-volume-store-writer.h"

G_BEGIN_DECLS

/* the limits of what callers may give */
#define NAME_MAX_LEN        255
#define DESCRIPTION_MAX_LEN 4096
#define MOUNTPOINT_MAX_LEN  255
#define METADATA_MAX_ITEMS  64
#define METADATA_MAX_LEN    255

struct _NovaVolumeManager {
  GObject            parent_instance;
  NovaVolumeConfig  *config;
  NovaVolumeStore   *store;
  NovaVolumeStoreWriter *writer;  /* the operations' commits, off the main loop */
  GThreadPool       *op_pool;     /* the operations' worker threads */
  GPtrArray         *backends;    /* NovaVolumeBackend, in config order */
  guint              refresh_interval_id;
  GHashTable        *refresh_pending; /* NovaVolumeBackend -> source id of its refresh */
  GHashTable        *refreshing;      /* names of the backends a refresh runs or waits for */
  NovaVolumeOpQueue *queue;
  GHashTable        *volumes;     /* id -> NovaVolumeRecord */
  GHashTable        *snapshots;   /* id -> NovaSnapshotRecord */
  GHashTable        *snapshots_of; /* volume id -> set of its snapshots' ids */
  GHashTable        *released;    /* id -> backend name: let go of by Unmanage */
  GHashTable        *connections; /* volume id -> GPtrArray of the connectors (a{sv}) recorded for it */
  GHashTable        *connections_unreadable; /* volume id -> why the store's rows of it cannot be read */
  GVariant          *last_stats;  /* a{sv} from the driver, or NULL */
  GPtrArray         *jobs;        /* running NovaVolumeJob */
  NovaVolumeExecutor *image_executor; /* qemu-img on images callers pass */
  guint              n_operations;
  gboolean           stopping;    /* cancel_jobs was called: no new copies */
  NovaVolumeReserve *reserve;     /* space kept for what frees space, or NULL */
  GHashTable        *backups;     /* id -> NovaBackupRecord */
  NovaVolumeBackupRepository *repository; /* where backups go, or NULL: */
  char              *repository_problem;  /* why there is none */
  guint              n_backups_storing;   /* backups writing chunks: no collection meanwhile */
};

/* the manager's signals (nova-volume-manager.h says when each fires) */
enum {
  MANAGER_SIGNAL_VOLUME_CHANGED,
  MANAGER_SIGNAL_VOLUME_REMOVED,
  MANAGER_SIGNAL_SNAPSHOT_CHANGED,
  MANAGER_SIGNAL_SNAPSHOT_REMOVED,
  MANAGER_SIGNAL_IDLE,
  MANAGER_SIGNAL_JOB_ADDED,
  MANAGER_SIGNAL_JOB_REMOVED,
  MANAGER_SIGNAL_BACKUP_CHANGED,
  MANAGER_SIGNAL_BACKUP_REMOVED,
  MANAGER_N_SIGNALS
};
extern guint manager_signals[MANAGER_N_SIGNALS];

typedef struct _Op Op;

/* What the caller gets back when an operation succeeds. */
typedef enum {
  RESULT_NONE,
  RESULT_VOLUME_ID,
  RESULT_SNAPSHOT_ID,
  RESULT_BACKUP_ID,
  RESULT_VARIANT,
} OpResultKind;
typedef void (*OpStep) (Op *op);

struct _Op {
  NovaVolumeManager  *self;
  GTask              *task;            /* the caller's */
  NovaVolumeOp       *queued;
  const char         *what;            /* "create volume", for messages */
  OpResultKind        result_kind;

  /* the backend the operation works on, and its driver (both borrowed:
   * backends live as long as the manager); set by manager_op_take_volume
   * and manager_op_take_backend */
  NovaVolumeBackend  *backend;
  NovaVolumeDriver   *driver;
  /* what only this kind of operation needs, in a struct of its own
   * defined beside it (freed with the operation by @data_free), so a reader
   * sees which inputs a step uses: create, extend, snapshot, attach, the
   * connection calls, migrate and export-lost keep theirs so */
  gpointer            data;
  GDestroyNotify      data_free;

  /* inputs several kinds of operation share: the backend a caller named
   * (create, migrate, a refresh), the ids the queue holds, the caller */
  char               *backend_name;
  char               *volume_id;
  char               *snapshot_id;
  char               *source_volume_id;
  char               *backup_id;       /* held exclusively */
  gboolean            refresh;
  /* a read of a backend's stats: when it began, and what the records
   * provisioned on the backend then */
  gint64              stats_read_at;
  guint64             stats_provisioned;
  guint               caller_uid;
  char               *caller_bus_name;
  gboolean            volume_shared;    /* the operation only reads the volume */
  /* a delete, a detach or a disconnect: its commits may use the reserve
   * (see nova-volume-reserve.h) */
  gboolean            frees_space;
  gboolean            snapshot_shared;  /* ... or the snapshot */
  char               *exclusive_key;    /* one more key held exclusively, or NULL */

  /* working copies the worker thread may change */
  NovaVolumeRecord   *volume;
  NovaVolumeRecord   *source;
  NovaSnapshotRecord *snapshot;
  /* a delete's volume or snapshot as it was, to put back when the
   * driver refuses (see delete_volume in nova-volume-driver.h) */
  NovaVolumeRecord   *volume_before;
  NovaSnapshotRecord *snapshot_before;

  /* outputs */
  GVariant           *result;
  GError             *error;           /* set by a step that failed */
  gboolean            cleaned_up;      /* a failed create undid its backend work */
  gboolean            later_removal_of_snapshot; /* what commit_removed_later forgets */
  gboolean            commit_failed;   /* the latest commit through the writer failed */
  NovaVolumeJob      *job;             /* a long copy in progress, or NULL */

  OpStep              start;
  OpStep              thread_step;
  OpStep              commit_step;     /* after thread_step, on its thread: see manager_op_in_thread_then_commit */
  OpStep              then;
};

/* ---- operations (nova-volume-manager-ops.c) -------------------------- */

Op      *manager_op_new       (NovaVolumeManager *self, const char *what, OpResultKind result_kind,
                               GAsyncReadyCallback callback, gpointer user_data);
void     manager_op_return    (Op *op);
void     manager_op_fail      (Op *op, NovaVolumeErrorCode code, const char *format, ...)
                               G_GNUC_PRINTF (3, 4);
void     manager_op_reject    (Op *op, GError *error);
void     manager_op_in_thread (Op *op, OpStep thread_step, OpStep then);
/* The same, and when @thread_step leaves no error, @commit runs on the
 * worker thread right after it: a step's commit (one of the
 * manager_op_commit_*_then below) goes to the store's writer without a turn
 * of the main loop, and its @then goes on on the main thread. After an
 * error, @then runs on the main thread as above. */
void     manager_op_in_thread_then_commit (Op *op, OpStep thread_step, OpStep commit, OpStep then);
/* @func (@data) in a later turn of @context (the operations' context) */
void     manager_run_on_context (GMainContext *context, GSourceFunc func, gpointer data);
/* the manager's pool of worker threads (nova-volume-manager.c owns it) */
GThreadPool *manager_op_pool_new (void);

/* A named crash point "<what>:<step>" ("clone-volume:after-commit-creating"),
 * for the crash tests; nothing in a build without -Dcrash_points=true. */
#if NOVA_VOLUME_CRASH_POINTS
void     manager_crash_point (Op *op, const char *step);
#define  MANAGER_CRASH_POINT(op, step) manager_crash_point ((op), (step))
#else
#define  MANAGER_CRASH_POINT(op, step) ((void) 0)
#endif
void     manager_op_submit    (Op *op, OpStep start);

gboolean manager_op_take_volume         (Op *op);
/* Sets op->backend and op->driver to the backend named @name, or fails
 * the operation (and returns FALSE) when this daemon does not serve it,
 * it is down, or its driver is not @driver_name (when not NULL). */
gboolean manager_op_take_backend        (Op *op, const char *name, const char *driver_name);
NovaVolumeBackend *manager_lookup_backend (NovaVolumeManager *self, const char *name);
gboolean manager_op_check_volume_status (Op *op, const NovaVolumeStatus *allowed, gsize n_allowed);
gboolean manager_check_text             (const char *what, const char *text, gsize max_len, GError **error);
/* At most METADATA_MAX_ITEMS items, keys not empty, keys and values text
 * of at most METADATA_MAX_LEN bytes; NULL passes. */
gboolean manager_check_metadata         (GHashTable *metadata, GError **error);

/* ---- checks (nova-volume-manager-checks.c) --------------------------- */

/* The snapshots of volume @volume_id, from the index by volume; their ids
 * appended to @ids (may be NULL), ", " between them, the first ten and
 * how many more. */
guint    manager_count_snapshots_of (NovaVolumeManager *self, const char *volume_id, GString *ids);
/* Asks backend @on's driver for its capacity (worker thread) and refuses
 * @needed bytes more by the backend's reserved_percentage and, when it
 * provisions thinly, its max_over_subscription_ratio; with a volume type,
 * also refuses a backend that does not match its extra specs; with
 * @multiattach, one whose stats do not say multiattach (NotSupported). */
gboolean manager_check_free_space   (NovaVolumeManager *self, NovaVolumeBackend *on, guint64 needed,
                                     const char *volume_type, gboolean multiattach, GError **error);
/* TRUE when backend @on's latest stats (read within backend_stats_
 * interval), less the bytes provisioned on it since (thick: as Cinder's
 * scheduler consumes a volume from a host's free space until its next
 * report), pass the same checks: a create then goes on without asking
 * the driver (main thread, no worker). FALSE: ask the driver
 * (manager_check_free_space), whose answer words a refusal. */
gboolean manager_free_space_known   (NovaVolumeManager *self, NovaVolumeBackend *on, guint64 needed,
                                     const char *volume_type, gboolean multiattach);
/* Main thread: a read of @op's backend's stats begins (the mark
 * nova_volume_backend_set_stats_read keeps). */
void     manager_op_mark_stats_read (Op *op);
/* @stats (a driver's) with what the backend's configuration says of its
 * capacity: reserved_percentage and max_over_subscription_ratio. */
GVariant *manager_stats_with_policy (NovaVolumeBackend *backend, GVariant *stats);
/* Whether a driver refused a delete (of a volume or a snapshot) without
 * changing anything: Busy. */
gboolean manager_delete_refused     (const GError *error);
/* The operation's snapshot (op->snapshot_id), which must be available:
 * a copy of it in op->snapshot, and its volume returned; else the
 * operation fails ("cannot @doing snapshot X: it is ...") and NULL. */
const NovaVolumeRecord *manager_op_take_available_snapshot (Op *op, const char *doing);

/* Logs, per backend, what it holds that the store has no record of
 * (nova-volume-manager-recover.c); init_host's last step. */
void manager_report_unrecorded (NovaVolumeManager *self);

/* ---- recorded connections (nova-volume-manager-connections.c) -------- */

/* Reads every volume's recorded connections from the store into memory;
 * the calls read them there, and commits keep them so. */
gboolean   manager_load_connections     (NovaVolumeManager *self, GError **error);
/* A copy of volume @volume_id's recorded connectors, in the order they
 * were first recorded (empty when none), or NULL with @error when the
 * store's rows of it could not be read. */
GPtrArray *manager_recorded_connections (NovaVolumeManager *self, const char *volume_id, GError **error);
/* After a commit: @connector is recorded under @key, or no longer */
void       manager_keep_connection      (NovaVolumeManager *self, const char *volume_id, const char *key,
                                         GVariant *connector);
void       manager_drop_connection      (NovaVolumeManager *self, const char *volume_id, const char *key);

/* ---- commits (nova-volume-manager-commits.c) ------------------------- */

/* An operation's step commits through the store's writer: @then runs on
 * the main thread once the change is durable (the live record changed and
 * its signal fired first) or has failed. These may be called on the
 * operation's worker thread too (see manager_op_in_thread_then_commit).
 * An operation that has an error (it failed before) keeps it, whatever
 * the commit says; otherwise a failed commit becomes its error. A failed
 * status commit leaves the live record settled as a restart would settle
 * it. The *_failure_then ones record the operation's failure, with its
 * error as the reason. */
void manager_op_commit_volume_status_then    (Op *op, NovaVolumeStatus status, const char *reason, OpStep then);
/* The intent before a driver step: @status committed, then at once (from
 * the store's writer, without a turn of the main loop) as
 * manager_op_in_thread_then_commit (@thread_step, @commit, @then); the
 * live record follows on the main thread before anything the step hands
 * on. A failed commit ends the operation (manager_op_return). */
void manager_op_commit_volume_status_then_in_thread (Op *op, NovaVolumeStatus status, OpStep thread_step,
                                                     OpStep commit, OpStep then);
void manager_op_commit_volume_failure_then   (Op *op, NovaVolumeStatus status, OpStep then);
void manager_op_commit_volume_removed_then   (Op *op, OpStep then);
/* The removal of a volume the driver has deleted, when its "deleting"
 * is on disk: a start would finish that delete (the drivers' deletes are
 * idempotent), so no crash can bring the volume back for good, and the
 * live record goes and @then runs at once (on the main thread) while
 * the row's removal is committed behind the answer, synced as any
 * commit. A failed write is only logged: the store keeps "deleting"
 * until a start. */
void manager_op_commit_volume_removed_later_then (Op *op, OpStep then);
/* The same for a snapshot the driver has deleted, its "deleting" on disk. */
void manager_op_commit_snapshot_removed_later_then (Op *op, OpStep then);
/* manager_op_commit_volume_status_then_in_thread for op->snapshot. */
void manager_op_commit_snapshot_status_then_in_thread (Op *op, NovaSnapshotStatus status, OpStep thread_step,
                                                       OpStep commit, OpStep then);
/* A refused change: the status op->volume_before had comes back, and the
 * operation keeps its error (so for snapshots). */
void manager_op_commit_volume_as_before_then   (Op *op, OpStep then);
void manager_op_commit_snapshot_as_before_then (Op *op, OpStep then);
void manager_op_commit_snapshot_status_then  (Op *op, NovaSnapshotStatus status, const char *reason, OpStep then);
void manager_op_commit_snapshot_failure_then (Op *op, NovaSnapshotStatus status, OpStep then);
void manager_op_commit_snapshot_removed_then (Op *op, OpStep then);
/* A snapshot other than op->snapshot (a backup's temporary one), in its
 * status, or its removal; @quiet: a failure is logged, and the operation
 * goes on as if the commit had succeeded. */
void manager_op_commit_other_snapshot_then         (Op *op, NovaSnapshotRecord *snapshot, gboolean quiet,
                                                    OpStep then);
void manager_op_commit_other_snapshot_removed_then (Op *op, const char *id, gboolean quiet, OpStep then);
/* @backup (the operation's copy) with @status, or op->backup_id's removal */
void manager_op_commit_backup_status_then  (Op *op, NovaBackupRecord *backup, NovaBackupStatus status,
                                            const char *reason, OpStep then);
void manager_op_commit_backup_removed_then (Op *op, OpStep then);
/* connector @connector of volume op->volume_id recorded under @key, or
 * that record removed (already gone is no failure) */
void manager_op_commit_connection_then         (Op *op, const char *key, GVariant *connector, OpStep then);
void manager_op_commit_connection_removed_then (Op *op, const char *key, OpStep then);
/* Unmanage: op->volume's row goes and a released row names its backend;
 * Manage: the released row of op->volume_id goes (a failure is only
 * logged: a stale row only keeps quiet what is recorded anyway) */
void manager_op_commit_volume_released_then    (Op *op, OpStep then);
void manager_op_commit_released_forgotten_then (Op *op, OpStep then);
/* @backups (NovaBackupRecord, the operation's) in one commit */
void manager_op_commit_backups_then        (Op *op, GPtrArray *backups, OpStep then);
/* ends the job the operation started, if any, and answers */
void manager_op_finish (Op *op);

/* What runs before the daemon serves (init_host, --recover) commits in
 * place, on the calling thread. */
/* A commit failed (@error): when it was for want of space and the reserve
 * held some, gives it back and clears @error, so the caller commits once
 * more (TRUE). Only for commits of what frees space. */
gboolean manager_use_reserve               (NovaVolumeManager *self, GError **error);

gboolean manager_commit_volume             (NovaVolumeManager *self, NovaVolumeRecord *volume,
                                            GError **error);
gboolean manager_commit_volume_removed     (NovaVolumeManager *self, const char *id, GError **error);
/* The volume's row is gone from the store: it goes from memory too, its
 * bytes from its backend's count, and "volume-removed" fires. */
void     manager_forget_volume             (NovaVolumeManager *self, const char *id);
gboolean manager_commit_snapshot           (NovaVolumeManager *self, NovaSnapshotRecord *snapshot,
                                            GError **error);
gboolean manager_commit_snapshot_removed   (NovaVolumeManager *self, const char *id, GError **error);

/* ---- jobs (nova-volume-manager-ops.c) -------------------------------- */

void manager_op_start_job (Op *op, const char *operation, guint64 bytes);
void manager_op_end_job   (Op *op);

/* ---- connections (nova-volume-manager-connections.c) ----------------- */

gboolean manager_op_check_no_connections (Op *op);
/* A connector that names a valid host, within the limits of what is kept. */
gboolean  manager_check_connector            (GVariant *connector, GError **error);
/* The connector recorded for volume @volume_id's connection from host
 * @host (its "host" key), or NULL (@host "": none). */
GVariant *manager_find_connection            (NovaVolumeManager *self, const char *volume_id, const char *host,
                                              GError **error);
/* @connector without auth.* and without what could be a secret (keys
 * naming a password, secret, key or token), for an Attachment's Connector */
GVariant *manager_connector_without_secrets  (GVariant *connector);
/* @connector with access_mode @mode: what the driver gets, to enforce */
GVariant *manager_connector_with_mode        (GVariant *connector, const char *mode);
/* @connector as a driver gets it for @volume: with the access_mode of
 * the volume's attachment on the connector's host (rw when none) */
GVariant *manager_connector_for_driver       (const NovaVolumeRecord *volume, GVariant *connector);

/* ---- settling (nova-volume-manager-settle.c) ------------------------- */

gboolean manager_settle_volume   (NovaVolumeRecord *volume);
gboolean manager_settle_snapshot (NovaSnapshotRecord *snapshot);

/* The driver's "export-lost" handler: the volume becomes error. */
void manager_on_export_lost (NovaVolumeDriver *driver, const char *volume_id, const char *reason,
                             NovaVolumeManager *self);

/* Stops the refreshes nova_volume_manager_watch_backends started
 * (nova-volume-manager-backends.c). */
void manager_unwatch_backends (NovaVolumeManager *self);

/* Submits, for every volume whose migration names a leftover copy, the
 * operation that deletes it (nova-volume-manager-migrate.c); init_host's
 * last step. */
void manager_finish_migrations (NovaVolumeManager *self);
/* Deletes the copy @volume's migration names (any thread); TRUE when
 * nothing is left. @own_driver: the driver of the volume's backend. */
gboolean manager_delete_migration_leftover (NovaVolumeManager *self, NovaVolumeDriver *own_driver,
                                            const NovaVolumeRecord *volume, GError **error);

/* Counts each backend's provisioned bytes, volumes and snapshots from the
 * records again (at start; every change keeps them after). */
void manager_count_on_backends (NovaVolumeManager *self);
/* Keeps a copy of @snapshot in the records and the index by volume. */
void manager_keep_snapshot (NovaVolumeManager *self, const NovaSnapshotRecord *snapshot);
/* The ids of @volume_id's snapshots (a set), or NULL when it has none. */
GHashTable *manager_snapshot_ids_of (NovaVolumeManager *self, const char *volume_id);

/* ---- backups (nova-volume-manager-backup.c) ------------------------- */

gboolean manager_commit_backup         (NovaVolumeManager *self, NovaBackupRecord *backup, GError **error);
gboolean manager_commit_backup_removed (NovaVolumeManager *self, const char *id, GError **error);
/* @backup is in the store: the live record and the signal follow; or
 * backup @id's row is gone */
void     manager_apply_backup          (NovaVolumeManager *self, const NovaBackupRecord *backup);
void     manager_forget_backup         (NovaVolumeManager *self, const char *id);
/* The operation's backup (op->backup_id), which must be available: a
 * copy of its manifest from the repository, or NULL with the operation
 * failed ("cannot @doing backup X: ..."). */
const NovaBackupRecord *manager_op_take_available_backup (Op *op, const char *doing);
/* Worker thread: the manifest of backup @backup, checked against its
 * record (its id, its size). */
NovaBackupManifest *manager_read_backup_manifest (NovaVolumeManager *self, const NovaBackupRecord *backup,
                                                  GError **error);
/* Worker thread: writes backup @backup into @volume (@new_volume: it reads
 * zeros where nothing was written) through its driver; progress to @job. */
gboolean manager_restore_into (NovaVolumeManager *self, NovaVolumeDriver *driver, const NovaBackupRecord *backup,
                               NovaVolumeRecord *volume, gboolean new_volume, NovaVolumeJob *job, GError **error);
/* init_host: settles the backups an interrupted operation left, and
 * lists what the repository holds that the store does not. */
void manager_reconcile_backups (NovaVolumeManager *self);

/* Forgets the instance, mountpoint and host of an attachment. */
void manager_clear_attachment (NovaVolumeRecord *volume);

G_END_DECLS
