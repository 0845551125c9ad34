/* nova-volume-bench: the private bus and the daemon under measurement. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bench-daemon.h"
#include "bench-report.h"

/* bounds on waits that end in well under a second when all is well */
#define START_TIMEOUT_S 300.0
#define STOP_TIMEOUT_S  60.0
#define KILL_TIMEOUT_S  10.0

const char *
bench_nova_volumed_path (void)
{
  const char *path = g_getenv ("NOVA_VOLUMED");

  return path != NULL && *path != '\0' ? path : BENCH_NOVA_VOLUMED;
}

static void
die_with_parent (gpointer user_data)
{
  /* an interrupted bench must not leave a bus or a daemon behind */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Waits at most @seconds for @process to end; GSubprocess reaps it from
 * GLib's worker thread, so no main loop is needed here. */
static gboolean
wait_exit (GSubprocess *process, double seconds)
{
  double deadline = bench_now () + seconds;

  while (g_subprocess_get_identifier (process) != NULL)
    {
      if (bench_now () > deadline)
        return FALSE;
      g_usleep (2 * 1000);
    }
  return g_subprocess_wait (process, NULL, NULL);
}

/* SIGTERM, then SIGKILL after @seconds; TRUE when it ended on SIGTERM */
static gboolean
terminate (GSubprocess *process, double seconds)
{
  if (g_subprocess_get_identifier (process) == NULL)
    return wait_exit (process, 0);
  g_subprocess_send_signal (process, SIGTERM);
  if (wait_exit (process, seconds))
    return TRUE;
  g_subprocess_force_exit (process);
  wait_exit (process, KILL_TIMEOUT_S);
  return FALSE;
}

static gboolean
bus_start (BenchDaemon *self, GError **error)
{
  g_autofree char *config = g_build_filename (self->dir, "bus.conf", NULL);
  g_autofree char *config_arg = g_strconcat ("--config-file=", config, NULL);
  g_autofree char *log = g_build_filename (self->dir, "dbus-daemon.log", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  /* a session bus of our own; the limits are the session bus's, far
   * above what 10,000 volumes and a window of concurrent calls need */
  g_autofree char *text = g_strdup_printf (
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>session</type>\n"
    "  <listen>unix:path=%s/bus</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
    "    <allow eavesdrop=\"true\"/>\n"
    "    <allow own=\"*\"/>\n"
    "  </policy>\n"
    "  <limit name=\"max_incoming_bytes\">1000000000</limit>\n"
    "  <limit name=\"max_outgoing_bytes\">1000000000</limit>\n"
    "  <limit name=\"max_message_size\">1000000000</limit>\n"
    "  <limit name=\"max_replies_per_connection\">50000</limit>\n"
    "  <limit name=\"max_match_rules_per_connection\">50000</limit>\n"
    "  <limit name=\"reply_timeout\">600000</limit>\n"
    "</busconfig>\n",
    self->dir);

  if (!g_file_set_contents (config, text, -1, error))
    return FALSE;
  /* its complaints (an fd limit it may not raise) are not figures */
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  self->bus = g_subprocess_launcher_spawn (launcher, error, "dbus-daemon", config_arg, "--nofork",
                                           "--nopidfile", "--print-address=1", NULL);
  if (self->bus == NULL)
    return FALSE;
  /* the address line comes as soon as the bus listens */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->bus));
  self->bus_address = g_data_input_stream_read_line (out, NULL, NULL, error);
  if (self->bus_address == NULL)
    {
      if (error != NULL && *error == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "dbus-daemon printed no address");
      return FALSE;
    }
  g_strstrip (self->bus_address);
  self->connection = g_dbus_connection_new_for_address_sync (self->bus_address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                             | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, error);
  return self->connection != NULL;
}

