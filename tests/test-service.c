/* The real nova-volumed on a private bus with the file driver, called the
 * way gdbus or busctl call it (plain method calls with GVariant
 * arguments): every method and property, every refusal, the seed's
 * promise end to end, and a restart on the same state directory. */
#include "config.h"

#include <fcntl.h>
#include <sys/file.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service-fixture.h"
#include "test-util.h"

/* where the tests write bytes through the device path */
static const guint64 offsets[] = { 0, 4096 * 1000 + 7, 512 * MIB, GIB - 4096 };

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
  static Chunks first = { .offsets = offsets, .n_offsets = G_N_ELEMENTS (offsets) };
  static Chunks second = { .offsets = offsets, .n_offsets = G_N_ELEMENTS (offsets) };
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
  write_chunks (device, &first, 1);
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
  assert_chunks (device, &first);

  /* a snapshot of the attached volume needs force */
  call_fails (fx, volume, IFACE_VOLUME, "CreateSnapshot", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState");
  snapshot = create_snapshot (fx, volume, TRUE);
  assert_status (fx, snapshot, IFACE_SNAPSHOT, "available");
  g_assert_cmpuint (get_uint64 (fx, snapshot, IFACE_SNAPSHOT, "Size"), ==, GIB);
  {
    g_autofree char *of = get_string (fx, snapshot, IFACE_SNAPSHOT, "Volume");
    g_autofree char *name = get_string (fx, snapshot, IFACE_SNAPSHOT, "Name");
    g_autofree char *id = get_string (fx, snapshot, IFACE_SNAPSHOT, "Id");
    g_autofree char *reason = get_string (fx, snapshot, IFACE_SNAPSHOT, "StatusReason");
    g_autofree char *host = get_string (fx, volume, IFACE_VOLUME, "AttachedHost");
    g_autoptr(GVariant) progress = get_property (fx, snapshot, IFACE_SNAPSHOT, "Progress");
    g_assert_cmpstr (of, ==, volume);
    g_assert_cmpstr (name, ==, "snap");
    g_assert_true (g_uuid_string_is_valid (id));
    g_assert_cmpstr (reason, ==, "");
    g_assert_cmpstr (host, ==, "compute2");
    g_assert_cmpuint (get_uint64 (fx, snapshot, IFACE_SNAPSHOT, "CreatedAt"), >=,
                      get_uint64 (fx, volume, IFACE_VOLUME, "CreatedAt"));
    g_assert_cmpfloat (g_variant_get_double (progress), ==, 1.0);
  }

  /* instance B writes more: the snapshot keeps the old bytes, a clone the new */
  write_chunks (device, &second, 2);
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

    assert_chunks (snap_device, &first);
    assert_chunks (clone_device, &second);
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
    assert_chunks (device2, &second);
    assert_chunks (snap_device, &first);
  }

  /* a volume a host is still connected to is not deleted under it */
  call_fails (fx, from_snapshot, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState");
  disconnect_volume (fx, volume);
  disconnect_volume (fx, from_snapshot);

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
  /* a connector as large as a caller likes would be stored as it is */
  g_autofree char *huge = g_strnfill (5 * 1024 * 1024, 'x');
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
    /* 2^63 and more: no block device is that large */
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 9223372036854775808, @a{sv} {})"), "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 18446744073709551615, @a{sv} {})"), "InvalidArgument" },
    /* text that moves, hides or breaks what a person reads: DEL, a C1
     * control, the line separator, a right-to-left override (Trojan
     * Source), a zero-width space */
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume", g_variant_new_parsed ("(@t 1048576, {'name': <%s>})", "a\x7f" "b"),
      "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume", g_variant_new_parsed ("(@t 1048576, {'name': <%s>})", "a\xc2\x85" "b"),
      "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 1048576, {'description': <%s>})", "a\xe2\x80\xa8" "b"), "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume", g_variant_new_parsed ("(@t 1048576, {'name': <%s>})", "fdp.\xe2\x80\xae" "gpj"),
      "InvalidArgument" },
    { MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
      g_variant_new_parsed ("(@t 1048576, {'metadata': <{'k': %s}>})", "a\xe2\x80\x8b" "b"), "InvalidArgument" },
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
    { volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState" },
    { volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState" },
    { volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("('not-a-uuid', '/dev/vdb', @a{sv} {})"),
      "InvalidArgument" },
    { volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, 'vdb', @a{sv} {})", INSTANCE_A), "InvalidArgument" },
    { volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', {'host': <1>})", INSTANCE_A),
      "InvalidArgument" },
    { volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(@t 1048576, @a{sv} {})"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(@t 4611686018427387904, @a{sv} {})"), "NoSpace" },
    { volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(@t 18446744073709551615, @a{sv} {})"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("({'force': <true>},)"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "CreateSnapshot", g_variant_new_parsed ("({'force': <'yes'>},)"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "InitializeConnection", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "InitializeConnection", g_variant_new_parsed ("({'initiator': <7>},)"), "InvalidArgument" },
    { volume, IFACE_VOLUME, "InitializeConnection",
      g_variant_new_parsed ("({'host': <'h'>, 'extra': <%s>},)", huge), "InvalidArgument" },
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

  /* calls on a missing object say so in our words */
  call_fails (fx, missing_volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "NotFound");
  call_fails (fx, missing_volume, IFACE_VOLUME, "Attach",
              g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A), "NotFound");
  call_fails (fx, missing_snapshot, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "NotFound");
  call_fails (fx, ROOT_PATH "/volumes/not_a_uuid", IFACE_VOLUME, "CheckForExport", NULL, "InvalidArgument");
  /* text that is only text passes: other scripts, emoji, a tab; and a
   * newline in a description */
  g_free (create_volume (fx, MIB, g_variant_new_parsed ("{'name': <%s>, 'description': <%s>}",
                                                        "\xce\xa9 donn\xc3\xa9" "es \xf0\x9f\x93\xa6\tx", "two\nlines")));
  g_free (before);
  before = fingerprint (fx);
  g_free (after);
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  /* existing objects are still listed by introspection */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call (fx, ROOT_PATH "/volumes", "org.freedesktop.DBus.Introspectable",
                                      "Introspect", NULL, "(s)", &error);
    g_autofree char *node = NULL;
    const char *xml = NULL;

    g_assert_no_error (error);
    g_variant_get (reply, "(&s)", &xml);
    node = g_strdup_printf ("<node name=\"%s\"", volume + strlen (ROOT_PATH "/volumes/"));
    g_assert_nonnull (strstr (xml, node));
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
  disconnect_volume (fx, fake_volume);
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

typedef struct {
  GPtrArray *events;   /* "added <path> <operation>", "completed <path> <success>", "removed <path>" */
} JobWatch;

static void
on_object_manager_signal (GDBusConnection *connection, const char *sender, const char *path,
                          const char *iface, const char *signal, GVariant *params, gpointer user_data)
{
  JobWatch *watch = user_data;
  const char *object = NULL;

  if (g_str_equal (signal, "InterfacesAdded"))
    {
      g_autoptr(GVariant) ifaces = NULL;
      g_autoptr(GVariant) job = NULL;
      const char *operation = NULL;

      g_variant_get (params, "(&o@a{sa{sv}})", &object, &ifaces);
      job = g_variant_lookup_value (ifaces, "org.openstack.Volume1.Job", G_VARIANT_TYPE_VARDICT);
      if (job != NULL && g_variant_lookup (job, "Operation", "&s", &operation))
        g_ptr_array_add (watch->events, g_strdup_printf ("added %s %s", object, operation));
    }
  else if (g_str_equal (signal, "InterfacesRemoved"))
    {
      g_variant_get (params, "(&o@as)", &object, NULL);
      if (g_str_has_prefix (object, ROOT_PATH "/jobs/"))
        g_ptr_array_add (watch->events, g_strdup_printf ("removed %s", object));
    }
  else if (g_str_equal (signal, "Completed"))
    {
      gboolean success = FALSE;

      g_variant_get (params, "(b&s)", &success, NULL);
      g_ptr_array_add (watch->events, g_strdup_printf ("completed %s %s", path, success ? "true" : "false"));
    }
}

/* A clone shows as a Job while it copies: added, Completed(true), removed,
 * all before CreateVolume returns. */
static void
test_clone_job (Fixture *fx, gconstpointer data)
{
  JobWatch watch = { g_ptr_array_new_with_free_func (g_free) };
  g_autofree char *volume = create_volume (fx, 64 * MIB, NULL);
  g_autofree char *clone = NULL;
  g_autofree char *device = connect_volume (fx, volume);
  static guint8 chunks[G_N_ELEMENTS (offsets)][CHUNK];
  guint ids[2];
  g_autofree char *job = NULL;

  /* keep the offsets inside 64 MiB: only the first two */
  {
    int fd = open (device, O_WRONLY);
    g_assert_cmpint (fd, >=, 0);
    memset (chunks[0], 0x5a, CHUNK);
    g_assert_cmpint (pwrite (fd, chunks[0], CHUNK, 4 * MIB), ==, CHUNK);
    close (fd);
  }
  ids[0] = g_dbus_connection_signal_subscribe (fx->connection, BUS_NAME, "org.freedesktop.DBus.ObjectManager",
                                               NULL, ROOT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                               on_object_manager_signal, &watch, NULL);
  ids[1] = g_dbus_connection_signal_subscribe (fx->connection, BUS_NAME, "org.openstack.Volume1.Job",
                                               "Completed", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                               on_object_manager_signal, &watch, NULL);
  /* a round trip makes sure the match rules are in place */
  g_free (get_string (fx, MANAGER_PATH, IFACE_MANAGER, "Version"));

  clone = create_volume (fx, 0, g_variant_new_parsed ("{'source-volume': <%o>}", volume));
  /* signals sent before the reply are queued before it: drain them */
  g_free (get_string (fx, MANAGER_PATH, IFACE_MANAGER, "Version"));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_dbus_connection_signal_unsubscribe (fx->connection, ids[0]);
  g_dbus_connection_signal_unsubscribe (fx->connection, ids[1]);

  for (guint i = 0; i < watch.events->len; i++)
    g_test_message ("job event: %s", (char *) g_ptr_array_index (watch.events, i));
  g_assert_cmpuint (watch.events->len, ==, 3);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (watch.events, 0), "added " ROOT_PATH "/jobs/"));
  g_assert_true (g_str_has_suffix (g_ptr_array_index (watch.events, 0), " volume-clone"));
  job = g_strndup ((char *) g_ptr_array_index (watch.events, 0) + strlen ("added "),
                   strcspn ((char *) g_ptr_array_index (watch.events, 0) + strlen ("added "), " "));
  {
    g_autofree char *completed = g_strdup_printf ("completed %s true", job);
    g_autofree char *removed = g_strdup_printf ("removed %s", job);
    g_assert_cmpstr (g_ptr_array_index (watch.events, 1), ==, completed);
    g_assert_cmpstr (g_ptr_array_index (watch.events, 2), ==, removed);
  }
  {
    g_autofree char *clone_device = connect_volume (fx, clone);
    int fd = open (clone_device, O_RDONLY);
    guint8 buffer[CHUNK];

    g_assert_cmpint (fd, >=, 0);
    g_assert_cmpint (pread (fd, buffer, CHUNK, 4 * MIB), ==, CHUNK);
    g_assert_cmpmem (buffer, CHUNK, chunks[0], CHUNK);
    close (fd);
  }
  g_ptr_array_unref (watch.events);
}

