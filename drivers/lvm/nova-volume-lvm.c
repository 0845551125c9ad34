/* nova-volume: logical volumes through libblockdev's lvm plugin. */
#include "config.h"

#include <string.h>

#include <blockdev/blockdev.h>
#include <blockdev/lvm.h>

#include "nova-volume-error.h"
#include "nova-volume-lvm.h"

G_DEFINE_TYPE (NovaLvm, nova_lvm, G_TYPE_OBJECT)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BDLVMVGdata, bd_lvm_vgdata_free)

gboolean
nova_lvm_check_name (const char *what, const char *name, GError **error)
{
  gsize length = name != NULL ? strlen (name) : 0;

  if (length == 0 || length > 127 || name[0] == '-' || g_str_equal (name, ".") || g_str_equal (name, ".."))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "%s '%s' is not a name LVM takes: 1 to 127 characters, not starting with '-', "
                   "not . or ..", what, name != NULL ? name : "");
      return FALSE;
    }
  for (const char *c = name; *c != '\0'; c++)
    if (!g_ascii_isalnum (*c) && strchr ("+_.-", *c) == NULL)
      {
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                     "%s '%s' has a character LVM does not take in names ('%c'): use letters, digits "
                     "and + _ . -", what, name, g_ascii_isprint (*c) ? *c : '?');
        return FALSE;
      }
  return TRUE;
}

char *
nova_lvm_escape_name (char *name)
{
  if (g_str_has_prefix (name, "snapshot") || g_str_has_prefix (name, "pvmove"))
    {
      char *escaped = g_strconcat ("_", name, NULL);

      g_free (name);
      return escaped;
    }
  return name;
}

/* libblockdev's lvm plugin is loaded once per process. */
static gboolean
ensure_plugin (GError **error)
{
  static gsize initialized;
  static gboolean ok;
  static char *failure;

  if (g_once_init_enter (&initialized))
    {
      BDPluginSpec lvm = { BD_PLUGIN_LVM, NULL };
      BDPluginSpec *plugins[] = { &lvm, NULL };
      g_autoptr(GError) local = NULL;

      ok = bd_ensure_init (plugins, NULL, &local);
      if (!ok)
        failure = g_strdup (local != NULL ? local->message : "unknown error");
      g_once_init_leave (&initialized, 1);
    }
  if (!ok)
    g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                 "cannot load libblockdev's lvm plugin (install libblockdev-lvm2 and lvm2): %s", failure);
  return ok;
}

/* "cannot <what> <vg>/<name>: <libblockdev's message>" */
static gboolean
prefix_error (gboolean ok, GError **error, const char *what, const char *vg, const char *name)
{
  if (!ok)
    g_prefix_error (error, "cannot %s %s/%s: ", what, vg, name);
  return ok;
}

static gboolean
bd_vg_info (NovaLvm *self, const char *vg, NovaLvmVgInfo *out, GError **error)
{
  g_autoptr(BDLVMVGdata) data = bd_lvm_vginfo (vg, error);

  if (data == NULL)
    {
      g_prefix_error (error, "cannot read volume group %s (does it exist? see volume_group): ", vg);
      return FALSE;
    }
  out->size = data->size;
  out->free = data->free;
  out->extent_size = data->extent_size;
  return TRUE;
}

static gboolean
bd_lv_info (NovaLvm *self, const char *vg, const char *name, NovaLvmLvInfo *out, GError **error)
{
  BDLVMLVdata **lvs = bd_lvm_lvs (vg, error);

  memset (out, 0, sizeof *out);
  if (lvs == NULL)
    {
      g_prefix_error (error, "cannot list the logical volumes of %s: ", vg);
      return FALSE;
    }
  for (BDLVMLVdata **lv = lvs; *lv != NULL; lv++)
    {
      if (g_strcmp0 ((*lv)->lv_name, name) == 0)
        {
          out->exists = TRUE;
          out->size = (*lv)->size;
          out->thin = g_strcmp0 ((*lv)->segtype, "thin") == 0 || g_strcmp0 ((*lv)->segtype, "thin-pool") == 0;
          out->data_percent = (double) (*lv)->data_percent;
          out->metadata_percent = (double) (*lv)->metadata_percent;
          /* lv_attr's volume type: o (O while a snapshot merges) */
          out->origin = (*lv)->attr != NULL && ((*lv)->attr[0] == 'o' || (*lv)->attr[0] == 'O');
          /* lv_attr's sixth: device (o)pen */
          out->open = (*lv)->attr != NULL && strlen ((*lv)->attr) > 5 && (*lv)->attr[5] == 'o';
        }
      bd_lvm_lvdata_free (*lv);
    }
  g_free (lvs);
  return TRUE;
}

