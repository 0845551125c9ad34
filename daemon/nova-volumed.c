/* nova-volumed: the volume manager daemon. Reads the config, locks the
 * state directory, opens the state store, loads the driver, reconciles
 * (init_host), then owns org.openstack.Volume1 on the system bus (or,
 * with --session, on the caller's session bus) until SIGTERM.
 *
 * One daemon per state directory: a lock held for the life of the process
 * keeps a second one from reconciling (and rewriting) what the first is
 * still doing. --replace takes the bus name first, so the old daemon
 * stops, then waits for its lock before it reads any state. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nova-volume-auth.h"
#include "nova-volume-backend.h"
#include "nova-volume-daemon.h"
#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "nova-volume-manager.h"
#include "nova-volume-session-bus.h"
#include "nova-volume-store.h"

typedef struct {
  GMainLoop         *loop;
  NovaVolumeManager *manager;
  NovaVolumeDaemon  *daemon;
  GBusType           bus_type;
  guint              owner_id;
  gboolean           name_acquired;
  gboolean           stop_requested;  /* SIGTERM or the name lost while starting */
  int                exit_status;
} Service;

/* How long --replace waits for the replaced daemon to let go of the state
 * directory: it finishes (or cancels) what it runs, which takes seconds. */
#define REPLACE_WAIT_SECONDS 60

static void
quit_when_idle (Service *service)
{
  if (nova_volume_manager_get_n_operations (service->manager) == 0)
    g_main_loop_quit (service->loop);
}

/* Stops taking calls, lets running operations finish (each commits its
 * end state), then quits. */
static gboolean
on_terminate (gpointer user_data)
{
  Service *service = user_data;

  if (service->manager == NULL)
    {
      /* still starting up: nothing runs yet; main stops before serving */
      service->stop_requested = TRUE;
      return G_SOURCE_REMOVE;
    }
  g_message ("stopping: waiting for %u running operations",
             nova_volume_manager_get_n_operations (service->manager));
  if (service->daemon != NULL)
    nova_volume_daemon_shutdown (service->daemon);
  /* a copy may take minutes: stop it (it undoes itself) rather than wait */
  nova_volume_manager_cancel_jobs (service->manager);
  g_signal_connect_swapped (service->manager, "idle", G_CALLBACK (quit_when_idle), service);
  quit_when_idle (service);
  return G_SOURCE_REMOVE;
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Service *service = user_data;

  service->name_acquired = TRUE;
  g_message ("nova-volumed %s serving %s on the %s bus (%s)", PACKAGE_VERSION, name,
             service->bus_type == G_BUS_TYPE_SYSTEM ? "system" : "session",
             g_dbus_connection_get_unique_name (connection));
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Service *service = user_data;

  if (connection == NULL)
    g_printerr ("nova-volumed: cannot connect to the %s bus\n",
                service->bus_type == G_BUS_TYPE_SYSTEM ? "system" : "session");
  else if (service->name_acquired)
    g_message ("replaced by another nova-volumed: stopping");
  else
    g_printerr ("nova-volumed: %s is owned by another process on this bus; "
                "stop it or start this one with --replace\n", name);
  service->exit_status = service->name_acquired ? 0 : 1;
  on_terminate (service);
}

/* The pid written in a lock file, for a message; 0 when unreadable. */
static long
lock_owner (const char *lock_path)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (lock_path, &text, NULL, NULL))
    return 0;
  return strtol (text, NULL, 10);
}

