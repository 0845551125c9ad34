/* Crash safety: the daemon is killed at every named crash point a
 * workload passes (create, create from snapshot, clone, connect, attach,
 * snapshot, extend, detach, disconnect, delete, migrate to a second
 * backend, create from an image, copy into an image, back up, restore,
 * delete a backup), and with SIGKILL from
 * outside while a long copy runs; after a restart on the same state dir:
 * - every volume the client saw created exists, with its bytes (one made
 *   from an image, with the image's), and one not changed since is
 *   available;
 * - nothing is left in a transitional status, and an error has a reason;
 * - no backing file without a row, none on a backend its volume does not
 *   live on (a migrate cut short leaves no copy), no available volume
 *   without its file, no connection of a volume that is gone;
 * - every available backup reads back whole (Verify): a backup cut short
 *   is in error or gone, never a manifest naming missing chunks; a
 *   volume the client saw restored holds the backup's bytes;
 * - the store passes PRAGMA integrity_check and foreign_key_check.
 * The points are found by running the workload once with a trace, so a
 * point added to the manager is tested without touching this file. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include "service-fixture.h"

#define IFACE_BACKUP "org.openstack.Volume1.Backup"

#define PATTERN_LEN 4096

/* What the client saw succeed. */
typedef struct {
  gboolean died;             /* a call found the daemon gone */
  char    *volume;           /* created, written, attached, extended, ... */
  char    *snapshot;
  char    *from_snapshot;
  char    *clone;
  gboolean clone_deleted;     /* the Delete returned */
  gboolean snapshot_deleted;
  gboolean clone_delete_sent; /* a Delete cut short may or may not be */
  gboolean snapshot_delete_sent; /* finished by the restart */
  gboolean migrated;          /* the Migrate to the second backend returned */
  gboolean written;
  guint8   pattern[PATTERN_LEN];
  char    *imported;          /* made from an image, whose bytes it holds */
  guint8   image_pattern[PATTERN_LEN];
  gboolean exported;          /* CopyToImage returned */
  gboolean manage_sent;       /* ManageExisting of legacy.img was called */
  char    *managed;           /* ... and returned this volume */
  guint8   legacy_pattern[PATTERN_LEN];
  gboolean unmanage_sent;     /* its Unmanage was called (a cut short one may be either) */
  gboolean unmanaged;         /* ... and returned */
  char    *backup;            /* Volume.Backup returned it, holding the pattern */
  char    *incremental;       /* and an incremental one */
  gboolean incremental_delete_sent;
  gboolean incremental_deleted;
  char    *restored;          /* Backup.Restore made it, with the pattern */
  char    *restore_target;    /* an existing volume restored into... */
  gboolean restored_into;     /* ... and the Restore returned */
} Seen;

static void
seen_clear (Seen *seen)
{
  g_free (seen->volume);
  g_free (seen->snapshot);
  g_free (seen->from_snapshot);
  g_free (seen->clone);
  g_free (seen->imported);
  g_free (seen->managed);
  g_free (seen->backup);
  g_free (seen->incremental);
  g_free (seen->restored);
  g_free (seen->restore_target);
}

/* One call of the workload. A failure that is not the daemon dying is a
 * bug in the workload or the daemon: the test stops there. */
static GVariant *step_with_fd (Fixture *fx, Seen *seen, const char *path, const char *iface, const char *method,
                                GVariant *params, int fd);

static GVariant *
step (Fixture *fx, Seen *seen, const char *path, const char *iface, const char *method, GVariant *params)
{
  return step_with_fd (fx, seen, path, iface, method, params, -1);
}

/* step(), with @fd (when not -1) passed along as handle 0 */
static GVariant *
step_with_fd (Fixture *fx, Seen *seen, const char *path, const char *iface, const char *method, GVariant *params,
              int fd)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = NULL;
  GVariant *reply;

  if (seen->died)
    {
      if (params != NULL)
        g_variant_unref (g_variant_ref_sink (params));
      return NULL;
    }
  reply = fd >= 0 ? call_with_fd (fx, path, iface, method, params, fd, NULL, &error)
                  : call (fx, path, iface, method, params, NULL, &error);
  if (reply != NULL)
    return reply;
  remote = g_dbus_error_get_remote_error (error);
  if (remote == NULL || !g_str_has_prefix (remote, "org.openstack.Volume1.Error."))
    {
      /* NoReply, a closed connection or ServiceUnknown: the daemon died */
      seen->died = TRUE;
      return NULL;
    }
  g_error ("%s on %s failed: %s", method, path, error->message);
}

static char *
step_path (Fixture *fx, Seen *seen, const char *path, const char *iface, const char *method, GVariant *params)
{
  g_autoptr(GVariant) reply = step (fx, seen, path, iface, method, params);
  char *result = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(o)", &result);
  return result;
}

/* a 1 MiB raw image with random bytes at 4096; a volume made from it,
 * then copied out into another file */
