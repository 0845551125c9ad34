/* nova-volume: dog's stdout or stdin as a stream (see the header) */
#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nova-volume-dog-stream.h"
#include "nova-volume-error.h"

/* dog's stderr goes to a file in memory, not a pipe: a dog that says much
 * would otherwise block on a full pipe while we wait on its stdout. Its
 * end is its reason. */
static char *
stderr_text (int fd)
{
  char buffer[4096];
  off_t size = lseek (fd, 0, SEEK_END);
  off_t from = size > (off_t) sizeof buffer - 1 ? size - (off_t) sizeof buffer + 1 : 0;
  ssize_t n = fd >= 0 && size > 0 ? pread (fd, buffer, sizeof buffer - 1, from) : 0;

  buffer[n > 0 ? n : 0] = '\0';
  return g_utf8_make_valid (g_strstrip (buffer), -1);
}

/* waits for dog; FALSE with its reason when it did not exit 0 */
static gboolean
finish (GSubprocess *process, int stderr_fd, const char *what, GCancellable *cancellable, GError **error)
{
  g_autofree char *reason = NULL;

  if (!g_subprocess_wait (process, cancellable, error))
    {
      g_subprocess_force_exit (process);
      return FALSE;
    }
  if (g_subprocess_get_if_exited (process) && g_subprocess_get_exit_status (process) == 0)
    return TRUE;
  reason = stderr_text (stderr_fd);
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "%s failed: %s", what,
               *reason != '\0' ? reason : "it exited without saying why");
  return FALSE;
}

/* dog with @flags for its stdin/stdout, its stderr in *out_stderr_fd */
static GSubprocess *
spawn (const char *const *argv, GSubprocessFlags flags, int *out_stderr_fd, GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  int fd = memfd_create ("dog-stderr", MFD_CLOEXEC);
  int mine;
  GSubprocess *process;

  if (fd < 0 || (mine = dup (fd)) < 0)
    {
      int errsv = errno;

      if (fd >= 0)
        close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "cannot run %s: %s", argv[0],
                   g_strerror (errsv));
      return NULL;
    }
  /* the launcher owns one descriptor (dog's stderr), we keep the other */
  g_subprocess_launcher_take_stderr_fd (launcher, fd);
  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    {
      close (mine);
      g_prefix_error (error, "cannot run %s: ", argv[0]);
      return NULL;
    }
  *out_stderr_fd = mine;
  return process;
}

/* A stream given up before its end (a cancelled copy): its dog is
 * killed before the stream's close waits for it, which would otherwise
 * wait for a dog stuck on an unresponsive sheep. */
static void
kill_if_running (GSubprocess *process, gboolean finished)
{
  if (process != NULL && !finished)
    g_subprocess_force_exit (process);
}

/* ---- reading: dog's stdout ------------------------------------------------ */

#define NOVA_TYPE_DOG_READ_STREAM (nova_dog_read_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaDogReadStream, nova_dog_read_stream, NOVA, DOG_READ_STREAM, GFilterInputStream)

struct _NovaDogReadStream {
  GFilterInputStream  parent_instance;
  GSubprocess        *process;
  int                 stderr_fd;
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
      if (!finish (self->process, self->stderr_fd, self->what, cancellable, error))
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
  return finish (self->process, self->stderr_fd, self->what, cancellable, error);
}

static void
nova_dog_read_stream_dispose (GObject *object)
{
  NovaDogReadStream *self = NOVA_DOG_READ_STREAM (object);

  if (!g_input_stream_is_closed (G_INPUT_STREAM (object)))
    kill_if_running (self->process, self->finished);
  G_OBJECT_CLASS (nova_dog_read_stream_parent_class)->dispose (object);
}