typedef struct {
  GDBusProxy *proxy;
  guint64     size_at_reply;
  gboolean    done;
} ProxyCall;

static void
extend_replied (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ProxyCall *pc = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  g_autoptr(GVariant) size = g_dbus_proxy_get_cached_property (pc->proxy, "Size");

  g_assert_no_error (error);
  pc->size_at_reply = g_variant_get_uint64 (size);
  pc->done = TRUE;
}

/* A client with a property cache (GDBusProxy) sees the new state when the
 * reply arrives: PropertiesChanged is sent before it, also for operations
 * whose driver work ran on a thread. */
static void
test_properties_before_reply (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, 8 * MIB, NULL);
  g_autoptr(GError) error = NULL;
  ProxyCall pc = { 0 };

  pc.proxy = g_dbus_proxy_new_sync (fx->connection, G_DBUS_PROXY_FLAGS_NONE, NULL, BUS_NAME, volume,
                                    IFACE_VOLUME, NULL, &error);
  g_assert_no_error (error);
  g_dbus_proxy_call (pc.proxy, "Extend", g_variant_new_parsed ("(@t 16777216, @a{sv} {})"),
                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, extend_replied, &pc);
  while (!pc.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (pc.size_at_reply, ==, 16 * MIB);
  g_object_unref (pc.proxy);
}

/* Job.Cancel over the bus stops a copy: the CreateVolume that started it
 * fails with Cancelled, the job and the half-made volume are gone. The
 * logging driver holds its copies until they are cancelled. */
static void
test_job_cancel (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *job = NULL;
  g_autofree char *source = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  use_held_copies (fx);
  source = create_volume (fx, GIB, NULL);
  before = fingerprint (fx);
  job = start_held_clone (fx, source, &result);

  {
    g_autofree char *operation = get_string (fx, job, "org.openstack.Volume1.Job", "Operation");
    g_autoptr(GVariant) objects = get_property (fx, job, "org.openstack.Volume1.Job", "Objects");
    g_autoptr(GVariant) uid = get_property (fx, job, "org.openstack.Volume1.Job", "StartedByUid");
    g_autofree char *started_by = get_string (fx, job, "org.openstack.Volume1.Job", "StartedBy");
    g_autoptr(GVariant) cancelable = get_property (fx, job, "org.openstack.Volume1.Job", "Cancelable");
    g_autofree const char **paths = g_variant_get_objv (objects, NULL);

    g_assert_cmpstr (operation, ==, "volume-clone");
    g_assert_true (g_strv_contains (paths, source));
    g_assert_cmpuint (g_variant_get_uint32 (uid), ==, getuid ());
    /* the connection that called CreateVolume: a client finds its own job */
    g_assert_cmpstr (started_by, ==, g_dbus_connection_get_unique_name (fx->connection));
    g_assert_true (g_variant_get_boolean (cancelable));
  }
  /* the driver's half-way report reaches the property */
  wait_job_half_way (fx, job);
  call_fails (fx, job, "org.openstack.Volume1.Job", "Cancel", g_variant_new_parsed ("({'bogus': <1>},)"),
              "InvalidArgument");
  call_ok (fx, job, "org.openstack.Volume1.Job", "Cancel", g_variant_new_parsed ("(@a{sv} {},)"));

  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_finish (fx->connection, result, &error);
  g_assert_null (reply);
  assert_dbus_error (error, "Cancelled");
  /* the job and the half-made clone are gone; nothing else changed but
   * the source's row, untouched */
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
}

/* SIGKILL right after calls returned loses nothing: every answered call
 * was committed before its reply. */
static void
test_kill (Fixture *fx, gconstpointer data)
{
  static Chunks chunks = { .offsets = offsets, .n_offsets = G_N_ELEMENTS (offsets) };
  g_autofree char *volume = create_volume (fx, GIB, g_variant_new_parsed ("{'name': <'kept'>}"));
  g_autofree char *other = create_volume (fx, 8 * MIB, NULL);
  g_autofree char *snapshot = NULL;
  g_autofree char *device = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;

  call_ok (fx, volume, IFACE_VOLUME, "Attach",
           g_variant_new_parsed ("(%s, '/dev/vdb', {'host': <'compute1'>})", INSTANCE_A));
  device = connect_volume (fx, volume);
  write_chunks (device, &chunks, 3);
  snapshot = create_snapshot (fx, volume, TRUE);
  call_ok (fx, other, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  before = fingerprint (fx);

  g_subprocess_force_exit (fx->daemon);
  g_subprocess_wait (fx->daemon, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (fx->daemon));
  g_clear_object (&fx->daemon);

  daemon_start (fx);
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
  assert_status (fx, volume, IFACE_VOLUME, "in-use");
  {
    g_autofree char *host = get_string (fx, volume, IFACE_VOLUME, "AttachedHost");
    g_autofree char *mountpoint = get_string (fx, volume, IFACE_VOLUME, "Mountpoint");
    g_assert_cmpstr (host, ==, "compute1");
    g_assert_cmpstr (mountpoint, ==, "/dev/vdb");
  }
  assert_status (fx, snapshot, IFACE_SNAPSHOT, "available");
  call_fails (fx, other, IFACE_VOLUME, "CheckForExport", NULL, "NotFound");
  assert_chunks (device, &chunks);
}

/* A second daemon on the same bus: refused without --replace, takes over
 * with it (the first then exits 0). */
static void
test_replace (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *volume = create_volume (fx, MIB, NULL);
  g_autofree char *before = fingerprint (fx);
  g_autofree char *after = NULL;
  g_autofree char *first_pid = g_strdup_printf ("pid %s", g_subprocess_get_identifier (fx->daemon));

  /* on a bus of its own, only the state directory's lock can stop it, and
   * it stops before it reads or writes any state */
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus", TRUE);
  second = g_subprocess_launcher_spawn (launcher, &error, nova_volumed_path (), "--session",
                                        "--state-dir", fx->state_dir, "--config", fx->config_path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (second, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%s", err);
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 1);
  g_assert_nonnull (strstr (err, "uses the state directory"));
  g_assert_nonnull (strstr (err, first_pid));
  g_assert_nonnull (strstr (err, "--replace"));
  g_clear_object (&second);
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  /* deleting the lock file lets no second daemon in: the lock is on the
   * directory; only the pid is gone from the message */
  {
    g_autofree char *lock_path = g_build_filename (fx->state_dir, "lock", NULL);

    g_assert_cmpint (g_unlink (lock_path), ==, 0);
    second = g_subprocess_launcher_spawn (launcher, &error, nova_volumed_path (), "--session",
                                          "--state-dir", fx->state_dir, "--config", fx->config_path, NULL);
    g_assert_no_error (error);
    g_clear_pointer (&err, g_free);
    g_subprocess_communicate_utf8 (second, NULL, NULL, NULL, &err, &error);
    g_assert_no_error (error);
    g_test_message ("%s", err);
    g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 1);
    g_assert_nonnull (strstr (err, "uses the state directory"));
    g_clear_object (&second);
    g_clear_pointer (&after, g_free);
    after = fingerprint (fx);
    g_assert_cmpstr (before, ==, after);
  }
  /* --replace on another bus, where nobody owns the name, stops nobody:
   * it says so at once instead of waiting for the lock */
  {
    Fixture other = { .dir = fx->dir };
    gint64 start = g_get_monotonic_time ();

    bus_start (&other);
    g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", other.bus_address, TRUE);
    second = g_subprocess_launcher_spawn (launcher, &error, nova_volumed_path (), "--session", "--replace",
                                          "--state-dir", fx->state_dir, "--config", fx->config_path, NULL);
    g_assert_no_error (error);
    g_clear_pointer (&err, g_free);
    g_subprocess_communicate_utf8 (second, NULL, NULL, NULL, &err, &error);
    g_assert_no_error (error);
    g_test_message ("%s", err);
    g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 1);
    g_assert_nonnull (strstr (err, "is not on the session bus"));
    /* not the 60 s of a wait for the lock; any machine answers sooner */
    g_assert_cmpint (g_get_monotonic_time () - start, <, 50 * G_USEC_PER_SEC);
    g_clear_object (&second);
    bus_stop (&other);
  }
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);

  /* with --replace the new one serves the same state; the old one leaves */
  second = g_subprocess_launcher_spawn (launcher, &error, nova_volumed_path (), "--session", "--replace",
                                        "--state-dir", fx->state_dir, "--config", fx->config_path, NULL);
  g_assert_no_error (error);
  g_subprocess_wait (fx->daemon, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (fx->daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (fx->daemon), ==, 0);
  g_clear_object (&fx->daemon);
  /* the second one took the name, waited for the first to let go of the
   * state directory, and serves once it has read the state */
  while (!daemon_ready (fx) && g_subprocess_get_identifier (second) != NULL)
    g_usleep (20 * 1000);
  g_assert_true (daemon_ready (fx));
  assert_status (fx, volume, IFACE_VOLUME, "available");
  fx->daemon = g_steal_pointer (&second);
}

