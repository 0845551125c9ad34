/* Backups through the bus, with the file driver and the posix repository
 * in a scratch directory: full and incremental, restored into new and
 * existing volumes, a damaged chunk found and refused, and a second
 * daemon with an empty state directory restoring from the repository. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "service-fixture.h"
#include "test-util.h"

#define IFACE_BACKUP "org.openstack.Volume1.Backup"
#define NO_OPTIONS   "(@a{sv} {},)"

static const guint64 first_offsets[] = { 0, 4096 * 1000 + 7, 40 * MIB };
static const guint64 second_offsets[] = { 9 * MIB + 5, 63 * MIB };

/* the daemon's config: the file driver, and the repository in @fx's
 * scratch directory (apart from the state directory, as on a share) */
static char *
use_repository (Fixture *fx)
{
  char *repository = g_build_filename (fx->dir, "repository", NULL);
  g_autofree char *text = g_strdup_printf ("[DEFAULT]\nvolume_driver = file\nbackup_path = %s\n"
                                           "backup_chunk_size = 1\n", repository);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fx->config_path, text, -1, &error);
  g_assert_no_error (error);
  daemon_stop (fx);
  daemon_start (fx);
  return repository;
}

static char *
backup_of (Fixture *fx, const char *path, const char *iface, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, path, iface, "Backup", g_variant_new ("(@a{sv})", options), "(o)", &error);
  char *backup = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &backup);
  assert_status (fx, backup, IFACE_BACKUP, "available");
  return backup;
}

static char *
restore (Fixture *fx, const char *backup, GVariant *options)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, backup, IFACE_BACKUP, "Restore", g_variant_new ("(@a{sv})", options), "(o)",
                                    &error);
  char *volume = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &volume);
  assert_status (fx, volume, IFACE_VOLUME, "available");
  assert_status (fx, backup, IFACE_BACKUP, "available");
  return volume;
}

static void
assert_volume_holds (Fixture *fx, const char *volume, const Chunks *a, const Chunks *b)
{
  g_autofree char *device = connect_volume (fx, volume);

  assert_chunks (device, a);
  if (b != NULL)
    assert_chunks (device, b);
  disconnect_volume (fx, volume);
}

static guint
count_objects (Fixture *fx, const char *iface)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                                    "(a{oa{sa{sv}}})", &error);
  g_autoptr(GVariantIter) objects = NULL;
  GVariant *interfaces;
  guint n = 0;

  g_assert_no_error (error);
  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (g_variant_iter_next (objects, "{&o@a{sa{sv}}}", NULL, &interfaces))
    {
      g_autoptr(GVariant) props = g_variant_lookup_value (interfaces, iface, NULL);

      if (props != NULL)
        n++;
      g_variant_unref (interfaces);
    }
  return n;
}

/* A full backup, changes, an incremental one: each restored into a new
 * volume holds what the volume held then; one restored into an existing
 * volume too. The incremental stores about what changed. */
