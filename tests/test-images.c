/* nova-volume: images in and out, through the real daemon on a private
 * bus (file driver): CreateVolume with image-fd from raw and qcow2 images
 * qemu-img made, the volume's bytes compared with the image's; copies out
 * as raw (a file, a pipe) and qcow2, compared back; refusals that change
 * nothing and read nothing beside the image; a cancel that leaves no
 * volume. The test opens every file and passes the descriptor: the
 * daemon never gets a path. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "service-fixture.h"

static const guint64 offsets[] = { 0, 1 * MIB + 4096, 5 * MIB, 8 * MIB - CHUNK };

static char *
scratch (Fixture *fx, const char *name)
{
  return g_build_filename (fx->dir, name, NULL);
}

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

static gboolean
have_qemu_img (void)
{
  g_autofree char *path = g_find_program_in_path ("qemu-img");

  if (path == NULL)
    g_test_skip ("no qemu-img (Debian: qemu-utils, which tools/deps.sh installs)");
  return path != NULL;
}

/* an 8 MiB raw image with random chunks at @offsets, the rest holes */
static char *
make_raw_image (Fixture *fx, const char *name, Chunks *chunks)
{
  char *path = scratch (fx, name);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 8 * MIB), ==, 0);
  close (fd);
  chunks->offsets = offsets;
  chunks->n_offsets = G_N_ELEMENTS (offsets);
  write_chunks (path, chunks, 42);
  return path;
}

static char *
volume_file (Fixture *fx, const char *volume)
{
  g_autofree char *id = get_string (fx, volume, IFACE_VOLUME, "Id");
  g_autofree char *name = g_strdup_printf ("volume-%s", id);

  return g_build_filename (fx->state_dir, "volumes", name, NULL);
}

