/* nova-volumed with volume_driver = sheepdog against a real one-node
 * Sheepdog cluster (tests/test-sheepdog.sh starts it and runs this), on a
 * private bus, called as gdbus calls it: the seed's scenario with bytes
 * moved by dog vdi write/read through the VDI name, host and port that
 * InitializeConnection gives (no qemu here can open sheepdog: disks):
 * instance A writes, terminates its connection and detaches, instance B
 * attaches, connects again and reads the same bytes; a snapshot keeps the
 * old bytes, a volume from it and a clone hold theirs, extend grows the
 * VDI, stats come from the cluster, a restart of the daemon keeps
 * everything, and deleting it all leaves no VDI behind; backups of a VDI
 * and its snapshot restore byte for byte. A daemon pointed
 * at no cluster does not start, and says why. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "service-fixture.h"
#include "sheepdog-util.h"

#define DATA_LEN (256 * 1024)

static void
use_sheepdog (Fixture *fx, const char *port)
{
  const SheepdogTestEnv *env = sheepdog_test_env ();
  g_autofree char *text = g_strdup_printf ("[DEFAULT]\nvolume_driver = nova.volume.driver.SheepdogDriver\n"
                                           "sheepdog_command = %s\nsheepdog_host = 127.0.0.1\n"
                                           "sheepdog_port = %s\n", env->dog, port);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fx->config_path, text, -1, &error);
  g_assert_no_error (error);
}

static void
sheepdog_setup (Fixture *fx, gconstpointer data)
{
  fixture_setup (fx, data);
  daemon_stop (fx);
  use_sheepdog (fx, sheepdog_test_env ()->port);
  daemon_start (fx);
}

/* InitializeConnection: the sheepdog shape, exactly as Nova's libvirt
 * driver takes it; returns the VDI name and where to reach it */
static void
connect_sheepdog (Fixture *fx, const char *volume, char **name, char **host, char **port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, volume, IFACE_VOLUME, "InitializeConnection", connector (), "(a{sv})",
                                    &error);
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) data = NULL;
  g_autoptr(GVariant) expected = NULL;
  g_autofree char *id = get_string (fx, volume, IFACE_VOLUME, "Id");
  g_autofree char *vdi = g_strconcat ("volume-", id, NULL);

  g_assert_no_error (error);
  info = g_variant_get_child_value (reply, 0);
  expected = g_variant_ref_sink (g_variant_new_parsed (
    "{'driver_volume_type': <'sheepdog'>, 'data': <{'name': <%s>, 'hosts': <['127.0.0.1']>, 'ports': <[%s]>, 'access_mode': <'rw'>}>}",
    vdi, sheepdog_test_env ()->port));
  if (!g_variant_equal (info, expected))
    {
      g_autofree char *got = g_variant_print (info, TRUE);

      g_error ("connection_info is %s", got);
    }
  data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  g_assert_true (g_variant_lookup (data, "name", "s", name));
  *host = g_strdup ("127.0.0.1");
  *port = g_strdup (sheepdog_test_env ()->port);
}

static void
write_through (Fixture *fx, const char *volume, GBytes *bytes)
{
  g_autofree char *name = NULL, *host = NULL, *port = NULL;

  connect_sheepdog (fx, volume, &name, &host, &port);
  sheepdog_test_write (host, port, name, bytes);
  disconnect_volume (fx, volume);
}

static void
assert_reads (Fixture *fx, const char *volume, GBytes *bytes)
{
  g_autofree char *name = NULL, *host = NULL, *port = NULL;

  connect_sheepdog (fx, volume, &name, &host, &port);
  sheepdog_test_assert_reads (host, port, name, bytes);
  disconnect_volume (fx, volume);
}

static gboolean
vdi_listed (Fixture *fx, const char *volume)
{
  g_autofree char *id = get_string (fx, volume, IFACE_VOLUME, "Id");
  g_autofree char *list = sheepdog_test_list (NULL);

  return strstr (list, id) != NULL;
}

