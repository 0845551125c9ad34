/* The service tests' harness: a private dbus-daemon, the real nova-volumed
 * on it, and calls made the way gdbus makes them. */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

G_BEGIN_DECLS

#define BUS_NAME     "org.openstack.Volume1"
#define ROOT_PATH    "/org/openstack/Volume1"
#define MANAGER_PATH "/org/openstack/Volume1/Manager"
#define IFACE_MANAGER  "org.openstack.Volume1.Manager"
#define IFACE_VOLUME   "org.openstack.Volume1.Volume"
#define IFACE_SNAPSHOT "org.openstack.Volume1.Snapshot"
#define ERROR_PREFIX "org.openstack.Volume1.Error."

#define INSTANCE_A "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10"
#define INSTANCE_B "9b1f7f1e-2a4d-4e57-8c55-3f0e6f7a1b22"
#define INSTANCE_C "5d2c9a60-7e1b-4c3f-9d8a-2b6e4f1a0c33"
#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define GIB (G_GUINT64_CONSTANT (1) << 30)

typedef struct {
  gboolean         system_bus;   /* run without --session, as on the system bus */
  gboolean         any_user_bus; /* the bus lets every uid connect */
  GSubprocess     *bus;
  char            *bus_address;
  GDBusConnection *connection;
  char            *dir;
  char            *state_dir;
  char            *config_path;
  char            *log_path;
  GSubprocess     *daemon;
  const char      *daemon_option; /* one more option for the next daemon_start, or NULL */
} Fixture;


/* The binaries under test: $NOVA_VOLUMED / $NOVA_VOLUMECTL (meson sets
 * them), else the ones in this build tree. */
const char *nova_volumed_path (void);
const char *nova_volumectl_path (void);

void bus_start (Fixture *fx);
void bus_stop (Fixture *fx);
/* A new client connection to the fixture's bus. */
GDBusConnection *bus_connect (Fixture *fx);
void print_daemon_log (Fixture *fx);
gboolean name_has_owner (Fixture *fx);
gboolean daemon_ready (Fixture *fx);
void daemon_start (Fixture *fx);
void daemon_stop (Fixture *fx);
/* Waits for @process to end, at most 60 s (then kills it and fails). */
void wait_or_kill (GSubprocess *process, const char *what);
void write_config (Fixture *fx, const char *driver);
void fixture_setup (Fixture *fx, gconstpointer data);
/* The same with the bus playing the system bus: any uid may connect. */
void fixture_setup_system_bus (Fixture *fx, gconstpointer data);
/* A session-bus daemon on a bus that other uids can reach too. */
void fixture_setup_shared_session_bus (Fixture *fx, gconstpointer data);
/* The directory, its config and the bus: the test starts the daemon. */
void fixture_setup_without_daemon (Fixture *fx, gconstpointer data);
void fixture_teardown (Fixture *fx, gconstpointer data);
GVariant *call (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params, const char *reply_type, GError **error);
/* call(), passing @fd along (a duplicate; the handle in @params is 0) */
GVariant *call_with_fd (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params, int fd,
                        const char *reply_type, GError **error);
void call_ok (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params);
void assert_dbus_error (GError *error, const char *name);
void call_fails (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params, const char *error_name);
char *create_volume (Fixture *fx, guint64 size, GVariant *options);
char *create_snapshot (Fixture *fx, const char *volume, gboolean force);
GVariant *get_property (Fixture *fx, const char *path, const char *iface, const char *name);
char *get_string (Fixture *fx, const char *path, const char *iface, const char *name);
guint64 get_uint64 (Fixture *fx, const char *path, const char *iface, const char *name);
void assert_status (Fixture *fx, const char *path, const char *iface, const char *expected);
GVariant *connector (void);
char *connect_volume (Fixture *fx, const char *volume);
void disconnect_volume (Fixture *fx, const char *volume);
char *fingerprint (Fixture *fx);

/* Random bytes written at a few offsets of a volume's device or file, to
 * be read back there, or on a copy of the volume, later. */
#define CHUNK      4096
#define CHUNKS_MAX 4
typedef struct {
  const guint64 *offsets;
  gsize          n_offsets;
  guint8         bytes[CHUNKS_MAX][CHUNK];
} Chunks;
void write_chunks  (const char *path, Chunks *chunks, guint32 seed);
void assert_chunks (const char *path, const Chunks *chunks);

/* Restarts the daemon with the logging driver holding every copy until
 * its Job is cancelled. */
void use_held_copies (Fixture *fx);
/* Starts @method (with @fd_list, may be NULL; its reply goes to @result,
 * finish it with g_dbus_connection_call_with_unix_fd_list_finish) and
 * returns the path of the Job it shows. */
char *start_call_with_job (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params,
                           GUnixFDList *fd_list, GAsyncResult **result);
/* Starts CreateVolume as a clone of @source (its reply goes to @result)
 * and returns the path of the Job it shows. */
char *start_held_clone (Fixture *fx, const char *source, GAsyncResult **result);
/* Waits until Job @job reports the logging driver's held copy half way
 * (Progress 0.5): the report comes from the copy's thread after the Job
 * appears, later on a slow machine. A hang guard of 60 s only. */
void wait_job_half_way (Fixture *fx, const char *job);

G_END_DECLS
