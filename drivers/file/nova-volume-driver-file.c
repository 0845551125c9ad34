/* nova-volume: the "file" driver. Each volume is a sparse file in one
 * directory; snapshots and clones are reflinks where the filesystem can
 * share extents (btrfs, xfs), otherwise copies that keep holes as holes.
 * It needs no root and no external command: the embedded default. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <gmodule.h>

#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "nova-volume-private-dir.h"
#include "nova-volume-stats.h"
#include "nova-volume-io.h"

/* the file driver's own keys */
static const NovaVolumeConfigKey file_keys[] = {
  { "file_volumes_dir", NOVA_VOLUME_KEY_STRING, "", 0, 0, NULL, nova_volume_check_optional_absolute_path,
    "file driver: directory holding the volume files; empty means <state dir>/volumes." },
  NOVA_VOLUME_CONFIG_KEYS_END
};

/* the unit every size is rounded up to: a sector, so the file can back a
 * block device (loop, qemu raw) as is */
#define FILE_DRIVER_BLOCK 512

/* how much one copy step moves before progress and cancellation are
 * looked at again */
#define COPY_CHUNK ((gsize) 8 * 1024 * 1024)

/* a file descriptor that closes itself: g_autofd is newer than our glib */
typedef int NovaFileFd;

static void
nova_file_fd_close (int fd)
{
  int errsv = errno;

  close (fd);
  errno = errsv;
}
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (NovaFileFd, nova_file_fd_close, -1)

#define NOVA_VOLUME_TYPE_FILE_DRIVER (nova_volume_file_driver_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeFileDriver, nova_volume_file_driver, NOVA_VOLUME, FILE_DRIVER, GObject)

typedef enum {
  FILE_KIND_VOLUME,
  FILE_KIND_SNAPSHOT,
} FileKind;

/* the file names a name template makes: the fixed text around the id */
typedef struct {
  FileKind  kind;
  char     *prefix;
  char     *suffix;
} NameShape;

struct _NovaVolumeFileDriver {
  GObject           parent_instance;
  /* set once in do_setup, read-only after: worker threads read them */
  NovaVolumeConfig *config;       /* the name templates */
  NameShape         shapes[2];    /* volume and snapshot, the more specific first */
  char             *dir;
  /* the directory, opened once: every file is reached beneath it by its
   * name alone, never following a link, so nothing a writer of the state
   * directory puts there leads the daemon to another file */
  int               dir_fd;
  char             *backend_name;
  /* what the directory holds, kept up to date by every change the driver
   * makes, so the stats a CreateVolume asks for cost no directory walk
   * (which made creating n volumes O(n^2)) */
  GMutex            stats_lock;   /* guards what follows */
  GHashTable       *file_sizes;   /* file name -> guint64 size; NULL until the first walk */
  guint64           provisioned;  /* of the volumes */
  guint             volume_count;
  guint             snapshot_count;
};

static void nova_volume_file_driver_iface_init (NovaVolumeDriverInterface *iface);

G_DEFINE_TYPE_WITH_CODE (NovaVolumeFileDriver, nova_volume_file_driver, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (NOVA_VOLUME_TYPE_DRIVER,
                                                nova_volume_file_driver_iface_init))

static gboolean
set_errno_error (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "%s %s: %s", what, path, g_strerror (errsv));
  return FALSE;
}

/* the name of @path in the volumes directory: every path here is the
 * directory, a '/' and a name that templates made (no '/' in it) */
static const char *
name_in_dir (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash != NULL ? slash + 1 : path;
}

/* fstatat beneath the directory, a link not followed */
static int
stat_in_dir (NovaVolumeFileDriver *self, const char *path, struct stat *st)
{
  return fstatat (self->dir_fd, name_in_dir (path), st, AT_SYMLINK_NOFOLLOW);
}

/* a file of ours is a regular file that we own: anything else (a link,
 * a FIFO, a device, another user's file) was put there by someone else */
static gboolean
check_ours (const struct stat *st, const char *path, GError **error)
{
  if (S_ISLNK (st->st_mode))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "backing file %s is a symbolic link, which nova-volumed never makes: refused "
                   "(something else wrote into its volumes directory)", path);
      return FALSE;
    }
  if (!S_ISREG (st->st_mode))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "backing file %s is not a regular file: refused", path);
      return FALSE;
    }
  if (st->st_uid != geteuid ())
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "backing file %s belongs to uid %u, not to nova-volumed's uid %u: refused", path,
                   (guint) st->st_uid, (guint) geteuid ());
      return FALSE;
    }
  return TRUE;
}

static char *
volume_path (NovaVolumeFileDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  g_autofree char *name = NULL;

  if (!nova_volume_check_id ("volume", volume->id, error))
    return NULL;
  name = nova_volume_config_volume_name (self->config, volume->id);
  return g_build_filename (self->dir, name, NULL);
}

static char *
snapshot_path (NovaVolumeFileDriver *self, const NovaSnapshotRecord *snapshot, GError **error)
{
  g_autofree char *name = NULL;

  if (!nova_volume_check_id ("snapshot", snapshot->id, error))
    return NULL;
  name = nova_volume_config_snapshot_name (self->config, snapshot->id);
  return g_build_filename (self->dir, name, NULL);
}

static void
name_shape_set (NameShape *shape, FileKind kind, const char *template)
{
  g_auto(GStrv) parts = g_strsplit (template, "%s", 2);

  /* the config allows no template without its one %s */
  g_assert (g_strv_length (parts) == 2);
  shape->kind = kind;
  g_free (shape->prefix);
  shape->prefix = g_strdup (parts[0]);
  g_free (shape->suffix);
  shape->suffix = g_strdup (parts[1]);
}

static gsize
name_shape_fixed_len (const NameShape *shape)
{
  return strlen (shape->prefix) + strlen (shape->suffix);
}

