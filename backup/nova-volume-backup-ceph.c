/* nova-volume: a backup repository in a Ceph pool. See the header for
 * the layout. Every call opens the pool from the shared connection
 * (ceph/nova-volume-rbd-client.h), so a cluster that went away and came
 * back is reached again; every wait is bounded by the timeout given. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <rbd/librbd.h>

#include "nova-volume-backup-ceph.h"
#include "nova-volume-chunk-store.h"
#include "nova-volume-rbd-client.h"

#define MANIFEST_NAMESPACE "nova-volume-backups"
#define MANIFEST_SUFFIX    ".json"
#define IMAGE_PREFIX       "backup-"
#define SNAPSHOT_NAME      "backup"
/* a manifest of 4 MiB chunks names 15 TiB in this much */
#define MANIFEST_MAX_BYTES (256 * 1024 * 1024)
/* a verify names this many problems at most; the counts say the rest */
#define MAX_PROBLEMS 20

struct _NovaVolumeBackupCeph {
  GObject        parent_instance;
  NovaRbdClient *client;
  char          *pool;
};

static void nova_volume_backup_ceph_repository_init (NovaVolumeBackupRepositoryInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NovaVolumeBackupCeph, nova_volume_backup_ceph, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_BACKUP_REPOSITORY,
                                                nova_volume_backup_ceph_repository_init))

typedef rbd_image_t NovaCephImage;

static void
ceph_image_close (rbd_image_t image)
{
  rbd_close (image);
}
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (NovaCephImage, ceph_image_close, NULL)

static void
nova_volume_backup_ceph_finalize (GObject *object)
{
  NovaVolumeBackupCeph *self = NOVA_VOLUME_BACKUP_CEPH (object);

  g_clear_pointer (&self->client, nova_rbd_client_free);
  g_free (self->pool);
  G_OBJECT_CLASS (nova_volume_backup_ceph_parent_class)->finalize (object);
}

static void
nova_volume_backup_ceph_class_init (NovaVolumeBackupCephClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_backup_ceph_finalize;
}

static void
nova_volume_backup_ceph_init (NovaVolumeBackupCeph *self)
{
}

NovaVolumeBackupCeph *
nova_volume_backup_ceph_open (const char *conf_path, const char *user, const char *pool, guint timeout_seconds,
                              GError **error)
{
  g_autoptr(NovaVolumeBackupCeph) self = g_object_new (NOVA_VOLUME_TYPE_BACKUP_CEPH, NULL);

  self->client = nova_rbd_client_new (conf_path, user, "ceph", timeout_seconds);
  self->pool = g_strdup (pool);
  if (!nova_rbd_client_check (self->client, pool, error))
    {
      g_prefix_error (error, "backup_ceph_pool %s: ", pool);
      return NULL;
    }
  return g_steal_pointer (&self);
}

#define CEPH(repository) NOVA_VOLUME_BACKUP_CEPH (repository)

static char *
image_name (const char *id)
{
  return g_strconcat (IMAGE_PREFIX, id, NULL);
}

/* the pool with its namespace of manifests, as a second handle (a
 * namespace is a property of the handle) */
static gboolean
open_manifests (NovaRbdPool *pool, rados_ioctx_t *out, GError **error)
{
  int r = rados_ioctx_create (nova_rbd_pool_cluster (pool), pool->name, out);

  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot open pool %s", pool->name);
  rados_ioctx_set_namespace (*out, MANIFEST_NAMESPACE);
  return TRUE;
}

static void
report (NovaBackupProgressFunc progress, gpointer user_data, guint64 done, guint64 total)
{
  if (progress != NULL)
    progress (done, total, user_data);
}

/* ---- store ----------------------------------------------------------- */

/* whether chunk @i of the backup being made holds what its parent's does
 * (so its clone holds it already) */
static gboolean
same_as_parent (const NovaBackupManifest *parent, guint64 i, const char *id)
{
  const char *before;

  if (parent == NULL || i >= parent->chunks->len || parent->chunk_size == 0)
    return FALSE;
  before = g_ptr_array_index (parent->chunks, i);
  return g_strcmp0 (before, id) == 0;
}

