/* nova-volume: the chunks of a backup repository on a file system.
 *
 * chunks/<first two hex digits of the id>/<id>: a zstd frame (with its
 * own checksum) of the chunk's bytes; the id is the SHA-256 of those
 * bytes, checked again on every read. 256 directories keep any one of
 * them small. Temporary files are named ".tmp-<id>-<random>" in the
 * directory of their chunk (nova-volume-backup-file.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "nova-volume-backup-file.h"
#include "nova-volume-chunk-store.h"

#define COMPRESSION_LEVEL 3
#define N_FANOUT 256

struct _NovaVolumeChunkStore {
  GObject parent_instance;
  int     dir_fd;             /* chunks/ */
  GMutex  lock;
  int     fanout[N_FANOUT];   /* chunks/xx/, opened on first use, or -1; under @lock */
};

G_DEFINE_TYPE (NovaVolumeChunkStore, nova_volume_chunk_store, G_TYPE_OBJECT)

static void
nova_volume_chunk_store_finalize (GObject *object)
{
  NovaVolumeChunkStore *self = NOVA_VOLUME_CHUNK_STORE (object);

  for (guint i = 0; i < N_FANOUT; i++)
    if (self->fanout[i] >= 0)
      close (self->fanout[i]);
  if (self->dir_fd >= 0)
    close (self->dir_fd);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (nova_volume_chunk_store_parent_class)->finalize (object);
}

static void
nova_volume_chunk_store_class_init (NovaVolumeChunkStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_chunk_store_finalize;
}

static void
nova_volume_chunk_store_init (NovaVolumeChunkStore *self)
{
  self->dir_fd = -1;
  g_mutex_init (&self->lock);
  for (guint i = 0; i < N_FANOUT; i++)
    self->fanout[i] = -1;
}

static gboolean
set_errno_error (GError **error, int saved, const char *what, const char *name)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot %s %s in the backup repository: %s",
               what, name, g_strerror (saved));
  return FALSE;
}

/* Opens directory @name beneath @parent_fd, made first with @create; a
 * link there is refused (ELOOP) */
