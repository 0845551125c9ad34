/* The service tests' harness. */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service-fixture.h"
#include "test-util.h"

/* ---- the daemon ------------------------------------------------------ */

static void
die_with_parent (gpointer user_data)
{
  /* an aborted test must not leave a daemon behind */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

const char *
nova_volumed_path (void)
{
  const char *path = g_getenv ("NOVA_VOLUMED");

  return path != NULL ? path : NOVA_VOLUME_BUILD_ROOT "/daemon/nova-volumed";
}

const char *
nova_volumectl_path (void)
{
  const char *path = g_getenv ("NOVA_VOLUMECTL");

  return path != NULL ? path : NOVA_VOLUME_BUILD_ROOT "/cli/nova-volumectl";
}

/* A private session bus. Not GTestDBus: its watcher outlives an aborted
 * test and keeps meson waiting on the output pipe. */
void
bus_start (Fixture *fx)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config_arg = g_strdup ("--session");

  if (fx->any_user_bus)
    {
      /* a bus any local user may reach, as the system bus is: the daemon
       * alone decides who may change what */
      g_autofree char *bus_config = g_build_filename (fx->dir, "system-bus.conf", NULL);
      g_autofree char *text = g_strdup_printf (
        "<busconfig>\n"
        "  <listen>unix:path=%s/system_bus_socket</listen>\n"
        "  <auth>EXTERNAL</auth>\n"
        "  <policy context=\"default\">\n"
        "    <allow user=\"*\"/>\n"
        "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
        "    <allow eavesdrop=\"true\"/>\n"
        "    <allow own=\"*\"/>\n"
        "  </policy>\n"
        "</busconfig>\n", fx->dir);

      g_file_set_contents (bus_config, text, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_chmod (fx->dir, 0711), ==, 0);
      g_free (config_arg);
      config_arg = g_strconcat ("--config-file=", bus_config, NULL);
    }
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  fx->bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", config_arg, "--nofork",
                                         "--nopidfile", "--print-address=1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fx->bus));
  fx->bus_address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->bus_address);
  g_strstrip (fx->bus_address);
}

GDBusConnection *
bus_connect (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_for_address_sync (
    fx->bus_address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

/* Waits for @process to end: a hang guard of 60 s, after which it is
 * killed and the test fails (a stop never takes that long). */
void
wait_or_kill (GSubprocess *process, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (g_subprocess_get_identifier (process) != NULL)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_subprocess_force_exit (process);
          g_error ("%s did not stop within 60 s of SIGTERM", what);
        }
      g_usleep (10 * 1000);
    }
  g_subprocess_wait (process, NULL, NULL);
}

void
bus_stop (Fixture *fx)
{
  g_subprocess_send_signal (fx->bus, SIGTERM);
  wait_or_kill (fx->bus, "dbus-daemon");
  g_clear_object (&fx->bus);
  g_clear_pointer (&fx->bus_address, g_free);
}

void
print_daemon_log (Fixture *fx)
{
  g_autofree char *log = NULL;

  if (g_file_get_contents (fx->log_path, &log, NULL, NULL))
    g_printerr ("---- nova-volumed log ----\n%s---- end of log ----\n", log);
}