/* the unique name that owns BUS_NAME now ("" for none); static */
static const char *
owner_of_name (Fixture *fx)
{
  static char owner[256];
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (fx->connection, "org.freedesktop.DBus",
                                                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                           "GetNameOwner", g_variant_new ("(s)", BUS_NAME),
                                                           G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                                           NULL);
  const char *name = "";

  if (reply != NULL)
    g_variant_get (reply, "(&s)", &name);
  g_strlcpy (owner, name, sizeof owner);
  return owner;
}

/* A --replace that waits for the state directory answers SIGTERM at once
 * and reads nothing: here the test itself holds the lock. */
static void
test_replace_wait_stops (Fixture *fx, gconstpointer data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE
                                                                       | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) waiting = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = g_build_filename (fx->state_dir, "nova-volume.db", NULL);
  g_autofree char *db_before = NULL, *db_after = NULL;
  gsize len_before = 0, len_after = 0;
  g_autoptr(GVariant) reply = NULL;
  guint32 request_result = 0;
  gint64 deadline;
  int fd;

  g_free (create_volume (fx, MIB, NULL));
  daemon_stop (fx);
  g_assert_true (g_file_get_contents (db_path, &db_before, &len_before, NULL));
  /* the lock is on the directory itself */
  fd = open (fx->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);

  /* and owns the name, as a daemon that will not let go would */
  /* (RequestName itself: GLib's own name-owning would warn when the name
   * it lost is given up) */
  reply = g_dbus_connection_call_sync (fx->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", BUS_NAME, 1 /* allow replacement */ | 4 /* no queue */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &request_result);
  g_assert_cmpuint (request_result, ==, 1); /* the primary owner */

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
  waiting = g_subprocess_launcher_spawn (launcher, &error, nova_volumed_path (), "--session", "--replace",
                                         "--state-dir", fx->state_dir, "--config", fx->config_path, NULL);
  g_assert_no_error (error);
  /* it takes the name first (the test's is lost), then waits for the
   * directory */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (g_strcmp0 (owner_of_name (fx), g_dbus_connection_get_unique_name (fx->connection)) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_assert_nonnull (g_subprocess_get_identifier (waiting));
      g_usleep (10 * 1000);
    }
  g_assert_true (name_has_owner (fx));
  g_assert_false (daemon_ready (fx));
  g_subprocess_send_signal (waiting, SIGTERM);
  wait_or_kill (waiting, "the waiting nova-volumed");
  g_assert_true (g_subprocess_get_if_exited (waiting));
  g_assert_cmpint (g_subprocess_get_exit_status (waiting), ==, 0);
  g_assert_false (name_has_owner (fx));
  g_assert_true (g_file_get_contents (db_path, &db_after, &len_after, NULL));
  g_assert_cmpmem (db_before, len_before, db_after, len_after);

  close (fd);
  daemon_start (fx);
}

/* A bad config stops the daemon at start with one line naming the key and
 * the value, before it touches the bus or the state. */
static void
test_bad_config (void)
{
  const struct {
    const char *text;
    const char *key;
    const char *value;
  } cases[] = {
    { "[DEFAULT]\ncolour = red\n", "colour", NULL },
    { "[DEFAULT]\nnum_shell_tries = many\n", "num_shell_tries", "many" },
    { "[DEFAULT]\nnum_shell_tries = 0\n", "num_shell_tries", "0" },
    { "[DEFAULT]\nvolume_driver = nova.volume.driver.XenDriver\n", "volume_driver", "nova.volume.driver.XenDriver" },
    { "[DEFAULT]\niscsi_helper = ietadm\n", "iscsi_helper", "ietadm" },
    { "[volumes]\nvolume_driver = file\n", "volumes", NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = test_make_tmp_dir ("nova-volume-config-XXXXXX");
  g_autofree char *config = g_build_filename (dir, "nova-volume.conf", NULL);
  g_autofree char *state = g_build_filename (dir, "state", NULL);

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GSubprocess) daemon = NULL;
      g_autofree char *out = NULL, *err = NULL;
      g_auto(GStrv) lines = NULL;

      g_file_set_contents (config, cases[i].text, -1, &error);
      g_assert_no_error (error);
      daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                                 nova_volumed_path (), "--session", "--config", config,
                                 "--state-dir", state, NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (daemon, NULL, NULL, &out, &err, &error);
      g_assert_no_error (error);
      g_test_message ("%s", err);
      g_assert_true (g_subprocess_get_if_exited (daemon));
      g_assert_cmpint (g_subprocess_get_exit_status (daemon), ==, 1);
      g_strchomp (err);
      lines = g_strsplit (err, "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, 1);
      g_assert_nonnull (strstr (err, cases[i].key));
      if (cases[i].value != NULL)
        g_assert_nonnull (strstr (err, cases[i].value));
      g_assert_cmpstr (out, ==, "");
      /* nothing was created */
      g_assert_false (g_file_test (state, G_FILE_TEST_EXISTS));
    }
  test_remove_tree (dir);
}

/* Without a session bus, --session says so (and how to get one) instead of
 * letting GLib autolaunch a private bus that outlives the command. */
static void
test_no_session_bus (void)
{
  g_autofree char *dir = test_make_tmp_dir ("nova-volume-nobus-XXXXXX");
  const char *binaries[] = { nova_volumed_path (), nova_volumectl_path () };

  for (gsize i = 0; i < G_N_ELEMENTS (binaries); i++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                           | G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL, *err = NULL;
      g_autofree char *state = g_build_filename (dir, "state", NULL);

      g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
      g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
      g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", dir, TRUE);
      if (i == 0)
        process = g_subprocess_launcher_spawn (launcher, &error, binaries[i], "--session", "--state-dir", state, NULL);
      else
        process = g_subprocess_launcher_spawn (launcher, &error, binaries[i], "--session", "list", NULL);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %s", binaries[i], err);
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
      g_assert_nonnull (strstr (err, "no session bus"));
      g_assert_nonnull (strstr (err, "tools/run-service.sh"));
    }
  test_remove_tree (dir);
}

/* nova-volumed on the fixture's state directory, run to its end: its
 * exit status, and stderr in @err */
static int
run_daemon_once (Fixture *fx, char **err)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", fx->bus_address, TRUE);
  daemon = g_subprocess_launcher_spawn (launcher, &error, nova_volumed_path (), "--session",
                                        "--state-dir", fx->state_dir, "--config", fx->config_path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (daemon, NULL, NULL, NULL, err, &error);
  g_assert_no_error (error);
  g_test_message ("%s", *err);
  return g_subprocess_get_exit_status (daemon);
}

static void
move_store (Fixture *fx, const char *from_dir, const char *to_dir)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat ("nova-volume.db", suffixes[i], NULL);
      g_autofree char *from = g_build_filename (from_dir, name, NULL);
      g_autofree char *to = g_build_filename (to_dir, name, NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS))
        g_assert_cmpint (g_rename (from, to), ==, 0);
    }
}