static void
nova_dog_read_stream_finalize (GObject *object)
{
  NovaDogReadStream *self = NOVA_DOG_READ_STREAM (object);

  g_clear_object (&self->process);
  if (self->stderr_fd >= 0)
    close (self->stderr_fd);
  g_free (self->what);
  G_OBJECT_CLASS (nova_dog_read_stream_parent_class)->finalize (object);
}

static void
nova_dog_read_stream_class_init (NovaDogReadStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = nova_dog_read_stream_dispose;
  G_OBJECT_CLASS (klass)->finalize = nova_dog_read_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = read_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = read_stream_close;
}

static void
nova_dog_read_stream_init (NovaDogReadStream *self)
{
  self->stderr_fd = -1;
}

GInputStream *
nova_dog_read_stream_new (const char *const *argv, GError **error)
{
  int stderr_fd = -1;
  g_autoptr(GSubprocess) process = spawn (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &stderr_fd, error);
  NovaDogReadStream *self;

  if (process == NULL)
    return NULL;
  self = g_object_new (NOVA_TYPE_DOG_READ_STREAM, "base-stream", g_subprocess_get_stdout_pipe (process), NULL);
  self->process = g_steal_pointer (&process);
  self->stderr_fd = stderr_fd;
  self->what = g_strjoinv (" ", (char **) argv);
  return G_INPUT_STREAM (self);
}

/* ---- writing: dog's stdin ------------------------------------------------- */

#define NOVA_TYPE_DOG_WRITE_STREAM (nova_dog_write_stream_get_type ())
G_DECLARE_FINAL_TYPE (NovaDogWriteStream, nova_dog_write_stream, NOVA, DOG_WRITE_STREAM, GFilterOutputStream)

struct _NovaDogWriteStream {
  GFilterOutputStream  parent_instance;
  GSubprocess         *process;
  int                  stderr_fd;
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
      && !finish (self->process, self->stderr_fd, self->what, NULL, error))
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
  return finish (self->process, self->stderr_fd, self->what, cancellable, error);
}

static void
nova_dog_write_stream_dispose (GObject *object)
{
  NovaDogWriteStream *self = NOVA_DOG_WRITE_STREAM (object);

  /* given up before its close: dog must not write what it got so far as
   * if it were the whole volume, nor keep the close waiting */
  if (!g_output_stream_is_closed (G_OUTPUT_STREAM (object)))
    kill_if_running (self->process, FALSE);
  G_OBJECT_CLASS (nova_dog_write_stream_parent_class)->dispose (object);
}

static void
nova_dog_write_stream_finalize (GObject *object)
{
  NovaDogWriteStream *self = NOVA_DOG_WRITE_STREAM (object);

  g_clear_object (&self->process);
  if (self->stderr_fd >= 0)
    close (self->stderr_fd);
  g_free (self->what);
  G_OBJECT_CLASS (nova_dog_write_stream_parent_class)->finalize (object);
}

static void
nova_dog_write_stream_class_init (NovaDogWriteStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = nova_dog_write_stream_dispose;
  G_OBJECT_CLASS (klass)->finalize = nova_dog_write_stream_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = write_stream_write;
  G_OUTPUT_STREAM_CLASS (klass)->close_fn = write_stream_close;
}

static void
nova_dog_write_stream_init (NovaDogWriteStream *self)
{
  self->stderr_fd = -1;
}

GOutputStream *
nova_dog_write_stream_new (const char *const *argv, GError **error)
{
  int stderr_fd = -1;
  g_autoptr(GSubprocess) process = spawn (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE, &stderr_fd, error);
  NovaDogWriteStream *self;

  if (process == NULL)
    return NULL;
  self = g_object_new (NOVA_TYPE_DOG_WRITE_STREAM, "base-stream", g_subprocess_get_stdin_pipe (process),
                       "close-base-stream", FALSE, NULL);
  self->process = g_steal_pointer (&process);
  self->stderr_fd = stderr_fd;
  self->what = g_strjoinv (" ", (char **) argv);
  return G_OUTPUT_STREAM (self);
}
