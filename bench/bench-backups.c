/* nova-volume-bench, figure 7: backups into the posix repository. A
 * 1 GiB volume, a quarter of it random data, a quarter text-like data
 * (compressible), half holes: a full backup, an incremental after 4 MiB
 * changed, a restore into a new volume; the full backup beside what an
 * admin would run on the same file in the same run, sha256sum and zstd
 * (one thread, its default level, the daemon's too) into a file,
 * flushed. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench-figures.h"

#define VOLUME_BYTES (1024 * BENCH_MIB)
#define ROUNDS 3

/* @path: of every 4 MiB, 1 random, 1 of repeated lines, 2 holes */
static gboolean
fill (const char *path, GError **error)
{
  g_autofree guint8 *chunk = g_malloc (BENCH_MIB);
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gboolean ok = fd >= 0;

  for (guint64 offset = 0; ok && offset < VOLUME_BYTES; offset += 4 * BENCH_MIB)
    {
      for (gsize i = 0; i < BENCH_MIB / sizeof (guint32); i++)
        ((guint32 *) chunk)[i] = g_random_int ();
      ok = pwrite (fd, chunk, BENCH_MIB, (off_t) offset) == (gssize) BENCH_MIB;
      for (gsize i = 0; ok && i < BENCH_MIB; i++)
        chunk[i] = (guint8) ("volume 0123 backed up at 12:00, status available\n"[i % 50]);
      ok = ok && pwrite (fd, chunk, BENCH_MIB, (off_t) (offset + BENCH_MIB)) == (gssize) BENCH_MIB;
    }
  ok = ok && fsync (fd) == 0;
  if (fd >= 0)
    close (fd);
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot fill %s", path);
  return ok;
}

/* @method on @path with @options, timed; the object path it returns */
static char *
time_call (BenchContext *ctx, const char *path, const char *iface, const char *method, GVariant *options,
           GArray *times, GError **error)
{
  double start = bench_now ();
  g_autoptr(GVariant) reply = bench_call (ctx->daemon, path, iface, method, g_variant_new ("(@a{sv})", options), "(o)",
                                          error);
  double seconds = bench_now () - start;
  char *made = NULL;

  if (reply == NULL)
    return NULL;
  g_array_append_val (times, seconds);
  g_variant_get (reply, "(o)", &made);
  return made;
}

static guint64
stored_bytes (BenchContext *ctx, const char *backup)
{
  g_autoptr(GVariant) reply = bench_call (ctx->daemon, backup, "org.freedesktop.DBus.Properties", "Get",
                                          g_variant_new ("(ss)", BENCH_IFACE_BACKUP, "StoredBytes"), "(v)", NULL);
  g_autoptr(GVariant) value = NULL;

  if (reply == NULL)
    return 0;
  g_variant_get (reply, "(v)", &value);
  return g_variant_get_uint64 (value);
}

/* sha256sum and zstd of @file into a file, flushed, timed */
static gboolean
time_tools (BenchContext *ctx, const char *file, GArray *times, GError **error)
{
  g_autofree char *out = g_build_filename (ctx->dir, "bench-backup.zst", NULL);
  double start = bench_now ();
  gboolean ok = bench_run_tool ((const char *[]) { "sha256sum", file, NULL }, error)
                && bench_run_tool ((const char *[]) { "zstd", "-q", "-f", "-T1", file, "-o", out, NULL }, error);
  double seconds;
  int fd;

  /* flushed, as the daemon's chunks are */
  if (ok)
    {
      fd = open (out, O_RDONLY | O_CLOEXEC);
      ok = fd >= 0 && fsync (fd) == 0;
      if (fd >= 0)
        close (fd);
      if (!ok)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot flush %s", out);
    }
  seconds = bench_now () - start;

  g_unlink (out);
  if (ok)
    g_array_append_val (times, seconds);
  return ok;
}

