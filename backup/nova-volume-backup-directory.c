/* nova-volume: a backup repository on a file system. The directory is
 * opened once; everything beneath it through descriptors, no link
 * followed, every file checked to be a regular one before it is read. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nova-volume-backup-copy.h"
#include "nova-volume-backup-file.h"
#include "nova-volume-backup-directory.h"
#include "nova-volume-private-dir.h"

#define MANIFEST_SUFFIX ".json"
/* a manifest of 4 MiB chunks names 15 TiB in this much */
#define MANIFEST_MAX_BYTES (256 * 1024 * 1024)

struct _NovaVolumeBackupDirectory {
  GObject               parent_instance;
  char                 *path;
  int                   dir_fd;
  int                   backups_fd;   /* backups/ */
  NovaVolumeChunkStore *chunks;
};

static void nova_volume_backup_directory_repository_init (NovaVolumeBackupRepositoryInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NovaVolumeBackupDirectory, nova_volume_backup_directory, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_BACKUP_REPOSITORY,
                                                nova_volume_backup_directory_repository_init))

static void
nova_volume_backup_directory_finalize (GObject *object)
{
  NovaVolumeBackupDirectory *self = NOVA_VOLUME_BACKUP_DIRECTORY (object);

  g_clear_object (&self->chunks);
  if (self->backups_fd >= 0)
    close (self->backups_fd);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  g_free (self->path);
  G_OBJECT_CLASS (nova_volume_backup_directory_parent_class)->finalize (object);
}

static void
nova_volume_backup_directory_class_init (NovaVolumeBackupDirectoryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_backup_directory_finalize;
}

static void
nova_volume_backup_directory_init (NovaVolumeBackupDirectory *self)
{
  self->dir_fd = -1;
  self->backups_fd = -1;
}

static gboolean
set_errno_error (NovaVolumeBackupDirectory *self, GError **error, int saved, const char *what, const char *name)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot %s %s in the backup repository %s: %s",
               what, name, self->path, g_strerror (saved));
  return FALSE;
}

NovaVolumeBackupDirectory *
nova_volume_backup_directory_open (const char *path, GError **error)
{
  g_autoptr(NovaVolumeBackupDirectory) self = g_object_new (NOVA_VOLUME_TYPE_BACKUP_DIRECTORY, NULL);

  g_return_val_if_fail (path != NULL, NULL);
  self->path = g_strdup (path);
  if (!g_path_is_absolute (path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "backup_path %s is not an absolute path", path);
      return NULL;
    }
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      set_errno_error (self, error, errno, "make", "its directory");
      return NULL;
    }
  self->dir_fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (self->dir_fd < 0)
    {
      set_errno_error (self, error, errno, "open", "its directory");
      return NULL;
    }
  if (!nova_volume_check_private_dir (self->dir_fd, "backup_path", path, error))
    return NULL;
  if ((mkdirat (self->dir_fd, "backups", 0700) != 0 && errno != EEXIST)
      || (self->backups_fd = openat (self->dir_fd, "backups", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
    {
      set_errno_error (self, error, errno, "open the directory", "backups");
      return NULL;
    }
  self->chunks = nova_volume_chunk_store_open (self->dir_fd, error);
  if (self->chunks == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

const char *
nova_volume_backup_directory_get_path (NovaVolumeBackupDirectory *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_DIRECTORY (self), NULL);
  return self->path;
}

NovaVolumeChunkStore *
nova_volume_backup_directory_get_chunks (NovaVolumeBackupDirectory *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_DIRECTORY (self), NULL);
  return self->chunks;
}

gboolean
nova_volume_backup_directory_put_manifest (NovaVolumeBackupDirectory *self, const NovaBackupManifest *manifest,
                                            GError **error)
{
  g_autofree char *name = NULL, *json = NULL;
  gsize len = 0;
  int saved;

  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_DIRECTORY (self), FALSE);
  g_return_val_if_fail (g_uuid_string_is_valid (manifest->id), FALSE);

  name = g_strconcat (manifest->id, MANIFEST_SUFFIX, NULL);
  json = nova_backup_manifest_to_json (manifest, &len);
  saved = nova_volume_backup_write_file (self->backups_fd, name, (const guint8 *) json, len);
  if (saved != 0)
    return set_errno_error (self, error, saved, "write the manifest of backup", manifest->id);
  return TRUE;
}

/* The manifest in file @name of backups/; its id must be the name's */
static NovaBackupManifest *
read_manifest (NovaVolumeBackupDirectory *self, const char *name, GError **error)
{
  g_autoptr(NovaBackupManifest) manifest = NULL;
  g_autofree char *data = NULL;
  g_autofree char *id = g_strndup (name, strlen (name) - strlen (MANIFEST_SUFFIX));
  struct stat st;
  gsize done = 0;
  int fd;

  fd = openat (self->backups_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "backup %s is not in the backup repository %s",
                     id, self->path);
      else
        set_errno_error (self, error, errno, "read the manifest of backup", id);
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MANIFEST_MAX_BYTES)
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the manifest of backup %s in %s is not a regular file of at most %d bytes", id, self->path,
                   MANIFEST_MAX_BYTES);
      return NULL;
    }
  data = g_malloc ((gsize) st.st_size + 1);
  while (done < (gsize) st.st_size)
    {
      ssize_t n = read (fd, data + done, (gsize) st.st_size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += (gsize) n;
    }
  close (fd);
  data[done] = '\0';
  manifest = nova_backup_manifest_from_json (data, done, error);
  if (manifest == NULL)
    {
      g_prefix_error (error, "backup %s in %s: ", id, self->path);
      return NULL;
    }
  if (!g_str_equal (manifest->id, id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the manifest %s in %s is the one of backup %s",
                   name, self->path, manifest->id);
      return NULL;
    }
  return g_steal_pointer (&manifest);
}