BenchDaemon *
bench_daemon_new (const char *dir, GError **error)
{
  g_autoptr(BenchDaemon) self = g_new0 (BenchDaemon, 1);
  /* the file driver, as a per-user daemon runs it; the rest defaults */
  const char *config = "[DEFAULT]\nvolume_driver = file\nstorage_availability_zone = nova\n";

  self->dir = g_strdup (dir);
  self->state_dir = g_build_filename (dir, "state", NULL);
  self->config_path = g_build_filename (dir, "nova-volume.conf", NULL);
  self->log_path = g_build_filename (dir, "nova-volumed.log", NULL);
  if (!g_file_set_contents (self->config_path, config, -1, error))
    return NULL;
  if (!bus_start (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
bench_daemon_free (BenchDaemon *self)
{
  if (self->daemon != NULL)
    terminate (self->daemon, STOP_TIMEOUT_S);
  if (self->connection != NULL)
    g_dbus_connection_close_sync (self->connection, NULL, NULL);
  if (self->bus != NULL)
    terminate (self->bus, STOP_TIMEOUT_S);
  g_clear_object (&self->daemon);
  g_clear_object (&self->connection);
  g_clear_object (&self->bus);
  g_free (self->bus_address);
  g_free (self->dir);
  g_free (self->state_dir);
  g_free (self->config_path);
  g_free (self->log_path);
  g_free (self);
}

void
bench_daemon_print_log_tail (BenchDaemon *self)
{
  g_autofree char *log = NULL;
  gsize length = 0;
  const gsize tail = 4096;

  if (!g_file_get_contents (self->log_path, &log, &length, NULL))
    return;
  g_printerr ("---- the end of %s ----\n%s---- end ----\n", self->log_path,
              length > tail ? log + length - tail : log);
}

static void
on_name_owner_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *iface, const char *signal, GVariant *params, gpointer user_data)
{
  const char *name, *old_owner, *new_owner;

  g_variant_get (params, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (*new_owner != '\0')
    *(double *) user_data = bench_now ();
}

static gboolean
wake_up (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
bench_daemon_start (BenchDaemon *self, double *owned_after, double *ready_after, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GVariant) ping = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GSource) tick = NULL;
  double owned_at = 0;
  double started;
  double deadline;
  guint subscription;
  int log_fd;

  g_return_val_if_fail (self->daemon == NULL, FALSE);

  /* the signal that says it owns the name; the round trip makes sure the
   * bus has our match rule before the daemon can take the name */
  subscription = g_dbus_connection_signal_subscribe (self->connection, "org.freedesktop.DBus",
                                                     "org.freedesktop.DBus", "NameOwnerChanged",
                                                     "/org/freedesktop/DBus", BENCH_BUS_NAME,
                                                     G_DBUS_SIGNAL_FLAGS_NONE, on_name_owner_changed,
                                                     &owned_at, NULL);
  ping = g_dbus_connection_call_sync (self->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE ("(s)"),
                                      G_DBUS_CALL_FLAGS_NONE, BENCH_CALL_TIMEOUT_MS, NULL, error);
  if (ping == NULL)
    {
      g_dbus_connection_signal_unsubscribe (self->connection, subscription);
      return FALSE;
    }

  log_fd = open (self->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0)
    {
      int errsv = errno;
      g_dbus_connection_signal_unsubscribe (self->connection, subscription);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot open %s: %s", self->log_path,
                   g_strerror (errsv));
      return FALSE;
    }
  g_subprocess_launcher_take_stdout_fd (launcher, log_fd);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", self->bus_address, TRUE);
  /* measure the daemon as it runs by default: no debug messages */
  g_subprocess_launcher_unsetenv (launcher, "G_MESSAGES_DEBUG");

  started = bench_now ();
  deadline = started + START_TIMEOUT_S;
  self->daemon = g_subprocess_launcher_spawn (launcher, error, bench_nova_volumed_path (), "--session",
                                              "--state-dir", self->state_dir, "--config", self->config_path,
                                              NULL);
  if (self->daemon == NULL)
    {
      g_dbus_connection_signal_unsubscribe (self->connection, subscription);
      return FALSE;
    }

  /* the signal arrives through this thread's main context; the tick
   * wakes it to look at the deadline and at a daemon that died */
  tick = g_timeout_source_new (50);
  g_source_set_callback (tick, wake_up, NULL, NULL);
  g_source_attach (tick, NULL);
  while (owned_at == 0)
    {
      if (g_subprocess_get_identifier (self->daemon) == NULL || bench_now () > deadline)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_destroy (tick);
  g_dbus_connection_signal_unsubscribe (self->connection, subscription);
  if (owned_at == 0)
    {
      bench_daemon_print_log_tail (self);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "nova-volumed did not take %s (%s)",
                   BENCH_BUS_NAME,
                   g_subprocess_get_identifier (self->daemon) == NULL ? "it exited" : "timed out");
      terminate (self->daemon, STOP_TIMEOUT_S);
      g_clear_object (&self->daemon);
      return FALSE;
    }

  /* the daemon exports its objects before it owns the name: one call
   * shows it serves */
  objects = bench_call (self, BENCH_ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                        "(a{oa{sa{sv}}})", error);
  if (objects == NULL)
    return FALSE;
  if (owned_after != NULL)
    *owned_after = owned_at - started;
  if (ready_after != NULL)
    *ready_after = bench_now () - started;
  return TRUE;
}

gboolean
bench_daemon_stop (BenchDaemon *self, GError **error)
{
  gboolean clean;

  g_return_val_if_fail (self->daemon != NULL, FALSE);
  clean = terminate (self->daemon, STOP_TIMEOUT_S);
  if (clean && (!g_subprocess_get_if_exited (self->daemon) || g_subprocess_get_exit_status (self->daemon) != 0))
    clean = FALSE;
  g_clear_object (&self->daemon);
  if (!clean)
    {
      bench_daemon_print_log_tail (self);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "nova-volumed did not exit cleanly within %.0f s of SIGTERM", STOP_TIMEOUT_S);
    }
  return clean;
}

