/* nova-volume: the "rbd" driver (the seed's RBDDriver).
 *
 * A volume is an RBD image named by volume_name_template in rbd_pool,
 * format 2 with layering only (what every librbd and krbd client
 * opens). A snapshot is an RBD snapshot of it named by
 * snapshot_name_template, protected at once so volumes can be cloned from
 * it. A volume from a snapshot is a copy-on-write clone; a clone of a
 * volume is a clone of a temporary snapshot "<clone>.clone_snap" of the
 * source (Cinder's scheme), removed again when the clone is flattened or
 * deleted. Clones are flattened when rbd_flatten_volume_from_snapshot
 * asks for it, or when the chain of parents would grow longer than
 * rbd_max_clone_depth (long chains make every read walk them); a
 * flatten reports progress and stops when its Job is cancelled.
 *
 * Deleting refuses while the image has snapshots, clones made from it,
 * or watchers (a hypervisor with it open): each would lose data or break.
 * Its own childless temporary snapshots are removed with it.
 *
 * list_stored finds the pool's images the volume template named (clones
 * too) and their snapshots the snapshot template named.
 *
 * There is no export: hypervisors open the image through librbd with
 * the connection_info (monitors, pool/image, cephx user and the libvirt
 * secret that holds its key). */
#include "config.h"

#include <gmodule.h>

#include <errno.h>
#include <string.h>

#include <rbd/librbd.h>

#include "nova-volume-driver-rbd.h"
#include "nova-volume-error.h"
#include "nova-volume-stats.h"
#include "nova-volume-rbd-client.h"
#include "nova-volume-rbd-info.h"
#include "nova-volume-rbd-stream.h"

/* rbd: a pool or cluster name; librbd's specs split at '/' and '@' */
static const char *
check_ceph_name (const char *value)
{
  if (*value == '\0')
    return "must not be empty";
  for (const char *p = value; *p != '\0'; p++)
    if (*p == '/' || *p == '@' || g_ascii_isspace (*p))
      return "must not contain '/', '@' or spaces";
  return NULL;
}

/* rbd: the UUID of the libvirt secret holding the cephx key, or empty */
static const char *
check_optional_uuid (const char *value)
{
  if (*value != '\0' && !g_uuid_string_is_valid (value))
    return "must be a UUID (or empty)";
  return NULL;
}

/* the rbd driver's own keys */
static const NovaVolumeConfigKey rbd_keys[] = {
  { "rbd_pool", NOVA_VOLUME_KEY_STRING, "rbd", 0, 0, NULL, check_ceph_name,
    "rbd driver: Ceph pool holding the volumes' RBD images." },
  { "rbd_user", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, nova_volume_check_no_space,
    "rbd driver: cephx user (without client.) to connect as and to give hypervisors; empty: client.admin, no auth in the connection_info." },
  { "rbd_ceph_conf", NOVA_VOLUME_KEY_STRING, "/etc/ceph/ceph.conf", 0, 0, NULL, nova_volume_check_absolute_path,
    "rbd driver: the cluster's ceph.conf (monitors, keyring)." },
  { "rbd_cluster_name", NOVA_VOLUME_KEY_STRING, "ceph", 0, 0, NULL, check_ceph_name,
    "rbd driver: name of the Ceph cluster (for $cluster in the conf, and in the connection_info)." },
  { "rbd_secret_uuid", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, check_optional_uuid,
    "rbd driver: UUID of the libvirt secret holding rbd_user's key on the hypervisors." },
  { "rados_connect_timeout", NOVA_VOLUME_KEY_INT, "30", 1, 3600, NULL, NULL,
    "rbd driver: seconds to wait for the cluster when connecting and on every operation." },
  { "rbd_flatten_volume_from_snapshot", NOVA_VOLUME_KEY_BOOLEAN, "false", 0, 0, NULL, NULL,
    "rbd driver: volumes made from a snapshot are full copies instead of copy-on-write clones." },
  { "rbd_max_clone_depth", NOVA_VOLUME_KEY_INT, "5", 0, 1000, NULL, NULL,
    "rbd driver: longest chain of clones; a clone deeper than this is flattened (0: every clone is)." },
  NOVA_VOLUME_CONFIG_KEYS_END
};

#define MIB ((guint64) 1024 * 1024)

/* an open image that closes itself */
typedef rbd_image_t NovaRbdImage;

static void
nova_rbd_image_close (rbd_image_t image)
{
  rbd_close (image);
}
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (NovaRbdImage, nova_rbd_image_close, NULL)

struct _NovaVolumeRbdDriver {
  GObject           parent_instance;
  NovaVolumeConfig *config;
  NovaVolumeLedger *ledger;       /* NULL in unit tests: no provisioned_capacity */
  char             *backend;
  NovaRbdClient    *client;
  char             *pool;
  char             *secret_uuid;
  char             *cluster_name;
  gboolean          flatten_from_snapshot;
  guint             max_clone_depth;
  char             *backend_name;
};

static void nova_volume_rbd_driver_iface_init (NovaVolumeDriverInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NovaVolumeRbdDriver, nova_volume_rbd_driver, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_DRIVER, nova_volume_rbd_driver_iface_init))

/* ---- names, images ---------------------------------------------------- */

static char *
volume_image (NovaVolumeRbdDriver *self, const char *id)
{
  return nova_volume_config_volume_name (self->config, id);
}

static char *
snapshot_name (NovaVolumeRbdDriver *self, const char *id)
{
  return nova_volume_config_snapshot_name (self->config, id);
}

static char *
clone_snap_name (const char *clone_image)
{
  return g_strconcat (clone_image, NOVA_RBD_CLONE_SNAP_SUFFIX, NULL);
}

/* MiB: sizes stay whole sectors for every hypervisor, and tidy */
static guint64
round_size (guint64 size)
{
  return (size + MIB - 1) / MIB * MIB;
}

static NovaRbdPool *
open_pool (NovaVolumeRbdDriver *self, GError **error)
{
  return nova_rbd_client_open_pool (self->client, self->pool, error);
}

