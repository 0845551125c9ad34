/* nova-volume: tests for the image inspector (core/nova-volume-image.c):
 * images made by qemu-img with known shapes, good ones taken with their
 * virtual size, every hostile kind refused with its reason, and nothing
 * outside the image ever opened (an inotify watch on a secret file beside
 * it, and on the directory for anything created). */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nova-volume-error.h"
#include "nova-volume-image.h"
#include "test-util.h"

#define MIB ((guint64) 1024 * 1024)

typedef struct {
  TestScratch        *scratch;
  char               *dir;
  char               *secret;     /* a file no image may make anyone read */
  NovaVolumeExecutor *executor;
  int                 watch_fd;   /* inotify: the secret and the directory */
} Fixture;

static void
run (const char *const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", argv[0], err);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *qemu_img = g_find_program_in_path ("qemu-img");

  if (qemu_img == NULL)
    {
      g_test_skip ("no qemu-img (Debian: qemu-utils, which tools/deps.sh installs)");
      return;
    }
  fx->scratch = test_scratch_new ("test-image-XXXXXX");
  fx->dir = test_scratch_path (fx->scratch, "");
  fx->secret = test_scratch_path (fx->scratch, "secret");
  g_file_set_contents (fx->secret, "the host's secret: no image may make anyone read this", -1, &error);
  g_assert_no_error (error);
  fx->executor = nova_volume_executor_new (1);
  fx->watch_fd = -1;
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  if (fx->watch_fd >= 0)
    close (fx->watch_fd);
  g_clear_object (&fx->executor);
  g_free (fx->secret);
  g_free (fx->dir);
  g_clear_pointer (&fx->scratch, test_scratch_free);
}

/* from now on, an open of the secret or anything made in the directory
 * is seen */
static void
watch (Fixture *fx)
{
  if (fx->watch_fd >= 0)
    close (fx->watch_fd);
  fx->watch_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  g_assert_cmpint (fx->watch_fd, >=, 0);
  g_assert_cmpint (inotify_add_watch (fx->watch_fd, fx->secret, IN_OPEN | IN_ACCESS), >=, 0);
  g_assert_cmpint (inotify_add_watch (fx->watch_fd, fx->dir, IN_CREATE), >=, 0);
}

static void
assert_nothing_touched (Fixture *fx)
{
  char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  gssize n = read (fx->watch_fd, buf, sizeof buf);

  if (n > 0)
    {
      const struct inotify_event *event = (const struct inotify_event *) buf;

      g_error ("the inspection touched something outside the image: mask 0x%x %s", event->mask,
               event->len > 0 ? event->name : "(the secret)");
    }
}

static int
open_image (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

/* a raw image of @size with a few known bytes */
static char *
make_raw (Fixture *fx, const char *name, guint64 size)
{
  g_autofree char *path = test_scratch_path (fx->scratch, name);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t) size), ==, 0);
  g_assert_cmpint (pwrite (fd, "nova-volume image test", 22, 4096), ==, 22);
  close (fd);
  return g_steal_pointer (&path);
}

/* the raw image converted by qemu-img to @format (with -o @options) */
static char *
make_converted (Fixture *fx, const char *name, const char *format, const char *options)
{
  g_autofree char *raw = make_raw (fx, "source.raw", 4 * MIB);
  g_autofree char *path = test_scratch_path (fx->scratch, name);
  const char *argv[] = { "qemu-img", "convert", "-f", "raw", "-O", format, "-o", options, raw, path, NULL };

  run (argv);
  g_unlink (raw);
  return g_steal_pointer (&path);
}