/* A state directory knows its store: a store deleted or emptied is not a
 * fresh start (the daemon would forget volumes whose data is still
 * there), nor is another directory's store; each is refused naming the
 * way out, and the directory's own store, put back, serves again. */
static void
test_lost_store (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, MIB, NULL);
  g_autofree char *aside = g_build_filename (fx->dir, "aside", NULL);
  g_autofree char *db = g_build_filename (fx->state_dir, "nova-volume.db", NULL);
  g_autofree char *err = NULL, *status = NULL;
  g_autofree char *other_state = g_build_filename (fx->dir, "other-state", NULL);
  char *own_state = fx->state_dir;

  daemon_stop (fx);
  g_assert_cmpint (g_mkdir (aside, 0700), ==, 0);

  /* deleted */
  move_store (fx, fx->state_dir, aside);
  g_assert_cmpint (run_daemon_once (fx, &err), ==, 1);
  g_assert_nonnull (strstr (err, "is missing"));
  g_assert_nonnull (strstr (err, "Restore"));
  g_assert_nonnull (strstr (err, "state-id"));
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));

  /* emptied */
  g_assert_true (g_file_set_contents (db, "", 0, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_daemon_once (fx, &err), ==, 1);
  g_assert_nonnull (strstr (err, "is empty"));
  g_unlink (db);

  /* another directory's store */
  fx->state_dir = other_state;
  daemon_start (fx);
  daemon_stop (fx);
  fx->state_dir = own_state;
  move_store (fx, other_state, fx->state_dir);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_daemon_once (fx, &err), ==, 1);
  g_assert_nonnull (strstr (err, "is not the store of the state directory"));
  move_store (fx, fx->state_dir, other_state);

  /* its own, put back */
  move_store (fx, aside, fx->state_dir);
  daemon_start (fx);
  status = get_string (fx, volume, IFACE_VOLUME, "Status");
  g_assert_cmpstr (status, ==, "available");
}

/* A state directory others may write into, or with a link where the
 * daemon keeps a small file, is refused at start, naming the fix; the
 * link's target is never written. */
static void
test_unsafe_state_dir (Fixture *fx, gconstpointer data)
{
  g_autofree char *err = NULL;
  g_autofree char *victim = g_build_filename (fx->dir, "victim", NULL);
  g_autofree char *reserve = g_build_filename (fx->state_dir, "reserve", NULL);
  g_autofree char *content = NULL;

  daemon_stop (fx);
  g_assert_cmpint (g_chmod (fx->state_dir, 0770), ==, 0);
  g_assert_cmpint (run_daemon_once (fx, &err), ==, 1);
  g_assert_nonnull (strstr (err, "writable by its group"));
  g_assert_nonnull (strstr (err, "chmod go-w"));
  g_assert_cmpint (g_chmod (fx->state_dir, 0700), ==, 0);

  g_assert_true (g_file_set_contents (victim, "precious", -1, NULL));
  g_assert_cmpint (g_unlink (reserve), ==, 0);
  g_assert_cmpint (symlink (victim, reserve), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_daemon_once (fx, &err), ==, 1);
  g_assert_nonnull (strstr (err, "symbolic link"));
  g_assert_true (g_file_get_contents (victim, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, "precious");
  g_assert_cmpint (g_unlink (reserve), ==, 0);
  daemon_start (fx);
}

/* copies the store's files of @from_dir to @to_dir, or removes them
 * (@to_dir NULL) */
static void
copy_store (const char *from_dir, const char *to_dir)
{
  static const char *const suffixes[] = { "", "-wal", "-shm" };

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat ("nova-volume.db", suffixes[i], NULL);
      g_autofree char *from = g_build_filename (from_dir, name, NULL);
      g_autofree char *to = to_dir != NULL ? g_build_filename (to_dir, name, NULL) : NULL;
      g_autofree char *bytes = NULL;
      gsize length;

      if (to == NULL)
        g_unlink (from);
      else if (g_file_get_contents (from, &bytes, &length, NULL))
        g_assert_true (g_file_set_contents_full (to, bytes, (gssize) length, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
    }
}

static guint
count_in_log (Fixture *fx, const char *text)
{
  g_autofree char *log = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (fx->log_path, &log, NULL, NULL));
  for (const char *at = strstr (log, text); at != NULL; at = strstr (at + 1, text))
    n++;
  return n;
}

/* What the backend holds that the store does not know is never forgotten
 * without a word: an old store (a backup from before a volume was made)
 * says so at start, a lost store is refused naming --recover, and
 * --recover records the volumes and the snapshot again, with their ids,
 * sizes and bytes; a file no template made from a UUID is left alone. */
static void
test_recover (Fixture *fx, gconstpointer data)
{
  static Chunks written = { .offsets = offsets, .n_offsets = 2 };
  g_autofree char *kept = create_volume (fx, 8 * MIB, NULL);
  g_autofree char *snapshot = create_snapshot (fx, kept, FALSE);
  g_autofree char *later = NULL, *device = NULL, *err = NULL, *warning = NULL;
  g_autofree char *aside = g_build_filename (fx->dir, "aside", NULL);
  g_autofree char *decoy = g_build_filename (fx->state_dir, "volumes", "volume-not-a-uuid", NULL);
  g_autofree char *later_id = NULL;
  g_autoptr(GVariant) of = NULL;
  g_autofree char *description = NULL;

  g_assert_true (g_file_set_contents (decoy, "", 0, NULL));
  device = connect_volume (fx, kept);
  write_chunks (device, &written, 3);
  disconnect_volume (fx, kept);

  /* an old copy of the store, and a volume made after it */
  daemon_stop (fx);
  g_assert_cmpint (g_mkdir (aside, 0700), ==, 0);
  copy_store (fx->state_dir, aside);
  daemon_start (fx);
  later = create_volume (fx, MIB, NULL);
  /* an object path spells the id's dashes as underscores */
  later_id = g_strdelimit (g_path_get_basename (later), "_", '-');
  daemon_stop (fx);

  /* the old copy put back: the daemon serves, and says what it does not know */
  copy_store (fx->state_dir, NULL);
  copy_store (aside, fx->state_dir);
  daemon_start (fx);
  warning = g_strdup_printf ("holds 1 volumes and 0 snapshots that the store has no record of (volume %s)",
                             later_id);
  g_assert_cmpuint (count_in_log (fx, warning), ==, 1);
  g_assert_cmpuint (count_in_log (fx, "nova-volumed --recover records them again"), ==, 1);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call (fx, later, "org.freedesktop.DBus.Properties", "Get",
                                      g_variant_new ("(ss)", IFACE_VOLUME, "Size"), "(v)", &error);

    g_assert_null (reply);
    g_assert_nonnull (error);
  }
  daemon_stop (fx);

  /* the store lost: refused, naming --recover */
  copy_store (fx->state_dir, NULL);
  g_assert_cmpint (run_daemon_once (fx, &err), ==, 1);
  g_assert_nonnull (strstr (err, "nova-volumed --recover"));

  /* --recover: both volumes and the snapshot, as the files give them */
  fx->daemon_option = "--recover";
  daemon_start (fx);
  fx->daemon_option = NULL;
  assert_status (fx, kept, IFACE_VOLUME, "available");
  assert_status (fx, later, IFACE_VOLUME, "available");
  assert_status (fx, snapshot, IFACE_SNAPSHOT, "available");
  g_assert_cmpuint (get_uint64 (fx, kept, IFACE_VOLUME, "Size"), ==, 8 * MIB);
  g_assert_cmpuint (get_uint64 (fx, later, IFACE_VOLUME, "Size"), ==, MIB);
  of = get_property (fx, snapshot, IFACE_SNAPSHOT, "Volume");
  g_assert_cmpstr (g_variant_get_string (of, NULL), ==, kept);
  description = get_string (fx, kept, IFACE_VOLUME, "Description");
  g_assert_nonnull (strstr (description, "--recover"));
  g_clear_pointer (&device, g_free);
  device = connect_volume (fx, kept);
  assert_chunks (device, &written);
  disconnect_volume (fx, kept);
  g_assert_true (g_file_test (decoy, G_FILE_TEST_IS_REGULAR));

  /* and the next start knows everything */
  daemon_stop (fx);
  daemon_start (fx);
  g_assert_cmpuint (count_in_log (fx, "nova-volumed --recover records them again"), ==, 1);
  call_ok (fx, snapshot, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

static GVariant *
metadata_of (Fixture *fx, const char *volume)
{
  return get_property (fx, volume, IFACE_VOLUME, "Metadata");
}

static void
update_fails (Fixture *fx, const char *path, const char *iface, const char *options, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, path, iface, "Update", g_variant_new_parsed (options), NULL, &error);

  g_assert_null (reply);
  assert_dbus_error (error, "InvalidArgument");
  g_test_message ("%s: %s", options, error->message);
  g_assert_nonnull (strstr (error->message, expected));
}

/* Volume.Update and Snapshot.Update: a name, a description and metadata
 * changed, kept across a restart; bad input refused naming what is wrong,
 * changing nothing. */
static void
test_update (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, MIB, g_variant_new_parsed ("{'name': <'old'>, "
                                                                          "'metadata': <{'k1': 'v1', 'k2': 'v2'}>}"));
  g_autofree char *snapshot = create_snapshot (fx, volume, FALSE);
  g_autofree char *name = NULL, *description = NULL, *before = NULL, *after = NULL, *snapshot_name = NULL;
  g_autoptr(GVariant) metadata = NULL;
  g_autoptr(GString) many = g_string_new ("({'metadata-set': <{");
  const char *value = NULL;

  call_ok (fx, volume, IFACE_VOLUME, "Update",
           g_variant_new_parsed ("({'name': <'new'>, 'description': <'the data'>},)"));
  name = get_string (fx, volume, IFACE_VOLUME, "Name");
  description = get_string (fx, volume, IFACE_VOLUME, "Description");
  g_assert_cmpstr (name, ==, "new");
  g_assert_cmpstr (description, ==, "the data");

  call_ok (fx, volume, IFACE_VOLUME, "Update",
           g_variant_new_parsed ("({'metadata-set': <{'k3': 'v3', 'k2': 'two'}>, "
                                 "'metadata-unset': <['k1', 'none']>},)"));
  metadata = metadata_of (fx, volume);
  g_assert_cmpuint (g_variant_n_children (metadata), ==, 2);
  g_assert_true (g_variant_lookup (metadata, "k2", "&s", &value));
  g_assert_cmpstr (value, ==, "two");
  g_assert_true (g_variant_lookup (metadata, "k3", "&s", &value));
  g_clear_pointer (&metadata, g_variant_unref);

  call_ok (fx, volume, IFACE_VOLUME, "Update", g_variant_new_parsed ("({'metadata': <{'only': 'this'}>},)"));
  call_ok (fx, snapshot, IFACE_SNAPSHOT, "Update", g_variant_new_parsed ("({'name': <'before upgrade'>},)"));

  /* refused, and nothing changes */
  before = fingerprint (fx);
  update_fails (fx, volume, IFACE_VOLUME, "(@a{sv} {},)", "nothing to update");
  update_fails (fx, volume, IFACE_VOLUME, "({'metadata': <{'a': 'b'}>, 'metadata-set': <{'c': 'd'}>},)",
                "give it alone");
  update_fails (fx, volume, IFACE_VOLUME, "({'name': <'evil\\u202etxt'>},)", "U+202E");
  update_fails (fx, volume, IFACE_VOLUME, "({'metadata-set': <{'': 'empty key'}>},)", "may not be empty");
  update_fails (fx, volume, IFACE_VOLUME, "({'color': <'blue'>},)", "color");
  update_fails (fx, snapshot, IFACE_SNAPSHOT, "({'metadata': <{'a': 'b'}>},)", "metadata");
  for (int i = 0; i < 64; i++)
    g_string_append_printf (many, "%s'key%d': 'v'", i > 0 ? ", " : "", i);
  g_string_append (many, "}>},)");
  /* 64 new keys beside the one there: the result breaks the limit */
  update_fails (fx, volume, IFACE_VOLUME, many->str, "at most 64");
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  /* committed: a restart shows the same */
  daemon_stop (fx);
  daemon_start (fx);
  metadata = metadata_of (fx, volume);
  g_assert_cmpuint (g_variant_n_children (metadata), ==, 1);
  snapshot_name = get_string (fx, snapshot, IFACE_SNAPSHOT, "Name");
  g_assert_cmpstr (snapshot_name, ==, "before upgrade");
  g_clear_pointer (&after, g_free);
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
}

