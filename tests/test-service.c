/* The real nova-volumed on a private bus with the file driver, called the
 * way gdbus or busctl call it (plain method calls with GVariant
 * arguments): every method and property, every refusal, the seed's
 * promise end to end, and a restart on the same state directory. */
#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUS_NAME     "org.openstack.Volume1"
#define ROOT_PATH    "/org/openstack/Volume1"
#define MANAGER_PATH "/org/openstack/Volume1/Manager"
#define IFACE_MANAGER  "org.openstack.Volume1.Manager"
#define IFACE_VOLUME   "org.openstack.Volume1.Volume"
#define IFACE_SNAPSHOT "org.openstack.Volume1.Snapshot"
#define ERROR_PREFIX "org.openstack.Volume1.Error."

#define INSTANCE_A "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10"
#define INSTANCE_B "9b1f7f1e-2a4d-4e57-8c55-3f0e6f7a1b22"
#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define GIB (G_GUINT64_CONSTANT (1) << 30)

typedef struct {
  GSubprocess     *bus;
  char            *bus_address;
  GDBusConnection *connection;
  char            *dir;
  char            *state_dir;
  char            *config_path;
  char            *log_path;
  GSubprocess     *daemon;
} Fixture;

/* ---- the daemon ------------------------------------------------------ */

static void
die_with_parent (gpointer user_data)
{
  /* an aborted test must not leave a daemon behind */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A private session bus. Not GTestDBus: its watcher outlives an aborted
 * test and keeps meson waiting on the output pipe. */
static void
bus_start (Fixture *fx)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  fx->bus = g_subprocess_launcher_spawn (launcher, &error, "dbus-daemon", "--session", "--nofork",
                                         "--nopidfile", "--print-address=1", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (fx->bus));
  fx->bus_address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fx->bus_address);
  g_strstrip (fx->bus_address);
}

static void
bus_stop (Fixture *fx)
{
  g_subprocess_send_signal (fx->bus, SIGTERM);
  g_subprocess_wait (fx->bus, NULL, NULL);
  g_clear_object (&fx->bus);
  g_clear_pointer (&fx->bus_address, g_free);
}

static void
print_daemon_log (Fixture *fx)
{
  g_autofree char *log = NULL;

  if (g_file_get_contents (fx->log_path, &log, NULL, NULL))
    g_printerr ("---- nova-volumed log ----\n%s---- end of log ----\n", log);
}

static gboolean
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

static void
daemon_start (Fixture *fx)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;
  const char *daemon_path = g_getenv ("NOVA_VOLUMED");
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
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  fx->daemon = g_subprocess_launcher_spawn (launcher, &error, daemon_path, "--session",
                                            "--state-dir", fx->state_dir, "--config", fx->config_path, NULL);
  g_assert_no_error (error);

  while (!name_has_owner (fx))
    {
      if (g_subprocess_get_identifier (fx->daemon) == NULL || g_get_monotonic_time () > deadline)
        {
          print_daemon_log (fx);
          g_error ("nova-volumed did not take %s", BUS_NAME);
        }
      g_usleep (20 * 1000);
    }
}

static void
daemon_stop (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (fx->daemon, SIGTERM);
  g_subprocess_wait (fx->daemon, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (fx->daemon) || g_subprocess_get_exit_status (fx->daemon) != 0)
    {
      print_daemon_log (fx);
      g_error ("nova-volumed did not exit cleanly on SIGTERM");
    }
  g_clear_object (&fx->daemon);
  /* the name is released before the process exits */
  g_assert_false (name_has_owner (fx));
}

static void
write_config (Fixture *fx, const char *driver)
{
  g_autofree char *text = g_strdup_printf ("[DEFAULT]\nvolume_driver = %s\nstorage_availability_zone = nova\n",
                                           driver);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fx->config_path, text, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("nova-volume-service-XXXXXX", &error);
  g_assert_no_error (error);
  fx->state_dir = g_build_filename (fx->dir, "state", NULL);
  fx->config_path = g_build_filename (fx->dir, "nova-volume.conf", NULL);
  fx->log_path = g_build_filename (fx->dir, "nova-volumed.log", NULL);
  write_config (fx, "file");

  bus_start (fx);
  fx->connection = g_dbus_connection_new_for_address_sync (fx->bus_address,
                                                           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                           | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                           NULL, NULL, &error);
  g_assert_no_error (error);
  daemon_start (fx);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        remove_tree (child);
      }
  g_remove (path);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  if (fx->daemon != NULL)
    daemon_stop (fx);
  if (g_test_failed ())
    print_daemon_log (fx);
  g_dbus_connection_close_sync (fx->connection, NULL, NULL);
  g_clear_object (&fx->connection);
  bus_stop (fx);
  remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->state_dir);
  g_free (fx->config_path);
  g_free (fx->log_path);
}