/* the new backup's image: a clone of the parent's snapshot (its size
 * made the volume's), or a new image; open for writing */
static gboolean
make_image (NovaRbdPool *pool, const NovaBackupManifest *manifest, const NovaBackupManifest *parent,
            rbd_image_t *out, GError **error)
{
  g_autofree char *name = image_name (manifest->id);
  rbd_image_options_t options;
  guint64 features = RBD_FEATURE_LAYERING;
  int order = 22;
  int r;

  rbd_image_options_create (&options);
  rbd_image_options_set_uint64 (options, RBD_IMAGE_OPTION_FORMAT, 2);
  rbd_image_options_set_uint64 (options, RBD_IMAGE_OPTION_FEATURES, features);
  rbd_image_options_set_uint64 (options, RBD_IMAGE_OPTION_ORDER, (guint64) order);
  if (parent != NULL)
    {
      g_autofree char *parent_name = image_name (parent->id);

      r = rbd_clone3 (pool->ioctx, parent_name, SNAPSHOT_NAME, pool->ioctx, name, options);
    }
  else
    r = rbd_create4 (pool->ioctx, name, manifest->size, options);
  rbd_image_options_destroy (options);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot make image %s in pool %s", name, pool->name);
  r = rbd_open (pool->ioctx, name, out, NULL);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot open image %s", name);
  if (parent != NULL && parent->size != manifest->size)
    {
      r = rbd_resize (*out, manifest->size);
      if (r < 0)
        return nova_rbd_pool_fail (pool, r, error, "cannot size image %s", name);
    }
  return TRUE;
}

static gboolean
ceph_store (NovaVolumeBackupRepository *repository, GInputStream *in, NovaBackupManifest *manifest,
            const NovaBackupManifest *parent, const GArray *changed, NovaBackupProgressFunc progress,
            gpointer user_data, GCancellable *cancellable, GError **error)
{
  guint cursor = 0;
  NovaVolumeBackupCeph *self = CEPH (repository);
  g_autoptr(NovaRbdPool) pool = nova_rbd_client_open_pool (self->client, self->pool, error);
  guint64 n = nova_backup_manifest_n_chunks (manifest->size, manifest->chunk_size);
  g_autofree guint8 *buffer = g_malloc (manifest->chunk_size);
  g_auto(NovaCephImage) image = NULL;
  guint64 done = 0;
  int r;

  if (pool == NULL || !make_image (pool, manifest, parent, &image, error))
    return FALSE;
  /* chunks of another size would not line up with the parent's */
  if (parent != NULL && parent->chunk_size != manifest->chunk_size)
    {
      parent = NULL;
      changed = NULL;
    }
  g_ptr_array_set_size (manifest->chunks, 0);
  manifest->stored_bytes = 0;
  for (guint64 i = 0; i < n; i++)
    {
      gsize len = nova_backup_manifest_chunk_len (manifest, i);
      guint64 offset = i * manifest->chunk_size;
      gsize got = 0;
      char *id = NULL;

      /* unchanged since the parent: the clone holds it already */
      if (nova_backup_chunk_unchanged (changed, &cursor, i))
        {
          const char *before = parent != NULL && i < parent->chunks->len ? g_ptr_array_index (parent->chunks, i)
                                                                          : NULL;

          if (!nova_backup_skip (in, len, cancellable, error))
            return FALSE;
          g_ptr_array_add (manifest->chunks, g_strdup (before));
          done += len;
          report (progress, user_data, done, manifest->size);
          continue;
        }
      if (!g_input_stream_read_all (in, buffer, len, &got, cancellable, error))
        return FALSE;
      if (got < len)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       "the volume ended after %" G_GUINT64_FORMAT " bytes of %" G_GUINT64_FORMAT, done + got,
                       manifest->size);
          return FALSE;
        }
      if (!nova_volume_chunk_is_zero (buffer, len))
        id = nova_volume_chunk_id (buffer, len);
      g_ptr_array_add (manifest->chunks, id);
      if (!same_as_parent (parent, i, id))
        {
          /* zeros over what the parent held there; a new image reads
           * zeros already */
          if (id == NULL && parent != NULL)
            r = (int) rbd_write_zeroes (image, offset, len, 0, 0);
          else if (id != NULL)
            r = (int) rbd_write (image, offset, len, (const char *) buffer);
          else
            r = 0;
          if (r < 0)
            return nova_rbd_pool_fail (pool, r, error, "cannot write chunk %" G_GUINT64_FORMAT " of backup %s",
                                       i, manifest->id);
          if (id != NULL)
            manifest->stored_bytes += len;
        }
      done += len;
      report (progress, user_data, done, manifest->size);
    }
  r = rbd_flush (image);
  if (r >= 0)
    r = rbd_snap_create (image, SNAPSHOT_NAME);
  if (r >= 0)
    r = rbd_snap_protect (image, SNAPSHOT_NAME);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot keep backup %s as a snapshot", manifest->id);
  return TRUE;
}