static void
on_extended (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
             const char *signal, GVariant *params, gpointer user_data)
{
  GPtrArray *seen = user_data;
  g_autofree char *printed = g_variant_print (params, FALSE);

  g_ptr_array_add (seen, g_strdup_printf ("%s %s", path, printed));
}

/* Extend on an attached, connected volume: in use after, the host's file
 * grown, and Extended(old, new) on the volume; a refused extend emits
 * nothing */
static void
test_extend_in_use (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *volume = create_volume (fx, 16 * MIB, NULL);
  g_autofree char *device = NULL, *expected = NULL;
  struct stat st;
  guint id;

  call_ok (fx, volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  device = connect_volume (fx, volume);
  id = g_dbus_connection_signal_subscribe (fx->connection, BUS_NAME, IFACE_VOLUME, "Extended", volume, NULL,
                                           G_DBUS_SIGNAL_FLAGS_NONE, on_extended, seen, NULL);
  /* a round trip makes sure the match rule is in place */
  g_free (get_string (fx, MANAGER_PATH, IFACE_MANAGER, "Version"));

  call_ok (fx, volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(%t, @a{sv} {})", 32 * MIB));
  call_fails (fx, volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(%t, @a{sv} {})", 8 * MIB),
              "InvalidArgument");
  g_free (get_string (fx, MANAGER_PATH, IFACE_MANAGER, "Version"));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_dbus_connection_signal_unsubscribe (fx->connection, id);

  assert_status (fx, volume, IFACE_VOLUME, "in-use");
  g_assert_cmpuint (get_uint64 (fx, volume, IFACE_VOLUME, "Size"), ==, 32 * MIB);
  g_assert_cmpint (g_stat (device, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 32 * MIB);
  expected = g_strdup_printf ("%s (16777216, 33554432)", volume);
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, expected);
  disconnect_volume (fx, volume);
  call_ok (fx, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* A RevertToSnapshot refused as @error_name, its message naming @words */
static void
revert_fails (Fixture *fx, const char *volume, GVariant *params, const char *error_name, const char *words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, volume, IFACE_VOLUME, "RevertToSnapshot", params, NULL, &error);

  g_assert_null (reply);
  assert_dbus_error (error, error_name);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, words));
}

/* RevertToSnapshot: the bytes are the snapshot's again and the snapshot
 * stays; the latest only unless any; refused with a host connected, an
 * attachment, another volume's snapshot, after an extend; committed. */
static void
test_revert (Fixture *fx, gconstpointer data)
{
  static const guint64 near[] = { 0, 4096 * 1000 + 7, 16 * MIB - 4096 };
  static Chunks first = { .offsets = near, .n_offsets = G_N_ELEMENTS (near) };
  static Chunks second = { .offsets = near, .n_offsets = G_N_ELEMENTS (near) };
  static Chunks third = { .offsets = near, .n_offsets = G_N_ELEMENTS (near) };
  g_autofree char *volume = create_volume (fx, 16 * MIB, NULL);
  g_autofree char *other = create_volume (fx, 16 * MIB, NULL);
  g_autofree char *older = NULL, *latest = NULL, *others = NULL, *device = NULL;
  g_autofree char *before = NULL, *after = NULL;

  device = connect_volume (fx, volume);
  write_chunks (device, &first, 1);
  older = create_snapshot (fx, volume, TRUE);
  write_chunks (device, &second, 2);
  latest = create_snapshot (fx, volume, TRUE);
  write_chunks (device, &third, 3);
  others = create_snapshot (fx, other, FALSE);

  /* refused, and nothing changes */
  revert_fails (fx, volume, g_variant_new_parsed ("(%o, @a{sv} {})", latest), "InvalidState", "still connected");
  disconnect_volume (fx, volume);
  before = fingerprint (fx);
  revert_fails (fx, volume, g_variant_new_parsed ("(%o, @a{sv} {})", older), "InvalidState", "not the volume's latest");
  revert_fails (fx, volume, g_variant_new_parsed ("(%o, @a{sv} {})", others), "InvalidArgument", "a snapshot of volume");
  revert_fails (fx, volume, g_variant_new_parsed ("(%o, {'all': <true>})", latest), "InvalidArgument", "all");
  revert_fails (fx, volume, g_variant_new_parsed ("(@o '/org/openstack/Volume1/volumes/x', @a{sv} {})"),
                "InvalidArgument", "not a snapshot object path");
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
  call_ok (fx, volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  revert_fails (fx, volume, g_variant_new_parsed ("(%o, @a{sv} {})", latest), "InvalidState", "detach it first");
  call_ok (fx, volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  {
    g_autofree char *device_now = connect_volume (fx, volume);
    assert_chunks (device_now, &third);
    disconnect_volume (fx, volume);
  }

  /* the latest, then further back with any */
  call_ok (fx, volume, IFACE_VOLUME, "RevertToSnapshot", g_variant_new_parsed ("(%o, @a{sv} {})", latest));
  assert_status (fx, volume, IFACE_VOLUME, "available");
  assert_status (fx, latest, IFACE_SNAPSHOT, "available");
  g_clear_pointer (&device, g_free);
  device = connect_volume (fx, volume);
  assert_chunks (device, &second);
  disconnect_volume (fx, volume);
  call_ok (fx, volume, IFACE_VOLUME, "RevertToSnapshot", g_variant_new_parsed ("(%o, {'any': <true>})", older));
  g_clear_pointer (&device, g_free);
  device = connect_volume (fx, volume);
  assert_chunks (device, &first);
  disconnect_volume (fx, volume);
  g_assert_cmpuint (get_uint64 (fx, volume, IFACE_VOLUME, "Size"), ==, 16 * MIB);

  /* committed: a restart shows the same bytes and both snapshots */
  daemon_stop (fx);
  daemon_start (fx);
  assert_status (fx, volume, IFACE_VOLUME, "available");
  assert_status (fx, older, IFACE_SNAPSHOT, "available");
  g_clear_pointer (&device, g_free);
  device = connect_volume (fx, volume);
  assert_chunks (device, &first);
  disconnect_volume (fx, volume);

  /* a larger volume cannot go back to a smaller snapshot */
  call_ok (fx, volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(%t, @a{sv} {})", 32 * MIB));
  revert_fails (fx, volume, g_variant_new_parsed ("(%o, @a{sv} {})", latest), "InvalidState",
                "create a volume from the snapshot instead");
}

#define IFACE_ATTACHMENT "org.openstack.Volume1.Attachment"

/* Attach: the new attachment's path */
static char *
attach (Fixture *fx, const char *volume, const char *instance, const char *mountpoint, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, volume, IFACE_VOLUME, "Attach",
                                    g_variant_new ("(ss@a{sv})", instance, mountpoint,
                                                   options != NULL ? options : g_variant_new ("a{sv}", NULL)),
                                    "(o)", &error);
  char *path = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

/* InitializeConnection for host @host: its connection_info's access_mode */
static char *
access_mode_for (Fixture *fx, const char *volume, const char *host)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, volume, IFACE_VOLUME, "InitializeConnection",
                                    g_variant_new_parsed ("({'host': <%s>, 'ip': <'127.0.0.1'>},)", host),
                                    "(a{sv})", &error);
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) data = NULL;
  char *mode = NULL;

  g_assert_no_error (error);
  info = g_variant_get_child_value (reply, 0);
  data = g_variant_lookup_value (info, "data", G_VARIANT_TYPE_VARDICT);
  g_assert_true (g_variant_lookup (data, "access_mode", "s", &mode));
  return mode;
}

static void
assert_attachments (Fixture *fx, const char *volume, guint expected)
{
  g_autoptr(GVariant) paths = get_property (fx, volume, IFACE_VOLUME, "Attachments");

  g_assert_cmpuint (g_variant_n_children (paths), ==, expected);
}

/* Multi-attach: a volume made with multiattach is attached to two
 * instances, one read-write and one read-only, each an Attachment object
 * with its properties; InitializeConnection hands each host its
 * access_mode; Detach needs the attachment while there are two; it stays
 * in-use until the last goes; all of it survives a restart. Refusals
 * change nothing. */
static void
test_multiattach (Fixture *fx, gconstpointer data)
{
  g_autofree char *shared = create_volume (fx, 8 * MIB, g_variant_new_parsed ("{'multiattach': <true>}"));
  g_autofree char *single = create_volume (fx, 8 * MIB, NULL);
  g_autofree char *writer = NULL, *reader = NULL, *mode = NULL, *before = NULL, *after = NULL;
  g_autofree char *host = NULL, *instance = NULL, *volume_of = NULL, *attachment_mode = NULL;
  g_autoptr(GVariant) multi = get_property (fx, shared, IFACE_VOLUME, "Multiattach");
  g_autoptr(GVariant) connector = NULL;

  g_assert_true (g_variant_get_boolean (multi));
  writer = attach (fx, shared, INSTANCE_A, "/dev/vdb", g_variant_new_parsed ("{'host': <'compute-a'>}"));
  g_assert_true (g_str_has_prefix (writer, "/org/openstack/Volume1/attachments/"));
  /* connected first, attached read-only after: the connector is kept */
  g_free (access_mode_for (fx, shared, "compute-b"));
  reader = attach (fx, shared, INSTANCE_B, "/dev/vdc",
                   g_variant_new_parsed ("{'host': <'compute-b'>, 'mode': <'ro'>}"));
  assert_status (fx, shared, IFACE_VOLUME, "in-use");
  assert_attachments (fx, shared, 2);
  mode = get_string (fx, reader, IFACE_ATTACHMENT, "Mode");
  g_assert_cmpstr (mode, ==, "ro");
  host = get_string (fx, reader, IFACE_ATTACHMENT, "Host");
  g_assert_cmpstr (host, ==, "compute-b");
  instance = get_string (fx, reader, IFACE_ATTACHMENT, "InstanceUuid");
  g_assert_cmpstr (instance, ==, INSTANCE_B);
  volume_of = get_string (fx, reader, IFACE_ATTACHMENT, "Volume");
  g_assert_cmpstr (volume_of, ==, shared);
  connector = get_property (fx, reader, IFACE_ATTACHMENT, "Connector");
  g_assert_true (g_variant_lookup (connector, "ip", "&s", &(const char *){ NULL }));
  g_clear_pointer (&mode, g_free);
  mode = access_mode_for (fx, shared, "compute-b");
  g_assert_cmpstr (mode, ==, "ro");
  g_clear_pointer (&mode, g_free);
  mode = access_mode_for (fx, shared, "compute-a");
  g_assert_cmpstr (mode, ==, "rw");

  /* refused, and nothing changes */
  before = fingerprint (fx);
  call_fails (fx, shared, IFACE_VOLUME, "Attach",
              g_variant_new_parsed ("(%s, '/dev/vdd', @a{sv} {})", INSTANCE_A), "InvalidState");
  call_fails (fx, shared, IFACE_VOLUME, "Attach",
              g_variant_new_parsed ("(%s, '/dev/vdd', {'mode': <'rx'>})", INSTANCE_C), "InvalidArgument");
  call_fails (fx, shared, IFACE_VOLUME, "Attach",
              g_variant_new_parsed ("(%s, '/dev/vdd', {'host': <'compute-a'>, 'mode': <'ro'>})", INSTANCE_C),
              "InvalidState");
  call_fails (fx, shared, IFACE_VOLUME, "Attach",
              g_variant_new_parsed ("(%s, '/dev/vdd', {'host': <'x'>, 'connector': <{'host': <'y'>}>})",
                                    INSTANCE_C), "InvalidArgument");
  call_fails (fx, shared, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidArgument");
  call_fails (fx, shared, IFACE_VOLUME, "Detach",
              g_variant_new_parsed ("({'attachment': <@o '/org/openstack/Volume1/attachments/"
                                    "00000000_0000_4000_8000_000000000000'>},)"), "NotFound");
  call_fails (fx, shared, IFACE_VOLUME, "Detach",
              g_variant_new_parsed ("({'attachment': <%o>},)", shared), "InvalidArgument");
  call_fails (fx, shared, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState");
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
  /* without multiattach: one instance at a time */
  g_free (attach (fx, single, INSTANCE_A, "/dev/vde", NULL));
  call_fails (fx, single, IFACE_VOLUME, "Attach",
              g_variant_new_parsed ("(%s, '/dev/vde', @a{sv} {})", INSTANCE_B), "InvalidState");
  call_ok (fx, single, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));

  /* committed: a restart has both, with their modes */
  daemon_stop (fx);
  daemon_start (fx);
  assert_attachments (fx, shared, 2);
  g_clear_pointer (&attachment_mode, g_free);
  attachment_mode = get_string (fx, reader, IFACE_ATTACHMENT, "Mode");
  g_assert_cmpstr (attachment_mode, ==, "ro");

  /* detached one by one; in-use until the last */
  call_ok (fx, shared, IFACE_VOLUME, "Detach", g_variant_new_parsed ("({'attachment': <%o>},)", writer));
  assert_status (fx, shared, IFACE_VOLUME, "in-use");
  assert_attachments (fx, shared, 1);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call (fx, writer, "org.freedesktop.DBus.Properties", "Get",
                                      g_variant_new ("(ss)", IFACE_ATTACHMENT, "Mode"), "(v)", &error);

    g_assert_null (reply);
  }
  call_ok (fx, shared, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  assert_status (fx, shared, IFACE_VOLUME, "available");
  assert_attachments (fx, shared, 0);
  g_free (access_mode_for (fx, shared, "compute-b"));
  call_ok (fx, shared, IFACE_VOLUME, "TerminateConnection",
           g_variant_new_parsed ("({'host': <'compute-b'>, 'ip': <'127.0.0.1'>},)"));
  call_ok (fx, shared, IFACE_VOLUME, "TerminateConnection",
           g_variant_new_parsed ("({'host': <'compute-a'>, 'ip': <'127.0.0.1'>},)"));
  call_ok (fx, shared, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* A backend whose target serves every host alike (the fake tgt) refuses a
 * read-only attachment, in words, and takes a read-write one; the stats
 * say so */
static void
test_multiattach_ro_refused (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) stats = NULL;
  const char *how = NULL;
  gboolean shares = FALSE;

  daemon_stop (fx);
  write_config (fx, "nova.volume.driver.FakeISCSIDriver");
  daemon_start (fx);
  reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "GetVolumeStats", g_variant_new ("(b)", TRUE), "(a{sv})", &error);
  g_assert_no_error (error);
  stats = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (stats, "multiattach", "b", &shares));
  g_assert_true (shares);
  g_assert_true (g_variant_lookup (stats, "read_only_attachments", "&s", &how));
  g_assert_cmpstr (how, ==, "none");
  volume = create_volume (fx, 8 * MIB, g_variant_new_parsed ("{'multiattach': <true>}"));
  g_clear_pointer (&reply, g_variant_unref);
  reply = call (fx, volume, IFACE_VOLUME, "Attach",
                g_variant_new_parsed ("(%s, '/dev/vdb', {'mode': <'ro'>})", INSTANCE_A), "(o)", &error);
  g_assert_null (reply);
  assert_dbus_error (error, "NotSupported");
  g_assert_nonnull (strstr (error->message, "cannot hold one host to reading"));
  assert_status (fx, volume, IFACE_VOLUME, "available");
  g_free (attach (fx, volume, INSTANCE_A, "/dev/vdb", NULL));
  g_free (attach (fx, volume, INSTANCE_B, "/dev/vdb", NULL));
  assert_attachments (fx, volume, 2);
}

/* A ManageExisting of @reference refused as @error_name, its message
 * naming @words */
static void
manage_fails (Fixture *fx, const char *reference, GVariant *options, const char *error_name, const char *words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "ManageExisting",
                                    g_variant_new ("(s@a{sv})", reference,
                                                   options != NULL ? options : g_variant_new ("a{sv}", NULL)),
                                    "(o)", &error);

  g_assert_null (reply);
  assert_dbus_error (error, error_name);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, words));
}