static gboolean
name_shape_matches (const NameShape *shape, const char *name)
{
  /* an id is never empty */
  return strlen (name) > name_shape_fixed_len (shape)
      && g_str_has_prefix (name, shape->prefix)
      && g_str_has_suffix (name, shape->suffix);
}

/* takes the name templates from @config */
static void
set_config (NovaVolumeFileDriver *self, NovaVolumeConfig *config)
{
  const char *volume_template = nova_volume_config_get_string (config, "volume_name_template");
  const char *snapshot_template = nova_volume_config_get_string (config, "snapshot_name_template");
  /* a name both templates could have made (volume-%s next to a snapshot
   * template of %s) belongs to the one with more fixed text; on a tie
   * snapshots go first, as they always did with the default names */
  gboolean volume_first = strlen (volume_template) > strlen (snapshot_template);

  g_set_object (&self->config, config);
  name_shape_set (&self->shapes[volume_first ? 0 : 1], FILE_KIND_VOLUME, volume_template);
  name_shape_set (&self->shapes[volume_first ? 1 : 0], FILE_KIND_SNAPSHOT, snapshot_template);
}

/* which of the two templates made @name, if either did */
static const NameShape *
name_shape_of (NovaVolumeFileDriver *self, const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (self->shapes); i++)
    if (name_shape_matches (&self->shapes[i], name))
      return &self->shapes[i];
  return NULL;
}

static gboolean
round_size (guint64 size, guint64 *out, GError **error)
{
  /* off_t is signed: anything past G_MAXINT64 cannot be a file size */
  if (size > (guint64) G_MAXINT64 - (FILE_DRIVER_BLOCK - 1))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "size %" G_GUINT64_FORMAT " is too large for a file", size);
      return FALSE;
    }
  *out = (size + FILE_DRIVER_BLOCK - 1) / FILE_DRIVER_BLOCK * FILE_DRIVER_BLOCK;
  return TRUE;
}

/* the bytes of a volume or a snapshot, for the daemon's copies: its
 * file, never a link, nothing but a regular file (a FIFO would block the
 * copy) */
static int
open_regular_file (NovaVolumeFileDriver *self, const char *path, int flags, GError **error)
{
  g_auto(NovaFileFd) fd = -1;
  struct stat st;

  /* beneath the directory by name, no link followed, and never waiting
   * for a peer (a FIFO would block the open) */
  fd = openat (self->dir_fd, name_in_dir (path), flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      int errsv = errno;

      /* a link (ELOOP), a FIFO without a reader (ENXIO), ...: say what is
       * there rather than what open said */
      if (fstatat (self->dir_fd, name_in_dir (path), &st, AT_SYMLINK_NOFOLLOW) == 0 && !check_ours (&st, path, error))
        return -1;
      set_errno_error (error, errsv, "cannot open backing file", path);
      return -1;
    }
  if (fstat (fd, &st) != 0)
    {
      set_errno_error (error, errno, "cannot stat backing file", path);
      return -1;
    }
  if (!check_ours (&st, path, error))
    return -1;
  /* blocking from here on: a regular file never waits for a peer */
  if (fcntl (fd, F_SETFL, flags) != 0)
    {
      set_errno_error (error, errno, "cannot set up backing file", path);
      return -1;
    }
  return g_steal_fd (&fd);
}

/* makes a rename or unlink in the volumes directory survive a crash */
static gboolean
sync_dir (NovaVolumeFileDriver *self, GError **error)
{
  if (fsync (self->dir_fd) < 0)
    return set_errno_error (error, errno, "cannot sync", self->dir);
  return TRUE;
}

static gboolean
unlink_if_exists (NovaVolumeFileDriver *self, const char *path, GError **error)
{
  if (unlinkat (self->dir_fd, name_in_dir (path), 0) < 0 && errno != ENOENT)
    return set_errno_error (error, errno, "cannot remove", path);
  return TRUE;
}

/* name_shape_of () is defined below */
static const NameShape *name_shape_of (NovaVolumeFileDriver *self, const char *name);

/* Counts (@sign 1) or uncounts (-1) one file of the directory. */
static void
count_file_locked (NovaVolumeFileDriver *self, const NameShape *shape, guint64 size, int sign)
{
  if (shape->kind == FILE_KIND_SNAPSHOT)
    self->snapshot_count += (guint) sign;
  else
    {
      self->volume_count += (guint) sign;
      self->provisioned += sign > 0 ? size : (guint64) 0 - size;
    }
}

/* @path changed (made, grown, removed): its entry follows what is on disk
 * now. Nothing to do before the first walk, which will see it. */
static void
note_file (NovaVolumeFileDriver *self, const char *path)
{
  g_autofree char *name = g_path_get_basename (path);
  const NameShape *shape = name_shape_of (self, name);
  struct stat st;
  gpointer old;

  if (shape == NULL || g_str_has_suffix (name, ".partial"))
    return;
  g_mutex_lock (&self->stats_lock);
  if (self->file_sizes != NULL)
    {
      if (g_hash_table_lookup_extended (self->file_sizes, name, NULL, &old))
        {
          count_file_locked (self, shape, *(guint64 *) old, -1);
          g_hash_table_remove (self->file_sizes, name);
        }
      if (stat_in_dir (self, path, &st) == 0 && S_ISREG (st.st_mode))
        {
          guint64 size = (guint64) st.st_size;

          count_file_locked (self, shape, size, 1);
          g_hash_table_insert (self->file_sizes, g_strdup (name), g_memdup2 (&size, sizeof size));
        }
    }
  g_mutex_unlock (&self->stats_lock);
}

