/* nova-volume: the volume half of the LVM drivers (lvm-iscsi, aoe), an
 * abstract base class; see nova-volume-lvm-driver.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "nova-volume-block-copy.h"
#include "nova-volume-io.h"
#include "nova-volume-error.h"
#include "nova-volume-stats.h"
#include "nova-volume-lvm-driver.h"

/* an LVM volume group name, as lvm(8) accepts it */
static const char *
check_volume_group (const char *value)
{
  if (*value == '\0')
    return "must not be empty";
  if (*value == '-')
    return "must not start with '-'";
  if (g_str_equal (value, ".") || g_str_equal (value, ".."))
    return "is not a volume group name";
  for (const char *p = value; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("+_.-", *p) == NULL)
      return "may only contain letters, digits and + _ . -";
  return NULL;
}

static const char *const lvm_types[] = { "default", "thin", NULL };
static const char *const volume_clear_modes[] = { "none", "zero", NULL };

/* the keys of every driver that keeps its volumes in LVM */
const NovaVolumeConfigKey nova_volume_lvm_config_keys[] = {
  { "volume_group", NOVA_VOLUME_KEY_STRING, "nova-volumes", 0, 0, NULL, check_volume_group,
    "Name of the LVM volume group that will contain exported volumes." },
  { "lvm_type", NOVA_VOLUME_KEY_ENUM, "default", 0, 0, lvm_types, NULL,
    "LVM volumes: default (thick) or thin (from a thin pool in the volume group)." },
  { "lvm_snapshot_percent", NOVA_VOLUME_KEY_INT, "100", 1, 100, NULL, NULL,
    "Room a thick snapshot gets for changes, in percent of its volume's size; 100 never fills up." },
  { "volume_clear", NOVA_VOLUME_KEY_ENUM, "zero", 0, 0, volume_clear_modes, NULL,
    "How a deleted volume is wiped before its space is reused: none or zero." },
  { "volume_clear_size", NOVA_VOLUME_KEY_INT, "0", 0, 1048576, NULL, NULL,
    "MiB to wipe at the start of a deleted volume; 0 wipes all of it." },
  /* the sheepdog driver */
  NOVA_VOLUME_CONFIG_KEYS_END
};

#define MIB ((guint64) 1024 * 1024)

typedef struct {
  NovaLvm          *lvm;
  NovaVolumeLedger *ledger;
  char             *backend;
  NovaVolumeConfig *config;

  char             *vg;
  char             *pool;             /* NULL for thick volumes */
  guint             snapshot_percent; /* lvm_snapshot_percent */
  gboolean          clear;            /* volume_clear = zero */
  guint64           clear_size;       /* bytes; 0 = all */
  char             *backend_name;

  GMutex            pool_lock;        /* the thin pool is made once */
  gint              pool_seen;        /* atomic: ensure_pool found or made it */
  gsize             extent_size;      /* atomic: the group's, as last read; 0 before */
} NovaLvmDriverPrivate;

static void nova_lvm_driver_iface_init (NovaVolumeDriverInterface *iface);

G_DEFINE_ABSTRACT_TYPE_WITH_CODE (NovaLvmDriver, nova_lvm_driver, G_TYPE_OBJECT,
                                  G_ADD_PRIVATE (NovaLvmDriver)
                                  G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_DRIVER, nova_lvm_driver_iface_init))

#define PRIV(driver) ((NovaLvmDriverPrivate *) nova_lvm_driver_get_instance_private (NOVA_LVM_DRIVER (driver)))

/* ---- names ------------------------------------------------------------ */

static char *
volume_lv (NovaLvmDriverPrivate *self, const char *id)
{
  return nova_lvm_escape_name (nova_volume_config_volume_name (self->config, id));
}

static char *
snapshot_lv (NovaLvmDriverPrivate *self, const char *id)
{
  return nova_lvm_escape_name (nova_volume_config_snapshot_name (self->config, id));
}

/* ---- setup ------------------------------------------------------------ */

static const char *
lvm_driver_get_name (NovaVolumeDriver *driver)
{
  return NOVA_LVM_DRIVER_GET_CLASS (driver)->name;
}