static void
import_and_export (Fixture *fx, Seen *seen)
{
  g_autofree char *image = g_build_filename (fx->dir, "image.raw", NULL);
  g_autofree char *out = g_build_filename (fx->dir, "export.raw", NULL);
  g_autoptr(GVariant) reply = NULL;
  int fd;

  for (gsize i = 0; i < PATTERN_LEN; i++)
    seen->image_pattern[i] = (guint8) g_random_int ();
  fd = open (image, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 1024 * 1024), ==, 0);
  g_assert_cmpint (pwrite (fd, seen->image_pattern, PATTERN_LEN, 4096), ==, PATTERN_LEN);
  reply = step_with_fd (fx, seen, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                        g_variant_new_parsed ("(@t 0, {'image-fd': <@h 0>})"), fd);
  close (fd);
  if (reply == NULL)
    return;
  g_variant_get (reply, "(o)", &seen->imported);
  g_clear_pointer (&reply, g_variant_unref);
  fd = open (out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  reply = step_with_fd (fx, seen, seen->imported, IFACE_VOLUME, "CopyToImage",
                        g_variant_new_parsed ("(@h 0, 'raw', @a{sv} {})"), fd);
  close (fd);
  seen->exported = reply != NULL;
}

static gboolean step_ok (Fixture *fx, Seen *seen, const char *path, const char *iface, const char *method,
                         GVariant *params);

/* a 1 MiB file another tool left in the volumes directory, taken as a
 * volume and let go of again */
static void
manage_and_unmanage (Fixture *fx, Seen *seen)
{
  g_autofree char *legacy = g_build_filename (fx->state_dir, "volumes", "legacy.img", NULL);
  g_autoptr(GVariant) reply = NULL;
  int fd;

  if (seen->died)
    return;
  for (gsize i = 0; i < PATTERN_LEN; i++)
    seen->legacy_pattern[i] = (guint8) g_random_int ();
  fd = open (legacy, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 1024 * 1024), ==, 0);
  g_assert_cmpint (pwrite (fd, seen->legacy_pattern, PATTERN_LEN, 4096), ==, PATTERN_LEN);
  close (fd);
  seen->manage_sent = TRUE;
  seen->managed = step_path (fx, seen, MANAGER_PATH, IFACE_MANAGER, "ManageExisting",
                             g_variant_new_parsed ("('legacy.img', @a{sv} {})"));
  seen->unmanage_sent = seen->managed != NULL;
  if (seen->managed != NULL)
    seen->unmanaged = step_ok (fx, seen, seen->managed, IFACE_VOLUME, "Unmanage",
                               g_variant_new_parsed ("(@a{sv} {},)"));
}

/* the volume backed up (in use: from a temporary snapshot), again as an
 * incremental, restored into a new volume and into an existing one, the
 * incremental deleted */
static void
backup_and_restore (Fixture *fx, Seen *seen)
{
  g_autoptr(GVariant) reply = NULL;

  if (seen->died || seen->volume == NULL)
    return;
  step_ok (fx, seen, seen->volume, IFACE_VOLUME, "Attach", g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_B));
  seen->backup = step_path (fx, seen, seen->volume, IFACE_VOLUME, "Backup", g_variant_new_parsed ("({'force': <true>},)"));
  step_ok (fx, seen, seen->volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  if (seen->backup == NULL)
    return;
  seen->incremental = step_path (fx, seen, seen->volume, IFACE_VOLUME, "Backup",
                                 g_variant_new_parsed ("({'incremental': <true>},)"));
  seen->restored = step_path (fx, seen, seen->backup, IFACE_BACKUP, "Restore", g_variant_new_parsed ("(@a{sv} {},)"));
  seen->restore_target = step_path (fx, seen, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                                    g_variant_new_parsed ("(@t 33554432, @a{sv} {})"));
  if (seen->restore_target != NULL)
    seen->restored_into = step_ok (fx, seen, seen->backup, IFACE_BACKUP, "Restore",
                                   g_variant_new_parsed ("({'volume': <%o>},)", seen->restore_target));
  seen->incremental_delete_sent = !seen->died && seen->incremental != NULL;
  if (seen->incremental != NULL)
    seen->incremental_deleted = step_ok (fx, seen, seen->incremental, IFACE_BACKUP, "Delete",
                                         g_variant_new_parsed ("(@a{sv} {},)"));
}

static gboolean
step_ok (Fixture *fx, Seen *seen, const char *path, const char *iface, const char *method, GVariant *params)
{
  g_autoptr(GVariant) reply = step (fx, seen, path, iface, method, params);

  return reply != NULL;
}

static void
write_pattern (Seen *seen, const char *device)
{
  int fd = open (device, O_WRONLY | O_CLOEXEC);

  for (gsize i = 0; i < PATTERN_LEN; i++)
    seen->pattern[i] = (guint8) g_random_int ();
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, seen->pattern, PATTERN_LEN, 4096), ==, PATTERN_LEN);
  g_assert_cmpint (fsync (fd), ==, 0);
  close (fd);
  seen->written = TRUE;
}

/* Two file backends: "file" in the state directory's volumes/ (where the
 * workload creates, through the default type) and "other" in other/, the
 * migrate's target. */
static void
write_two_backends (Fixture *fx)
{
  g_autofree char *text = g_strdup_printf ("[DEFAULT]\nstorage_availability_zone = nova\n"
                                           "default_volume_type = main\n"
                                           "[backend:file]\nvolume_driver = file\n"
                                           "[backend:other]\nvolume_driver = file\n"
                                           "file_volumes_dir = %s/other\n"
                                           "[type:main]\nbackend = file\n", fx->state_dir);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (fx->config_path, text, -1, &error);
  g_assert_no_error (error);
}

/* Every kind of change the manager makes, in an order where each step's
 * first crash point is its own; stops at the first call the daemon does
 * not answer. */
