/* nova-volume-bench: the figures, each side by side with its bare
 * counterpart in one run, so that a loaded machine weighs on both. */
#include "config.h"

#include <errno.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "bench-figures.h"
#include "bench-pair-floor.h"
#include "bench-listing-floor.h"

/* clones running at once in the latency figure */
#define LOAD_CLONES 8
/* one Properties.Get every 5 ms, idle and under load alike: a client
 * that polls, not one that adds a busy loop to the load */
#define PROBE_INTERVAL_US 5000
/* create calls in flight at once while filling the daemon */
#define CREATE_WINDOW 32
/* the daemon and the bare side take turns this many times */
#define ROUNDS 5
/* rounds of the copy figure: each copy of each kind this many times */
#define COPY_ROUNDS 3

static double
mib (guint64 bytes)
{
  return (double) bytes / (double) BENCH_MIB;
}

/* ---- calls in flight ------------------------------------------------ */

typedef struct {
  guint      issued;
  guint      done;
  GArray    *done_at; /* double: when each reply came */
  GPtrArray *paths;   /* the volumes made */
  GError    *error;   /* the first failure */
} Batch;

static void
batch_init (Batch *batch)
{
  batch->issued = batch->done = 0;
  batch->done_at = g_array_new (FALSE, FALSE, sizeof (double));
  batch->paths = g_ptr_array_new_with_free_func (g_free);
  batch->error = NULL;
}

static void
batch_clear (Batch *batch)
{
  g_clear_pointer (&batch->done_at, g_array_unref);
  g_clear_pointer (&batch->paths, g_ptr_array_unref);
  g_clear_error (&batch->error);
}

static void
on_create_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Batch *batch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  double now = bench_now ();

  batch->done++;
  g_array_append_val (batch->done_at, now);
  if (reply != NULL)
    {
      const char *path;

      g_variant_get (reply, "(&o)", &path);
      g_ptr_array_add (batch->paths, g_strdup (path));
    }
  else if (batch->error == NULL)
    {
      batch->error = g_steal_pointer (&error);
    }
}

static void
create_async (BenchContext *ctx, Batch *batch, guint64 size, GVariant *options)
{
  if (options == NULL)
    options = g_variant_new ("a{sv}", NULL);
  g_dbus_connection_call (ctx->daemon->connection, BENCH_BUS_NAME, BENCH_MANAGER_PATH, BENCH_IFACE_MANAGER,
                          "CreateVolume", g_variant_new ("(t@a{sv})", size, options), G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, BENCH_CALL_TIMEOUT_MS, NULL, on_create_reply, batch);
  batch->issued++;
}

static gboolean
batch_check (Batch *batch, GError **error)
{
  if (batch->error == NULL)
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&batch->error));
  return FALSE;
}

static gboolean
delete_all (BenchContext *ctx, GPtrArray *paths, GError **error)
{
  for (guint i = 0; i < paths->len; i++)
    if (!bench_delete (ctx->daemon, g_ptr_array_index (paths, i), BENCH_IFACE_VOLUME, error))
      return FALSE;
  return TRUE;
}

/* a new volume of @size full of data: its object path and file */
static char *
create_filled_volume (BenchContext *ctx, guint64 size, char **file, GError **error)
{
  g_autofree char *path = bench_create_volume (ctx->daemon, size, NULL, error);

  if (path == NULL)
    return NULL;
  *file = bench_get_string (ctx->daemon, path, BENCH_IFACE_VOLUME, "ProviderLocation", error);
  if (*file == NULL || !bench_fill_file (*file, size, error))
    return NULL;
  return g_steal_pointer (&path);
}

/* how the file driver will copy: the scratch directory holds its
 * volumes directory, so the probe stays out of the daemon's way */
static const char *
copy_method (BenchContext *ctx)
{
  return bench_reflink_supported (ctx->dir) ? "reflink" : "sparse copy";
}

/* ---- 1: create+delete ---------------------------------------------- */

/* CreateVolume+Delete pairs, one after the other, to the bus name @name:
 * the daemon's, or a floor's */
static gboolean
daemon_pairs (BenchContext *ctx, const char *name, guint count, GArray *create_ms, GArray *delete_ms,
              double *seconds, GError **error)
{
  for (guint i = 0; i < count; i++)
    {
      double start = bench_now ();
      g_autoptr(GVariant) created = bench_call_to (ctx->daemon, name, BENCH_MANAGER_PATH, BENCH_IFACE_MANAGER,
                                                   "CreateVolume", g_variant_new ("(ta{sv})", BENCH_MIB, NULL),
                                                   "(o)", error);
      g_autoptr(GVariant) deleted = NULL;
      double create, remove, created_at;
      const char *path;

      if (created == NULL)
        return FALSE;
      created_at = bench_now ();
      g_variant_get (created, "(&o)", &path);
      deleted = bench_call_to (ctx->daemon, name, path, BENCH_IFACE_VOLUME, "Delete",
                               g_variant_new ("(a{sv})", NULL), "()", error);
      if (deleted == NULL)
        return FALSE;
      create = (created_at - start) * 1e3;
      remove = (bench_now () - created_at) * 1e3;
      *seconds += bench_now () - start;
      if (create_ms != NULL)
        g_array_append_val (create_ms, create);
      if (delete_ms != NULL)
        g_array_append_val (delete_ms, remove);
    }
  return TRUE;
}