static gboolean
lvm_driver_do_setup (NovaVolumeDriver *driver, NovaVolumeDriverContext *ctx, GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  NovaLvmDriverClass *klass = NOVA_LVM_DRIVER_GET_CLASS (driver);
  const char *backend_name = nova_volume_config_get_string (ctx->config, "volume_backend_name");

  if (ctx->ledger == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "the %s driver keeps its export numbers in the state store, and has none", klass->name);
      return FALSE;
    }
  g_set_object (&self->config, ctx->config);
  g_set_object (&self->ledger, ctx->ledger);
  g_free (self->backend);
  self->backend = g_strdup (ctx->backend);
  g_free (self->vg);
  self->vg = g_strdup (nova_volume_config_get_string (ctx->config, "volume_group"));
  g_clear_pointer (&self->pool, g_free);
  if (g_str_equal (nova_volume_config_get_string (ctx->config, "lvm_type"), "thin"))
    self->pool = g_strconcat (self->vg, "-pool", NULL);
  self->snapshot_percent = (guint) nova_volume_config_get_int (ctx->config, "lvm_snapshot_percent");
  self->clear = g_str_equal (nova_volume_config_get_string (ctx->config, "volume_clear"), "zero");
  self->clear_size = (guint64) nova_volume_config_get_int (ctx->config, "volume_clear_size") * MIB;
  g_free (self->backend_name);
  self->backend_name = g_strdup (backend_name != NULL && *backend_name != '\0' ? backend_name : klass->name);

  if (!nova_lvm_check_name ("volume_group", self->vg, error))
    return FALSE;
  if (self->lvm == NULL && (self->lvm = nova_lvm_new (error)) == NULL)
    return FALSE;
  return klass->setup_exports (NOVA_LVM_DRIVER (driver), ctx, error);
}

/* the volume group's figures; its extent size kept for create_lv */
static gboolean
read_vg (NovaLvmDriverPrivate *self, NovaLvmVgInfo *info, GError **error)
{
  if (!nova_lvm_vg_info (self->lvm, self->vg, info, error))
    return FALSE;
  g_atomic_pointer_set (&self->extent_size, (gsize) info->extent_size);
  return TRUE;
}

static gboolean
lvm_driver_check_for_setup_error (NovaVolumeDriver *driver, GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  NovaLvmVgInfo info;

  return read_vg (self, &info, error);
}

/* ---- volumes ---------------------------------------------------------- */

/* The thin pool, made on first use from 95% of what the group has free
 * (as Cinder sizes it), so thin volumes can grow into the rest later. */
static gboolean
ensure_pool (NovaLvmDriverPrivate *self, GError **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->pool_lock);
  NovaLvmLvInfo pool;
  NovaLvmVgInfo vg;

  if (!nova_lvm_lv_info (self->lvm, self->vg, self->pool, &pool, error))
    return FALSE;
  if (!pool.exists
      && (!read_vg (self, &vg, error)
          || !nova_lvm_create_thin_pool (self->lvm, self->vg, self->pool, vg.free / 100 * 95, error)))
    return FALSE;
  g_atomic_int_set (&self->pool_seen, TRUE);
  return TRUE;
}

/* A thin LV in the pool. The pool is looked up before the first create,
 * not before each (an lvm command as long as the create): a create that
 * fails once the pool was seen looks again, and makes the pool and tries
 * once more when it is gone (an admin removed it, empty). */
static gboolean
create_thin_lv (NovaLvmDriverPrivate *self, const char *name, guint64 size, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  NovaLvmLvInfo pool;

  if (g_atomic_int_get (&self->pool_seen))
    {
      if (nova_lvm_create_thin_lv (self->lvm, self->vg, self->pool, name, size, &local_error))
        return TRUE;
      if (!nova_lvm_lv_info (self->lvm, self->vg, self->pool, &pool, NULL) || pool.exists)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_atomic_int_set (&self->pool_seen, FALSE);
    }
  return ensure_pool (self, error) && nova_lvm_create_thin_lv (self->lvm, self->vg, self->pool, name, size, error);
}

/* Makes LV @name of @size (thin or thick) and says the size LVM gave it:
 * rounded up to whole extents, thin or thick, as lvcreate does; read
 * back only while the extent size is not known (the group's figures are
 * read at setup and at every refresh: a look after each create was one
 * lvm command more than the create itself). */
static gboolean
create_lv (NovaLvmDriverPrivate *self, const char *name, guint64 size, guint64 *out_size, GError **error)
{
  guint64 extent = (guint64) g_atomic_pointer_get (&self->extent_size);
  NovaLvmLvInfo info;

  if (self->pool != NULL)
    {
      if (!create_thin_lv (self, name, size, error))
        return FALSE;
    }
  else if (!nova_lvm_create_lv (self->lvm, self->vg, name, size, error))
    return FALSE;
  if (extent > 0)
    {
      *out_size = (size + extent - 1) / extent * extent;
      return TRUE;
    }
  if (!nova_lvm_lv_info (self->lvm, self->vg, name, &info, error))
    return FALSE;
  *out_size = info.exists ? info.size : size;
  return TRUE;
}