/* opens @name (read-only: no watch of ours on it); the negative errno,
 * also set in @error unless it is ENOENT and @missing_ok */
static int
open_image (NovaRbdPool *pool, const char *name, gboolean read_only, gboolean missing_ok,
            rbd_image_t *image, GError **error)
{
  int r = read_only ? rbd_open_read_only (pool->ioctx, name, image, NULL)
                    : rbd_open (pool->ioctx, name, image, NULL);

  if (r < 0)
    {
      *image = NULL;
      if (r != -ENOENT || !missing_ok)
        nova_rbd_pool_fail (pool, r, error, "cannot open image %s/%s", pool->name, name);
    }
  return r;
}

/* "pool/image" of each image cloned from snapshot @snap of @image */
static GPtrArray *
list_children (NovaRbdPool *pool, rbd_image_t image, const char *image_name, const char *snap, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree rbd_linked_image_spec_t *specs = NULL;
  size_t n = 8;
  int r;

  r = rbd_snap_set (image, snap);
  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot look at snapshot %s@%s", image_name, snap);
      return NULL;
    }
  do
    {
      g_free (specs);
      specs = g_new0 (rbd_linked_image_spec_t, n);
      r = rbd_list_children3 (image, specs, &n);
    }
  while (r == -ERANGE);
  rbd_snap_set (image, NULL);
  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot list the clones of %s@%s", image_name, snap);
      return NULL;
    }
  for (size_t i = 0; i < n; i++)
    g_ptr_array_add (names, g_strdup_printf ("%s/%s%s", specs[i].pool_name, specs[i].image_name,
                                             specs[i].trash ? " (in the trash)" : ""));
  rbd_linked_image_spec_list_cleanup (specs, n);
  return g_steal_pointer (&names);
}

static char *
join_names (GPtrArray *names)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", (const char *) g_ptr_array_index (names, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* unprotects and removes @snap of the open @image; refused while clones
 * of it exist */
static gboolean
remove_snap (NovaRbdPool *pool, rbd_image_t image, const char *image_name, const char *snap, GError **error)
{
  g_autoptr(GPtrArray) children = list_children (pool, image, image_name, snap, error);
  int is_protected = 0;
  int r;

  if (children == NULL)
    return FALSE;
  if (children->len > 0)
    {
      g_autofree char *names = join_names (children);

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "snapshot %s@%s has %u clone%s (%s) that share%s its data: delete %s first",
                   image_name, snap, children->len, children->len == 1 ? "" : "s", names,
                   children->len == 1 ? "s" : "", children->len == 1 ? "it" : "them");
      return FALSE;
    }
  r = rbd_snap_is_protected (image, snap, &is_protected);
  if (r == 0 && is_protected)
    r = rbd_snap_unprotect (image, snap);
  if (r == 0)
    r = rbd_snap_remove (image, snap);
  if (r == -EBUSY)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "snapshot %s@%s still has clones: delete them first", image_name, snap);
      return FALSE;
    }
  if (r < 0 && r != -ENOENT)
    return nova_rbd_pool_fail (pool, r, error, "cannot remove snapshot %s@%s", image_name, snap);
  return TRUE;
}

/* removes @snap of image @image_name, which may both be gone already */
static gboolean
remove_snap_of (NovaRbdPool *pool, const char *image_name, const char *snap, GError **error)
{
  g_auto(NovaRbdImage) image = NULL;
  bool exists = FALSE;
  int r = open_image (pool, image_name, FALSE, TRUE, &image, error);

  if (r == -ENOENT)
    return TRUE;
  if (r < 0)
    return FALSE;
  r = rbd_snap_exists (image, snap, &exists);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot look at snapshot %s@%s", image_name, snap);
  return !exists || remove_snap (pool, image, image_name, snap, error);
}

/* how many parents the chain above @image_name has, counted up to
 * @limit + 1 (enough to know it is too long) */
static gboolean
clone_depth (NovaRbdPool *pool, const char *image_name, guint limit, guint *out_depth, GError **error)
{
  g_autofree char *name = g_strdup (image_name);
  guint depth = 0;

  while (depth <= limit)
    {
      g_auto(NovaRbdImage) image = NULL;
      rbd_linked_image_spec_t parent;
      rbd_snap_spec_t parent_snap;
      int r;

      if (open_image (pool, name, TRUE, FALSE, &image, error) < 0)
        return FALSE;
      r = rbd_get_parent (image, &parent, &parent_snap);
      if (r == -ENOENT)
        break;
      if (r < 0)
        return nova_rbd_pool_fail (pool, r, error, "cannot find the parent of %s", name);
      depth++;
      g_free (name);
      name = g_strdup (parent.image_name);
      /* a parent in another pool ends the count here: the chain is only
       * followed inside rbd_pool */
      r = g_strcmp0 (parent.pool_name, pool->name);
      rbd_linked_image_spec_cleanup (&parent);
      rbd_snap_spec_cleanup (&parent_snap);
      if (r != 0)
        break;
    }
  *out_depth = depth;
  return TRUE;
}

typedef struct {
  NovaVolumeProgressFunc func;
  gpointer               data;
  GCancellable          *cancellable;
} Progress;

/* librbd stops a flatten when this returns an error, and leaves the clone
 * as it was (measured with Pacific's librbd) */
static int
flatten_progress (uint64_t offset, uint64_t total, void *data)
{
  Progress *progress = data;

  if (progress->func != NULL && total > 0)
    progress->func ((double) offset / (double) total, progress->data);
  return g_cancellable_is_cancelled (progress->cancellable) ? -ECANCELED : 0;
}

static gboolean
cancelled (GCancellable *cancellable, const char *child, GError **error)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_CANCELLED, "making %s was cancelled", child);
  return TRUE;
}

/* the rest of making clone @child: grown to at least @volume's size,
 * flattened when @flatten */