gboolean
name_has_owner (Fixture *fx)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (fx->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

/* The daemon answers: it owns the name and its objects are exported (with
 * --replace it owns the name a moment before it serves). */
gboolean
daemon_ready (Fixture *fx)
{
  g_autoptr(GVariant) reply = NULL;

  if (!name_has_owner (fx))
    return FALSE;
  reply = g_dbus_connection_call_sync (fx->connection, BUS_NAME, ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                                       "GetManagedObjects", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  return reply != NULL;
}

void
daemon_start (Fixture *fx)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;
  const char *daemon_path = nova_volumed_path ();
  const char *wrapper = g_getenv ("NOVA_VOLUMED_WRAPPER");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int log_fd;
  /* a hang guard only: the daemon is ready in well under a second */
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  g_assert_nonnull (daemon_path);
  /* its messages go to the log (kept across restarts), never into the
   * test's TAP output */
  log_fd = open (fx->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  g_assert_cmpint (log_fd, >=, 0);
  g_subprocess_launcher_take_stdout_fd (launcher, log_fd);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, fx->system_bus ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS",
                                fx->bus_address, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  /* the valgrind test setup runs the daemon under a wrapper */
  if (wrapper != NULL && *wrapper != '\0')
    g_ptr_array_add (argv, (char *) wrapper);
  g_ptr_array_add (argv, (char *) daemon_path);
  g_ptr_array_add (argv, fx->system_bus ? "--verbose" : "--session");
  g_ptr_array_add (argv, "--state-dir");
  g_ptr_array_add (argv, fx->state_dir);
  g_ptr_array_add (argv, "--config");
  g_ptr_array_add (argv, fx->config_path);
  if (fx->daemon_option != NULL)
    g_ptr_array_add (argv, (char *) fx->daemon_option);
  g_ptr_array_add (argv, NULL);
  fx->daemon = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);

  while (!daemon_ready (fx))
    {
      if (g_subprocess_get_identifier (fx->daemon) == NULL || g_get_monotonic_time () > deadline)
        {
          print_daemon_log (fx);
          g_error ("nova-volumed did not take %s", BUS_NAME);
        }
      g_usleep (20 * 1000);
    }
}

void
daemon_stop (Fixture *fx)
{
  g_subprocess_send_signal (fx->daemon, SIGTERM);
  wait_or_kill (fx->daemon, "nova-volumed");
  if (!g_subprocess_get_if_exited (fx->daemon) || g_subprocess_get_exit_status (fx->daemon) != 0)
    {
      print_daemon_log (fx);
      g_error ("nova-volumed did not exit cleanly on SIGTERM");
    }
  g_clear_object (&fx->daemon);
  /* the name is released before the process exits */
  g_assert_false (name_has_owner (fx));
}

void
write_config (Fixture *fx, const char *driver)
{
  g_autofree char *text = g_strdup_printf ("[DEFAULT]\nvolume_driver = %s\nstorage_availability_zone = nova\n",
                                           driver);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fx->config_path, text, -1, &error);
  g_assert_no_error (error);
}

void
fixture_setup_system_bus (Fixture *fx, gconstpointer data)
{
  fx->system_bus = TRUE;
  fx->any_user_bus = TRUE;
  fixture_setup (fx, data);
}

void
fixture_setup_shared_session_bus (Fixture *fx, gconstpointer data)
{
  fx->any_user_bus = TRUE;
  fixture_setup (fx, data);
}

void
fixture_setup_without_daemon (Fixture *fx, gconstpointer data)
{
  fx->dir = test_make_tmp_dir ("nova-volume-service-XXXXXX");
  fx->state_dir = g_build_filename (fx->dir, "state", NULL);
  fx->config_path = g_build_filename (fx->dir, "nova-volume.conf", NULL);
  fx->log_path = g_build_filename (fx->dir, "nova-volumed.log", NULL);
  write_config (fx, "file");

  bus_start (fx);
  fx->connection = bus_connect (fx);
}

void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fixture_setup_without_daemon (fx, data);
  daemon_start (fx);
}

void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  if (fx->daemon != NULL)
    daemon_stop (fx);
  if (g_test_failed ())
    print_daemon_log (fx);
  g_dbus_connection_close_sync (fx->connection, NULL, NULL);
  g_clear_object (&fx->connection);
  bus_stop (fx);
  test_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->state_dir);
  g_free (fx->config_path);
  g_free (fx->log_path);
}

/* ---- calling as gdbus does ----------------------------------------- */

GVariant *
call (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params,
      const char *reply_type, GError **error)
{
  return g_dbus_connection_call_sync (fx->connection, BUS_NAME, path, iface, method, params,
                                      reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 600 * 1000, NULL, error);
}