static gboolean
ceph_put_manifest (NovaVolumeBackupRepository *repository, const NovaBackupManifest *manifest, GError **error)
{
  NovaVolumeBackupCeph *self = CEPH (repository);
  g_autoptr(NovaRbdPool) pool = nova_rbd_client_open_pool (self->client, self->pool, error);
  g_autofree char *object = g_strconcat (manifest->id, MANIFEST_SUFFIX, NULL);
  g_autofree char *json = NULL;
  rados_ioctx_t manifests = NULL;
  gsize len = 0;
  int r;

  if (pool == NULL || !open_manifests (pool, &manifests, error))
    return FALSE;
  json = nova_backup_manifest_to_json (manifest, &len);
  /* one object written whole: there or not */
  r = rados_write_full (manifests, object, json, len);
  rados_ioctx_destroy (manifests);
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot write the manifest of backup %s", manifest->id);
  return TRUE;
}

/* ---- reading back ----------------------------------------------------- */

static gboolean
open_snapshot (NovaRbdPool *pool, const char *id, rbd_image_t *out, GError **error)
{
  g_autofree char *name = image_name (id);
  int r = rbd_open_read_only (pool->ioctx, name, out, SNAPSHOT_NAME);

  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot open backup %s (image %s@%s in pool %s)", id, name,
                               SNAPSHOT_NAME, pool->name);
  return TRUE;
}