static gboolean
finish_clone (NovaRbdPool *pool, const char *child, NovaVolumeRecord *volume, gboolean flatten,
              NovaVolumeProgressFunc progress_func, gpointer progress_data, GCancellable *cancellable,
              GError **error)
{
  g_auto(NovaRbdImage) image = NULL;
  Progress progress = { progress_func, progress_data, cancellable };
  uint64_t size = 0;
  int r;

  if (open_image (pool, child, FALSE, FALSE, &image, error) < 0)
    return FALSE;
  r = rbd_get_size (image, &size);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot read the size of the clone %s", child);
  if (round_size (volume->size) > size)
    {
      size = round_size (volume->size);
      r = rbd_resize2 (image, size, false, NULL, NULL);
    }
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot grow the clone %s to %" G_GUINT64_FORMAT " bytes",
                               child, round_size (volume->size));
  if (flatten)
    {
      r = rbd_flatten_with_progress (image, flatten_progress, &progress);
      if (r == -ECANCELED && cancelled (cancellable, child, error))
        return FALSE;
      if (r < 0)
        return nova_rbd_pool_fail (pool, r, error, "cannot flatten the clone %s", child);
    }
  if (progress_func != NULL)
    progress_func (1.0, progress_data);
  volume->size = size;
  return TRUE;
}

/* @child, a copy-on-write clone of @parent@@snap, grown to at least
 * @volume's size; flattened when @flatten or when its chain of parents
 * would be longer than rbd_max_clone_depth. *@flattened says which. */
static gboolean
clone_image (NovaVolumeRbdDriver *self, NovaRbdPool *pool, const char *parent, const char *snap,
             const char *child, NovaVolumeRecord *volume, gboolean flatten, gboolean *flattened,
             NovaVolumeProgressFunc progress_func, gpointer progress_data, GCancellable *cancellable,
             GError **error)
{
  guint depth = 0;
  int order = 0;
  int r;

  if (cancelled (cancellable, child, error))
    return FALSE;
  if (!flatten)
    {
      if (!clone_depth (pool, parent, self->max_clone_depth, &depth, error))
        return FALSE;
      /* the clone sits one below its parent */
      flatten = depth + 1 > self->max_clone_depth;
    }
  r = rbd_clone2 (pool->ioctx, parent, snap, pool->ioctx, child, RBD_FEATURE_LAYERING, &order, 0, 0);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot clone %s@%s as %s", parent, snap, child);
  if (!finish_clone (pool, child, volume, flatten, progress_func, progress_data, cancellable, error))
    {
      /* a half-made clone is not kept; the manager reports the error, and
       * a clone left behind goes with the volume's delete */
      r = rbd_remove (pool->ioctx, child);
      if (r < 0 && r != -ENOENT)
        g_warning ("the half-made clone %s/%s was left behind (%s); the volume's delete removes it",
                   pool->name, child, g_strerror (-r));
      return FALSE;
    }
  *flattened = flatten;
  return TRUE;
}

/* ---- setup ------------------------------------------------------------ */

static const char *
nova_volume_rbd_driver_get_name (NovaVolumeDriver *driver)
{
  return "rbd";
}

static gboolean
nova_volume_rbd_driver_do_setup (NovaVolumeDriver *driver, NovaVolumeDriverContext *ctx, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  NovaVolumeConfig *config = ctx->config;
  const char *user = nova_volume_config_get_string (config, "rbd_user");

  g_set_object (&self->config, config);
  g_set_object (&self->ledger, ctx->ledger);
  g_free (self->backend);
  self->backend = g_strdup (ctx->backend);
  g_free (self->pool);
  self->pool = g_strdup (nova_volume_config_get_string (config, "rbd_pool"));
  g_free (self->secret_uuid);
  self->secret_uuid = g_strdup (nova_volume_config_get_string (config, "rbd_secret_uuid"));
  g_free (self->cluster_name);
  self->cluster_name = g_strdup (nova_volume_config_get_string (config, "rbd_cluster_name"));
  self->flatten_from_snapshot = nova_volume_config_get_boolean (config, "rbd_flatten_volume_from_snapshot");
  self->max_clone_depth = (guint) nova_volume_config_get_int (config, "rbd_max_clone_depth");
  g_free (self->backend_name);
  self->backend_name = g_strdup (nova_volume_config_get_string (config, "volume_backend_name"));

  /* "client.cinder" and "cinder" name the same cephx user */
  if (g_str_has_prefix (user, "client."))
    user += strlen ("client.");
  g_clear_pointer (&self->client, nova_rbd_client_free);
  self->client = nova_rbd_client_new (nova_volume_config_get_string (config, "rbd_ceph_conf"), user,
                                      self->cluster_name,
                                      (guint) nova_volume_config_get_int (config, "rados_connect_timeout"));
  if (*user != '\0' && *self->secret_uuid == '\0')
    g_warning ("rbd_user is set but rbd_secret_uuid is empty: hypervisors find the key of client.%s "
               "through the libvirt secret with that UUID", user);
  return TRUE;
}

static gboolean
nova_volume_rbd_driver_check_for_setup_error (NovaVolumeDriver *driver, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);

  return nova_rbd_client_check (self->client, self->pool, error);
}

/* ---- volumes ---------------------------------------------------------- */

static gboolean
nova_volume_rbd_driver_create_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, volume->id);
  guint64 size = round_size (volume->size);
  int order = 0;
  int r;

  if (pool == NULL)
    return FALSE;
  r = rbd_create2 (pool->ioctx, name, size, RBD_FEATURE_LAYERING, &order);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot create image %s/%s", self->pool, name);
  volume->size = size;
  return TRUE;
}

static gboolean
nova_volume_rbd_driver_create_volume_from_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                                    const NovaSnapshotRecord *snapshot,
                                                    NovaVolumeProgressFunc progress, gpointer progress_data,
                                                    GCancellable *cancellable, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *parent = volume_image (self, snapshot->volume_id);
  g_autofree char *snap = snapshot_name (self, snapshot->id);
  g_autofree char *name = volume_image (self, volume->id);
  gboolean flattened = FALSE;

  return pool != NULL
         && clone_image (self, pool, parent, snap, name, volume, self->flatten_from_snapshot, &flattened,
                         progress, progress_data, cancellable, error);
}