static gboolean
lvm_driver_create_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  g_autofree char *name = volume_lv (self, volume->id);

  return create_lv (self, name, volume->size, &volume->size, error);
}

/* A new volume with the bytes of LV @origin (a snapshot or a volume):
 * thin, a thin snapshot of it, grown to the size asked for; thick, a new
 * LV and a copy. */
static gboolean
create_copy_of (NovaLvmDriverPrivate *self, NovaVolumeRecord *volume, const char *origin,
                guint64 origin_size, NovaVolumeProgressFunc progress, gpointer progress_data,
                GCancellable *cancellable, GError **error)
{
  g_autofree char *name = volume_lv (self, volume->id);
  guint64 size = MAX (volume->size, origin_size);
  g_autofree char *src = NULL;
  g_autofree char *dst = NULL;

  if (self->pool != NULL)
    {
      NovaLvmLvInfo info;

      if (!nova_lvm_create_snapshot (self->lvm, self->vg, origin, name, 0, error))
        return FALSE;
      if (size > origin_size && !nova_lvm_resize_lv (self->lvm, self->vg, name, size, error))
        {
          nova_lvm_remove_lv (self->lvm, self->vg, name, NULL);
          return FALSE;
        }
      if (!nova_lvm_lv_info (self->lvm, self->vg, name, &info, error))
        return FALSE;
      volume->size = info.size;
      if (progress != NULL)
        progress (1.0, progress_data);
      return TRUE;
    }

  if (!create_lv (self, name, size, &volume->size, error))
    return FALSE;
  src = nova_lvm_lv_path (self->lvm, self->vg, origin);
  dst = nova_lvm_lv_path (self->lvm, self->vg, name);
  if (!nova_block_copy (src, dst, origin_size, progress, progress_data, cancellable, error))
    {
      /* a half-made copy is not kept; the manager sees the error */
      nova_lvm_remove_lv (self->lvm, self->vg, name, NULL);
      return FALSE;
    }
  return TRUE;
}

static gboolean
lvm_driver_create_volume_from_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                        const NovaSnapshotRecord *snapshot,
                                        NovaVolumeProgressFunc progress, gpointer progress_data,
                                        GCancellable *cancellable, GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  g_autofree char *origin = snapshot_lv (self, snapshot->id);

  return create_copy_of (self, volume, origin, snapshot->size, progress, progress_data, cancellable, error);
}

static gboolean
lvm_driver_create_cloned_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                 const NovaVolumeRecord *source,
                                 NovaVolumeProgressFunc progress, gpointer progress_data,
                                 GCancellable *cancellable, GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  g_autofree char *origin = volume_lv (self, source->id);

  return create_copy_of (self, volume, origin, source->size, progress, progress_data, cancellable, error);
}

/* the refusal while LV @name (@kind @id's) is open: nothing was changed;
 * @again says what to do once it is closed ("delete the volume again") */
static gboolean
refuse_open (NovaLvmDriverPrivate *self, const char *kind, const char *id, const char *name, const char *again,
             GError **error)
{
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
               "%s %s is still open on this host (its logical volume %s/%s is in use: a client, a mount or a "
               "copy holds it): nothing was changed; close it and %s", kind, id, self->vg, name, again);
  return FALSE;
}