static void
test_full_and_incremental (Fixture *fx, gconstpointer data)
{
  static Chunks first = { .offsets = first_offsets, .n_offsets = G_N_ELEMENTS (first_offsets) };
  static Chunks second = { .offsets = second_offsets, .n_offsets = G_N_ELEMENTS (second_offsets) };
  g_autofree char *repository = use_repository (fx);
  g_autofree char *volume = create_volume (fx, 64 * MIB, g_variant_new_parsed ("{'name': <'data'>}"));
  g_autofree char *device = connect_volume (fx, volume);
  g_autofree char *full = NULL, *incremental = NULL, *parent = NULL;
  g_autofree char *from_full = NULL, *from_incremental = NULL, *target = NULL, *into = NULL;
  g_autofree char *backup_volume = NULL;
  guint64 full_stored, incremental_stored;

  write_chunks (device, &first, 11);
  disconnect_volume (fx, volume);
  full = backup_of (fx, volume, IFACE_VOLUME, g_variant_new_parsed ("{'name': <'monday'>}"));
  full_stored = get_uint64 (fx, full, IFACE_BACKUP, "StoredBytes");
  g_assert_cmpuint (full_stored, >, 3 * CHUNK);
  g_assert_cmpuint (get_uint64 (fx, full, IFACE_BACKUP, "Size"), ==, 64 * MIB);
  parent = get_string (fx, full, IFACE_BACKUP, "Parent");
  g_assert_cmpstr (parent, ==, "/");
  g_clear_pointer (&parent, g_free);
  backup_volume = get_string (fx, full, IFACE_BACKUP, "Volume");
  {
    g_autofree char *escaped = g_strdelimit (g_strdup (backup_volume), "-", '_');

    g_assert_true (g_str_has_suffix (volume, escaped));
  }

  g_clear_pointer (&device, g_free);
  device = connect_volume (fx, volume);
  write_chunks (device, &second, 12);
  disconnect_volume (fx, volume);
  incremental = backup_of (fx, volume, IFACE_VOLUME, g_variant_new_parsed ("{'incremental': <true>}"));
  parent = get_string (fx, incremental, IFACE_BACKUP, "Parent");
  g_assert_cmpstr (parent, ==, full);
  /* two 1 MiB chunks changed, each mostly zeros and 4 KiB of noise */
  incremental_stored = get_uint64 (fx, incremental, IFACE_BACKUP, "StoredBytes");
  g_assert_cmpuint (incremental_stored, >=, 2 * CHUNK);
  g_assert_cmpuint (incremental_stored, <, 4 * CHUNK);

  from_full = restore (fx, full, g_variant_new_parsed ("{'backend': <'file'>}"));
  assert_volume_holds (fx, from_full, &first, NULL);
  {
    g_autofree char *restored_device = connect_volume (fx, from_full);
    static Chunks zeros = { .offsets = second_offsets, .n_offsets = G_N_ELEMENTS (second_offsets) };

    /* where the second write went, the full backup holds zeros */
    assert_chunks (restored_device, &zeros);
    disconnect_volume (fx, from_full);
  }
  from_incremental = restore (fx, incremental, g_variant_new_parsed ("{'name': <'tuesday'>}"));
  assert_volume_holds (fx, from_incremental, &first, &second);

  /* into an existing, larger volume: its bytes replaced (where it is) */
  target = create_volume (fx, 128 * MIB, g_variant_new_parsed ("@a{sv} {}"));
  call_fails (fx, incremental, IFACE_BACKUP, "Restore",
              g_variant_new_parsed ("({'volume': <%o>, 'backend': <'file'>},)", target), "InvalidArgument");
  call_fails (fx, incremental, IFACE_BACKUP, "Restore", g_variant_new_parsed ("({'backend': <'elsewhere'>},)"),
              "NotSupported");
  into = restore (fx, incremental, g_variant_new_parsed ("{'volume': <%o>}", target));
  g_assert_cmpstr (into, ==, target);
  assert_volume_holds (fx, target, &first, &second);

  /* the full one has an incremental made on it */
  call_fails (fx, full, IFACE_BACKUP, "Delete", g_variant_new_parsed (NO_OPTIONS), "Busy");
  call_ok (fx, incremental, IFACE_BACKUP, "Delete", g_variant_new_parsed (NO_OPTIONS));
  call_ok (fx, full, IFACE_BACKUP, "Delete", g_variant_new_parsed (NO_OPTIONS));
  g_assert_cmpuint (count_objects (fx, IFACE_BACKUP), ==, 0);
}

/* the path of one chunk file of the repository */
static char *
some_chunk (const char *repository)
{
  g_autofree char *chunks = g_build_filename (repository, "chunks", NULL);
  g_autoptr(GDir) dir = g_dir_open (chunks, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *sub = g_build_filename (chunks, name, NULL);
      g_autoptr(GDir) subdir = g_dir_open (sub, 0, NULL);
      const char *file = subdir != NULL ? g_dir_read_name (subdir) : NULL;

      if (file != NULL && !g_str_has_prefix (file, "."))
        return g_build_filename (sub, file, NULL);
    }
  g_assert_not_reached ();
}

/* A chunk damaged on disk: Verify names it, Restore fails naming the
 * backup and the chunk, and leaves no volume. */