/* a "VmRSS:   1234 kB" line of /proc/<pid>/status, in bytes */
static gboolean
status_field (const char *status, const char *field, guint64 *bytes)
{
  g_autofree char *key = g_strconcat ("\n", field, ":", NULL);
  const char *line = strstr (status, key);

  if (line == NULL)
    return FALSE;
  *bytes = g_ascii_strtoull (line + strlen (key), NULL, 10) * 1024;
  return TRUE;
}

gboolean
bench_daemon_memory (BenchDaemon *self, guint64 *rss, guint64 *hwm, GError **error)
{
  const char *pid = self->daemon != NULL ? g_subprocess_get_identifier (self->daemon) : NULL;
  g_autofree char *path = NULL;
  g_autofree char *status = NULL;

  if (pid == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nova-volumed is not running");
      return FALSE;
    }
  path = g_strdup_printf ("/proc/%s/status", pid);
  if (!g_file_get_contents (path, &status, NULL, error))
    return FALSE;
  if (!status_field (status, "VmRSS", rss) || !status_field (status, "VmHWM", hwm))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no VmRSS or VmHWM in %s", path);
      return FALSE;
    }
  return TRUE;
}

GVariant *
bench_call (BenchDaemon *self, const char *path, const char *iface, const char *method, GVariant *params,
            const char *reply_type, GError **error)
{
  return bench_call_to (self, BENCH_BUS_NAME, path, iface, method, params, reply_type, error);
}

GVariant *
bench_call_to (BenchDaemon *self, const char *name, const char *path, const char *iface, const char *method,
               GVariant *params, const char *reply_type, GError **error)
{
  return g_dbus_connection_call_sync (self->connection, name, path, iface, method, params,
                                      reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, BENCH_CALL_TIMEOUT_MS, NULL, error);
}

char *
bench_create_volume (BenchDaemon *self, guint64 size, GVariant *options, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  if (options == NULL)
    options = g_variant_new ("a{sv}", NULL);
  reply = bench_call (self, BENCH_MANAGER_PATH, BENCH_IFACE_MANAGER, "CreateVolume",
                      g_variant_new ("(t@a{sv})", size, options), "(o)", error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(o)", &path);
  return path;
}

gboolean
bench_delete (BenchDaemon *self, const char *path, const char *iface, GError **error)
{
  g_autoptr(GVariant) reply = bench_call (self, path, iface, "Delete", g_variant_new ("(a{sv})", NULL), "()",
                                          error);

  return reply != NULL;
}

char *
bench_get_string (BenchDaemon *self, const char *path, const char *iface, const char *name, GError **error)
{
  g_autoptr(GVariant) reply = bench_call (self, path, "org.freedesktop.DBus.Properties", "Get",
                                          g_variant_new ("(ss)", iface, name), "(v)", error);
  g_autoptr(GVariant) value = NULL;

  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(v)", &value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is %s, not a string", name,
                   g_variant_get_type_string (value));
      return NULL;
    }
  return g_variant_dup_string (value, NULL);
}