/* The first stats: one walk of the directory. */
static gboolean
walk_files_locked (NovaVolumeFileDriver *self, GError **error)
{
  int fd = fcntl (self->dir_fd, F_DUPFD_CLOEXEC, 3);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *entry;

  if (dir == NULL)
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      return set_errno_error (error, errsv, "cannot list", self->dir);
    }
  /* the duplicate shares the directory's offset: from its start */
  rewinddir (dir);
  self->file_sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->provisioned = 0;
  self->volume_count = self->snapshot_count = 0;
  while ((entry = readdir (dir)) != NULL)
    {
      const char *name = entry->d_name;
      const NameShape *shape = name_shape_of (self, name);
      struct stat st;
      guint64 size;

      if (shape == NULL || g_str_has_suffix (name, ".partial"))
        continue;
      /* a file deleted while we walk is simply not counted, and nor is
       * what is not a regular file */
      if (fstatat (self->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG (st.st_mode))
        continue;
      size = (guint64) st.st_size;
      count_file_locked (self, shape, size, 1);
      g_hash_table_insert (self->file_sizes, g_strdup (name), g_memdup2 (&size, sizeof size));
    }
  closedir (dir);
  return TRUE;
}

/* setup */

static const char *
nova_volume_file_driver_get_name (NovaVolumeDriver *driver)
{
  return "file";
}

static gboolean
nova_volume_file_driver_do_setup (NovaVolumeDriver *driver, NovaVolumeDriverContext *ctx, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  const char *dir = nova_volume_config_get_string (ctx->config, "file_volumes_dir");
  const char *backend_name = nova_volume_config_get_string (ctx->config, "volume_backend_name");

  set_config (self, ctx->config);
  g_free (self->backend_name);
  self->backend_name = g_strdup (backend_name != NULL && *backend_name != '\0' ? backend_name : "file");
  g_free (self->dir);
  if (dir != NULL && *dir != '\0')
    self->dir = g_strdup (dir);
  else
    self->dir = g_build_filename (ctx->state_dir, "volumes", NULL);

  /* a directory that cannot be made is reported by check_for_setup_error,
   * which says what is wrong with the path rather than what mkdir said */
  if (g_mkdir_with_parents (self->dir, 0700) < 0)
    g_debug ("cannot create %s: %s", self->dir, g_strerror (errno));
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  self->dir_fd = open (self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return TRUE;
}

static gboolean
nova_volume_file_driver_check_for_setup_error (NovaVolumeDriver *driver, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  struct stat st;

  if (stat (self->dir, &st) < 0)
    {
      int errsv = errno;
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "file_volumes_dir %s: cannot use it as the volumes directory: %s",
                   self->dir, g_strerror (errsv));
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "file_volumes_dir %s: not a directory", self->dir);
      return FALSE;
    }
  if (access (self->dir, W_OK | X_OK) < 0)
    {
      int errsv = errno;
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "file_volumes_dir %s: not writable: %s", self->dir, g_strerror (errsv));
      return FALSE;
    }
  /* a directory someone else may write into could hold anything by the
   * time a volume's file is opened */
  return nova_volume_check_private_dir (self->dir_fd, "file_volumes_dir", self->dir, error);
}

/* create and delete */

static gboolean
create_sparse_file (NovaVolumeFileDriver *self, const char *path, guint64 size, GError **error)
{
  g_auto(NovaFileFd) fd = openat (self->dir_fd, name_in_dir (path), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                  0600);

  if (fd < 0)
    {
      int errsv = errno;
      if (errsv == EEXIST)
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                       "%s already exists", path);
          return FALSE;
        }
      return set_errno_error (error, errsv, "cannot create", path);
    }
  if (ftruncate (fd, (off_t) size) < 0 || fsync (fd) < 0)
    {
      int errsv = errno;
      unlinkat (self->dir_fd, name_in_dir (path), 0);
      return set_errno_error (error, errsv, "cannot size", path);
    }
  return TRUE;
}

static gboolean
nova_volume_file_driver_create_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *path = volume_path (self, volume, error);
  guint64 size;

  if (path == NULL)
    return FALSE;
  if (volume->size == 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "volume %s: a size of 0 bytes", volume->id);
      return FALSE;
    }
  if (!round_size (volume->size, &size, error))
    return FALSE;
  if (!create_sparse_file (self, path, size, error))
    return FALSE;
  if (!sync_dir (self, error))
    return FALSE;
  note_file (self, path);
  volume->size = size;
  nova_record_set_string (&volume->provider_location, path);
  return TRUE;
}

static gboolean
delete_file (NovaVolumeFileDriver *self, const char *path, GError **error)
{
  g_autofree char *partial = g_strconcat (path, ".partial", NULL);

  /* a leftover of a copy that crashed goes with the volume; unlinking a
   * link or a FIFO put in its place touches nothing beyond it */
  if (!unlink_if_exists (self, partial, error))
    return FALSE;
  if (!unlink_if_exists (self, path, error))
    return FALSE;
  note_file (self, path);
  return sync_dir (self, error);
}

static gboolean
nova_volume_file_driver_delete_volume (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                       GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *path = volume_path (self, volume, error);

  if (path == NULL)
    return FALSE;
  return delete_file (self, path, error);
}

static gboolean
nova_volume_file_driver_delete_snapshot (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot,
                                         GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *path = snapshot_path (self, snapshot, error);

  if (path == NULL)
    return FALSE;
  return delete_file (self, path, error);
}

static gboolean
nova_volume_file_driver_extend_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                       guint64 new_size, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *path = volume_path (self, volume, error);
  g_auto(NovaFileFd) fd = -1;
  guint64 size;

  if (path == NULL)
    return FALSE;
  if (!round_size (new_size, &size, error))
    return FALSE;
  /* shrinking would cut off data a guest wrote. The committed size is
   * what counts, not the file's: a file longer than that is an extend
   * that crashed before it was committed, and what lies past the
   * committed size was never the guest's */
  if (size < volume->size)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "volume %s: cannot shrink from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " bytes",
                   volume->id, volume->size, size);
      return FALSE;
    }
  fd = open_regular_file (self, path, O_WRONLY, error);
  if (fd < 0)
    return FALSE;
  /* to exactly @size, also when that cuts an uncommitted tail */
  if (ftruncate (fd, (off_t) size) < 0)
    return set_errno_error (error, errno, "cannot extend", path);
  if (fsync (fd) < 0)
    return set_errno_error (error, errno, "cannot sync", path);
  note_file (self, path);
  volume->size = size;
  return TRUE;
}