static int
open_directory (int parent_fd, const char *name, gboolean create)
{
  if (create && mkdirat (parent_fd, name, 0700) != 0 && errno != EEXIST)
    return -1;
  return openat (parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

NovaVolumeChunkStore *
nova_volume_chunk_store_open (int repository_fd, GError **error)
{
  g_autoptr(NovaVolumeChunkStore) self = g_object_new (NOVA_VOLUME_TYPE_CHUNK_STORE, NULL);

  self->dir_fd = open_directory (repository_fd, "chunks", TRUE);
  if (self->dir_fd < 0)
    {
      set_errno_error (error, errno, "open the directory", "chunks");
      return NULL;
    }
  return g_steal_pointer (&self);
}

gboolean
nova_volume_chunk_is_zero (const guint8 *data, gsize len)
{
  static const guint8 zeros[4096];

  while (len > 0)
    {
      gsize n = MIN (len, sizeof zeros);

      if (memcmp (data, zeros, n) != 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

char *
nova_volume_chunk_id (const guint8 *data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

gboolean
nova_volume_chunk_id_is_valid (const char *id)
{
  if (id == NULL || strlen (id) != NOVA_VOLUME_CHUNK_ID_LEN)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

/* The directory of chunk @id, opened (and made, with @create) on first
 * use; -1 with errno set when it cannot be */
static int
fanout_fd (NovaVolumeChunkStore *self, const char *id, gboolean create)
{
  char name[3] = { id[0], id[1], '\0' };
  guint index = (guint) (g_ascii_xdigit_value (id[0]) * 16 + g_ascii_xdigit_value (id[1]));
  int fd;

  g_mutex_lock (&self->lock);
  fd = self->fanout[index];
  if (fd < 0)
    {
      fd = open_directory (self->dir_fd, name, create);
      if (fd >= 0)
        self->fanout[index] = fd;
    }
  g_mutex_unlock (&self->lock);
  return fd;
}

static gboolean
is_regular_file (int dir_fd, const char *name, struct stat *out_st)
{
  struct stat st;

  if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  if (out_st != NULL)
    *out_st = st;
  return TRUE;
}

/* @data compressed into a zstd frame with its checksum; NULL on failure */
static GBytes *
compress (const guint8 *data, gsize len, GError **error)
{
  ZSTD_CCtx *cctx = ZSTD_createCCtx ();
  gsize bound = ZSTD_compressBound (len);
  guint8 *out = g_malloc (bound);
  size_t n;

  ZSTD_CCtx_setParameter (cctx, ZSTD_c_compressionLevel, COMPRESSION_LEVEL);
  ZSTD_CCtx_setParameter (cctx, ZSTD_c_checksumFlag, 1);
  n = ZSTD_compress2 (cctx, out, bound, data, len);
  ZSTD_freeCCtx (cctx);
  if (ZSTD_isError (n))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot compress a chunk: %s", ZSTD_getErrorName (n));
      g_free (out);
      return NULL;
    }
  return g_bytes_new_take (g_realloc (out, MAX (n, 1)), n);
}

gboolean
nova_volume_chunk_store_put (NovaVolumeChunkStore *self, const guint8 *data, gsize len, char **out_id,
                             guint64 *out_stored, GError **error)
{
  g_autofree char *id = NULL;
  g_autoptr(GBytes) frame = NULL;
  const guint8 *frame_data;
  gsize frame_len;
  int dir_fd, saved;

  g_return_val_if_fail (NOVA_VOLUME_IS_CHUNK_STORE (self), FALSE);
  g_return_val_if_fail (data != NULL && len > 0, FALSE);

  id = nova_volume_chunk_id (data, len);
  if (out_stored != NULL)
    *out_stored = 0;
  dir_fd = fanout_fd (self, id, TRUE);
  if (dir_fd < 0)
    return set_errno_error (error, errno, "open the directory of chunk", id);
  if (is_regular_file (dir_fd, id, NULL))
    {
      /* young again: a collection running beside this backup keeps it
       * (nova_volume_chunk_store_remove_unreferenced) */
      if (utimensat (dir_fd, id, NULL, AT_SYMLINK_NOFOLLOW) != 0)
        return set_errno_error (error, errno, "touch chunk", id);
      if (out_id != NULL)
        *out_id = g_steal_pointer (&id);
      return TRUE;
    }

  frame = compress (data, len, error);
  if (frame == NULL)
    return FALSE;
  frame_data = g_bytes_get_data (frame, &frame_len);
  saved = nova_volume_backup_write_file (dir_fd, id, frame_data, frame_len);
  if (saved != 0)
    return set_errno_error (error, saved, "write chunk", id);
  if (out_stored != NULL)
    *out_stored = frame_len;
  if (out_id != NULL)
    *out_id = g_steal_pointer (&id);
  return TRUE;
}

gboolean
nova_volume_chunk_store_has (NovaVolumeChunkStore *self, const char *id)
{
  int dir_fd;

  g_return_val_if_fail (NOVA_VOLUME_IS_CHUNK_STORE (self), FALSE);
  if (!nova_volume_chunk_id_is_valid (id))
    return FALSE;
  dir_fd = fanout_fd (self, id, FALSE);
  return dir_fd >= 0 && is_regular_file (dir_fd, id, NULL);
}

/* FALSE with InvalidArgument when @id is not a chunk's id */
static gboolean
check_id (const char *id, GError **error)
{
  if (nova_volume_chunk_id_is_valid (id))
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” is not a chunk id (64 hex digits)",
               id != NULL ? id : "");
  return FALSE;
}

static gboolean
damaged (GError **error, const char *id, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "chunk %s in the backup repository is damaged: %s", id, what);
  return FALSE;
}

/* the whole of @fd, at most @max bytes (more is damage) */
static GBytes *
read_frame (int fd, gsize max, const char *id, GError **error)
{
  struct stat st;
  guint8 *buffer;
  gsize done = 0;

  if (fstat (fd, &st) != 0)
    {
      set_errno_error (error, errno, "read chunk", id);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      damaged (error, id, "it is not a regular file");
      return NULL;
    }
  if (st.st_size <= 0 || (guint64) st.st_size > max)
    {
      g_autofree char *why = g_strdup_printf ("%" G_GINT64_FORMAT " bytes, not a frame of its size",
                                              (gint64) st.st_size);
      damaged (error, id, why);
      return NULL;
    }
  buffer = g_malloc ((gsize) st.st_size);
  while (done < (gsize) st.st_size)
    {
      ssize_t n = read (fd, buffer + done, (gsize) st.st_size - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int saved = n < 0 ? errno : EIO;

          g_free (buffer);
          set_errno_error (error, saved, "read chunk", id);
          return NULL;
        }
      done += (gsize) n;
    }
  return g_bytes_new_take (buffer, done);
}

GBytes *
nova_volume_chunk_store_get (NovaVolumeChunkStore *self, const char *id, gsize len, GError **error)
{
  g_autoptr(GBytes) frame = NULL;
  g_autofree char *check = NULL;
  g_autofree guint8 *out = NULL;
  const guint8 *frame_data;
  gsize frame_len;
  unsigned long long content;
  size_t n;
  int dir_fd, fd;

  g_return_val_if_fail (NOVA_VOLUME_IS_CHUNK_STORE (self), NULL);
  g_return_val_if_fail (len > 0, NULL);

  if (!check_id (id, error))
    return NULL;
  dir_fd = fanout_fd (self, id, FALSE);
  fd = dir_fd >= 0 ? openat (dir_fd, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) : -1;
  if (fd < 0)
    {
      if (errno == ENOENT)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "chunk %s is missing from the backup repository", id);
      else if (errno == ELOOP)
        damaged (error, id, "it is a symbolic link");
      else
        set_errno_error (error, errno, "read chunk", id);
      return NULL;
    }
  frame = read_frame (fd, ZSTD_compressBound (len) + 64, id, error);
  close (fd);
  if (frame == NULL)
    return NULL;

  frame_data = g_bytes_get_data (frame, &frame_len);
  content = ZSTD_getFrameContentSize (frame_data, frame_len);
  if (content == ZSTD_CONTENTSIZE_ERROR || content == ZSTD_CONTENTSIZE_UNKNOWN || content != len)
    {
      damaged (error, id, "its frame does not hold a chunk of the size the backup says");
      return NULL;
    }
  out = g_malloc (len);
  n = ZSTD_decompress (out, len, frame_data, frame_len);
  if (ZSTD_isError (n) || n != len)
    {
      damaged (error, id, ZSTD_isError (n) ? ZSTD_getErrorName (n) : "it holds fewer bytes than its frame says");
      return NULL;
    }
  check = nova_volume_chunk_id (out, len);
  if (!g_str_equal (check, id))
    {
      damaged (error, id, "its bytes do not match their checksum");
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&out), len);
}

gboolean
nova_volume_chunk_store_remove (NovaVolumeChunkStore *self, const char *id, guint64 *out_freed, GError **error)
{
  struct stat st;
  int dir_fd;

  g_return_val_if_fail (NOVA_VOLUME_IS_CHUNK_STORE (self), FALSE);
  if (out_freed != NULL)
    *out_freed = 0;
  if (!check_id (id, error))
    return FALSE;
  dir_fd = fanout_fd (self, id, FALSE);
  if (dir_fd < 0 || fstatat (dir_fd, id, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return TRUE;
  if (unlinkat (dir_fd, id, 0) != 0 && errno != ENOENT)
    return set_errno_error (error, errno, "remove chunk", id);
  if (out_freed != NULL && S_ISREG (st.st_mode))
    *out_freed = (guint64) st.st_size;
  return TRUE;
}

/* Calls @each on every entry of fan-out directory @index (if it exists) */
static gboolean
each_entry (NovaVolumeChunkStore *self, guint index,
            void (*each) (int dir_fd, const char *name, gpointer user_data), gpointer user_data,
            GError **error)
{
  g_autoptr(GPtrArray) names = NULL;
  char id[3];
  int dir_fd;

  g_snprintf (id, sizeof id, "%02x", index);
  dir_fd = fanout_fd (self, id, FALSE);
  if (dir_fd < 0)
    return errno == ENOENT ? TRUE : set_errno_error (error, errno, "open the directory of chunks", id);
  names = nova_volume_backup_list_dir (dir_fd);
  if (names == NULL)
    return set_errno_error (error, errno, "list the directory of chunks", id);
  for (guint i = 0; i < names->len; i++)
    each (dir_fd, g_ptr_array_index (names, i), user_data);
  return TRUE;
}

static void
add_chunk (int dir_fd, const char *name, gpointer user_data)
{
  if (nova_volume_chunk_id_is_valid (name) && is_regular_file (dir_fd, name, NULL))
    g_ptr_array_add (user_data, g_strdup (name));
}

GPtrArray *
nova_volume_chunk_store_list (NovaVolumeChunkStore *self, GError **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (NOVA_VOLUME_IS_CHUNK_STORE (self), NULL);
  for (guint i = 0; i < N_FANOUT; i++)
    if (!each_entry (self, i, add_chunk, ids, error))
      return NULL;
  return g_steal_pointer (&ids);
}

typedef struct {
  gint64 before;   /* seconds since the epoch */
  guint  removed;
} Collect;

static void
remove_old_temporary (int dir_fd, const char *name, gpointer user_data)
{
  Collect *collect = user_data;
  struct stat st;

  if (!g_str_has_prefix (name, NOVA_VOLUME_BACKUP_TEMPORARY_PREFIX) || !is_regular_file (dir_fd, name, &st)
      || (gint64) st.st_mtime > collect->before)
    return;
  if (unlinkat (dir_fd, name, 0) == 0)
    collect->removed++;
}

guint
nova_volume_chunk_store_collect_temporaries (NovaVolumeChunkStore *self, guint min_age_s)
{
  Collect collect = { g_get_real_time () / G_USEC_PER_SEC - (gint64) min_age_s, 0 };

  g_return_val_if_fail (NOVA_VOLUME_IS_CHUNK_STORE (self), 0);
  for (guint i = 0; i < N_FANOUT; i++)
    each_entry (self, i, remove_old_temporary, &collect, NULL);
  return collect.removed;
}

typedef struct {
  GHashTable *referenced;
  gint64      before;     /* seconds since the epoch */
  guint       removed;
  guint64     freed;
} Sweep;

static void
remove_if_unreferenced (int dir_fd, const char *name, gpointer user_data)
{
  Sweep *sweep = user_data;
  struct stat st;

  if (!nova_volume_chunk_id_is_valid (name) || g_hash_table_contains (sweep->referenced, name)
      || !is_regular_file (dir_fd, name, &st) || (gint64) st.st_mtime > sweep->before)
    return;
  if (unlinkat (dir_fd, name, 0) == 0)
    {
      sweep->removed++;
      sweep->freed += (guint64) st.st_size;
    }
}

gboolean
nova_volume_chunk_store_remove_unreferenced (NovaVolumeChunkStore *self, GHashTable *referenced, guint min_age_s,
                                             guint *out_removed, guint64 *out_freed, GError **error)
{
  Sweep sweep = { referenced, g_get_real_time () / G_USEC_PER_SEC - (gint64) min_age_s, 0, 0 };
  gboolean ok = TRUE;

  g_return_val_if_fail (NOVA_VOLUME_IS_CHUNK_STORE (self), FALSE);
  for (guint i = 0; i < N_FANOUT && ok; i++)
    ok = each_entry (self, i, remove_if_unreferenced, &sweep, error);
  if (out_removed != NULL)
    *out_removed = sweep.removed;
  if (out_freed != NULL)
    *out_freed = sweep.freed;
  return ok;
}
