/* nova-volume: an RBD image as a stream, for the daemon's copies
 * (Migrate): reading from offset 0, or writing from 0 with skips (an
 * image reads as zeros where nothing was written). Each stream holds its
 * pool, and so its connection, until it is closed. */
#pragma once

#include <gio/gio.h>
#include <rbd/librbd.h>

#include "nova-volume-rbd-client.h"

G_BEGIN_DECLS

/* Take @pool and @image: both are closed with the stream. */
GInputStream  *nova_rbd_input_stream_new  (NovaRbdPool *pool, rbd_image_t image, const char *name);
GOutputStream *nova_rbd_output_stream_new (NovaRbdPool *pool, rbd_image_t image, const char *name);

G_END_DECLS