/* lvcreate's refusal for want of extents, said as NoSpace (LVM's words:
 * 'Volume group "vg" has insufficient free space (N extents): M
 * required.'): the manager's figures may be a refresh old */
static gboolean
no_space_as_such (gboolean ok, GError **error)
{
  if (!ok && error != NULL && *error != NULL && strstr ((*error)->message, "insufficient free space") != NULL)
    {
      GError *no_space = g_error_new (NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NO_SPACE,
                                      "not enough space in the volume group (free space there or delete "
                                      "volumes): %s", (*error)->message);

      g_clear_error (error);
      g_propagate_error (error, no_space);
    }
  return ok;
}

static gboolean
bd_create_lv (NovaLvm *self, const char *vg, const char *name, guint64 size, GError **error)
{
  return prefix_error (no_space_as_such (bd_lvm_lvcreate (vg, name, size, NULL, NULL, NULL, error), error), error,
                       "create logical volume", vg, name);
}

static gboolean
bd_create_thin_pool (NovaLvm *self, const char *vg, const char *pool, guint64 size, GError **error)
{
  return prefix_error (bd_lvm_thpoolcreate (vg, pool, size, 0, 0, NULL, NULL, error), error,
                       "create thin pool", vg, pool);
}

static gboolean
bd_create_thin_lv (NovaLvm *self, const char *vg, const char *pool, const char *name, guint64 size,
                   GError **error)
{
  return prefix_error (no_space_as_such (bd_lvm_thlvcreate (vg, pool, name, size, NULL, error), error), error,
                       "create thin volume", vg, name);
}

static gboolean
bd_create_snapshot (NovaLvm *self, const char *vg, const char *origin, const char *name, guint64 cow_size,
                    GError **error)
{
  if (cow_size > 0)
    return prefix_error (bd_lvm_lvsnapshotcreate (vg, origin, name, cow_size, NULL, error), error,
                         "snapshot", vg, origin);
  /* thin snapshots are created with the activation-skip flag: activate
   * (-K) so the export and the copies can open them */
  return prefix_error (bd_lvm_thsnapshotcreate (vg, origin, name, NULL, NULL, error)
                       && bd_lvm_lvactivate (vg, name, TRUE, NULL, error),
                       error, "make a thin snapshot of", vg, origin);
}

/* lvremove first, and a look at the LV only when it refused: each lvm
 * command reads the whole volume group, and a delete that looked first
 * ran two where udisks2 runs one */
static gboolean
bd_remove_lv (NovaLvm *self, const char *vg, const char *name, GError **error)
{
  g_autoptr(GError) remove_error = NULL;
  NovaLvmLvInfo info;

  if (bd_lvm_lvremove (vg, name, TRUE, NULL, &remove_error))
    return TRUE;
  if (!bd_lv_info (self, vg, name, &info, error))
    return FALSE;
  /* gone already: what was asked for */
  if (!info.exists)
    return TRUE;
  /* lvremove's refusal, said as Busy, which the caller can act on */
  if (info.open)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "logical volume %s/%s is open (a client, a mount or a copy holds it): it was not removed",
                   vg, name);
      return FALSE;
    }
  g_propagate_error (error, g_steal_pointer (&remove_error));
  return prefix_error (FALSE, error, "remove logical volume", vg, name);
}

static gboolean
bd_resize_lv (NovaLvm *self, const char *vg, const char *name, guint64 size, GError **error)
{
  return prefix_error (bd_lvm_lvresize (vg, name, size, NULL, error), error,
                       "resize logical volume", vg, name);
}