static gboolean
lvm_driver_delete_volume (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                          GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  g_autofree char *name = volume_lv (self, volume->id);
  NovaLvmLvInfo info;

  /* nova_lvm_remove_lv looks the LV up itself (succeeds when it is gone,
   * refuses an open one with Busy): look here only when there may be
   * something to clear, since each lookup is an lvm command start */
  if (!self->clear)
    {
      g_autoptr(GError) local_error = NULL;

      if (nova_lvm_remove_lv (self->lvm, self->vg, name, &local_error))
        return TRUE;
      if (g_error_matches (local_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY))
        return refuse_open (self, "volume", volume->id, name, "delete the volume again", error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!nova_lvm_lv_info (self->lvm, self->vg, name, &info, error))
    return FALSE;
  if (!info.exists)
    return TRUE;
  /* an open LV is refused before any clearing, so the refusal changed
   * nothing (Busy: the manager exports it again) */
  if (info.open)
    return refuse_open (self, "volume", volume->id, name, "delete the volume again", error);
  /* thin pools hand out zeroed blocks; thick extents keep what was there */
  if (!info.thin)
    {
      g_autofree char *path = nova_lvm_lv_path (self->lvm, self->vg, name);
      guint64 size = self->clear_size > 0 ? MIN (self->clear_size, info.size) : info.size;

      if (!nova_block_zero (path, size, NULL, NULL, NULL, error))
        {
          g_prefix_error (error, "cannot clear volume %s before deleting it (volume_clear = zero): ", volume->id);
          return FALSE;
        }
    }
  return nova_lvm_remove_lv (self->lvm, self->vg, name, error);
}

static gboolean
lvm_driver_extend_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume, guint64 new_size,
                          GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  g_autofree char *name = volume_lv (self, volume->id);
  NovaLvmLvInfo info;

  /* LVM resizes a snapshot origin only while it is inactive, which its
   * export would not survive; lvextend's own advice (lvchange -an) is
   * not one to pass on */
  if (!nova_lvm_lv_info (self->lvm, self->vg, name, &info, error))
    return FALSE;
  if (info.origin)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                   "volume %s has snapshots, and LVM cannot grow a thick volume with snapshots while it is "
                   "in use: delete its snapshots first (thin volumes, lvm_type = thin, grow with them)",
                   volume->id);
      return FALSE;
    }
  if (!nova_lvm_resize_lv (self->lvm, self->vg, name, new_size, error)
      || !nova_lvm_lv_info (self->lvm, self->vg, name, &info, error))
    return FALSE;
  volume->size = info.exists ? info.size : new_size;
  /* grown: a host connected now sees it on its next rescan */
  if (NOVA_LVM_DRIVER_GET_CLASS (driver)->refresh_export != NULL
      && !NOVA_LVM_DRIVER_GET_CLASS (driver)->refresh_export (NOVA_LVM_DRIVER (driver), volume, error))
    {
      g_prefix_error (error, "volume %s grew to %" G_GUINT64_FORMAT " bytes, but its export still shows the "
                      "old size: ", volume->id, volume->size);
      return FALSE;
    }
  return TRUE;
}

static gboolean
lvm_driver_create_snapshot (NovaVolumeDriver *driver, NovaSnapshotRecord *snapshot,
                            const NovaVolumeRecord *volume, GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  g_autofree char *origin = volume_lv (self, volume->id);
  g_autofree char *name = snapshot_lv (self, snapshot->id);

  /* thick: room for lvm_snapshot_percent of the origin to change (at
   * least one MiB, LVM rounds it up to extents) */
  guint64 cow_size = MAX (volume->size / 100 * self->snapshot_percent, MIB);

  if (!nova_lvm_create_snapshot (self->lvm, self->vg, origin, name, self->pool != NULL ? 0 : cow_size, error))
    return FALSE;
  snapshot->size = volume->size;
  return TRUE;
}

static gboolean
lvm_driver_delete_snapshot (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot,
                            GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  g_autofree char *name = snapshot_lv (self, snapshot->id);

  return nova_lvm_remove_lv (self->lvm, self->vg, name, error);
}

/* ---- revert ----------------------------------------------------------- */

/* Thick: the snapshot merged into the volume (lvconvert --merge, which
 * consumes it; the volume deactivated and activated, which completes a
 * merge LVM put off) and taken again of the volume that now holds its
 * bytes, as Cinder does. Cut short, the next run goes on from what it
 * finds: a merge asked for is completed by the activation, one done only
 * has its snapshot taken again. */
static gboolean
revert_thick (NovaLvmDriverPrivate *self, const NovaVolumeRecord *volume, const char *name, const char *snap,
              GError **error)
{
  guint64 cow_size = MAX (volume->size / 100 * self->snapshot_percent, MIB);
  g_autoptr(GError) merge_error = NULL;
  NovaLvmLvInfo info;

  if (!nova_lvm_lv_info (self->lvm, self->vg, name, &info, error))
    return FALSE;
  if (info.open)
    return refuse_open (self, "volume", volume->id, name, "revert again", error);
  if (!nova_lvm_lv_info (self->lvm, self->vg, snap, &info, error))
    return FALSE;
  /* a merge asked for before fails again ("already merging"): the
   * activation below says whether it happened */
  if (info.exists)
    nova_lvm_merge_snapshot (self->lvm, self->vg, snap, &merge_error);
  if (!nova_lvm_set_active (self->lvm, self->vg, name, FALSE, error)
      || !nova_lvm_set_active (self->lvm, self->vg, name, TRUE, error)
      || !nova_lvm_lv_info (self->lvm, self->vg, snap, &info, error))
    return FALSE;
  if (info.exists)
    {
      if (merge_error != NULL)
        g_propagate_error (error, g_steal_pointer (&merge_error));
      else
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                     "LVM did not merge snapshot %s/%s into %s when it was activated", self->vg, snap, name);
      return FALSE;
    }
  return nova_lvm_create_snapshot (self->lvm, self->vg, name, snap, cow_size, error);
}