/* copies */

typedef struct {
  NovaVolumeProgressFunc  func;
  gpointer                data;
  guint64                 total;
} CopyProgress;

static void
copy_progress_report (CopyProgress *progress, guint64 done)
{
  if (progress->func == NULL)
    return;
  if (progress->total == 0 || done >= progress->total)
    progress->func (1.0, progress->data);
  else
    progress->func ((double) done / (double) progress->total, progress->data);
}

static gboolean
buffer_is_zero (const guint8 *buf, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (buf[i] != 0)
      return FALSE;
  return TRUE;
}

/* the fallback when copy_file_range cannot be used; all-zero blocks are
 * skipped so a filesystem without SEEK_DATA still gets a sparse copy */
static gboolean
copy_range_rw (int src_fd, int dst_fd, off_t offset, gsize len,
               const char *src, const char *dest, GError **error)
{
  gsize bufsize = MIN (len, (gsize) 1024 * 1024);
  g_autofree guint8 *buf = g_malloc (bufsize);

  while (len > 0)
    {
      ssize_t n = pread (src_fd, buf, MIN (len, bufsize), offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_errno_error (error, errno, "cannot read", src);
      if (n == 0)
        break;  /* the source shrank under us: the rest stays a hole */
      if (!buffer_is_zero (buf, (gsize) n))
        {
          for (ssize_t written = 0; written < n;)
            {
              ssize_t w = pwrite (dst_fd, buf + written, (gsize) (n - written), offset + written);
              if (w < 0 && errno == EINTR)
                continue;
              if (w < 0)
                return set_errno_error (error, errno, "cannot write", dest);
              written += w;
            }
        }
      offset += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
copy_range (int src_fd, int dst_fd, off_t offset, gsize len, gboolean *use_rw,
            const char *src, const char *dest, GError **error)
{
  while (len > 0 && !*use_rw)
    {
      off_t in = offset;
      off_t out = offset;
      ssize_t n = copy_file_range (src_fd, &in, dst_fd, &out, len, 0);

      if (n < 0)
        {
          int errsv = errno;
          if (errsv == EINTR)
            continue;
          if (errsv == EXDEV || errsv == ENOSYS || errsv == EOPNOTSUPP || errsv == EINVAL)
            {
              *use_rw = TRUE;
              break;
            }
          return set_errno_error (error, errsv, "cannot copy to", dest);
        }
      if (n == 0)
        return TRUE;  /* the source shrank under us */
      offset += n;
      len -= (gsize) n;
    }
  if (len > 0)
    return copy_range_rw (src_fd, dst_fd, offset, len, src, dest, error);
  return TRUE;
}

/* copies the data extents of @src_fd into @dst_fd chunk by chunk,
 * leaving holes as holes */
static gboolean
copy_sparse (int src_fd, int dst_fd, guint64 size, const char *src, const char *dest,
             CopyProgress *progress, GCancellable *cancellable, GError **error)
{
  gboolean use_rw = FALSE;
  off_t pos = 0;

  while ((guint64) pos < size)
    {
      off_t data;
      off_t hole;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      data = lseek (src_fd, pos, SEEK_DATA);
      if (data < 0 && errno == ENXIO)
        break;  /* only a hole is left */
      if (data < 0 && errno == EINVAL)
        {
          /* no SEEK_DATA here: treat the rest as data, copy_range_rw still
           * skips the zeros */
          data = pos;
          hole = (off_t) size;
        }
      else if (data < 0)
        return set_errno_error (error, errno, "cannot seek in", src);
      else
        {
          hole = lseek (src_fd, data, SEEK_HOLE);
          if (hole < 0)
            return set_errno_error (error, errno, "cannot seek in", src);
        }
      if ((guint64) hole > size)
        hole = (off_t) size;

      for (off_t off = data; off < hole;)
        {
          gsize len = (gsize) MIN ((guint64) (hole - off), (guint64) COPY_CHUNK);

          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          if (!copy_range (src_fd, dst_fd, off, len, &use_rw, src, dest, error))
            return FALSE;
          off += (off_t) len;
          copy_progress_report (progress, (guint64) off);
        }
      pos = hole;
      copy_progress_report (progress, (guint64) pos);
    }
  return TRUE;
}

/* the whole copy into dest.partial: reflink first, then extents */
static gboolean
copy_into (int src_fd, int dst_fd, guint64 src_size, guint64 final_size,
           const char *src, const char *partial, CopyProgress *progress,
           GCancellable *cancellable, GError **error)
{
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  /* a reflink is one step: its progress is the final report */
  if (ioctl (dst_fd, FICLONE, src_fd) == 0)
    g_debug ("reflinked %s to %s", src, partial);
  else
    {
      int errsv = errno;
      if (errsv != EOPNOTSUPP && errsv != EXDEV && errsv != EINVAL && errsv != ENOTTY)
        return set_errno_error (error, errsv, "cannot clone into", partial);
      if (!copy_sparse (src_fd, dst_fd, src_size, src, partial, progress, cancellable, error))
        return FALSE;
    }
  if (ftruncate (dst_fd, (off_t) final_size) < 0)
    return set_errno_error (error, errno, "cannot size", partial);
  if (fsync (dst_fd) < 0)
    return set_errno_error (error, errno, "cannot sync", partial);
  return TRUE;
}

static gboolean
rename_noreplace (NovaVolumeFileDriver *self, const char *from, const char *to, GError **error)
{
  if (renameat2 (self->dir_fd, name_in_dir (from), self->dir_fd, name_in_dir (to), RENAME_NOREPLACE) == 0)
    return TRUE;
  if (errno == EEXIST)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                   "%s already exists", to);
      return FALSE;
    }
  /* filesystems without RENAME_NOREPLACE: the existence check before the
   * copy has to do */
  if (errno != EINVAL && errno != ENOSYS)
    return set_errno_error (error, errno, "cannot rename to", to);
  if (renameat (self->dir_fd, name_in_dir (from), self->dir_fd, name_in_dir (to)) < 0)
    return set_errno_error (error, errno, "cannot rename to", to);
  return TRUE;
}

/* copies @src to @dest (size at least @min_size) through dest.partial, so
 * a crash or a cancellation never leaves a half file under the final
 * name; an existing @dest is refused, or with @replace replaced in one
 * rename. Returns the size of the new file in @out_size. */
static gboolean
copy_file (NovaVolumeFileDriver *self, const char *src, const char *dest, guint64 min_size, gboolean replace,
           NovaVolumeProgressFunc progress_func, gpointer progress_data,
           GCancellable *cancellable, guint64 *out_size, GError **error)
{
  g_autofree char *partial = g_strconcat (dest, ".partial", NULL);
  g_auto(NovaFileFd) src_fd = -1;
  g_auto(NovaFileFd) dst_fd = -1;
  CopyProgress progress = { progress_func, progress_data, 0 };
  guint64 final_size;
  struct stat st;

  if (!replace && stat_in_dir (self, dest, &st) == 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_ALREADY_EXISTS,
                   "%s already exists", dest);
      return FALSE;
    }
  src_fd = open_regular_file (self, src, O_RDONLY, error);
  if (src_fd < 0)
    return FALSE;
  if (fstat (src_fd, &st) < 0)
    return set_errno_error (error, errno, "cannot stat", src);
  progress.total = (guint64) st.st_size;
  final_size = MAX ((guint64) st.st_size, min_size);

  /* a partial file is only ever left by a crash: start over */
  if (!unlink_if_exists (self, partial, error))
    return FALSE;
  dst_fd = openat (self->dir_fd, name_in_dir (partial), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (dst_fd < 0)
    return set_errno_error (error, errno, "cannot create", partial);

  /* a cancellation is honoured up to the rename, which commits */
  if (!copy_into (src_fd, dst_fd, (guint64) st.st_size, final_size, src, partial,
                  &progress, cancellable, error)
      || g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      unlinkat (self->dir_fd, name_in_dir (partial), 0);
      return FALSE;
    }
  if (replace ? renameat (self->dir_fd, name_in_dir (partial), self->dir_fd, name_in_dir (dest)) < 0
              && set_errno_error (error, errno, "cannot rename to", dest)
      : !rename_noreplace (self, partial, dest, error))
    {
      unlinkat (self->dir_fd, name_in_dir (partial), 0);
      return FALSE;
    }
  if (!sync_dir (self, error))
    return FALSE;
  note_file (self, dest);
  copy_progress_report (&progress, progress.total);
  if (out_size != NULL)
    *out_size = final_size;
  return TRUE;
}

/* A snapshot's file says whose snapshot it is, so that a store that lost
 * both records can be given both back (list_stored). A file system without
 * user attributes only loses that: the snapshot is then listed without
 * its volume. */
#define SNAPSHOT_OF_XATTR "user.nova-volume.snapshot-of"

static void
mark_snapshot_of (NovaVolumeFileDriver *self, const char *path, const char *volume_id)
{
  g_autoptr(GError) error = NULL;
  g_auto(NovaFileFd) fd = open_regular_file (self, path, O_RDONLY, &error);

  if (fd < 0 || fsetxattr (fd, SNAPSHOT_OF_XATTR, volume_id, strlen (volume_id), 0) < 0)
    g_debug ("cannot note the volume of snapshot %s: %s", path, error != NULL ? error->message : g_strerror (errno));
}

static char *
read_snapshot_of (int fd)
{
  char text[64] = { 0 };
  gssize n = fgetxattr (fd, SNAPSHOT_OF_XATTR, text, sizeof text - 1);

  return n > 0 && g_uuid_string_is_valid (text) ? g_strdup (text) : NULL;
}

static gboolean
nova_volume_file_driver_create_snapshot (NovaVolumeDriver *driver, NovaSnapshotRecord *snapshot,
                                         const NovaVolumeRecord *volume, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *src = volume_path (self, volume, error);
  g_autofree char *dest = NULL;
  guint64 size = 0;

  if (src == NULL)
    return FALSE;
  dest = snapshot_path (self, snapshot, error);
  if (dest == NULL)
    return FALSE;
  if (!copy_file (self, src, dest, 0, FALSE, NULL, NULL, NULL, &size, error))
    return FALSE;
  mark_snapshot_of (self, dest, volume->id);
  snapshot->size = size;
  nova_record_set_string (&snapshot->provider_location, dest);
  return TRUE;
}

/* the size a new volume copied from a @source_size source gets */
static gboolean
copy_target_size (NovaVolumeFileDriver *self, const NovaVolumeRecord *volume, const char *src, guint64 *out,
                  GError **error)
{
  struct stat st;

  if (stat_in_dir (self, src, &st) < 0)
    return set_errno_error (error, errno, "cannot stat", src);
  if (!check_ours (&st, src, error))
    return FALSE;
  /* 0 asks for the size of the source */
  if (volume->size == 0)
    {
      *out = 0;
      return TRUE;
    }
  if (volume->size < (guint64) st.st_size)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "volume %s: %" G_GUINT64_FORMAT " bytes is smaller than its source (%"
                   G_GUINT64_FORMAT " bytes)", volume->id, volume->size, (guint64) st.st_size);
      return FALSE;
    }
  return round_size (volume->size, out, error);
}

