/* Several backends in one nova-volumed, on a private bus: two file
 * backends in their own directories and a backend whose driver cannot be
 * set up. Volumes go where the backend, the type or the default type
 * says; each backend shows its own capacity on its Backend object; a
 * backend that is down is refused by name while the others serve; the
 * backends and types survive a restart. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "service-fixture.h"
#include "test-util.h"

#define IFACE_BACKEND "org.openstack.Volume1.Backend"
#define FAST_PATH     ROOT_PATH "/backends/fast"
#define SLOW_PATH     ROOT_PATH "/backends/slow_2e1"   /* "slow.1", escaped */
#define BROKEN_PATH   ROOT_PATH "/backends/broken"

/* two file backends, each in its own directory, a broken one when
 * @with_broken, and a type on each */
static void
write_backends_config_with (Fixture *fx, gboolean with_broken, const char *default_type, const char *extra)
{
  g_autofree char *text = g_strdup_printf (
      "[DEFAULT]\n"
      "storage_availability_zone = nova\n"
      "default_volume_type = %s\n"
      "[backend:fast]\n"
      "volume_driver = file\n"
      "file_volumes_dir = %s/fast\n"
      "[backend:slow.1]\n"
      "volume_driver = file\n"
      "file_volumes_dir = %s/slow\n"
      "volume_name_template = slow-%%s\n"
      "%s"
      "[type:scratch]\n"
      "backend = fast\n"
      "[type:durable]\n"
      "backend = slow.1\n"
      "thin = true\n"
      "storage_protocol = local\n"
      "[type:shared]\n"
      "backend = slow.1\n"
      "multiattach = true\n"
      "[type:iscsi-only]\n"
      "backend = fast\n"
      "storage_protocol = iSCSI\n"
      "%s%s",
      default_type != NULL ? default_type : "", fx->dir, fx->dir,
      with_broken ? "[backend:broken]\nvolume_driver = sheepdog\nsheepdog_command = /nonexistent/dog\n" : "",
      with_broken ? "[type:on-broken]\nbackend = broken\n" : "", extra != NULL ? extra : "");
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fx->config_path, text, -1, &error);
  g_assert_no_error (error);
}

static void
write_backends_config (Fixture *fx, gboolean with_broken, const char *default_type)
{
  write_backends_config_with (fx, with_broken, default_type, NULL);
}

static void
restart_with_backends (Fixture *fx, gboolean with_broken, const char *default_type)
{
  daemon_stop (fx);
  write_backends_config (fx, with_broken, default_type);
  daemon_start (fx);
}

static char *
create_on (Fixture *fx, guint64 size, const char *key, const char *value)
{
  return create_volume (fx, size, g_variant_new_parsed ("{%s: <%s>}", key, value));
}

/* a refused call whose message names what a person must know */
static void
assert_refused (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params,
                const char *error_name, const char *const *parts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, path, iface, method, params, NULL, &error);

  g_assert_null (reply);
  assert_dbus_error (error, error_name);
  g_test_message ("%s refused as %s: %s", method, error_name, error->message);
  for (gsize i = 0; parts[i] != NULL; i++)
    if (strstr (error->message, parts[i]) == NULL)
      g_error ("'%s' does not say '%s'", error->message, parts[i]);
}

static gboolean
file_exists_in (Fixture *fx, const char *subdir, const char *prefix, const char *volume_path)
{
  g_autofree char *id = get_string (fx, volume_path, IFACE_VOLUME, "Id");
  g_autofree char *name = g_strconcat (prefix, id, NULL);
  g_autofree char *path = g_build_filename (fx->dir, subdir, name, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* polls the bus until @path's @property is at least @min (the refresh
 * after a change runs on a worker thread) */
static guint64
wait_for_uint64 (Fixture *fx, const char *path, const char *property, guint64 min)
{
  /* bounded by the test's own timeout in practice: a slow machine (or
   * valgrind) only takes longer */
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      guint64 value = get_uint64 (fx, path, IFACE_BACKEND, property);

      if (value >= min)
        return value;
      g_usleep (50 * 1000);
    }
  g_error ("%s %s stayed below %" G_GUINT64_FORMAT " for 120 s", path, property, min);
}