/* Thin: a thin snapshot of the snapshot, made under a name of its own,
 * takes the volume's place (the old volume removed, the new one renamed).
 * LVM's own thin merge was tried first: after it the volume's other
 * snapshots can be merged no more, where a thin snapshot can be taken of
 * any of them. Either way LVM forgets that those were snapshots of the
 * volume (see list_stored). Cut short, the next run goes on from what it
 * finds: the new LV made but the old one still there, or the old one
 * gone. */
static gboolean
revert_thin (NovaLvmDriverPrivate *self, const NovaVolumeRecord *volume, const char *name, const char *snap,
             GError **error)
{
  g_autofree char *replacement = g_strconcat (name, ".reverted", NULL);
  NovaLvmLvInfo old_info, new_info;

  if (!nova_lvm_lv_info (self->lvm, self->vg, name, &old_info, error)
      || !nova_lvm_lv_info (self->lvm, self->vg, replacement, &new_info, error))
    return FALSE;
  if (old_info.open)
    return refuse_open (self, "volume", volume->id, name, "revert again", error);
  if (!new_info.exists)
    {
      if (!old_info.exists)
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                       "volume %s has no logical volume (%s/%s) and no replacement (%s)", volume->id,
                       self->vg, name, replacement);
          return FALSE;
        }
      if (!nova_lvm_create_snapshot (self->lvm, self->vg, snap, replacement, 0, error))
        return FALSE;
    }
  if (old_info.exists && !nova_lvm_remove_lv (self->lvm, self->vg, name, error))
    {
      /* nothing changed after all: the replacement goes too, so that a
       * later revert (perhaps to another snapshot) starts afresh */
      nova_lvm_remove_lv (self->lvm, self->vg, replacement, NULL);
      return FALSE;
    }
  return nova_lvm_rename_lv (self->lvm, self->vg, replacement, name, error);
}

/* The export holds the LV open: it goes for the merge or the swap and is
 * made again after, also when the revert failed (a refused one changed
 * nothing, and the volume stays usable) */
static gboolean
lvm_driver_revert_to_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                               const NovaSnapshotRecord *snapshot, gboolean latest, GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  NovaLvmDriverClass *klass = NOVA_LVM_DRIVER_GET_CLASS (driver);
  g_autofree char *name = volume_lv (self, volume->id);
  g_autofree char *snap = snapshot_lv (self, snapshot->id);
  g_autoptr(GError) revert_error = NULL;
  gboolean reverted;

  if (self->pool == NULL && !latest)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                   "thick LVM reverts by merging the snapshot into its volume, which only the latest "
                   "snapshot can be: revert to that one, or create a volume from snapshot %s "
                   "(thin volumes, lvm_type = thin, revert to any)", snapshot->id);
      return FALSE;
    }
  if (klass->remove_export != NULL && !klass->remove_export (NOVA_LVM_DRIVER (driver), volume, error))
    {
      g_prefix_error (error, "cannot take the export down for the revert: ");
      return FALSE;
    }
  reverted = self->pool != NULL ? revert_thin (self, volume, name, snap, &revert_error)
                                : revert_thick (self, volume, name, snap, &revert_error);
  if (klass->create_export != NULL && !klass->create_export (NOVA_LVM_DRIVER (driver), volume, error))
    {
      if (!reverted)
        g_prefix_error (error, "%s; and the export could not be made again: ", revert_error->message);
      return FALSE;
    }
  if (!reverted)
    {
      g_propagate_error (error, g_steal_pointer (&revert_error));
      return FALSE;
    }
  return TRUE;
}

/* ---- stats ------------------------------------------------------------ */

