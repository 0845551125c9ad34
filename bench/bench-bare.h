/* nova-volume-bench: what the daemon wraps, done bare. The system calls
 * and SQLite commits of a create and a delete, cp for a copy, and the
 * filling of a volume with data so that a copy has work to do. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  /* truncate + one INSERT commit, unlink + one DELETE commit */
  BENCH_BARE_MINIMAL,
  /* the same with the durability the file driver and the store give:
   * fsync of the file and of the directory, and two commits on each side
   * (the daemon commits the transitional status, then the final one) */
  BENCH_BARE_DURABLE,
  /* the same fsyncs with one commit on each side, the final status */
  BENCH_BARE_DURABLE_ONE_COMMIT,
} BenchBareKind;

typedef struct _BenchBare BenchBare;

/* files and a SQLite database (WAL, synchronous=FULL, as the store) in
 * @dir, which must exist */
BenchBare *bench_bare_new (const char *dir, GError **error);
void bench_bare_free (BenchBare *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchBare, bench_bare_free)

/* the two halves of a pair, for volume @id (a file of that name) */
gboolean bench_bare_create (BenchBare *self, BenchBareKind kind, const char *id, guint64 size, GError **error);
gboolean bench_bare_delete (BenchBare *self, BenchBareKind kind, const char *id, GError **error);

/* @count create+delete pairs of @size bytes; adds the seconds they took
 * to @seconds */
gboolean bench_bare_pairs (BenchBare *self, BenchBareKind kind, guint count, guint64 size, double *seconds,
                           GError **error);

/* the same from @n_threads threads at once, each with its own connection
 * to the one database and @count pairs; adds the wall-clock seconds */
gboolean bench_bare_pairs_threaded (const char *dir, guint n_threads, BenchBareKind kind, guint count,
                                    guint64 size, double *seconds, GError **error);

/* Writes @size bytes of non-zero data over @path (which exists) and
 * fsyncs it, so it is on disk and in the page cache before a copy. */
gboolean bench_fill_file (const char *path, guint64 size, GError **error);

/* Whether @dir's filesystem can share extents (FICLONE). */
gboolean bench_reflink_supported (const char *dir);

/* Runs `cp @options... @src @dest` and then fsyncs @dest, as the file
 * driver syncs its copies: @cp_seconds the cp alone, @total_seconds with
 * the fsync. */
gboolean bench_cp (const char *const *options, const char *src, const char *dest, double *cp_seconds,
                   double *total_seconds, GError **error);

/* how many bytes of @path are allocated on disk */
guint64 bench_allocated_bytes (const char *path);

/* Runs the program @argv names (looked up on PATH; no shell between),
 * its output discarded; FALSE with @error when it fails. */
gboolean bench_run_tool (const char *const *argv, GError **error);

G_END_DECLS