static gboolean
nova_volume_rbd_driver_create_cloned_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                             const NovaVolumeRecord *source,
                                             NovaVolumeProgressFunc progress, gpointer progress_data,
                                             GCancellable *cancellable, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *parent = volume_image (self, source->id);
  g_autofree char *name = volume_image (self, volume->id);
  g_autofree char *snap = clone_snap_name (name);
  g_autoptr(GError) cleanup_error = NULL;
  gboolean flattened = FALSE;
  int r;

  if (pool == NULL)
    return FALSE;
  {
    g_auto(NovaRbdImage) image = NULL;

    if (open_image (pool, parent, FALSE, FALSE, &image, error) < 0)
      return FALSE;
    r = rbd_snap_create (image, snap);
    if (r == 0)
      {
        r = rbd_snap_protect (image, snap);
        if (r < 0)
          rbd_snap_remove (image, snap);
      }
    if (r < 0)
      return nova_rbd_pool_fail (pool, r, error, "cannot make the temporary snapshot %s@%s to clone from",
                                 parent, snap);
  }
  if (!clone_image (self, pool, parent, snap, name, volume, FALSE, &flattened, progress, progress_data,
                    cancellable, error))
    {
      g_autoptr(GError) snap_error = NULL;

      if (!remove_snap_of (pool, parent, snap, &snap_error))
        g_warning ("the temporary snapshot %s/%s@%s was left behind (%s); the volume's delete removes it",
                   pool->name, parent, snap, snap_error->message);
      return FALSE;
    }
  /* a flattened clone no longer needs it; otherwise it goes with the
   * clone (delete_volume) */
  if (flattened && !remove_snap_of (pool, parent, snap, &cleanup_error))
    g_warning ("clone %s is complete, but its temporary snapshot stays: %s", name, cleanup_error->message);
  return TRUE;
}

/* why @image may not be deleted (set in @error), or its temporary
 * snapshots that nothing was cloned from any more in @leftovers */
static gboolean
check_deletable (NovaRbdPool *pool, rbd_image_t image, const char *name, GPtrArray *leftovers, GError **error)
{
  g_autoptr(GPtrArray) snapshots = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) clones = g_ptr_array_new_with_free_func (g_free);
  g_autofree rbd_snap_info_t *snaps = NULL;
  g_autofree rbd_image_watcher_t *watchers = NULL;
  int n_snaps = 16;
  size_t n_watchers = 8;
  gboolean listed = TRUE;
  int r;

  do
    {
      g_free (snaps);
      snaps = g_new0 (rbd_snap_info_t, n_snaps + 1);
      r = rbd_snap_list (image, snaps, &n_snaps);
    }
  while (r == -ERANGE);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot list the snapshots of %s", name);
  n_snaps = r;
  for (int i = 0; i < n_snaps; i++)
    {
      g_autoptr(GPtrArray) children = NULL;

      /* a backup's mark goes with the volume */
      if (g_str_has_prefix (snaps[i].name, NOVA_RBD_MARK_PREFIX))
        {
          g_ptr_array_add (leftovers, g_strdup (snaps[i].name));
          continue;
        }
      if (!g_str_has_suffix (snaps[i].name, NOVA_RBD_CLONE_SNAP_SUFFIX))
        {
          g_ptr_array_add (snapshots, g_strdup (snaps[i].name));
          continue;
        }
      children = list_children (pool, image, name, snaps[i].name, error);
      if (children == NULL)
        {
          listed = FALSE;
          break;
        }
      if (children->len == 0)
        g_ptr_array_add (leftovers, g_strdup (snaps[i].name));
      for (guint j = 0; j < children->len; j++)
        g_ptr_array_add (clones, g_strdup (g_ptr_array_index (children, j)));
    }
  rbd_snap_list_end (snaps);
  if (!listed)
    return FALSE;
  if (snapshots->len > 0)
    {
      g_autofree char *names = join_names (snapshots);

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "image %s/%s has snapshots (%s): delete them first", pool->name, name, names);
      return FALSE;
    }
  if (clones->len > 0)
    {
      g_autofree char *names = join_names (clones);

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "image %s/%s has %u clone%s (%s) that share%s its data: delete %s first "
                   "(with rbd_max_clone_depth = 0 new clones are full copies)",
                   pool->name, name, clones->len, clones->len == 1 ? "" : "s", names,
                   clones->len == 1 ? "s" : "", clones->len == 1 ? "it" : "them");
      return FALSE;
    }

  do
    {
      g_free (watchers);
      watchers = g_new0 (rbd_image_watcher_t, n_watchers);
      r = rbd_watchers_list (image, watchers, &n_watchers);
    }
  while (r == -ERANGE);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot list the clients that have %s open", name);
  if (n_watchers > 0)
    {
      g_autoptr(GString) who = g_string_new (NULL);

      for (size_t i = 0; i < n_watchers; i++)
        g_string_append_printf (who, "%s%s", i > 0 ? ", " : "", watchers[i].addr);
      rbd_watchers_list_cleanup (watchers, n_watchers);
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "image %s/%s is open by %zu client%s (%s): stop the instance or detach it there first "
                   "(a client that crashed lets go after 30 s)",
                   pool->name, name, n_watchers, n_watchers == 1 ? "" : "s", who->str);
      return FALSE;
    }
  return TRUE;
}

/* the temporary snapshot @name was cloned from, when it was a clone of a
 * volume: its image in @parent */
