/* nova-volume-bench: the daemon under measurement. A private dbus-daemon
 * (session-style config in the bench's directory) and nova-volumed with
 * the file driver on it; every wait has a bound, and a stop is SIGTERM,
 * then SIGKILL. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define BENCH_BUS_NAME     "org.openstack.Volume1"
#define BENCH_ROOT_PATH    "/org/openstack/Volume1"
#define BENCH_MANAGER_PATH "/org/openstack/Volume1/Manager"
#define BENCH_IFACE_MANAGER  "org.openstack.Volume1.Manager"
#define BENCH_IFACE_VOLUME   "org.openstack.Volume1.Volume"
#define BENCH_IFACE_SNAPSHOT "org.openstack.Volume1.Snapshot"
#define BENCH_IFACE_BACKUP   "org.openstack.Volume1.Backup"

/* the bound on one call; a 1 GiB copy on a loaded disk stays well inside */
#define BENCH_CALL_TIMEOUT_MS (600 * 1000)

typedef struct {
  char            *dir;          /* the bench's scratch directory */
  char            *state_dir;    /* the daemon's --state-dir */
  char            *config_path;
  char            *log_path;     /* the daemon's stdout and stderr */
  GSubprocess     *bus;
  char            *bus_address;
  GDBusConnection *connection;
  GSubprocess     *daemon;
} BenchDaemon;

/* The paths of the programs: $NOVA_VOLUMED, else the build tree's. */
const char *bench_nova_volumed_path (void);

/* Starts the bus in @dir and connects to it; writes the daemon's config. */
BenchDaemon *bench_daemon_new (const char *dir, GError **error);
/* Stops what still runs; leaves the directory. */
void bench_daemon_free (BenchDaemon *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchDaemon, bench_daemon_free)

/* Starts nova-volumed and waits until it owns the name (@owned_after:
 * seconds from the spawn) and then answers GetManagedObjects
 * (@ready_after). Either may be NULL. */
gboolean bench_daemon_start (BenchDaemon *self, double *owned_after, double *ready_after, GError **error);
/* SIGTERM, at most 60 s, then SIGKILL. Fails when it did not exit 0. */
gboolean bench_daemon_stop (BenchDaemon *self, GError **error);
/* VmRSS and VmHWM of the running daemon, in bytes */
gboolean bench_daemon_memory (BenchDaemon *self, guint64 *rss, guint64 *hwm, GError **error);
/* the tail of the daemon's log, for an error message */
void bench_daemon_print_log_tail (BenchDaemon *self);

/* Calls as gdbus does, bounded by BENCH_CALL_TIMEOUT_MS. */
GVariant *bench_call (BenchDaemon *self, const char *path, const char *iface, const char *method,
                      GVariant *params, const char *reply_type, GError **error);
/* the same to the bus name @name (a floor's server) */
GVariant *bench_call_to (BenchDaemon *self, const char *name, const char *path, const char *iface,
                         const char *method, GVariant *params, const char *reply_type, GError **error);
/* CreateVolume(@size, @options or {}): the new volume's object path */
char *bench_create_volume (BenchDaemon *self, guint64 size, GVariant *options, GError **error);
gboolean bench_delete (BenchDaemon *self, const char *path, const char *iface, GError **error);
/* a string property, through Properties.Get */
char *bench_get_string (BenchDaemon *self, const char *path, const char *iface, const char *name,
                        GError **error);

G_END_DECLS
