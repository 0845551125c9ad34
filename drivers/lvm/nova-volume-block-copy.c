/* nova-volume: copying and clearing block devices, a MiB at a time. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "nova-volume-block-copy.h"
#include "nova-volume-error.h"

#define CHUNK ((gsize) 1024 * 1024)

static gboolean
errno_error (GError **error, int errsv, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot %s %s: %s", what, path,
               g_strerror (errsv));
  return FALSE;
}

static gboolean
write_all (int fd, const guint8 *buffer, gsize length, guint64 offset, const char *path, GError **error)
{
  while (length > 0)
    {
      ssize_t n = pwrite (fd, buffer, length, (off_t) offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return errno_error (error, n < 0 ? errno : EIO, "write to", path);
      buffer += n;
      length -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

static gboolean
read_all (int fd, guint8 *buffer, gsize length, guint64 offset, const char *path, GError **error)
{
  while (length > 0)
    {
      ssize_t n = pread (fd, buffer, length, (off_t) offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return errno_error (error, errno, "read", path);
      if (n == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read %s: it ends before %" G_GUINT64_FORMAT
                       " bytes", path, offset);
          return FALSE;
        }
      buffer += n;
      length -= (gsize) n;
      offset += (guint64) n;
    }
  return TRUE;
}

/* Copies from @src_fd (or zeros when it is -1) into @dst_fd. */
static gboolean
copy_or_zero (int src_fd, const char *src, int dst_fd, const char *dst, guint64 size,
              NovaVolumeProgressFunc progress, gpointer progress_data, GCancellable *cancellable, GError **error)
{
  g_autofree guint8 *buffer = g_malloc0 (CHUNK);

  for (guint64 offset = 0; offset < size; offset += CHUNK)
    {
      gsize length = (gsize) MIN ((guint64) CHUNK, size - offset);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (src_fd >= 0 && !read_all (src_fd, buffer, length, offset, src, error))
        return FALSE;
      if (!write_all (dst_fd, buffer, length, offset, dst, error))
        return FALSE;
      if (progress != NULL)
        progress ((double) (offset + length) / (double) size, progress_data);
    }
  if (fsync (dst_fd) < 0)
    return errno_error (error, errno, "sync", dst);
  return TRUE;
}

gboolean
nova_block_copy (const char *src, const char *dst, guint64 size,
                 NovaVolumeProgressFunc progress, gpointer progress_data,
                 GCancellable *cancellable, GError **error)
{
  int src_fd = open (src, O_RDONLY | O_CLOEXEC);
  int dst_fd;
  gboolean ok;

  if (src_fd < 0)
    return errno_error (error, errno, "open", src);
  dst_fd = open (dst, O_WRONLY | O_CLOEXEC);
  if (dst_fd < 0)
    {
      int errsv = errno;
      close (src_fd);
      return errno_error (error, errsv, "open", dst);
    }
  ok = copy_or_zero (src_fd, src, dst_fd, dst, size, progress, progress_data, cancellable, error);
  close (src_fd);
  close (dst_fd);
  return ok;
}

gboolean
nova_block_zero (const char *path, guint64 size,
                 NovaVolumeProgressFunc progress, gpointer progress_data,
                 GCancellable *cancellable, GError **error)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return errno_error (error, errno, "open", path);
  ok = copy_or_zero (-1, NULL, fd, path, size, progress, progress_data, cancellable, error);
  close (fd);
  return ok;
}
