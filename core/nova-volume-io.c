/* nova-volume: volume byte streams for copies (see the header) */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "nova-volume-io.h"

/* ---- an output stream over a descriptor ------------------------------ */

struct _NovaVolumeFdOutputStream {
  GOutputStream parent_instance;
  int           fd;
  goffset       offset;
  gboolean      seekable;
};

static void nova_volume_fd_output_stream_seekable_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NovaVolumeFdOutputStream, nova_volume_fd_output_stream, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE,
                                                      nova_volume_fd_output_stream_seekable_init))

static gboolean
set_io_error (GError **error, int errsv, const char *what)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

/* the close of each stream here: the descriptor it owns, once */
static gboolean
close_owned_fd (int *fd, const char *what, GError **error)
{
  int owned = *fd;

  *fd = -1;
  if (owned >= 0 && close (owned) != 0 && errno != EINTR)
    return set_io_error (error, errno, what);
  return TRUE;
}

static gssize
fd_write (GOutputStream *stream, const void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  NovaVolumeFdOutputStream *self = NOVA_VOLUME_FD_OUTPUT_STREAM (stream);
  gssize n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  do
    n = pwrite (self->fd, buffer, count, self->offset);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      set_io_error (error, errno, "cannot write the volume");
      return -1;
    }
  self->offset += n;
  return n;
}

static gboolean
fd_flush (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  NovaVolumeFdOutputStream *self = NOVA_VOLUME_FD_OUTPUT_STREAM (stream);

  /* the copy is only done when its bytes are on the disk */
  if (fdatasync (self->fd) != 0 && errno != EINVAL)
    return set_io_error (error, errno, "cannot sync the volume");
  return TRUE;
}

static gboolean
fd_close (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  return close_owned_fd (&NOVA_VOLUME_FD_OUTPUT_STREAM (stream)->fd, "cannot close the volume", error);
}

static void
nova_volume_fd_output_stream_finalize (GObject *object)
{
  close_owned_fd (&NOVA_VOLUME_FD_OUTPUT_STREAM (object)->fd, "", NULL);
  G_OBJECT_CLASS (nova_volume_fd_output_stream_parent_class)->finalize (object);
}

static void
nova_volume_fd_output_stream_class_init (NovaVolumeFdOutputStreamClass *klass)
{
  GOutputStreamClass *stream_class = G_OUTPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = nova_volume_fd_output_stream_finalize;
  stream_class->write_fn = fd_write;
  stream_class->flush = fd_flush;
  stream_class->close_fn = fd_close;
}

static void
nova_volume_fd_output_stream_init (NovaVolumeFdOutputStream *self)
{
  self->fd = -1;
}

static goffset
fd_tell (GSeekable *seekable)
{
  return NOVA_VOLUME_FD_OUTPUT_STREAM (seekable)->offset;
}

static gboolean
fd_can_seek (GSeekable *seekable)
{
  return NOVA_VOLUME_FD_OUTPUT_STREAM (seekable)->seekable;
}

static gboolean
fd_seek (GSeekable *seekable, goffset offset, GSeekType type, GCancellable *cancellable, GError **error)
{
  NovaVolumeFdOutputStream *self = NOVA_VOLUME_FD_OUTPUT_STREAM (seekable);
  goffset target = type == G_SEEK_CUR ? self->offset + offset : offset;

  if (!self->seekable || type == G_SEEK_END || target < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "this volume cannot skip ranges: every byte is written");
      return FALSE;
    }
  self->offset = target;
  return TRUE;
}

static gboolean
fd_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
fd_truncate (GSeekable *seekable, goffset offset, GCancellable *cancellable, GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "a volume keeps its size");
  return FALSE;
}

static void
nova_volume_fd_output_stream_seekable_init (GSeekableIface *iface)
{
  iface->tell = fd_tell;
  iface->can_seek = fd_can_seek;
  iface->seek = fd_seek;
  iface->can_truncate = fd_can_truncate;
  iface->truncate_fn = fd_truncate;
}

GOutputStream *
nova_volume_fd_output_stream_new (int fd, gboolean skips_read_zero)
{
  NovaVolumeFdOutputStream *self = g_object_new (NOVA_VOLUME_TYPE_FD_OUTPUT_STREAM, NULL);

  g_return_val_if_fail (fd >= 0, NULL);
  self->fd = fd;
  self->seekable = skips_read_zero;
  return G_OUTPUT_STREAM (self);
}