static char *
clone_snap_parent (rbd_image_t image, const char *name)
{
  g_autofree char *expected = clone_snap_name (name);
  rbd_linked_image_spec_t parent;
  rbd_snap_spec_t parent_snap;
  char *result = NULL;

  if (rbd_get_parent (image, &parent, &parent_snap) < 0)
    return NULL;
  if (g_strcmp0 (parent_snap.name, expected) == 0)
    result = g_strdup (parent.image_name);
  rbd_linked_image_spec_cleanup (&parent);
  rbd_snap_spec_cleanup (&parent_snap);
  return result;
}

static gboolean
nova_volume_rbd_driver_delete_volume (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, volume->id);
  g_autoptr(GPtrArray) leftovers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *parent = NULL;
  g_autoptr(GError) cleanup_error = NULL;
  int r;

  if (pool == NULL)
    return FALSE;
  {
    g_auto(NovaRbdImage) image = NULL;

    r = open_image (pool, name, TRUE, TRUE, &image, error);
    if (r < 0 && r != -ENOENT)
      return FALSE;
    if (r == 0)
      {
        if (!check_deletable (pool, image, name, leftovers, error))
          return FALSE;
        parent = clone_snap_parent (image, name);
      }
    /* gone already (a clone that failed half-way, a retried delete): its
     * temporary snapshot, if any, is on the volume it was cloned from */
    else if (volume->source_volume_id != NULL)
      parent = volume_image (self, volume->source_volume_id);
    else
      return TRUE;
  }
  for (guint i = 0; i < leftovers->len; i++)
    if (!remove_snap_of (pool, name, g_ptr_array_index (leftovers, i), error))
      return FALSE;

  r = rbd_remove (pool->ioctx, name);
  if (r == -EBUSY)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "image %s/%s was opened by a client meanwhile: detach it there first", self->pool, name);
      return FALSE;
    }
  if (r < 0 && r != -ENOENT)
    return nova_rbd_pool_fail (pool, r, error, "cannot remove image %s/%s", self->pool, name);

  /* a clone of a volume takes its temporary snapshot with it */
  if (parent != NULL)
    {
      g_autofree char *snap = clone_snap_name (name);

      if (!remove_snap_of (pool, parent, snap, &cleanup_error))
        g_warning ("%s is deleted, but the temporary snapshot %s@%s it was cloned from stays "
                   "(deleting %s removes it): %s", name, parent, snap, parent, cleanup_error->message);
    }
  return TRUE;
}

/* An image of the pool becomes @volume: format 2, whole sectors, without
 * snapshots or clones, open by no client; renamed to the volume's name. */
static gboolean
nova_volume_rbd_driver_manage_existing (NovaVolumeDriver *driver, NovaVolumeRecord *volume, const char *reference,
                                        GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = NULL;
  g_autofree char *name = volume_image (self, volume->id);
  uint64_t size = 0;
  int r;

  if (*reference == '\0' || strpbrk (reference, "/@") != NULL)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "'%s' is not the name of an image: give the image's name in pool %s alone, without a pool "
                   "or a snapshot", reference, self->pool);
      return FALSE;
    }
  pool = open_pool (self, error);
  if (pool == NULL)
    return FALSE;
  {
    g_autoptr(GPtrArray) leftovers = g_ptr_array_new_with_free_func (g_free);
    g_auto(NovaRbdImage) image = NULL;
    uint8_t old_format = 0;

    r = open_image (pool, reference, TRUE, TRUE, &image, error);
    if (r == -ENOENT)
      {
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND, "there is no image %s in pool %s",
                     reference, self->pool);
        return FALSE;
      }
    if (r < 0)
      return FALSE;
    r = rbd_get_old_format (image, &old_format);
    if (r == 0 && old_format)
      {
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                     "image %s/%s is of format 1, which cannot be snapshotted and cloned as volumes are: "
                     "convert it to format 2 first (rbd migration prepare)", self->pool, reference);
        return FALSE;
      }
    if (r == 0)
      r = rbd_get_size (image, &size);
    if (r < 0)
      return nova_rbd_pool_fail (pool, r, error, "cannot read image %s/%s", self->pool, reference);
    if (size == 0 || size % 512 != 0)
      {
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                     "image %s/%s is %" G_GUINT64_FORMAT " bytes: a volume is whole 512-byte sectors, at least "
                     "one; resize it first (rbd resize)", self->pool, reference, (guint64) size);
        return FALSE;
      }
    if (!check_deletable (pool, image, reference, leftovers, error))
      return FALSE;
    if (leftovers->len > 0)
      {
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                     "image %s/%s has snapshots (%s): delete them first", self->pool, reference,
                     (const char *) g_ptr_array_index (leftovers, 0));
        return FALSE;
      }
  }
  if (!g_str_equal (reference, name))
    {
      r = rbd_rename (pool->ioctx, reference, name);
      if (r < 0)
        return nova_rbd_pool_fail (pool, r, error, "cannot rename image %s/%s to %s", self->pool, reference, name);
    }
  volume->size = size;
  return TRUE;
}

static gboolean
nova_volume_rbd_driver_extend_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume, guint64 new_size,
                                      GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, volume->id);
  g_auto(NovaRbdImage) image = NULL;
  guint64 size = round_size (new_size);
  uint64_t current = 0;
  int r;

  if (pool == NULL || open_image (pool, name, FALSE, FALSE, &image, error) < 0)
    return FALSE;
  r = rbd_get_size (image, &current);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot read the size of %s", name);
  if (size < current)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "cannot shrink image %s/%s from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                   " bytes: volumes only grow", self->pool, name, (guint64) current, size);
      return FALSE;
    }
  if (size > current)
    {
      r = rbd_resize2 (image, size, false, NULL, NULL);
      if (r < 0)
        return nova_rbd_pool_fail (pool, r, error, "cannot grow %s to %" G_GUINT64_FORMAT " bytes", name, size);
    }
  volume->size = size;
  return TRUE;
}

