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
#include <gmodule.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nova-volume-auth.h"
#include "nova-volume-backend.h"
#include "nova-volume-daemon.h"
#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "nova-volume-manager.h"
#include "nova-volume-memory.h"
#include "nova-volume-reserve.h"
#include "nova-volume-session-bus.h"
#include "nova-volume-state-dir.h"
#include "nova-volume-store.h"

#ifdef __SANITIZE_ADDRESS__
/* Sanitized builds. Up to GCC 13 the runtime's __tls_get_addr interceptor
 * takes a dynamic TLS block for an old glibc's header when its address
 * happens to end in the header's size, reads garbage, and LeakSanitizer's
 * tracer then dies at exit ("Tracer caught signal 11") with no leak found:
 * it stopped the guest tier's daemon now and then, which has no
 * ASAN_OPTIONS of the host's. Not intercepting it costs the leak check only
 * the dynamic TLS of modules opened at run time. */
const char *__asan_default_options (void);
const char *
__asan_default_options (void)
{
  return "intercept_tls_get_addr=0";
}
#endif

typedef struct {
  GMainLoop         *loop;
  NovaVolumeManager *manager;
  NovaVolumeDaemon  *daemon;
  GBusType           bus_type;
  guint              owner_id;
  gboolean           name_acquired;
  gboolean           stop_requested;  /* SIGTERM or the name lost while starting */
  int                exit_status;
  guint              shutdown_timeout; /* seconds; see on_shutdown_deadline */
  guint              deadline_id;
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

/* The operations still running when a stop's deadline passes are stuck
 * (a driver call in the kernel or a command that hangs): nothing that was
 * committed is lost by leaving them, and the next start settles them as
 * it settles a crash. Exits at once: the threads that run them still use
 * the manager, so nothing may be freed under them. */
static gboolean
on_shutdown_deadline (gpointer user_data)
{
  Service *service = user_data;

  g_warning ("stopping anyway after %u s: %u operations still running (the next start settles them)",
             service->shutdown_timeout, nova_volume_manager_get_n_operations (service->manager));
  /* the bus frees the name when our connection closes */
  _exit (1);
  return G_SOURCE_REMOVE;
}

/* Stops taking calls, lets running operations finish (each commits its
 * end state), then quits; see on_shutdown_deadline. */
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
  if (service->deadline_id == 0)
    service->deadline_id = g_timeout_add_seconds (service->shutdown_timeout, on_shutdown_deadline, service);
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

static gboolean
wake_up (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Locks the state directory for the life of the process (see
 * nova_volume_state_dir_try_lock). With @service, waits up to
 * REPLACE_WAIT_SECONDS while running the main loop, so a SIGTERM or the
 * loss of the bus name ends the wait (FALSE with no error). Returns FALSE
 * with a message when another daemon holds the lock. */
static gboolean
lock_state_dir (NovaVolumeStateDir *state_dir, Service *service, GError **error)
{
  const char *path = nova_volume_state_dir_get_path (state_dir);
  gint64 deadline = g_get_monotonic_time () + REPLACE_WAIT_SECONDS * G_USEC_PER_SEC;
  int saved;

  while ((saved = nova_volume_state_dir_try_lock (state_dir)) != 0)
    {
      gboolean woken = FALSE;

      if (saved != EWOULDBLOCK && saved != EINTR)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot lock %s: %s", path,
                       g_strerror (saved));
          return FALSE;
        }
      if (service == NULL || g_get_monotonic_time () > deadline)
        {
          long owner = nova_volume_state_dir_lock_owner (state_dir);
          g_autofree char *who = owner > 0 ? g_strdup_printf ("pid %ld", owner)
                                           : g_strdup ("pid unknown: its lock file is gone");

          if (service != NULL)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         "the nova-volumed being replaced (%s) did not release %s within %d s",
                         who, path, REPLACE_WAIT_SECONDS);
          else
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                         "another nova-volumed (%s) uses the state directory %s; stop it, or "
                         "start this one with --replace", who, path);
          return FALSE;
        }
      /* try again in 20 ms, answering signals and bus events meanwhile */
      g_timeout_add (20, wake_up, &woken);
      while (!woken)
        g_main_context_iteration (NULL, TRUE);
      if (service->stop_requested)
        return FALSE;
    }
  nova_volume_state_dir_write_pid (state_dir);
  return TRUE;
}

/* Opens the store. On a file system so full that SQLite cannot even make
 * its WAL, the reserve is given back first: the daemon must start, so
 * that deletes can free space. */