int
nova_volume_fd_output_stream_get_fd (NovaVolumeFdOutputStream *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_FD_OUTPUT_STREAM (self), -1);
  return self->fd;
}

gboolean
nova_volume_fd_output_stream_skips_read_zero (NovaVolumeFdOutputStream *self)
{
  g_return_val_if_fail (NOVA_VOLUME_IS_FD_OUTPUT_STREAM (self), FALSE);
  return self->seekable;
}

/* ---- an input stream at its own offset ------------------------------- */

#define NOVA_VOLUME_TYPE_FD_INPUT_STREAM (nova_volume_fd_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeFdInputStream, nova_volume_fd_input_stream, NOVA_VOLUME, FD_INPUT_STREAM,
                      GInputStream)

struct _NovaVolumeFdInputStream {
  GInputStream parent_instance;
  int          fd;
  goffset      offset;
};

G_DEFINE_FINAL_TYPE (NovaVolumeFdInputStream, nova_volume_fd_input_stream, G_TYPE_INPUT_STREAM)

static gssize
fd_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  NovaVolumeFdInputStream *self = NOVA_VOLUME_FD_INPUT_STREAM (stream);
  gssize n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  do
    n = pread (self->fd, buffer, count, self->offset);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      set_io_error (error, errno, "cannot read the image");
      return -1;
    }
  self->offset += n;
  return n;
}

static gboolean
fd_read_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  return close_owned_fd (&NOVA_VOLUME_FD_INPUT_STREAM (stream)->fd, "cannot close the image", error);
}

static void
nova_volume_fd_input_stream_finalize (GObject *object)
{
  close_owned_fd (&NOVA_VOLUME_FD_INPUT_STREAM (object)->fd, "", NULL);
  G_OBJECT_CLASS (nova_volume_fd_input_stream_parent_class)->finalize (object);
}

static void
nova_volume_fd_input_stream_class_init (NovaVolumeFdInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_fd_input_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = fd_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = fd_read_close;
}

static void
nova_volume_fd_input_stream_init (NovaVolumeFdInputStream *self)
{
  self->fd = -1;
}

GInputStream *
nova_volume_fd_input_stream_new (int fd)
{
  NovaVolumeFdInputStream *self = g_object_new (NOVA_VOLUME_TYPE_FD_INPUT_STREAM, NULL);

  g_return_val_if_fail (fd >= 0, NULL);
  self->fd = fd;
  return G_INPUT_STREAM (self);
}

/* ---- an output stream into a pipe or a socket ------------------------- */

#define NOVA_VOLUME_TYPE_PIPE_OUTPUT_STREAM (nova_volume_pipe_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumePipeOutputStream, nova_volume_pipe_output_stream, NOVA_VOLUME, PIPE_OUTPUT_STREAM,
                      GOutputStream)

struct _NovaVolumePipeOutputStream {
  GOutputStream parent_instance;
  int           fd;
  gboolean      is_socket;
};

G_DEFINE_FINAL_TYPE (NovaVolumePipeOutputStream, nova_volume_pipe_output_stream, G_TYPE_OUTPUT_STREAM)

/* A reader that stops reading must not hold the copy past a cancel: wait
 * for room (or the cancel) with poll, then write no more than fits
 * without blocking: PIPE_BUF into a pipe that polls writable, whatever
 * the socket takes with MSG_DONTWAIT. The descriptor stays blocking: its
 * flags are the caller's too. */