/* the floors over the bus, in a directory of their own */
static gboolean
pair_floors_new (BenchContext *ctx, BenchPairFloor **durable, BenchPairFloor **one_commit, GError **error)
{
  g_autofree char *dir = g_build_filename (ctx->dir, "pair-floor", NULL);

  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  *durable = bench_pair_floor_new (ctx->daemon->bus_address, dir, BENCH_BARE_DURABLE, error);
  if (*durable == NULL)
    return FALSE;
  *one_commit = bench_pair_floor_new (ctx->daemon->bus_address, dir, BENCH_BARE_DURABLE_ONE_COMMIT, error);
  return *one_commit != NULL;
}

gboolean
bench_figure_create_delete (BenchContext *ctx, GError **error)
{
  g_autoptr(GArray) create_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) delete_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(BenchPairFloor) bus_durable = NULL;
  g_autoptr(BenchPairFloor) bus_one_commit = NULL;
  guint per_round = MAX (ctx->pairs / ROUNDS, 1);
  guint n = per_round * ROUNDS;
  double dbus_s = 0, bare_s = 0, durable_s = 0, bus_durable_s = 0, bus_one_s = 0, warm_up = 0;
  double dbus_rate, bare_rate, durable_rate, bus_durable_rate, bus_one_rate;
  const char *bus_durable_name, *bus_one_name;

  if (!pair_floors_new (ctx, &bus_durable, &bus_one_commit, error))
    return FALSE;
  bus_durable_name = bench_pair_floor_get_name (bus_durable);
  bus_one_name = bench_pair_floor_get_name (bus_one_commit);
  /* warm caches, the daemon's thread pool and the bare databases first */
  if (!daemon_pairs (ctx, BENCH_BUS_NAME, 5, NULL, NULL, &warm_up, error)
      || !bench_bare_pairs (ctx->bare, BENCH_BARE_MINIMAL, 5, BENCH_MIB, &warm_up, error)
      || !bench_bare_pairs (ctx->bare, BENCH_BARE_DURABLE, 5, BENCH_MIB, &warm_up, error)
      || !daemon_pairs (ctx, bus_durable_name, 5, NULL, NULL, &warm_up, error)
      || !daemon_pairs (ctx, bus_one_name, 5, NULL, NULL, &warm_up, error))
    return FALSE;
  /* taking turns, so a change of load on the machine weighs on every side */
  for (guint r = 0; r < ROUNDS; r++)
    if (!daemon_pairs (ctx, BENCH_BUS_NAME, per_round, create_ms, delete_ms, &dbus_s, error)
        || !bench_bare_pairs (ctx->bare, BENCH_BARE_MINIMAL, per_round, BENCH_MIB, &bare_s, error)
        || !bench_bare_pairs (ctx->bare, BENCH_BARE_DURABLE, per_round, BENCH_MIB, &durable_s, error)
        || !daemon_pairs (ctx, bus_durable_name, per_round, NULL, NULL, &bus_durable_s, error)
        || !daemon_pairs (ctx, bus_one_name, per_round, NULL, NULL, &bus_one_s, error))
      return FALSE;

  dbus_rate = n / dbus_s;
  bare_rate = n / bare_s;
  durable_rate = n / durable_s;
  bus_durable_rate = n / bus_durable_s;
  bus_one_rate = n / bus_one_s;
  bench_report_section (ctx->report, "create_delete");
  bench_report_integer (ctx->report, "pairs", (gint64) n);
  bench_report_integer (ctx->report, "volume_bytes", (gint64) BENCH_MIB);
  bench_report_number (ctx->report, "dbus_pairs_per_s", dbus_rate);
  bench_report_number (ctx->report, "dbus_create_p50_ms", bench_percentile (create_ms, 50));
  bench_report_number (ctx->report, "dbus_create_p99_ms", bench_percentile (create_ms, 99));
  bench_report_number (ctx->report, "dbus_delete_p50_ms", bench_percentile (delete_ms, 50));
  bench_report_number (ctx->report, "dbus_delete_p99_ms", bench_percentile (delete_ms, 99));
  bench_report_number (ctx->report, "bare_pairs_per_s", bare_rate);
  bench_report_number (ctx->report, "bare_over_dbus", bench_ratio (bare_rate, dbus_rate));
  bench_report_number (ctx->report, "bare_durable_pairs_per_s", durable_rate);
  bench_report_number (ctx->report, "bare_durable_over_dbus", bench_ratio (durable_rate, dbus_rate));
  bench_report_number (ctx->report, "bus_floor_pairs_per_s", bus_durable_rate);
  bench_report_number (ctx->report, "bus_floor_over_dbus", bench_ratio (bus_durable_rate, dbus_rate));
  bench_report_number (ctx->report, "bare_durable_over_bus_floor", bench_ratio (durable_rate, bus_durable_rate));
  bench_report_number (ctx->report, "bus_floor_one_commit_pairs_per_s", bus_one_rate);
  bench_report_number (ctx->report, "bus_floor_one_commit_over_dbus", bench_ratio (bus_one_rate, dbus_rate));
  bench_report_line (ctx->report,
                     "create+delete 1 MiB (file driver), %u pairs each: D-Bus %.1f pairs/s "
                     "(CreateVolume p50 %.2f ms, Delete p50 %.2f ms); bare truncate+unlink+1 commit each "
                     "%.1f pairs/s, %.1fx the D-Bus rate; bare with the daemon's fsyncs and 4 commits "
                     "%.1f pairs/s, %.2fx",
                     n, dbus_rate, bench_percentile (create_ms, 50), bench_percentile (delete_ms, 50), bare_rate,
                     bench_ratio (bare_rate, dbus_rate), durable_rate, bench_ratio (durable_rate, dbus_rate));
  bench_report_line (ctx->report,
                     "  the same bare work in a bare GDBus server's handlers, called over the bus: with 4 commits "
                     "%.1f pairs/s (%.2fx the D-Bus rate; the bare work alone %.2fx it), with one commit a call "
                     "%.1f pairs/s (%.2fx)",
                     bus_durable_rate, bench_ratio (bus_durable_rate, dbus_rate),
                     bench_ratio (durable_rate, bus_durable_rate), bus_one_rate, bench_ratio (bus_one_rate, dbus_rate));
  return TRUE;
}

