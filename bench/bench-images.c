/* nova-volume-bench, figure 6: images in and out. A 1 GiB disk with half
 * of it data, as raw and as qcow2: CreateVolume with image-fd and
 * CopyToImage, each beside qemu-img convert of the same image to the same
 * kind of target (a new sparse file) in the same run. qemu-img convert
 * leaves its output unflushed unless told (-t writeback flushes at the
 * end); the daemon's copy is on the disk when the call returns, so
 * qemu-img is measured flushing too. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>

#include "bench-figures.h"

#define IMAGE_BYTES (1024 * BENCH_MIB)
#define IMAGE_ROUNDS 3

/* a call with @fd passed along as handle 0 */
static GVariant *
call_with_fd (BenchContext *ctx, const char *path, const char *iface, const char *method, GVariant *params, int fd,
              const char *reply_type, GError **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();

  if (g_unix_fd_list_append (fds, fd, error) < 0)
    return NULL;
  return g_dbus_connection_call_with_unix_fd_list_sync (ctx->daemon->connection, BENCH_BUS_NAME, path, iface, method,
                                                        params, G_VARIANT_TYPE (reply_type), G_DBUS_CALL_FLAGS_NONE,
                                                        BENCH_CALL_TIMEOUT_MS, fds, NULL, NULL, error);
}