NovaBackupManifest *
nova_volume_backup_directory_get_manifest (NovaVolumeBackupDirectory *self, const char *id, GError **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_DIRECTORY (self), NULL);
  if (id == NULL || !g_uuid_string_is_valid (id))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” is not a backup id (a UUID)",
                   id != NULL ? id : "");
      return NULL;
    }
  name = g_strconcat (id, MANIFEST_SUFFIX, NULL);
  return read_manifest (self, name, error);
}

/* the names in backups/, or with @temporaries those a writer cut short
 * left */
static GPtrArray *
list_names (NovaVolumeBackupDirectory *self, gboolean temporaries, GError **error)
{
  g_autoptr(GPtrArray) all = nova_volume_backup_list_dir (self->backups_fd);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (all == NULL)
    {
      set_errno_error (self, error, errno, "list", "backups");
      return NULL;
    }
  for (guint i = 0; i < all->len; i++)
    {
      const char *name = g_ptr_array_index (all, i);

      if (temporaries ? g_str_has_prefix (name, NOVA_VOLUME_BACKUP_TEMPORARY_PREFIX) : name[0] != '.')
        g_ptr_array_add (names, g_strdup (name));
    }
  return g_steal_pointer (&names);
}

GPtrArray *
nova_volume_backup_directory_list_manifests (NovaVolumeBackupDirectory *self, GPtrArray **out_skipped,
                                              GError **error)
{
  g_autoptr(GPtrArray) manifests = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_backup_manifest_free);
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_DIRECTORY (self), NULL);
  names = list_names (self, FALSE, error);
  if (names == NULL)
    return NULL;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(GError) local_error = NULL;
      NovaBackupManifest *manifest;

      if (!g_str_has_suffix (name, MANIFEST_SUFFIX))
        {
          g_ptr_array_add (skipped, g_strdup_printf ("%s: not a manifest (<id>" MANIFEST_SUFFIX ")", name));
          continue;
        }
      manifest = read_manifest (self, name, &local_error);
      if (manifest == NULL)
        g_ptr_array_add (skipped, g_strdup_printf ("%s: %s", name, local_error->message));
      else
        g_ptr_array_add (manifests, manifest);
    }
  if (out_skipped != NULL)
    *out_skipped = g_steal_pointer (&skipped);
  return g_steal_pointer (&manifests);
}

gboolean
nova_volume_backup_directory_remove_manifest (NovaVolumeBackupDirectory *self, const char *id, GError **error)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_DIRECTORY (self), FALSE);
  g_return_val_if_fail (id != NULL && g_uuid_string_is_valid (id), FALSE);
  name = g_strconcat (id, MANIFEST_SUFFIX, NULL);
  if ((unlinkat (self->backups_fd, name, 0) != 0 && errno != ENOENT) || fsync (self->backups_fd) != 0)
    return set_errno_error (self, error, errno, "remove the manifest of backup", id);
  return TRUE;
}