/* ---- 3: latency under copies ---------------------------------------- */

/* one Peer.Ping, which GDBus answers in the daemon's bus thread (the
 * bus and the transport alone), then one Properties.Get of Status, which
 * waits for the daemon's main loop */
static gboolean
probe (BenchContext *ctx, const char *volume, GArray *ping_us, GArray *get_us, GError **error)
{
  double start = bench_now ();
  g_autoptr(GVariant) pong = bench_call (ctx->daemon, BENCH_ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping", NULL,
                                         "()", error);
  double pinged = bench_now ();
  g_autofree char *status = NULL;
  double us;

  if (pong == NULL)
    return FALSE;
  us = (pinged - start) * 1e6;
  g_array_append_val (ping_us, us);
  status = bench_get_string (ctx->daemon, volume, BENCH_IFACE_VOLUME, "Status", error);
  if (status == NULL)
    return FALSE;
  us = (bench_now () - pinged) * 1e6;
  g_array_append_val (get_us, us);
  return TRUE;
}

gboolean
bench_figure_latency (BenchContext *ctx, GError **error)
{
  g_autoptr(GArray) idle_us = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) load_us = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) idle_ping_us = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) load_ping_us = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *volume = NULL;
  const char *method = copy_method (ctx);
  guint64 quarter = ctx->copy_size / 4;
  guint64 copied = 0;
  double start, seconds, idle_p50, idle_p99, load_p50, load_p99;
  gboolean ok = TRUE;
  Batch batch;

  volume = bench_create_volume (ctx->daemon, BENCH_MIB, NULL, error);
  if (volume == NULL)
    return FALSE;
  for (guint i = 0; i < ctx->samples; i++)
    {
      if (!probe (ctx, volume, idle_ping_us, idle_us, error))
        return FALSE;
      g_usleep (PROBE_INTERVAL_US);
    }

  /* the sources: a quarter of the copy size to all of it, full of data */
  for (guint i = 0; i < LOAD_CLONES; i++)
    {
      guint64 size = (quarter + (ctx->copy_size - quarter) * i / (LOAD_CLONES - 1)) / BENCH_MIB * BENCH_MIB;
      g_autofree char *file = NULL;
      char *source = create_filled_volume (ctx, MAX (size, BENCH_MIB), &file, error);

      if (source == NULL)
        return FALSE;
      g_ptr_array_add (sources, source);
      copied += MAX (size, BENCH_MIB);
    }

  batch_init (&batch);
  start = bench_now ();
  for (guint i = 0; i < sources->len; i++)
    create_async (ctx, &batch, 0,
                  g_variant_new_parsed ("{'source-volume': <%o>}", (const char *) g_ptr_array_index (sources, i)));
  /* every call has its own timeout: the loop ends */
  while (ok && batch.done < batch.issued)
    {
      ok = probe (ctx, volume, load_ping_us, load_us, error);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (batch.done < batch.issued)
        g_usleep (PROBE_INTERVAL_US);
    }
  seconds = bench_now () - start;
  if (!ok)
    {
      /* let the clones end before the daemon is stopped */
      while (batch.done < batch.issued)
        g_main_context_iteration (NULL, TRUE);
    }
  ok = ok && batch_check (&batch, error) && delete_all (ctx, batch.paths, error)
       && delete_all (ctx, sources, error) && bench_delete (ctx->daemon, volume, BENCH_IFACE_VOLUME, error);
  batch_clear (&batch);
  if (!ok)
    return FALSE;

  idle_p50 = bench_percentile (idle_us, 50);
  idle_p99 = bench_percentile (idle_us, 99);
  load_p50 = bench_percentile (load_us, 50);
  load_p99 = bench_percentile (load_us, 99);
  bench_report_section (ctx->report, "latency");
  bench_report_string (ctx->report, "clone_method", method);
  bench_report_integer (ctx->report, "clones", (gint64) LOAD_CLONES);
  bench_report_integer (ctx->report, "cloned_bytes", (gint64) copied);
  bench_report_number (ctx->report, "clones_s", seconds);
  bench_report_integer (ctx->report, "idle_samples", (gint64) idle_us->len);
  bench_report_number (ctx->report, "idle_p50_us", idle_p50);
  bench_report_number (ctx->report, "idle_p99_us", idle_p99);
  bench_report_integer (ctx->report, "load_samples", (gint64) load_us->len);
  bench_report_number (ctx->report, "load_p50_us", load_p50);
  bench_report_number (ctx->report, "load_p99_us", load_p99);
  bench_report_number (ctx->report, "load_max_us", bench_percentile (load_us, 100));
  bench_report_number (ctx->report, "idle_ping_p50_us", bench_percentile (idle_ping_us, 50));
  bench_report_number (ctx->report, "idle_ping_p99_us", bench_percentile (idle_ping_us, 99));
  bench_report_number (ctx->report, "load_ping_p50_us", bench_percentile (load_ping_us, 50));
  bench_report_number (ctx->report, "load_ping_p99_us", bench_percentile (load_ping_us, 99));
  bench_report_number (ctx->report, "p50_load_over_idle", bench_ratio (load_p50, idle_p50));
  bench_report_number (ctx->report, "p99_load_over_idle", bench_ratio (load_p99, idle_p99));
  /* the goal's ratio: what the main loop adds to the bus's own tail */
  bench_report_number (ctx->report, "load_p99_over_ping_p99",
                       bench_ratio (load_p99, bench_percentile (load_ping_us, 99)));
  bench_report_line (ctx->report,
                     "Properties.Get latency: idle p50 %.0f us, p99 %.0f us (%u samples); during %d clones "
                     "of %.0f-%.0f MiB with data (%.0f MiB in %.1f s, %s) p50 %.0f us, p99 %.0f us, max %.0f us "
                     "(%u samples): %.1fx and %.1fx idle",
                     idle_p50, idle_p99, idle_us->len, LOAD_CLONES, mib (MAX (quarter, BENCH_MIB)),
                     mib (ctx->copy_size), mib (copied), seconds, method, load_p50, load_p99,
                     bench_percentile (load_us, 100), load_us->len, bench_ratio (load_p50, idle_p50),
                     bench_ratio (load_p99, idle_p99));
  bench_report_line (ctx->report,
                     "Peer.Ping to the daemon (answered off its main loop) alongside: idle p50 %.0f us, "
                     "p99 %.0f us; during the clones p50 %.0f us, p99 %.0f us (the Get's p99 %.2fx the Ping's)",
                     bench_percentile (idle_ping_us, 50), bench_percentile (idle_ping_us, 99),
                     bench_percentile (load_ping_us, 50), bench_percentile (load_ping_us, 99),
                     bench_ratio (load_p99, bench_percentile (load_ping_us, 99)));
  return TRUE;
}