static char *
manage (Fixture *fx, const char *reference, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "ManageExisting",
                                    g_variant_new ("(s@a{sv})", reference,
                                                   options != NULL ? options : g_variant_new ("a{sv}", NULL)),
                                    "(o)", &error);
  char *path = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &path);
  return path;
}

/* ManageExisting takes a file of the volumes directory with its bytes,
 * renamed to its id's name; refuses what is not a volume's file, in use,
 * managed already or a snapshot's, changing nothing. Unmanage leaves the
 * file; a start says nothing of it, --recover leaves it, and a manage of
 * its name brings back the same id. */
static void
test_manage (Fixture *fx, gconstpointer data)
{
  static Chunks written = { .offsets = offsets, .n_offsets = 2 };
  g_autofree char *dir = g_build_filename (fx->state_dir, "volumes", NULL);
  g_autofree char *legacy = g_build_filename (dir, "legacy.img", NULL);
  g_autofree char *odd = g_build_filename (dir, "odd.img", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.img", NULL);
  g_autofree char *link = g_build_filename (dir, "link.img", NULL);
  g_autofree char *before = NULL, *after = NULL, *volume = NULL, *again = NULL, *device = NULL;
  g_autofree char *id = NULL, *name = NULL, *file = NULL, *existing = NULL, *existing_name = NULL;
  g_autofree char *snapshot = NULL, *snapshot_name = NULL;
  GStatBuf st;
  int fd;

  /* a 4 MiB file with known bytes, as another tool left it */
  fd = g_open (legacy, O_WRONLY | O_CREAT | O_EXCL, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 4 * MIB), ==, 0);
  close (fd);
  write_chunks (legacy, &written, 7);
  g_assert_true (g_file_set_contents (odd, "not a whole block", -1, NULL));
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink (legacy, link), ==, 0);
  existing = create_volume (fx, MIB, NULL);
  existing_name = g_strdup_printf ("volume-%s", strrchr (existing, '/') + 1);
  g_strdelimit (existing_name, "_", '-');
  snapshot = create_snapshot (fx, existing, FALSE);
  snapshot_name = g_strdup_printf ("snapshot-%s", strrchr (snapshot, '/') + 1);
  g_strdelimit (snapshot_name, "_", '-');

  /* refused, and nothing changes */
  before = fingerprint (fx);
  manage_fails (fx, "", NULL, "InvalidArgument", "give the name the backend knows it by");
  manage_fails (fx, "missing.img", NULL, "NotFound", "no file 'missing.img'");
  manage_fails (fx, "../nova-volume.db", NULL, "InvalidArgument", "give the file's name alone");
  manage_fails (fx, legacy, NULL, "InvalidArgument", "give the file's name alone");
  manage_fails (fx, "link.img", NULL, "InvalidArgument", "symbolic link");
  manage_fails (fx, "fifo.img", NULL, "InvalidArgument", "not a regular file");
  manage_fails (fx, "odd.img", NULL, "InvalidArgument", "grow the file to 512 bytes");
  manage_fails (fx, existing_name, NULL, "InvalidState", "managed already");
  manage_fails (fx, snapshot_name, NULL, "InvalidArgument", "named as a snapshot is");
  manage_fails (fx, "legacy.img", g_variant_new_parsed ("{'keep-name': <true>}"), "NotSupported",
                "leave out keep-name");
  manage_fails (fx, "legacy.img", g_variant_new_parsed ("{'backend': <'elsewhere'>}"), "NotSupported",
                "no backend 'elsewhere'");
  manage_fails (fx, "legacy.img", g_variant_new_parsed ("{'name': <'a\u202eb'>}"), "InvalidArgument", "name");
  manage_fails (fx, "legacy.img", g_variant_new_parsed ("{'size': <@t 1>}"), "InvalidArgument", "size");
  /* open in another process: an instance still using it */
  {
    const char *argv[] = { "sleep", "30", NULL };
    g_autoptr(GSubprocess) holder = NULL;
    g_autoptr(GError) error = NULL;
    int held = g_open (legacy, O_RDWR, 0);
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

    g_assert_cmpint (held, >=, 0);
    g_subprocess_launcher_take_fd (launcher, held, 3);
    holder = g_subprocess_launcher_spawnv (launcher, argv, &error);
    g_assert_no_error (error);
    manage_fails (fx, "legacy.img", NULL, "Busy", "open in another process");
    g_subprocess_force_exit (holder);
    g_assert_true (g_subprocess_wait (holder, NULL, NULL));
  }
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
  g_assert_true (g_file_test (legacy, G_FILE_TEST_IS_REGULAR));

  /* managed: renamed to its id's name, same bytes, available, exported */
  volume = manage (fx, "legacy.img", g_variant_new_parsed ("{'name': <'from elsewhere'>}"));
  id = get_string (fx, volume, IFACE_VOLUME, "Id");
  name = get_string (fx, volume, IFACE_VOLUME, "Name");
  g_assert_cmpstr (name, ==, "from elsewhere");
  assert_status (fx, volume, IFACE_VOLUME, "available");
  g_assert_cmpuint (get_uint64 (fx, volume, IFACE_VOLUME, "Size"), ==, 4 * MIB);
  g_assert_false (g_file_test (legacy, G_FILE_TEST_EXISTS));
  file = g_strdup_printf ("%s/volume-%s", dir, id);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  device = connect_volume (fx, volume);
  assert_chunks (device, &written);
  manage_fails (fx, "legacy.img", NULL, "NotFound", "no file");
  /* connected: not let go of */
  call_fails (fx, volume, IFACE_VOLUME, "Unmanage", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState");
  disconnect_volume (fx, volume);
  {
    g_autofree char *taken = create_snapshot (fx, volume, FALSE);

    call_fails (fx, volume, IFACE_VOLUME, "Unmanage", g_variant_new_parsed ("(@a{sv} {},)"), "InvalidState");
    call_ok (fx, taken, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  }
  call_fails (fx, volume, IFACE_VOLUME, "Unmanage", g_variant_new_parsed ("({'force': <true>},)"),
              "InvalidArgument");

  /* committed: a restart knows it */
  daemon_stop (fx);
  daemon_start (fx);
  assert_status (fx, volume, IFACE_VOLUME, "available");

  /* let go of: the object goes, the file stays with its bytes */
  call_ok (fx, volume, IFACE_VOLUME, "Unmanage", g_variant_new_parsed ("(@a{sv} {},)"));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call (fx, volume, "org.freedesktop.DBus.Properties", "Get",
                                      g_variant_new ("(ss)", IFACE_VOLUME, "Size"), "(v)", &error);

    g_assert_null (reply);
  }
  g_assert_cmpint (g_stat (file, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 4 * MIB);
  assert_chunks (file, &written);

  /* a start says nothing of it, and --recover leaves it */
  daemon_stop (fx);
  fx->daemon_option = "--recover";
  daemon_start (fx);
  fx->daemon_option = NULL;
  g_assert_cmpuint (count_in_log (fx, "that the store has no record of"), ==, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = call (fx, volume, "org.freedesktop.DBus.Properties", "Get",
                                      g_variant_new ("(ss)", IFACE_VOLUME, "Size"), "(v)", &error);

    g_assert_null (reply);
  }

  /* managed again by its name: the same id, nothing renamed */
  {
    g_autofree char *reference = g_path_get_basename (file);

    again = manage (fx, reference, g_variant_new_parsed ("{'keep-name': <true>}"));
  }
  g_assert_cmpstr (again, ==, volume);
  assert_status (fx, again, IFACE_VOLUME, "available");
  g_clear_pointer (&device, g_free);
  device = connect_volume (fx, again);
  assert_chunks (device, &written);
  disconnect_volume (fx, again);
  daemon_stop (fx);
  daemon_start (fx);
  assert_status (fx, again, IFACE_VOLUME, "available");
  call_ok (fx, again, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
}

/* nova-volumed --check-config FILE: valid, with the backends; a typo in a
 * key named with the key meant; nothing else happens (no bus, no state) */
static void
test_check_config (void)
{
  g_autofree char *dir = test_make_tmp_dir ("nova-volume-check-XXXXXX");
  g_autofree char *good = g_build_filename (dir, "good.conf", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.conf", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *argv[] = { nova_volumed_path (), "--check-config", good, NULL };
  int status = 0;

  g_assert_true (g_file_set_contents (good, "[DEFAULT]\nenabled_backends = a\n[a]\nvolume_driver = file\n", -1, NULL));
  g_assert_true (g_file_set_contents (bad, "[DEFAULT]\nvolume_drivr = file\n", -1, NULL));
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, NULL));
  g_test_message ("%s%s", out, err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "valid; backends: a (file)"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  argv[2] = bad;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, NULL));
  g_test_message ("%s%s", out, err);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, "unknown key 'volume_drivr' in [DEFAULT]; did you mean volume_driver?"));
  test_remove_tree (dir);
}