/* chunk @i of @manifest into @buffer, checked against its checksum */
static gboolean
read_chunk (NovaRbdPool *pool, rbd_image_t image, const NovaBackupManifest *manifest, guint i, guint8 *buffer,
            GError **error)
{
  const char *id = g_ptr_array_index (manifest->chunks, i);
  gsize len = nova_backup_manifest_chunk_len (manifest, i);
  g_autofree char *sum = NULL;
  gssize got = rbd_read (image, (guint64) i * manifest->chunk_size, len, (char *) buffer);

  if (got < 0)
    return nova_rbd_pool_fail (pool, (int) got, error, "cannot read chunk %u of backup %s", i, manifest->id);
  sum = (gsize) got == len ? nova_volume_chunk_id (buffer, len) : NULL;
  if (g_strcmp0 (sum, id) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "chunk %u of backup %s (%s) is damaged: its bytes do not match its checksum", i, manifest->id,
                   id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
ceph_restore (NovaVolumeBackupRepository *repository, const NovaBackupManifest *manifest, GOutputStream *out,
              gboolean out_reads_zero, NovaBackupProgressFunc progress, gpointer user_data,
              GCancellable *cancellable, GError **error)
{
  NovaVolumeBackupCeph *self = CEPH (repository);
  g_autoptr(NovaRbdPool) pool = nova_rbd_client_open_pool (self->client, self->pool, error);
  gboolean skip_zeros = out_reads_zero && G_IS_SEEKABLE (out) && g_seekable_can_seek (G_SEEKABLE (out));
  g_autofree guint8 *buffer = g_malloc (manifest->chunk_size);
  g_auto(NovaCephImage) image = NULL;
  guint64 done = 0;

  if (pool == NULL || !open_snapshot (pool, manifest->id, &image, error))
    return FALSE;
  for (guint i = 0; i < manifest->chunks->len; i++)
    {
      gsize len = nova_backup_manifest_chunk_len (manifest, i);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (g_ptr_array_index (manifest->chunks, i) == NULL)
        {
          if (skip_zeros)
            {
              if (!g_seekable_seek (G_SEEKABLE (out), (goffset) len, G_SEEK_CUR, cancellable, error))
                return FALSE;
              done += len;
              report (progress, user_data, done, manifest->size);
              continue;
            }
          memset (buffer, 0, len);
        }
      else if (!read_chunk (pool, image, manifest, i, buffer, error))
        {
          g_prefix_error (error, "cannot restore backup %s: ", manifest->id);
          return FALSE;
        }
      if (!g_output_stream_write_all (out, buffer, len, NULL, cancellable, error))
        return FALSE;
      done += len;
      report (progress, user_data, done, manifest->size);
    }
  return g_output_stream_flush (out, cancellable, error);
}

static gboolean
ceph_verify (NovaVolumeBackupRepository *repository, const NovaBackupManifest *manifest,
             NovaBackupVerifyReport *findings, NovaBackupProgressFunc progress, gpointer user_data,
             GCancellable *cancellable, GError **error)
{
  NovaVolumeBackupCeph *self = CEPH (repository);
  g_autoptr(NovaRbdPool) pool = nova_rbd_client_open_pool (self->client, self->pool, error);
  g_autofree guint8 *buffer = g_malloc (manifest->chunk_size);
  g_auto(NovaCephImage) image = NULL;
  g_autoptr(GError) open_error = NULL;
  guint64 done = 0;

  if (pool == NULL)
    return FALSE;
  findings->n_chunks = findings->n_missing = findings->n_damaged = 0;
  if (findings->problems == NULL)
    findings->problems = g_ptr_array_new_with_free_func (g_free);
  /* an image that is gone: every stored chunk is missing */
  open_snapshot (pool, manifest->id, &image, &open_error);
  for (guint i = 0; i < manifest->chunks->len; i++)
    {
      g_autoptr(GError) chunk_error = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      done += nova_backup_manifest_chunk_len (manifest, i);
      if (g_ptr_array_index (manifest->chunks, i) == NULL)
        continue;
      findings->n_chunks++;
      if (image == NULL)
        findings->n_missing++;
      else if (!read_chunk (pool, image, manifest, i, buffer, &chunk_error))
        findings->n_damaged++;
      if ((image == NULL || chunk_error != NULL) && findings->problems->len < MAX_PROBLEMS)
        g_ptr_array_add (findings->problems, g_strdup_printf ("chunk %u: %s", i,
                                                              (image == NULL ? open_error : chunk_error)->message));
      report (progress, user_data, done, manifest->size);
    }
  return TRUE;
}

/* ---- manifests ------------------------------------------------------- */

static NovaBackupManifest *
read_manifest (NovaRbdPool *pool, rados_ioctx_t manifests, const char *object, GError **error)
{
  g_autofree char *data = NULL;
  guint64 size = 0;
  time_t mtime = 0;
  int r = rados_stat (manifests, object, &size, &mtime);

  if (r == -ENOENT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no manifest %s in pool %s", object, pool->name);
      return NULL;
    }
  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot read the manifest %s", object);
      return NULL;
    }
  if (size > MANIFEST_MAX_BYTES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the manifest %s is %" G_GUINT64_FORMAT
                   " bytes, more than any backup's", object, size);
      return NULL;
    }
  data = g_malloc (size + 1);
  r = rados_read (manifests, object, data, size, 0);
  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot read the manifest %s", object);
      return NULL;
    }
  return nova_backup_manifest_from_json (data, (gsize) r, error);
}

/* the manifest of backup @id, which must say it is @id's */
static NovaBackupManifest *
manifest_of (NovaRbdPool *pool, rados_ioctx_t manifests, const char *id, GError **error)
{
  g_autofree char *object = g_strconcat (id, MANIFEST_SUFFIX, NULL);
  g_autoptr(NovaBackupManifest) manifest = read_manifest (pool, manifests, object, error);

  if (manifest != NULL && !g_str_equal (manifest->id, id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the manifest %s says it is backup %s", object,
                   manifest->id);
      return NULL;
    }
  return g_steal_pointer (&manifest);
}