/* a new @volume holding a copy of the file at @src (NULL when the
 * source's path was refused, @error set) */
static gboolean
create_volume_from_file (NovaVolumeFileDriver *self, NovaVolumeRecord *volume, const char *src,
                         NovaVolumeProgressFunc progress, gpointer progress_data,
                         GCancellable *cancellable, GError **error)
{
  g_autofree char *dest = NULL;
  guint64 min_size = 0;
  guint64 size = 0;

  if (src == NULL)
    return FALSE;
  dest = volume_path (self, volume, error);
  if (dest == NULL)
    return FALSE;
  if (!copy_target_size (self, volume, src, &min_size, error))
    return FALSE;
  if (!copy_file (self, src, dest, min_size, FALSE, progress, progress_data, cancellable, &size, error))
    return FALSE;
  volume->size = size;
  nova_record_set_string (&volume->provider_location, dest);
  return TRUE;
}

static gboolean
nova_volume_file_driver_create_volume_from_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                                     const NovaSnapshotRecord *snapshot,
                                                     NovaVolumeProgressFunc progress, gpointer progress_data,
                                                     GCancellable *cancellable, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *src = snapshot_path (self, snapshot, error);

  return create_volume_from_file (self, volume, src, progress, progress_data, cancellable, error);
}

static gboolean
nova_volume_file_driver_create_cloned_volume (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                              const NovaVolumeRecord *source,
                                              NovaVolumeProgressFunc progress, gpointer progress_data,
                                              GCancellable *cancellable, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *src = volume_path (self, source, error);

  return create_volume_from_file (self, volume, src, progress, progress_data, cancellable, error);
}

