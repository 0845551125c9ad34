/* nova-volume: disk images a caller hands over as a file descriptor, and
 * what must be true of one before anything reads it as its format.
 *
 * The caller names the format; nothing is ever probed. Before qemu-img
 * opens an image, its header is read here: a claim that the magic number
 * contradicts (a "raw" image that is qcow2) is refused, and so is any
 * image that names another file (a qcow2 backing file or external data
 * file, a VMDK descriptor or extent elsewhere, a parent disk), since
 * qemu-img would open it. Then qemu-img info and check, run under
 * resource limits, must agree. Every refusal is InvalidArgument saying
 * why, worded to follow "the image ...". */
#pragma once

#include <gio/gio.h>

#include "nova-volume-executor.h"

G_BEGIN_DECLS

typedef enum {
  NOVA_VOLUME_IMAGE_RAW,
  NOVA_VOLUME_IMAGE_QCOW2,
  NOVA_VOLUME_IMAGE_VMDK,
  NOVA_VOLUME_IMAGE_VHDX,
  NOVA_VOLUME_IMAGE_VPC,
  NOVA_VOLUME_IMAGE_N_FORMATS
} NovaVolumeImageFormat;

/* "raw", "qcow2", "vmdk", "vhdx", "vpc": qemu-img's names. */
const char *nova_volume_image_format_to_string   (NovaVolumeImageFormat format);
gboolean    nova_volume_image_format_from_string (const char *name, NovaVolumeImageFormat *out_format);

/* The format the first bytes of @fd announce, by magic number only; RAW
 * when none. For refusing a claim they contradict. */
gboolean nova_volume_image_sniff (int fd, NovaVolumeImageFormat *out_format, GError **error);

/* Inspects the image on @fd (a regular file or a block device), claimed
 * to be @format: its header, then qemu-img info and check under limits
 * (address space 1 GiB, 30 s of CPU). Refuses it (InvalidArgument, the
 * reason named) when the claim is wrong, it names another file, it is
 * encrypted, truncated or corrupt, or its virtual size is above
 * @max_virtual_size (0: no limit). *out_virtual_size: the size of the
 * disk it holds. Runs commands: worker thread. */
gboolean nova_volume_image_inspect (NovaVolumeExecutor     *executor,
                                    int                     fd,
                                    NovaVolumeImageFormat   format,
                                    guint64                 max_virtual_size,
                                    GCancellable           *cancellable,
                                    guint64                *out_virtual_size,
                                    GError                **error);

/* The argv prefix that runs a command on a hostile image under the limits
 * above (prlimit(1)), NULL-terminated, static. */
const char *const *nova_volume_image_limits_argv (void);

G_END_DECLS
