/* nova-volume: tests for the "file" driver, loaded as the daemon loads it:
 * through nova_volume_driver_load from the build tree. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nova-volume-config.h"
#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "nova-volume-executor.h"
#include "test-util.h"

#define KiB G_GUINT64_CONSTANT (1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)

typedef struct {
  char                    *state_dir;
  char                    *volumes_dir;
  NovaVolumeDriverContext *ctx;
  NovaVolumeDriver        *driver;
} Fixture;

/* helpers */

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fx->state_dir = test_make_tmp_dir ("nova-volume-file-XXXXXX");
  fx->volumes_dir = g_build_filename (fx->state_dir, "volumes", NULL);
  fx->ctx = test_driver_context_new (fx->state_dir, NULL, "volume_driver", "file", NULL);
  fx->driver = test_driver_load (fx->ctx);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->driver);
  g_clear_pointer (&fx->ctx, nova_volume_driver_context_unref);
  test_remove_tree (fx->state_dir);
  g_free (fx->state_dir);
  g_free (fx->volumes_dir);
}

static char *
volume_file (Fixture *fx, const NovaVolumeRecord *volume)
{
  g_autofree char *name = g_strdup_printf ("volume-%s", volume->id);
  return g_build_filename (fx->volumes_dir, name, NULL);
}

static char *
snapshot_file (Fixture *fx, const NovaSnapshotRecord *snapshot)
{
  g_autofree char *name = g_strdup_printf ("snapshot-%s", snapshot->id);
  return g_build_filename (fx->volumes_dir, name, NULL);
}

static NovaVolumeRecord *
create_volume (Fixture *fx, guint64 size)
{
  g_autoptr(GError) error = NULL;
  NovaVolumeRecord *volume = test_new_volume (size);

  g_assert_true (nova_volume_driver_create_volume (fx->driver, volume, &error));
  g_assert_no_error (error);
  return volume;
}

static void
write_at (const char *path, guint64 offset, const guint8 *buf, gsize len)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, buf, len, (off_t) offset), ==, (gssize) len);
  g_assert_cmpint (close (fd), ==, 0);
}

static void
assert_bytes_at (const char *path, guint64 offset, const guint8 *expected, gsize len)
{
  g_autofree guint8 *buf = g_malloc (len);
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, buf, len, (off_t) offset), ==, (gssize) len);
  close (fd);
  g_assert_cmpmem (buf, len, expected, len);
}

static void
fill_random (guint8 *buf, gsize len)
{
  for (gsize i = 0; i < len; i++)
    buf[i] = (guint8) g_random_int_range (0, 256);
}

static struct stat
stat_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return st;
}

/* offsets spread over a 16 MiB volume: the start, an unaligned middle, a
 * spot past the first copy chunk and the very end */
static const guint64 offsets[] = { 0, 3 * 4096 + 7, 5 * MiB + 17, 9 * MiB, 16 * MiB - 100 };
#define PATTERN_LEN 100

/* tests */