static gssize
pipe_write (GOutputStream *stream, const void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  NovaVolumePipeOutputStream *self = NOVA_VOLUME_PIPE_OUTPUT_STREAM (stream);
  GPollFD fds[2] = { { self->fd, G_IO_OUT, 0 }, { -1, G_IO_IN, 0 } };
  gboolean watch_cancel = cancellable != NULL && g_cancellable_make_pollfd (cancellable, &fds[1]);

  for (;;)
    {
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        break;
      if (g_poll (fds, watch_cancel ? 2 : 1, -1) < 0 && errno != EINTR)
        {
          set_io_error (error, errno, "cannot wait for the image's reader");
          break;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        break;
      if (!(fds[0].revents & (G_IO_OUT | G_IO_ERR | G_IO_HUP)))
        continue;
      n = self->is_socket ? send (self->fd, buffer, count, MSG_DONTWAIT | MSG_NOSIGNAL)
                          : write (self->fd, buffer, MIN (count, (gsize) PIPE_BUF));
      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        continue;
      if (n < 0)
        {
          set_io_error (error, errno, "cannot write the image");
          break;
        }
      if (watch_cancel)
        g_cancellable_release_fd (cancellable);
      return n;
    }
  if (watch_cancel)
    g_cancellable_release_fd (cancellable);
  return -1;
}

static gboolean
pipe_close (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  return close_owned_fd (&NOVA_VOLUME_PIPE_OUTPUT_STREAM (stream)->fd, "cannot close the image", error);
}

static void
nova_volume_pipe_output_stream_finalize (GObject *object)
{
  close_owned_fd (&NOVA_VOLUME_PIPE_OUTPUT_STREAM (object)->fd, "", NULL);
  G_OBJECT_CLASS (nova_volume_pipe_output_stream_parent_class)->finalize (object);
}

static void
nova_volume_pipe_output_stream_class_init (NovaVolumePipeOutputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_volume_pipe_output_stream_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = pipe_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = pipe_close;
}

static void
nova_volume_pipe_output_stream_init (NovaVolumePipeOutputStream *self)
{
  self->fd = -1;
}

GOutputStream *
nova_volume_pipe_output_stream_new (int fd)
{
  NovaVolumePipeOutputStream *self = g_object_new (NOVA_VOLUME_TYPE_PIPE_OUTPUT_STREAM, NULL);
  struct stat st;

  g_return_val_if_fail (fd >= 0, NULL);
  self->fd = fd;
  self->is_socket = fstat (fd, &st) == 0 && S_ISSOCK (st.st_mode);
  return G_OUTPUT_STREAM (self);
}

/* ---- the copy -------------------------------------------------------- */

#define COPY_CHUNK (1024 * 1024)

static gboolean
is_zero (const guint8 *buffer, gsize len)
{
  return len == 0 || (buffer[0] == 0 && memcmp (buffer, buffer + 1, len - 1) == 0);
}

/* the descriptor @in reads from at offset 0 on, or -1 */
static int
input_fd (GInputStream *in)
{
  if (NOVA_VOLUME_IS_FD_INPUT_STREAM (in) && NOVA_VOLUME_FD_INPUT_STREAM (in)->offset == 0)
    return NOVA_VOLUME_FD_INPUT_STREAM (in)->fd;
  if (G_IS_UNIX_INPUT_STREAM (in) && lseek (g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (in)), 0, SEEK_CUR) == 0)
    return g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (in));
  return -1;
}

/* @len bytes at @offset from @in_fd to @out_fd: in the kernel where it
 * can (copy_file_range), else through @buffer */
static gboolean
copy_range (int in_fd, int out_fd, guint64 offset, guint64 len, guint8 *buffer, gboolean *use_kernel,
            GError **error)
{
  while (len > 0)
    {
      gssize n;

      if (*use_kernel)
        {
          loff_t in_off = (loff_t) offset, out_off = (loff_t) offset;

          n = copy_file_range (in_fd, &in_off, out_fd, &out_off, (size_t) MIN (len, (guint64) G_MAXSSIZE), 0);
          if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS))
            {
              /* another filesystem, a device: through user space */
              *use_kernel = FALSE;
              continue;
            }
        }
      else
        {
          n = pread (in_fd, buffer, (size_t) MIN (len, (guint64) COPY_CHUNK), (off_t) offset);
          if (n > 0 && pwrite (out_fd, buffer, (size_t) n, (off_t) offset) != n)
            return set_io_error (error, errno != 0 ? errno : EIO, "cannot write the volume");
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_io_error (error, errno, "cannot copy the volume");
      if (n == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "the source ended at %" G_GUINT64_FORMAT " bytes",
                       offset);
          return FALSE;
        }
      offset += (guint64) n;
      len -= (guint64) n;
    }
  return TRUE;
}

/* Both ends descriptors, the target reading zeros where nothing is
 * written: the source's holes are skipped unread (SEEK_DATA/SEEK_HOLE)
 * and its data moved in the kernel. FALSE with no error when the source
 * cannot tell its holes (a device): the caller copies by reading. */