/* ---- 4: snapshot and clone vs cp ------------------------------------ */

/* the copies a round of the copy figure times, each in seconds */
typedef struct {
  GArray *snapshot;
  GArray *clone;
  GArray *sparse;       /* cp alone */
  GArray *sparse_sync;  /* cp, then fsync of the copy */
  GArray *reflink;
  GArray *reflink_sync;
} CopyTimes;

static gboolean
time_snapshot (BenchContext *ctx, const char *volume, GArray *times, GError **error)
{
  double start = bench_now ();
  g_autoptr(GVariant) reply = bench_call (ctx->daemon, volume, BENCH_IFACE_VOLUME, "CreateSnapshot",
                                          g_variant_new_parsed ("({'name': <'bench'>},)"), "(o)", error);
  double seconds = bench_now () - start;
  const char *snapshot;

  if (reply == NULL)
    return FALSE;
  g_array_append_val (times, seconds);
  g_variant_get (reply, "(&o)", &snapshot);
  return bench_delete (ctx->daemon, snapshot, BENCH_IFACE_SNAPSHOT, error);
}

static gboolean
time_clone (BenchContext *ctx, const char *volume, GArray *times, GError **error)
{
  double start = bench_now ();
  g_autofree char *clone = bench_create_volume (ctx->daemon, 0,
                                                g_variant_new_parsed ("{'source-volume': <%o>}", volume), error);
  double seconds = bench_now () - start;

  if (clone == NULL)
    return FALSE;
  g_array_append_val (times, seconds);
  return bench_delete (ctx->daemon, clone, BENCH_IFACE_VOLUME, error);
}