static void
test_damaged_chunk (Fixture *fx, gconstpointer data)
{
  static Chunks first = { .offsets = first_offsets, .n_offsets = 1 };
  g_autofree char *repository = use_repository (fx);
  g_autofree char *volume = create_volume (fx, 8 * MIB, g_variant_new_parsed ("@a{sv} {}"));
  g_autofree char *device = connect_volume (fx, volume);
  g_autofree char *backup = NULL, *chunk = NULL, *backup_id = NULL;
  g_autoptr(GVariant) reply = NULL, report = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;
  guint damaged = 0;
  int fd;

  write_chunks (device, &first, 21);
  disconnect_volume (fx, volume);
  backup = backup_of (fx, volume, IFACE_VOLUME, g_variant_new_parsed ("@a{sv} {}"));
  backup_id = get_string (fx, backup, IFACE_BACKUP, "Id");

  reply = call (fx, backup, IFACE_BACKUP, "Verify", g_variant_new_parsed (NO_OPTIONS), "(a{sv})", &error);
  g_assert_no_error (error);
  report = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (report, "ok", "b", &ok));
  g_assert_true (ok);
  g_clear_pointer (&reply, g_variant_unref);
  g_clear_pointer (&report, g_variant_unref);

  chunk = some_chunk (repository);
  fd = open (chunk, O_WRONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, "damage", 6, 20), ==, 6);
  close (fd);

  reply = call (fx, backup, IFACE_BACKUP, "Verify", g_variant_new_parsed (NO_OPTIONS), "(a{sv})", &error);
  g_assert_no_error (error);
  report = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (report, "ok", "b", &ok));
  g_assert_false (ok);
  g_assert_true (g_variant_lookup (report, "damaged", "u", &damaged));
  g_assert_cmpuint (damaged, ==, 1);

  g_clear_pointer (&reply, g_variant_unref);
  reply = call (fx, backup, IFACE_BACKUP, "Restore", g_variant_new_parsed (NO_OPTIONS), "(o)", &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, backup_id));
  g_assert_nonnull (strstr (error->message, "chunk 0"));
  g_clear_error (&error);
  /* the volume made for it is gone again */
  g_assert_cmpuint (count_objects (fx, IFACE_VOLUME), ==, 1);
  assert_status (fx, backup, IFACE_BACKUP, "available");
}

/* The host is lost: a daemon with a new state directory and the same
 * repository finds the backups at start and restores the same bytes. */
static void
test_second_host (Fixture *fx, gconstpointer data)
{
  static Chunks first = { .offsets = first_offsets, .n_offsets = G_N_ELEMENTS (first_offsets) };
  g_autofree char *repository = use_repository (fx);
  g_autofree char *volume = create_volume (fx, 64 * MIB, g_variant_new_parsed ("@a{sv} {}"));
  g_autofree char *device = connect_volume (fx, volume);
  g_autofree char *backup = NULL, *restored = NULL, *name = NULL;
  g_autoptr(GVariant) reply = NULL, result = NULL;
  g_autoptr(GError) error = NULL;
  guint imported = 99, known = 0;

  write_chunks (device, &first, 31);
  disconnect_volume (fx, volume);
  backup = backup_of (fx, volume, IFACE_VOLUME, g_variant_new_parsed ("{'name': <'before the fire'>}"));

  daemon_stop (fx);
  g_free (fx->state_dir);
  fx->state_dir = g_build_filename (fx->dir, "second-host", NULL);
  daemon_start (fx);
  g_assert_cmpuint (count_objects (fx, IFACE_VOLUME), ==, 0);
  g_assert_cmpuint (count_objects (fx, IFACE_BACKUP), ==, 1);
  name = get_string (fx, backup, IFACE_BACKUP, "Name");
  g_assert_cmpstr (name, ==, "before the fire");

  reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "ImportBackups", g_variant_new_parsed (NO_OPTIONS), "(a{sv})",
                &error);
  g_assert_no_error (error);
  result = g_variant_get_child_value (reply, 0);
  g_assert_true (g_variant_lookup (result, "imported", "u", &imported));
  g_assert_true (g_variant_lookup (result, "known", "u", &known));
  g_assert_cmpuint (imported, ==, 0);
  g_assert_cmpuint (known, ==, 1);

  restored = restore (fx, backup, g_variant_new_parsed ("@a{sv} {}"));
  assert_volume_holds (fx, restored, &first, NULL);
}