static NovaBackupManifest *
ceph_get_manifest (NovaVolumeBackupRepository *repository, const char *id, GError **error)
{
  NovaVolumeBackupCeph *self = CEPH (repository);
  g_autoptr(NovaRbdPool) pool = nova_rbd_client_open_pool (self->client, self->pool, error);
  NovaBackupManifest *manifest = NULL;
  rados_ioctx_t manifests = NULL;

  if (pool == NULL || !open_manifests (pool, &manifests, error))
    return NULL;
  manifest = manifest_of (pool, manifests, id, error);
  rados_ioctx_destroy (manifests);
  return manifest;
}

/* the ids of the manifest objects (a set), "<name>: <why>" for others */
static GHashTable *
list_manifest_ids (NovaRbdPool *pool, rados_ioctx_t manifests, GPtrArray *skipped, GError **error)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  rados_list_ctx_t list = NULL;
  const char *entry, *key, *nspace;
  int r = rados_nobjects_list_open (manifests, &list);

  if (r < 0)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot list the manifests in pool %s", pool->name);
      return NULL;
    }
  while ((r = rados_nobjects_list_next (list, &entry, &key, &nspace)) == 0)
    {
      g_autofree char *id = g_str_has_suffix (entry, MANIFEST_SUFFIX)
                            ? g_strndup (entry, strlen (entry) - strlen (MANIFEST_SUFFIX)) : NULL;

      if (id != NULL && g_uuid_string_is_valid (id))
        g_hash_table_add (ids, g_steal_pointer (&id));
      else if (skipped != NULL)
        g_ptr_array_add (skipped, g_strdup_printf ("%s: not a manifest (<id>" MANIFEST_SUFFIX ")", entry));
    }
  rados_nobjects_list_close (list);
  if (r != -ENOENT)
    {
      nova_rbd_pool_fail (pool, r, error, "cannot list the manifests in pool %s", pool->name);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static GPtrArray *
ceph_list_manifests (NovaVolumeBackupRepository *repository, GPtrArray **out_skipped, GError **error)
{
  NovaVolumeBackupCeph *self = CEPH (repository);
  g_autoptr(NovaRbdPool) pool = nova_rbd_client_open_pool (self->client, self->pool, error);
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_backup_manifest_free);
  g_autoptr(GHashTable) ids = NULL;
  rados_ioctx_t manifests = NULL;
  GHashTableIter iter;
  gpointer id;

  if (pool == NULL || !open_manifests (pool, &manifests, error))
    return NULL;
  ids = list_manifest_ids (pool, manifests, skipped, error);
  if (ids != NULL)
    {
      g_hash_table_iter_init (&iter, ids);
      while (g_hash_table_iter_next (&iter, &id, NULL))
        {
          g_autoptr(GError) local_error = NULL;
          NovaBackupManifest *manifest = manifest_of (pool, manifests, id, &local_error);

          if (manifest != NULL)
            g_ptr_array_add (found, manifest);
          else
            g_ptr_array_add (skipped, g_strdup_printf ("%s" MANIFEST_SUFFIX ": %s", (char *) id,
                                                       local_error->message));
        }
    }
  rados_ioctx_destroy (manifests);
  if (ids == NULL)
    return NULL;
  if (out_skipped != NULL)
    *out_skipped = g_steal_pointer (&skipped);
  return g_steal_pointer (&found);
}

/* ---- removal --------------------------------------------------------- */

/* image @name and its snapshot: gone (there or not); EBUSY while a clone
 * of it (a later incremental) is there */
static int
remove_image (NovaRbdPool *pool, const char *name)
{
  rbd_image_t image = NULL;
  int r = rbd_open (pool->ioctx, name, &image, NULL);

  if (r == -ENOENT)
    return 0;
  if (r < 0)
    return r;
  r = rbd_snap_unprotect (image, SNAPSHOT_NAME);
  if (r == 0 || r == -EINVAL || r == -ENOENT)
    {
      r = rbd_snap_remove (image, SNAPSHOT_NAME);
      if (r == -ENOENT)
        r = 0;
    }
  rbd_close (image);
  if (r < 0)
    return r;
  r = rbd_remove (pool->ioctx, name);
  return r == -ENOENT ? 0 : r;
}

