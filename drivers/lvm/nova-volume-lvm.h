/* nova-volume: logical volumes, for the drivers that keep volumes in an
 * LVM volume group (lvm-iscsi, aoe). NovaLvm itself works through
 * libblockdev's lvm plugin, never by parsing lvs output; its methods are
 * virtual so the drivers' tests can put a volume group of sparse files in
 * its place on a host without device-mapper (tests/lvm-files.c).
 *
 * Every method blocks: call it from a driver method (a worker thread).
 * Removing what is gone succeeds, so deletes can be retried after a crash. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  guint64 size;
  guint64 free;
  guint64 extent_size;
} NovaLvmVgInfo;

typedef struct {
  gboolean exists;
  guint64  size;
  gboolean thin;          /* a thin volume (or a thin pool's member) */
  double   data_percent;  /* thin pools: how full, 0..100 */
  double   metadata_percent; /* thin pools: how full their metadata is */
  gboolean origin;        /* the origin of thick (copy-on-write) snapshots */
  gboolean open;          /* its device is open (an export, a mount, a copy) */
} NovaLvmLvInfo;

/* One logical volume of a volume group, as list_lvs finds it. */
typedef struct {
  char    *name;
  guint64  size;    /* bytes it reads as: a thick snapshot's is its origin's
                     * (lvs's size of one is its copy-on-write room) */
  char    *origin;  /* a snapshot's (thick or thin) origin LV, else NULL */
} NovaLvmLv;

void nova_lvm_lv_free (NovaLvmLv *lv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaLvmLv, nova_lvm_lv_free)

#define NOVA_TYPE_LVM (nova_lvm_get_type ())
G_DECLARE_DERIVABLE_TYPE (NovaLvm, nova_lvm, NOVA, LVM, GObject)

struct _NovaLvmClass {
  GObjectClass parent_class;

  gboolean (*vg_info)         (NovaLvm *self, const char *vg, NovaLvmVgInfo *out, GError **error);
  gboolean (*lv_info)         (NovaLvm *self, const char *vg, const char *name, NovaLvmLvInfo *out, GError **error);
  gboolean (*create_lv)       (NovaLvm *self, const char *vg, const char *name, guint64 size, GError **error);
  gboolean (*create_thin_pool)(NovaLvm *self, const char *vg, const char *pool, guint64 size, GError **error);
  gboolean (*create_thin_lv)  (NovaLvm *self, const char *vg, const char *pool, const char *name, guint64 size,
                               GError **error);
  /* @cow_size 0: a thin snapshot (of a thin origin), activated; else a
   * thick copy-on-write snapshot with that much room for changes */
  gboolean (*create_snapshot) (NovaLvm *self, const char *vg, const char *origin, const char *name,
                               guint64 cow_size, GError **error);
  /* succeeds when the LV is gone already; one that is open (in use) is
   * refused with NOVA_VOLUME_ERROR_BUSY and left as it was */
  gboolean (*remove_lv)       (NovaLvm *self, const char *vg, const char *name, GError **error);
  gboolean (*resize_lv)       (NovaLvm *self, const char *vg, const char *name, guint64 size, GError **error);
  /* the block device the volume is: /dev/<vg>/<name> */
  char *   (*lv_path)         (NovaLvm *self, const char *vg, const char *name);
  /* every LV of @vg, thin pools and their hidden parts included: a
   * GPtrArray of NovaLvmLv (freeing them) */
  GPtrArray *(*list_lvs)      (NovaLvm *self, const char *vg, GError **error);
  /* merges snapshot @snapshot into its origin (lvconvert --merge): a
   * thick one at once when the origin is not open, waiting until it is
   * done; a thin one (or one of an open origin) at the origin's next
   * activation. The snapshot LV is gone after the merge. */
  gboolean (*merge_snapshot)  (NovaLvm *self, const char *vg, const char *snapshot, GError **error);
  gboolean (*set_active)      (NovaLvm *self, const char *vg, const char *name, gboolean active, GError **error);
  gboolean (*rename_lv)       (NovaLvm *self, const char *vg, const char *name, const char *new_name,
                               GError **error);

  gpointer padding[4];
};

/* The libblockdev one. Fails when libblockdev's lvm plugin cannot load. */
NovaLvm *nova_lvm_new (GError **error);

gboolean nova_lvm_vg_info          (NovaLvm *self, const char *vg, NovaLvmVgInfo *out, GError **error);
gboolean nova_lvm_lv_info          (NovaLvm *self, const char *vg, const char *name, NovaLvmLvInfo *out,
                                    GError **error);
gboolean nova_lvm_create_lv        (NovaLvm *self, const char *vg, const char *name, guint64 size, GError **error);
gboolean nova_lvm_create_thin_pool (NovaLvm *self, const char *vg, const char *pool, guint64 size, GError **error);
gboolean nova_lvm_create_thin_lv   (NovaLvm *self, const char *vg, const char *pool, const char *name,
                                    guint64 size, GError **error);
gboolean nova_lvm_create_snapshot  (NovaLvm *self, const char *vg, const char *origin, const char *name,
                                    guint64 cow_size, GError **error);
gboolean nova_lvm_remove_lv        (NovaLvm *self, const char *vg, const char *name, GError **error);
gboolean nova_lvm_resize_lv        (NovaLvm *self, const char *vg, const char *name, guint64 size, GError **error);
gboolean nova_lvm_merge_snapshot   (NovaLvm *self, const char *vg, const char *snapshot, GError **error);
gboolean nova_lvm_set_active       (NovaLvm *self, const char *vg, const char *name, gboolean active,
                                    GError **error);
gboolean nova_lvm_rename_lv        (NovaLvm *self, const char *vg, const char *name, const char *new_name,
                                    GError **error);
char *   nova_lvm_lv_path          (NovaLvm *self, const char *vg, const char *name);
GPtrArray *nova_lvm_list_lvs        (NovaLvm *self, const char *vg, GError **error);

/* An LV or VG name LVM accepts and no command can read as an option:
 * [A-Za-z0-9+_.-], not starting with '-', not "." or "..", at most 127
 * characters. Names reach LVM only after this check. */
gboolean nova_lvm_check_name (const char *what, const char *name, GError **error);

/* LVM refuses LV names that start with "snapshot" or "pvmove" (lvcreate:
 * 'Names starting "snapshot" are reserved'), and the seed's
 * snapshot_name_template is snapshot-%s: such a name gets a leading '_',
 * as Cinder's LVM driver escapes it. Takes @name, returns the LV name.
 * Names outside LVM (target names) stay as the template makes them. */
char *nova_lvm_escape_name (char *name);

G_END_DECLS
