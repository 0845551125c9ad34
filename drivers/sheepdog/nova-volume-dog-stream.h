/* nova-volume: a Sheepdog VDI's bytes as a stream, for the daemon's copies
 * (Migrate): one `dog vdi read` or `dog vdi write` whose stdout or stdin
 * is the stream. Not through the executor: these commands move the
 * volume's bytes rather than print an answer to keep, and they take as
 * long as the volume is large (no timeout; a cancelled copy kills its
 * dog). Closing the stream waits for dog and says why it failed. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* @argv: dog's whole command line (dog vdi read|write -a ADDR -p PORT NAME). */
GInputStream  *nova_dog_read_stream_new  (const char *const *argv, GError **error);
GOutputStream *nova_dog_write_stream_new (const char *const *argv, GError **error);

G_END_DECLS