static NovaVolumeStore *
open_store (NovaVolumeStateDir *state_dir, NovaVolumeReserve *reserve, GError **error)
{
  g_autofree char *path = g_build_filename (nova_volume_state_dir_get_path (state_dir),
                                            NOVA_VOLUME_STATE_DIR_STORE, NULL);
  g_autoptr(GError) local_error = NULL;
  NovaVolumeStore *store = nova_volume_store_open (path, &local_error);

  if (store == NULL && g_error_matches (local_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE)
      && nova_volume_reserve_release (reserve))
    {
      g_clear_error (&local_error);
      store = nova_volume_store_open (path, &local_error);
    }
  if (store == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return store;
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

/* how long a call to the ceph repository's cluster may wait */
#define BACKUP_CEPH_TIMEOUT_S 30

/* what the Ceph repository's module gives (nova_volume_backup_ceph_open) */
typedef NovaVolumeBackupRepository *(*CephRepositoryOpen) (const char *conf_path, const char *user, const char *pool,
                                                           guint timeout_seconds, GError **error);

/* The Ceph repository, from its module: librbd and librados load only
 * into a daemon that backs up into Ceph. Its symbols are bound at once,
 * so a module that does not fit this daemon fails here, with the reason. */
static NovaVolumeBackupRepository *
open_ceph_repository (NovaVolumeConfig *config, GError **error)
{
  g_autofree char *path = nova_volume_module_path ("libnova-volume-backup-ceph.so");
  GModule *module = g_module_open (path, G_MODULE_BIND_LOCAL);
  CephRepositoryOpen open_repository = NULL;

  if (module == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "cannot load the Ceph repository's module: %s",
                   g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, "nova_volume_backup_ceph_open", (gpointer *) &open_repository)
      || open_repository == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "%s has no nova_volume_backup_ceph_open()",
                   path);
      g_module_close (module);
      return NULL;
    }
  /* its types live as long as the process */
  g_module_make_resident (module);
  return open_repository (nova_volume_config_get_string (config, "backup_ceph_conf"),
                          nova_volume_config_get_string (config, "backup_ceph_user"),
                          nova_volume_config_get_string (config, "backup_ceph_pool"), BACKUP_CEPH_TIMEOUT_S, error);
}

/* The backup repository backup_driver names: a problem with it only
 * stops backups, never the volumes; the backup calls say why. */