static void
test_create (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = create_volume (fx, GiB + 1);
  g_autoptr(NovaVolumeRecord) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = volume_file (fx, volume);
  struct stat st = stat_of (path);
  struct stat dir_st = stat_of (fx->volumes_dir);

  /* rounded up to whole sectors, and told so */
  g_assert_cmpuint (volume->size, ==, GiB + 512);
  g_assert_cmpuint ((guint64) st.st_size, ==, GiB + 512);
  g_assert_cmpstr (volume->provider_location, ==, path);
  g_assert_true (S_ISREG (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (dir_st.st_mode & 07777, ==, 0700);
  /* sparse: nothing allocated yet */
  g_assert_cmpint (st.st_blocks, <=, 8);

  /* the same id twice is refused, and the first file is untouched */
  again = test_new_volume (MiB);
  g_free (again->id);
  again->id = g_strdup (volume->id);
  g_assert_false (nova_volume_driver_create_volume (fx->driver, again, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  g_assert_cmpuint ((guint64) stat_of (path).st_size, ==, GiB + 512);
  g_clear_error (&error);

  /* a size of 0 is refused */
  {
    g_autoptr(NovaVolumeRecord) empty = test_new_volume (0);
    g_assert_false (nova_volume_driver_create_volume (fx->driver, empty, &error));
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  g_assert_true (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_ensure_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (nova_volume_driver_get_name (fx->driver), ==, "file");
}

static void
test_snapshot_and_clones (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = create_volume (fx, 16 * MiB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
  g_autoptr(NovaVolumeRecord) from_snapshot = test_new_volume (0);
  g_autoptr(NovaVolumeRecord) bigger = test_new_volume (32 * MiB + 1);
  g_autoptr(NovaVolumeRecord) smaller = test_new_volume (MiB);
  g_autoptr(NovaVolumeRecord) clone = test_new_volume (16 * MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = volume_file (fx, volume);
  g_autofree char *snap_path = NULL;
  g_autofree char *from_path = NULL;
  g_autofree char *bigger_path = NULL;
  g_autofree char *clone_path = NULL;
  guint8 old_bytes[G_N_ELEMENTS (offsets)][PATTERN_LEN];
  guint8 new_bytes[G_N_ELEMENTS (offsets)][PATTERN_LEN];

  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      fill_random (old_bytes[i], PATTERN_LEN);
      fill_random (new_bytes[i], PATTERN_LEN);
      write_at (path, offsets[i], old_bytes[i], PATTERN_LEN);
    }

  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_no_error (error);
  snap_path = snapshot_file (fx, snapshot);
  g_assert_cmpstr (snapshot->provider_location, ==, snap_path);
  g_assert_cmpuint (snapshot->size, ==, 16 * MiB);
  g_assert_cmpuint ((guint64) stat_of (snap_path).st_size, ==, 16 * MiB);
  g_assert_cmpint (stat_of (snap_path).st_mode & 07777, ==, 0600);
  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    assert_bytes_at (snap_path, offsets[i], old_bytes[i], PATTERN_LEN);

  /* the volume moves on; the snapshot must not */
  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    write_at (path, offsets[i], new_bytes[i], PATTERN_LEN);
  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    assert_bytes_at (snap_path, offsets[i], old_bytes[i], PATTERN_LEN);

  /* size 0: the size of the snapshot */
  g_assert_true (nova_volume_driver_create_volume_from_snapshot (fx->driver, from_snapshot, snapshot,
                                                                 NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  from_path = volume_file (fx, from_snapshot);
  g_assert_cmpuint (from_snapshot->size, ==, 16 * MiB);
  g_assert_cmpstr (from_snapshot->provider_location, ==, from_path);
  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    assert_bytes_at (from_path, offsets[i], old_bytes[i], PATTERN_LEN);

  /* larger than the snapshot: extended after the copy, rounded */
  g_assert_true (nova_volume_driver_create_volume_from_snapshot (fx->driver, bigger, snapshot,
                                                                 NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  bigger_path = volume_file (fx, bigger);
  g_assert_cmpuint (bigger->size, ==, 32 * MiB + 512);
  g_assert_cmpuint ((guint64) stat_of (bigger_path).st_size, ==, 32 * MiB + 512);
  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    assert_bytes_at (bigger_path, offsets[i], old_bytes[i], PATTERN_LEN);

  /* smaller than the snapshot: refused, nothing left behind */
  g_assert_false (nova_volume_driver_create_volume_from_snapshot (fx->driver, smaller, snapshot,
                                                                  NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  {
    g_autofree char *smaller_path = volume_file (fx, smaller);
    g_assert_false (g_file_test (smaller_path, G_FILE_TEST_EXISTS));
  }

  /* a clone holds what the volume holds now */
  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume,
                                                          NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  clone_path = volume_file (fx, clone);
  g_assert_cmpstr (clone->provider_location, ==, clone_path);
  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    assert_bytes_at (clone_path, offsets[i], new_bytes[i], PATTERN_LEN);

  /* a copy onto an existing volume is refused */
  g_assert_false (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume,
                                                           NULL, NULL, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  for (gsize i = 0; i < G_N_ELEMENTS (offsets); i++)
    assert_bytes_at (clone_path, offsets[i], new_bytes[i], PATTERN_LEN);

  /* a second snapshot under the same id is refused */
  g_assert_false (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS);
}

/* btrfs and xfs share extents: a copy there is one ioctl, with nothing
 * in between to cancel */
static gboolean
can_reflink (const char *dir)
{
  g_autofree char *a = g_build_filename (dir, "reflink-probe-a", NULL);
  g_autofree char *b = g_build_filename (dir, "reflink-probe-b", NULL);
  int fd_a = open (a, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  int fd_b = open (b, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  gboolean ok;

  g_assert_cmpint (fd_a, >=, 0);
  g_assert_cmpint (fd_b, >=, 0);
  g_assert_cmpint (write (fd_a, "probe", 5), ==, 5);
  ok = ioctl (fd_b, FICLONE, fd_a) == 0;
  close (fd_a);
  close (fd_b);
  g_remove (a);
  g_remove (b);
  return ok;
}

typedef struct {
  GArray       *fractions;
  GCancellable *cancel_on_first;
} ProgressLog;

static void
progress_cb (double fraction, gpointer user_data)
{
  ProgressLog *log = user_data;

  g_array_append_val (log->fractions, fraction);
  if (log->cancel_on_first != NULL)
    g_cancellable_cancel (log->cancel_on_first);
}

static void
test_sparse_clone (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = create_volume (fx, GiB);
  g_autoptr(NovaVolumeRecord) clone = test_new_volume (GiB);
  g_autoptr(GArray) fractions = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  g_autofree char *path = volume_file (fx, volume);
  g_autofree char *clone_path = NULL;
  ProgressLog log = { fractions, NULL };
  guint8 a[4096];
  guint8 b[4096];
  struct stat st;

  fill_random (a, sizeof a);
  fill_random (b, sizeof b);
  write_at (path, 0, a, sizeof a);
  write_at (path, 512 * MiB, b, sizeof b);

  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume,
                                                          progress_cb, &log, NULL, &error));
  g_assert_no_error (error);
  clone_path = volume_file (fx, clone);
  st = stat_of (clone_path);
  g_assert_cmpuint ((guint64) st.st_size, ==, GiB);
  g_assert_cmpuint (clone->size, ==, GiB);
  /* two written pages, not a gigabyte: the holes stayed holes */
  g_assert_cmpint ((gint64) st.st_blocks * 512, <=, (gint64) MiB);
  assert_bytes_at (clone_path, 0, a, sizeof a);
  assert_bytes_at (clone_path, 512 * MiB, b, sizeof b);
  {
    static const guint8 zeros[4096];
    assert_bytes_at (clone_path, 256 * MiB, zeros, sizeof zeros);
  }

  /* progress: called, never going back, ending at 1.0 */
  g_assert_cmpuint (fractions->len, >=, can_reflink (fx->volumes_dir) ? 1 : 2);
  for (guint i = 0; i < fractions->len; i++)
    {
      double f = g_array_index (fractions, double, i);
      g_assert_cmpfloat (f, >=, 0.0);
      g_assert_cmpfloat (f, <=, 1.0);
      if (i > 0)
        g_assert_cmpfloat (f, >=, g_array_index (fractions, double, i - 1));
    }
  g_assert_cmpfloat (g_array_index (fractions, double, fractions->len - 1), ==, 1.0);
}

static void
assert_no_partial (Fixture *fx, const NovaVolumeRecord *volume)
{
  g_autofree char *path = volume_file (fx, volume);
  g_autofree char *partial = g_strconcat (path, ".partial", NULL);

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
}

static void
test_cancel (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = create_volume (fx, 64 * MiB);
  g_autoptr(NovaVolumeRecord) clone = test_new_volume (0);
  g_autoptr(NovaVolumeRecord) early = test_new_volume (0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(GArray) fractions = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) error = NULL;
  g_autofree char *path = volume_file (fx, volume);
  g_autofree guint8 *buf = g_malloc (32 * MiB);
  ProgressLog log = { fractions, cancellable };

  /* one 32 MiB data extent: several copy chunks, so there is a "between" */
  fill_random (buf, 32 * MiB);
  write_at (path, 16 * MiB, buf, 32 * MiB);

  /* cancelled from the first progress report, in the middle of the copy */
  if (can_reflink (fx->volumes_dir))
    {
      /* the first report is the last: the copy was committed before */
      g_test_message ("%s reflinks: no copy in progress to cancel", fx->volumes_dir);
      g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume,
                                                              progress_cb, &log, cancellable, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (fractions->len, ==, 1);
    }
  else
    {
      g_assert_false (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume,
                                                               progress_cb, &log, cancellable, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_clear_error (&error);
      g_assert_cmpuint (fractions->len, >=, 1);
      g_assert_cmpfloat (g_array_index (fractions, double, fractions->len - 1), <, 1.0);
      assert_no_partial (fx, clone);
    }

  /* cancelled before it starts */
  g_cancellable_cancel (cancelled);
  g_assert_false (nova_volume_driver_create_cloned_volume (fx->driver, early, volume,
                                                           NULL, NULL, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  assert_no_partial (fx, early);
}

static void
test_stale_partial (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = create_volume (fx, 4 * MiB);
  g_autoptr(NovaVolumeRecord) clone = test_new_volume (0);
  g_autoptr(GError) error = NULL;
  g_autofree char *clone_path = volume_file (fx, clone);
  g_autofree char *partial = g_strconcat (clone_path, ".partial", NULL);
  guint8 bytes[64];

  /* what a crash in the middle of a copy leaves */
  g_assert_true (g_file_set_contents (partial, "half a copy", -1, &error));
  g_assert_no_error (error);

  fill_random (bytes, sizeof bytes);
  {
    g_autofree char *path = volume_file (fx, volume);
    write_at (path, MiB, bytes, sizeof bytes);
  }
  g_assert_true (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume,
                                                          NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  assert_bytes_at (clone_path, MiB, bytes, sizeof bytes);
  g_assert_cmpuint ((guint64) stat_of (clone_path).st_size, ==, 4 * MiB);

  /* and delete takes a leftover along */
  g_assert_true (g_file_set_contents (partial, "half a copy", -1, &error));
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, clone, &error));
  g_assert_no_error (error);
  assert_no_partial (fx, clone);
}

static void
test_extend (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = create_volume (fx, 8 * MiB);
  g_autoptr(NovaVolumeRecord) missing = test_new_volume (MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = volume_file (fx, volume);
  guint8 bytes[512];

  fill_random (bytes, sizeof bytes);
  write_at (path, 8 * MiB - sizeof bytes, bytes, sizeof bytes);

  g_assert_true (nova_volume_driver_extend_volume (fx->driver, volume, 20 * MiB + 3, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (volume->size, ==, 20 * MiB + 512);
  g_assert_cmpuint ((guint64) stat_of (path).st_size, ==, 20 * MiB + 512);
  assert_bytes_at (path, 8 * MiB - sizeof bytes, bytes, sizeof bytes);

  /* shrinking would lose data */
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, volume, MiB, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint ((guint64) stat_of (path).st_size, ==, 20 * MiB + 512);

  /* a volume without a file is an error naming the path, not a new file */
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, missing, 2 * MiB, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing->id));
  assert_no_partial (fx, missing);
}

/* a file longer than the committed size is an extend that crashed before
 * it was committed: what lies past the committed size was never the
 * guest's, so a size in between is no shrink */
static void
test_extend_uncommitted (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = create_volume (fx, 8 * MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = volume_file (fx, volume);
  guint8 bytes[512];

  fill_random (bytes, sizeof bytes);
  write_at (path, 8 * MiB - sizeof bytes, bytes, sizeof bytes);
  /* the crashed extend had got as far as 32 MiB */
  g_assert_cmpint (truncate (path, (off_t) (32 * MiB)), ==, 0);

  g_assert_true (nova_volume_driver_extend_volume (fx->driver, volume, 16 * MiB, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (volume->size, ==, 16 * MiB);
  g_assert_cmpuint ((guint64) stat_of (path).st_size, ==, 16 * MiB);
  assert_bytes_at (path, 8 * MiB - sizeof bytes, bytes, sizeof bytes);

  /* below the committed size is still a shrink, whatever the file says */
  g_assert_false (nova_volume_driver_extend_volume (fx->driver, volume, 12 * MiB, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint ((guint64) stat_of (path).st_size, ==, 16 * MiB);
}

static guint64
stats_uint64 (GVariant *stats, const char *key)
{
  guint64 value = 0;

  g_assert_true (g_variant_lookup (stats, key, "t", &value));
  return value;
}

static guint32
stats_uint32 (GVariant *stats, const char *key)
{
  guint32 value = 0;

  g_assert_true (g_variant_lookup (stats, key, "u", &value));
  return value;
}

/* volume_name_template and snapshot_name_template name the files, and
 * the stats count by them */
static void
test_name_templates (Fixture *fx, gconstpointer data)
{
  static const struct {
    const char *volume_template;
    const char *snapshot_template;
  } cases[] = {
    { "vol_%s.img", "%s.snap" },
    /* a snapshot's name fits the volume template too: the one with more
     * fixed text decides */
    { "%s", "snapshot-%s" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir_name = g_strdup_printf ("templated-%" G_GSIZE_FORMAT, i);
      g_autofree char *dir = g_build_filename (fx->state_dir, dir_name, NULL);
      g_autoptr(NovaVolumeDriverContext) ctx =
        test_driver_context_new (fx->state_dir, NULL, "volume_driver", "file", "file_volumes_dir", dir,
                                 "volume_name_template", cases[i].volume_template,
                                 "snapshot_name_template", cases[i].snapshot_template, NULL);
      g_autoptr(NovaVolumeDriver) driver = test_driver_load (ctx);
      g_autoptr(NovaVolumeRecord) volume = test_new_volume (MiB);
      g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
      g_autoptr(GVariant) stats = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *volume_name = nova_volume_config_volume_name (ctx->config, volume->id);
      g_autofree char *snapshot_name = nova_volume_config_snapshot_name (ctx->config, snapshot->id);
      g_autofree char *volume_path = g_build_filename (dir, volume_name, NULL);
      g_autofree char *snapshot_path = g_build_filename (dir, snapshot_name, NULL);

      g_assert_true (nova_volume_driver_create_volume (driver, volume, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_test (volume_path, G_FILE_TEST_IS_REGULAR));
      g_assert_cmpstr (volume->provider_location, ==, volume_path);
      g_assert_true (nova_volume_driver_create_snapshot (driver, snapshot, volume, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_test (snapshot_path, G_FILE_TEST_IS_REGULAR));
      g_assert_cmpstr (snapshot->provider_location, ==, snapshot_path);

      stats = nova_volume_driver_get_volume_stats (driver, TRUE, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (stats_uint32 (stats, "volume_count"), ==, 1);
      g_assert_cmpuint (stats_uint32 (stats, "snapshot_count"), ==, 1);
      g_assert_cmpuint (stats_uint64 (stats, "provisioned_capacity"), ==, MiB);

      g_assert_true (nova_volume_driver_delete_snapshot (driver, snapshot, &error));
      g_assert_true (nova_volume_driver_delete_volume (driver, volume, &error));
      g_assert_no_error (error);
      g_assert_false (g_file_test (snapshot_path, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (volume_path, G_FILE_TEST_EXISTS));
    }

  /* a file the volume template did not make is no volume of ours */
  {
    g_autofree char *dir = g_build_filename (fx->state_dir, "templated-0", NULL);
    g_autoptr(NovaVolumeDriverContext) ctx =
      test_driver_context_new (fx->state_dir, NULL, "volume_driver", "file", "file_volumes_dir", dir,
                               "volume_name_template", "vol_%s.img", NULL);
    g_autoptr(NovaVolumeDriver) driver = test_driver_load (ctx);
    g_autoptr(GVariant) stats = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *stray = g_build_filename (dir, "volume-0123", NULL);
    g_autofree char *bare = g_build_filename (dir, "vol_.img", NULL);

    g_assert_true (g_file_set_contents (stray, "not ours", -1, &error));
    g_assert_true (g_file_set_contents (bare, "no id", -1, &error));
    g_assert_no_error (error);
    stats = nova_volume_driver_get_volume_stats (driver, TRUE, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stats_uint32 (stats, "volume_count"), ==, 0);
    g_assert_cmpuint (stats_uint64 (stats, "provisioned_capacity"), ==, 0);
  }
}

static void
test_delete (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = create_volume (fx, MiB);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (volume);
  g_autoptr(NovaVolumeRecord) never = test_new_volume (MiB);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = volume_file (fx, volume);
  g_autofree char *snap_path = NULL;

  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
  g_assert_no_error (error);
  snap_path = snapshot_file (fx, snapshot);

  for (int i = 0; i < 2; i++)
    {
      g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, snapshot, &error));
      g_assert_no_error (error);
      g_assert_false (g_file_test (snap_path, G_FILE_TEST_EXISTS));
      g_assert_true (nova_volume_driver_delete_volume (fx->driver, volume, &error));
      g_assert_no_error (error);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, never, &error));
  g_assert_no_error (error);

  /* a deleted volume's export is gone, and the message says which file */
  g_assert_false (nova_volume_driver_ensure_export (fx->driver, volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "is missing"));
  g_clear_error (&error);
  g_assert_false (nova_volume_driver_check_for_export (fx->driver, volume, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
}

static void
test_invalid_ids (Fixture *fx, gconstpointer data)
{
  static const char *const bad_ids[] = { "../escape", "a/b", "..", ".hidden", "-rf", "/etc/passwd", "" };
  g_autoptr(GError) error = NULL;
  g_autoptr(NovaVolumeRecord) good = create_volume (fx, MiB);

  for (gsize i = 0; i < G_N_ELEMENTS (bad_ids); i++)
    {
      g_autoptr(NovaVolumeRecord) volume = test_new_volume (MiB);
      g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (good);
      g_autoptr(GVariant) info = NULL;

      g_free (volume->id);
      volume->id = g_strdup (bad_ids[i]);
      g_free (snapshot->id);
      snapshot->id = g_strdup (bad_ids[i]);

      g_assert_false (nova_volume_driver_create_volume (fx->driver, volume, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (nova_volume_driver_delete_volume (fx->driver, volume, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (nova_volume_driver_create_snapshot (fx->driver, snapshot, good, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (nova_volume_driver_delete_snapshot (fx->driver, snapshot, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (nova_volume_driver_create_cloned_volume (fx->driver, volume, good,
                                                               NULL, NULL, NULL, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      g_assert_false (nova_volume_driver_extend_volume (fx->driver, volume, 2 * MiB, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      info = nova_volume_driver_initialize_connection (fx->driver, volume, NULL, &error);
      g_assert_null (info);
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }

  /* nothing appeared next to the volumes directory */
  g_assert_false (g_file_test (fx->state_dir, G_FILE_TEST_IS_REGULAR));
  {
    g_autoptr(GDir) dir = g_dir_open (fx->state_dir, 0, NULL);
    const char *name;
    guint n = 0;

    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_assert_cmpstr (name, ==, "volumes");
        n++;
      }
    g_assert_cmpuint (n, ==, 1);
  }
}

static void
test_connection (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) volume = create_volume (fx, MiB);
  g_autoptr(NovaVolumeRecord) missing = test_new_volume (MiB);
  g_autoptr(GVariant) connector = g_variant_ref_sink (
      g_variant_new_parsed ("{'ip': <'10.0.0.1'>, 'host': <'compute1'>, 'initiator': <'iqn.x'>}"));
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = volume_file (fx, volume);

  g_assert_true (nova_volume_driver_create_export (fx->driver, volume, &error));
  g_assert_no_error (error);
  info = nova_volume_driver_initialize_connection (fx->driver, volume, connector, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_false (g_variant_is_floating (info));
  expected = g_variant_ref_sink (
      g_variant_new_parsed ("{'driver_volume_type': <'local'>, 'data': <{'device_path': <%s>, "
                            "'discard': <true>}>}", path));
  if (!g_variant_equal (info, expected))
    {
      g_autofree char *got = g_variant_print (info, TRUE);
      g_autofree char *want = g_variant_print (expected, TRUE);
      g_error ("connection info %s, expected %s", got, want);
    }
  g_assert_true (nova_volume_driver_terminate_connection (fx->driver, volume, connector, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_remove_export (fx->driver, volume, &error));
  g_assert_no_error (error);

  /* no file, no connection */
  g_assert_null (nova_volume_driver_initialize_connection (fx->driver, missing, connector, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
}

static void
test_stats (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) a = create_volume (fx, 3 * MiB);
  g_autoptr(NovaVolumeRecord) b = create_volume (fx, GiB + 1);
  g_autoptr(NovaSnapshotRecord) snapshot = test_new_snapshot (a);
  g_autoptr(NovaVolumeRecord) c = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) cached = NULL;
  g_autoptr(GVariant) fresh = NULL;
  g_autoptr(GError) error = NULL;
  const char *text = NULL;
  guint32 reserved = 99;
  gboolean thin = FALSE;
  guint32 count = 0;

  g_assert_true (nova_volume_driver_create_snapshot (fx->driver, snapshot, a, &error));
  g_assert_no_error (error);

  stats = nova_volume_driver_get_volume_stats (fx->driver, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stats);
  g_assert_true (g_variant_is_of_type (stats, G_VARIANT_TYPE_VARDICT));
  g_assert_cmpuint (stats_uint64 (stats, "total_capacity"), >, 0);
  g_assert_cmpuint (stats_uint64 (stats, "total_capacity"), >=, stats_uint64 (stats, "free_capacity"));
  /* apparent sizes of the volumes; the snapshot is not a volume */
  g_assert_cmpuint (stats_uint64 (stats, "provisioned_capacity"), ==, a->size + b->size);
  g_assert_true (g_variant_lookup (stats, "volume_count", "u", &count));
  g_assert_cmpuint (count, ==, 2);
  g_assert_true (g_variant_lookup (stats, "snapshot_count", "u", &count));
  g_assert_cmpuint (count, ==, 1);
  g_assert_true (g_variant_lookup (stats, "storage_protocol", "&s", &text));
  g_assert_cmpstr (text, ==, "local");
  g_assert_true (g_variant_lookup (stats, "volume_backend_name", "&s", &text));
  g_assert_cmpstr (text, ==, "file");
  g_assert_true (g_variant_lookup (stats, "vendor_name", "&s", &text));
  /* every driver reports these alike (core/nova-volume-stats.c) */
  g_assert_cmpstr (text, ==, "Open Source");
  g_assert_true (g_variant_lookup (stats, "driver_version", "&s", &text));
  g_assert_cmpstr (text, ==, PACKAGE_VERSION);
  g_assert_true (g_variant_lookup (stats, "reserved_percentage", "u", &reserved));
  g_assert_cmpuint (reserved, ==, 0);
  g_assert_true (g_variant_lookup (stats, "thin_provisioning_support", "b", &thin));
  g_assert_true (thin);

  /* a cached answer is the same until something changes */
  cached = nova_volume_driver_get_volume_stats (fx->driver, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stats_uint64 (cached, "provisioned_capacity"), ==, a->size + b->size);

  c = create_volume (fx, MiB);
  fresh = nova_volume_driver_get_volume_stats (fx->driver, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stats_uint64 (fresh, "provisioned_capacity"), ==, a->size + b->size + c->size);

  /* every change is counted as it happens, no walk of the directory:
   * grown, deleted, snapshot gone */
  {
    g_autoptr(GVariant) after = NULL;
    guint64 grown = 4 * MiB;

    g_assert_true (nova_volume_driver_extend_volume (fx->driver, c, grown, &error));
    g_assert_true (nova_volume_driver_delete_volume (fx->driver, b, &error));
    g_assert_true (nova_volume_driver_delete_snapshot (fx->driver, snapshot, &error));
    g_assert_no_error (error);
    after = nova_volume_driver_get_volume_stats (fx->driver, TRUE, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (stats_uint64 (after, "provisioned_capacity"), ==, a->size + grown);
    g_assert_cmpuint (stats_uint32 (after, "volume_count"), ==, 2);
    g_assert_cmpuint (stats_uint32 (after, "snapshot_count"), ==, 0);
  }
}

static void
test_setup_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = test_make_tmp_dir ("nova-volume-file-XXXXXX");
  g_autofree char *regular = g_build_filename (state_dir, "not-a-dir", NULL);
  g_autofree char *below = g_build_filename (regular, "volumes", NULL);
  g_autofree char *custom = g_build_filename (state_dir, "elsewhere", "vols", NULL);

  g_assert_true (g_file_set_contents (regular, "", 0, &error));
  g_assert_no_error (error);

  /* a regular file where the directory should be */
  {
    g_autoptr(NovaVolumeDriverContext) ctx =
      test_driver_context_new (state_dir, NULL, "volume_driver", "file", "file_volumes_dir", regular, NULL);
    g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);

    g_assert_null (driver);
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, regular));
    g_assert_nonnull (strstr (error->message, "not a directory"));
    g_clear_error (&error);
  }

  /* a directory that cannot be made */
  {
    g_autoptr(NovaVolumeDriverContext) ctx =
      test_driver_context_new (state_dir, NULL, "volume_driver", "file", "file_volumes_dir", below, NULL);
    g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);

    g_assert_null (driver);
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, below));
    g_clear_error (&error);
  }

  /* file_volumes_dir is made, parents included, and used */
  {
    g_autoptr(NovaVolumeDriverContext) ctx =
      test_driver_context_new (state_dir, NULL, "volume_driver", "file", "file_volumes_dir", custom, NULL);
    g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);
    g_autoptr(NovaVolumeRecord) volume = test_new_volume (MiB);
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (driver);
    g_assert_true (g_file_test (custom, G_FILE_TEST_IS_DIR));
    g_assert_true (nova_volume_driver_create_volume (driver, volume, &error));
    g_assert_no_error (error);
    name = g_strdup_printf ("volume-%s", volume->id);
    path = g_build_filename (custom, name, NULL);
    g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  }

  test_remove_tree (state_dir);
}

/* Someone else writes into the volumes directory: a volume's file
 * replaced by a link to a victim, or by a FIFO. Nothing the driver does
 * reaches the victim (not grown, not copied, not read), nothing blocks,
 * each call says what it found, and a delete removes only the link. */
static void
test_hostile_files (Fixture *fx, gconstpointer data)
{
  g_autoptr(NovaVolumeRecord) linked = create_volume (fx, MiB);
  g_autoptr(NovaVolumeRecord) fifo = create_volume (fx, MiB);
  g_autoptr(NovaVolumeRecord) clone = test_new_volume (0);
  g_autoptr(NovaSnapshotRecord) snapshot = nova_snapshot_record_new ();
  g_autofree char *victim = g_build_filename (fx->state_dir, "victim", NULL);
  g_autofree char *linked_path = volume_file (fx, linked);
  g_autofree char *fifo_path = volume_file (fx, fifo);
  g_autofree char *snapshot_path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  struct stat st;

  g_assert_true (g_file_set_contents (victim, "the host's own file", -1, NULL));
  g_assert_cmpint (g_unlink (linked_path), ==, 0);
  g_assert_cmpint (symlink (victim, linked_path), ==, 0);
  g_assert_cmpint (g_unlink (fifo_path), ==, 0);
  g_assert_cmpint (mkfifo (fifo_path, 0600), ==, 0);
  nova_record_set_string (&snapshot->id, "0b3e0f5e-6b5f-4d6a-9f3c-1c2d3e4f5a6b");
  nova_record_set_string (&snapshot->volume_id, linked->id);

  for (guint i = 0; i < 2; i++)
    {
      NovaVolumeRecord *volume = i == 0 ? linked : fifo;
      const char *what = i == 0 ? "a symbolic link" : "not a regular file";

      g_test_message ("the volume's file is %s", what);
      g_assert_false (nova_volume_driver_extend_volume (fx->driver, volume, 2 * MiB, &error));
      g_assert_nonnull (strstr (error->message, what));
      g_clear_error (&error);
      g_assert_false (nova_volume_driver_create_snapshot (fx->driver, snapshot, volume, &error));
      g_assert_nonnull (strstr (error->message, what));
      g_clear_error (&error);
      g_assert_false (nova_volume_driver_create_cloned_volume (fx->driver, clone, volume, NULL, NULL, NULL, &error));
      g_assert_nonnull (strstr (error->message, what));
      g_clear_error (&error);
      g_assert_false (nova_volume_driver_check_for_export (fx->driver, volume, &error));
      g_assert_nonnull (strstr (error->message, what));
      g_clear_error (&error);
      in = nova_volume_driver_open_for_read (fx->driver, volume, &error);
      g_assert_null (in);
      g_assert_nonnull (strstr (error->message, what));
      g_clear_error (&error);
    }
  /* the victim is as it was, and no copy of it was made */
  g_assert_true (g_file_get_contents (victim, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "the host's own file");
  snapshot_path = snapshot_file (fx, snapshot);
  g_assert_cmpint (lstat (snapshot_path, &st), <, 0);

  /* a delete removes what is in the directory, not what it points to */
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, linked, &error));
  g_assert_no_error (error);
  g_assert_true (nova_volume_driver_delete_volume (fx->driver, fifo, &error));
  g_assert_no_error (error);
  g_assert_cmpint (lstat (linked_path, &st), <, 0);
  g_assert_cmpint (lstat (fifo_path, &st), <, 0);
  g_assert_true (g_file_test (victim, G_FILE_TEST_IS_REGULAR));
}

/* a volumes directory that another user may write into is refused at
 * start, naming the fix */
static void
test_unsafe_directory (void)
{
  g_autofree char *state_dir = test_make_tmp_dir ("nova-volume-file-XXXXXX");
  g_autofree char *volumes = g_build_filename (state_dir, "volumes", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (volumes, 0700), ==, 0);
  g_assert_cmpint (chmod (volumes, 0777), ==, 0);
  {
    g_autoptr(NovaVolumeDriverContext) ctx = test_driver_context_new (state_dir, NULL, "volume_driver", "file", NULL);
    g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);

    g_assert_null (driver);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "writable by others (mode 0777)"));
    g_assert_nonnull (strstr (error->message, "chmod go-w"));
    g_clear_error (&error);
  }
  g_assert_cmpint (chmod (volumes, 0770), ==, 0);
  {
    g_autoptr(NovaVolumeDriverContext) ctx = test_driver_context_new (state_dir, NULL, "volume_driver", "file", NULL);
    g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);

    g_assert_null (driver);
    g_assert_nonnull (strstr (error->message, "writable by its group"));
    g_clear_error (&error);
  }
  g_assert_cmpint (chmod (volumes, 0755), ==, 0);
  {
    g_autoptr(NovaVolumeDriverContext) ctx = test_driver_context_new (state_dir, NULL, "volume_driver", "file", NULL);
    g_autoptr(NovaVolumeDriver) driver = nova_volume_driver_load (ctx, &error);

    g_assert_no_error (error);
    g_assert_nonnull (driver);
  }
  test_remove_tree (state_dir);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/file-driver/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("create", test_create);
  ADD ("snapshot-and-clones", test_snapshot_and_clones);
  ADD ("sparse-clone", test_sparse_clone);
  ADD ("cancel", test_cancel);
  ADD ("stale-partial", test_stale_partial);
  ADD ("extend", test_extend);
  ADD ("extend-uncommitted", test_extend_uncommitted);
  ADD ("name-templates", test_name_templates);
  ADD ("delete", test_delete);
  ADD ("invalid-ids", test_invalid_ids);
  ADD ("connection", test_connection);
  ADD ("stats", test_stats);
  ADD ("hostile-files", test_hostile_files);
#undef ADD
  g_test_add_func ("/file-driver/setup-error", test_setup_error);
  g_test_add_func ("/file-driver/unsafe-directory", test_unsafe_directory);

  return g_test_run ();
}