static void
test_two_backends (Fixture *fx, gconstpointer data)
{
  g_autofree char *on_fast = NULL, *on_slow = NULL, *typed = NULL, *clone = NULL;
  g_autofree char *backend = NULL, *driver = NULL, *state = NULL, *protocol = NULL;
  g_autoptr(GVariant) thin = NULL;

  restart_with_backends (fx, FALSE, NULL);

  on_fast = create_on (fx, 8 * MIB, "backend", "fast");
  on_slow = create_on (fx, 16 * MIB, "backend", "slow.1");
  typed = create_on (fx, 4 * MIB, "type", "durable");

  backend = get_string (fx, on_fast, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "fast");
  g_clear_pointer (&backend, g_free);
  backend = get_string (fx, typed, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "slow.1");
  g_clear_pointer (&backend, g_free);
  /* each backend keeps its volumes where its own keys say */
  g_assert_true (file_exists_in (fx, "fast", "volume-", on_fast));
  g_assert_true (file_exists_in (fx, "slow", "slow-", on_slow));
  g_assert_true (file_exists_in (fx, "slow", "slow-", typed));
  g_assert_false (file_exists_in (fx, "fast", "volume-", on_slow));

  /* a clone is made by its source's backend */
  clone = create_volume (fx, 0, g_variant_new_parsed ("{'source-volume': <%o>}", on_slow));
  backend = get_string (fx, clone, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "slow.1");
  g_clear_pointer (&backend, g_free);

  /* each Backend object: its name, driver and state; the provisioned
   * bytes at once, the driver's figures after its refresh */
  driver = get_string (fx, FAST_PATH, IFACE_BACKEND, "Driver");
  g_assert_cmpstr (driver, ==, "file");
  state = get_string (fx, SLOW_PATH, IFACE_BACKEND, "State");
  g_assert_cmpstr (state, ==, "up");
  backend = get_string (fx, SLOW_PATH, IFACE_BACKEND, "Name");
  g_assert_cmpstr (backend, ==, "slow.1");
  g_assert_cmpuint (get_uint64 (fx, FAST_PATH, IFACE_BACKEND, "ProvisionedCapacity"), ==, 8 * MIB);
  g_assert_cmpuint (get_uint64 (fx, SLOW_PATH, IFACE_BACKEND, "ProvisionedCapacity"), ==, 36 * MIB);
  g_assert_cmpuint (wait_for_uint64 (fx, FAST_PATH, "TotalCapacity", 1), >=,
                    get_uint64 (fx, FAST_PATH, IFACE_BACKEND, "FreeCapacity"));
  wait_for_uint64 (fx, SLOW_PATH, "FreeCapacity", 1);
  protocol = get_string (fx, FAST_PATH, IFACE_BACKEND, "StorageProtocol");
  g_assert_cmpstr (protocol, ==, "local");
  thin = get_property (fx, FAST_PATH, IFACE_BACKEND, "ThinProvisioning");
  g_assert_true (g_variant_get_boolean (thin));

  /* a delete gives the bytes back to its backend only */
  call_ok (fx, on_slow, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  g_assert_cmpuint (get_uint64 (fx, SLOW_PATH, IFACE_BACKEND, "ProvisionedCapacity"), ==, 20 * MIB);
  g_assert_cmpuint (get_uint64 (fx, FAST_PATH, IFACE_BACKEND, "ProvisionedCapacity"), ==, 8 * MIB);

  /* a restart: every volume is still on its backend, and served there */
  daemon_stop (fx);
  daemon_start (fx);
  g_clear_pointer (&backend, g_free);
  backend = get_string (fx, typed, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "slow.1");
  assert_status (fx, on_fast, IFACE_VOLUME, "available");
  g_assert_cmpuint (get_uint64 (fx, SLOW_PATH, IFACE_BACKEND, "ProvisionedCapacity"), ==, 20 * MIB);
  call_ok (fx, typed, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(@t %t, @a{sv} {})", 6 * MIB));
  g_assert_cmpuint (get_uint64 (fx, SLOW_PATH, IFACE_BACKEND, "ProvisionedCapacity"), ==, 22 * MIB);
  call_ok (fx, on_fast, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* Without backend or type: default_volume_type's backend, else the one
 * with the most free space. */
static void
test_default_type (Fixture *fx, gconstpointer data)
{
  g_autofree char *plain = NULL, *backend = NULL;

  restart_with_backends (fx, FALSE, "scratch");
  plain = create_volume (fx, MIB, NULL);
  backend = get_string (fx, plain, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "fast");
  g_clear_pointer (&plain, g_free);
  g_clear_pointer (&backend, g_free);

  restart_with_backends (fx, FALSE, NULL);
  /* both directories lie on one filesystem: equal free space, and the
   * first backend wins the tie */
  wait_for_uint64 (fx, FAST_PATH, "FreeCapacity", 1);
  wait_for_uint64 (fx, SLOW_PATH, "FreeCapacity", 1);
  plain = create_volume (fx, MIB, NULL);
  backend = get_string (fx, plain, IFACE_VOLUME, "Backend");
  g_assert_true (g_str_equal (backend, "fast") || g_str_equal (backend, "slow.1"));
}

static void
test_refusals (Fixture *fx, gconstpointer data)
{
  g_autofree char *source = NULL;
  g_autofree char *before = NULL, *after = NULL;

  restart_with_backends (fx, FALSE, NULL);
  source = create_on (fx, MIB, "backend", "fast");
  before = fingerprint (fx);

  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t %t, {'backend': <'nosuch'>})", MIB), "NotSupported",
                  (const char *[]) { "no backend 'nosuch'", "fast, slow.1", NULL });
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t %t, {'type': <'gold'>})", MIB), "InvalidArgument",
                  (const char *[]) { "no volume type 'gold'", NULL });
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t %t, {'type': <'durable'>, 'backend': <'fast'>})", MIB),
                  "InvalidArgument", (const char *[]) { "'durable'", "'slow.1'", "'fast'", NULL });
  /* extra specs the backend does not match name both */
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t %t, {'type': <'iscsi-only'>})", MIB), "InvalidArgument",
                  (const char *[]) { "'iscsi-only'", "'fast'", "storage_protocol = iSCSI", "local", NULL });
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t %t, {'type': <'shared'>})", MIB), "InvalidArgument",
                  (const char *[]) { "'shared'", "'slow.1'", "multiattach", NULL });
  /* a clone is made by its source's backend, never another one */
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t 0, {'source-volume': <%o>, 'backend': <'slow.1'>})", source),
                  "InvalidArgument", (const char *[]) { "'fast'", "'slow.1'", "then Migrate the new volume", NULL });
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t %t, {'backend': <@u 7>})", MIB), "InvalidArgument",
                  (const char *[]) { "backend", NULL });

  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
}

