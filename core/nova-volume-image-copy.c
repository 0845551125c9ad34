/* nova-volume: a volume's bytes from a disk image and back (see the
 * header) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>

#include "nova-volume-error.h"
#include "nova-volume-image-copy.h"
#include "nova-volume-io.h"

typedef struct {
  NovaVolumeProgressFunc progress;
  gpointer               data;
} Progress;

/* qemu-img -p writes "    (12.34/100%)" and a '\r' */
static void
on_qemu_img_progress (const char *line, gpointer user_data)
{
  Progress *progress = user_data;
  const char *open = strchr (line, '(');
  char *end = NULL;
  double percent;

  if (open == NULL || progress->progress == NULL)
    return;
  percent = g_ascii_strtod (open + 1, &end);
  if (end != NULL && end != open + 1 && *end == '/' && percent >= 0 && percent <= 100)
    progress->progress (percent / 100.0, progress->data);
}

static int
dup_cloexec (int fd, GError **error)
{
  int copy = fcntl (fd, F_DUPFD_CLOEXEC, 3);

  if (copy < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot take the descriptor: %s",
                   g_strerror (saved));
    }
  return copy;
}

/* qemu-img convert from @source to @target, each "/proc/self/fd/N" for one of
 * @fds (the child's 3, 4, ...) or a name qemu-img opens itself */
static gboolean
qemu_img_convert (NovaVolumeExecutor *executor, const char *const *options, const char *source, const char *target,
                  const int *fds, guint n_fds, NovaVolumeProgressFunc progress, gpointer progress_data,
                  GCancellable *cancellable, GError **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  Progress state = { progress, progress_data };

  g_strv_builder_add_many (builder, "qemu-img", "convert", "-p", NULL);
  g_strv_builder_addv (builder, (const char **) options);
  g_strv_builder_add_many (builder, source, target, NULL);
  argv = g_strv_builder_end (builder);
  return nova_volume_executor_run_long (executor, (const char *const *) argv, fds, n_fds, on_qemu_img_progress,
                                        &state, cancellable, NULL, NULL, NULL, error);
}

gboolean
nova_volume_image_import (NovaVolumeExecutor      *executor,
                          NovaVolumeDriver        *driver,
                          const NovaVolumeRecord  *volume,
                          int                      image_fd,
                          NovaVolumeImageFormat    format,
                          guint64                  virtual_size,
                          NovaVolumeProgressFunc   progress,
                          gpointer                 progress_data,
                          GCancellable            *cancellable,
                          GError                 **error)
{
  g_autoptr(GOutputStream) out = NULL;
  g_autofree char *location = NULL;
  gboolean new_reads_zero = FALSE;
  const char *options[] = { "-n", "-f", nova_volume_image_format_to_string (format), "-O", "raw", NULL, NULL };
  int fds[2];

  if (format == NOVA_VOLUME_IMAGE_RAW)
    {
      g_autoptr(GInputStream) in = NULL;
      int fd;

      out = nova_volume_driver_open_for_write (driver, volume, error);
      if (out == NULL || (fd = dup_cloexec (image_fd, error)) < 0)
        return FALSE;
      in = nova_volume_fd_input_stream_new (fd);
      return nova_volume_copy_stream (in, out, virtual_size, volume->size, progress, progress_data, cancellable,
                                      error);
    }

  /* a driver without descriptors names the volume for qemu-img itself
   * (rbd through qemu's librbd): qemu-img writes there directly */
  location = nova_volume_driver_qemu_img_location (driver, volume, NULL, &new_reads_zero);
  if (location != NULL)
    {
      if (new_reads_zero)
        options[5] = "--target-is-zero";
      return qemu_img_convert (executor, options, "/proc/self/fd/3", location, &image_fd, 1, progress, progress_data,
                               cancellable, error);
    }

  out = nova_volume_driver_open_for_write (driver, volume, error);
  if (out == NULL)
    return FALSE;
  if (!NOVA_VOLUME_IS_FD_OUTPUT_STREAM (out))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                   "the %s driver takes raw images only: it gives qemu-img nothing to convert a %s image into; "
                   "convert it to raw first (qemu-img convert -O raw)",
                   nova_volume_driver_get_name (driver), nova_volume_image_format_to_string (format));
      g_output_stream_close (out, NULL, NULL);
      return FALSE;
    }
  /* a volume that reads zeros where nothing was written lets qemu-img
   * skip them, so a thin or sparse volume stays so */
  if (nova_volume_fd_output_stream_skips_read_zero (NOVA_VOLUME_FD_OUTPUT_STREAM (out)))
    options[5] = "--target-is-zero";
  fds[0] = image_fd;
  fds[1] = nova_volume_fd_output_stream_get_fd (NOVA_VOLUME_FD_OUTPUT_STREAM (out));
  if (!qemu_img_convert (executor, options, "/proc/self/fd/3", "/proc/self/fd/4", fds, 2, progress, progress_data, cancellable,
                         error))
    {
      g_output_stream_close (out, NULL, NULL);
      return FALSE;
    }
  /* its close syncs what qemu-img wrote through its own descriptor */
  return g_output_stream_close (out, cancellable, error);
}