/* exports: a local file needs none, only its presence is checked */

static gboolean
check_backing_file (NovaVolumeFileDriver *self, const NovaVolumeRecord *volume, GError **error)
{
  g_autofree char *path = volume_path (self, volume, error);
  struct stat st;

  if (path == NULL)
    return FALSE;
  if (stat_in_dir (self, path, &st) < 0)
    {
      int errsv = errno;
      if (errsv == ENOENT)
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                     "backing file %s is missing", path);
      else
        set_errno_error (error, errsv, "cannot stat backing file", path);
      return FALSE;
    }
  return check_ours (&st, path, error);
}

/* Revert: the snapshot copied (reflinked where the file system can) into
 * the volume's .partial file, which then replaces the volume's file in one
 * rename: a crash leaves either the old bytes or the snapshot's, and a
 * second run starts over. Any snapshot will do, not only the latest. */
static gboolean
nova_volume_file_driver_revert_to_snapshot (NovaVolumeDriver *driver, NovaVolumeRecord *volume,
                                            const NovaSnapshotRecord *snapshot, gboolean latest,
                                            GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *src = snapshot_path (self, snapshot, error);
  g_autofree char *dest = NULL;

  if (src == NULL)
    return FALSE;
  dest = volume_path (self, volume, error);
  if (dest == NULL || !check_backing_file (self, volume, error))
    return FALSE;
  return copy_file (self, src, dest, volume->size, TRUE, NULL, NULL, NULL, NULL, error);
}

static gboolean
nova_volume_file_driver_create_export (NovaVolumeDriver *driver, NovaVolumeRecord *volume, GError **error)
{
  return TRUE;
}

static gboolean
nova_volume_file_driver_ensure_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                       GError **error)
{
  return check_backing_file (NOVA_VOLUME_FILE_DRIVER (driver), volume, error);
}

static gboolean
nova_volume_file_driver_remove_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                       GError **error)
{
  return TRUE;
}

static gboolean
nova_volume_file_driver_check_for_export (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                          GError **error)
{
  return check_backing_file (NOVA_VOLUME_FILE_DRIVER (driver), volume, error);
}

/* os-brick's local connector: the host opens device_path itself */
static GVariant *
nova_volume_file_driver_initialize_connection (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                               GVariant *connector, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *path = NULL;
  GVariantBuilder data;

  if (!check_backing_file (self, volume, error))
    return NULL;
  path = volume_path (self, volume, error);
  g_variant_builder_init (&data, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&data, "{sv}", "device_path", g_variant_new_string (path));
  /* a sparse file gives a discarded range back (the hypervisor punches
   * a hole) */
  g_variant_builder_add (&data, "{sv}", "discard", g_variant_new_boolean (TRUE));
  return nova_volume_connection_info_new ("local", g_variant_builder_end (&data));
}

/* stats */

/* Free space from statvfs (fresh on every call: it is one syscall);
 * what is provisioned from the counts every change keeps up to date, so
 * @refresh costs no directory walk. */