gboolean
bench_figure_backups (BenchContext *ctx, GError **error)
{
  g_autoptr(GArray) full = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) incremental = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) restore = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) tools = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *zstd = g_find_program_in_path ("zstd");
  guint64 full_stored = 0, incremental_stored = 0;
  gboolean ok = TRUE;

  for (guint r = 0; ok && r < ROUNDS; r++)
    {
      g_autofree char *volume = NULL, *file = NULL, *first = NULL, *second = NULL, *restored = NULL;
      g_autofree guint8 *noise = g_malloc (4 * BENCH_MIB);
      int fd;

      ok = (volume = bench_create_volume (ctx->daemon, VOLUME_BYTES, NULL, error)) != NULL
           && (file = bench_get_string (ctx->daemon, volume, BENCH_IFACE_VOLUME, "ProviderLocation", error)) != NULL
           && fill (file, error)
           && (first = time_call (ctx, volume, BENCH_IFACE_VOLUME, "Backup", g_variant_new_parsed ("@a{sv} {}"), full,
                                  error)) != NULL;
      if (!ok)
        break;
      full_stored = stored_bytes (ctx, first);
      /* 4 MiB change, in one chunk of the repository's */
      for (gsize i = 0; i < 4 * BENCH_MIB / sizeof (guint32); i++)
        ((guint32 *) noise)[i] = g_random_int ();
      fd = open (file, O_WRONLY | O_CLOEXEC);
      ok = fd >= 0 && pwrite (fd, noise, 4 * BENCH_MIB, (off_t) (512 * BENCH_MIB)) == (gssize) (4 * BENCH_MIB)
           && fsync (fd) == 0;
      if (fd >= 0)
        close (fd);
      ok = ok
           && (second = time_call (ctx, volume, BENCH_IFACE_VOLUME, "Backup",
                                   g_variant_new_parsed ("{'incremental': <true>}"), incremental, error)) != NULL
           && (restored = time_call (ctx, second, BENCH_IFACE_BACKUP, "Restore", g_variant_new_parsed ("@a{sv} {}"),
                                     restore, error)) != NULL;
      if (!ok)
        break;
      incremental_stored = stored_bytes (ctx, second);
      ok = (zstd == NULL || time_tools (ctx, file, tools, error))
           && bench_delete (ctx->daemon, second, BENCH_IFACE_BACKUP, error)
           && bench_delete (ctx->daemon, first, BENCH_IFACE_BACKUP, error)
           && bench_delete (ctx->daemon, restored, BENCH_IFACE_VOLUME, error)
           && bench_delete (ctx->daemon, volume, BENCH_IFACE_VOLUME, error);
    }
  if (!ok)
    return FALSE;

  {
    double full_s = bench_percentile (full, 50);
    double incremental_s = bench_percentile (incremental, 50);
    double restore_s = bench_percentile (restore, 50);
    double tools_s = zstd != NULL ? bench_percentile (tools, 50) : 0;
    double mib = (double) VOLUME_BYTES / BENCH_MIB;

    bench_report_section (ctx->report, "backups");
    bench_report_integer (ctx->report, "volume_bytes", (gint64) VOLUME_BYTES);
    bench_report_integer (ctx->report, "rounds", ROUNDS);
    bench_report_number (ctx->report, "full_s", full_s);
    bench_report_number (ctx->report, "full_mib_per_s", mib / full_s);
    bench_report_integer (ctx->report, "full_stored_bytes", (gint64) full_stored);
    bench_report_number (ctx->report, "incremental_s", incremental_s);
    bench_report_integer (ctx->report, "incremental_stored_bytes", (gint64) incremental_stored);
    bench_report_number (ctx->report, "restore_s", restore_s);
    bench_report_number (ctx->report, "restore_mib_per_s", mib / restore_s);
    if (zstd != NULL)
      {
        bench_report_number (ctx->report, "sha256sum_zstd_s", tools_s);
        bench_report_number (ctx->report, "full_over_sha256sum_zstd", bench_ratio (full_s, tools_s));
      }
    else
      bench_report_string (ctx->report, "sha256sum_zstd_not_measured", "no zstd (Debian: zstd)");
    bench_report_line (ctx->report,
                       "backups of a 1 GiB volume, half holes (medians of %u): full %.3f s (%.0f MiB/s, %.1f MiB "
                       "stored) vs sha256sum+zstd %.3f s (%.2fx); incremental after 4 MiB changed %.3f s (%.1f MiB "
                       "stored); restore into a new volume %.3f s (%.0f MiB/s)",
                       ROUNDS, full_s, mib / full_s, (double) full_stored / BENCH_MIB, tools_s,
                       bench_ratio (full_s, tools_s), incremental_s, (double) incremental_stored / BENCH_MIB,
                       restore_s, mib / restore_s);
  }
  return TRUE;
}