/* cp with @options into a file of the scratch directory, timed, then
 * removed */
static gboolean
time_cp (BenchContext *ctx, const char *const *options, const char *file, GArray *times, GArray *sync_times,
         GError **error)
{
  g_autofree char *dest = g_build_filename (ctx->dir, "cp-copy", NULL);
  double seconds = 0, sync_seconds = 0;
  gboolean ok = bench_cp (options, file, dest, &seconds, &sync_seconds, error);

  g_unlink (dest);
  if (!ok)
    return FALSE;
  g_array_append_val (times, seconds);
  g_array_append_val (sync_times, sync_seconds);
  return TRUE;
}

gboolean
bench_figure_copy (BenchContext *ctx, GError **error)
{
  g_autofree char *volume = NULL;
  g_autofree char *file = NULL;
  g_autoptr(GError) reflink_error = NULL;
  /* cp reflinks by default where it can (coreutils 9): the sparse copy
   * says never, or it would be a second reflink */
  static const char *const sparse_copy[] = { "--reflink=never", "--sparse=always", NULL };
  static const char *const reflink_copy[] = { "--reflink=always", NULL };
  const char *method = copy_method (ctx);
  gboolean reflink = TRUE;
  gboolean ok = TRUE;
  double snapshot_s, clone_s, sparse_s, sparse_sync_s, reflink_s, reflink_sync_s;
  CopyTimes t = {
    g_array_new (FALSE, FALSE, sizeof (double)), g_array_new (FALSE, FALSE, sizeof (double)),
    g_array_new (FALSE, FALSE, sizeof (double)), g_array_new (FALSE, FALSE, sizeof (double)),
    g_array_new (FALSE, FALSE, sizeof (double)), g_array_new (FALSE, FALSE, sizeof (double)),
  };

  volume = create_filled_volume (ctx, ctx->copy_size, &file, error);
  if (volume == NULL)
    ok = FALSE;
  /* each copy is timed, then removed, so the disk holds two at most;
   * every one reads the same source from the page cache. Rounds take
   * turns; the median of each kind is reported. */
  for (guint r = 0; ok && r < COPY_ROUNDS; r++)
    {
      ok = time_snapshot (ctx, volume, t.snapshot, error)
           && time_cp (ctx, sparse_copy, file, t.sparse, t.sparse_sync, error)
           && time_clone (ctx, volume, t.clone, error);
      if (ok && reflink && !time_cp (ctx, reflink_copy, file, t.reflink, t.reflink_sync, &reflink_error))
        reflink = FALSE;
    }
  ok = ok && bench_delete (ctx->daemon, volume, BENCH_IFACE_VOLUME, error);

  snapshot_s = bench_percentile (t.snapshot, 50);
  clone_s = bench_percentile (t.clone, 50);
  sparse_s = bench_percentile (t.sparse, 50);
  sparse_sync_s = bench_percentile (t.sparse_sync, 50);
  reflink_s = bench_percentile (t.reflink, 50);
  reflink_sync_s = bench_percentile (t.reflink_sync, 50);
  g_array_unref (t.snapshot);
  g_array_unref (t.clone);
  g_array_unref (t.sparse);
  g_array_unref (t.sparse_sync);
  g_array_unref (t.reflink);
  g_array_unref (t.reflink_sync);
  if (!ok)
    return FALSE;

  bench_report_section (ctx->report, "copy");
  bench_report_integer (ctx->report, "volume_bytes", (gint64) ctx->copy_size);
  bench_report_integer (ctx->report, "rounds", COPY_ROUNDS);
  bench_report_string (ctx->report, "daemon_method", method);
  bench_report_number (ctx->report, "snapshot_s", snapshot_s);
  bench_report_number (ctx->report, "clone_s", clone_s);
  bench_report_number (ctx->report, "cp_sparse_s", sparse_s);
  bench_report_number (ctx->report, "cp_sparse_fsync_s", sparse_sync_s);
  bench_report_number (ctx->report, "snapshot_over_cp_sparse_fsync", bench_ratio (snapshot_s, sparse_sync_s));
  bench_report_number (ctx->report, "clone_over_cp_sparse_fsync", bench_ratio (clone_s, sparse_sync_s));
  bench_report_boolean (ctx->report, "cp_reflink_supported", reflink);
  if (reflink)
    {
      bench_report_number (ctx->report, "cp_reflink_s", reflink_s);
      bench_report_number (ctx->report, "cp_reflink_fsync_s", reflink_sync_s);
      bench_report_number (ctx->report, "snapshot_over_cp_reflink_fsync", bench_ratio (snapshot_s, reflink_sync_s));
      bench_report_number (ctx->report, "clone_over_cp_reflink_fsync", bench_ratio (clone_s, reflink_sync_s));
    }
  else
    {
      bench_report_string (ctx->report, "cp_reflink_error", reflink_error->message);
    }
  bench_report_line (ctx->report,
                     "snapshot of %.0f MiB with data: %.3f s, clone: %.3f s (daemon: %s; medians of %d); "
                     "cp --reflink=never --sparse=always %.3f s, with fsync %.3f s: snapshot %.2fx, clone %.2fx",
                     mib (ctx->copy_size), snapshot_s, clone_s, method, COPY_ROUNDS, sparse_s, sparse_sync_s,
                     bench_ratio (snapshot_s, sparse_sync_s), bench_ratio (clone_s, sparse_sync_s));
  if (reflink)
    bench_report_line (ctx->report,
                       "cp --reflink=always %.3f s, with fsync %.3f s: snapshot %.1fx, clone %.1fx",
                       reflink_s, reflink_sync_s, bench_ratio (snapshot_s, reflink_sync_s),
                       bench_ratio (clone_s, reflink_sync_s));
  else
    {
      /* cp's message ends in the reason; the paths before it say nothing */
      const char *reason = g_strrstr (reflink_error->message, ": ");

      bench_report_line (ctx->report, "cp --reflink=always: not supported here (%s)",
                         reason != NULL ? reason + 2 : reflink_error->message);
    }
  return TRUE;
}