static GVariant *
nova_volume_file_driver_get_volume_stats (NovaVolumeDriver *driver, gboolean refresh, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  guint64 provisioned;
  guint volume_count;
  guint snapshot_count;
  GVariantBuilder builder;
  struct statvfs vfs;

  if (fstatvfs (self->dir_fd, &vfs) < 0)
    {
      set_errno_error (error, errno, "cannot statvfs", self->dir);
      return NULL;
    }
  g_mutex_lock (&self->stats_lock);
  if (self->file_sizes == NULL && !walk_files_locked (self, error))
    {
      g_mutex_unlock (&self->stats_lock);
      return NULL;
    }
  provisioned = self->provisioned;
  volume_count = self->volume_count;
  snapshot_count = self->snapshot_count;
  g_mutex_unlock (&self->stats_lock);

  nova_volume_stats_builder_init (&builder, &(NovaVolumeStats) {
    .backend_name = self->backend_name, .storage_protocol = "local", .thin = TRUE,
    /* instances on this host open the file: ro is theirs to honour */
    .multiattach = TRUE, .read_only_attachments = "advisory",
    .capacity_known = TRUE, .total = (guint64) vfs.f_blocks * vfs.f_frsize,
    .free = (guint64) vfs.f_bavail * vfs.f_frsize,
    .provisioned_known = TRUE, .provisioned = provisioned,
    /* sparse files are a thin pool: the file system's blocks its data,
     * its inodes its metadata; full, the volumes' writes fail */
    .pool_known = vfs.f_blocks > 0,
    .pool_data_percent = vfs.f_blocks > 0 ? 100.0 * (double) (vfs.f_blocks - vfs.f_bfree) / (double) vfs.f_blocks : 0,
    .pool_metadata_percent = vfs.f_files > 0 ? 100.0 * (double) (vfs.f_files - vfs.f_ffree) / (double) vfs.f_files : 0,
  });
  g_variant_builder_add (&builder, "{sv}", "volume_count", g_variant_new_uint32 (volume_count));
  g_variant_builder_add (&builder, "{sv}", "snapshot_count", g_variant_new_uint32 (snapshot_count));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static int
open_backing_file (NovaVolumeFileDriver *self, const NovaVolumeRecord *volume, int flags, GError **error)
{
  g_autofree char *path = volume_path (self, volume, error);

  return path != NULL ? open_regular_file (self, path, flags, error) : -1;
}

static GInputStream *
nova_volume_file_driver_open_snapshot_for_read (NovaVolumeDriver *driver, const NovaSnapshotRecord *snapshot,
                                                GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *path = snapshot_path (self, snapshot, error);
  int fd = path != NULL ? open_regular_file (self, path, O_RDONLY, error) : -1;

  return fd >= 0 ? g_unix_input_stream_new (fd, TRUE) : NULL;
}

static GInputStream *
nova_volume_file_driver_open_for_read (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                       GError **error)
{
  int fd = open_backing_file (NOVA_VOLUME_FILE_DRIVER (driver), volume, O_RDONLY, error);

  return fd >= 0 ? g_unix_input_stream_new (fd, TRUE) : NULL;
}

static GOutputStream *
nova_volume_file_driver_open_for_write (NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
                                        GError **error)
{
  int fd = open_backing_file (NOVA_VOLUME_FILE_DRIVER (driver), volume, O_WRONLY, error);

  /* a volume's file is sparse: a range not written reads as zeros */
  return fd >= 0 ? nova_volume_fd_output_stream_new (fd, TRUE) : NULL;
}

/* the volume's file, its directory resolved, so two backends that name
 * one directory two ways are found out */
static char *
nova_volume_file_driver_storage_location (NovaVolumeDriver *driver, const NovaVolumeRecord *volume)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *dir = realpath (self->dir, NULL);
  g_autofree char *name = nova_volume_config_volume_name (self->config, volume->id);

  return g_build_filename (dir != NULL ? dir : self->dir, name, NULL);
}

/* GObject */

/* every regular file of ours a template named from a UUID */
static GPtrArray *
nova_volume_file_driver_list_stored (NovaVolumeDriver *driver, GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) nova_volume_stored_free);
  int dup_fd = fcntl (self->dir_fd, F_DUPFD_CLOEXEC, 3);
  DIR *dir = dup_fd >= 0 ? fdopendir (dup_fd) : NULL;
  struct dirent *entry;

  if (dir == NULL)
    {
      int errsv = errno;

      if (dup_fd >= 0)
        close (dup_fd);
      set_errno_error (error, errsv, "cannot list", self->dir);
      return NULL;
    }
  rewinddir (dir);
  while ((entry = readdir (dir)) != NULL)
    {
      const NameShape *shape = name_shape_of (self, entry->d_name);
      gboolean is_snapshot = shape != NULL && shape->kind == FILE_KIND_SNAPSHOT;
      g_autofree char *id = NULL, *volume_id = NULL;
      g_auto(NovaFileFd) fd = -1;
      struct stat st;

      if (shape == NULL)
        continue;
      id = is_snapshot ? nova_volume_config_id_from_snapshot_name (self->config, entry->d_name)
                       : nova_volume_config_id_from_volume_name (self->config, entry->d_name);
      if (id == NULL)
        continue;
      /* what is not a regular file of ours was not made by us */
      fd = openat (self->dir_fd, entry->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0 || fstat (fd, &st) < 0 || !check_ours (&st, entry->d_name, NULL))
        continue;
      if (is_snapshot)
        volume_id = read_snapshot_of (fd);
      g_ptr_array_add (found, nova_volume_stored_new (is_snapshot, id, (guint64) st.st_size, volume_id));
    }
  closedir (dir);
  return g_steal_pointer (&found);
}

/* TRUE when nobody else has @fd's file open: a write lease is granted
 * only then (and only to its owner, which check_ours made sure of). A
 * file system without leases cannot tell, and is taken at its word. */
static gboolean
file_is_unused (int fd)
{
  if (fcntl (fd, F_SETLEASE, F_WRLCK) < 0)
    return errno != EAGAIN && errno != EBUSY;
  fcntl (fd, F_SETLEASE, F_UNLCK);
  return TRUE;
}