GVariant *
call_with_fd (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params, int fd,
              const char *reply_type, GError **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();

  g_assert_cmpint (g_unix_fd_list_append (fds, fd, NULL), ==, 0);
  return g_dbus_connection_call_with_unix_fd_list_sync (fx->connection, BUS_NAME, path, iface, method, params,
                                                        reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                                        G_DBUS_CALL_FLAGS_NONE, 600 * 1000, fds, NULL, NULL, error);
}

void
call_ok (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params)
{
  g_autoptr(GError) error = NULL;
  /* any reply: Attach answers its attachment */
  g_autoptr(GVariant) reply = call (fx, path, iface, method, params, NULL, &error);

  g_assert_no_error (error);
}

/* Asserts @error is org.openstack.Volume1.Error.<name> with a message. */
void
assert_dbus_error (GError *error, const char *name)
{
  g_autofree char *remote = NULL;
  g_autofree char *expected = g_strconcat (ERROR_PREFIX, name, NULL);

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  if (g_strcmp0 (remote, expected) != 0)
    g_error ("expected %s, got %s: %s", expected, remote, error->message);
  g_dbus_error_strip_remote_error (error);
  g_assert_cmpuint (strlen (error->message), >, 10);
}

void
call_fails (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params,
            const char *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, path, iface, method, params, NULL, &error);

  g_assert_null (reply);
  assert_dbus_error (error, error_name);
  g_test_message ("%s refused as %s: %s", method, error_name, error->message);
}

char *
create_volume (Fixture *fx, guint64 size, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  if (options == NULL)
    options = g_variant_new_parsed ("@a{sv} {}");
  reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume", g_variant_new ("(t@a{sv})", size, options),
                "(o)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

char *
create_snapshot (Fixture *fx, const char *volume, gboolean force)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  reply = call (fx, volume, IFACE_VOLUME, "CreateSnapshot",
                g_variant_new_parsed ("({'name': <'snap'>, 'force': <%b>},)", force), "(o)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

GVariant *
get_property (Fixture *fx, const char *path, const char *iface, const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, path, "org.freedesktop.DBus.Properties", "Get",
                                    g_variant_new ("(ss)", iface, name), "(v)", &error);
  GVariant *value = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  return value;
}

char *
get_string (Fixture *fx, const char *path, const char *iface, const char *name)
{
  g_autoptr(GVariant) value = get_property (fx, path, iface, name);

  return g_variant_dup_string (value, NULL);
}

guint64
get_uint64 (Fixture *fx, const char *path, const char *iface, const char *name)
{
  g_autoptr(GVariant) value = get_property (fx, path, iface, name);

  return g_variant_get_uint64 (value);
}

void
assert_status (Fixture *fx, const char *path, const char *iface, const char *expected)
{
  g_autofree char *status = get_string (fx, path, iface, "Status");

  g_assert_cmpstr (status, ==, expected);
}

GVariant *
connector (void)
{
  return g_variant_new_parsed ("({'ip': <'127.0.0.1'>, 'host': <'compute1'>, "
                               "'initiator': <'iqn.1993-08.org.debian:01:compute1'>, 'multipath': <false>},)");
}

/* InitializeConnection, checked to be the local shape; returns device_path. */
char *
connect_volume (Fixture *fx, const char *volume)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, volume, IFACE_VOLUME, "InitializeConnection", connector (),
                                    "(a{sv})", &error);
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) data = NULL;
  const char *type = NULL;
  char *device_path = NULL;

  g_assert_no_error (error);
  info = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (info, "driver_volume_type", "&s", &type));
  g_assert_cmpstr (type, ==, "local");
  data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (data);
  g_assert_true (g_variant_lookup (data, "device_path", "s", &device_path));
  g_assert_true (g_path_is_absolute (device_path));
  return device_path;
}

void
disconnect_volume (Fixture *fx, const char *volume)
{
  call_ok (fx, volume, IFACE_VOLUME, "TerminateConnection", connector ());
}