static gboolean
copy_extents (int in_fd, int out_fd, guint64 size, NovaVolumeProgressFunc progress, gpointer progress_data,
              GCancellable *cancellable, gboolean *handled, GError **error)
{
  g_autofree guint8 *buffer = NULL;
  gboolean use_kernel = TRUE;
  guint64 offset = 0;

  *handled = FALSE;
  if (lseek (in_fd, 0, SEEK_DATA) < 0 && errno != ENXIO)
    return TRUE;
  *handled = TRUE;
  buffer = g_malloc (COPY_CHUNK);
  while (offset < size)
    {
      off_t data = lseek (in_fd, (off_t) offset, SEEK_DATA);
      off_t hole;
      guint64 end;

      if (data < 0 && errno == ENXIO)
        break; /* only a hole up to the end */
      if (data < 0)
        return set_io_error (error, errno, "cannot find the source's data");
      if ((guint64) data >= size)
        break;
      hole = lseek (in_fd, data, SEEK_HOLE);
      end = hole < 0 ? size : MIN ((guint64) hole, size);
      /* in steps, so a cancel or the progress is not a whole extent away */
      for (guint64 at = (guint64) data; at < end;)
        {
          guint64 step = MIN (end - at, (guint64) 64 * COPY_CHUNK);

          if (g_cancellable_set_error_if_cancelled (cancellable, error)
              || !copy_range (in_fd, out_fd, at, step, buffer, &use_kernel, error))
            return FALSE;
          at += step;
          if (progress != NULL)
            progress ((double) at / (double) size, progress_data);
        }
      offset = end;
    }
  if (progress != NULL)
    progress (1.0, progress_data);
  return TRUE;
}

gboolean
nova_volume_copy_stream (GInputStream            *in,
                         GOutputStream           *out,
                         guint64                  size,
                         guint64                  out_size,
                         NovaVolumeProgressFunc   progress,
                         gpointer                 progress_data,
                         GCancellable            *cancellable,
                         GError                 **error)
{
  g_autofree guint8 *buffer = NULL;
  gboolean can_skip = G_IS_SEEKABLE (out) && g_seekable_can_seek (G_SEEKABLE (out));
  guint64 done = 0;
  int in_fd = input_fd (in);

  /* file to file (or device): the kernel moves the data, holes unread */
  if (can_skip && in_fd >= 0 && NOVA_VOLUME_IS_FD_OUTPUT_STREAM (out))
    {
      gboolean handled = FALSE;

      if (!copy_extents (in_fd, NOVA_VOLUME_FD_OUTPUT_STREAM (out)->fd, size, progress, progress_data, cancellable,
                         &handled, error))
        return FALSE;
      if (handled)
        return g_output_stream_close (out, cancellable, error);
    }
  buffer = g_malloc (COPY_CHUNK);

  while (done < size)
    {
      gsize want = (gsize) MIN ((guint64) COPY_CHUNK, size - done);
      gsize got = 0;

      if (!g_input_stream_read_all (in, buffer, want, &got, cancellable, error))
        return FALSE;
      if (got < want)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                       "the source volume ended after %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
                       done + got, size);
          return FALSE;
        }
      if (can_skip && is_zero (buffer, got))
        {
          if (!g_seekable_seek (G_SEEKABLE (out), (goffset) got, G_SEEK_CUR, cancellable, error))
            return FALSE;
        }
      else if (!g_output_stream_write_all (out, buffer, got, NULL, cancellable, error))
        return FALSE;
      done += got;
      if (progress != NULL)
        progress ((double) done / (double) size, progress_data);
    }
  /* past the source's end the target must read zeros too: a stream that
   * cannot skip may hold an earlier volume's bytes there */
  if (!can_skip && out_size > size)
    {
      memset (buffer, 0, COPY_CHUNK);
      for (guint64 left = out_size - size; left > 0;)
        {
          gsize n = (gsize) MIN ((guint64) COPY_CHUNK, left);

          if (!g_output_stream_write_all (out, buffer, n, NULL, cancellable, error))
            return FALSE;
          left -= n;
        }
    }
  return g_output_stream_close (out, cancellable, error);
}