/* a file of the volumes directory, named by anyone, becomes @volume's */
static gboolean
nova_volume_file_driver_manage_existing (NovaVolumeDriver *driver, NovaVolumeRecord *volume, const char *reference,
                                         GError **error)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (driver);
  g_autofree char *path = volume_path (self, volume, error);
  g_autofree char *name = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_auto(NovaFileFd) fd = -1;
  struct stat st;

  if (path == NULL)
    return FALSE;
  name = g_path_get_basename (path);
  if (*reference == '\0' || strchr (reference, '/') != NULL || g_str_equal (reference, ".")
      || g_str_equal (reference, "..") || g_str_has_suffix (reference, ".partial"))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "'%s' is not the name of a file in the volumes directory %s: give the file's name alone",
                   reference, self->dir);
      return FALSE;
    }
  /* never waiting on a FIFO, never following a link */
  fd = openat (self->dir_fd, reference, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "there is no file '%s' in the volumes directory %s", reference, self->dir);
      return FALSE;
    }
  if (fd < 0 && errno == ELOOP)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "'%s' in %s is a symbolic link: give the file it points to, moved into the directory",
                   reference, self->dir);
      return FALSE;
    }
  if (fd < 0 || fstat (fd, &st) < 0)
    return set_errno_error (error, errno, "cannot open", reference);
  if (!S_ISREG (st.st_mode) || st.st_uid != geteuid ())
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "'%s' in %s is %s: a volume here is a regular file owned by uid %u", reference, self->dir,
                   !S_ISREG (st.st_mode) ? "not a regular file" : "another user's file", (guint) geteuid ());
      return FALSE;
    }
  if (st.st_size <= 0 || st.st_size % FILE_DRIVER_BLOCK != 0)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "'%s' is %" G_GINT64_FORMAT " bytes: a volume is a whole number of %d-byte blocks, at least "
                   "one; grow the file to %" G_GINT64_FORMAT " bytes first (truncate -s)", reference,
                   (gint64) st.st_size, FILE_DRIVER_BLOCK,
                   MAX ((gint64) FILE_DRIVER_BLOCK, (st.st_size + FILE_DRIVER_BLOCK - 1) / FILE_DRIVER_BLOCK * FILE_DRIVER_BLOCK));
      return FALSE;
    }
  if (!file_is_unused (fd))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                   "'%s' is open in another process (an instance, a copy): close it first", reference);
      return FALSE;
    }
  /* snapshot files that name this id would come along unrecorded */
  stored = nova_volume_file_driver_list_stored (driver, error);
  if (stored == NULL)
    return FALSE;
  for (guint i = 0; i < stored->len; i++)
    {
      const NovaVolumeStored *item = g_ptr_array_index (stored, i);

      if (item->is_snapshot && g_strcmp0 (item->volume_id, volume->id) == 0)
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_BUSY,
                       "'%s' has snapshot files (snapshot %s): nova-volumed --recover records a volume with "
                       "its snapshots", reference, item->id);
          return FALSE;
        }
    }
  if (!g_str_equal (reference, name))
    {
      if (renameat2 (self->dir_fd, reference, self->dir_fd, name, RENAME_NOREPLACE) < 0)
        return set_errno_error (error, errno, "cannot rename", reference);
      if (!sync_dir (self, error))
        return FALSE;
      note_file (self, path);
    }
  volume->size = (guint64) st.st_size;
  nova_record_set_string (&volume->provider_location, path);
  return TRUE;
}

static void
nova_volume_file_driver_iface_init (NovaVolumeDriverInterface *iface)
{
  iface->get_name = nova_volume_file_driver_get_name;
  iface->do_setup = nova_volume_file_driver_do_setup;
  iface->check_for_setup_error = nova_volume_file_driver_check_for_setup_error;
  iface->create_volume = nova_volume_file_driver_create_volume;
  iface->create_volume_from_snapshot = nova_volume_file_driver_create_volume_from_snapshot;
  iface->create_cloned_volume = nova_volume_file_driver_create_cloned_volume;
  iface->delete_volume = nova_volume_file_driver_delete_volume;
  iface->extend_volume = nova_volume_file_driver_extend_volume;
  iface->create_snapshot = nova_volume_file_driver_create_snapshot;
  iface->delete_snapshot = nova_volume_file_driver_delete_snapshot;
  iface->create_export = nova_volume_file_driver_create_export;
  iface->ensure_export = nova_volume_file_driver_ensure_export;
  iface->remove_export = nova_volume_file_driver_remove_export;
  iface->check_for_export = nova_volume_file_driver_check_for_export;
  iface->initialize_connection = nova_volume_file_driver_initialize_connection;
  iface->get_volume_stats = nova_volume_file_driver_get_volume_stats;
  iface->open_for_read = nova_volume_file_driver_open_for_read;
  iface->open_snapshot_for_read = nova_volume_file_driver_open_snapshot_for_read;
  iface->list_stored = nova_volume_file_driver_list_stored;
  iface->revert_to_snapshot = nova_volume_file_driver_revert_to_snapshot;
  iface->manage_existing = nova_volume_file_driver_manage_existing;
  iface->open_for_write = nova_volume_file_driver_open_for_write;
  iface->storage_location = nova_volume_file_driver_storage_location;
}

static void
nova_volume_file_driver_finalize (GObject *object)
{
  NovaVolumeFileDriver *self = NOVA_VOLUME_FILE_DRIVER (object);

  g_clear_object (&self->config);
  for (gsize i = 0; i < G_N_ELEMENTS (self->shapes); i++)
    {
      g_free (self->shapes[i].prefix);
      g_free (self->shapes[i].suffix);
    }
  g_free (self->dir);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  g_free (self->backend_name);
  g_clear_pointer (&self->file_sizes, g_hash_table_unref);
  g_mutex_clear (&self->stats_lock);
  G_OBJECT_CLASS (nova_volume_file_driver_parent_class)->finalize (object);
}

static void
nova_volume_file_driver_class_init (NovaVolumeFileDriverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_file_driver_finalize;
}

static void
nova_volume_file_driver_init (NovaVolumeFileDriver *self)
{
  g_autoptr(NovaVolumeConfig) defaults = nova_volume_config_new ();

  g_mutex_init (&self->stats_lock);
  self->dir_fd = -1;
  /* do_setup replaces them with the daemon's */
  set_config (self, defaults);
}

/* what the registry and the configuration know of this driver */
static const NovaVolumeConfigKey *const file_key_tables[] = { file_keys, NULL };
static const NovaVolumeDriverInfo file_info = {
  .name = "file",
  .get_type = nova_volume_file_driver_get_type,
  .keys = file_key_tables,
};

NOVA_VOLUME_DRIVER_MODULE (file_info)