static void
test_seed_scenario (Fixture *fx, gconstpointer data)
{
  g_autoptr(GBytes) first = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GBytes) second = sheepdog_test_random_bytes (DATA_LEN);
  g_autofree char *volume = create_volume (fx, 64 * MIB, g_variant_new_parsed ("{'name': <'seed'>}"));
  g_autofree char *snapshot = NULL;
  g_autofree char *from_snapshot = NULL;
  g_autofree char *clone = NULL;
  g_autofree char *before_restart = NULL;
  g_autofree char *after_restart = NULL;
  g_autofree char *location = get_string (fx, volume, IFACE_VOLUME, "ProviderLocation");
  g_autofree char *id = get_string (fx, volume, IFACE_VOLUME, "Id");
  g_autofree char *expected_location = g_strconcat ("sheepdog:volume-", id, NULL);

  assert_status (fx, volume, IFACE_VOLUME, "available");
  g_assert_cmpstr (location, ==, expected_location);
  g_assert_true (vdi_listed (fx, volume));
  call_ok (fx, volume, IFACE_VOLUME, "CheckForExport", NULL);

  /* instance A writes through one connection, then goes */
  call_ok (fx, volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  assert_status (fx, volume, IFACE_VOLUME, "in-use");
  write_through (fx, volume, first);
  call_ok (fx, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  assert_status (fx, volume, IFACE_VOLUME, "available");

  /* instance B attaches, connects again, reads the same bytes */
  call_ok (fx, volume, IFACE_VOLUME, "Attach",
           g_variant_new_parsed ("(%s, '/dev/vdc', {'host': <'compute2'>})", INSTANCE_B));
  assert_reads (fx, volume, first);

  /* a snapshot keeps the bytes of its moment */
  snapshot = create_snapshot (fx, volume, TRUE);
  assert_status (fx, snapshot, IFACE_SNAPSHOT, "available");
  g_assert_cmpuint (get_uint64 (fx, snapshot, IFACE_SNAPSHOT, "Size"), ==, 64 * MIB);
  write_through (fx, volume, second);
  from_snapshot = create_volume (fx, 96 * MIB, g_variant_new_parsed ("{'snapshot': <%o>}", snapshot));
  clone = create_volume (fx, 0, g_variant_new_parsed ("{'source-volume': <%o>}", volume));
  g_assert_cmpuint (get_uint64 (fx, from_snapshot, IFACE_VOLUME, "Size"), ==, 96 * MIB);
  g_assert_cmpuint (get_uint64 (fx, clone, IFACE_VOLUME, "Size"), ==, 64 * MIB);
  assert_reads (fx, from_snapshot, first);
  assert_reads (fx, clone, second);

  /* extend: only while available */
  call_ok (fx, clone, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(%t, @a{sv} {})", 128 * MIB));
  g_assert_cmpuint (get_uint64 (fx, clone, IFACE_VOLUME, "Size"), ==, 128 * MIB);
  call_fails (fx, clone, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(%t, @a{sv} {})", 32 * MIB),
              "InvalidArgument");
  assert_reads (fx, clone, second);

  /* stats from the cluster */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "GetVolumeStats", g_variant_new ("(b)", TRUE),
                                      "(a{sv})", &error);
    g_autoptr(GVariant) stats = NULL;
    const char *protocol = NULL;
    guint64 total = 0;

    g_assert_no_error (error);
    stats = g_variant_get_child_value (reply, 0);
    g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &protocol));
    g_assert_cmpstr (protocol, ==, "sheepdog");
    g_assert_true (g_variant_lookup (stats, "total_capacity", "t", &total));
    g_assert_cmpuint (total, >, 0);
  }

  /* a restart keeps objects, statuses and bytes */
  before_restart = fingerprint (fx);
  daemon_stop (fx);
  daemon_start (fx);
  after_restart = fingerprint (fx);
  g_assert_cmpstr (before_restart, ==, after_restart);
  assert_status (fx, volume, IFACE_VOLUME, "in-use");
  assert_reads (fx, volume, second);
  assert_reads (fx, from_snapshot, first);

  /* and everything goes, in the cluster too */
  call_ok (fx, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  call_fails (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState");
  call_ok (fx, snapshot, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  g_assert_true (vdi_listed (fx, volume));
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  /* what was made from it keeps its bytes */
  assert_reads (fx, from_snapshot, first);
  assert_reads (fx, clone, second);
  g_assert_true (vdi_listed (fx, from_snapshot));
  g_assert_true (vdi_listed (fx, clone));
  call_ok (fx, from_snapshot, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, clone, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  {
    g_autofree char *list = sheepdog_test_list (NULL);

    g_assert_null (strstr (list, id));
  }
}

/* a volume whose VDI went away behind the daemon's back */
static void
test_vdi_gone (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, 8 * MIB, NULL);
  g_autofree char *id = get_string (fx, volume, IFACE_VOLUME, "Id");
  g_autofree char *vdi = g_strconcat ("volume-", id, NULL);
  const SheepdogTestEnv *env = sheepdog_test_env ();
  const char *const argv[] = { env->dog, "vdi", "delete", "-a", "127.0.0.1", "-p", env->port, vdi, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  call_fails (fx, volume, IFACE_VOLUME, "CheckForExport", NULL, "NotFound");
  call_fails (fx, volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(%t, @a{sv} {})", 16 * MIB), "NotFound");
  /* deleting what is gone already is fine */
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* ManageExisting on Sheepdog: a VDI the volume template named (one
 * Unmanage let go of, or one made by hand under such a name) is taken
 * with its bytes; any other name is NotSupported (no rename), one with
 * snapshots Busy, a missing one NotFound, and nothing changes */
static void
test_manage (Fixture *fx, gconstpointer data)
{
  g_autoptr(GBytes) bytes = sheepdog_test_random_bytes (DATA_LEN);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *vdi = g_strconcat ("volume-", id, NULL);
  g_autofree char *volume = NULL, *size = g_strdup_printf ("%" G_GUINT64_FORMAT, 8 * MIB);
  g_autofree char *got_id = NULL, *listed = NULL, *again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  const SheepdogTestEnv *env = sheepdog_test_env ();

  sheepdog_test_vdi ("create", "legacy", size, NULL);
  sheepdog_test_vdi ("create", vdi, size, NULL);
  sheepdog_test_write ("127.0.0.1", env->port, vdi, bytes);

  call_fails (fx, MANAGER_PATH, IFACE_MANAGER, "ManageExisting", g_variant_new_parsed ("('legacy', @a{sv} {})"),
              "NotSupported");
  call_fails (fx, MANAGER_PATH, IFACE_MANAGER, "ManageExisting", g_variant_new_parsed ("('no-such-vdi', @a{sv} {})"),
              "NotFound");
  sheepdog_test_snapshot (vdi, "by-hand");
  call_fails (fx, MANAGER_PATH, IFACE_MANAGER, "ManageExisting", g_variant_new ("(s@a{sv})", vdi,
                                                                                g_variant_new ("a{sv}", NULL)),
              "Busy");
  sheepdog_test_vdi ("delete", "-s", "by-hand", vdi, NULL);

  reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "ManageExisting",
                g_variant_new ("(s@a{sv})", vdi, g_variant_new_parsed ("{'keep-name': <true>}")), "(o)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &volume);
  got_id = get_string (fx, volume, IFACE_VOLUME, "Id");
  g_assert_cmpstr (got_id, ==, id);
  assert_status (fx, volume, IFACE_VOLUME, "available");
  g_assert_cmpuint (get_uint64 (fx, volume, IFACE_VOLUME, "Size"), ==, 8 * MIB);
  assert_reads (fx, volume, bytes);

  /* let go of: the VDI stays; taken back with the same id */
  call_ok (fx, volume, IFACE_VOLUME, "Unmanage", g_variant_new_parsed ("(@a{sv} {},)"));
  listed = sheepdog_test_list (vdi);
  g_assert_nonnull (strstr (listed, vdi));
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "ManageExisting",
                g_variant_new ("(s@a{sv})", vdi, g_variant_new ("a{sv}", NULL)), "(o)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &again);
  g_assert_cmpstr (again, ==, volume);
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  sheepdog_test_vdi ("delete", "legacy", NULL);
}

/* Multi-attach on Sheepdog: one VDI on two hosts, one of them read-only;
 * the read-only one gets access_mode ro (Sheepdog leaves it to the host) */
static void
test_multiattach (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, 8 * MIB, g_variant_new_parsed ("{'multiattach': <true>}"));
  const char *hosts[] = { "compute-a", "compute-r" };
  const char *modes[] = { "rw", "ro" };
  const char *instances[] = { INSTANCE_A, INSTANCE_B };

  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    call_ok (fx, volume, IFACE_VOLUME, "Attach",
             g_variant_new_parsed ("(%s, '/dev/vdb', {'host': <%s>, 'mode': <%s>})", instances[i], hosts[i],
                                   modes[i]));
  assert_status (fx, volume, IFACE_VOLUME, "in-use");
  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) connector = g_variant_ref_sink (g_variant_new_parsed ("{'host': <%s>, 'ip': <'127.0.0.1'>}",
                                                                                hosts[i]));
      g_autoptr(GVariant) reply = call (fx, volume, IFACE_VOLUME, "InitializeConnection",
                                        g_variant_new ("(@a{sv})", connector), "(a{sv})", &error);
      g_autoptr(GVariant) info = NULL;
      g_autoptr(GVariant) info_data = NULL;
      const char *mode = NULL;

      g_assert_no_error (error);
      info = g_variant_get_child_value (reply, 0);
      info_data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
      g_assert_true (g_variant_lookup (info_data, "access_mode", "&s", &mode));
      g_assert_cmpstr (mode, ==, modes[i]);
      call_ok (fx, volume, IFACE_VOLUME, "TerminateConnection", g_variant_new ("(@a{sv})", connector));
    }
  call_fails (fx, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidArgument");
  {
    g_autoptr(GVariant) paths = get_property (fx, volume, IFACE_VOLUME, "Attachments");
    const char *second = NULL;

    g_variant_get_child (paths, 1, "&o", &second);
    call_ok (fx, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("({'attachment': <%o>},)", second));
  }
  call_ok (fx, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* the path @method returned (a new object) */
static char *
call_for_path (Fixture *fx, const char *path, const char *iface, const char *method, GVariant *params)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, path, iface, method, params, "(o)", &error);
  char *made = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &made);
  return made;
}

/* Backups of a VDI and of its snapshot (read through dog vdi read) into
 * the daemon's repository, restored into a new VDI and over another one
 * (written through dog vdi write), byte for byte; nothing left after. */
static void
test_backups (Fixture *fx, gconstpointer data)
{
  g_autoptr(GBytes) bytes = sheepdog_test_random_bytes (DATA_LEN);
  g_autofree char *volume = create_volume (fx, 8 * MIB, NULL);
  g_autofree char *snapshot = NULL, *backup = NULL, *snapshot_backup = NULL, *restored = NULL, *target = NULL;

  write_through (fx, volume, bytes);
  backup = call_for_path (fx, volume, IFACE_VOLUME, "Backup", g_variant_new_parsed ("(@a{sv} {},)"));
  assert_status (fx, backup, "org.openstack.Volume1.Backup", "available");
  snapshot = create_snapshot (fx, volume, FALSE);
  snapshot_backup = call_for_path (fx, snapshot, IFACE_SNAPSHOT, "Backup",
                                   g_variant_new_parsed ("({'incremental': <true>},)"));
  /* the snapshot holds what the volume held: nothing new to store */
  g_assert_cmpuint (get_uint64 (fx, snapshot_backup, "org.openstack.Volume1.Backup", "StoredBytes"), ==, 0);

  restored = call_for_path (fx, snapshot_backup, "org.openstack.Volume1.Backup", "Restore",
                            g_variant_new_parsed ("(@a{sv} {},)"));
  assert_reads (fx, restored, bytes);
  target = create_volume (fx, 16 * MIB, NULL);
  call_ok (fx, backup, "org.openstack.Volume1.Backup", "Restore", g_variant_new_parsed ("({'volume': <%o>},)", target));
  assert_reads (fx, target, bytes);

  call_ok (fx, snapshot_backup, "org.openstack.Volume1.Backup", "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, backup, "org.openstack.Volume1.Backup", "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, snapshot, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  for (guint i = 0; i < 3; i++)
    {
      const char *path = i == 0 ? volume : i == 1 ? restored : target;
      g_autofree char *id = get_string (fx, path, IFACE_VOLUME, "Id");
      g_autofree char *list = NULL;

      call_ok (fx, path, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
      list = sheepdog_test_list (NULL);
      g_assert_null (strstr (list, id));
    }
}

/* pointed at a port where no sheep listens, the daemon does not start */
static void
test_no_cluster (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  daemon_stop (fx);
  use_sheepdog (fx, sheepdog_test_env ()->free_port);
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
  /* timeout: a hang guard only, the refusal comes in well under a second */
  daemon = g_subprocess_launcher_spawn (launcher, &error, "timeout", "60", nova_volumed_path (), "--session", "--state-dir",
                                        fx->state_dir, "--config", fx->config_path, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (daemon, NULL, NULL, &output, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("nova-volumed said: %s", output);
  g_assert_false (g_subprocess_get_successful (daemon));
  g_assert_nonnull (strstr (output, "cannot reach the Sheepdog cluster at 127.0.0.1:"));
  g_assert_false (name_has_owner (fx));
}

/* Migrate between a file backend and the Sheepdog backend, both ways:
 * the bytes written into the file are what dog vdi read finds in the VDI,
 * and back in a file again; nothing is left where the volume was. */
static void
test_migrate (Fixture *fx, gconstpointer data)
{
  const SheepdogTestEnv *env = sheepdog_test_env ();
  g_autofree char *text = g_strdup_printf ("[DEFAULT]\nstorage_availability_zone = nova\n"
                                           "[backend:local]\nvolume_driver = file\n"
                                           "[backend:sheep]\nvolume_driver = sheepdog\nsheepdog_command = %s\n"
                                           "sheepdog_host = 127.0.0.1\nsheepdog_port = %s\n", env->dog, env->port);
  g_autoptr(GBytes) bytes = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GError) error = NULL;
  g_autofree char *volume = NULL, *file = NULL, *back_file = NULL, *backend = NULL, *id = NULL, *vdi = NULL;
  g_autofree char *contents = NULL, *list = NULL;
  gsize length = 0;

  daemon_stop (fx);
  g_file_set_contents (fx->config_path, text, -1, &error);
  g_assert_no_error (error);
  daemon_start (fx);

  volume = create_volume (fx, 8 * 1024 * 1024, g_variant_new_parsed ("{'backend': <'local'>}"));
  id = get_string (fx, volume, IFACE_VOLUME, "Id");
  vdi = g_strconcat ("volume-", id, NULL);
  file = get_string (fx, volume, IFACE_VOLUME, "ProviderLocation");
  g_assert_true (g_file_set_contents_full (file, g_bytes_get_data (bytes, NULL), DATA_LEN,
                                           G_FILE_SET_CONTENTS_NONE, 0600, &error));
  /* set_contents replaced the file with a shorter one: give it its size back */
  g_assert_cmpint (truncate (file, 8 * 1024 * 1024), ==, 0);

  call_ok (fx, volume, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('sheep', @a{sv} {})"));
  backend = get_string (fx, volume, IFACE_VOLUME, "Backend");
  g_assert_cmpstr (backend, ==, "sheep");
  sheepdog_test_assert_reads ("127.0.0.1", env->port, vdi, bytes);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));

  call_ok (fx, volume, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('local', @a{sv} {})"));
  back_file = get_string (fx, volume, IFACE_VOLUME, "ProviderLocation");
  g_assert_true (g_file_get_contents (back_file, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (length, ==, 8 * 1024 * 1024);
  g_assert_cmpmem (contents, DATA_LEN, g_bytes_get_data (bytes, NULL), DATA_LEN);
  list = sheepdog_test_list (vdi);
  g_assert_null (strstr (list, vdi));
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* an image file of 8 MiB holding @bytes at its start */
static char *
image_file (Fixture *fx, const char *name, GBytes *bytes)
{
  g_autofree char *path = g_build_filename (fx->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), (gssize) g_bytes_get_size (bytes),
                                      &error));
  g_assert_cmpint (truncate (path, 8 * 1024 * 1024), ==, 0);
  return g_steal_pointer (&path);
}

/* the first bytes of @path are @bytes */
static void
assert_file_starts (const char *path, GBytes *bytes)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >=, g_bytes_get_size (bytes));
  g_assert_cmpmem (contents, g_bytes_get_size (bytes), g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static gboolean
copy_out (Fixture *fx, const char *path, const char *iface, const char *format, const char *file, GError **error)
{
  int fd = open (file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_autoptr(GVariant) reply = NULL;

  g_assert_cmpint (fd, >=, 0);
  reply = call_with_fd (fx, path, iface, "CopyToImage", g_variant_new_parsed ("(@h 0, %s, @a{sv} {})", format), fd,
                        "()", error);
  close (fd);
  return reply != NULL;
}

/* images through dog: a raw image in (dog vdi write), the volume and a
 * snapshot of it out (dog vdi read, dog vdi read -s); qcow2 either way
 * needs a descriptor or a qemu-img name Sheepdog has neither of */
static void
test_images (Fixture *fx, gconstpointer data)
{
  g_autoptr(GBytes) bytes = sheepdog_test_random_bytes (DATA_LEN);
  g_autoptr(GBytes) later = sheepdog_test_random_bytes (DATA_LEN);
  g_autofree char *raw = image_file (fx, "image.raw", bytes);
  g_autofree char *qcow2 = g_build_filename (fx->dir, "image.qcow2", NULL);
  g_autofree char *out = g_build_filename (fx->dir, "out.raw", NULL);
  g_autofree char *snap_out = g_build_filename (fx->dir, "snap.raw", NULL);
  g_autofree char *volume = NULL, *snapshot = NULL, *qemu_img = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  int fd = open (raw, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  reply = call_with_fd (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                        g_variant_new_parsed ("(@t 0, {'image-fd': <@h 0>})"), fd, "(o)", &error);
  close (fd);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &volume);
  assert_reads (fx, volume, bytes);

  snapshot = create_snapshot (fx, volume, FALSE);
  write_through (fx, volume, later);
  g_assert_true (copy_out (fx, volume, IFACE_VOLUME, "raw", out, &error));
  g_assert_no_error (error);
  assert_file_starts (out, later);
  g_assert_true (copy_out (fx, snapshot, IFACE_SNAPSHOT, "raw", snap_out, &error));
  g_assert_no_error (error);
  assert_file_starts (snap_out, bytes);

  g_assert_false (copy_out (fx, volume, IFACE_VOLUME, "qcow2", qcow2, &error));
  assert_dbus_error (error, "NotSupported");
  g_assert_nonnull (strstr (error->message, "raw only"));
  g_clear_error (&error);
  qemu_img = g_find_program_in_path ("qemu-img");
  if (qemu_img != NULL)
    {
      const char *argv[] = { "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2, NULL };
      g_autofree char *before = fingerprint (fx);
      g_autofree char *after = NULL;
      int status = -1;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                                   &error));
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      fd = open (qcow2, O_RDONLY | O_CLOEXEC);
      g_clear_pointer (&reply, g_variant_unref);
      reply = call_with_fd (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                            g_variant_new_parsed ("(@t 0, {'image-fd': <@h 0>, 'image-format': <'qcow2'>})"), fd,
                            "(o)", &error);
      close (fd);
      g_assert_null (reply);
      assert_dbus_error (error, "NotSupported");
      g_assert_nonnull (strstr (error->message, "raw images only"));
      after = fingerprint (fx);
      g_assert_cmpstr (before, ==, after);
    }

  call_ok (fx, snapshot, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (sheepdog_test_skip_without_cluster ("/sheepdog-service/no-cluster"))
    return g_test_run ();
  g_test_add ("/sheepdog-service/seed-scenario", Fixture, NULL, sheepdog_setup, test_seed_scenario, fixture_teardown);
  g_test_add ("/sheepdog-service/vdi-gone", Fixture, NULL, sheepdog_setup, test_vdi_gone, fixture_teardown);
  g_test_add ("/sheepdog-service/no-cluster", Fixture, NULL, sheepdog_setup, test_no_cluster, fixture_teardown);
  g_test_add ("/sheepdog-service/migrate", Fixture, NULL, sheepdog_setup, test_migrate, fixture_teardown);
  g_test_add ("/sheepdog-service/images", Fixture, NULL, sheepdog_setup, test_images, fixture_teardown);
  g_test_add ("/sheepdog-service/manage", Fixture, NULL, sheepdog_setup, test_manage, fixture_teardown);
  g_test_add ("/sheepdog-service/multiattach", Fixture, NULL, sheepdog_setup, test_multiattach, fixture_teardown);
  g_test_add ("/sheepdog-service/backups", Fixture, NULL, sheepdog_setup, test_backups, fixture_teardown);
  return g_test_run ();
}