static void
run_workload (Fixture *fx, Seen *seen)
{
  const char *conn = "({'ip': <'10.0.0.7'>, 'host': <'compute7'>},)";
  g_autoptr(GVariant) info = NULL;

  seen->volume = step_path (fx, seen, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                            g_variant_new_parsed ("(@t 8388608, @a{sv} {})"));
  info = step (fx, seen, seen->volume, IFACE_VOLUME, "InitializeConnection", g_variant_new_parsed (conn));
  if (info != NULL)
    {
      g_autoptr(GVariant) dict = g_variant_get_child_value (info, 0);
      g_autoptr(GVariant) data = g_variant_lookup_value (dict, "data", G_VARIANT_TYPE_VARDICT);
      const char *device = NULL;

      g_assert_true (g_variant_lookup (data, "device_path", "&s", &device));
      write_pattern (seen, device);
    }
  step_ok (fx, seen, seen->volume, IFACE_VOLUME, "Attach",
           g_variant_new_parsed ("(%s, '/dev/vdb', @a{sv} {})", INSTANCE_A));
  seen->snapshot = step_path (fx, seen, seen->volume, IFACE_VOLUME, "CreateSnapshot",
                              g_variant_new_parsed ("({'force': <true>},)"));
  if (seen->snapshot != NULL)
    seen->from_snapshot = step_path (fx, seen, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                                     g_variant_new_parsed ("(@t 0, {'snapshot': <%o>})", seen->snapshot));
  if (seen->volume != NULL)
    seen->clone = step_path (fx, seen, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                             g_variant_new_parsed ("(@t 0, {'source-volume': <%o>})", seen->volume));
  step_ok (fx, seen, seen->volume, IFACE_VOLUME, "Detach", g_variant_new_parsed ("(@a{sv} {},)"));
  step_ok (fx, seen, seen->volume, IFACE_VOLUME, "Extend", g_variant_new_parsed ("(@t 16777216, @a{sv} {})"));
  step_ok (fx, seen, seen->volume, IFACE_VOLUME, "TerminateConnection", g_variant_new_parsed (conn));
  /* a snapshot at the new size and the volume reverted to it (the bytes
   * stay the pattern: both hold it), then the snapshot goes */
  {
    g_autofree char *latest = NULL;

    if (seen->volume != NULL)
      latest = step_path (fx, seen, seen->volume, IFACE_VOLUME, "CreateSnapshot",
                          g_variant_new_parsed ("(@a{sv} {},)"));
    if (latest != NULL)
      {
        step_ok (fx, seen, seen->volume, IFACE_VOLUME, "RevertToSnapshot",
                 g_variant_new_parsed ("(%o, @a{sv} {})", latest));
        step_ok (fx, seen, latest, IFACE_SNAPSHOT, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
      }
  }
  seen->clone_delete_sent = !seen->died;
  seen->clone_deleted = step_ok (fx, seen, seen->clone, IFACE_VOLUME, "Delete",
                                 g_variant_new_parsed ("(@a{sv} {},)"));
  seen->snapshot_delete_sent = !seen->died;
  seen->snapshot_deleted = step_ok (fx, seen, seen->snapshot, IFACE_SNAPSHOT, "Delete",
                                    g_variant_new_parsed ("(@a{sv} {},)"));
  /* without snapshots or hosts now: the volume moves, with its bytes */
  if (seen->snapshot_deleted && seen->from_snapshot != NULL)
    seen->migrated = step_ok (fx, seen, seen->volume, IFACE_VOLUME, "Migrate",
                              g_variant_new_parsed ("('other', @a{sv} {})"));
  import_and_export (fx, seen);
  manage_and_unmanage (fx, seen);
  backup_and_restore (fx, seen);
}

/* ---- the checks after a restart ---------------------------------------- */

static gboolean
status_is_settled (const char *status)
{
  const char *const settled[] = { "available", "in-use", "error", "error_deleting", NULL };

  return g_strv_contains (settled, status);
}

static char *
id_of (const char *path)
{
  return g_strdelimit (g_strdup (strrchr (path, '/') + 1), "_", '-');
}

static gboolean
has_object (GVariant *objects, const char *path)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (objects, path, NULL);

  return value != NULL;
}

/* @path is a volume, @status */
static void
assert_volume_status (GVariant *objects, const char *path, const char *status)
{
  g_autoptr(GVariant) ifaces = g_variant_lookup_value (objects, path, NULL);
  g_autoptr(GVariant) props = NULL;
  const char *seen = NULL;

  if (ifaces == NULL)
    g_error ("%s is gone after the restart", path);
  props = g_variant_lookup_value (ifaces, IFACE_VOLUME, G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (props);
  g_assert_true (g_variant_lookup (props, "Status", "&s", &seen));
  if (!g_str_equal (seen, status))
    g_error ("%s is %s after the restart, not %s", path, seen, status);
}

/* Every available backup reads back whole. */
static void
check_backups (Fixture *fx, GVariant *objects)
{
  GVariantIter iter;
  const char *path;
  GVariant *ifaces;

  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &ifaces))
    {
      g_autoptr(GVariant) owned = ifaces;
      g_autoptr(GVariant) props = g_variant_lookup_value (ifaces, IFACE_BACKUP, G_VARIANT_TYPE_VARDICT);
      g_autoptr(GVariant) reply = NULL, report = NULL;
      g_autoptr(GError) error = NULL;
      const char *status = NULL;
      gboolean ok = FALSE;

      if (props == NULL || !g_variant_lookup (props, "Status", "&s", &status) || !g_str_equal (status, "available"))
        continue;
      reply = call (fx, path, IFACE_BACKUP, "Verify", g_variant_new_parsed ("(@a{sv} {},)"), "(a{sv})", &error);
      g_assert_no_error (error);
      report = g_variant_get_child_value (reply, 0);
      g_assert_true (g_variant_lookup (report, "ok", "b", &ok));
      if (!ok)
        g_error ("backup %s is available but does not read back whole: %s", path, g_variant_print (report, FALSE));
    }
}

