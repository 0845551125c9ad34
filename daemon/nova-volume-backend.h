/* nova-volume: one backend the daemon serves: a name, its configuration,
 * and the driver that was set up for it, or the reason it is down. The
 * manager routes every volume's operations to its backend's driver; the
 * daemon shows each as an org.openstack.Volume1.Backend object. Main
 * thread only, but for the driver, which worker threads call. */
#pragma once

#include "nova-volume-driver.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_BACKEND (nova_volume_backend_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeBackend, nova_volume_backend, NOVA_VOLUME, BACKEND, GObject)

/* A backend that is up, served by @driver. */
NovaVolumeBackend *nova_volume_backend_new_up   (NovaVolumeConfig *config, NovaVolumeDriver *driver);
/* A backend whose driver could not be set up, and why. */
NovaVolumeBackend *nova_volume_backend_new_down (NovaVolumeConfig *config, const char *reason);

/* Sets up the driver of each backend of @config (nova_volume_config_
 * get_backend), each with its own driver context over @executor and
 * @ledger. A driver that fails makes its backend down with the reason;
 * the daemon decides whether that is fatal. */
GPtrArray *nova_volume_backends_load (NovaVolumeConfig   *config,
                                      NovaVolumeExecutor *executor,
                                      NovaVolumeLedger   *ledger,
                                      const char         *state_dir);

const char       *nova_volume_backend_get_name         (NovaVolumeBackend *self);
NovaVolumeConfig *nova_volume_backend_get_config       (NovaVolumeBackend *self);
/* The configured driver's short name, up or down. */
const char       *nova_volume_backend_get_driver_name  (NovaVolumeBackend *self);
/* NULL when the backend is down. */
NovaVolumeDriver *nova_volume_backend_get_driver       (NovaVolumeBackend *self);
gboolean          nova_volume_backend_is_up            (NovaVolumeBackend *self);
/* Why its driver could not be set up ("" when up). */
const char       *nova_volume_backend_get_state_reason (NovaVolumeBackend *self);
/* "up", or "down" when its driver could not be set up or its latest
 * refresh failed; *out_reason says why ("" when up). */
const char       *nova_volume_backend_get_state        (NovaVolumeBackend *self, const char **out_reason);
/* The latest refresh failed with @message; NULL: it worked. "changed". */
void              nova_volume_backend_set_refresh_error (NovaVolumeBackend *self, const char *message);

/* The driver's latest get_volume_stats a{sv}, or NULL before the first. */
GVariant         *nova_volume_backend_get_stats        (NovaVolumeBackend *self);
/* Keeps @stats (a full reference is taken), forgets a refresh error and
 * emits "changed". */
void              nova_volume_backend_set_stats        (NovaVolumeBackend *self, GVariant *stats);
/* The same, for stats the driver began to read at @read_at (monotonic),
 * when the manager's records provisioned @provisioned bytes on it. */
void              nova_volume_backend_set_stats_read   (NovaVolumeBackend *self, GVariant *stats,
                                                        guint64 provisioned, gint64 read_at);
/* TRUE when the latest stats were read less than @max_age_us ago and
 * the latest refresh worked: *out_stats (borrowed) and the bytes
 * provisioned on the backend since they were read. */
gboolean          nova_volume_backend_get_recent_stats (NovaVolumeBackend *self, gint64 max_age_us,
                                                        GVariant **out_stats, guint64 *out_provisioned_since);
/* What the latest stats say an admin must act on (a thin pool past
 * thin_pool_warn_percent), or NULL. Logged as thin-pool-warning when it
 * appears. */
const char       *nova_volume_backend_get_warning      (NovaVolumeBackend *self);
/* What the manager's records hold on the backend, kept as they change
 * (no call counts them again): the provisioned bytes, the volumes and
 * their snapshots. When the bytes change, "changed" and "volumes-changed"
 * (the driver's figures are stale). */
void              nova_volume_backend_set_counts       (NovaVolumeBackend *self, guint64 provisioned,
                                                        guint n_volumes, guint n_snapshots);
guint64           nova_volume_backend_get_provisioned  (NovaVolumeBackend *self);
guint             nova_volume_backend_get_n_volumes    (NovaVolumeBackend *self);
guint             nova_volume_backend_get_n_snapshots  (NovaVolumeBackend *self);

G_END_DECLS
