/* nova-volume-bench: the floor of a create+delete pair over the bus. A
 * bare GDBus server (bench-server.h) whose Manager.CreateVolume and
 * Volume.Delete do the bare work of their half (bench-bare.h) in their
 * handlers and answer: the work and two round trips through the bus,
 * with nothing of a daemon between them. One client at a time. */
#pragma once

#include "bench-bare.h"

G_BEGIN_DECLS

typedef struct _BenchPairFloor BenchPairFloor;

/* Serves on a connection of its own to the bus at @bus_address, working
 * in @dir (which must exist) as @kind says. */
BenchPairFloor *bench_pair_floor_new  (const char *bus_address, const char *dir, BenchBareKind kind,
                                       GError **error);
void            bench_pair_floor_free (BenchPairFloor *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchPairFloor, bench_pair_floor_free)

/* its unique name, to call it by */
const char *bench_pair_floor_get_name (BenchPairFloor *self);

G_END_DECLS