/* Every object is settled, errors say why, what the client saw created
 * is there (and what it saw deleted is not). */
static void
check_objects (Fixture *fx, const Seen *seen)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                    NULL, "(a{oa{sa{sv}}})", &error);
  g_autoptr(GVariant) objects = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *ifaces;

  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &ifaces))
    {
      g_autoptr(GVariant) owned = ifaces;
      g_autoptr(GVariant) props = g_variant_lookup_value (ifaces, IFACE_VOLUME, G_VARIANT_TYPE_VARDICT);
      const char *status = NULL, *reason = NULL;

      if (props == NULL)
        props = g_variant_lookup_value (ifaces, IFACE_SNAPSHOT, G_VARIANT_TYPE_VARDICT);
      if (props == NULL)
        props = g_variant_lookup_value (ifaces, IFACE_BACKUP, G_VARIANT_TYPE_VARDICT);
      if (props == NULL)
        continue;
      g_assert_true (g_variant_lookup (props, "Status", "&s", &status));
      g_assert_true (g_variant_lookup (props, "StatusReason", "&s", &reason));
      if (!status_is_settled (status))
        g_error ("%s is still %s after the restart", path, status);
      if (g_str_has_prefix (status, "error") && *reason == '\0')
        g_error ("%s is %s without a reason", path, status);
    }

  if (seen->volume != NULL)
    g_assert_true (has_object (objects, seen->volume));
  /* made, answered and not changed since (an export leaves its volume
   * as it was): available, as the answer said */
  if (seen->imported != NULL)
    assert_volume_status (objects, seen->imported, "available");
  if (seen->from_snapshot != NULL)
    assert_volume_status (objects, seen->from_snapshot, "available");
  /* an object whose Delete was cut short may be either */
  if (seen->clone != NULL && (seen->clone_deleted || !seen->clone_delete_sent))
    g_assert_true (has_object (objects, seen->clone) == !seen->clone_deleted);
  if (seen->snapshot != NULL && (seen->snapshot_deleted || !seen->snapshot_delete_sent))
    g_assert_true (has_object (objects, seen->snapshot) == !seen->snapshot_deleted);
  if (seen->managed != NULL && !seen->unmanage_sent)
    g_assert_true (has_object (objects, seen->managed));
  if (seen->unmanaged)
    g_assert_false (has_object (objects, seen->managed));
  if (seen->backup != NULL)
    g_assert_true (has_object (objects, seen->backup));
  if (seen->restored != NULL)
    g_assert_true (has_object (objects, seen->restored));
  if (seen->incremental != NULL && (seen->incremental_deleted || !seen->incremental_delete_sent))
    g_assert_true (has_object (objects, seen->incremental) == !seen->incremental_deleted);
  check_backups (fx, objects);
}

/* The bytes written through the connection are still there, on the
 * backend the volume says it lives on. */
static void check_image_bytes (Fixture *fx, const Seen *seen);

/* The file another tool left is never lost: its bytes are in legacy.img
 * or, once managed, in exactly one volume file. */
static void
check_legacy_bytes (Fixture *fx, const Seen *seen)
{
  g_autofree char *volumes_dir = g_build_filename (fx->state_dir, "volumes", NULL);
  g_autoptr(GDir) dir = g_dir_open (volumes_dir, 0, NULL);
  const char *name;
  guint holders = 0;

  if (!seen->manage_sent)
    return;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (volumes_dir, name, NULL);
      guint8 back[PATTERN_LEN];
      int fd = open (file, O_RDONLY | O_CLOEXEC);

      if (fd < 0)
        continue;
      if (pread (fd, back, PATTERN_LEN, 4096) == PATTERN_LEN && memcmp (back, seen->legacy_pattern, PATTERN_LEN) == 0)
        holders++;
      close (fd);
    }
  g_assert_cmpuint (holders, ==, 1);
}

/* @volume (when not NULL) holds the pattern at 4096, wherever it lives */
static void
check_pattern_in (Fixture *fx, const Seen *seen, const char *volume)
{
  g_autofree char *device = NULL;
  guint8 back[PATTERN_LEN];
  int fd;

  if (volume == NULL)
    return;
  device = connect_volume (fx, volume);
  fd = open (device, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, back, PATTERN_LEN, 4096), ==, PATTERN_LEN);
  close (fd);
  disconnect_volume (fx, volume);
  g_assert_cmpmem (back, PATTERN_LEN, seen->pattern, PATTERN_LEN);
}