static void
assert_taken (Fixture *fx, const char *path, NovaVolumeImageFormat format, guint64 expected_size)
{
  g_autoptr(GError) error = NULL;
  guint64 size = 0;
  int fd = open_image (path);

  watch (fx);
  g_assert_true (nova_volume_image_inspect (fx->executor, fd, format, 0, NULL, &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size, ==, expected_size);
  assert_nothing_touched (fx);
  close (fd);
}

static void
assert_refused (Fixture *fx, const char *path, NovaVolumeImageFormat format, guint64 max_size,
                const char *reason)
{
  g_autoptr(GError) error = NULL;
  guint64 size = 0;
  int fd = open_image (path);

  watch (fx);
  g_assert_false (nova_volume_image_inspect (fx->executor, fd, format, max_size, NULL, &size, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_test_message ("refused: %s", error->message);
  if (strstr (error->message, reason) == NULL)
    g_error ("'%s' does not say '%s'", error->message, reason);
  assert_nothing_touched (fx);
  close (fd);
}

#define SKIP_WITHOUT_QEMU_IMG(fx) do { if ((fx)->scratch == NULL) return; } while (0)

static void
test_good_images (Fixture *fx, gconstpointer data)
{
  g_autofree char *raw = NULL, *qcow2 = NULL, *vmdk = NULL, *stream = NULL, *vhdx = NULL, *vpc = NULL;

  SKIP_WITHOUT_QEMU_IMG (fx);
  raw = make_raw (fx, "good.raw", 3 * MIB + 512);
  qcow2 = make_converted (fx, "good.qcow2", "qcow2", "compat=1.1");
  vmdk = make_converted (fx, "good.vmdk", "vmdk", "subformat=monolithicSparse");
  stream = make_converted (fx, "stream.vmdk", "vmdk", "subformat=streamOptimized");
  vhdx = make_converted (fx, "good.vhdx", "vhdx", "subformat=dynamic");
  vpc = make_converted (fx, "good.vpc", "vpc", "subformat=dynamic,force_size=on");

  assert_taken (fx, raw, NOVA_VOLUME_IMAGE_RAW, 3 * MIB + 512);
  assert_taken (fx, qcow2, NOVA_VOLUME_IMAGE_QCOW2, 4 * MIB);
  assert_taken (fx, vmdk, NOVA_VOLUME_IMAGE_VMDK, 4 * MIB);
  assert_taken (fx, stream, NOVA_VOLUME_IMAGE_VMDK, 4 * MIB);
  assert_taken (fx, vhdx, NOVA_VOLUME_IMAGE_VHDX, 4 * MIB);
  assert_taken (fx, vpc, NOVA_VOLUME_IMAGE_VPC, 4 * MIB);
}

/* no probing: the caller's claim must be what the header says */
static void
test_wrong_claims (Fixture *fx, gconstpointer data)
{
  g_autofree char *raw = NULL, *qcow2 = NULL;

  SKIP_WITHOUT_QEMU_IMG (fx);
  raw = make_raw (fx, "plain.raw", 4 * MIB);
  qcow2 = make_converted (fx, "real.qcow2", "qcow2", "compat=1.1");
  assert_refused (fx, qcow2, NOVA_VOLUME_IMAGE_RAW, 0, "is qcow2, not raw as claimed");
  assert_refused (fx, raw, NOVA_VOLUME_IMAGE_QCOW2, 0, "is raw, not qcow2 as claimed");
  assert_refused (fx, qcow2, NOVA_VOLUME_IMAGE_VMDK, 0, "is qcow2, not vmdk as claimed");
}

/* images that would have qemu-img open another file: refused before it
 * runs, and the secret they name stays unopened */
static void
test_other_files (Fixture *fx, gconstpointer data)
{
  g_autofree char *backing = NULL, *data_file = NULL, *flat = NULL, *split = NULL, *v2_backing = NULL;
  g_autofree char *data_file_opt = g_strdup_printf ("data_file=%s", fx->secret);

  SKIP_WITHOUT_QEMU_IMG (fx);
  backing = test_scratch_path (fx->scratch, "backing.qcow2");
  run ((const char *[]) { "qemu-img", "create", "-f", "qcow2", "-b", fx->secret, "-F", "raw", backing, "1M", NULL });
  v2_backing = test_scratch_path (fx->scratch, "backing-v2.qcow2");
  run ((const char *[]) { "qemu-img", "create", "-f", "qcow2", "-o", "compat=0.10", "-b", fx->secret, "-F", "raw",
                          v2_backing, "1M", NULL });
  data_file = test_scratch_path (fx->scratch, "data-file.qcow2");
  run ((const char *[]) { "qemu-img", "create", "-f", "qcow2", "-o", data_file_opt, data_file, "1M", NULL });
  flat = test_scratch_path (fx->scratch, "flat.vmdk");
  run ((const char *[]) { "qemu-img", "create", "-f", "vmdk", "-o", "subformat=monolithicFlat", flat, "1M", NULL });
  split = test_scratch_path (fx->scratch, "split.vmdk");
  run ((const char *[]) { "qemu-img", "create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", split, "1M",
                          NULL });

  assert_refused (fx, backing, NOVA_VOLUME_IMAGE_QCOW2, 0, "names a backing file");
  assert_refused (fx, v2_backing, NOVA_VOLUME_IMAGE_QCOW2, 0, "names a backing file");
  assert_refused (fx, data_file, NOVA_VOLUME_IMAGE_QCOW2, 0, "external data file");
  assert_refused (fx, flat, NOVA_VOLUME_IMAGE_VMDK, 0, "VMDK descriptor");
  assert_refused (fx, split, NOVA_VOLUME_IMAGE_VMDK, 0, "VMDK descriptor");
}

/* a qcow2 whose header bytes were edited: @offset set to @value (BE) */
static void
poke_be32 (const char *path, guint64 offset, guint32 value)
{
  guint8 bytes[4] = { value >> 24, value >> 16, value >> 8, value };
  int fd = open (path, O_WRONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, bytes, 4, (off_t) offset), ==, 4);
  close (fd);
}

static void
test_damaged (Fixture *fx, gconstpointer data)
{
  g_autofree char *truncated = NULL, *corrupt = NULL, *encrypted = NULL, *old = NULL, *pipe_note = NULL;
  g_autoptr(GError) error = NULL;
  guint64 size = 0;
  int fds[2];

  SKIP_WITHOUT_QEMU_IMG (fx);
  truncated = make_converted (fx, "truncated.qcow2", "qcow2", "compat=1.1");
  g_assert_cmpint (truncate (truncated, 65536 + 4096), ==, 0);
  corrupt = make_converted (fx, "corrupt.qcow2", "qcow2", "compat=1.1");
  poke_be32 (corrupt, 76, 2);            /* incompatible features: corrupt */
  encrypted = make_converted (fx, "encrypted.qcow2", "qcow2", "compat=1.1");
  poke_be32 (encrypted, 32, 1);          /* crypt_method: AES */
  old = make_converted (fx, "old.qcow2", "qcow2", "compat=1.1");
  poke_be32 (old, 4, 1);                 /* version 1 */

  assert_refused (fx, truncated, NOVA_VOLUME_IMAGE_QCOW2, 0, "is corrupt");
  assert_refused (fx, corrupt, NOVA_VOLUME_IMAGE_QCOW2, 0, "marked corrupt");
  assert_refused (fx, encrypted, NOVA_VOLUME_IMAGE_QCOW2, 0, "is encrypted");
  assert_refused (fx, old, NOVA_VOLUME_IMAGE_QCOW2, 0, "qcow version 1");

  /* a pipe cannot be inspected */
  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_false (nova_volume_image_inspect (fx->executor, fds[0], NOVA_VOLUME_IMAGE_RAW, 0, NULL, &size, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "regular file or a block device"));
  close (fds[0]);
  close (fds[1]);
}

/* a disk larger than the limit, however small the file */
static void
test_too_large (Fixture *fx, gconstpointer data)
{
  g_autofree char *huge = NULL, *raw = NULL;

  SKIP_WITHOUT_QEMU_IMG (fx);
  huge = test_scratch_path (fx->scratch, "huge.qcow2");
  run ((const char *[]) { "qemu-img", "create", "-f", "qcow2", huge, "2T", NULL });
  raw = make_raw (fx, "sparse.raw", 64 * MIB);
  assert_refused (fx, huge, NOVA_VOLUME_IMAGE_QCOW2, 1024 * 1024 * MIB, "holds a disk of 2.0 TiB");
  assert_refused (fx, raw, NOVA_VOLUME_IMAGE_RAW, 32 * MIB, "more than image_max_virtual_size allows (32.0 MiB)");
}

/* the watch itself: an open of the secret (as qemu-img would make for a
 * data file) is seen, so "nothing touched" means something */
static void
test_watch_sees_opens (Fixture *fx, gconstpointer data)
{
  char buf[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  g_autofree char *contents = NULL;

  SKIP_WITHOUT_QEMU_IMG (fx);
  watch (fx);
  g_assert_true (g_file_get_contents (fx->secret, &contents, NULL, NULL));
  g_assert_cmpint (read (fx->watch_fd, buf, sizeof buf), >, 0);
  g_assert_true (((const struct inotify_event *) buf)->mask & (IN_OPEN | IN_ACCESS));
}

static void
test_format_names (void)
{
  NovaVolumeImageFormat format;

  for (guint i = 0; i < NOVA_VOLUME_IMAGE_N_FORMATS; i++)
    {
      g_assert_true (nova_volume_image_format_from_string (nova_volume_image_format_to_string (i), &format));
      g_assert_cmpuint (format, ==, i);
    }
  g_assert_false (nova_volume_image_format_from_string ("qed", &format));
  g_assert_false (nova_volume_image_format_from_string ("QCOW2", &format));
  g_assert_false (nova_volume_image_format_from_string (NULL, &format));
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/image/format-names", test_format_names);
  ADD ("/image/watch-sees-opens", test_watch_sees_opens);
  ADD ("/image/good", test_good_images);
  ADD ("/image/wrong-claims", test_wrong_claims);
  ADD ("/image/other-files", test_other_files);
  ADD ("/image/damaged", test_damaged);
  ADD ("/image/too-large", test_too_large);

  return g_test_run ();
}