/* A relative --state-dir is made absolute at start: hosts are handed an
 * absolute device_path, whatever their own working directory. */
static void
test_relative_state_dir (Fixture *fx, gconstpointer data)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *volume = NULL, *device = NULL;
  g_autofree char *expected = g_build_filename (fx->dir, "relative-state", NULL);
  char *absolute = fx->state_dir;

  daemon_stop (fx);
  g_assert_cmpint (chdir (fx->dir), ==, 0);
  fx->state_dir = g_strdup ("relative-state");
  daemon_start (fx);
  volume = create_volume (fx, MIB, NULL);
  device = connect_volume (fx, volume);
  g_test_message ("device_path %s", device);
  g_assert_true (g_path_is_absolute (device));
  g_assert_true (g_str_has_prefix (device, expected));
  daemon_stop (fx);
  g_assert_cmpint (chdir (cwd), ==, 0);
  g_free (fx->state_dir);
  fx->state_dir = absolute;
}


/* Started without G_SLICE, the daemon runs itself again with
 * G_SLICE=always-malloc where GLib is older than 2.76 (the same process:
 * its environment shows it), and serves. Under the valgrind setup the
 * wrapper's environment sets it already, as GLib asks for valgrind. */
static void
test_plain_malloc (Fixture *fx, gconstpointer data)
{
  g_autofree char *saved = g_strdup (g_getenv ("G_SLICE"));
  const char *wrapper = g_getenv ("NOVA_VOLUMED_WRAPPER");
  gboolean wrapped = wrapper != NULL && *wrapper != '\0';
  g_autofree char *environ_path = NULL;
  g_autofree char *environment = NULL;
  g_autofree char *volume = NULL;
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;
  gsize len = 0;

  daemon_stop (fx);
  if (!wrapped)
    g_unsetenv ("G_SLICE");
  daemon_start (fx);
  if (saved != NULL)
    g_setenv ("G_SLICE", saved, TRUE);

  environ_path = g_strdup_printf ("/proc/%s/environ", g_subprocess_get_identifier (fx->daemon));
  g_assert_true (g_file_get_contents (environ_path, &environment, &len, &error));
  g_assert_no_error (error);
  for (gsize at = 0; at < len; at += strlen (environment + at) + 1)
    if (g_str_equal (environment + at, "G_SLICE=always-malloc"))
      found = TRUE;
  g_assert_true (found == (wrapped || glib_check_version (2, 76, 0) != NULL));

  volume = create_volume (fx, MIB, NULL);
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
}