static gboolean
bd_merge_snapshot (NovaLvm *self, const char *vg, const char *snapshot, GError **error)
{
  return prefix_error (bd_lvm_lvsnapshotmerge (vg, snapshot, NULL, error), error,
                       "merge snapshot", vg, snapshot);
}

static gboolean
bd_set_active (NovaLvm *self, const char *vg, const char *name, gboolean active, GError **error)
{
  /* -K: thin snapshots carry the activation-skip flag */
  return prefix_error (active ? bd_lvm_lvactivate (vg, name, TRUE, NULL, error)
                              : bd_lvm_lvdeactivate (vg, name, NULL, error),
                       error, active ? "activate logical volume" : "deactivate logical volume", vg, name);
}

static gboolean
bd_rename_lv (NovaLvm *self, const char *vg, const char *name, const char *new_name, GError **error)
{
  return prefix_error (bd_lvm_lvrename (vg, name, new_name, NULL, error), error,
                       "rename logical volume", vg, name);
}

void
nova_lvm_lv_free (NovaLvmLv *lv)
{
  if (lv == NULL)
    return;
  g_free (lv->name);
  g_free (lv->origin);
  g_free (lv);
}

static GPtrArray *
bd_list_lvs (NovaLvm *self, const char *vg, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  BDLVMLVdata **lvs = bd_lvm_lvs (vg, &local_error);
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) thick_snapshots = g_ptr_array_new ();
  GPtrArray *result;

  if (lvs == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "cannot list the logical volumes of %s (does the volume group exist? see volume_group): %s",
                   vg, local_error != NULL ? local_error->message : "lvs failed");
      return NULL;
    }
  result = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_lvm_lv_free);
  for (BDLVMLVdata **lv = lvs; *lv != NULL; lv++)
    {
      /* lvs shows hidden LVs (a thin pool's data and metadata) in [] */
      if ((*lv)->lv_name != NULL && (*lv)->lv_name[0] != '\0' && (*lv)->lv_name[0] != '[')
        {
          NovaLvmLv *entry = g_new0 (NovaLvmLv, 1);

          entry->name = g_strdup ((*lv)->lv_name);
          entry->size = (*lv)->size;
          entry->origin = (*lv)->origin != NULL && (*lv)->origin[0] != '\0' ? g_strdup ((*lv)->origin) : NULL;
          g_ptr_array_add (result, entry);
          g_hash_table_insert (by_name, entry->name, entry);
          /* lv_attr's volume type: s a thick snapshot (S when invalid) */
          if (entry->origin != NULL && (*lv)->attr != NULL && ((*lv)->attr[0] == 's' || (*lv)->attr[0] == 'S'))
            g_ptr_array_add (thick_snapshots, entry);
        }
      bd_lvm_lvdata_free (*lv);
    }
  g_free (lvs);
  /* a thick snapshot reads as its origin, which cannot be resized while
   * it has snapshots */
  for (guint i = 0; i < thick_snapshots->len; i++)
    {
      NovaLvmLv *snapshot = g_ptr_array_index (thick_snapshots, i);
      const NovaLvmLv *origin = g_hash_table_lookup (by_name, snapshot->origin);

      if (origin != NULL)
        snapshot->size = origin->size;
    }
  return result;
}

static char *
default_lv_path (NovaLvm *self, const char *vg, const char *name)
{
  return g_strdup_printf ("/dev/%s/%s", vg, name);
}

static void
nova_lvm_class_init (NovaLvmClass *klass)
{
  klass->vg_info = bd_vg_info;
  klass->lv_info = bd_lv_info;
  klass->create_lv = bd_create_lv;
  klass->create_thin_pool = bd_create_thin_pool;
  klass->create_thin_lv = bd_create_thin_lv;
  klass->create_snapshot = bd_create_snapshot;
  klass->remove_lv = bd_remove_lv;
  klass->resize_lv = bd_resize_lv;
  klass->lv_path = default_lv_path;
  klass->list_lvs = bd_list_lvs;
  klass->merge_snapshot = bd_merge_snapshot;
  klass->set_active = bd_set_active;
  klass->rename_lv = bd_rename_lv;
}

static void
nova_lvm_init (NovaLvm *self)
{
}

NovaLvm *
nova_lvm_new (GError **error)
{
  if (!ensure_plugin (error))
    return NULL;
  return g_object_new (NOVA_TYPE_LVM, NULL);
}