/* ---- 2: many volumes ------------------------------------------------ */

/* GetManagedObjects of @dest (the daemon's name, or the floor's); its
 * reply in @kept when not NULL */
static gboolean
time_listing (BenchContext *ctx, const char *dest, double *seconds, gsize *size, GVariant **kept, GError **error)
{
  double start = bench_now ();
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync (ctx->daemon->connection, dest, BENCH_ROOT_PATH,
                                                           "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                                           NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                                           G_DBUS_CALL_FLAGS_NONE, BENCH_CALL_TIMEOUT_MS, NULL, error);

  if (reply == NULL)
    return FALSE;
  *seconds = bench_now () - start;
  if (size != NULL)
    *size = g_variant_get_size (reply);
  if (kept != NULL)
    {
      g_clear_pointer (kept, g_variant_unref);
      *kept = g_steal_pointer (&reply);
    }
  return TRUE;
}

static gboolean
time_get_managed_objects (BenchContext *ctx, double *seconds, gsize *size, GError **error)
{
  return time_listing (ctx, BENCH_BUS_NAME, seconds, size, NULL, error);
}

/* the median of three GetManagedObjects of @dest */
static gboolean
median_listing (BenchContext *ctx, const char *dest, double *seconds, gsize *size, GVariant **kept, GError **error)
{
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < 3; i++)
    {
      double s;

      if (!time_listing (ctx, dest, &s, size, kept, error))
        return FALSE;
      g_array_append_val (times, s);
    }
  *seconds = bench_percentile (times, 50);
  return TRUE;
}

static gboolean
median_get_managed_objects (BenchContext *ctx, double *seconds, gsize *size, GError **error)
{
  return median_listing (ctx, BENCH_BUS_NAME, seconds, size, NULL, error);
}

static guint64
file_size (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

static void
on_get_managed_objects_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Batch *batch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  double now = bench_now ();

  batch->done++;
  g_array_append_val (batch->done_at, now);
  if (reply == NULL && batch->error == NULL)
    batch->error = g_steal_pointer (&error);
}

/* a Properties.Get of @path's Status sent right behind a
 * GetManagedObjects, both to @dest: what a client waits for while
 * another lists */
static gboolean
get_behind_listing (BenchContext *ctx, const char *dest, const char *path, double *get_s, GError **error)
{
  g_autoptr(GVariant) status = NULL;
  double start;
  Batch batch;
  gboolean ok;

  batch_init (&batch);
  g_dbus_connection_call (ctx->daemon->connection, dest, BENCH_ROOT_PATH,
                          "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                          G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, BENCH_CALL_TIMEOUT_MS, NULL,
                          on_get_managed_objects_reply, &batch);
  batch.issued++;
  start = bench_now ();
  status = g_dbus_connection_call_sync (ctx->daemon->connection, dest, path, "org.freedesktop.DBus.Properties", "Get",
                                        g_variant_new ("(ss)", BENCH_IFACE_VOLUME, "Status"), G_VARIANT_TYPE ("(v)"),
                                        G_DBUS_CALL_FLAGS_NONE, BENCH_CALL_TIMEOUT_MS, NULL, error);
  *get_s = bench_now () - start;
  /* the call has its own timeout: the loop ends */
  while (batch.done < batch.issued)
    g_main_context_iteration (NULL, TRUE);
  ok = status != NULL && batch_check (&batch, error);
  batch_clear (&batch);
  return ok;
}

static gboolean
get_behind_get_managed_objects (BenchContext *ctx, const char *volume, double *get_s, GError **error)
{
  return get_behind_listing (ctx, BENCH_BUS_NAME, volume, get_s, error);
}

/* the floor of both: the same reply, built beforehand, from a bare GDBus
 * server's own thread (bench-listing-floor.c) */
