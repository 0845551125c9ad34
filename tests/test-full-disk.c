/* A full file system under the state directory: the operations that free
 * space (Delete, Snapshot.Delete, TerminateConnection, Detach) still run,
 * before and after a restart; what would take space is refused with
 * NoSpace and changes nothing; and everything works again once space is
 * freed. The state directory is on a small tmpfs in a mount namespace of
 * the test's own (a user namespace too when not run as root), filled to
 * its last block by a file the daemon knows nothing of. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "service-fixture.h"
#include "test-util.h"

/* why the test cannot run here, or NULL */
static const char *no_namespace;

static gboolean
write_proc_file (const char *path, const char *text)
{
  return g_file_set_contents (path, text, -1, NULL);
}

/* A mount namespace of our own, so the tmpfs is seen by this test, its bus
 * and its daemon only, and goes away with them. */
static const char *
enter_private_mounts (void)
{
  if (geteuid () != 0)
    {
      g_autofree char *uid_map = g_strdup_printf ("0 %u 1\n", (guint) geteuid ());
      g_autofree char *gid_map = g_strdup_printf ("0 %u 1\n", (guint) getegid ());

      if (unshare (CLONE_NEWUSER | CLONE_NEWNS) != 0)
        return "cannot make a user and mount namespace (unprivileged user namespaces are off); run as root";
      if (!write_proc_file ("/proc/self/setgroups", "deny") || !write_proc_file ("/proc/self/uid_map", uid_map)
          || !write_proc_file ("/proc/self/gid_map", gid_map))
        return "cannot map our uid in a user namespace";
    }
  else if (unshare (CLONE_NEWNS) != 0)
    return "cannot make a mount namespace";
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    return "cannot make the mounts of a new mount namespace private";
  return NULL;
}

typedef struct {
  Fixture  fx;
  char    *fs;       /* the tmpfs */
  char    *filler;   /* the file that fills it */
} FullFixture;

static void
full_setup (FullFixture *ff, gconstpointer data)
{
  Fixture *fx = &ff->fx;
  g_autoptr(GError) error = NULL;

  if (no_namespace != NULL)
    {
      g_test_skip (no_namespace);
      return;
    }
  fx->dir = test_make_tmp_dir ("nova-volume-full-XXXXXX");
  ff->fs = g_build_filename (fx->dir, "fs", NULL);
  ff->filler = g_build_filename (ff->fs, "filler", NULL);
  g_assert_cmpint (g_mkdir (ff->fs, 0700), ==, 0);
  g_assert_cmpint (mount ("tmpfs", ff->fs, "tmpfs", MS_NOSUID | MS_NODEV, "size=32m,mode=0700"), ==, 0);
  fx->state_dir = g_build_filename (ff->fs, "state", NULL);
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
full_teardown (FullFixture *ff, gconstpointer data)
{
  if (ff->fs == NULL)
    return;
  fixture_teardown (&ff->fx, data);
  g_free (ff->fs);
  g_free (ff->filler);
}

/* the tmpfs is unmounted when the test's namespace goes; the tree above
 * it is removed by fixture_teardown, which must not descend into it */
static void
unmount_fs (FullFixture *ff)
{
  g_assert_cmpint (umount2 (ff->fs, MNT_DETACH), ==, 0);
}

static guint64
free_bytes (FullFixture *ff)
{
  struct statvfs st;

  g_assert_cmpint (statvfs (ff->fs, &st), ==, 0);
  return (guint64) st.f_bavail * st.f_frsize;
}

/* Appends to the filler until not one more block fits. */
static void
fill_to_last_block (FullFixture *ff)
{
  static char buffer[1 << 20];
  int fd = open (ff->filler, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  gsize chunk = sizeof buffer;

  g_assert_cmpint (fd, >=, 0);
  while (chunk >= 512)
    {
      if (write (fd, buffer, chunk) < 0)
        {
          g_assert_cmpint (errno, ==, ENOSPC);
          chunk /= 2;
        }
    }
  g_assert_cmpint (close (fd), ==, 0);
  g_assert_cmpuint (free_bytes (ff), ==, 0);
}

static void
free_filler (FullFixture *ff)
{
  g_assert_cmpint (g_unlink (ff->filler), ==, 0);
}

static guint64
reserve_held (Fixture *fx)
{
  g_autofree char *path = g_build_filename (fx->state_dir, "reserve", NULL);
  struct stat st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
  return MIN ((guint64) st.st_blocks * 512, (guint64) st.st_size);
}

static guint
count_volumes (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                    NULL, "(a{oa{sa{sv}}})", &error);
  g_autoptr(GVariant) objects = NULL;
  GVariantIter iter;
  const char *path;
  guint n = 0;

  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, NULL))
    if (g_str_has_prefix (path, ROOT_PATH "/volumes/"))
      n++;
  return n;
}