/* manifests a writer cut short before their rename */
static void
remove_old_temporaries (NovaVolumeBackupDirectory *self, guint min_age_s)
{
  g_autoptr(GPtrArray) names = list_names (self, TRUE, NULL);
  gint64 before = g_get_real_time () / G_USEC_PER_SEC - (gint64) min_age_s;

  for (guint i = 0; names != NULL && i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      struct stat st;

      if (fstatat (self->backups_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG (st.st_mode)
          && (gint64) st.st_mtime <= before)
        unlinkat (self->backups_fd, name, 0);
    }
}

gboolean
nova_volume_backup_directory_collect (NovaVolumeBackupDirectory *self, guint min_age_s, guint *out_removed,
                                       guint64 *out_freed, GError **error)
{
  g_autoptr(GHashTable) referenced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) names = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_BACKUP_DIRECTORY (self), FALSE);
  names = list_names (self, FALSE, error);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(NovaBackupManifest) manifest = NULL;

      if (!g_str_has_suffix (name, MANIFEST_SUFFIX))
        continue;
      manifest = read_manifest (self, name, &local_error);
      /* a manifest that cannot be read may still name chunks: keep all */
      if (manifest == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "not collecting unused chunks: %s; remove or restore that file first", local_error->message);
          return FALSE;
        }
      for (guint j = 0; j < manifest->chunks->len; j++)
        if (g_ptr_array_index (manifest->chunks, j) != NULL)
          g_hash_table_add (referenced, g_strdup (g_ptr_array_index (manifest->chunks, j)));
    }
  nova_volume_chunk_store_collect_temporaries (self->chunks, min_age_s);
  remove_old_temporaries (self, min_age_s);
  return nova_volume_chunk_store_remove_unreferenced (self->chunks, referenced, min_age_s, out_removed, out_freed,
                                                      error);
}

/* ---- as a NovaVolumeBackupRepository ----------------------------------- */

#define DIRECTORY(repository) NOVA_VOLUME_BACKUP_DIRECTORY (repository)

static const char *
directory_get_kind (NovaVolumeBackupRepository *repository)
{
  return "posix";
}

/* content addressing makes every backup store only the chunks the
 * repository lacks; the parent spares reading what did not change */
static gboolean
directory_store (NovaVolumeBackupRepository *repository, GInputStream *in, NovaBackupManifest *manifest,
                 const NovaBackupManifest *parent, const GArray *changed, NovaBackupProgressFunc progress,
                 gpointer user_data, GCancellable *cancellable, GError **error)
{
  return nova_volume_backup_store (DIRECTORY (repository), in, manifest, parent, changed, progress, user_data,
                                   cancellable, error);
}

static gboolean
directory_put_manifest (NovaVolumeBackupRepository *repository, const NovaBackupManifest *manifest, GError **error)
{
  return nova_volume_backup_directory_put_manifest (DIRECTORY (repository), manifest, error);
}

static gboolean
directory_restore (NovaVolumeBackupRepository *repository, const NovaBackupManifest *manifest, GOutputStream *out,
                   gboolean out_reads_zero, NovaBackupProgressFunc progress, gpointer user_data,
                   GCancellable *cancellable, GError **error)
{
  return nova_volume_backup_restore (DIRECTORY (repository), manifest, out, out_reads_zero, progress, user_data,
                                     cancellable, error);
}

static gboolean
directory_verify (NovaVolumeBackupRepository *repository, const NovaBackupManifest *manifest,
                  NovaBackupVerifyReport *report, NovaBackupProgressFunc progress, gpointer user_data,
                  GCancellable *cancellable, GError **error)
{
  return nova_volume_backup_verify (DIRECTORY (repository), manifest, report, progress, user_data, cancellable,
                                    error);
}

static NovaBackupManifest *
directory_get_manifest (NovaVolumeBackupRepository *repository, const char *id, GError **error)
{
  return nova_volume_backup_directory_get_manifest (DIRECTORY (repository), id, error);
}

static GPtrArray *
directory_list_manifests (NovaVolumeBackupRepository *repository, GPtrArray **out_skipped, GError **error)
{
  return nova_volume_backup_directory_list_manifests (DIRECTORY (repository), out_skipped, error);
}

static gboolean
directory_remove (NovaVolumeBackupRepository *repository, const char *id, GError **error)
{
  return nova_volume_backup_directory_remove_manifest (DIRECTORY (repository), id, error);
}

/* no backup is being stored (the caller's word): every chunk no manifest
 * names goes, however young */
static gboolean
directory_collect (NovaVolumeBackupRepository *repository, guint *out_removed, guint64 *out_freed, GError **error)
{
  return nova_volume_backup_directory_collect (DIRECTORY (repository), 0, out_removed, out_freed, error);
}

static void
nova_volume_backup_directory_repository_init (NovaVolumeBackupRepositoryInterface *iface)
{
  iface->get_kind = directory_get_kind;
  iface->store = directory_store;
  iface->put_manifest = directory_put_manifest;
  iface->restore = directory_restore;
  iface->verify = directory_verify;
  iface->get_manifest = directory_get_manifest;
  iface->list_manifests = directory_list_manifests;
  iface->remove = directory_remove;
  iface->collect = directory_collect;
}
