/* nova-volume: moving a volume's bytes between drivers (Migrate): an
 * output stream over a file descriptor that writes at its own offset and
 * can seek past ranges it need not write, and the copy loop that skips
 * zeros where the target allows it. */
#pragma once

#include <gio/gio.h>

#include "nova-volume-driver.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_FD_OUTPUT_STREAM (nova_volume_fd_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeFdOutputStream, nova_volume_fd_output_stream, NOVA_VOLUME, FD_OUTPUT_STREAM,
                      GOutputStream)

/* Takes @fd (closed with the stream, after an fdatasync). @skips_read_zero:
 * what it does not write reads as zeros (a new sparse file, a new thin LV),
 * so the stream is GSeekable and the copy can skip zeros; FALSE for a
 * device that may hold old bytes (a thick LV). */
GOutputStream *nova_volume_fd_output_stream_new (int fd, gboolean skips_read_zero);
/* Its descriptor, for a tool that writes the volume itself (qemu-img
 * convert), and whether what is not written reads as zeros. */
int      nova_volume_fd_output_stream_get_fd           (NovaVolumeFdOutputStream *self);
gboolean nova_volume_fd_output_stream_skips_read_zero  (NovaVolumeFdOutputStream *self);

/* An output stream into a pipe or a socket (an image copied out to a
 * reader): its writes give way to a cancel however slowly the reader
 * reads. Takes @fd; leaves its flags alone. */
GOutputStream *nova_volume_pipe_output_stream_new (int fd);

/* An input stream that reads @fd from offset 0 at its own offset (pread),
 * never moving the descriptor's: a descriptor a D-Bus caller passed
 * shares its offset with the caller's. Takes @fd. */
GInputStream *nova_volume_fd_input_stream_new (int fd);

/* Copies @size bytes from @in to @out, then zeros up to @out_size (a
 * target its driver made larger, whole extents), then flushes and closes
 * @out. Zero blocks are skipped when @out can seek. Progress 0..1; stops
 * with G_IO_ERROR_CANCELLED when @cancellable is. A short source is an
 * error. */
gboolean nova_volume_copy_stream (GInputStream            *in,
                                  GOutputStream           *out,
                                  guint64                  size,
                                  guint64                  out_size,
                                  NovaVolumeProgressFunc   progress,
                                  gpointer                 progress_data,
                                  GCancellable            *cancellable,
                                  GError                 **error);

G_END_DECLS
