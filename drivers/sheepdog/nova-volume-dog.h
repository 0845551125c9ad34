/* nova-volume: Sheepdog's admin command (dog; collie in older releases)
 * run through the executor: every call with -a ADDR -p PORT, under
 * timeout(1) (but for the byte streams of a copy, which take as long as
 * the volume is large and are killed when the copy is cancelled), and every refusal dog prints turned into a NOVA_VOLUME_ERROR
 * a person can act on. dog's traps are handled here: `vdi delete` exits 0
 * when it failed (its stderr tells), `vdi list -r NAME` exits 0 with no
 * row for a missing VDI. */
#pragma once

#include "nova-volume-executor.h"

G_BEGIN_DECLS

typedef struct _NovaDog NovaDog;

/* @command: "dog", "collie" or an absolute path; @timeout_s: the most one
 * call may take before timeout(1) stops it. */
NovaDog *nova_dog_new  (NovaVolumeExecutor *executor,
                        const char         *command,
                        const char         *host,
                        guint               port,
                        guint               timeout_s);
void     nova_dog_free (NovaDog *dog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaDog, nova_dog_free)

/* `dog cluster info`: succeeds only when the cluster says it is running. */
gboolean nova_dog_check_cluster (NovaDog *dog, GError **error);

gboolean nova_dog_vdi_create   (NovaDog *dog, const char *name, guint64 size, GError **error);
gboolean nova_dog_vdi_snapshot (NovaDog *dog, const char *name, const char *tag, GError **error);
/* @new_name: a writable clone of snapshot @tag of @name. */
gboolean nova_dog_vdi_clone    (NovaDog *dog, const char *name, const char *tag, const char *new_name,
                                GError **error);
/* Makes @name's writable VDI a new clone of its snapshot @tag (dog
 * deletes the writable VDI, then creates it again on the snapshot: cut
 * short in between, @name has snapshots and no writable VDI, and the same
 * call finishes the job as a clone of @tag under @name). */
gboolean nova_dog_vdi_rollback (NovaDog *dog, const char *name, const char *tag, GError **error);
/* Grows @name to @size; Sheepdog cannot shrink (INVALID_ARGUMENT). */
gboolean nova_dog_vdi_resize   (NovaDog *dog, const char *name, guint64 size, GError **error);
/* Deletes @name (@tag NULL) or its snapshot @tag; what is already gone is
 * success. dog's stderr is read (its exit status says nothing) and the
 * VDI is looked up afterwards to be sure it went. */
gboolean nova_dog_vdi_delete   (NovaDog *dog, const char *name, const char *tag, GError **error);
/* Whether @name (@tag NULL: its writable VDI) or its snapshot @tag
 * exists, and its size in bytes (may be NULL). */
gboolean nova_dog_vdi_lookup   (NovaDog *dog, const char *name, const char *tag, gboolean *out_exists,
                                guint64 *out_size, GError **error);

/* One row of `dog vdi list -r`: a working VDI (a clone of a snapshot is
 * one too) or a snapshot of the VDI of that name, with its tag ("" when it
 * has none) and its size in bytes. */
typedef struct {
  gboolean  snapshot;
  char     *name;
  char     *tag;
  guint64   size;
} NovaDogVdi;

void nova_dog_vdi_free (NovaDogVdi *vdi);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaDogVdi, nova_dog_vdi_free)

/* `dog vdi list -r`: every VDI and snapshot of the cluster, a GPtrArray
 * of NovaDogVdi (freeing them). No rows at all is an error unless the
 * cluster says it runs (an unformatted sheep lists nothing, exit 0). */
GPtrArray *nova_dog_vdi_list (NovaDog *dog, GError **error);

/* The bytes of VDI @name (or of its snapshot @tag, when not NULL), for
 * the daemon's copies: `dog vdi read` with its stdout as the stream, `dog
 * vdi write` with its stdin (the VDI must exist, at least as large as
 * what is written). Closing the stream waits for dog and fails with its
 * reason. */
GInputStream  *nova_dog_vdi_open_read  (NovaDog *dog, const char *name, const char *tag, GError **error);
GOutputStream *nova_dog_vdi_open_write (NovaDog *dog, const char *name, GError **error);

/* `dog node info -r`: the cluster's bytes, all nodes together. */
gboolean nova_dog_node_info (NovaDog *dog, guint64 *out_total, guint64 *out_used, guint64 *out_avail,
                             GError **error);

G_END_DECLS