static gboolean
wake_up (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Locks the state directory itself for the life of the process (the fd
 * is never closed): a lock file could be deleted and made again under a
 * running daemon, letting a second one in. <state_dir>/lock only tells
 * who holds it (the pid). With @service, waits up to REPLACE_WAIT_SECONDS
 * while running the main loop, so a SIGTERM or the loss of the bus name
 * ends the wait (FALSE with no error). Returns FALSE with a message when
 * another daemon holds the lock. */
static gboolean
lock_state_dir (const char *state_dir, Service *service, GError **error)
{
  g_autofree char *path = g_build_filename (state_dir, "lock", NULL);
  gint64 deadline = g_get_monotonic_time () + REPLACE_WAIT_SECONDS * G_USEC_PER_SEC;
  g_autofree char *pid = NULL;
  int fd = open (state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int pid_fd;

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot open %s: %s", state_dir,
                   g_strerror (saved));
      return FALSE;
    }
  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      gboolean woken = FALSE;

      if (saved != EWOULDBLOCK && saved != EINTR)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot lock %s: %s", state_dir,
                       g_strerror (saved));
          close (fd);
          return FALSE;
        }
      if (service == NULL || g_get_monotonic_time () > deadline)
        {
          long owner = lock_owner (path);
          g_autofree char *who = owner > 0 ? g_strdup_printf ("pid %ld", owner)
                                           : g_strdup ("pid unknown: its lock file is gone");

          if (service != NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         "the nova-volumed being replaced (%s) did not release %s within %d s",
                         who, state_dir, REPLACE_WAIT_SECONDS);
          else
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                         "another nova-volumed (%s) uses the state directory %s; stop it, or "
                         "start this one with --replace", who, state_dir);
          close (fd);
          return FALSE;
        }
      /* try again in 20 ms, answering signals and bus events meanwhile */
      g_timeout_add (20, wake_up, &woken);
      while (!woken)
        g_main_context_iteration (NULL, TRUE);
      if (service->stop_requested)
        {
          close (fd);
          return FALSE;
        }
    }
  pid = g_strdup_printf ("%ld\n", (long) getpid ());
  pid_fd = openat (fd, "lock", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (pid_fd < 0 || ftruncate (pid_fd, 0) != 0 || pwrite (pid_fd, pid, strlen (pid), 0) < 0)
    g_debug ("cannot write the pid into %s: %s", path, g_strerror (errno));
  if (pid_fd >= 0)
    close (pid_fd);
  return TRUE;
}

/* ---- the state directory knows its store ------------------------------ */

/* The identity the state directory keeps beside its store (<state>/
 * state-id, 8 hex digits), 0 when there is none. */
static guint32
read_state_id (const char *state_dir)
{
  g_autofree char *path = g_build_filename (state_dir, "state-id", NULL);
  char text[16] = { 0 };
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  gssize n = fd >= 0 ? read (fd, text, sizeof text - 1) : -1;

  if (fd >= 0)
    close (fd);
  return n > 0 ? (guint32) g_ascii_strtoull (text, NULL, 16) : 0;
}

static gboolean
write_state_id (const char *state_dir, guint32 identity, GError **error)
{
  g_autofree char *path = g_build_filename (state_dir, "state-id", NULL);
  g_autofree char *text = g_strdup_printf ("%08x\n", identity);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  gboolean ok = fd >= 0 && write (fd, text, strlen (text)) == (gssize) strlen (text) && fsync (fd) == 0;
  int saved = errno;

  if (fd >= 0)
    close (fd);
  if (!ok)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s", path, g_strerror (saved));
  return ok;
}

/* A store that is gone or empty while the directory says it had one is
 * not a fresh start: the volumes it knew of still hold data on their
 * backends, and starting empty would orphan them without a word. Called
 * before the store is opened (which would make a new one). */
static gboolean
check_store_present (const char *state_dir, const char *db_path, GError **error)
{
  guint32 recorded = read_state_id (state_dir);
  struct stat st;

  if (recorded == 0 || (stat (db_path, &st) == 0 && st.st_size > 0))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "the state directory %s had a store (state-id %08x), but %s is %s: the volumes it recorded "
               "would be forgotten while their data stays on the backends. Restore %s from a backup, or, to "
               "start with no volumes on purpose, remove %s/state-id",
               state_dir, recorded, db_path, stat (db_path, &st) == 0 ? "empty" : "missing", db_path, state_dir);
  return FALSE;
}

/* After the store is open: its identity and the directory's agree, or are
 * made (a new store, or one from before identities). */
static gboolean
settle_store_identity (const char *state_dir, NovaVolumeStore *store, GError **error)
{
  guint32 recorded = read_state_id (state_dir);
  guint32 identity = nova_volume_store_get_identity (store, error);

  if (identity == 0 && error != NULL && *error != NULL)
    return FALSE;
  if (recorded != 0 && identity != recorded)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not the store of the state directory %s (its identity is %08x, the directory's "
                   "state-id %08x): restore the directory's own store, or remove %s/state-id to adopt this one",
                   nova_volume_store_get_path (store), state_dir, identity, recorded, state_dir);
      return FALSE;
    }
  if (identity == 0)
    {
      do
        identity = g_random_int ();
      while (identity == 0 || identity > G_MAXINT32);
      if (!nova_volume_store_set_identity (store, identity, error))
        return FALSE;
    }
  return recorded == identity || write_state_id (state_dir, identity, error);
}