/* A backend whose driver cannot be set up is down with the reason; the
 * others serve. */
static void
test_backend_down (Fixture *fx, gconstpointer data)
{
  g_autofree char *state = NULL, *reason = NULL, *driver = NULL, *volume = NULL, *backend = NULL;

  restart_with_backends (fx, TRUE, NULL);

  state = get_string (fx, BROKEN_PATH, IFACE_BACKEND, "State");
  g_assert_cmpstr (state, ==, "down");
  reason = get_string (fx, BROKEN_PATH, IFACE_BACKEND, "StateReason");
  g_test_message ("down: %s", reason);
  g_assert_nonnull (strstr (reason, "/nonexistent/dog"));
  driver = get_string (fx, BROKEN_PATH, IFACE_BACKEND, "Driver");
  g_assert_cmpstr (driver, ==, "sheepdog");
  g_clear_pointer (&state, g_free);
  state = get_string (fx, FAST_PATH, IFACE_BACKEND, "State");
  g_assert_cmpstr (state, ==, "up");

  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t %t, {'backend': <'broken'>})", MIB), "Failed",
                  (const char *[]) { "backend 'broken' is down", "/nonexistent/dog", NULL });
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t %t, {'type': <'on-broken'>})", MIB), "InvalidArgument",
                  (const char *[]) { "'on-broken'", "'broken'", "down", NULL });

  /* the others serve, and a create without a choice avoids it */
  volume = create_volume (fx, MIB, NULL);
  backend = get_string (fx, volume, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, !=, "broken");
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* A volume whose backend left the configuration is kept, shown and
 * refused by name; it is served again when its backend comes back. */
static void
test_backend_removed (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = NULL, *backend = NULL;

  restart_with_backends (fx, FALSE, NULL);
  volume = create_on (fx, MIB, "backend", "slow.1");

  daemon_stop (fx);
  write_config (fx, "file");
  daemon_start (fx);
  backend = get_string (fx, volume, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "slow.1");
  assert_refused (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "NotSupported",
                  (const char *[]) { "backend 'slow.1'", "does not serve", "file", NULL });

  restart_with_backends (fx, FALSE, NULL);
  assert_status (fx, volume, IFACE_VOLUME, "available");
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* Each change of a backend's figures is a PropertiesChanged signal: a
 * capacity bar needs no polling. */
static void
on_properties_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *iface, const char *signal, GVariant *params, gpointer user_data)
{
  guint *n_changed = user_data;
  const char *changed_iface = NULL;
  g_autoptr(GVariant) changed = NULL;
  guint64 provisioned = 0;

  g_variant_get (params, "(&s@a{sv}@as)", &changed_iface, &changed, NULL);
  if (g_str_equal (changed_iface, IFACE_BACKEND)
      && g_variant_lookup (changed, "ProvisionedCapacity", "t", &provisioned) && provisioned == 3 * MIB)
    (*n_changed)++;
}

