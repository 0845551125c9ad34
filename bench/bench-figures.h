/* nova-volume-bench: the figures. Each measures the daemon and its bare
 * counterpart side by side in the same run, and reports a line and its
 * values. */
#pragma once

#include "bench-bare.h"
#include "bench-daemon.h"
#include "bench-report.h"

G_BEGIN_DECLS

#define BENCH_MIB (G_GUINT64_CONSTANT (1) << 20)

typedef struct {
  BenchDaemon *daemon;
  BenchBare   *bare;
  BenchReport *report;
  char        *dir;        /* scratch space for cp's copies */
  guint        pairs;      /* create+delete pairs, for each side */
  guint        count;      /* volumes for the scale figure */
  guint        samples;    /* idle Properties.Get samples */
  guint64      copy_size;  /* the volume snapshotted and cloned; clones under load span a quarter of it to all */
} BenchContext;

/* CreateVolume(1 MiB)+Delete over D-Bus vs truncate+unlink+commits */
gboolean bench_figure_create_delete (BenchContext *ctx, GError **error);
/* the same from 8 clients at once vs the durable bare work from 8
 * threads (bench-concurrent.c) */
gboolean bench_figure_concurrent (BenchContext *ctx, GError **error);
/* Properties.Get p50/p99, idle and while 8 clones run */
gboolean bench_figure_latency (BenchContext *ctx, GError **error);
/* snapshot and clone of a volume full of data vs cp */
gboolean bench_figure_copy (BenchContext *ctx, GError **error);
/* ctx->count volumes: creating them, GetManagedObjects, RSS, restart */
gboolean bench_figure_scale (BenchContext *ctx, GError **error);
/* a 1 GiB image in (raw, qcow2) and out (raw, qcow2) vs qemu-img convert
 * (bench-images.c) */
gboolean bench_figure_images (BenchContext *ctx, GError **error);
/* a full backup, an incremental and a restore of a 1 GiB volume vs
 * sha256sum and zstd of its file (bench-backups.c) */
gboolean bench_figure_backups (BenchContext *ctx, GError **error);
/* LVM in a qemu guest (bench/lvm-guest.sh through tests/vm/run-guest.sh):
 * CreateVolume+Delete vs lvcreate, target commands, lvremove; or why it
 * was not measured (bench-lvm.c) */
void bench_figure_lvm (BenchContext *ctx);

G_END_DECLS