static void
check_bytes (Fixture *fx, const Seen *seen)
{
  check_image_bytes (fx, seen);
  check_legacy_bytes (fx, seen);
  check_pattern_in (fx, seen, seen->restored);
  if (seen->restored_into)
    check_pattern_in (fx, seen, seen->restore_target);
  g_autofree char *id = NULL;
  g_autofree char *file = NULL;
  g_autofree char *backend = NULL;
  guint8 back[PATTERN_LEN];
  int fd;

  if (!seen->written)
    return;
  id = id_of (seen->volume);
  backend = get_string (fx, seen->volume, IFACE_VOLUME, "Backend");
  if (seen->migrated)
    g_assert_cmpstr (backend, ==, "other");
  file = g_strdup_printf ("%s/%s/volume-%s", fx->state_dir, g_str_equal (backend, "other") ? "other" : "volumes",
                          id);
  fd = open (file, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, back, PATTERN_LEN, 4096), ==, PATTERN_LEN);
  close (fd);
  g_assert_cmpmem (back, PATTERN_LEN, seen->pattern, PATTERN_LEN);
}

/* a volume the client saw made from an image holds the image's bytes,
 * whatever happened to its export after */
static void
check_image_bytes (Fixture *fx, const Seen *seen)
{
  g_autofree char *id = NULL, *file = NULL, *status = NULL;
  guint8 back[PATTERN_LEN];
  int fd;

  if (seen->imported == NULL)
    return;
  status = get_string (fx, seen->imported, IFACE_VOLUME, "Status");
  g_assert_cmpstr (status, ==, "available");
  id = id_of (seen->imported);
  file = g_strdup_printf ("%s/volumes/volume-%s", fx->state_dir, id);
  fd = open (file, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, back, PATTERN_LEN, 4096), ==, PATTERN_LEN);
  close (fd);
  g_assert_cmpmem (back, PATTERN_LEN, seen->image_pattern, PATTERN_LEN);
}

static GHashTable *
query_set (sqlite3 *db, const char *sql)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (set, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         g_strdup (sqlite3_column_count (stmt) > 1 ? (const char *) sqlite3_column_text (stmt, 1) : ""));
  sqlite3_finalize (stmt);
  return set;
}

static void
check_pragma (sqlite3 *db, const char *sql, const char *expected)
{
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (expected == NULL)
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);  /* no rows: no violation */
  else
    {
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, expected);
    }
  sqlite3_finalize (stmt);
}

/* With the daemon stopped: the store is sound, and the backend's own
 * listing (the volumes directory) matches it. */
static void
check_store_and_backend (Fixture *fx, const Seen *seen, gboolean file_backend)
{
  g_autoptr(GHashTable) released = NULL;
  guint unrecorded = 0;
  g_autofree char *db_path = g_build_filename (fx->state_dir, "nova-volume.db", NULL);
  g_autofree char *volumes_dir = g_build_filename (fx->state_dir, "volumes", NULL);
  g_autoptr(GHashTable) volumes = NULL;
  g_autoptr(GHashTable) snapshots = NULL;
  g_autoptr(GHashTable) orphans = NULL;
  g_autoptr(GHashTable) backends = NULL;
  g_autoptr(GDir) dir = NULL;
  GHashTableIter iter;
  gpointer key, value;
  const char *name;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  check_pragma (db, "PRAGMA integrity_check", "ok");
  check_pragma (db, "PRAGMA foreign_key_check", NULL);
  volumes = query_set (db, "SELECT id, status FROM volumes");
  backends = query_set (db, "SELECT id, backend FROM volumes");
  snapshots = query_set (db, "SELECT id, status FROM snapshots");
  released = query_set (db, "SELECT id, backend FROM released");
  /* connections and export numbers (target numbers, blades) go with
   * their volume: none may outlive it */
  orphans = query_set (db, "SELECT volume_id FROM connections WHERE volume_id NOT IN (SELECT id FROM volumes) "
                           "UNION SELECT volume_id FROM export_numbers WHERE volume_id NOT IN (SELECT id FROM volumes)");
  sqlite3_close (db);
  g_assert_cmpuint (g_hash_table_size (orphans), ==, 0);
  if (!file_backend)
    return;

  /* no file the store does not know; a copy cut short (<name>.partial)
   * belongs to its volume, which must then be in error (deleting it
   * removes the partial file too) */
  dir = g_dir_open (volumes_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *base = g_str_has_suffix (name, ".partial")
                              ? g_strndup (name, strlen (name) - strlen (".partial")) : g_strdup (name);
      const char *status = NULL;

      if (g_str_has_prefix (base, "volume-"))
        status = g_hash_table_lookup (volumes, base + 7);
      else if (g_str_has_prefix (base, "snapshot-"))
        status = g_hash_table_lookup (snapshots, base + 9);
      /* the workload's own file, before it is managed; one let go of */
      if (g_str_equal (name, "legacy.img")
          || (g_str_has_prefix (name, "volume-") && g_hash_table_contains (released, name + 7)))
        continue;
      /* a manage cut short after the rename: data without a row, which
       * every start reports (--recover records it) */
      if (status == NULL && g_str_has_prefix (name, "volume-") && seen->manage_sent && seen->managed == NULL
          && unrecorded++ == 0)
        continue;
      if (status == NULL)
        g_error ("%s/%s is in no row of the store: a leak", volumes_dir, name);
      if (!g_str_equal (base, name) && !g_str_has_prefix (status, "error"))
        g_error ("%s/%s is left of a copy, but its volume is %s", volumes_dir, name, status);
      if (g_str_has_prefix (base, "volume-") && !g_str_equal (g_hash_table_lookup (backends, base + 7), "file"))
        g_error ("%s/%s is left of a migrate: its volume lives on backend %s", volumes_dir, name,
                 (char *) g_hash_table_lookup (backends, base + 7));
    }
  if (unrecorded > 0)
    {
      g_autofree char *log = NULL;

      g_assert_true (g_file_get_contents (fx->log_path, &log, NULL, NULL));
      g_assert_nonnull (strstr (log, "that the store has no record of"));
    }
  /* the second backend holds only the volumes that live there */
  {
    g_autofree char *other_dir = g_build_filename (fx->state_dir, "other", NULL);
    g_autoptr(GDir) other = g_dir_open (other_dir, 0, NULL);

    while (other != NULL && (name = g_dir_read_name (other)) != NULL)
      {
        const char *backend = g_str_has_prefix (name, "volume-") ? g_hash_table_lookup (backends, name + 7) : NULL;

        /* a snapshot of a volume that moved there (a backup's temporary
         * one, cut short, is in error to be deleted) */
        if (g_str_has_prefix (name, "snapshot-") && g_hash_table_contains (snapshots, name + 9))
          continue;
        if (g_strcmp0 (backend, "other") != 0)
          g_error ("%s/%s is left of a migrate: its volume lives on backend %s", other_dir, name,
                   backend != NULL ? backend : "(none: no such volume)");
      }
  }
  /* no usable volume or snapshot without its file */
  g_hash_table_iter_init (&iter, volumes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_equal (value, "available") || g_str_equal (value, "in-use"))
      {
        gboolean other = g_str_equal (g_hash_table_lookup (backends, key), "other");
        g_autofree char *file = g_strdup_printf ("%s/%s/volume-%s", fx->state_dir, other ? "other" : "volumes",
                                                 (char *) key);
        g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
      }
  g_hash_table_iter_init (&iter, snapshots);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_equal (value, "available"))
      {
        g_autofree char *file = g_strdup_printf ("%s/snapshot-%s", volumes_dir, (char *) key);
        g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
      }
}