static GVariant *
lvm_driver_get_volume_stats (NovaVolumeDriver *driver, gboolean refresh, GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  NovaLvmDriverClass *klass = NOVA_LVM_DRIVER_GET_CLASS (driver);
  GVariantBuilder builder;
  NovaLvmVgInfo vg;
  NovaLvmLvInfo pool = { 0 };
  guint64 total, free_space, provisioned = 0;

  if (!read_vg (self, &vg, error))
    return NULL;
  total = vg.size;
  free_space = vg.free;
  if (self->pool != NULL)
    {
      if (!nova_lvm_lv_info (self->lvm, self->vg, self->pool, &pool, error))
        return NULL;
      /* a pool not made yet will take 95% of what is free */
      if (pool.exists)
        {
          total = pool.size;
          free_space = (guint64) ((double) pool.size * (100.0 - pool.data_percent) / 100.0);
        }
    }

  /* what the volumes of this driver were given: for thin volumes more
   * than the pool holds, as Cinder reports it */
  if (!nova_volume_ledger_provisioned (self->ledger, self->backend, &provisioned, error))
    return NULL;

  nova_volume_stats_builder_init (&builder, &(NovaVolumeStats) {
    .backend_name = self->backend_name, .storage_protocol = klass->storage_protocol, .thin = self->pool != NULL,
    .capacity_known = TRUE, .total = total, .free = free_space,
    .provisioned_known = TRUE, .provisioned = provisioned,
    /* how full the pool is, for the warning before it is (LVM stops
     * every thin volume's writes when it is) */
    .pool_known = pool.exists, .pool_data_percent = pool.data_percent,
    .pool_metadata_percent = pool.metadata_percent,
    /* every target here lets several hosts in; whether one of them can
     * be held to reading is the target's to say */
    .multiattach = TRUE,
    .read_only_attachments = klass->read_only_attachments != NULL ? klass->read_only_attachments (NOVA_LVM_DRIVER (driver))
                                                                   : NULL,
  });
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* ---- what the volume group holds ------------------------------------- */

/* The id volume_lv (or snapshot_lv, @snapshot) made LV @lv from, or NULL:
 * the name read back through its template, without the '_' that
 * nova_lvm_escape_name may have put before it, and made again to be sure. */
static char *
id_of_lv (NovaLvmDriverPrivate *self, const char *lv, gboolean snapshot)
{
  const char *candidates[] = { lv, lv[0] == '_' ? lv + 1 : NULL };

  for (guint i = 0; i < G_N_ELEMENTS (candidates) && candidates[i] != NULL; i++)
    {
      g_autofree char *id = snapshot ? nova_volume_config_id_from_snapshot_name (self->config, candidates[i])
                                     : nova_volume_config_id_from_volume_name (self->config, candidates[i]);
      g_autofree char *made = NULL;

      if (id == NULL)
        continue;
      made = snapshot ? snapshot_lv (self, id) : volume_lv (self, id);
      if (g_str_equal (made, lv))
        return g_steal_pointer (&id);
    }
  return NULL;
}

/* An LV of the volume group becomes @volume: a plain LV of this
 * backend's kind (thick, or thin with lvm_type = thin), not a snapshot,
 * not the thin pool, without snapshots, not open. */
static gboolean
lvm_driver_manage_existing (NovaVolumeDriver *driver, NovaVolumeRecord *volume, const char *reference,
                            GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  g_autofree char *name = volume_lv (self, volume->id);
  g_autoptr(GPtrArray) lvs = NULL;
  const NovaLvmLv *found = NULL;
  NovaLvmLvInfo info;

  if (!nova_lvm_check_name ("reference", reference, error))
    return FALSE;
  lvs = nova_lvm_list_lvs (self->lvm, self->vg, error);
  if (lvs == NULL)
    return FALSE;
  for (guint i = 0; i < lvs->len; i++)
    {
      const NovaLvmLv *lv = g_ptr_array_index (lvs, i);

      if (g_str_equal (lv->name, reference))
        found = lv;
      else if (g_strcmp0 (lv->origin, reference) == 0)
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                       "logical volume %s/%s has snapshots (%s): remove them first, or they would stay with no "
                       "volume to belong to", self->vg, reference, lv->name);
          return FALSE;
        }
    }
  if (found == NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "there is no logical volume %s in volume group %s", reference, self->vg);
      return FALSE;
    }
  if (found->origin != NULL || g_strcmp0 (reference, self->pool) == 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "logical volume %s/%s is %s, not a volume", self->vg, reference,
                   found->origin != NULL ? "a snapshot" : "this backend's thin pool");
      return FALSE;
    }
  if (!nova_lvm_lv_info (self->lvm, self->vg, reference, &info, error))
    return FALSE;
  if (info.thin != (self->pool != NULL))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "logical volume %s/%s is %s, and this backend's volumes are %s (lvm_type = %s)", self->vg,
                   reference, info.thin ? "a thin LV" : "a thick LV", self->pool != NULL ? "thin" : "thick",
                   self->pool != NULL ? "thin" : "default");
      return FALSE;
    }
  if (info.open)
    return refuse_open (self, "logical volume", reference, reference, "manage it again", error);
  if (!g_str_equal (reference, name) && !nova_lvm_rename_lv (self->lvm, self->vg, reference, name, error))
    return FALSE;
  volume->size = info.size;
  return TRUE;
}