static void
test_full_disk (FullFixture *ff, gconstpointer data)
{
  Fixture *fx = &ff->fx;
  g_autofree char *kept = NULL, *in_use = NULL, *spare = NULL, *later = NULL, *snapshot = NULL;
  g_autofree char *before = NULL, *after = NULL, *device = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  if (ff->fs == NULL)
    return;
  /* the daemon keeps its reserve as soon as it starts */
  g_assert_cmpuint (reserve_held (fx), >=, 8 * MIB);

  kept = create_volume (fx, MIB, NULL);
  in_use = create_volume (fx, MIB, NULL);
  spare = create_volume (fx, MIB, NULL);
  later = create_volume (fx, MIB, NULL);
  snapshot = create_snapshot (fx, kept, FALSE);
  device = connect_volume (fx, in_use);

  /* full to the last block: what would take space is refused, and
   * nothing changes */
  fill_to_last_block (ff);
  before = fingerprint (fx);
  /* a backend on the same file system says so itself */
  reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                g_variant_new_parsed ("(%t, {'name': <'no room'>})", MIB), "(o)", &error);
  assert_dbus_error (error, "NoSpace");
  g_clear_error (&error);
  /* a change of state only: the store says what to do */
  reply = call (fx, later, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A),
                NULL, &error);
  assert_dbus_error (error, "NoSpace");
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "is full"));
  g_assert_nonnull (strstr (error->message, "free space on that file system"));
  g_clear_error (&error);
  assert_status (fx, later, IFACE_VOLUME, "available");
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (count_volumes (fx), ==, 4);

  /* what frees space runs: a disconnect, a snapshot's delete, a delete */
  disconnect_volume (fx, in_use);
  call_ok (fx, snapshot, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, spare, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  g_assert_cmpuint (count_volumes (fx), ==, 3);

  /* space back: the reserve is kept again after the next operation */
  free_filler (ff);
  g_clear_pointer (&spare, g_free);
  spare = create_volume (fx, MIB, NULL);
  g_assert_cmpuint (reserve_held (fx), >=, 8 * MIB);

  /* full again, and restarted: the daemon starts, and deletes run */
  daemon_stop (fx);
  fill_to_last_block (ff);
  daemon_start (fx);
  call_ok (fx, spare, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  call_ok (fx, later, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
  g_assert_cmpuint (count_volumes (fx), ==, 2);

  /* space back: everything works, and a restart finds what was done */
  free_filler (ff);
  g_clear_pointer (&snapshot, g_free);
  snapshot = create_snapshot (fx, kept, FALSE);
  g_clear_pointer (&device, g_free);
  device = connect_volume (fx, in_use);
  disconnect_volume (fx, in_use);
  g_clear_pointer (&before, g_free);
  before = fingerprint (fx);
  daemon_stop (fx);
  daemon_start (fx);
  g_clear_pointer (&after, g_free);
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (reserve_held (fx), >=, 8 * MIB);
  daemon_stop (fx);
  unmount_fs (ff);
}

int
main (int argc, char **argv)
{
  /* before any thread exists: unshare refuses a threaded process */
  no_namespace = enter_private_mounts ();
  g_test_init (&argc, &argv, NULL);
  if (no_namespace != NULL)
    g_printerr ("SKIP: %s\n", no_namespace);
  g_test_add ("/full-disk/deletes-run", FullFixture, NULL, full_setup, test_full_disk, full_teardown);
  return g_test_run ();
}