static void
open_backup_repository (NovaVolumeManager *manager, NovaVolumeConfig *config, const char *state_dir_path)
{
  const char *path = nova_volume_config_get_string (config, "backup_path");
  g_autofree char *default_path = g_build_filename (state_dir_path, "backups", NULL);
  const char *driver = nova_volume_config_get_string (config, "backup_driver");
  g_autoptr(NovaVolumeBackupRepository) repository = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *problem = NULL;

  if (g_str_equal (driver, "none"))
    {
      nova_volume_manager_set_backup_repository (manager, NULL, "backups are off here (backup_driver = none)");
      return;
    }
  if (g_str_equal (driver, "ceph"))
    repository = open_ceph_repository (config, &error);
  else
    repository = (NovaVolumeBackupRepository *) nova_volume_backup_directory_open (
      path[0] != '\0' ? path : default_path, &error);
  if (repository == NULL)
    {
      problem = g_strdup_printf ("the backup repository cannot be used: %s", error->message);
      g_warning ("%s", problem);
    }
  nova_volume_manager_set_backup_repository (manager, repository, problem);
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
  gboolean session = FALSE, replace = FALSE, verbose = FALSE, version = FALSE, recover = FALSE;
  gboolean check_config = FALSE;
  g_autofree char *config_path = NULL;
  g_autofree char *state_dir_path = NULL;
  const GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &session,
      N_("Own the name on your session bus: a per-user instance (file driver, no root)"), NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      N_("Read this configuration file instead of " NOVA_VOLUME_SYSCONF_FILE), N_("FILE") },
    { "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir_path,
      N_("Keep the state store (and the file driver's volumes) here"), N_("DIR") },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace,
      N_("Replace a running nova-volumed on the same bus"), NULL },
    { "recover", 0, 0, G_OPTION_ARG_NONE, &recover,
      N_("Record again the volumes and snapshots the backends hold that the store has no record of "
         "(a lost or old store), then serve"), NULL },
    { "check-config", 0, 0, G_OPTION_ARG_NONE, &check_config,
      N_("Read the configuration (FILE, --config or the default), say whether it is valid, and exit"), NULL },
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
  g_autoptr(NovaVolumeStateDir) state_dir = NULL;
  g_autoptr(NovaVolumeReserve) reserve = NULL;
  gboolean replace_running = FALSE;
  Service service = { 0 };

  nova_volume_memory_use_malloc (argv);
  nova_volume_memory_fix_thresholds ();
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
  /* --check-config FILE: the file to check may follow */
  if (check_config && argc == 2 && config_path == NULL)
    config_path = g_strdup (argv[1]);
  else if (argc > 1)
    {
      g_printerr ("nova-volumed: unexpected argument \u201c%s\u201d (see --help)\n", argv[1]);
      return 2;
    }

  /* an explicit --config must exist; the default file may be absent */
  config = nova_volume_config_load (config_path != NULL ? config_path : NOVA_VOLUME_SYSCONF_FILE,
                                    config_path == NULL, &error);
  if (config == NULL)
    {
      g_printerr ("nova-volumed: %s\n", error->message);
      return 1;
    }
  if (check_config)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < nova_volume_config_get_n_backends (config); i++)
        {
          NovaVolumeConfig *backend = nova_volume_config_get_backend (config, i);

          g_string_append_printf (names, "%s%s (%s)", i > 0 ? ", " : "", nova_volume_config_get_backend_name (backend),
                                  nova_volume_config_get_driver (backend));
        }
      g_print ("%s: valid; backends: %s\n", config_path != NULL ? config_path : NOVA_VOLUME_SYSCONF_FILE,
               names->str);
      return 0;
    }

  if (state_dir_path == NULL)
    state_dir_path = default_state_dir (session);
  /* a relative directory would hand hosts a relative device_path, whose
   * meaning depends on their working directory, not ours */
  if (!g_path_is_absolute (state_dir_path))
    {
      char *absolute = g_canonicalize_filename (state_dir_path, NULL);

      g_free (state_dir_path);
      state_dir_path = absolute;
    }
  state_dir = nova_volume_state_dir_open (state_dir_path, &error);
  if (state_dir == NULL)
    {
      g_printerr ("nova-volumed: %s\n", error->message);
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
  service.shutdown_timeout = (guint) nova_volume_config_get_int (config, "shutdown_timeout");
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
          long pid = nova_volume_state_dir_lock_owner (state_dir);
          g_autofree char *who = pid > 0 ? g_strdup_printf ("pid %ld", pid) : g_strdup ("pid unknown");

          g_printerr ("nova-volumed: the nova-volumed that uses the state directory %s (%s) is not on the "
                      "%s bus, where %s has no owner: --replace cannot stop it; stop it itself, or start this "
                      "one on its bus%s\n", state_dir_path, who, session ? "session" : "system", NOVA_VOLUME_DBUS_NAME,
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

  reserve = nova_volume_reserve_new (nova_volume_state_dir_get_fd (state_dir), state_dir_path, "reserve",
                                     NOVA_VOLUME_RESERVE_BYTES, &error);
  if (reserve == NULL || !nova_volume_state_dir_check_store_present (state_dir, recover, &error))
    {
      g_printerr ("nova-volumed: %s\n", error->message);
      return 1;
    }
  store = open_store (state_dir, reserve, &error);
  if (store == NULL || !nova_volume_state_dir_settle_store_identity (state_dir, store, recover, &error))
    {
      g_printerr ("nova-volumed: %s\n", error->message);
      return 1;
    }

  executor = nova_volume_executor_new ((guint) nova_volume_config_get_int (config, "num_shell_tries"));
  backends = nova_volume_backends_load (config, executor, NOVA_VOLUME_LEDGER (store), state_dir_path);
  if (!any_backend_up (backends))
    {
      /* nothing to serve: say why, and let systemd try again */
      for (guint i = 0; i < backends->len; i++)
        g_printerr ("nova-volumed: %s\n", nova_volume_backend_get_state_reason (g_ptr_array_index (backends, i)));
      return 1;
    }

  manager = nova_volume_manager_new_with_backends (config, store, backends, &error);
  if (manager != NULL)
    open_backup_repository (manager, config, state_dir_path);
  if (manager == NULL || (recover && !nova_volume_manager_recover (manager, &error))
      || !nova_volume_manager_init_host (manager, &error))
    {
      g_printerr ("nova-volumed: cannot load the state in %s: %s\n", nova_volume_store_get_path (store),
                  error->message);
      return 1;
    }

  /* after init_host, whose deletes of half-made volumes may free space */
  if (!nova_volume_reserve_fill (reserve))
    g_warning ("the file system of %s is too full to keep %u MiB for deletes and disconnects; "
               "they may fail with NoSpace until space is freed there", state_dir_path,
               NOVA_VOLUME_RESERVE_BYTES / (1024 * 1024));
  nova_volume_manager_set_reserve (manager, reserve);
  nova_volume_manager_watch_backends (manager,
                                      (guint) nova_volume_config_get_int (config, "backend_stats_interval"));

  auth = nova_volume_auth_new (service.bus_type, getuid ());
  /* before the daemon's filter, which answers the listings it sees */
  nova_volume_memory_watch_listings (connection);
  daemon = nova_volume_daemon_new (connection, manager, auth);
  service.manager = manager;
  service.daemon = daemon;
  if (!replace_running)
    own_name (&service, connection, replace);
  /* a SIGTERM that came while we started up is honoured now */
  if (!service.stop_requested)
    g_main_loop_run (loop);
  if (service.deadline_id != 0)
    g_source_remove (service.deadline_id);

  g_bus_unown_name (service.owner_id);
  g_signal_handlers_disconnect_by_data (manager, &service);
  g_clear_object (&daemon);
  g_dbus_connection_flush_sync (connection, NULL, NULL);
  g_message ("stopped");
  return service.exit_status;
}