/* ---- the tests -------------------------------------------------------- */

/* The daemon killed itself (SIGKILL at the point) or was killed. */
static void
wait_killed (Fixture *fx)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (fx->daemon, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_signaled (fx->daemon) || g_subprocess_get_term_sig (fx->daemon) != SIGKILL)
    {
      print_daemon_log (fx);
      g_error ("nova-volumed was not killed");
    }
  g_clear_object (&fx->daemon);
}

static void
restart_and_check (Fixture *fx, const Seen *seen)
{
  daemon_start (fx);
  check_objects (fx, seen);
  check_bytes (fx, seen);
  daemon_stop (fx);
  check_store_and_backend (fx, seen, TRUE);
  /* and a second start finds it all as it was left: the reconcile is
   * idempotent */
  daemon_start (fx);
  check_objects (fx, seen);
}

static void
test_crash_point (Fixture *fx, gconstpointer data)
{
  const char *point = data;
  Seen seen = { 0 };

  write_two_backends (fx);
  g_setenv ("NOVA_VOLUME_CRASH_AT", point, TRUE);
  daemon_start (fx);
  g_unsetenv ("NOVA_VOLUME_CRASH_AT");

  run_workload (fx, &seen);
  if (!seen.died)
    g_error ("the workload passed %s without crashing there", point);
  wait_killed (fx);
  restart_and_check (fx, &seen);
  seen_clear (&seen);
}

/* SIGKILL from outside while a clone copies (the logging driver holds it
 * until cancelled): the half-made clone is settled, the source intact. */
static void
test_kill_during_held_copy (Fixture *fx, gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *source = NULL;
  g_autofree char *job = NULL;
  Seen seen = { 0 };

  use_held_copies (fx);
  source = create_volume (fx, 8 * 1024 * 1024, NULL);
  job = start_held_clone (fx, source, &result);
  g_subprocess_send_signal (fx->daemon, SIGKILL);
  wait_killed (fx);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  seen.volume = g_strdup (source);
  daemon_start (fx);
  check_objects (fx, &seen);
  daemon_stop (fx);
  /* the logging driver keeps nothing to compare with */
  check_store_and_backend (fx, &seen, FALSE);
  seen_clear (&seen);
}

static void
on_job_added (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
              const char *signal, GVariant *params, gpointer user_data)
{
  gboolean *added = user_data;
  const char *object_path = NULL;

  g_variant_get_child (params, 0, "&o", &object_path);
  if (g_str_has_prefix (object_path, ROOT_PATH "/jobs/"))
    *added = TRUE;
}

static void
store_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* SIGKILL from outside while the file driver copies real data into a
 * clone: killed as soon as the copy's Job shows (or after it, on a
 * machine that copies faster than it signals): the source keeps its
 * bytes, the clone is settled either way, nothing leaks. */