/* ---- the caller's uid, asked of the bus once per connection ---------- */

typedef struct {
  GMutex      lock;
  GHashTable *lookups;   /* unique name the daemon asked about -> count */
  gboolean    sentinel;  /* the Ping sent after the calls came by */
} UidLookups;

/* the monitor's filter, on its worker thread: counts the calls it sees
 * and drops them */
static GDBusMessage *
count_uid_lookup (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  UidLookups *seen = user_data;
  const char *member = g_dbus_message_get_member (message);
  GVariant *body = g_dbus_message_get_body (message);

  /* the reply to BecomeMonitor goes on */
  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    return message;
  g_mutex_lock (&seen->lock);
  if (g_strcmp0 (member, "GetConnectionUnixUser") == 0 && body != NULL
      && g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)")))
    {
      const char *name;

      g_variant_get (body, "(&s)", &name);
      g_hash_table_insert (seen->lookups, g_strdup (name),
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (seen->lookups, name)) + 1));
    }
  else if (g_strcmp0 (member, "Ping") == 0)
    seen->sentinel = TRUE;
  g_mutex_unlock (&seen->lock);
  g_object_unref (message);
  return NULL;
}

static void
uid_lookups_clear (gpointer data)
{
  UidLookups *seen = data;

  g_hash_table_unref (seen->lookups);
  g_mutex_clear (&seen->lock);
}

static void
uid_lookups_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, uid_lookups_clear);
}

static guint
lookups_of (UidLookups *seen, GDBusConnection *connection)
{
  guint n;

  g_mutex_lock (&seen->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (seen->lookups, g_dbus_connection_get_unique_name (connection)));
  g_mutex_unlock (&seen->lock);
  return n;
}

/* A client that makes several changing calls costs the daemon one
 * GetConnectionUnixUser round trip to the bus, not one a call; each new
 * client one more. Counted by a monitor on the private bus, up to a Ping
 * sent after the calls (a monitor gets messages in the bus's order). */
static void
test_caller_uid_once (Fixture *fx, gconstpointer data)
{
  g_autoptr(GDBusConnection) monitor = bus_connect (fx);
  g_autoptr(GDBusConnection) first = bus_connect (fx);
  g_autoptr(GDBusConnection) second = bus_connect (fx);
  GDBusConnection *own = fx->connection;
  UidLookups *seen = g_atomic_rc_box_new0 (UidLookups);
  const char *rules[] = { "type='method_call',member='GetConnectionUnixUser'",
                          "type='method_call',interface='org.freedesktop.DBus.Peer',member='Ping'", NULL };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *volume = NULL, *other = NULL;
  gint64 deadline;
  guint filter;

  g_mutex_init (&seen->lock);
  seen->lookups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* the filter may run until its destroy notify: it holds a reference */
  filter = g_dbus_connection_add_filter (monitor, count_uid_lookup, g_atomic_rc_box_acquire (seen),
                                         uid_lookups_release);
  reply = g_dbus_connection_call_sync (monitor, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus.Monitoring", "BecomeMonitor",
                                       g_variant_new ("(^asu)", rules, 0), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);

  fx->connection = first;
  volume = create_volume (fx, MIB, NULL);
  call_ok (fx, volume, IFACE_VOLUME, "Update", g_variant_new_parsed ("({'name': <'renamed'>},)"));
  call_ok (fx, volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(uint64 %t, @a{sv} {})", (guint64) 2 * MIB));
  fx->connection = second;
  other = create_volume (fx, MIB, NULL);
  call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, other, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  fx->connection = own;

  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (first, BUS_NAME, ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping",
                                       NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (;;)
    {
      gboolean done;

      g_mutex_lock (&seen->lock);
      done = seen->sentinel;
      g_mutex_unlock (&seen->lock);
      if (done)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10 * 1000);
    }
  g_assert_cmpuint (lookups_of (seen, first), ==, 1);
  g_assert_cmpuint (lookups_of (seen, second), ==, 1);

  g_dbus_connection_remove_filter (monitor, filter);
  g_dbus_connection_close_sync (monitor, NULL, NULL);
  uid_lookups_release (seen);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/service/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("manager-properties", test_manager_properties);
  ADD ("volume-properties", test_volume_properties);
  ADD ("seed-scenario", test_seed_scenario);
  ADD ("bad-input", test_bad_input);
  ADD ("other-driver", test_other_driver);
  ADD ("parallel", test_parallel);
  ADD ("clone-job", test_clone_job);
  g_test_add_func ("/service/bad-config", test_bad_config);
  g_test_add_func ("/service/check-config", test_check_config);
  g_test_add_func ("/service/no-session-bus", test_no_session_bus);
  ADD ("replace", test_replace);
  ADD ("replace-wait-stops", test_replace_wait_stops);
  ADD ("kill", test_kill);
  ADD ("properties-before-reply", test_properties_before_reply);
  ADD ("caller-uid-once", test_caller_uid_once);
  ADD ("plain-malloc", test_plain_malloc);
  ADD ("job-cancel", test_job_cancel);
  ADD ("relative-state-dir", test_relative_state_dir);
  ADD ("unsafe-state-dir", test_unsafe_state_dir);
  ADD ("recover", test_recover);
  ADD ("update", test_update);
  ADD ("revert", test_revert);
  ADD ("manage", test_manage);
  ADD ("multiattach", test_multiattach);
  ADD ("multiattach-ro-refused", test_multiattach_ro_refused);
  ADD ("extend-in-use", test_extend_in_use);
  ADD ("lost-store", test_lost_store);
#undef ADD
  return g_test_run ();
}