/* The LVs of volume_group the templates named: volumes (thick or thin),
 * and snapshots (thick copy-on-write or thin) with the volume their
 * origin is. The thin pool, its hidden parts and every other LV are no
 * one's. */
static GPtrArray *
lvm_driver_list_stored (NovaVolumeDriver *driver, GError **error)
{
  NovaLvmDriverPrivate *self = PRIV (driver);
  g_autoptr(GPtrArray) lvs = nova_lvm_list_lvs (self->lvm, self->vg, error);
  GPtrArray *stored;

  if (lvs == NULL)
    return NULL;
  stored = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_stored_free);
  for (guint i = 0; i < lvs->len; i++)
    {
      const NovaLvmLv *lv = g_ptr_array_index (lvs, i);
      g_autofree char *volume_id = id_of_lv (self, lv->name, FALSE);
      g_autofree char *snapshot_id = NULL;
      g_autofree char *origin_id = NULL;

      if (volume_id != NULL)
        {
          g_ptr_array_add (stored, nova_volume_stored_new (FALSE, volume_id, lv->size, NULL));
          continue;
        }
      snapshot_id = id_of_lv (self, lv->name, TRUE);
      if (snapshot_id == NULL)
        continue;
      if (lv->origin != NULL)
        origin_id = id_of_lv (self, lv->origin, FALSE);
      g_ptr_array_add (stored, nova_volume_stored_new (TRUE, snapshot_id, lv->size, origin_id));
    }
  return stored;
}

/* ---- exports: the subclass's ------------------------------------------ */

static gboolean
lvm_driver_create_export (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  return NOVA_LVM_DRIVER_GET_CLASS (driver)->create_export (NOVA_LVM_DRIVER (driver), volume, error);
}

static gboolean
lvm_driver_ensure_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  return NOVA_LVM_DRIVER_GET_CLASS (driver)->ensure_export (NOVA_LVM_DRIVER (driver), volume, error);
}

static gboolean
lvm_driver_remove_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  return NOVA_LVM_DRIVER_GET_CLASS (driver)->remove_export (NOVA_LVM_DRIVER (driver), volume, error);
}

static gboolean
lvm_driver_check_for_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  return NOVA_LVM_DRIVER_GET_CLASS (driver)->check_for_export (NOVA_LVM_DRIVER (driver), volume, error);
}

static GVariant *
lvm_driver_initialize_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                  GVariant *connector, GError **error)
{
  g_autoptr(GVariant) info = NOVA_LVM_DRIVER_GET_CLASS (driver)->initialize_connection (NOVA_LVM_DRIVER (driver),
                                                                                       volume, connector, error);

  /* a thin pool takes discarded blocks back; thick extents stay */
  if (info != NULL && PRIV (driver)->pool != NULL)
    return nova_volume_connection_info_add (info, "discard", g_variant_new_boolean (TRUE));
  return g_steal_pointer (&info);
}

static gboolean
lvm_driver_terminate_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                 GVariant *connector, GError **error)
{
  return NOVA_LVM_DRIVER_GET_CLASS (driver)->terminate_connection (NOVA_LVM_DRIVER (driver), volume, connector,
                                                                   error);
}

/* ---- object ----------------------------------------------------------- */

void
nova_lvm_driver_set_lvm (NovaLvmDriver *self, NovaLvm *lvm)
{
  g_return_if_fail (NOVA_IS_LVM_DRIVER (self));
  g_set_object (&PRIV (self)->lvm, lvm);
}

NovaVolumeLedger *
nova_lvm_driver_get_ledger (NovaLvmDriver *self)
{
  g_return_val_if_fail (NOVA_IS_LVM_DRIVER (self), NULL);
  return PRIV (self)->ledger;
}

NovaVolumeConfig *
nova_lvm_driver_get_config (NovaLvmDriver *self)
{
  g_return_val_if_fail (NOVA_IS_LVM_DRIVER (self), NULL);
  return PRIV (self)->config;
}

char *
nova_lvm_driver_volume_path (NovaLvmDriver *self, const char *volume_id)
{
  NovaLvmDriverPrivate *priv = PRIV (self);
  g_autofree char *name = volume_lv (priv, volume_id);

  return nova_lvm_lv_path (priv->lvm, priv->vg, name);
}

/* ---- the bytes, for the daemon's copies ---------------------------------- */

/* The LV's block device. /dev/<vg>/<lv> is udev's link to the dm node, so
 * it is followed; what it leads to must be a block device (or, in the
 * tests' volume group of files, a regular file). */
