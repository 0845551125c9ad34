/* nova-volume: dog's stdout or stdin as a stream (see the header) */
#include "config.h"

#include "nova-volume-dog-stream.h"
#include "nova-volume-error.h"

/* dog's stderr (its reason), read after it ended; dog writes little */
static char *
stderr_text (GSubprocess *process)
{
  GInputStream *err = g_subprocess_get_stderr_pipe (process);
  char buffer[4096];
  gsize n = 0;

  if (err == NULL || !g_input_stream_read_all (err, buffer, sizeof buffer - 1, &n, NULL, NULL))
    return g_strdup ("");
  buffer[n] = '\0';
  return g_utf8_make_valid (g_strstrip (buffer), -1);
}

/* waits for dog; FALSE with its reason when it did not exit 0 */
static gboolean
finish (GSubprocess *process, const char *what, GCancellable *cancellable, GError **error)
{
  g_autofree char *reason = NULL;

  if (!g_subprocess_wait (process, cancellable, error))
    {
      g_subprocess_force_exit (process);
      return FALSE;
    }
  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    return TRUE;
  reason = stderr_text (process);
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "%s failed: %s", what,
               *reason != '\0' ? reason : "it exited without saying why");
  return FALSE;
}

static GSubprocess *
spawn (const char *const *argv, GSubprocessFlags flags, GError **error)
{
  GSubprocess *process = g_subprocess_newv (argv, flags | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);

  if (process == NULL)
    g_prefix_error (error, "cannot run %s: ", argv[0]);
  return process;
}

/* ---- reading: dog's stdout ------------------------------------------------ */

#define NOVA_TYPE_DOG_READ_STREAM (nova_dog_read_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaDogReadStream, nova_dog_read_stream, NOVA, DOG_READ_STREAM, GFilterInputStream)

struct _NovaDogReadStream {
  GFilterInputStream  parent_instance;
  GSubprocess        *process;
  char               *what;
  gboolean            finished;   /* dog ended and was waited for */
};

G_DEFINE_FINAL_TYPE (NovaDogReadStream, nova_dog_read_stream, G_TYPE_FILTER_INPUT_STREAM)

/* the end of dog's output: a dog that failed says why here, instead of
 * the copy reporting a short volume */
static gssize
read_stream_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  NovaDogReadStream *self = NOVA_DOG_READ_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));
  gssize n = g_input_stream_read (base, buffer, count, cancellable, error);

  if (n == 0 && !self->finished)
    {
      self->finished = TRUE;
      if (!finish (self->process, self->what, cancellable, error))
        return -1;
    }
  return n;
}

static gboolean
read_stream_close (GInputStream *stream, GCancellable *cancellable, GError **error)
{
  NovaDogReadStream *self = NOVA_DOG_READ_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));

  g_input_stream_close (base, NULL, NULL);
  if (self->finished)
    return TRUE;
  self->finished = TRUE;
  return finish (self->process, self->what, cancellable, error);
}

static void
nova_dog_read_stream_finalize (GObject *object)
{
  NovaDogReadStream *self = NOVA_DOG_READ_STREAM (object);

  /* a copy given up half way: its dog goes */
  if (self->process != NULL && g_subprocess_get_identifier (self->process) != NULL)
    {
      g_subprocess_force_exit (self->process);
      g_subprocess_wait (self->process, NULL, NULL);
    }
  g_clear_object (&self->process);
  g_free (self->what);
  G_OBJECT_CLASS (nova_dog_read_stream_parent_class)->finalize (object);
}

static void
nova_dog_read_stream_class_init (NovaDogReadStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_dog_read_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = read_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = read_stream_close;
}

static void
nova_dog_read_stream_init (NovaDogReadStream *self)
{
}

GInputStream *
nova_dog_read_stream_new (const char *const *argv, GError **error)
{
  g_autoptr(GSubprocess) process = spawn (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
  NovaDogReadStream *self;

  if (process == NULL)
    return NULL;
  self = g_object_new (NOVA_TYPE_DOG_READ_STREAM, "base-stream", g_subprocess_get_stdout_pipe (process), NULL);
  self->process = g_steal_pointer (&process);
  self->what = g_strjoinv (" ", (char **) argv);
  return G_INPUT_STREAM (self);
}

/* ---- writing: dog's stdin ------------------------------------------------- */

#define NOVA_TYPE_DOG_WRITE_STREAM (nova_dog_write_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaDogWriteStream, nova_dog_write_stream, NOVA, DOG_WRITE_STREAM, GFilterOutputStream)

struct _NovaDogWriteStream {
  GFilterOutputStream  parent_instance;
  GSubprocess         *process;
  char                *what;
};

G_DEFINE_FINAL_TYPE (NovaDogWriteStream, nova_dog_write_stream, G_TYPE_FILTER_OUTPUT_STREAM)

/* a dog that ended early breaks the pipe: its own reason says more */
static gssize
write_stream_write (GOutputStream *stream, const void *buffer, gsize count, GCancellable *cancellable,
                    GError **error)
{
  NovaDogWriteStream *self = NOVA_DOG_WRITE_STREAM (stream);
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));
  g_autoptr(GError) local_error = NULL;
  gssize n = g_output_stream_write (base, buffer, count, cancellable, &local_error);

  if (n >= 0)
    return n;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE)
      && !finish (self->process, self->what, NULL, error))
    return -1;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return -1;
}

static gboolean
write_stream_close (GOutputStream *stream, GCancellable *cancellable, GError **error)
{
  NovaDogWriteStream *self = NOVA_DOG_WRITE_STREAM (stream);
  GOutputStream *base = g_filter_output_stream_get_base_stream (G_FILTER_OUTPUT_STREAM (stream));

  /* the end of its stdin is the end of the bytes: dog writes and exits */
  if (!g_output_stream_close (base, cancellable, error))
    {
      g_subprocess_force_exit (self->process);
      return FALSE;
    }
  return finish (self->process, self->what, cancellable, error);
}

static void
nova_dog_write_stream_finalize (GObject *object)
{
  NovaDogWriteStream *self = NOVA_DOG_WRITE_STREAM (object);

  if (self->process != NULL && g_subprocess_get_identifier (self->process) != NULL)
    {
      g_subprocess_force_exit (self->process);
      g_subprocess_wait (self->process, NULL, NULL);
    }
  g_clear_object (&self->process);
  g_free (self->what);
  G_OBJECT_CLASS (nova_dog_write_stream_parent_class)->finalize (object);
}

static void
nova_dog_write_stream_class_init (NovaDogWriteStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = nova_dog_write_stream_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = write_stream_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = write_stream_close;
}

static void
nova_dog_write_stream_init (NovaDogWriteStream *self)
{
}

GOutputStream *
nova_dog_write_stream_new (const char *const *argv, GError **error)
{
  g_autoptr(GSubprocess) process = spawn (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE, error);
  NovaDogWriteStream *self;

  if (process == NULL)
    return NULL;
  self = g_object_new (NOVA_TYPE_DOG_WRITE_STREAM, "base-stream", g_subprocess_get_stdin_pipe (process),
                       "close-base-stream", FALSE, NULL);
  self->process = g_steal_pointer (&process);
  self->what = g_strjoinv (" ", (char **) argv);
  return G_OUTPUT_STREAM (self);
}