static int
open_or_die (const char *path, int flags)
{
  int fd = open (path, flags | O_CLOEXEC, 0600);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

/* CreateVolume(@size, {image-fd, image-format: @format, @extra...}) with
 * @fd passed along; the new volume's path, or NULL and @error */
static char *
create_from_fd (Fixture *fx, int fd, const char *format, guint64 size, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  char *path = NULL;

  reply = call_with_fd (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                        g_variant_new_parsed ("(%t, {'image-fd': <@h 0>, 'image-format': <%s>})", size, format), fd,
                        "(o)", error);
  if (reply != NULL)
    g_variant_get (reply, "(o)", &path);
  return path;
}

static char *
create_from_image (Fixture *fx, const char *image, const char *format, guint64 size, GError **error)
{
  int fd = open_or_die (image, O_RDONLY);
  char *path = create_from_fd (fx, fd, format, size, error);

  close (fd);
  return path;
}

/* CopyToImage of @object (a volume's or a snapshot's path) */
static gboolean
copy_to_fd (Fixture *fx, const char *object, int fd, const char *format, gboolean compressed, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = call_with_fd (fx, object, strstr (object, "/snapshots/") != NULL ? IFACE_SNAPSHOT : IFACE_VOLUME,
                        "CopyToImage", g_variant_new_parsed ("(@h 0, %s, {'compressed': <%b>})", format, compressed),
                        fd, "()", error);
  return reply != NULL;
}

static void
assert_same_disk (const char *a, const char *a_format, const char *b, const char *b_format)
{
  run ((const char *[]) { "qemu-img", "compare", "-q", "-f", a_format, "-F", b_format, a, b, NULL });
}

/* CopyToImage of @object into the file @name as @format (compressed),
 * which must then hold the disk @expected (raw) holds; the file */
static char *
export_and_compare (Fixture *fx, const char *object, const char *name, const char *format, gboolean compressed,
                    const char *expected)
{
  g_autoptr(GError) error = NULL;
  char *out = scratch (fx, name);
  /* O_RDWR without O_TRUNC: what the file held before is the daemon's to clear */
  int fd = open_or_die (out, O_RDWR | O_CREAT);

  g_assert_true (copy_to_fd (fx, object, fd, format, compressed, &error));
  g_assert_no_error (error);
  close (fd);
  assert_same_disk (out, format, expected, "raw");
  return out;
}

/* raw and qcow2 in, with size 0 (the image's) and a larger size */
static void
test_import (Fixture *fx, gconstpointer data)
{
  Chunks chunks;
  g_autofree char *raw = NULL, *qcow2 = NULL, *from_raw = NULL, *from_qcow2 = NULL, *larger = NULL;
  g_autofree char *raw_file = NULL, *qcow2_file = NULL;
  g_autoptr(GError) error = NULL;

  if (!have_qemu_img ())
    return;
  raw = make_raw_image (fx, "disk.raw", &chunks);
  qcow2 = scratch (fx, "disk.qcow2");
  run ((const char *[]) { "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2, NULL });

  from_raw = create_from_image (fx, raw, "raw", 0, &error);
  g_assert_no_error (error);
  assert_status (fx, from_raw, IFACE_VOLUME, "available");
  g_assert_cmpuint (get_uint64 (fx, from_raw, IFACE_VOLUME, "Size"), ==, 8 * MIB);
  raw_file = volume_file (fx, from_raw);
  assert_chunks (raw_file, &chunks);
  assert_same_disk (raw_file, "raw", raw, "raw");

  from_qcow2 = create_from_image (fx, qcow2, "qcow2", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (get_uint64 (fx, from_qcow2, IFACE_VOLUME, "Size"), ==, 8 * MIB);
  qcow2_file = volume_file (fx, from_qcow2);
  assert_chunks (qcow2_file, &chunks);
  assert_same_disk (qcow2_file, "raw", qcow2, "qcow2");

  larger = create_from_image (fx, qcow2, "qcow2", 16 * MIB, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (get_uint64 (fx, larger, IFACE_VOLUME, "Size"), ==, 16 * MIB);
}

/* the caller's descriptor is all the daemon gets: an image whose name is
 * gone (unlinked after the open) comes in all the same */
static void
test_import_unlinked (Fixture *fx, gconstpointer data)
{
  Chunks chunks;
  g_autofree char *raw = make_raw_image (fx, "gone.raw", &chunks);
  g_autofree char *volume = NULL, *file = NULL;
  g_autoptr(GError) error = NULL;
  int fd = open_or_die (raw, O_RDONLY);

  g_assert_cmpint (g_unlink (raw), ==, 0);
  volume = create_from_fd (fx, fd, "raw", 0, &error);
  close (fd);
  g_assert_no_error (error);
  file = volume_file (fx, volume);
  assert_chunks (file, &chunks);
}

static void
assert_refused (Fixture *fx, const char *image, const char *format, guint64 size, const char *dbus_error,
                const char *const *words)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *volume = create_from_image (fx, image, format, size, &error);

  g_assert_null (volume);
  assert_dbus_error (error, dbus_error);
  g_test_message ("refused: %s", error->message);
  for (gsize i = 0; words[i] != NULL; i++)
    if (strstr (error->message, words[i]) == NULL)
      g_error ("'%s' does not say '%s'", error->message, words[i]);
}

/* every refusal changes nothing, and the secret a hostile image names is
 * never opened (by the daemon or by the qemu-img it runs) */
static void
test_import_refused (Fixture *fx, gconstpointer data)
{
  Chunks chunks;
  g_autofree char *raw = NULL, *qcow2 = NULL, *secret = NULL, *backing = NULL, *data_file = NULL;
  g_autofree char *vmdk = NULL, *before = NULL, *after = NULL, *data_opt = NULL;
  char events[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  int watch, fds[2];

  if (!have_qemu_img ())
    return;
  raw = make_raw_image (fx, "disk.raw", &chunks);
  qcow2 = scratch (fx, "disk.qcow2");
  run ((const char *[]) { "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2, NULL });
  secret = scratch (fx, "secret");
  g_assert_true (g_file_set_contents (secret, "the host's secret", -1, NULL));
  backing = scratch (fx, "backing.qcow2");
  run ((const char *[]) { "qemu-img", "create", "-f", "qcow2", "-b", secret, "-F", "raw", backing, "1M", NULL });
  data_opt = g_strdup_printf ("data_file=%s", secret);
  data_file = scratch (fx, "data-file.qcow2");
  run ((const char *[]) { "qemu-img", "create", "-f", "qcow2", "-o", data_opt, data_file, "1M", NULL });
  vmdk = scratch (fx, "disk.vmdk");
  run ((const char *[]) { "qemu-img", "convert", "-f", "raw", "-O", "vmdk", raw, vmdk, NULL });

  before = fingerprint (fx);
  watch = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  g_assert_cmpint (inotify_add_watch (watch, secret, IN_OPEN | IN_ACCESS), >=, 0);

  assert_refused (fx, raw, "raw", 4 * MIB, "InvalidArgument",
                  (const char *[]) { "4.0 MiB (4194304 bytes)", "8.0 MiB (8388608 bytes)", NULL });
  assert_refused (fx, qcow2, "raw", 0, "InvalidArgument",
                  (const char *[]) { "is qcow2, not raw", NULL });
  assert_refused (fx, raw, "qcow2", 0, "InvalidArgument",
                  (const char *[]) { "is raw, not qcow2", NULL });
  assert_refused (fx, backing, "qcow2", 0, "InvalidArgument",
                  (const char *[]) { "names a backing file", NULL });
  assert_refused (fx, data_file, "qcow2", 0, "InvalidArgument",
                  (const char *[]) { "external data file", NULL });
  assert_refused (fx, vmdk, "vmdk", 0, "InvalidArgument",
                  (const char *[]) { "image-format 'vmdk' is not taken here", "image_formats_allowed = raw,qcow2", NULL });
  assert_refused (fx, raw, "qed", 0, "InvalidArgument",
                  (const char *[]) { "'qed' is not an image format", NULL });

  /* a pipe cannot be inspected */
  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *volume = create_from_fd (fx, fds[0], "raw", 8 * MIB, &error);

    g_assert_null (volume);
    assert_dbus_error (error, "InvalidArgument");
    g_assert_nonnull (strstr (error->message, "regular file or a block device"));
  }
  close (fds[0]);
  close (fds[1]);

  g_assert_cmpint (read (watch, events, sizeof events), <, 0);
  close (watch);
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
}

/* a cancelled export leaves the volume as it was: here the copy out
 * blocks on a pipe that nobody reads until the Job is cancelled */
static void
test_export_cancelled (Fixture *fx, gconstpointer data)
{
  Chunks chunks;
  g_autofree char *raw = make_raw_image (fx, "disk.raw", &chunks);
  g_autofree char *volume = NULL, *job = NULL, *before = NULL, *after = NULL, *file = NULL, *operation = NULL;
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  int pipe_fds[2];

  volume = create_from_image (fx, raw, "raw", 0, &error);
  g_assert_no_error (error);
  file = volume_file (fx, volume);
  before = fingerprint (fx);
  g_assert_cmpint (pipe2 (pipe_fds, O_CLOEXEC), ==, 0);
  g_unix_fd_list_append (fds, pipe_fds[1], NULL);
  close (pipe_fds[1]);
  job = start_call_with_job (fx, volume, IFACE_VOLUME, "CopyToImage",
                             g_variant_new_parsed ("(@h 0, 'raw', @a{sv} {})"), fds, &result);
  operation = get_string (fx, job, "org.openstack.Volume1.Job", "Operation");
  g_assert_cmpstr (operation, ==, "image-export");
  call_ok (fx, job, "org.openstack.Volume1.Job", "Cancel", g_variant_new_parsed ("(@a{sv} {},)"));
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_with_unix_fd_list_finish (fx->connection, NULL, result, &error);
  g_assert_null (reply);
  assert_dbus_error (error, "Cancelled");
  close (pipe_fds[0]);
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
  assert_status (fx, volume, IFACE_VOLUME, "available");
  assert_chunks (file, &chunks);
}

/* a disk larger than the limit, or than the backend has room for */
static void
test_import_too_large (Fixture *fx, gconstpointer data)
{
  g_autofree char *huge = NULL, *before = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;

  if (!have_qemu_img ())
    return;
  huge = scratch (fx, "huge.qcow2");
  run ((const char *[]) { "qemu-img", "create", "-q", "-f", "qcow2", huge, "100T", NULL });
  before = fingerprint (fx);
  assert_refused (fx, huge, "qcow2", 0, "InvalidArgument",
                  (const char *[]) { "100.0 TiB", "image_max_virtual_size", "1.0 TiB", NULL });

  /* without the limit the backend's capacity decides */
  daemon_stop (fx);
  g_assert_true (g_file_set_contents (fx->config_path, "[DEFAULT]\nvolume_driver = file\nimage_max_virtual_size = 0\n",
                                      -1, &error));
  daemon_start (fx);
  assert_refused (fx, huge, "qcow2", 0, "NoSpace", (const char *[]) { "100.0 TiB", "not enough space", NULL });
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
}

/* raw out into a file (holes kept) and a pipe, qcow2 out (and
 * compressed), each the volume's disk; qcow2 into a pipe is refused */
static void
test_export (Fixture *fx, gconstpointer data)
{
  Chunks chunks;
  g_autofree char *raw = NULL, *volume = NULL, *file = NULL;
  g_autofree char *out_raw = NULL, *out_qcow2 = NULL, *out_compressed = NULL, *from_pipe = NULL;
  g_autoptr(GError) error = NULL;
  int fds[2];

  if (!have_qemu_img ())
    return;
  raw = make_raw_image (fx, "disk.raw", &chunks);
  volume = create_from_image (fx, raw, "raw", 0, &error);
  g_assert_no_error (error);
  file = volume_file (fx, volume);

  /* a file that held something else before: emptied first */
  out_raw = scratch (fx, "out.raw");
  g_assert_true (g_file_set_contents (out_raw, "old bytes that must not stay", -1, NULL));
  g_free (export_and_compare (fx, volume, "out.raw", "raw", FALSE, file));
  assert_chunks (out_raw, &chunks);
  out_qcow2 = export_and_compare (fx, volume, "out.qcow2", "qcow2", FALSE, file);
  out_compressed = export_and_compare (fx, volume, "out-compressed.qcow2", "qcow2", TRUE, file);

  /* into a pipe: every byte in order (a cat drains it meanwhile) */
  from_pipe = scratch (fx, "from-pipe.raw");
  {
    g_autoptr(GSubprocess) cat = NULL;
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

    g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
    g_subprocess_launcher_take_stdin_fd (launcher, fds[0]);
    g_subprocess_launcher_set_stdout_file_path (launcher, from_pipe);
    cat = g_subprocess_launcher_spawn (launcher, &error, "cat", NULL);
    g_assert_no_error (error);
    g_assert_true (copy_to_fd (fx, volume, fds[1], "raw", FALSE, &error));
    g_assert_no_error (error);
    close (fds[1]);
    g_assert_true (g_subprocess_wait_check (cat, NULL, &error));
    g_assert_no_error (error);
  }
  assert_same_disk (from_pipe, "raw", file, "raw");

  /* qcow2 is written out of order: not into a pipe */
  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
  g_assert_false (copy_to_fd (fx, volume, fds[1], "qcow2", FALSE, &error));
  assert_dbus_error (error, "InvalidArgument");
  g_assert_nonnull (strstr (error->message, "needs a regular file"));
  g_clear_error (&error);
  /* nor anything into a descriptor open for reading only */
  g_assert_false (copy_to_fd (fx, volume, fds[0], "raw", FALSE, &error));
  assert_dbus_error (error, "InvalidArgument");
  g_assert_nonnull (strstr (error->message, "not open for writing"));
  g_clear_error (&error);
  close (fds[0]);
  close (fds[1]);
}

/* an in-use volume may change while it is read: refused */
static void
test_export_in_use (Fixture *fx, gconstpointer data)
{
  g_autofree char *volume = create_volume (fx, MIB, NULL);
  g_autofree char *out = scratch (fx, "out.raw");
  g_autoptr(GError) error = NULL;
  int fd = open_or_die (out, O_WRONLY | O_CREAT);

  call_ok (fx, volume, IFACE_VOLUME, "Attach",
           g_variant_new_parsed ("('5f0dbd67-5b4f-4d93-8b0f-4d5a2d9b6c0e', '/dev/vdb', @a{sv} {})"));
  g_assert_false (copy_to_fd (fx, volume, fd, "raw", FALSE, &error));
  assert_dbus_error (error, "InvalidState");
  g_assert_nonnull (strstr (error->message, "in-use"));
  close (fd);
}

/* a snapshot copies out what the volume held when it was taken, while
 * the volume is in use and changes; CopyToImage of a snapshot takes the
 * same arguments */
static void
test_export_snapshot (Fixture *fx, gconstpointer data)
{
  Chunks chunks;
  g_autofree char *raw = NULL, *volume = NULL, *snapshot = NULL, *file = NULL, *out = NULL, *out_qcow2 = NULL;
  g_autoptr(GError) error = NULL;
  guint8 junk[CHUNK];
  int fd;

  if (!have_qemu_img ())
    return;
  raw = make_raw_image (fx, "disk.raw", &chunks);
  volume = create_from_image (fx, raw, "raw", 0, &error);
  g_assert_no_error (error);
  call_ok (fx, volume, IFACE_VOLUME, "Attach",
           g_variant_new_parsed ("('5f0dbd67-5b4f-4d93-8b0f-4d5a2d9b6c0e', '/dev/vdb', @a{sv} {})"));
  snapshot = create_snapshot (fx, volume, TRUE);
  /* the instance writes on */
  file = volume_file (fx, volume);
  memset (junk, 0xee, sizeof junk);
  fd = open_or_die (file, O_WRONLY);
  g_assert_cmpint (pwrite (fd, junk, sizeof junk, 0), ==, sizeof junk);
  close (fd);

  out = export_and_compare (fx, snapshot, "snapshot.raw", "raw", FALSE, raw);
  out_qcow2 = export_and_compare (fx, snapshot, "snapshot.qcow2", "qcow2", TRUE, raw);
}

/* a cancelled import leaves no volume */
static void
test_import_cancelled (Fixture *fx, gconstpointer data)
{
  Chunks chunks;
  g_autofree char *raw = make_raw_image (fx, "disk.raw", &chunks);
  g_autofree char *job = NULL, *before = NULL, *after = NULL;
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *operation = NULL;
  int fd = open_or_die (raw, O_RDONLY);
  gint index = g_unix_fd_list_append (fds, fd, NULL);

  close (fd);
  use_held_copies (fx);
  before = fingerprint (fx);
  job = start_call_with_job (fx, MANAGER_PATH, IFACE_MANAGER, "CreateVolume",
                             g_variant_new_parsed ("(@t 0, {'image-fd': <%h>})", index), fds, &result);
  operation = get_string (fx, job, "org.openstack.Volume1.Job", "Operation");
  g_assert_cmpstr (operation, ==, "image-import");
  /* what it moves: the image's disk */
  g_assert_cmpuint (get_uint64 (fx, job, "org.openstack.Volume1.Job", "Bytes"), ==, 8 * MIB);
  call_ok (fx, job, "org.openstack.Volume1.Job", "Cancel", g_variant_new_parsed ("(@a{sv} {},)"));
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  reply = g_dbus_connection_call_with_unix_fd_list_finish (fx->connection, NULL, result, &error);
  g_assert_null (reply);
  assert_dbus_error (error, "Cancelled");
  after = fingerprint (fx);
  g_assert_cmpstr (before, ==, after);
}

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/images/import", test_import);
  ADD ("/images/import-unlinked", test_import_unlinked);
  ADD ("/images/import-refused", test_import_refused);
  ADD ("/images/import-cancelled", test_import_cancelled);
  ADD ("/images/import-too-large", test_import_too_large);
  ADD ("/images/export", test_export);
  ADD ("/images/export-in-use", test_export_in_use);
  ADD ("/images/export-cancelled", test_export_cancelled);
  ADD ("/images/export-snapshot", test_export_snapshot);

  return g_test_run ();
}