static void
test_kill_during_copy (Fixture *fx, gconstpointer data)
{
  const gsize size = 128 * 1024 * 1024;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree guint8 *chunk = g_malloc (1024 * 1024);
  g_autofree char *device = NULL;
  gboolean job_added = FALSE;
  Seen seen = { 0 };
  guint subscription;
  int fd;

  seen.volume = create_volume (fx, size, NULL);
  device = connect_volume (fx, seen.volume);
  write_pattern (&seen, device);
  /* real data after the pattern, so the copy has work to do */
  memset (chunk, 0x5a, 1024 * 1024);
  fd = open (device, O_WRONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  for (gsize offset = 1024 * 1024; offset < size; offset += 1024 * 1024)
    g_assert_cmpint (pwrite (fd, chunk, 1024 * 1024, (off_t) offset), ==, 1024 * 1024);
  g_assert_cmpint (fsync (fd), ==, 0);
  close (fd);

  subscription = g_dbus_connection_signal_subscribe (fx->connection, BUS_NAME, "org.freedesktop.DBus.ObjectManager",
                                                      "InterfacesAdded", ROOT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                      on_job_added, &job_added, NULL);
  g_dbus_connection_call (fx->connection, BUS_NAME, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                          g_variant_new_parsed ("(@t 0, {'source-volume': <%o>})", seen.volume), NULL,
                          G_DBUS_CALL_FLAGS_NONE, G_MAXINT, NULL, store_reply, &result);
  while (!job_added && result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_dbus_connection_signal_unsubscribe (fx->connection, subscription);
  g_test_message ("killed %s the copy ended", result == NULL ? "before" : "after");
  g_subprocess_send_signal (fx->daemon, SIGKILL);
  wait_killed (fx);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  restart_and_check (fx, &seen);
  seen_clear (&seen);
}

/* Runs the workload once, tracing, and returns the points it passed in
 * the order it first passed them. */
static GPtrArray *
discover_points (void)
{
  Fixture fx = { 0 };
  Seen seen = { 0 };
  g_autofree char *trace = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *points = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);

  fixture_setup_without_daemon (&fx, NULL);
  trace = g_build_filename (fx.dir, "crash-points", NULL);
  write_two_backends (&fx);
  g_setenv ("NOVA_VOLUME_CRASH_TRACE", trace, TRUE);
  daemon_start (&fx);
  g_unsetenv ("NOVA_VOLUME_CRASH_TRACE");
  run_workload (&fx, &seen);
  g_assert_false (seen.died);
  g_assert_true (seen.migrated);
  daemon_stop (&fx);
  if (g_file_get_contents (trace, &text, NULL, NULL))
    {
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (*lines[i] != '\0' && g_hash_table_add (known, lines[i]))
          g_ptr_array_add (points, g_strdup (lines[i]));
    }
  seen_clear (&seen);
  fixture_teardown (&fx, NULL);
  return points;
}

/* the path of the one object with @iface other than @other (NULL: any) */
static char *
find_object (Fixture *fx, const char *iface, const char *other)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (fx, ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                    NULL, "(a{oa{sa{sv}}})", &error);
  g_autoptr(GVariant) objects = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *ifaces;

  g_assert_no_error (error);
  objects = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &ifaces))
    {
      g_autoptr(GVariant) owned = ifaces;
      g_autoptr(GVariant) props = g_variant_lookup_value (ifaces, iface, G_VARIANT_TYPE_VARDICT);

      if (props != NULL && g_strcmp0 (path, other) != 0)
        return g_strdup (path);
    }
  return NULL;
}

/* A commit that fails without a crash (a full disk) when a copy is done:
 * the live object is settled at once as a restart would settle it, an
 * error with the reason, instead of staying "creating" until then; and a
 * restart agrees. */
static void
test_failed_commit (Fixture *fx, gconstpointer data)
{
  static const struct {
    const char *point;
    const char *iface;
  } cases[] = {
    { "snapshot-volume:before-commit-snapshot-available", IFACE_SNAPSHOT },
    { "clone-volume:before-commit-available", IFACE_VOLUME },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = NULL;
      g_autofree char *volume = NULL, *made = NULL, *status = NULL, *reason = NULL;

      g_test_message ("a commit fails at %s", cases[i].point);
      daemon_stop (fx);
      g_setenv ("NOVA_VOLUME_FAIL_AT", cases[i].point, TRUE);
      daemon_start (fx);
      g_unsetenv ("NOVA_VOLUME_FAIL_AT");
      volume = create_volume (fx, 8 * 1024 * 1024, NULL);
      if (g_str_equal (cases[i].iface, IFACE_SNAPSHOT))
        reply = call (fx, volume, IFACE_VOLUME, "CreateSnapshot", g_variant_new_parsed ("(@a{sv} {},)"), NULL, &error);
      else
        reply = call (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                      g_variant_new_parsed ("(@t 0, {'source-volume': <%o>})", volume), NULL, &error);
      g_assert_null (reply);
      assert_dbus_error (error, "NoSpace");

      made = find_object (fx, cases[i].iface, volume);
      g_assert_nonnull (made);
      status = get_string (fx, made, cases[i].iface, "Status");
      reason = get_string (fx, made, cases[i].iface, "StatusReason");
      g_test_message ("%s is %s: %s", made, status, reason);
      g_assert_cmpstr (status, ==, "error");
      g_assert_nonnull (strstr (reason, "could not be recorded"));

      /* the store still says creating; the restart settles it the same way */
      daemon_stop (fx);
      daemon_start (fx);
      g_clear_pointer (&status, g_free);
      status = get_string (fx, made, cases[i].iface, "Status");
      g_assert_cmpstr (status, ==, "error");
      call_ok (fx, made, cases[i].iface, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
      call_ok (fx, volume, IFACE_VOLUME, "Delete", g_variant_new_parsed ("(@a{sv} {},)"));
    }
}

/* Migrate whose switch commit fails without a crash: the volume stays on
 * its source, available, with its bytes; the copy on the target is gone;
 * a restart agrees. */
static void
test_failed_migrate_switch (Fixture *fx, gconstpointer data)
{
  Seen seen = { 0 };
  g_autofree char *device = NULL, *backend = NULL, *status = NULL, *other_dir = NULL, *job = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GDir) other = NULL;

  daemon_stop (fx);
  write_two_backends (fx);
  /* the first commit of "migrating" starts the move, the second switches */
  g_setenv ("NOVA_VOLUME_FAIL_AT", "migrate-volume:before-commit-migrating#2", TRUE);
  daemon_start (fx);
  g_unsetenv ("NOVA_VOLUME_FAIL_AT");
  seen.volume = create_volume (fx, 8 * 1024 * 1024, NULL);
  device = connect_volume (fx, seen.volume);
  write_pattern (&seen, device);
  disconnect_volume (fx, seen.volume);

  /* the copy runs (its Job shows: the first commit went through), then
   * the switch's commit fails */
  job = start_call_with_job (fx, seen.volume, IFACE_VOLUME, "Migrate", g_variant_new_parsed ("('other', @a{sv} {})"),
                             NULL, &result);
  g_assert_nonnull (job);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_finish (fx->connection, result, &error);
  g_assert_null (reply);
  assert_dbus_error (error, "NoSpace");
  g_test_message ("%s", error->message);
  backend = get_string (fx, seen.volume, IFACE_VOLUME, "Backend");
  status = get_string (fx, seen.volume, IFACE_VOLUME, "Status");
  g_assert_cmpstr (backend, ==, "file");
  g_assert_cmpstr (status, ==, "available");
  check_bytes (fx, &seen);
  other_dir = g_build_filename (fx->state_dir, "other", NULL);
  other = g_dir_open (other_dir, 0, NULL);
  g_assert_null (other != NULL ? g_dir_read_name (other) : NULL);

  daemon_stop (fx);
  restart_and_check (fx, &seen);
  seen_clear (&seen);
}