static gboolean
nova_volume_rbd_driver_create_snapshot (NovaVolumeDriver *driver, NovaSnapshotRecord *snapshot,
                                        const NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, volume->id);
  g_autofree char *snap = snapshot_name (self, snapshot->id);
  g_auto(NovaRbdImage) image = NULL;
  uint64_t size = 0;
  int r;

  if (pool == NULL || open_image (pool, name, FALSE, FALSE, &image, error) < 0)
    return FALSE;
  r = rbd_snap_create (image, snap);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot create snapshot %s@%s", name, snap);
  /* protected: volumes can be cloned from it, and it cannot be removed
   * under them */
  r = rbd_snap_protect (image, snap);
  if (r < 0)
    {
      rbd_snap_remove (image, snap);
      return nova_rbd_pool_fail (pool, r, error, "cannot protect snapshot %s@%s", name, snap);
    }
  snapshot->size = rbd_get_size (image, &size) == 0 ? size : volume->size;
  return TRUE;
}

/* Revert: RBD's own rollback, which writes the snapshot's objects back
 * over the image's; cut short, running it again finishes it. Any of the
 * image's snapshots will do. */
static gboolean
nova_volume_rbd_driver_revert_to_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                           const NovaSnapshotRecord *snapshot, gboolean latest, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, volume->id);
  g_autofree char *snap = snapshot_name (self, snapshot->id);
  g_auto(NovaRbdImage) image = NULL;
  int r;

  if (pool == NULL || open_image (pool, name, FALSE, FALSE, &image, error) < 0)
    return FALSE;
  r = rbd_snap_rollback (image, snap);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot roll %s back to snapshot %s", name, snap);
  return TRUE;
}

static gboolean
nova_volume_rbd_driver_delete_snapshot (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot,
                                        GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, snapshot->volume_id);
  g_autofree char *snap = snapshot_name (self, snapshot->id);

  return pool != NULL && remove_snap_of (pool, name, snap, error);
}

/* ---- connections ------------------------------------------------------ */

static GVariant *
nova_volume_rbd_driver_initialize_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                              GVariant *connector, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, volume->id);
  g_autoptr(GPtrArray) hosts = NULL;
  g_autoptr(GPtrArray) ports = NULL;

  g_autofree char *monmap = NULL;

  if (pool == NULL || (monmap = nova_rbd_pool_mon_command (pool, "mon dump", error)) == NULL
      || !nova_rbd_parse_mon_dump (monmap, &hosts, &ports, error))
    return NULL;
  g_ptr_array_add (hosts, NULL);
  g_ptr_array_add (ports, NULL);
  return nova_rbd_connection_info_new (self->pool, name, (const char *const *) hosts->pdata,
                                       (const char *const *) ports->pdata, nova_rbd_client_get_user (self->client),
                                       self->secret_uuid, self->cluster_name);
}

/* ---- stats ------------------------------------------------------------ */

static GVariant *
nova_volume_rbd_driver_get_volume_stats (NovaVolumeDriver *driver, gboolean refresh, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *df = NULL;
  gboolean known = FALSE;
  guint64 total = 0, free_space = 0, provisioned = 0;
  GVariantBuilder builder;

  if (pool == NULL || (df = nova_rbd_pool_mon_command (pool, "df", error)) == NULL
      || !nova_rbd_parse_df (df, self->pool, &known, &total, &free_space, error))
    return NULL;
  if (self->ledger != NULL && !nova_volume_ledger_provisioned (self->ledger, self->backend, &provisioned, error))
    return NULL;

  /* the usage comes from the ceph-mgr: a cluster without one reports
   * none, which means "unknown" (as Cinder reports it), not full; what
   * the volumes were given is more than the pool stores (clones, thin
   * images) */
  nova_volume_stats_builder_init (&builder, &(NovaVolumeStats) {
    .backend_name = self->backend_name, .storage_protocol = "ceph", .thin = TRUE,
    /* librbd clients share an image; ro is in access_mode only, as Cinder */
    .multiattach = TRUE, .read_only_attachments = "advisory",
    .capacity_known = known, .total = total, .free = free_space,
    .provisioned_known = self->ledger != NULL, .provisioned = provisioned,
  });
  g_variant_builder_add (&builder, "{sv}", "pool_name", g_variant_new_string (self->pool));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* ---- object ----------------------------------------------------------- */

/* ---- the bytes, for the daemon's copies ---------------------------------- */

/* the cluster (its conf), the pool and the image */
static char *
nova_volume_rbd_driver_storage_location (NovaVolumeDriver *driver, const NovaVolumeRecord *volume)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autofree char *name = volume_image (self, volume->id);

  return g_strdup_printf ("rbd:%s:%s/%s", nova_volume_config_get_string (self->config, "rbd_ceph_conf"),
                          self->pool, name);
}

static GInputStream *
nova_volume_rbd_driver_open_for_read (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, volume->id);
  rbd_image_t image = NULL;

  if (pool == NULL || open_image (pool, name, TRUE, FALSE, &image, error) < 0)
    return NULL;
  return nova_rbd_input_stream_new (g_steal_pointer (&pool), image, name);
}

static GInputStream *
nova_volume_rbd_driver_open_snapshot_for_read (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot,
                                               GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, snapshot->volume_id);
  g_autofree char *snap = snapshot_name (self, snapshot->id);
  rbd_image_t image = NULL;
  int r;

  if (pool == NULL)
    return NULL;
  /* the image as it was at the snapshot, read only */
  r = rbd_open_read_only (pool->ioctx, name, &image, snap);
  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot open snapshot %s/%s@%s", pool->name, name, snap);
      return NULL;
    }
  return nova_rbd_input_stream_new (g_steal_pointer (&pool), image, name);
}

/* ---- backup marks ----------------------------------------------------- */

static gboolean
check_mark_name (const char *mark, GError **error)
{
  if (g_str_has_prefix (mark, NOVA_RBD_MARK_PREFIX) && strpbrk (mark, "/@") == NULL)
    return TRUE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
               "'%s' is not a backup mark (" NOVA_RBD_MARK_PREFIX "<id>)", mark);
  return FALSE;
}