/* ---- calling as gdbus does ----------------------------------------- */

static GVariant *
call (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params,
      const char *reply_type, GError **error)
{
  return g_dbus_connection_call_sync (fx->connection, BUS_NAME, path, iface, method, params,
                                      reply_type != NULL ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 600 * 1000, NULL, error);
}

static void
call_ok (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, path, iface, method, params, "()", &error);

  g_assert_no_error (error);
}

/* Asserts @error is org.openstack.Volume1.Error.<name> with a message. */
static void
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

static void
call_fails (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params,
            const char *error_name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, path, iface, method, params, NULL, &error);

  g_assert_null (reply);
  assert_dbus_error (error, error_name);
  g_test_message ("%s refused as %s: %s", method, error_name, error->message);
}

static char *
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

static char *
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

static GVariant *
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

static char *
get_string (Fixture *fx, const char *path, const char *iface, const char *name)
{
  g_autoptr(GVariant) value = get_property (fx, path, iface, name);

  return g_variant_dup_string (value, NULL);
}

static guint64
get_uint64 (Fixture *fx, const char *path, const char *iface, const char *name)
{
  g_autoptr(GVariant) value = get_property (fx, path, iface, name);

  return g_variant_get_uint64 (value);
}

static void
assert_status (Fixture *fx, const char *path, const char *iface, const char *expected)
{
  g_autofree char *status = get_string (fx, path, iface, "Status");

  g_assert_cmpstr (status, ==, expected);
}

static GVariant *
connector (void)
{
  return g_variant_new_parsed ("({'ip': <'127.0.0.1'>, 'host': <'compute1'>, "
                               "'initiator': <'iqn.1993-08.org.debian:01:compute1'>, 'multipath': <false>},)");
}

/* InitializeConnection, checked to be the local shape; returns device_path. */
static char *
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

static void
disconnect_volume (Fixture *fx, const char *volume)
{
  call_ok (fx, volume, IFACE_VOLUME, "TerminateConnection", connector ());
}

static int
compare_strings (const char **a, const char **b)
{
  return g_strcmp0 (*a, *b);
}

/* Everything a client can see plus what lies on disk: two equal
 * fingerprints mean nothing changed. */
static char *
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
        g_autofree char *printed = g_variant_print (ifaces, TRUE);
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
      g_ptr_array_add (files, g_strdup_printf ("%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                                               name, (gint64) st.st_size, (gint64) st.st_mtime));
    }
  g_ptr_array_sort (files, (GCompareFunc) compare_strings);
  for (guint i = 0; i < files->len; i++)
    g_string_append_printf (text, "\n%s", (char *) g_ptr_array_index (files, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ---- bytes through the device path --------------------------------- */

static const guint64 offsets[] = { 0, 4096 * 1000 + 7, 512 * MIB, GIB - 4096 };
#define CHUNK 4096

static void
write_chunks (const char *device_path, guint8 chunks[][CHUNK], guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  int fd = open (device_path, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      for (gsize j = 0; j < CHUNK; j++)
        chunks[i][j] = (guint8) g_rand_int_range (rand, 0, 256);
      g_assert_cmpint (pwrite (fd, chunks[i], CHUNK, (off_t) offsets[i]), ==, CHUNK);
    }
  g_assert_cmpint (fsync (fd), ==, 0);
  close (fd);
}

static void
assert_chunks (const char *device_path, guint8 chunks[][CHUNK])
{
  guint8 buffer[CHUNK];
  int fd = open (device_path, O_RDONLY);

  g_assert_cmpint (fd, >=, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      g_assert_cmpint (pread (fd, buffer, CHUNK, (off_t) offsets[i]), ==, CHUNK);
      g_assert_cmpmem (buffer, CHUNK, chunks[i], CHUNK);
    }
  close (fd);
}

/* ---- tests ----------------------------------------------------------- */

static void
test_manager_properties (Fixture *fx, gconstpointer data)
{
  g_autofree char *driver = get_string (fx, MANAGER_PATH, IFACE_MANAGER, "DriverName");
  g_autofree char *zone = get_string (fx, MANAGER_PATH, IFACE_MANAGER, "AvailabilityZone");
  g_autofree char *version = get_string (fx, MANAGER_PATH, IFACE_MANAGER, "Version");
  g_autofree char *host = get_string (fx, MANAGER_PATH, IFACE_MANAGER, "Host");
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) stats = NULL;
  guint64 total = 0, free_bytes = 0;
  const char *protocol = NULL;

  g_assert_cmpstr (driver, ==, "file");
  g_assert_cmpstr (zone, ==, "nova");
  g_assert_cmpstr (version, ==, PACKAGE_VERSION);
  g_assert_cmpstr (host, !=, "");

  reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "GetVolumeStats", g_variant_new ("(b)", TRUE), "(a{sv})", &error);
  g_assert_no_error (error);
  stats = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (stats, "total_capacity", "t", &total));
  g_assert_true (g_variant_lookup (stats, "free_capacity", "t", &free_bytes));
  g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &protocol));
  g_assert_cmpuint (total, >=, free_bytes);
  g_assert_cmpuint (total, >, 0);
  g_assert_cmpstr (protocol, ==, "local");

  /* introspection shows the interface as the XML defines it */
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (fx, MANAGER_PATH, "org.freedesktop.DBus.Introspectable", "Introspect", NULL, "(s)", &error);
  g_assert_no_error (error);
  {
    const char *xml = NULL;
    g_variant_get (reply, "(&s)", &xml);
    g_assert_nonnull (strstr (xml, "CreateVolume"));
  }
}