/* Refusals that change nothing; an in-use volume with force. */
static void
test_refusals (Fixture *fx, gconstpointer data)
{
  g_autofree char *repository = use_repository (fx);
  g_autofree char *volume = create_volume (fx, 4 * MIB, g_variant_new_parsed ("@a{sv} {}"));
  g_autofree char *backup = NULL, *before = NULL, *after = NULL;

  before = fingerprint (fx);
  call_fails (fx, volume, IFACE_VOLUME, "Backup", g_variant_new_parsed ("({'bogus': <1>},)"),
              "InvalidArgument");
  call_fails (fx, volume, IFACE_VOLUME, "Backup", g_variant_new_parsed ("({'incremental': <true>},)"),
              "InvalidState");
  call_fails (fx, volume, IFACE_VOLUME, "Backup", g_variant_new_parsed ("({'name': <'a\tb'>},)"),
              "InvalidArgument");
  call_fails (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
              g_variant_new_parsed ("(@t 0, {'backup': <@o '/org/openstack/Volume1/backups/"
                                    "0c36f3a2_5d29_4f4c_a0f5_6a5e8c7b9d10'>})"),
              "NotFound");
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);

  /* in use: refused without force, read from a temporary snapshot with it */
  call_ok (fx, volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  call_fails (fx, volume, IFACE_VOLUME, "Backup", g_variant_new_parsed (NO_OPTIONS), "InvalidState");
  backup = backup_of (fx, volume, IFACE_VOLUME, g_variant_new_parsed ("{'force': <true>}"));
  g_assert_cmpuint (count_objects (fx, IFACE_SNAPSHOT), ==, 0);
  assert_status (fx, volume, IFACE_VOLUME, "in-use");

  /* no repository: NotSupported, saying why */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autofree char *text = g_strdup ("[DEFAULT]\nvolume_driver = file\nbackup_driver = none\n");

    g_file_set_contents (fx->config_path, text, -1, &error);
    g_assert_no_error (error);
    daemon_stop (fx);
    daemon_start (fx);
    reply = call (fx, volume, IFACE_VOLUME, "Backup", g_variant_new_parsed ("({'force': <true>},)"), "(o)", &error);
    assert_dbus_error (error, "NotSupported");
    g_assert_nonnull (strstr (error->message, "backup_driver = none"));
  }

  /* backup_driver = ceph where the Ceph repository's module cannot be
   * loaded (a module directory holding only the file driver): the daemon
   * serves its volumes, and a backup says why it cannot be made */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autofree char *modules = g_build_filename (fx->dir, "modules", NULL);
    g_autofree char *file_module = nova_volume_driver_module_path ("file");
    g_autofree char *copy = g_build_filename (modules, "libnova-volume-driver-file.so", NULL);
    g_autofree char *bytes = NULL;
    gsize len = 0;

    g_assert_cmpint (g_mkdir (modules, 0700), ==, 0);
    g_assert_true (g_file_get_contents (file_module, &bytes, &len, &error));
    g_assert_true (g_file_set_contents (copy, bytes, (gssize) len, &error));
    g_assert_true (g_file_set_contents (fx->config_path, "[DEFAULT]\nvolume_driver = file\nbackup_driver = ceph\n", -1,
                                        &error));
    g_assert_no_error (error);
    daemon_stop (fx);
    g_setenv ("NOVA_VOLUME_DRIVER_DIR", modules, TRUE);
    daemon_start (fx);
    g_unsetenv ("NOVA_VOLUME_DRIVER_DIR");
    assert_status (fx, volume, IFACE_VOLUME, "in-use");
    reply = call (fx, volume, IFACE_VOLUME, "Backup", g_variant_new_parsed ("({'force': <true>},)"), "(o)", &error);
    assert_dbus_error (error, "NotSupported");
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "cannot load the Ceph repository's module"));
  }
}

/* A backup cancelled half way (the logging driver holds the read until
 * its Job is cancelled): Cancelled, and no backup is left; the volume is
 * as it was. */
static void
test_cancel (Fixture *fx, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL, objects = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *volume = NULL, *job = NULL;

  use_held_copies (fx);
  volume = create_volume (fx, 8 * MIB, g_variant_new_parsed ("@a{sv} {}"));
  job = start_call_with_job (fx, volume, IFACE_VOLUME, "Backup", g_variant_new_parsed (NO_OPTIONS), NULL, &result);
  wait_job_half_way (fx, job);
  objects = get_property (fx, job, "org.openstack.Volume1.Job", "Objects");
  g_assert_cmpuint (g_variant_n_children (objects), ==, 2);
  g_assert_cmpuint (count_objects (fx, IFACE_BACKUP), ==, 1);
  call_ok (fx, job, "org.openstack.Volume1.Job", "Cancel", g_variant_new_parsed (NO_OPTIONS));
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_finish (fx->connection, result, &error);
  g_assert_null (reply);
  assert_dbus_error (error, "Cancelled");
  g_assert_cmpuint (count_objects (fx, IFACE_BACKUP), ==, 0);
  assert_status (fx, volume, IFACE_VOLUME, "available");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/backups/full-and-incremental", Fixture, NULL, fixture_setup, test_full_and_incremental,
              fixture_teardown);
  g_test_add ("/backups/damaged-chunk", Fixture, NULL, fixture_setup, test_damaged_chunk, fixture_teardown);
  g_test_add ("/backups/second-host", Fixture, NULL, fixture_setup, test_second_host, fixture_teardown);
  g_test_add ("/backups/refusals", Fixture, NULL, fixture_setup, test_refusals, fixture_teardown);
  g_test_add ("/backups/cancel", Fixture, NULL, fixture_setup, test_cancel, fixture_teardown);
  return g_test_run ();
}