static void
test_backend_signals (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = NULL;
  guint n_changed = 0;
  guint id;

  restart_with_backends (fx, FALSE, NULL);
  id = g_dbus_connection_signal_subscribe (fx->connection, BUS_NAME, "org.freedesktop.DBus.Properties",
                                           "PropertiesChanged", FAST_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                           on_properties_changed, &n_changed, NULL);
  volume = create_on (fx, 3 * MIB, "backend", "fast");
  for (guint i = 0; i < 200 && n_changed == 0; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (n_changed == 0)
        g_usleep (20 * 1000);
    }
  g_dbus_connection_signal_unsubscribe (fx->connection, id);
  g_assert_cmpuint (n_changed, >=, 1);
}

/* ---- migrate ------------------------------------------------------------ */

static const guint64 offsets[] = { 0, 3 * MIB + 17, 7 * MIB + 4096 };

static char *
backing_file (Fixture *fx, const char *volume)
{
  return get_string (fx, volume, IFACE_VOLUME, "ProviderLocation");
}

/* The volume moves with its bytes, id, name and metadata; the old copy
 * goes; the capacity of both backends follows. */
static void
test_migrate (Fixture *fx, gconstpointer data)
{
  Chunks chunks = { .offsets = offsets, .n_offsets = G_N_ELEMENTS (offsets) };
  g_autofree char *volume = NULL, *before = NULL, *after = NULL, *backend = NULL, *id = NULL, *name = NULL;
  g_autofree char *driver = NULL;
  g_autoptr(GVariant) metadata = NULL, expected_metadata = NULL;
  struct stat st;

  restart_with_backends (fx, FALSE, NULL);
  volume = create_volume (fx, 8 * MIB, g_variant_new_parsed ("{'backend': <'fast'>, 'name': <'moving'>, "
                                                             "'metadata': <{'owner': 'db'}>}"));
  id = get_string (fx, volume, IFACE_VOLUME, "Id");
  before = backing_file (fx, volume);
  write_chunks (before, &chunks, 4);

  call_ok (fx, volume, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('slow.1', @a{sv} {})"));

  backend = get_string (fx, volume, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "slow.1");
  driver = get_string (fx, volume, IFACE_VOLUME, "Driver");
  g_assert_cmpstr (driver, ==, "file");
  g_clear_pointer (&id, g_free);
  id = get_string (fx, volume, IFACE_VOLUME, "Id");
  name = get_string (fx, volume, IFACE_VOLUME, "Name");
  g_assert_cmpstr (name, ==, "moving");
  metadata = get_property (fx, volume, IFACE_VOLUME, "Metadata");
  expected_metadata = g_variant_ref_sink (g_variant_new_parsed ("{'owner': 'db'}"));
  g_assert_true (g_variant_equal (metadata, expected_metadata));
  assert_status (fx, volume, IFACE_VOLUME, "available");
  after = backing_file (fx, volume);
  g_assert_cmpstr (after, !=, before);
  g_assert_true (g_str_has_prefix (after, fx->dir));
  g_assert_nonnull (strstr (after, "/slow/slow-"));
  assert_chunks (after, &chunks);
  /* what was never written stays a hole: the copy skipped the zeros */
  g_assert_cmpint (g_stat (after, &st), ==, 0);
  g_assert_cmpint ((gint64) st.st_blocks * 512, <, 4 * MIB);
  g_assert_false (g_file_test (before, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (get_uint64 (fx, FAST_PATH, IFACE_BACKEND, "ProvisionedCapacity"), ==, 0);
  g_assert_cmpuint (get_uint64 (fx, SLOW_PATH, IFACE_BACKEND, "ProvisionedCapacity"), ==, 8 * MIB);

  /* and back, and it survives a restart where it is */
  call_ok (fx, volume, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('fast', @a{sv} {})"));
  daemon_stop (fx);
  daemon_start (fx);
  g_clear_pointer (&backend, g_free);
  backend = get_string (fx, volume, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "fast");
  g_clear_pointer (&after, g_free);
  after = backing_file (fx, volume);
  assert_chunks (after, &chunks);
  {
    g_autofree char *slow_copy = g_build_filename (fx->dir, "slow", NULL);
    g_autoptr(GDir) dir = g_dir_open (slow_copy, 0, NULL);

    g_assert_nonnull (dir);
    g_assert_null (g_dir_read_name (dir));
  }
}

static void
test_migrate_refusals (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = NULL, *snapshot = NULL, *snapshot_id = NULL, *other = NULL;
  g_autofree char *before = NULL, *after = NULL;
  g_autofree char *device = NULL;

  daemon_stop (fx);
  write_backends_config_with (fx, TRUE, NULL, "[backend:recorder]\nvolume_driver = fake\n");
  daemon_start (fx);
  volume = create_on (fx, MIB, "backend", "fast");
  snapshot = create_snapshot (fx, volume, FALSE);
  snapshot_id = get_string (fx, snapshot, IFACE_SNAPSHOT, "Id");
  other = create_on (fx, MIB, "backend", "fast");
  before = fingerprint (fx);

  assert_refused (fx, volume, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('slow.1', @a{sv} {})"),
                  "InvalidState", (const char *[]) { "1 snapshot", snapshot_id, "'fast'", NULL });
  assert_refused (fx, other, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('fast', @a{sv} {})"),
                  "InvalidArgument", (const char *[]) { "already lives on backend 'fast'", NULL });
  assert_refused (fx, other, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('nosuch', @a{sv} {})"),
                  "NotSupported", (const char *[]) { "no backend 'nosuch'", NULL });
  assert_refused (fx, other, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('broken', @a{sv} {})"),
                  "Failed", (const char *[]) { "backend 'broken' is down", NULL });
  assert_refused (fx, other, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('slow.1', {'force': <true>})"),
                  "InvalidArgument", (const char *[]) { "force", NULL });
  assert_refused (fx, other, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('recorder', @a{sv} {})"),
                  "NotSupported", (const char *[]) { "the fake driver cannot take a volume's bytes", NULL });
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  /* a connected host, an attached instance */
  device = connect_volume (fx, other);
  assert_refused (fx, other, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('slow.1', @a{sv} {})"),
                  "InvalidState", (const char *[]) { "cannot migrate volume", "still connected", NULL });
  disconnect_volume (fx, other);
  call_ok (fx, other, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  assert_refused (fx, other, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('slow.1', @a{sv} {})"),
                  "InvalidState", (const char *[]) { "is attached to instance", "detach it first", NULL });
}

static void
on_job_added (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
              const char *signal, GVariant *params, gpointer user_data)
{
  char **job = user_data;
  const char *object_path = NULL;

  g_variant_get_child (params, 0, "&o", &object_path);
  if (g_str_has_prefix (object_path, ROOT_PATH "/jobs/") && *job == NULL)
    *job = g_strdup (object_path);
}

static void
store_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A cancelled migrate (its Job's Cancel) leaves the volume where it was,
 * with its bytes, and nothing on the target. */
static void
test_migrate_cancel (Fixture *fx, gconstpointer data)
{
  Chunks chunks = { .offsets = offsets, .n_offsets = G_N_ELEMENTS (offsets) };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *volume = NULL, *job = NULL, *backend = NULL, *file = NULL, *operation = NULL;
  guint subscription;

  daemon_stop (fx);
  write_backends_config_with (fx, FALSE, NULL,
                              "[backend:held]\nvolume_driver = logging\nlogging_driver_hold_copies = true\n");
  daemon_start (fx);
  volume = create_on (fx, 8 * MIB, "backend", "fast");
  file = backing_file (fx, volume);
  write_chunks (file, &chunks, 5);

  subscription = g_dbus_connection_signal_subscribe (fx->connection, BUS_NAME, "org.freedesktop.DBus.ObjectManager",
                                                      "InterfacesAdded", ROOT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                      on_job_added, &job, NULL);
  g_dbus_connection_call (fx->connection, BUS_NAME, volume, IFACE_VOLUME, "Migrate",
                          g_variant_new_parsed ("('held', @a{sv} {})"), NULL, G_DBUS_CALL_FLAGS_NONE, G_MAXINT,
                          NULL, store_reply, &result);
  while (job == NULL && result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_dbus_connection_signal_unsubscribe (fx->connection, subscription);
  g_assert_nonnull (job);
  assert_status (fx, volume, IFACE_VOLUME, "migrating");
  operation = get_string (fx, job, "org.openstack.Volume1.Job", "Operation");
  g_assert_cmpstr (operation, ==, "volume-migrate");

  call_ok (fx, job, "org.openstack.Volume1.Job", "Cancel", g_variant_new_parsed ("(@a{sv} {},)"));
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_finish (fx->connection, result, &error);
  g_assert_null (reply);
  assert_dbus_error (error, "Cancelled");

  assert_status (fx, volume, IFACE_VOLUME, "available");
  backend = get_string (fx, volume, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "fast");
  assert_chunks (file, &chunks);
  g_assert_cmpuint (get_uint64 (fx, ROOT_PATH "/backends/held", IFACE_BACKEND, "ProvisionedCapacity"), ==, 0);
  /* and it can go once more, to a backend that lets it */
  call_ok (fx, volume, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('slow.1', @a{sv} {})"));
  g_clear_pointer (&file, g_free);
  file = backing_file (fx, volume);
  assert_chunks (file, &chunks);
}

/* A target without room for the volume: NoSpace with the sizes, and the
 * volume stays, available, where it was, with nothing left on the target
 * (a second try is refused the same way, not for a leftover copy). The
 * logging backend has room for anything; the file backend's free space
 * is its filesystem's, far below 1 EiB. */
/* The Manager's Warnings, once the first stats are in */
static char **
wait_for_warnings (Fixture *fx)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GVariant) value = get_property (fx, MANAGER_PATH, IFACE_MANAGER, "Warnings");
      g_auto(GStrv) warnings = g_variant_dup_strv (value, NULL);

      if (warnings[0] != NULL || g_get_monotonic_time () > deadline)
        return g_steal_pointer (&warnings);
      g_usleep (20 * 1000);
    }
}

/* A thin pool past thin_pool_warn_percent is a warning in the Manager's
 * Warnings and the log, naming the backend and what to do; a backend
 * below its mark is not. The file driver's pool is its file system:
 * surely 1% full, surely not 100%. */
static void
test_thin_pool_warning (Fixture *fx, gconstpointer data)
{
  g_autofree char *text = g_strdup_printf ("[DEFAULT]\nstorage_availability_zone = nova\n"
                                           "[backend:watched]\nvolume_driver = file\nfile_volumes_dir = %s/watched\n"
                                           "thin_pool_warn_percent = 1\n"
                                           "[backend:calm]\nvolume_driver = file\nfile_volumes_dir = %s/calm\n"
                                           "thin_pool_warn_percent = 100\n", fx->dir, fx->dir);
  g_auto(GStrv) warnings = NULL;
  g_autofree char *log = NULL;

  daemon_stop (fx);
  g_assert_true (g_file_set_contents (fx->config_path, text, -1, NULL));
  daemon_start (fx);
  warnings = wait_for_warnings (fx);
  g_assert_cmpuint (g_strv_length (warnings), ==, 1);
  g_test_message ("warning: %s", warnings[0]);
  g_assert_true (g_str_has_prefix (warnings[0], "backend watched: its thin pool is "));
  g_assert_nonnull (strstr (warnings[0], "thin_pool_warn_percent = 1:"));
  g_assert_nonnull (strstr (warnings[0], "delete volumes"));
  daemon_stop (fx);
  g_assert_true (g_file_get_contents (fx->log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "backend watched: its thin pool is "));
  g_assert_null (strstr (log, "backend calm: its thin pool"));
}

/* Thin provisioning with limits: a thin backend takes volumes beyond its
 * free space (they take nothing yet) up to max_over_subscription_ratio
 * times its capacity, counting every volume's size; reserved_percentage
 * keeps part of it free; each refusal names the limit. */
static void
test_over_subscription (Fixture *fx, gconstpointer data)
{
  g_autofree char *text = g_strdup_printf ("[DEFAULT]\nstorage_availability_zone = nova\n"
                                           "[backend:tight]\nvolume_driver = file\nfile_volumes_dir = %s/tight\n"
                                           "max_over_subscription_ratio = 1.0\n"
                                           "[backend:roomy]\nvolume_driver = file\nfile_volumes_dir = %s/roomy\n"
                                           "[backend:kept]\nvolume_driver = file\nfile_volumes_dir = %s/kept\n"
                                           "reserved_percentage = 100\n", fx->dir, fx->dir, fx->dir);
  g_autofree char *half = NULL, *twice = NULL;
  guint64 total, free_bytes;

  daemon_stop (fx);
  g_assert_true (g_file_set_contents (fx->config_path, text, -1, NULL));
  daemon_start (fx);
  /* the backend's first figures come from a refresh after the start */
  total = wait_for_uint64 (fx, ROOT_PATH "/backends/tight", "TotalCapacity", 1);
  free_bytes = wait_for_uint64 (fx, ROOT_PATH "/backends/tight", "FreeCapacity", 1);
  g_test_message ("total %" G_GUINT64_FORMAT ", free %" G_GUINT64_FORMAT, total, free_bytes);
  g_assert_cmpuint (total, >, 0);

  /* the default ratio (20): twice the capacity, and more than is free */
  twice = create_volume (fx, total / MIB * 2 * MIB, g_variant_new_parsed ("{'backend': <'roomy'>}"));
  g_assert_cmpuint (total / MIB * 2 * MIB, >, free_bytes);

  /* ratio 1.0: a half and a bit fits, then not another, nor growing
   * past the capacity */
  half = create_volume (fx, total / MIB / 2 * MIB + GIB, g_variant_new_parsed ("{'backend': <'tight'>}"));
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(%t, {'backend': <'tight'>})", total / MIB / 2 * MIB + GIB), "NoSpace",
                  (const char *[]) { "thin tight backend already provisions", "max_over_subscription_ratio", NULL });
  assert_refused (fx, half, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(%t, @a{sv} {})", total + MIB), "NoSpace",
                  (const char *[]) { "max_over_subscription_ratio", NULL });
  /* a clone counts too */
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(@t 0, {'source-volume': <%o>})", half), "NoSpace",
                  (const char *[]) { "max_over_subscription_ratio", NULL });

  /* everything kept free: nothing fits */
  assert_refused (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                  g_variant_new_parsed ("(%t, {'backend': <'kept'>})", MIB), "NoSpace",
                  (const char *[]) { "kept backend", "reserved_percentage 100", NULL });

  call_ok (fx, half, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, twice, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

static void
test_migrate_no_space (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = NULL, *backend = NULL;

  daemon_stop (fx);
  write_backends_config_with (fx, FALSE, NULL, "[backend:log]\nvolume_driver = logging\n");
  daemon_start (fx);
  volume = create_on (fx, G_GUINT64_CONSTANT (1) << 60, "backend", "log");

  for (int attempt = 0; attempt < 2; attempt++)
    {
      assert_refused (fx, volume, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('fast', @a{sv} {})"),
                      "NoSpace", (const char *[]) { "cannot migrate volume", "to backend 'fast'", "not enough space",
                                                    "1.0 EiB requested", "thin fast backend", "max_over_subscription_ratio", NULL });
      assert_status (fx, volume, IFACE_VOLUME, "available");
      g_clear_pointer (&backend, g_free);
      backend = get_string (fx, volume, IFACE_VOLUME, "Backend");
      g_assert_cmpstr (backend, ==, "log");
      g_assert_false (file_exists_in (fx, "fast", "volume-", volume));
    }
}

/* The drivers that share the LVM and iSCSI code (fake, lvm-iscsi, aoe)
 * loaded side by side in one daemon: their shared types are registered
 * once (a second registration is a critical, fatal under the tests'
 * G_DEBUG), each backend is up or down on its own account. */
static void
test_lvm_modules_together (Fixture *fx, gconstpointer data)
{
  g_autofree char *text = g_strdup_printf ("[DEFAULT]\nvolume_group = nova-test-no-such-vg\n"
                                           "[backend:fake]\nvolume_driver = fake\n"
                                           "[backend:iscsi]\nvolume_driver = lvm-iscsi\niscsi_helper = lioadm\n"
                                           "[backend:aoe]\nvolume_driver = aoe\naoe_eth_dev = lo\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *fake_state = NULL, *iscsi_state = NULL, *aoe_state = NULL, *reason = NULL;
  g_autofree char *volume = NULL, *backend = NULL;

  daemon_stop (fx);
  g_file_set_contents (fx->config_path, text, -1, &error);
  g_assert_no_error (error);
  daemon_start (fx);

  fake_state = get_string (fx, ROOT_PATH "/backends/fake", IFACE_BACKEND, "State");
  g_assert_cmpstr (fake_state, ==, "up");
  iscsi_state = get_string (fx, ROOT_PATH "/backends/iscsi", IFACE_BACKEND, "State");
  aoe_state = get_string (fx, ROOT_PATH "/backends/aoe", IFACE_BACKEND, "State");
  reason = get_string (fx, ROOT_PATH "/backends/aoe", IFACE_BACKEND, "StateReason");
  g_test_message ("lvm-iscsi: %s, aoe: %s (%s)", iscsi_state, aoe_state, reason);
  /* no volume group here: the LVM backends are down for that reason,
   * not because their module could not be loaded next to another */
  g_assert_null (strstr (reason, "does not implement"));
  g_assert_null (strstr (reason, "cannot load its module"));
  volume = create_on (fx, MIB, "backend", "fake");
  backend = get_string (fx, volume, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "fake");
}

/* Two backends that would keep a volume in one place (here: two file
 * backends on the one default directory) would take each other's volumes
 * for theirs: the second is down, naming the first and the place. */
static void
test_shared_storage (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL, *reason = NULL, *first = NULL;

  daemon_stop (fx);
  g_file_set_contents (fx->config_path, "[DEFAULT]\nstorage_availability_zone = nova\n"
                       "[backend:one]\nvolume_driver = file\n[backend:two]\nvolume_driver = file\n", -1, &error);
  g_assert_no_error (error);
  daemon_start (fx);
  first = get_string (fx, ROOT_PATH "/backends/one", IFACE_BACKEND, "State");
  g_assert_cmpstr (first, ==, "up");
  state = get_string (fx, ROOT_PATH "/backends/two", IFACE_BACKEND, "State");
  g_assert_cmpstr (state, ==, "down");
  reason = get_string (fx, ROOT_PATH "/backends/two", IFACE_BACKEND, "StateReason");
  g_test_message ("two: %s", reason);
  g_assert_nonnull (strstr (reason, "where backend 'one' keeps them"));
  g_assert_nonnull (strstr (reason, "file_volumes_dir"));
}

/* nova-volumectl --session ARGS... on the fixture's bus; its stdout */
static char *
run_ctl (Fixture *fx, int expected_status, const char *const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
  g_subprocess_launcher_setenv (launcher, "DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "fatal-criticals", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "COLUMNS");
  g_ptr_array_add (argv, (gpointer) nova_volumectl_path ());
  g_ptr_array_add (argv, (gpointer) "--session");
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("nova-volumectl %s: exit %d\n%s%s", args[0], g_subprocess_get_exit_status (process), out, err);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, expected_status);
  return out;
}

/* The CLI: backends lists each with its state, create takes --backend
 * and --type, show names the volume's backend. */
static void
test_cli (Fixture *fx, gconstpointer data)
{
  g_autofree char *table = NULL, *json = NULL, *id = NULL, *shown = NULL, *backend = NULL;
  g_autofree char *typed = NULL, *path = NULL;

  restart_with_backends (fx, TRUE, NULL);
  wait_for_uint64 (fx, FAST_PATH, "TotalCapacity", 1);

  table = run_ctl (fx, 0, (const char *[]) { "backends", NULL });
  g_assert_true (g_str_has_prefix (table, "NAME"));
  g_assert_nonnull (strstr (table, "\nbroken "));
  g_assert_nonnull (strstr (table, "sheepdog down"));
  g_assert_nonnull (strstr (table, "/nonexistent/dog"));
  g_assert_nonnull (strstr (table, "\nfast   "));
  g_assert_nonnull (strstr (table, "file     up    local"));
  g_assert_nonnull (strstr (table, "\nslow.1 "));
  json = run_ctl (fx, 0, (const char *[]) { "--json", "backends", NULL });
  g_assert_nonnull (strstr (json, "\"Type\" : \"backend\""));
  g_assert_nonnull (strstr (json, "\"StateReason\" : \"volume_driver = sheepdog"));

  id = run_ctl (fx, 0, (const char *[]) { "create", "--backend", "slow.1", "--name", "on-slow", "2M", NULL });
  g_strstrip (id);
  path = g_strdup_printf (ROOT_PATH "/volumes/%s", id);
  g_strdelimit (path + strlen (ROOT_PATH "/volumes/"), "-", '_');
  backend = get_string (fx, path, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "slow.1");
  shown = run_ctl (fx, 0, (const char *[]) { "show", id, NULL });
  g_assert_nonnull (strstr (shown, "Backend"));
  g_assert_nonnull (strstr (shown, "slow.1"));
  typed = run_ctl (fx, 0, (const char *[]) { "create", "--type", "scratch", "1M", NULL });
  g_free (run_ctl (fx, 0, (const char *[]) { "migrate", id, "fast", NULL }));
  g_clear_pointer (&backend, g_free);
  backend = get_string (fx, path, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "fast");
  g_free (run_ctl (fx, 1, (const char *[]) { "migrate", id, "broken", NULL }));
  g_free (run_ctl (fx, 1, (const char *[]) { "create", "--type", "on-broken", "1M", NULL }));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/backends/two", test_two_backends);
  ADD ("/backends/default-type", test_default_type);
  ADD ("/backends/refusals", test_refusals);
  ADD ("/backends/down", test_backend_down);
  ADD ("/backends/removed", test_backend_removed);
  ADD ("/backends/signals", test_backend_signals);
  ADD ("/backends/cli", test_cli);
  ADD ("/backends/shared-storage", test_shared_storage);
  ADD ("/backends/lvm-modules-together", test_lvm_modules_together);
  ADD ("/backends/migrate", test_migrate);
  ADD ("/backends/migrate-refusals", test_migrate_refusals);
  ADD ("/backends/migrate-cancel", test_migrate_cancel);
  ADD ("/backends/migrate-no-space", test_migrate_no_space);
  ADD ("/backends/over-subscription", test_over_subscription);
  ADD ("/backends/thin-pool-warning", test_thin_pool_warning);
#undef ADD

  return g_test_run ();
}