/* ---- the wrappers: names checked before anything reaches LVM --------- */

/* libblockdev's functions look at *error (bd_lvm_lvs crashes on NULL):
 * a caller that ignores the error still gives them somewhere to put it */
#define ERROR_SOMEWHERE(error)               \
  g_autoptr(GError) ignored_error_ = NULL;   \
  if ((error) == NULL)                       \
    (error) = &ignored_error_

#define CHECK_VG_NAME(vg) nova_lvm_check_name ("volume group", (vg), error)
#define CHECK_LV_NAME(name) nova_lvm_check_name ("logical volume", (name), error)

gboolean
nova_lvm_vg_info (NovaLvm *self, const char *vg, NovaLvmVgInfo *out, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && NOVA_LVM_GET_CLASS (self)->vg_info (self, vg, out, error);
}

gboolean
nova_lvm_lv_info (NovaLvm *self, const char *vg, const char *name, NovaLvmLvInfo *out, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (name)
         && NOVA_LVM_GET_CLASS (self)->lv_info (self, vg, name, out, error);
}

gboolean
nova_lvm_create_lv (NovaLvm *self, const char *vg, const char *name, guint64 size, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (name)
         && NOVA_LVM_GET_CLASS (self)->create_lv (self, vg, name, size, error);
}

gboolean
nova_lvm_create_thin_pool (NovaLvm *self, const char *vg, const char *pool, guint64 size, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (pool)
         && NOVA_LVM_GET_CLASS (self)->create_thin_pool (self, vg, pool, size, error);
}

gboolean
nova_lvm_create_thin_lv (NovaLvm *self, const char *vg, const char *pool, const char *name, guint64 size,
                         GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (pool) && CHECK_LV_NAME (name)
         && NOVA_LVM_GET_CLASS (self)->create_thin_lv (self, vg, pool, name, size, error);
}

gboolean
nova_lvm_create_snapshot (NovaLvm *self, const char *vg, const char *origin, const char *name, guint64 cow_size,
                          GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (origin) && CHECK_LV_NAME (name)
         && NOVA_LVM_GET_CLASS (self)->create_snapshot (self, vg, origin, name, cow_size, error);
}

gboolean
nova_lvm_remove_lv (NovaLvm *self, const char *vg, const char *name, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (name)
         && NOVA_LVM_GET_CLASS (self)->remove_lv (self, vg, name, error);
}

gboolean
nova_lvm_resize_lv (NovaLvm *self, const char *vg, const char *name, guint64 size, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (name)
         && NOVA_LVM_GET_CLASS (self)->resize_lv (self, vg, name, size, error);
}

gboolean
nova_lvm_merge_snapshot (NovaLvm *self, const char *vg, const char *snapshot, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (snapshot)
         && NOVA_LVM_GET_CLASS (self)->merge_snapshot (self, vg, snapshot, error);
}

gboolean
nova_lvm_set_active (NovaLvm *self, const char *vg, const char *name, gboolean active, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (name)
         && NOVA_LVM_GET_CLASS (self)->set_active (self, vg, name, active, error);
}

gboolean
nova_lvm_rename_lv (NovaLvm *self, const char *vg, const char *name, const char *new_name, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), FALSE);
  return CHECK_VG_NAME (vg) && CHECK_LV_NAME (name) && CHECK_LV_NAME (new_name)
         && NOVA_LVM_GET_CLASS (self)->rename_lv (self, vg, name, new_name, error);
}

char *
nova_lvm_lv_path (NovaLvm *self, const char *vg, const char *name)
{
  g_return_val_if_fail (NOVA_IS_LVM (self), NULL);
  return NOVA_LVM_GET_CLASS (self)->lv_path (self, vg, name);
}

GPtrArray *
nova_lvm_list_lvs (NovaLvm *self, const char *vg, GError **error)
{
  ERROR_SOMEWHERE (error);

  g_return_val_if_fail (NOVA_IS_LVM (self), NULL);
  if (!CHECK_VG_NAME (vg))
    return NULL;
  return NOVA_LVM_GET_CLASS (self)->list_lvs (self, vg, error);
}
