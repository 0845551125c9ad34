/* nova-volume: a volume's bytes from a disk image and back, through the
 * driver's byte streams: raw copied here, other formats converted by
 * qemu-img (through the executor) into or out of the descriptor a
 * driver's stream holds. The image is the caller's descriptor; nothing
 * here opens a path. Worker thread: both run long. */
#pragma once

#include "nova-volume-driver.h"
#include "nova-volume-executor.h"
#include "nova-volume-image.h"

G_BEGIN_DECLS

/* Writes the disk that the image on @image_fd holds (@format, already
 * inspected: @virtual_size bytes) into @volume. A raw image is copied
 * with zeros skipped where the volume reads zeros (a new sparse file, a
 * thin LV); another format is converted by qemu-img into the descriptor
 * of the driver's write stream, and a driver that gives none is
 * NotSupported for it. Progress 0..1; G_IO_ERROR_CANCELLED when
 * @cancellable is. */
gboolean nova_volume_image_import (NovaVolumeExecutor      *executor,
                                   NovaVolumeDriver        *driver,
                                   const NovaVolumeRecord  *volume,
                                   int                      image_fd,
                                   NovaVolumeImageFormat    format,
                                   guint64                  virtual_size,
                                   NovaVolumeProgressFunc   progress,
                                   gpointer                 progress_data,
                                   GCancellable            *cancellable,
                                   GError                 **error);

/* Writes @volume's bytes, or when @snapshot is not NULL the snapshot's
 * (the volume as it was when it was taken; @volume may then be NULL),
 * into @out_fd as @format: raw into any writable descriptor (a pipe gets
 * every byte; a regular file is emptied first and keeps the holes); qcow2
 * (@compress: compressed clusters) only into a regular file, by qemu-img
 * from the descriptor of the driver's read stream or the name the driver
 * gives qemu-img. Errors as for import. */
gboolean nova_volume_image_export (NovaVolumeExecutor        *executor,
                                   NovaVolumeDriver          *driver,
                                   const NovaVolumeRecord    *volume,
                                   const NovaSnapshotRecord  *snapshot,
                                   int                        out_fd,
                                   NovaVolumeImageFormat      format,
                                   gboolean                   compress,
                                   NovaVolumeProgressFunc     progress,
                                   gpointer                   progress_data,
                                   GCancellable              *cancellable,
                                   GError                   **error);

/* Whether @fd can take an export as @format; InvalidArgument saying why
 * not (a pipe for qcow2, a descriptor not open for writing). */
gboolean nova_volume_image_check_export_target (int fd, NovaVolumeImageFormat format, GError **error);

G_END_DECLS