static void
test_volume_properties (Fixture *fx, gconstpointer data)
{
  g_autofree char *path = create_volume (fx, 10 * MIB,
                                         g_variant_new_parsed ("{'name': <'data'>, 'description': <'logs'>, "
                                                               "'availability-zone': <'nova'>, "
                                                               "'metadata': <{'owner': 'ops', 'tier': 'gold'}>}"));
  g_autofree char *id = get_string (fx, path, IFACE_VOLUME, "Id");
  g_autofree char *name = get_string (fx, path, IFACE_VOLUME, "Name");
  g_autofree char *description = get_string (fx, path, IFACE_VOLUME, "Description");
  g_autofree char *attach_status = get_string (fx, path, IFACE_VOLUME, "AttachStatus");
  g_autofree char *zone = get_string (fx, path, IFACE_VOLUME, "AvailabilityZone");
  g_autofree char *location = get_string (fx, path, IFACE_VOLUME, "ProviderLocation");
  g_autofree char *driver = get_string (fx, path, IFACE_VOLUME, "Driver");
  g_autofree char *source_snapshot = get_string (fx, path, IFACE_VOLUME, "SourceSnapshot");
  g_autoptr(GVariant) metadata = get_property (fx, path, IFACE_VOLUME, "Metadata");
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) all = NULL;
  g_autofree char *escaped = NULL;
  const char *owner = NULL;

  g_assert_true (g_uuid_string_is_valid (id));
  escaped = g_strdelimit (g_strdup (id), "-", '_');
  g_assert_true (g_str_has_suffix (path, escaped));
  g_assert_true (g_str_has_prefix (path, ROOT_PATH "/volumes/"));
  g_assert_cmpstr (name, ==, "data");
  g_assert_cmpstr (description, ==, "logs");
  g_assert_cmpuint (get_uint64 (fx, path, IFACE_VOLUME, "Size"), ==, 10 * MIB);
  assert_status (fx, path, IFACE_VOLUME, "available");
  g_assert_cmpstr (attach_status, ==, "detached");
  g_assert_cmpstr (zone, ==, "nova");
  g_assert_cmpstr (driver, ==, "file");
  g_assert_cmpstr (source_snapshot, ==, "/");
  g_assert_true (g_file_test (location, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (get_uint64 (fx, path, IFACE_VOLUME, "CreatedAt"), >, 0);
  g_assert_true (g_variant_lookup (metadata, "owner", "&s", &owner));
  g_assert_cmpstr (owner, ==, "ops");

  /* no secret among the properties */
  all = call (fx, path, "org.freedesktop.DBus.Properties", "GetAll", g_variant_new ("(s)", IFACE_VOLUME),
              "(a{sv})", &error);
  g_assert_no_error (error);
  {
    g_autofree char *printed = g_variant_print (all, TRUE);
    g_assert_null (strstr (printed, "provider_auth"));
    g_assert_null (strstr (printed, "ProviderAuth"));
  }

  call_ok (fx, path, IFACE_VOLUME, "CheckForExport", NULL);
  call_ok (fx, path, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(%t, @a{sv} {})", 20 * MIB));
  g_assert_cmpuint (get_uint64 (fx, path, IFACE_VOLUME, "Size"), ==, 20 * MIB);
  call_ok (fx, path, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  g_assert_false (g_file_test (location, G_FILE_TEST_EXISTS));
}

/* The seed's promise: the same bytes on the second instance, snapshots
 * hold the old bytes, clones the new, and a restart keeps it all. */
static void
test_seed_scenario (Fixture *fx, gconstpointer data)
{
  static guint8 first[G_N_ELEMENTS (offsets)][CHUNK];
  static guint8 second[G_N_ELEMENTS (offsets)][CHUNK];
  g_autofree char *volume = create_volume (fx, GIB, g_variant_new_parsed ("{'name': <'seed'>}"));
  g_autofree char *device = NULL;
  g_autofree char *snapshot = NULL;
  g_autofree char *from_snapshot = NULL;
  g_autofree char *clone = NULL;
  g_autofree char *instance = NULL;
  g_autofree char *before_restart = NULL;
  g_autofree char *after_restart = NULL;
  struct stat st;

  /* instance A writes */
  call_ok (fx, volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  assert_status (fx, volume, IFACE_VOLUME, "in-use");
  instance = get_string (fx, volume, IFACE_VOLUME, "InstanceUuid");
  g_assert_cmpstr (instance, ==, INSTANCE_A);
  device = connect_volume (fx, volume);
  write_chunks (device, first, 1);
  disconnect_volume (fx, volume);
  call_ok (fx, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  assert_status (fx, volume, IFACE_VOLUME, "available");

  /* instance A is gone; instance B attaches and reads the same bytes */
  g_clear_pointer (&device, g_free);
  g_clear_pointer (&instance, g_free);
  call_ok (fx, volume, IFACE_VOLUME, "Attach",
           g_variant_new_parsed ("(%s, '/dev/vdc', {'host': <'compute2'>})", INSTANCE_B));
  instance = get_string (fx, volume, IFACE_VOLUME, "InstanceUuid");
  g_assert_cmpstr (instance, ==, INSTANCE_B);
  device = connect_volume (fx, volume);
  assert_chunks (device, first);

  /* a snapshot of the attached volume needs force */
  call_fails (fx, volume, IFACE_VOLUME, "CreateSnapshot", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState");
  snapshot = create_snapshot (fx, volume, TRUE);
  assert_status (fx, snapshot, IFACE_SNAPSHOT, "available");
  g_assert_cmpuint (get_uint64 (fx, snapshot, IFACE_SNAPSHOT, "Size"), ==, GIB);
  {
    g_autofree char *of = get_string (fx, snapshot, IFACE_SNAPSHOT, "Volume");
    g_autoptr(GVariant) progress = get_property (fx, snapshot, IFACE_SNAPSHOT, "Progress");
    g_assert_cmpstr (of, ==, volume);
    g_assert_cmpfloat (g_variant_get_double (progress), ==, 1.0);
  }

  /* instance B writes more: the snapshot keeps the old bytes, a clone the new */
  write_chunks (device, second, 2);
  disconnect_volume (fx, volume);
  from_snapshot = create_volume (fx, 0, g_variant_new_parsed ("{'snapshot': <%o>}", snapshot));
  clone = create_volume (fx, 0, g_variant_new_parsed ("{'source-volume': <%o>}", volume));
  {
    g_autofree char *source = get_string (fx, from_snapshot, IFACE_VOLUME, "SourceSnapshot");
    g_autofree char *clone_source = get_string (fx, clone, IFACE_VOLUME, "SourceVolume");
    g_assert_cmpstr (source, ==, snapshot);
    g_assert_cmpstr (clone_source, ==, volume);
  }
  {
    g_autofree char *snap_device = connect_volume (fx, from_snapshot);
    g_autofree char *clone_device = connect_volume (fx, clone);

    assert_chunks (snap_device, first);
    assert_chunks (clone_device, second);
    /* copies of a sparse volume stay sparse */
    g_assert_cmpint (g_stat (clone_device, &st), ==, 0);
    g_assert_cmpint ((gint64) st.st_blocks * 512, <, 64 * (gint64) MIB);
    disconnect_volume (fx, from_snapshot);
    disconnect_volume (fx, clone);
  }

  /* a restart keeps objects, statuses and bytes */
  before_restart = fingerprint (fx);
  daemon_stop (fx);
  daemon_start (fx);
  after_restart = fingerprint (fx);
  g_assert_cmpstr (before_restart, ==, after_restart);
  assert_status (fx, volume, IFACE_VOLUME, "in-use");
  {
    g_autofree char *again = get_string (fx, volume, IFACE_VOLUME, "InstanceUuid");
    g_autofree char *device2 = connect_volume (fx, volume);
    g_autofree char *snap_device = connect_volume (fx, from_snapshot);

    g_assert_cmpstr (again, ==, INSTANCE_B);
    assert_chunks (device2, second);
    assert_chunks (snap_device, first);
  }

  /* and everything can be taken down again */
  call_ok (fx, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  call_fails (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState");
  call_ok (fx, snapshot, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, from_snapshot, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, clone, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  {
    g_autofree char *volumes_dir = g_build_filename (fx->state_dir, "volumes", NULL);
    g_autoptr(GDir) dir = g_dir_open (volumes_dir, 0, NULL);
    g_assert_nonnull (dir);
    g_assert_null (g_dir_read_name (dir));
  }
}

/* Every refusal is an org.openstack.Volume1.Error and changes nothing. */
static void
test_bad_input (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, 8 * MIB, NULL);
  g_autofree char *attached = create_volume (fx, 8 * MIB, NULL);
  g_autofree char *snapshot = NULL;
  g_autofree char *missing_volume = g_strdup (ROOT_PATH "/volumes/00000000_0000_4000_8000_000000000000");
  g_autofree char *missing_snapshot = g_strdup (ROOT_PATH "/snapshots/00000000_0000_4000_8000_000000000000");
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *long_name = g_strnfill (300, 'x');
  struct {
    const char *path;
    const char *iface;
    const char *method;
    GVariant   *params;
    const char *error;
  } cases[] = {
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume", g_variant_new_parsed ("(@t 0, @a{sv} {})"), "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 4611686018427387904, @a{sv} {})"), "NoSpace" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume", g_variant_new_parsed ("(@t 1048576, {'colour': <'red'>})"),
      "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume", g_variant_new_parsed ("(@t 1048576, {'name': <42>})"),
      "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume", g_variant_new_parsed ("(@t 1048576, {'name': <%s>})", long_name),
      "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 1048576, {'snapshot': <%o>})", missing_snapshot), "NotFound" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 1048576, {'source-volume': <%o>})", missing_volume), "NotFound" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 1048576, {'snapshot': <objectpath '/org/openstack/Volume1/volumes/x'>})"),
      "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 1048576, {'snapshot': <%o>, 'source-volume': <%o>})", missing_snapshot, missing_volume),
      "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 1048576, {'availability-zone': <'mars'>})"), "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 1048576, {'metadata': <{'a': <1>}>})"), "InvalidArgument" },
    { attached, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState" },
    { attached, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdc', @a{sv} {})", INSTANCE_B),
      "InvalidState" },
    { attached, IFACE_VOLUME, "CreateSnapshot", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState" },
    { attached, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(@t 16777216, @a{sv} {})"), "InvalidState" },
    { volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState" },
    { volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState" },
    { volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("('not-a-uuid', '/dev/vdb', @a{sv} {})"),
      "InvalidArgument" },
    { volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, 'vdb', @a{sv} {})", INSTANCE_A), "InvalidArgument" },
    { volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', {'host': <1>})", INSTANCE_A),
      "InvalidArgument" },
    { volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(@t 1048576, @a{sv} {})"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(@t 4611686018427387904, @a{sv} {})"), "NoSpace" },
    { volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("({'force': <true>},)"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "CreateSnapshot", g_variant_new_parsed ("({'force': <'yes'>},)"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "InitializeConnection", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "InitializeConnection", g_variant_new_parsed ("({'initiator': <7>},)"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "TerminateConnection", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidArgument" },
    { NULL, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("({'bogus': <1>},)"), "InvalidArgument" },
  };

  call_ok (fx, attached, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  snapshot = create_snapshot (fx, volume, FALSE);
  cases[G_N_ELEMENTS (cases) - 1].path = snapshot;

  before = fingerprint (fx);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *now = NULL;

      call_fails (fx, cases[i].path, cases[i].iface, cases[i].method, g_variant_ref_sink (cases[i].params),
                  cases[i].error);
      g_variant_unref (cases[i].params);
      now = fingerprint (fx);
      g_assert_cmpstr (now, ==, before);
    }
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  /* a missing object is not a volume: the bus itself says so */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call (fx, missing_volume, IFACE_VOLUME, "Delete",
                                      g_variant_new_parsed ("(@a{sv} {},)"), NULL, &error);
    g_assert_null (reply);
    g_assert_nonnull (error);
  }
}

/* Volumes of another driver are left alone, and operations on them say
 * why; switching back finds them as they were. */
static void
test_other_driver (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, 8 * MIB, NULL);
  g_autofree char *fake_volume = NULL;

  daemon_stop (fx);
  write_config (fx, "nova.volume.driver.FakeISCSIDriver");
  daemon_start (fx);
  {
    g_autofree char *driver = get_string (fx, MANAGER_PATH, IFACE_MANAGER, "DriverName");
    g_assert_cmpstr (driver, ==, "fake");
  }
  call_fails (fx, volume, IFACE_VOLUME, "CreateSnapshot", g_variant_new_parsed ("(@a{sv} {},)"), "NotSupported");
  call_fails (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
              g_variant_new_parsed ("(@t 0, {'source-volume': <%o>})", volume), "NotSupported");
  call_fails (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "NotSupported");

  /* the fake driver answers with the seed's iSCSI shape */
  fake_volume = create_volume (fx, GIB, NULL);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call (fx, fake_volume, IFACE_VOLUME, "InitializeConnection", connector (),
                                      "(a{sv})", &error);
    g_autoptr(GVariant) info = NULL;
    g_autoptr(GVariant) info_data = NULL;
    const char *type = NULL, *iqn = NULL;

    g_assert_no_error (error);
    info = g_variant_get_child_value (reply, 0);
    g_assert_true (g_variant_lookup (info, "driver_volume_type", "&s", &type));
    g_assert_cmpstr (type, ==, "iscsi");
    info_data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
    g_assert_true (g_variant_lookup (info_data, "target_iqn", "&s", &iqn));
    g_assert_true (g_str_has_prefix (iqn, "iqn.2010-10.org.openstack:volume-"));
  }
  call_ok (fx, fake_volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));

  daemon_stop (fx);
  write_config (fx, "file");
  daemon_start (fx);
  assert_status (fx, volume, IFACE_VOLUME, "available");
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* Calls on different volumes run side by side, and every one of them is
 * answered. (The order of calls that a client sends without waiting for
 * the replies is not kept: authorization runs on worker threads, as in
 * udisks; a client that needs an order waits for each reply.) */
typedef struct {
  guint   pending;
  guint   failed;
} Replies;

static void
count_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Replies *replies = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    {
      g_test_message ("parallel call failed: %s", error->message);
      replies->failed++;
    }
  replies->pending--;
}

static void
call_all (Fixture *fx, char **paths, guint n, const char *method, GVariant *params)
{
  Replies replies = { 0 };

  g_variant_ref_sink (params);
  for (guint i = 0; i < n; i++)
    {
      replies.pending++;
      g_dbus_connection_call (fx->connection, BUS_NAME, paths[i], IFACE_VOLUME, method, params,
                              NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, count_reply, &replies);
    }
  g_variant_unref (params);
  while (replies.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (replies.failed, ==, 0);
}

static void
test_parallel (Fixture *fx, gconstpointer data)
{
  enum { N = 8 };
  char *paths[N] = { NULL, };

  for (guint i = 0; i < N; i++)
    paths[i] = create_volume (fx, 64 * MIB, NULL);
  for (guint round = 0; round < 3; round++)
    {
      call_all (fx, paths, N, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
      for (guint i = 0; i < N; i++)
        assert_status (fx, paths[i], IFACE_VOLUME, "in-use");
      call_all (fx, paths, N, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
      for (guint i = 0; i < N; i++)
        assert_status (fx, paths[i], IFACE_VOLUME, "available");
    }
  call_all (fx, paths, N, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  for (guint i = 0; i < N; i++)
    g_free (paths[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("NOVA_VOLUMED") == NULL)
    {
      g_test_skip ("NOVA_VOLUMED is not set: run through meson test");
      return g_test_run ();
    }
#define ADD(path, func) \
  g_test_add ("/service/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("manager-properties", test_manager_properties);
  ADD ("volume-properties", test_volume_properties);
  ADD ("seed-scenario", test_seed_scenario);
  ADD ("bad-input", test_bad_input);
  ADD ("other-driver", test_other_driver);
  ADD ("parallel", test_parallel);
#undef ADD
  return g_test_run ();
}