gboolean
nova_volume_image_check_export_target (int fd, NovaVolumeImageFormat format, GError **error)
{
  struct stat st;
  int flags = fcntl (fd, F_GETFL);

  if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY || fstat (fd, &st) != 0)
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "the descriptor to write the image into is not open for writing");
      return FALSE;
    }
  if ((flags & O_APPEND) != 0)
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "the descriptor to write the image into is open for appending; open it without O_APPEND");
      return FALSE;
    }
  if (format != NOVA_VOLUME_IMAGE_RAW && !S_ISREG (st.st_mode))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "a %s image needs a regular file to write into (it is written out of order); "
                   "a pipe or a device takes only raw",
                   nova_volume_image_format_to_string (format));
      return FALSE;
    }
  if (format != NOVA_VOLUME_IMAGE_RAW && format != NOVA_VOLUME_IMAGE_QCOW2)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "volumes are copied out as raw or qcow2, not %s", nova_volume_image_format_to_string (format));
      return FALSE;
    }
  return TRUE;
}

/* the output stream a raw export writes into @out_fd through: a regular
 * file is emptied and set to the volume's size first, so what the copy
 * skips is a hole that reads zeros */
static GOutputStream *
raw_target (int out_fd, guint64 size, GError **error)
{
  struct stat st;
  int fd = dup_cloexec (out_fd, error);

  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
    {
      if (ftruncate (fd, 0) != 0 || ftruncate (fd, (off_t) size) != 0)
        {
          int saved = errno;

          close (fd);
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot size the image file: %s",
                       g_strerror (saved));
          return NULL;
        }
      return nova_volume_fd_output_stream_new (fd, TRUE);
    }
  if (S_ISBLK (st.st_mode))
    return nova_volume_fd_output_stream_new (fd, FALSE);
  /* a pipe or a socket: every byte, in order */
  return nova_volume_pipe_output_stream_new (fd);
}

/* qemu-img leaves what it wrote in the page cache: an export is done
 * when the image is on the disk, as a raw one is */
static gboolean
sync_image (int fd, GError **error)
{
  if (fdatasync (fd) == 0 || errno == EINVAL)
    return TRUE;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot sync the image: %s", g_strerror (errno));
  return FALSE;
}

/* @size bytes of @in into @out_fd as @format */
static gboolean
export_stream (NovaVolumeExecutor *executor, NovaVolumeDriver *driver, const NovaVolumeRecord *volume,
               const NovaSnapshotRecord *snapshot, GInputStream *in, guint64 size, int out_fd,
               NovaVolumeImageFormat format, gboolean compress, NovaVolumeProgressFunc progress,
               gpointer progress_data, GCancellable *cancellable, GError **error)
{
  const char *options[] = { "-f", "raw", "-O", "qcow2", NULL, NULL };
  g_autofree char *location = NULL;
  gboolean new_reads_zero = FALSE;

  if (format == NOVA_VOLUME_IMAGE_RAW)
    {
      g_autoptr(GOutputStream) out = raw_target (out_fd, size, error);

      return out != NULL
             && nova_volume_copy_stream (in, out, size, size, progress, progress_data, cancellable, error);
    }

  if (compress)
    options[4] = "-c";
  if (!G_IS_UNIX_INPUT_STREAM (in))
    {
      location = nova_volume_driver_qemu_img_location (driver, volume, snapshot, &new_reads_zero);
      if (location != NULL)
        {
          /* qemu-img reads it itself: ours is not needed */
          g_input_stream_close (in, NULL, NULL);
          return qemu_img_convert (executor, options, location, "/proc/self/fd/3", &out_fd, 1, progress, progress_data,
                                   cancellable, error)
                 && sync_image (out_fd, error);
        }
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_SUPPORTED,
                   "the %s driver gives its bytes out as raw only: it gives qemu-img nothing to "
                   "convert from; export raw and convert that", nova_volume_driver_get_name (driver));
      return FALSE;
    }
  {
    int fds[2] = { g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (in)), out_fd };

    return qemu_img_convert (executor, options, "/proc/self/fd/3", "/proc/self/fd/4", fds, 2, progress, progress_data,
                             cancellable, error)
           && sync_image (out_fd, error);
  }
}

gboolean
nova_volume_image_export (NovaVolumeExecutor        *executor,
                          NovaVolumeDriver          *driver,
                          const NovaVolumeRecord    *volume,
                          const NovaSnapshotRecord  *snapshot,
                          int                        out_fd,
                          NovaVolumeImageFormat      format,
                          gboolean                   compress,
                          NovaVolumeProgressFunc     progress,
                          gpointer                   progress_data,
                          GCancellable              *cancellable,
                          GError                   **error)
{
  g_autoptr(GInputStream) in = NULL;

  if (!nova_volume_image_check_export_target (out_fd, format, error))
    return FALSE;
  in = snapshot != NULL ? nova_volume_driver_open_snapshot_for_read (driver, snapshot, error)
                        : nova_volume_driver_open_for_read (driver, volume, error);
  return in != NULL
         && export_stream (executor, driver, snapshot != NULL ? NULL : volume, snapshot, in,
                           snapshot != NULL ? snapshot->size : volume->size, out_fd, format, compress, progress,
                           progress_data, cancellable, error);
}