static int
compare_strings (const char **a, const char **b)
{
  return g_strcmp0 (*a, *b);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Every row of the state store, read the way an administrator's sqlite3
 * would: "nothing changed" includes updated_at. */
static void
append_store_rows (Fixture *fx, GString *text)
{
  static const char *const queries[] = {
    "SELECT * FROM volumes ORDER BY id",
    "SELECT * FROM volume_metadata ORDER BY volume_id, key",
    "SELECT * FROM snapshots ORDER BY id",
    "SELECT * FROM connections ORDER BY volume_id, connector_key",
  };
  g_autofree char *path = g_build_filename (fx->state_dir, "nova-volume.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  for (gsize q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autoptr(sqlite3_stmt) stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, queries[q], -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            {
              const unsigned char *value = sqlite3_column_text (stmt, c);
              g_string_append_printf (text, "%s|", value != NULL ? (const char *) value : "NULL");
            }
          g_string_append_c (text, '\n');
        }
    }
  sqlite3_close (db);
}

/* @ifaces (a{sa{sv}}) without what the daemon measures rather than
 * keeps: a backend's figures come from its driver's latest refresh (in
 * the background, and at start only after the first one), and its total
 * and free bytes follow the disk under it, which other programs change */
static GVariant *
without_measurements (GVariant *ifaces)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{sa{sv}}"));
  GVariantIter iter;
  const char *name;
  GVariant *props;

  g_variant_iter_init (&iter, ifaces);
  while (g_variant_iter_next (&iter, "{&s@a{sv}}", &name, &props))
    {
      g_auto(GVariantBuilder) kept = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      GVariantIter prop_iter;
      const char *key;
      GVariant *value;

      g_variant_iter_init (&prop_iter, props);
      while (g_variant_iter_next (&prop_iter, "{&sv}", &key, &value))
        {
          static const char *const measured[] = { "TotalCapacity", "FreeCapacity", "StorageProtocol",
                                                  "ThinProvisioning", NULL };

          if (!g_str_equal (name, "org.openstack.Volume1.Backend") || !g_strv_contains (measured, key))
            g_variant_builder_add (&kept, "{sv}", key, value);
          g_variant_unref (value);
        }
      g_variant_builder_add (&builder, "{s@a{sv}}", name, g_variant_builder_end (&kept));
      g_variant_unref (props);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* Everything a client can see plus what lies on disk: two equal
 * fingerprints mean nothing changed. */
char *
fingerprint (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) objects = call (fx, ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                                      "GetManagedObjects", NULL, NULL, &error);
  g_autofree char *volumes_dir = g_build_filename (fx->state_dir, "volumes", NULL);
  g_autoptr(GDir) dir = g_dir_open (volumes_dir, 0, NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) text = NULL;
  const char *name;

  g_assert_no_error (error);
  /* the daemon's dictionary order is not stable: sort by object path */
  {
    g_autoptr(GVariant) dict = g_variant_get_child_value (objects, 0);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
    GVariantIter iter;
    const char *path;
    GVariant *ifaces;

    g_variant_iter_init (&iter, dict);
    while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &ifaces))
      {
        g_autoptr(GVariant) kept = without_measurements (ifaces);
        g_autofree char *printed = g_variant_print (kept, TRUE);
        g_ptr_array_add (lines, g_strdup_printf ("%s %s", path, printed));
        g_variant_unref (ifaces);
      }
    g_ptr_array_sort (lines, (GCompareFunc) compare_strings);
    text = g_string_new (NULL);
    for (guint i = 0; i < lines->len; i++)
      g_string_append_printf (text, "%s\n", (char *) g_ptr_array_index (lines, i));
  }
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (volumes_dir, name, NULL);
      struct stat st;

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_ptr_array_add (files, g_strdup_printf ("%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT ".%09ld",
                                               name, (gint64) st.st_size, (gint64) st.st_mtim.tv_sec,
                                               (long) st.st_mtim.tv_nsec));
    }
  g_ptr_array_sort (files, (GCompareFunc) compare_strings);
  for (guint i = 0; i < files->len; i++)
    g_string_append_printf (text, "\n%s", (char *) g_ptr_array_index (files, i));
  g_string_append_c (text, '\n');
  append_store_rows (fx, text);
  return g_string_free (g_steal_pointer (&text), FALSE);
}


