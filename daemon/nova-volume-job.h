/* nova-volume: a long operation in progress (a copy, a clone), shown on
 * the bus as an org.openstack.Volume1.Job while it runs. The worker
 * thread reports progress; the main thread sees it as the "progress"
 * property; Cancel() reaches the driver through the job's GCancellable. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_JOB (nova_volume_job_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeJob, nova_volume_job, NOVA_VOLUME, JOB, GObject)

/* @operation: "volume-clone", "volume-create-from-snapshot", ...;
 * @volume_ids, @snapshot_ids: what it works on (NULL-terminated, may be
 * NULL); @started_by_uid: the caller's uid, or (uid_t) -1 when unknown;
 * @started_by: the caller's unique bus name, NULL when there is none (a
 * job started from inside the daemon). A new job is cancelable. */
NovaVolumeJob *nova_volume_job_new (const char        *operation,
                                    const char *const *volume_ids,
                                    const char *const *snapshot_ids,
                                    guint              started_by_uid,
                                    const char        *started_by);

guint               nova_volume_job_get_number         (NovaVolumeJob *self);
const char         *nova_volume_job_get_operation      (NovaVolumeJob *self);
const char *const  *nova_volume_job_get_volume_ids     (NovaVolumeJob *self);
const char *const  *nova_volume_job_get_snapshot_ids   (NovaVolumeJob *self);
/* The backup it makes, restores or reads (set before "job-added"), or NULL. */
void                nova_volume_job_set_backup_id      (NovaVolumeJob *self, const char *backup_id);
const char         *nova_volume_job_get_backup_id      (NovaVolumeJob *self);
double              nova_volume_job_get_progress       (NovaVolumeJob *self);
gint64              nova_volume_job_get_started_at     (NovaVolumeJob *self);
guint               nova_volume_job_get_started_by_uid (NovaVolumeJob *self);
/* "" when the job was not started over the bus */
const char         *nova_volume_job_get_started_by     (NovaVolumeJob *self);
gboolean            nova_volume_job_get_cancelable     (NovaVolumeJob *self);
GCancellable       *nova_volume_job_get_cancellable    (NovaVolumeJob *self);

/* What the copy moves, in bytes (set before "job-added"; 0: not known),
 * and the bytes a second it has moved so far on average (0 while not
 * known). */
void                nova_volume_job_set_bytes          (NovaVolumeJob *self, guint64 bytes);
guint64             nova_volume_job_get_bytes          (NovaVolumeJob *self);
guint64             nova_volume_job_get_rate           (NovaVolumeJob *self);

/* A NovaVolumeProgressFunc for drivers: callable from any thread; the
 * "progress" property changes on the main thread, at most every 100 ms. */
void nova_volume_job_report_progress (double fraction, gpointer job);

/* An operation whose driver step cannot stop half way says so before
 * "job-added", so that clients see Cancelable false and Cancel() is
 * refused instead of promising what cannot happen. */
void nova_volume_job_set_cancelable (NovaVolumeJob *self, gboolean cancelable);

void nova_volume_job_cancel (NovaVolumeJob *self);

/* Emits "completed" (success, message) once. */
void nova_volume_job_complete (NovaVolumeJob *self, const GError *error);

G_END_DECLS