static gboolean
listing_floor (BenchContext *ctx, double *listing_s, double *get_behind_s, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(BenchListingFloor) floor = NULL;
  double ignored;

  if (!time_listing (ctx, BENCH_BUS_NAME, &ignored, NULL, &reply, error))
    return FALSE;
  floor = bench_listing_floor_new (ctx->daemon->bus_address, reply, error);
  return floor != NULL
         && median_listing (ctx, bench_listing_floor_get_name (floor), listing_s, NULL, NULL, error)
         && get_behind_listing (ctx, bench_listing_floor_get_name (floor), BENCH_FLOOR_PATH, get_behind_s, error);
}

/* creates ctx->count volumes with CREATE_WINDOW calls in flight; the
 * rate of the first and the last tenth shows whether a create costs
 * more as volumes accumulate */
static gboolean
create_many (BenchContext *ctx, double *seconds, double *first_rate, double *last_rate, char **first,
             GError **error)
{
  guint tenth = MAX (ctx->count / 10, 1);
  double start = bench_now ();
  Batch batch;
  gboolean ok;

  batch_init (&batch);
  while (batch.done < ctx->count)
    {
      while (batch.error == NULL && batch.issued < ctx->count && batch.issued - batch.done < CREATE_WINDOW)
        create_async (ctx, &batch, BENCH_MIB, NULL);
      if (batch.error != NULL && batch.done == batch.issued)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  ok = batch_check (&batch, error);
  if (ok)
    {
      GArray *at = batch.done_at;
      guint n = at->len;
      double last = g_array_index (at, double, n - 1);

      *seconds = last - start;
      *first_rate = tenth / (g_array_index (at, double, tenth - 1) - start);
      *last_rate = n > tenth ? tenth / (last - g_array_index (at, double, n - 1 - tenth)) : *first_rate;
      *first = g_strdup (g_ptr_array_index (batch.paths, 0));
    }
  batch_clear (&batch);
  return ok;
}

/* seconds from the last listing to the memory figure after it */
#define LISTING_SETTLE_S 4

gboolean
bench_figure_scale (BenchContext *ctx, GError **error)
{
  guint64 empty_rss = 0, empty_hwm = 0, rss = 0, hwm = 0, restart_rss = 0, restart_hwm = 0;
  guint64 gmo_rss = 0, gmo_hwm = 0, settled_rss = 0, settled_hwm = 0;
  g_autofree char *first = NULL;
  double get_behind = 0, gmo_floor = 0, get_behind_floor = 0;
  double empty_owned = 0, empty_ready = 0, empty_gmo = 0, create_s = 0, first_rate = 0, last_rate = 0;
  double gmo = 0, stop_s = 0, owned = 0, ready = 0, restart_gmo = 0, start;
  gsize empty_size = 0, gmo_size = 0;
  guint64 db_bytes;
  guint n = ctx->count;

  /* the empty daemon, restarted as the full one will be */
  if (!bench_daemon_stop (ctx->daemon, error)
      || !bench_daemon_start (ctx->daemon, &empty_owned, &empty_ready, error)
      || !bench_daemon_memory (ctx->daemon, &empty_rss, &empty_hwm, error)
      || !median_get_managed_objects (ctx, &empty_gmo, &empty_size, error))
    return FALSE;

  if (!create_many (ctx, &create_s, &first_rate, &last_rate, &first, error)
      || !bench_daemon_memory (ctx->daemon, &rss, &hwm, error)
      || !median_get_managed_objects (ctx, &gmo, &gmo_size, error)
      || !bench_daemon_memory (ctx->daemon, &gmo_rss, &gmo_hwm, error)
      || !get_behind_get_managed_objects (ctx, first, &get_behind, error))
    return FALSE;
  /* the floors, once the daemon's memory after listings is taken */
  g_usleep (LISTING_SETTLE_S * G_USEC_PER_SEC);
  if (!bench_daemon_memory (ctx->daemon, &settled_rss, &settled_hwm, error)
      || !listing_floor (ctx, &gmo_floor, &get_behind_floor, error))
    return FALSE;
  db_bytes = file_size (ctx->daemon->state_dir, "nova-volume.db")
             + file_size (ctx->daemon->state_dir, "nova-volume.db-wal");

  start = bench_now ();
  if (!bench_daemon_stop (ctx->daemon, error))
    return FALSE;
  stop_s = bench_now () - start;
  if (!bench_daemon_start (ctx->daemon, &owned, &ready, error)
      || !bench_daemon_memory (ctx->daemon, &restart_rss, &restart_hwm, error)
      || !time_get_managed_objects (ctx, &restart_gmo, NULL, error))
    return FALSE;

  bench_report_section (ctx->report, "scale");
  bench_report_integer (ctx->report, "volumes", (gint64) n);
  bench_report_integer (ctx->report, "create_window", (gint64) CREATE_WINDOW);
  bench_report_number (ctx->report, "create_s", create_s);
  bench_report_number (ctx->report, "create_per_s", n / create_s);
  bench_report_number (ctx->report, "create_first_tenth_per_s", first_rate);
  bench_report_number (ctx->report, "create_last_tenth_per_s", last_rate);
  bench_report_number (ctx->report, "get_managed_objects_s", gmo);
  bench_report_integer (ctx->report, "get_managed_objects_bytes", (gint64) gmo_size);
  bench_report_number (ctx->report, "empty_get_managed_objects_s", empty_gmo);
  bench_report_integer (ctx->report, "rss_bytes", (gint64) rss);
  bench_report_integer (ctx->report, "hwm_bytes", (gint64) hwm);
  bench_report_integer (ctx->report, "get_managed_objects_rss_bytes", (gint64) gmo_rss);
  bench_report_integer (ctx->report, "get_managed_objects_hwm_bytes", (gint64) gmo_hwm);
  bench_report_integer (ctx->report, "settled_rss_bytes", (gint64) settled_rss);
  bench_report_number (ctx->report, "get_behind_get_managed_objects_s", get_behind);
  bench_report_number (ctx->report, "get_managed_objects_floor_s", gmo_floor);
  bench_report_number (ctx->report, "get_behind_floor_s", get_behind_floor);
  bench_report_number (ctx->report, "get_managed_objects_over_floor", bench_ratio (gmo, gmo_floor));
  bench_report_number (ctx->report, "get_behind_over_floor", bench_ratio (get_behind, get_behind_floor));
  bench_report_integer (ctx->report, "restart_rss_bytes", (gint64) restart_rss);
  bench_report_integer (ctx->report, "restart_hwm_bytes", (gint64) restart_hwm);
  bench_report_integer (ctx->report, "empty_rss_bytes", (gint64) empty_rss);
  bench_report_integer (ctx->report, "empty_hwm_bytes", (gint64) empty_hwm);
  bench_report_number (ctx->report, "rss_per_volume_bytes",
                       ((double) rss - (double) empty_rss) / MAX (n, 1));
  bench_report_integer (ctx->report, "store_bytes", (gint64) db_bytes);
  bench_report_number (ctx->report, "stop_s", stop_s);
  bench_report_number (ctx->report, "restart_owned_s", owned);
  bench_report_number (ctx->report, "restart_ready_s", ready);
  bench_report_number (ctx->report, "restart_get_managed_objects_s", restart_gmo);
  bench_report_number (ctx->report, "empty_restart_owned_s", empty_owned);
  bench_report_number (ctx->report, "empty_restart_ready_s", empty_ready);
  bench_report_number (ctx->report, "restart_over_empty", bench_ratio (ready, empty_ready));

  bench_report_line (ctx->report,
                     "%u volumes created in %.1f s, %d calls in flight: %.1f/s; first tenth %.1f/s, "
                     "last tenth %.1f/s (%.2fx)",
                     n, create_s, CREATE_WINDOW, n / create_s, first_rate, last_rate,
                     bench_ratio (last_rate, first_rate));
  bench_report_line (ctx->report,
                     "GetManagedObjects with %u volumes: %.1f ms (median of 3), reply %.1f MiB; "
                     "empty daemon %.2f ms: %.0fx; a Properties.Get sent right behind one took %.1f ms",
                     n, gmo * 1e3, mib (gmo_size), empty_gmo * 1e3, bench_ratio (gmo, empty_gmo),
                     get_behind * 1e3);
  bench_report_line (ctx->report,
                     "the same reply built beforehand, from a bare GDBus server's thread: %.1f ms (%.2fx), "
                     "a Properties.Get right behind it %.1f ms (%.2fx)",
                     gmo_floor * 1e3, bench_ratio (gmo, gmo_floor), get_behind_floor * 1e3,
                     bench_ratio (get_behind, get_behind_floor));
  bench_report_line (ctx->report,
                     "daemon memory with %u volumes: VmRSS %.1f MiB, VmHWM %.1f MiB after creating them; "
                     "%.1f and %.1f MiB after 3 GetManagedObjects, VmRSS %.1f MiB %d s later; "
                     "after a restart (and one) %.1f and %.1f MiB; "
                     "empty VmRSS %.1f MiB: %.0f bytes a volume before any GetManagedObjects; store %.1f MiB",
                     n, mib (rss), mib (hwm), mib (gmo_rss), mib (gmo_hwm), mib (settled_rss), LISTING_SETTLE_S,
                     mib (restart_rss), mib (restart_hwm),
                     mib (empty_rss), ((double) rss - (double) empty_rss) / MAX (n, 1), mib (db_bytes));
  bench_report_line (ctx->report,
                     "restart with %u volumes: stopped in %.2f s; name owned after %.2f s, "
                     "GetManagedObjects answered after %.2f s (then %.1f ms); empty daemon %.3f s and "
                     "%.3f s: %.0fx",
                     n, stop_s, owned, ready, restart_gmo * 1e3, empty_owned, empty_ready,
                     bench_ratio (ready, empty_ready));
  return TRUE;
}