static int
open_lv_path (const char *path, int flags, GError **error)
{
  struct stat st;
  int fd = open (path, flags | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot open %s: %s", path,
                   g_strerror (errsv));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !(S_ISBLK (st.st_mode) || S_ISREG (st.st_mode)) || fcntl (fd, F_SETFL, flags) != 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "%s is not the block device of a volume",
                   path);
      close (fd);
      return -1;
    }
  return fd;
}

static int
open_lv (NovaLvmDriver *driver, const NovaVolumeRecord *volume, int flags, GError **error)
{
  g_autofree char *path = nova_lvm_driver_volume_path (driver, volume->id);

  return open_lv_path (path, flags, error);
}

/* a snapshot LV reads as its origin did when it was taken: a thick one
 * through its copy-on-write table, a thin one (activated when it was
 * made) as its own thin LV */
static GInputStream *
lvm_driver_open_snapshot_for_read (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot, GError **error)
{
  NovaLvmDriverPrivate *priv = PRIV (driver);
  g_autofree char *name = snapshot_lv (priv, snapshot->id);
  g_autofree char *path = nova_lvm_lv_path (priv->lvm, priv->vg, name);
  int fd = open_lv_path (path, O_RDONLY, error);

  return fd >= 0 ? g_unix_input_stream_new (fd, TRUE) : NULL;
}

static GInputStream *
lvm_driver_open_for_read (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  int fd = open_lv (NOVA_LVM_DRIVER (driver), volume, O_RDONLY, error);

  return fd >= 0 ? g_unix_input_stream_new (fd, TRUE) : NULL;
}

static GOutputStream *
lvm_driver_open_for_write (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  int fd = open_lv (NOVA_LVM_DRIVER (driver), volume, O_WRONLY, error);

  /* a new thin LV reads as zeros; a thick one may hold the bytes of an
   * LV that had its extents before, so every byte is written */
  return fd >= 0 ? nova_volume_fd_output_stream_new (fd, PRIV (driver)->pool != NULL) : NULL;
}

static char *
lvm_driver_storage_location (NovaVolumeDriver *driver, const NovaVolumeRecord *volume)
{
  return nova_lvm_driver_volume_path (NOVA_LVM_DRIVER (driver), volume->id);
}

static void
nova_lvm_driver_finalize (GObject *object)
{
  NovaLvmDriverPrivate *self = PRIV (object);

  g_clear_object (&self->lvm);
  g_clear_object (&self->ledger);
  g_clear_pointer (&self->backend, g_free);
  g_clear_object (&self->config);
  g_free (self->vg);
  g_free (self->pool);
  g_free (self->backend_name);
  g_mutex_clear (&self->pool_lock);
  G_OBJECT_CLASS (nova_lvm_driver_parent_class)->finalize (object);
}

static void
nova_lvm_driver_class_init (NovaLvmDriverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_lvm_driver_finalize;
}

static void
nova_lvm_driver_init (NovaLvmDriver *self)
{
  g_mutex_init (&PRIV (self)->pool_lock);
}

static void
nova_lvm_driver_iface_init (NovaVolumeDriverInterface *iface)
{
  iface->get_name = lvm_driver_get_name;
  iface->do_setup = lvm_driver_do_setup;
  iface->check_for_setup_error = lvm_driver_check_for_setup_error;
  iface->create_volume = lvm_driver_create_volume;
  iface->create_volume_from_snapshot = lvm_driver_create_volume_from_snapshot;
  iface->create_cloned_volume = lvm_driver_create_cloned_volume;
  iface->delete_volume = lvm_driver_delete_volume;
  iface->revert_to_snapshot = lvm_driver_revert_to_snapshot;
  iface->extend_volume = lvm_driver_extend_volume;
  iface->create_snapshot = lvm_driver_create_snapshot;
  iface->delete_snapshot = lvm_driver_delete_snapshot;
  iface->create_export = lvm_driver_create_export;
  iface->ensure_export = lvm_driver_ensure_export;
  iface->remove_export = lvm_driver_remove_export;
  iface->check_for_export = lvm_driver_check_for_export;
  iface->initialize_connection = lvm_driver_initialize_connection;
  iface->terminate_connection = lvm_driver_terminate_connection;
  iface->get_volume_stats = lvm_driver_get_volume_stats;
  iface->open_for_read = lvm_driver_open_for_read;
  iface->open_snapshot_for_read = lvm_driver_open_snapshot_for_read;
  iface->open_for_write = lvm_driver_open_for_write;
  iface->storage_location = lvm_driver_storage_location;
  iface->list_stored = lvm_driver_list_stored;
  iface->manage_existing = lvm_driver_manage_existing;
}