static GInputStream *
nova_volume_rbd_driver_open_marked_for_read (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                             const char *mark, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = NULL;
  g_autofree char *name = volume_image (self, volume->id);
  rbd_image_t marked = NULL;
  int r;

  if (!check_mark_name (mark, error) || (pool = open_pool (self, error)) == NULL)
    return NULL;
  {
    g_auto(NovaRbdImage) image = NULL;

    if (open_image (pool, name, FALSE, FALSE, &image, error) < 0)
      return NULL;
    r = rbd_snap_create (image, mark);
    if (r < 0 && r != -EEXIST)
      {
        nova_rbd_pool_fail (pool, r, error, "cannot mark %s/%s@%s for backups", pool->name, name, mark);
        return NULL;
      }
  }
  r = rbd_open_read_only (pool->ioctx, name, &marked, mark);
  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot open %s/%s@%s", pool->name, name, mark);
      return NULL;
    }
  return nova_rbd_input_stream_new (g_steal_pointer (&pool), marked, name);
}

typedef struct {
  guint64  chunk_size;
  GArray  *chunks;   /* guint64 */
} ChangedChunks;

static int
add_changed_extent (uint64_t offset, size_t len, int exists, void *data)
{
  ChangedChunks *changed = data;
  guint64 first = offset / changed->chunk_size;
  guint64 last = (offset + MAX (len, 1) - 1) / changed->chunk_size;

  /* extents come in ascending order: a chunk is added once */
  for (guint64 i = first; i <= last; i++)
    if (changed->chunks->len == 0 || g_array_index (changed->chunks, guint64, changed->chunks->len - 1) < i)
      g_array_append_val (changed->chunks, i);
  return 0;
}

static GArray *
nova_volume_rbd_driver_changed_chunks (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, const char *mark,
                                       const char *since, guint64 chunk_size, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = NULL;
  g_autofree char *name = volume_image (self, volume->id);
  g_auto(NovaRbdImage) image = NULL;
  g_autoptr(GArray) chunks = g_array_new (FALSE, FALSE, sizeof (guint64));
  ChangedChunks changed = { chunk_size, chunks };
  bool exists = FALSE;
  uint64_t size = 0;
  int r;

  if (!check_mark_name (mark, error) || (since != NULL && !check_mark_name (since, error))
      || (pool = open_pool (self, error)) == NULL)
    return NULL;
  r = rbd_open_read_only (pool->ioctx, name, &image, mark);
  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot open %s/%s@%s", pool->name, name, mark);
      return NULL;
    }
  /* since nothing: what holds data at all */
  if (since != NULL)
    r = rbd_snap_exists (image, since, &exists);
  else
    exists = TRUE, r = 0;
  if (r == 0 && !exists)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND, "%s/%s has no mark %s any more",
                   pool->name, name, since);
      return NULL;
    }
  if (r == 0)
    r = rbd_get_size (image, &size);
  if (r == 0)
    r = rbd_diff_iterate2 (image, since, 0, size, 1, 0, add_changed_extent, &changed);
  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot tell what changed in %s/%s since %s", pool->name, name, since);
      return NULL;
    }
  return g_steal_pointer (&chunks);
}

static gboolean
nova_volume_rbd_driver_remove_mark (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, const char *mark,
                                    GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = NULL;
  g_autofree char *name = volume_image (self, volume->id);

  if (!check_mark_name (mark, error) || (pool = open_pool (self, error)) == NULL)
    return FALSE;
  return remove_snap_of (pool, name, mark, error);
}

/* a word of qemu's "rbd:" filename: its ':' and '\' escaped */
static void
append_qemu_word (GString *out, const char *word)
{
  for (const char *p = word; *p != '\0'; p++)
    {
      if (*p == ':' || *p == '\\' || *p == '@')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
}

/* qemu's own rbd driver (qemu-block-extra) opens the image by this name,
 * with the same ceph.conf and cephx user as the driver */
static char *
nova_volume_rbd_driver_qemu_img_location (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                          const NovaSnapshotRecord *snapshot, gboolean *out_new_reads_zero)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autofree char *name = volume_image (self, snapshot != NULL ? snapshot->volume_id : volume->id);
  const char *user = nova_volume_config_get_string (self->config, "rbd_user");
  GString *out = g_string_new ("rbd:");

  append_qemu_word (out, self->pool);
  g_string_append_c (out, '/');
  append_qemu_word (out, name);
  if (snapshot != NULL)
    {
      g_autofree char *snap = snapshot_name (self, snapshot->id);

      g_string_append_c (out, '@');
      append_qemu_word (out, snap);
    }
  if (g_str_has_prefix (user, "client."))
    user += strlen ("client.");
  if (*user != '\0')
    {
      g_string_append (out, ":id=");
      append_qemu_word (out, user);
    }
  g_string_append (out, ":conf=");
  append_qemu_word (out, nova_volume_config_get_string (self->config, "rbd_ceph_conf"));
  /* a new RBD image is all unallocated objects, which read as zeros */
  *out_new_reads_zero = TRUE;
  return g_string_free (out, FALSE);
}

static GOutputStream *
nova_volume_rbd_driver_open_for_write (NovaVolumeDriver *driver, const NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autofree char *name = volume_image (self, volume->id);
  rbd_image_t image = NULL;

  if (pool == NULL || open_image (pool, name, FALSE, FALSE, &image, error) < 0)
    return NULL;
  return nova_rbd_output_stream_new (g_steal_pointer (&pool), image, name);
}

/* ---- what the pool holds ------------------------------------------------ */

/* the snapshots of volume image @name (volume @volume_id) that
 * snapshot_name_template named; the temporary snapshots of clones
 * ("<clone>.clone_snap") are no one's */