static void
own_name (Service *service, GDBusConnection *connection, gboolean replace)
{
  /* DO_NOT_QUEUE: a replaced daemon leaves; it must not get the name back
   * if its successor fails */
  service->owner_id = g_bus_own_name_on_connection (connection, NOVA_VOLUME_DBUS_NAME,
                                                    G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT
                                                    | G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE
                                                    | (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                                                    on_name_acquired, on_name_lost, service, NULL);
}

/* Logs each backend that is down; TRUE when one at least is up. */
static gboolean
any_backend_up (GPtrArray *backends)
{
  gboolean up = FALSE;

  for (guint i = 0; i < backends->len; i++)
    {
      NovaVolumeBackend *backend = g_ptr_array_index (backends, i);

      if (nova_volume_backend_is_up (backend))
        up = TRUE;
      else if (backends->len > 1)
        g_warning ("backend '%s' is down, the others serve: %s", nova_volume_backend_get_name (backend),
                   nova_volume_backend_get_state_reason (backend));
    }
  return up;
}

static char *
default_state_dir (gboolean session)
{
  if (session)
    return g_build_filename (g_get_user_state_dir (), "nova-volume", NULL);
  return g_strdup (NOVA_VOLUME_SYSTEM_STATE_DIR);
}

int
main (int argc, char **argv)
{
  gboolean session = FALSE, replace = FALSE, verbose = FALSE, version = FALSE;
  g_autofree char *config_path = NULL;
  g_autofree char *state_dir = NULL;
  const GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &session,
      N_("Own the name on your session bus: a per-user instance (file driver, no root)"), NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Read this configuration file instead of " NOVA_VOLUME_SYSCONF_FILE), N_("FILE") },
    { "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir,
      N_("Keep the state store (and the file driver's volumes) here"), N_("DIR") },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      N_("Replace a running nova-volumed on the same bus"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log debug messages"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeConfig) config = NULL;
  g_autoptr(NovaVolumeStore) store = NULL;
  g_autoptr(NovaVolumeExecutor) executor = NULL;
  g_autoptr(GPtrArray) backends = NULL;
  g_autoptr(NovaVolumeManager) manager = NULL;
  g_autoptr(NovaVolumeAuth) auth = NULL;
  g_autoptr(NovaVolumeDaemon) daemon = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *db_path = NULL;
  gboolean replace_running = FALSE;
  Service service = { 0 };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* a pipe whose reader is gone (a copy's dog that died) is an error to
   * report, not the end of the daemon */
  signal (SIGPIPE, SIG_IGN);
  g_option_context_set_summary (context, _("The nova-volume block-storage volume manager (org.openstack.Volume1)."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("nova-volumed: %s (see --help)\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("nova-volumed %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);

  /* an explicit --config must exist; the default file may be absent */
  config = nova_volume_config_load (config_path != NULL ? config_path : NOVA_VOLUME_SYSCONF_FILE,
                                    config_path == NULL, &error);
  if (config == NULL)
    {
      g_printerr ("nova-volumed: %s\n", error->message);
      return 1;
    }

  if (state_dir == NULL)
    state_dir = default_state_dir (session);
  /* a relative directory would hand hosts a relative device_path, whose
   * meaning depends on their working directory, not ours */
  if (!g_path_is_absolute (state_dir))
    {
      char *absolute = g_canonicalize_filename (state_dir, NULL);

      g_free (state_dir);
      state_dir = absolute;
    }
  if (g_mkdir_with_parents (state_dir, 0700) != 0)
    {
      g_printerr ("nova-volumed: cannot create the state directory %s: %s\n", state_dir, g_strerror (errno));
      return 1;
    }

  /* a daemon that runs on this state directory stops us here, before we
   * read anything, unless we are to replace it */
  if (!lock_state_dir (state_dir, NULL, &error))
    {
      if (!replace || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY))
        {
          g_printerr ("nova-volumed: %s\n", error->message);
          return 1;
        }
      g_clear_error (&error);
      replace_running = TRUE;
    }

  service.bus_type = session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM;
  if (session && !nova_volume_session_bus_available (&error))
    {
      g_printerr ("nova-volumed: %s\n", error->message);
      return 1;
    }
  connection = g_bus_get_sync (service.bus_type, NULL, &error);
  if (connection == NULL)
    {
      g_printerr ("nova-volumed: cannot connect to the %s bus: %s%s\n", session ? "session" : "system",
                  error->message, session ? "" : " (use --session for a per-user instance)");
      return 1;
    }
  /* the bus going away ends us through on_name_lost, not exit() */
  g_dbus_connection_set_exit_on_close (connection, FALSE);

  loop = g_main_loop_new (NULL, FALSE);
  service.loop = loop;
  g_unix_signal_add (SIGTERM, on_terminate, &service);
  g_unix_signal_add (SIGINT, on_terminate, &service);

  if (replace_running)
    {
      /* the daemon holding the directory must be the one on this bus that
       * owns the name, or taking the name stops nobody: a daemon on
       * another bus (the other of system and session) would be waited
       * for in vain */
      g_autoptr(GVariant) owner = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                               "org.freedesktop.DBus", "NameHasOwner",
                                                               g_variant_new ("(s)", NOVA_VOLUME_DBUS_NAME),
                                                               G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                                               NULL, NULL);
      gboolean has_owner = FALSE;

      if (owner != NULL)
        g_variant_get (owner, "(b)", &has_owner);
      if (!has_owner)
        {
          g_autofree char *lock_path = g_build_filename (state_dir, "lock", NULL);
          long pid = lock_owner (lock_path);

          g_autofree char *who = pid > 0 ? g_strdup_printf ("pid %ld", pid) : g_strdup ("pid unknown");

          g_printerr ("nova-volumed: the nova-volumed that uses the state directory %s (%s) is not on the "
                      "%s bus, where %s has no owner: --replace cannot stop it; stop it itself, or start this "
                      "one on its bus%s\n", state_dir, who, session ? "session" : "system", NOVA_VOLUME_DBUS_NAME,
                      session ? " (without --session)" : " (--session)");
          return 1;
        }
      /* take the name: the old daemon stops and lets go of the directory */
      own_name (&service, connection, TRUE);
      while (!service.name_acquired && !service.stop_requested)
        g_main_context_iteration (NULL, TRUE);
      if (service.stop_requested)
        return service.exit_status;
      if (!lock_state_dir (state_dir, &service, &error))
        {
          /* give the name back rather than hold it with nobody serving */
          g_bus_unown_name (service.owner_id);
          g_dbus_connection_flush_sync (connection, NULL, NULL);
          if (error == NULL)
            return service.exit_status; /* stopped while waiting */
          g_printerr ("nova-volumed: %s\n", error->message);
          return 1;
        }
    }

  db_path = g_build_filename (state_dir, "nova-volume.db", NULL);
  if (!check_store_present (state_dir, db_path, &error))
    {
      g_printerr ("nova-volumed: %s\n", error->message);
      return 1;
    }
  store = nova_volume_store_open (db_path, &error);
  if (store == NULL || !settle_store_identity (state_dir, store, &error))
    {
      g_printerr ("nova-volumed: %s\n", error->message);
      return 1;
    }

  executor = nova_volume_executor_new ((guint) nova_volume_config_get_int (config, "num_shell_tries"));
  backends = nova_volume_backends_load (config, executor, NOVA_VOLUME_LEDGER (store), state_dir);
  if (!any_backend_up (backends))
    {
      /* nothing to serve: say why, and let systemd try again */
      for (guint i = 0; i < backends->len; i++)
        g_printerr ("nova-volumed: %s\n", nova_volume_backend_get_state_reason (g_ptr_array_index (backends, i)));
      return 1;
    }

  manager = nova_volume_manager_new_with_backends (config, store, backends, &error);
  if (manager == NULL || !nova_volume_manager_init_host (manager, &error))
    {
      g_printerr ("nova-volumed: cannot load the state in %s: %s\n", db_path, error->message);
      return 1;
    }

  nova_volume_manager_watch_backends (manager,
                                      (guint) nova_volume_config_get_int (config, "backend_stats_interval"));

  auth = nova_volume_auth_new (service.bus_type, getuid ());
  daemon = nova_volume_daemon_new (connection, manager, auth);
  service.manager = manager;
  service.daemon = daemon;
  if (!replace_running)
    own_name (&service, connection, replace);
  /* a SIGTERM that came while we started up is honoured now */
  if (!service.stop_requested)
    g_main_loop_run (loop);

  g_bus_unown_name (service.owner_id);
  g_signal_handlers_disconnect_by_data (manager, &service);
  g_clear_object (&daemon);
  g_dbus_connection_flush_sync (connection, NULL, NULL);
  g_message ("stopped");
  return service.exit_status;
}