/* ---- jobs that wait --------------------------------------------------- */

static void
store_async_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
on_job_added (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
              const char *signal, GVariant *params, gpointer user_data)
{
  char **job = user_data;
  const char *object = NULL;
  g_autoptr(GVariant) ifaces = NULL;

  g_variant_get (params, "(&o@a{sa{sv}})", &object, &ifaces);
  if (*job == NULL && g_str_has_prefix (object, ROOT_PATH "/jobs/"))
    *job = g_strdup (object);
}

void
use_held_copies (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  daemon_stop (fx);
  g_file_set_contents (fx->config_path,
                       "[DEFAULT]\nvolume_driver = logging\nlogging_driver_hold_copies = true\n", -1, &error);
  g_assert_no_error (error);
  daemon_start (fx);
}

char *
start_call_with_job (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params,
                     GUnixFDList *fd_list, GAsyncResult **result)
{
  char *job = NULL;
  guint id = g_dbus_connection_signal_subscribe (fx->connection, BUS_NAME, "org.freedesktop.DBus.ObjectManager",
                                                 "InterfacesAdded", ROOT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                 on_job_added, &job, NULL);

  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  /* no call timeout: the copy waits for its cancel as long as the test
   * takes; the deadline below is the hang guard */
  g_dbus_connection_call_with_unix_fd_list (fx->connection, BUS_NAME, path, iface, method, params, NULL,
                                            G_DBUS_CALL_FLAGS_NONE, G_MAXINT, fd_list, NULL, store_async_reply,
                                            result);
  while (job == NULL && *result == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("no Job appeared within 60 s of %s", method);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_dbus_connection_signal_unsubscribe (fx->connection, id);
  if (job == NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = g_dbus_connection_call_with_unix_fd_list_finish (fx->connection, NULL, *result,
                                                                                   &error);

      print_daemon_log (fx);
      g_error ("%s ended without a Job: %s", method, error != NULL ? error->message : "it succeeded");
    }
  return job;
}

void
wait_job_half_way (Fixture *fx, const char *job)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GVariant) progress = get_property (fx, job, "org.openstack.Volume1.Job", "Progress");

      if (g_variant_get_double (progress) >= 0.5)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("Job %s did not report half way within 60 s", job);
      g_usleep (10 * 1000);
    }
}

char *
start_held_clone (Fixture *fx, const char *source, GAsyncResult **result)
{
  return start_call_with_job (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                              g_variant_new_parsed ("(@t 0, {'source-volume': <%o>})", source), NULL, result);
}

/* ---- bytes at a few offsets ----------------------------------------- */

void
write_chunks (const char *path, Chunks *chunks, guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  g_assert_cmpuint (chunks->n_offsets, <=, CHUNKS_MAX);
  g_assert_cmpint (fd, >=, 0);
  for (gsize i = 0; i < chunks->n_offsets; i++)
    {
      for (gsize j = 0; j < CHUNK; j++)
        chunks->bytes[i][j] = (guint8) g_rand_int_range (rand, 0, 256);
      g_assert_cmpint (pwrite (fd, chunks->bytes[i], CHUNK, (off_t) chunks->offsets[i]), ==, CHUNK);
    }
  g_assert_cmpint (fsync (fd), ==, 0);
  close (fd);
}

void
assert_chunks (const char *path, const Chunks *chunks)
{
  guint8 buffer[CHUNK];
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  for (gsize i = 0; i < chunks->n_offsets; i++)
    {
      g_assert_cmpint (pread (fd, buffer, CHUNK, (off_t) chunks->offsets[i]), ==, CHUNK);
      g_assert_cmpmem (buffer, CHUNK, chunks->bytes[i], CHUNK);
    }
  close (fd);
}