/* the raw image: every other MiB random, the rest holes; and its qcow2 */
static gboolean
make_images (const char *raw, const char *qcow2, GError **error)
{
  g_autofree guint8 *chunk = g_malloc (BENCH_MIB);
  int fd = open (raw, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  gboolean ok = fd >= 0 && ftruncate (fd, (off_t) IMAGE_BYTES) == 0;

  for (guint64 offset = 0; ok && offset < IMAGE_BYTES; offset += 2 * BENCH_MIB)
    {
      for (gsize i = 0; i < BENCH_MIB / sizeof (guint32); i++)
        ((guint32 *) chunk)[i] = g_random_int ();
      ok = pwrite (fd, chunk, BENCH_MIB, (off_t) offset) == (gssize) BENCH_MIB;
    }
  if (fd >= 0)
    close (fd);
  if (!ok)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", raw);
      return FALSE;
    }
  return bench_run_tool ((const char *[]) { "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2, NULL },
                         error);
}

/* CreateVolume from @image as @format, timed; the new volume's path */
static char *
time_import (BenchContext *ctx, const char *image, const char *format, GArray *times, GError **error)
{
  int fd = open (image, O_RDONLY | O_CLOEXEC);
  double start = bench_now ();
  g_autoptr(GVariant) reply = call_with_fd (ctx, BENCH_MANAGER_PATH, BENCH_IFACE_MANAGER, "CreateVolume",
                                            g_variant_new_parsed ("(@t 0, {'image-fd': <@h 0>, 'image-format': <%s>})",
                                                                  format),
                                            fd, "(o)", error);
  double seconds = bench_now () - start;
  char *path = NULL;

  close (fd);
  if (reply == NULL)
    return NULL;
  g_array_append_val (times, seconds);
  g_variant_get (reply, "(o)", &path);
  return path;
}

/* CopyToImage of @volume into a new file as @format, timed, then removed */
static gboolean
time_export (BenchContext *ctx, const char *volume, const char *format, GArray *times, GError **error)
{
  g_autofree char *out = g_build_filename (ctx->dir, "export.img", NULL);
  int fd = open (out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  double start = bench_now ();
  g_autoptr(GVariant) reply = call_with_fd (ctx, volume, BENCH_IFACE_VOLUME, "CopyToImage",
                                            g_variant_new_parsed ("(@h 0, %s, @a{sv} {})", format), fd, "()", error);
  double seconds = bench_now () - start;

  close (fd);
  g_unlink (out);
  if (reply == NULL)
    return FALSE;
  g_array_append_val (times, seconds);
  return TRUE;
}

/* qemu-img convert of @image (@format) into a new sparse file as
 * @out_format, as the daemon's import writes (-n --target-is-zero into a
 * file of the disk's size) or its export (a new file), timed, removed */
static gboolean
time_qemu_img (BenchContext *ctx, const char *image, const char *format, const char *out_format, gboolean into_volume,
               GArray *times, GError **error)
{
  g_autofree char *out = g_build_filename (ctx->dir, "qemu-img.img", NULL);
  const char *import_argv[] = { "qemu-img", "convert", "-t", "writeback", "-n", "--target-is-zero", "-f", format,
                                "-O", out_format, image, out, NULL };
  const char *export_argv[] = { "qemu-img", "convert", "-t", "writeback", "-f", format, "-O", out_format, image, out,
                                NULL };
  double start, seconds;
  gboolean ok;

  if (into_volume)
    {
      /* the new sparse file a volume starts as */
      int fd = open (out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      gboolean made = fd >= 0 && ftruncate (fd, (off_t) IMAGE_BYTES) == 0;

      if (fd >= 0)
        close (fd);
      if (!made)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make %s", out);
          return FALSE;
        }
    }
  start = bench_now ();
  ok = bench_run_tool (into_volume ? import_argv : export_argv, error);
  seconds = bench_now () - start;
  g_unlink (out);
  if (ok)
    g_array_append_val (times, seconds);
  return ok;
}

typedef struct {
  const char *name;
  GArray     *daemon;
  GArray     *qemu_img;
} Pair;

gboolean
bench_figure_images (BenchContext *ctx, GError **error)
{
  g_autofree char *raw = g_build_filename (ctx->dir, "bench-image.raw", NULL);
  g_autofree char *qcow2 = g_build_filename (ctx->dir, "bench-image.qcow2", NULL);
  g_autofree char *qemu_img = g_find_program_in_path ("qemu-img");
  Pair pairs[] = {
    { "import_raw" }, { "import_qcow2" }, { "export_raw" }, { "export_qcow2" },
  };
  gboolean ok;

  if (qemu_img == NULL)
    {
      bench_report_section (ctx->report, "images");
      bench_report_string (ctx->report, "not_measured", "no qemu-img (Debian: qemu-utils)");
      bench_report_line (ctx->report, "images: not measured: no qemu-img");
      return TRUE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      pairs[i].daemon = g_array_new (FALSE, FALSE, sizeof (double));
      pairs[i].qemu_img = g_array_new (FALSE, FALSE, sizeof (double));
    }
  ok = make_images (raw, qcow2, error);
  /* rounds take turns, each side reads the same image from the page
   * cache; medians are reported */
  for (guint r = 0; ok && r < IMAGE_ROUNDS; r++)
    {
      g_autofree char *from_raw = NULL, *from_qcow2 = NULL, *file = NULL;

      ok = (from_raw = time_import (ctx, raw, "raw", pairs[0].daemon, error)) != NULL
           && time_qemu_img (ctx, raw, "raw", "raw", TRUE, pairs[0].qemu_img, error)
           && (from_qcow2 = time_import (ctx, qcow2, "qcow2", pairs[1].daemon, error)) != NULL
           && time_qemu_img (ctx, qcow2, "qcow2", "raw", TRUE, pairs[1].qemu_img, error)
           && (file = bench_get_string (ctx->daemon, from_raw, BENCH_IFACE_VOLUME, "ProviderLocation", error)) != NULL
           && time_export (ctx, from_raw, "raw", pairs[2].daemon, error)
           && time_qemu_img (ctx, file, "raw", "raw", FALSE, pairs[2].qemu_img, error)
           && time_export (ctx, from_raw, "qcow2", pairs[3].daemon, error)
           && time_qemu_img (ctx, file, "raw", "qcow2", FALSE, pairs[3].qemu_img, error)
           && bench_delete (ctx->daemon, from_raw, BENCH_IFACE_VOLUME, error)
           && bench_delete (ctx->daemon, from_qcow2, BENCH_IFACE_VOLUME, error);
    }
  g_unlink (raw);
  g_unlink (qcow2);

  if (ok)
    {
      g_autoptr(GString) line = g_string_new ("images of a 1 GiB disk, half data (medians of 3), daemon vs qemu-img convert -t writeback:");

      bench_report_section (ctx->report, "images");
      bench_report_integer (ctx->report, "disk_bytes", (gint64) IMAGE_BYTES);
      bench_report_integer (ctx->report, "rounds", IMAGE_ROUNDS);
      for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
        {
          double daemon_s = bench_percentile (pairs[i].daemon, 50);
          double qemu_img_s = bench_percentile (pairs[i].qemu_img, 50);
          g_autofree char *daemon_key = g_strconcat (pairs[i].name, "_s", NULL);
          g_autofree char *qemu_img_key = g_strconcat (pairs[i].name, "_qemu_img_s", NULL);
          g_autofree char *ratio_key = g_strconcat (pairs[i].name, "_over_qemu_img", NULL);

          bench_report_number (ctx->report, daemon_key, daemon_s);
          bench_report_number (ctx->report, qemu_img_key, qemu_img_s);
          bench_report_number (ctx->report, ratio_key, bench_ratio (daemon_s, qemu_img_s));
          g_string_append_printf (line, " %s %.3f s vs %.3f s (%.2fx);", pairs[i].name, daemon_s, qemu_img_s,
                                  bench_ratio (daemon_s, qemu_img_s));
        }
      bench_report_line (ctx->report, "%s", line->str);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_array_unref (pairs[i].daemon);
      g_array_unref (pairs[i].qemu_img);
    }
  return ok;
}