/* A driver call that never ends (stuck in the kernel, a hung command) does
 * not hold a stop forever: after shutdown_timeout the daemon exits anyway,
 * saying so, and the next start settles what was running (a delete is
 * finished). */
static void
test_shutdown_deadline (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = NULL, *config = NULL, *log = NULL, *file = NULL, *id = NULL;
  g_autofree char *more = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gint64 start;

  volume = create_volume (fx, MIB, NULL);
  id = g_path_get_basename (volume);
  daemon_stop (fx);
  g_assert_true (g_file_get_contents (fx->config_path, &config, NULL, NULL));
  more = g_strconcat (config, "shutdown_timeout = 2\n", NULL);
  g_assert_true (g_file_set_contents (fx->config_path, more, -1, NULL));
  g_setenv ("NOVA_VOLUME_HANG_AT", "delete-volume:before-driver-remove-export", TRUE);
  daemon_start (fx);
  g_unsetenv ("NOVA_VOLUME_HANG_AT");

  g_dbus_connection_call (fx->connection, BUS_NAME, volume, IFACE_VOLUME, "Delete",
                          g_variant_new_parsed ("(@a{sv} {},)"), NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          store_reply, &result);
  for (;;)
    {
      g_autofree char *status = get_string (fx, volume, IFACE_VOLUME, "Status");

      if (g_str_equal (status, "deleting"))
        break;
      g_usleep (10000);
    }

  start = g_get_monotonic_time ();
  g_subprocess_send_signal (fx->daemon, SIGTERM);
  wait_or_kill (fx->daemon, "nova-volumed");
  g_test_message ("stopped after %.1f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_true (g_subprocess_get_if_exited (fx->daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (fx->daemon), ==, 1);
  g_clear_object (&fx->daemon);
  g_assert_true (g_file_get_contents (fx->log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "stopping anyway after 2 s: 1 operations still running"));
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_finish (fx->connection, result, &error);
  g_assert_null (reply);

  /* the next start finishes the delete */
  daemon_start (fx);
  g_assert_null (find_object (fx, IFACE_VOLUME, NULL));
  file = g_strdup_printf ("%s/volumes/volume-%s", fx->state_dir, id);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
}

static void
test_no_crash_points (void)
{
  g_test_skip ("SKIP: nova-volumed was built without -Dcrash_points=true (tools/run-tests.sh builds with it)");
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) points = NULL;

  g_test_init (&argc, &argv, NULL);
  g_test_add ("/crash/kill-during-copy", Fixture, NULL, fixture_setup, test_kill_during_copy, fixture_teardown);
  g_test_add ("/crash/kill-during-held-copy", Fixture, NULL, fixture_setup, test_kill_during_held_copy,
              fixture_teardown);
  if (!NOVA_VOLUME_CRASH_POINTS)
    {
      g_test_add_func ("/crash/points", test_no_crash_points);
      return g_test_run ();
    }

  g_test_add ("/crash/shutdown-deadline", Fixture, NULL, fixture_setup, test_shutdown_deadline, fixture_teardown);
  g_test_add ("/crash/failed-commit", Fixture, NULL, fixture_setup, test_failed_commit, fixture_teardown);
  g_test_add ("/crash/failed-migrate-switch", Fixture, NULL, fixture_setup, test_failed_migrate_switch,
              fixture_teardown);
  points = discover_points ();
  g_assert_cmpuint (points->len, >, 0);
  g_test_message ("%u crash points on the workload's path", points->len);
  for (guint i = 0; i < points->len; i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/crash/point/%s", (char *) g_ptr_array_index (points, i));

      g_test_add (test_path, Fixture, g_ptr_array_index (points, i), fixture_setup_without_daemon,
                  test_crash_point, fixture_teardown);
    }
  return g_test_run ();
}