static gboolean
list_stored_snapshots (NovaVolumeRbdDriver *self, NovaRbdPool *pool, rbd_image_t image, const char *name,
                       const char *volume_id, GPtrArray *stored, GError **error)
{
  g_autofree rbd_snap_info_t *snaps = NULL;
  int n_snaps = 16;
  int r;

  do
    {
      g_free (snaps);
      snaps = g_new0 (rbd_snap_info_t, n_snaps + 1);
      r = rbd_snap_list (image, snaps, &n_snaps);
    }
  while (r == -ERANGE);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot list the snapshots of %s/%s", pool->name, name);
  for (int i = 0; i < r; i++)
    {
      g_autofree char *id = nova_volume_config_id_from_snapshot_name (self->config, snaps[i].name);

      if (id != NULL)
        g_ptr_array_add (stored, nova_volume_stored_new (TRUE, id, snaps[i].size, volume_id));
    }
  rbd_snap_list_end (snaps);
  return TRUE;
}

/* Every image of the pool that volume_name_template named (a clone made
 * from a snapshot or a volume is a volume like any other), with its
 * size, and their snapshots that snapshot_name_template named. */
static GPtrArray *
nova_volume_rbd_driver_list_stored (NovaVolumeDriver *driver, GError **error)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (driver);
  g_autoptr(NovaRbdPool) pool = open_pool (self, error);
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_stored_free);
  g_autofree rbd_image_spec_t *images = NULL;
  size_t n_images = 64;
  gboolean listed = TRUE;
  int r;

  if (pool == NULL)
    return NULL;
  do
    {
      g_free (images);
      images = g_new0 (rbd_image_spec_t, n_images + 1);
      r = rbd_list2 (pool->ioctx, images, &n_images);
    }
  while (r == -ERANGE);
  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot list the images of pool %s", self->pool);
      return NULL;
    }
  for (size_t i = 0; i < n_images && listed; i++)
    {
      const char *name = images[i].name;
      g_autofree char *id = nova_volume_config_id_from_volume_name (self->config, name);
      g_auto(NovaRbdImage) image = NULL;
      uint64_t size = 0;

      if (id == NULL)
        continue;
      r = open_image (pool, name, TRUE, TRUE, &image, error);
      if (r == -ENOENT)
        continue;  /* deleted since the listing */
      if (r < 0)
        listed = FALSE;
      else if ((r = rbd_get_size (image, &size)) < 0)
        listed = nova_rbd_pool_fail (pool, r, error, "cannot read the size of image %s/%s", self->pool, name);
      else
        {
          g_ptr_array_add (stored, nova_volume_stored_new (FALSE, id, size, NULL));
          listed = list_stored_snapshots (self, pool, image, name, id, stored, error);
        }
    }
  rbd_image_spec_list_cleanup (images, n_images);
  if (!listed)
    return NULL;
  return g_steal_pointer (&stored);
}

static void
nova_volume_rbd_driver_finalize (GObject *object)
{
  NovaVolumeRbdDriver *self = NOVA_VOLUME_RBD_DRIVER (object);

  g_clear_pointer (&self->client, nova_rbd_client_free);
  g_clear_object (&self->config);
  g_clear_object (&self->ledger);
  g_clear_pointer (&self->backend, g_free);
  g_free (self->pool);
  g_free (self->secret_uuid);
  g_free (self->cluster_name);
  g_free (self->backend_name);
  G_OBJECT_CLASS (nova_volume_rbd_driver_parent_class)->finalize (object);
}

static void
nova_volume_rbd_driver_class_init (NovaVolumeRbdDriverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_rbd_driver_finalize;
}

static void
nova_volume_rbd_driver_init (NovaVolumeRbdDriver *self)
{
}

static void
nova_volume_rbd_driver_iface_init (NovaVolumeDriverInterface *iface)
{
  iface->manage_existing = nova_volume_rbd_driver_manage_existing;
  iface->get_name = nova_volume_rbd_driver_get_name;
  iface->do_setup = nova_volume_rbd_driver_do_setup;
  iface->check_for_setup_error = nova_volume_rbd_driver_check_for_setup_error;
  iface->create_volume = nova_volume_rbd_driver_create_volume;
  iface->create_volume_from_snapshot = nova_volume_rbd_driver_create_volume_from_snapshot;
  iface->create_cloned_volume = nova_volume_rbd_driver_create_cloned_volume;
  iface->delete_volume = nova_volume_rbd_driver_delete_volume;
  iface->extend_volume = nova_volume_rbd_driver_extend_volume;
  iface->create_snapshot = nova_volume_rbd_driver_create_snapshot;
  iface->delete_snapshot = nova_volume_rbd_driver_delete_snapshot;
  iface->revert_to_snapshot = nova_volume_rbd_driver_revert_to_snapshot;
  /* no export: hypervisors open the image through librbd themselves */
  iface->initialize_connection = nova_volume_rbd_driver_initialize_connection;
  iface->get_volume_stats = nova_volume_rbd_driver_get_volume_stats;
  iface->open_for_read = nova_volume_rbd_driver_open_for_read;
  iface->open_snapshot_for_read = nova_volume_rbd_driver_open_snapshot_for_read;
  iface->qemu_img_location = nova_volume_rbd_driver_qemu_img_location;
  iface->open_for_write = nova_volume_rbd_driver_open_for_write;
  iface->storage_location = nova_volume_rbd_driver_storage_location;
  iface->list_stored = nova_volume_rbd_driver_list_stored;
  iface->open_marked_for_read = nova_volume_rbd_driver_open_marked_for_read;
  iface->changed_chunks = nova_volume_rbd_driver_changed_chunks;
  iface->remove_mark = nova_volume_rbd_driver_remove_mark;
}

/* what the registry and the configuration know of this driver */
static const char *const rbd_aliases[] = { "nova.volume.driver.RBDDriver", NULL };
static const NovaVolumeConfigKey *const rbd_key_tables[] = { rbd_keys, NULL };
static const NovaVolumeDriverInfo rbd_info = {
  .name = "rbd",
  .aliases = rbd_aliases,
  .get_type = nova_volume_rbd_driver_get_type,
  .keys = rbd_key_tables,
};

NOVA_VOLUME_DRIVER_MODULE (rbd_info)
