/* nova-volume: RBD images as streams (see the header) */
#include "config.h"

#include "nova-volume-rbd-stream.h"

/* ---- reading ------------------------------------------------------------ */

#define NOVA_TYPE_RBD_INPUT_STREAM (nova_rbd_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaRbdInputStream, nova_rbd_input_stream, NOVA, RBD_INPUT_STREAM, GInputStream)

struct _NovaRbdInputStream {
  GInputStream  parent_instance;
  NovaRbdPool  *pool;
  rbd_image_t   image;
  char         *name;
  guint64       offset;
};

G_DEFINE_FINAL_TYPE (NovaRbdInputStream, nova_rbd_input_stream, G_TYPE_INPUT_STREAM)

static gssize
rbd_stream_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  NovaRbdInputStream *self = NOVA_RBD_INPUT_STREAM (stream);
  ssize_t n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  n = rbd_read (self->image, self->offset, count, buffer);
  if (n < 0)
    {
      nova_rbd_pool_fail (self->pool, (int) n, error, "cannot read image %s/%s", self->pool->name, self->name);
      return -1;
    }
  self->offset += (guint64) n;
  return n;
}

/* a skip moves on without reading (a backup's unchanged chunks) */
static gssize
rbd_stream_skip (GInputStream *stream, gsize count, GCancellable *cancellable, GError **error)
{
  NovaRbdInputStream *self = NOVA_RBD_INPUT_STREAM (stream);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  self->offset += count;
  return (gssize) count;
}

static void
close_image (NovaRbdPool **pool, rbd_image_t *image)
{
  if (*image != NULL)
    rbd_close (*image);
  *image = NULL;
  g_clear_pointer (pool, nova_rbd_pool_free);
}

static gboolean
rbd_stream_close_input (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  NovaRbdInputStream *self = NOVA_RBD_INPUT_STREAM (stream);

  close_image (&self->pool, &self->image);
  return TRUE;
}

static void
nova_rbd_input_stream_finalize (GObject *object)
{
  NovaRbdInputStream *self = NOVA_RBD_INPUT_STREAM (object);

  close_image (&self->pool, &self->image);
  g_free (self->name);
  G_OBJECT_CLASS (nova_rbd_input_stream_parent_class)->finalize (object);
}

static void
nova_rbd_input_stream_class_init (NovaRbdInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_rbd_input_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = rbd_stream_read;
  G_INPUT_STREAM_CLASS (klass)->skip = rbd_stream_skip;
  G_INPUT_STREAM_CLASS (klass)->close_fn = rbd_stream_close_input;
}

static void
nova_rbd_input_stream_init (NovaRbdInputStream *self)
{
}

GInputStream *
nova_rbd_input_stream_new (NovaRbdPool *pool, rbd_image_t image, const char *name)
{
  NovaRbdInputStream *self = g_object_new (NOVA_TYPE_RBD_INPUT_STREAM, NULL);

  self->pool = pool;
  self->image = image;
  self->name = g_strdup (name);
  return G_INPUT_STREAM (self);
}

/* ---- writing ------------------------------------------------------------ */

#define NOVA_TYPE_RBD_OUTPUT_STREAM (nova_rbd_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaRbdOutputStream, nova_rbd_output_stream, NOVA, RBD_OUTPUT_STREAM, GOutputStream)

struct _NovaRbdOutputStream {
  GOutputStream  parent_instance;
  NovaRbdPool   *pool;
  rbd_image_t    image;
  char          *name;
  guint64        offset;
};

static void nova_rbd_output_stream_seekable_init (GSeekableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (NovaRbdOutputStream, nova_rbd_output_stream, G_TYPE_OUTPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SEEKABLE, nova_rbd_output_stream_seekable_init))

static gssize
rbd_stream_write (GOutputStream *stream, const void *buffer, gsize count, GCancellable *cancellable,
                  GError **error)
{
  NovaRbdOutputStream *self = NOVA_RBD_OUTPUT_STREAM (stream);
  ssize_t n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  n = rbd_write (self->image, self->offset, count, buffer);
  if (n < 0)
    {
      nova_rbd_pool_fail (self->pool, (int) n, error, "cannot write image %s/%s", self->pool->name, self->name);
      return -1;
    }
  self->offset += (guint64) n;
  return n;
}

static gboolean
rbd_stream_flush (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  NovaRbdOutputStream *self = NOVA_RBD_OUTPUT_STREAM (stream);
  int r = rbd_flush (self->image);

  if (r < 0)
    return nova_rbd_pool_fail (self->pool, r, error, "cannot flush image %s/%s", self->pool->name, self->name);
  return TRUE;
}

static gboolean
rbd_stream_close_output (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  NovaRbdOutputStream *self = NOVA_RBD_OUTPUT_STREAM (stream);

  close_image (&self->pool, &self->image);
  return TRUE;
}

static void
nova_rbd_output_stream_finalize (GObject *object)
{
  NovaRbdOutputStream *self = NOVA_RBD_OUTPUT_STREAM (object);

  close_image (&self->pool, &self->image);
  g_free (self->name);
  G_OBJECT_CLASS (nova_rbd_output_stream_parent_class)->finalize (object);
}

static void
nova_rbd_output_stream_class_init (NovaRbdOutputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_rbd_output_stream_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = rbd_stream_write;
  G_OUTPUT_STREAM_CLASS (klass)->flush = rbd_stream_flush;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = rbd_stream_close_output;
}

static void
nova_rbd_output_stream_init (NovaRbdOutputStream *self)
{
}

static goffset
rbd_stream_tell (GSeekable *seekable)
{
  return (goffset) NOVA_RBD_OUTPUT_STREAM (seekable)->offset;
}

static gboolean
rbd_stream_can_seek (GSeekable *seekable)
{
  return TRUE;
}

/* a new image reads as zeros where nothing was written: skipping is free */
static gboolean
rbd_stream_seek (GSeekable *seekable, goffset offset, GSeekType type, GCancellable *cancellable,
                 GError **error)
{
  NovaRbdOutputStream *self = NOVA_RBD_OUTPUT_STREAM (seekable);
  goffset target = type == G_SEEK_CUR ? (goffset) self->offset + offset : offset;

  if (type == G_SEEK_END || target < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "an image stream seeks from its start");
      return FALSE;
    }
  self->offset = (guint64) target;
  return TRUE;
}

static gboolean
rbd_stream_can_truncate (GSeekable *seekable)
{
  return FALSE;
}

static gboolean
rbd_stream_truncate (GSeekable *seekable, goffset offset, GCancellable *cancellable, GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "a volume keeps its size");
  return FALSE;
}

static void
nova_rbd_output_stream_seekable_init (GSeekableIface *iface)
{
  iface->tell = rbd_stream_tell;
  iface->can_seek = rbd_stream_can_seek;
  iface->seek = rbd_stream_seek;
  iface->can_truncate = rbd_stream_can_truncate;
  iface->truncate_fn = rbd_stream_truncate;
}

GOutputStream *
nova_rbd_output_stream_new (NovaRbdPool *pool, rbd_image_t image, const char *name)
{
  NovaRbdOutputStream *self = g_object_new (NOVA_TYPE_RBD_OUTPUT_STREAM, NULL);

  self->pool = pool;
  self->image = image;
  self->name = g_strdup (name);
  return G_OUTPUT_STREAM (self);
}