static gboolean
ceph_remove (NovaVolumeBackupRepository *repository, const char *id, GError **error)
{
  NovaVolumeBackupCeph *self = CEPH (repository);
  g_autoptr(NovaRbdPool) pool = nova_rbd_client_open_pool (self->client, self->pool, error);
  g_autofree char *object = g_strconcat (id, MANIFEST_SUFFIX, NULL);
  g_autofree char *name = image_name (id);
  rados_ioctx_t manifests = NULL;
  int r;

  if (pool == NULL || !open_manifests (pool, &manifests, error))
    return FALSE;
  /* the manifest first: from then on the backup is gone, whatever of its
   * image is left (collect removes it) */
  r = rados_remove (manifests, object);
  rados_ioctx_destroy (manifests);
  if (r < 0 && r != -ENOENT)
    return nova_rbd_pool_fail (pool, r, error, "cannot remove the manifest of backup %s", id);
  r = remove_image (pool, name);
  if (r == -EBUSY)
    g_debug ("backup %s: its image %s still has clones; collect removes it after them", id, name);
  else if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot remove image %s of backup %s", name, id);
  return TRUE;
}

static gboolean
ceph_collect (NovaVolumeBackupRepository *repository, guint *out_removed, guint64 *out_freed, GError **error)
{
  NovaVolumeBackupCeph *self = CEPH (repository);
  g_autoptr(NovaRbdPool) pool = nova_rbd_client_open_pool (self->client, self->pool, error);
  g_autoptr(GHashTable) ids = NULL;
  g_autofree rbd_image_spec_t *images = NULL;
  rados_ioctx_t manifests = NULL;
  size_t n = 0;
  guint removed = 0;
  guint64 freed = 0;
  int r;

  if (pool == NULL || !open_manifests (pool, &manifests, error))
    return FALSE;
  ids = list_manifest_ids (pool, manifests, NULL, error);
  rados_ioctx_destroy (manifests);
  if (ids == NULL)
    return FALSE;
  r = rbd_list2 (pool->ioctx, NULL, &n);
  if (r == -ERANGE)
    {
      images = g_new0 (rbd_image_spec_t, n);
      r = rbd_list2 (pool->ioctx, images, &n);
    }
  if (r < 0)
    return nova_rbd_pool_fail (pool, r, error, "cannot list the images of pool %s", pool->name);
  /* the newest first would be best (clones before their parents): several
   * passes do it without knowing the order */
  for (guint pass = 0; pass < 4; pass++)
    for (size_t i = 0; i < n; i++)
      {
        const char *name = images[i].name;
        rbd_image_info_t info = { 0, };
        rbd_image_t image = NULL;

        if (name == NULL || !g_str_has_prefix (name, IMAGE_PREFIX)
            || g_hash_table_contains (ids, name + strlen (IMAGE_PREFIX)))
          continue;
        if (rbd_open_read_only (pool->ioctx, name, &image, NULL) == 0)
          {
            rbd_stat (image, &info, sizeof info);
            rbd_close (image);
          }
        if (remove_image (pool, name) == 0)
          {
            removed++;
            freed += info.size;
            /* done: not again in a later pass */
            g_hash_table_add (ids, g_strdup (name + strlen (IMAGE_PREFIX)));
          }
      }
  rbd_image_spec_list_cleanup (images, n);
  if (out_removed != NULL)
    *out_removed = removed;
  if (out_freed != NULL)
    *out_freed = freed;
  return TRUE;
}

static const char *
ceph_get_kind (NovaVolumeBackupRepository *repository)
{
  return "ceph";
}

static void
nova_volume_backup_ceph_repository_init (NovaVolumeBackupRepositoryInterface *iface)
{
  iface->get_kind = ceph_get_kind;
  iface->store = ceph_store;
  iface->put_manifest = ceph_put_manifest;
  iface->restore = ceph_restore;
  iface->verify = ceph_verify;
  iface->get_manifest = ceph_get_manifest;
  iface->list_manifests = ceph_list_manifests;
  iface->remove = ceph_remove;
  iface->collect = ceph_collect;
}
