/* nova-volume: an executor that records argv instead of running it */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "nova-volume-recording-executor.h"

typedef struct {
  int    exit_status;
  GBytes *stdout_bytes;
  GBytes *stderr_bytes;
} ScriptedResult;

struct _NovaVolumeRecordingExecutor {
  NovaVolumeExecutor parent_instance;

  /* drivers run commands from many worker threads at once */
  GMutex     lock;
  GPtrArray *commands;          /* of GStrv, secrets masked */
  GPtrArray *unmasked_commands; /* of GStrv, as given */
  GQueue     results;           /* of ScriptedResult, oldest first */
  char      *log_path;
  NovaVolumeRecordingResponder responder;
  gpointer                     responder_data;
  GDestroyNotify               responder_destroy;
};

G_DEFINE_FINAL_TYPE (NovaVolumeRecordingExecutor, nova_volume_recording_executor,
                     NOVA_VOLUME_TYPE_EXECUTOR)

static void
scripted_result_free (gpointer data)
{
  ScriptedResult *result = data;

  g_bytes_unref (result->stdout_bytes);
  g_bytes_unref (result->stderr_bytes);
  g_free (result);
}

static GBytes *
bytes_from_text (const char *text)
{
  if (text == NULL)
    text = "";
  return g_bytes_new (text, strlen (text));
}

/* one write(2) per line on an O_APPEND descriptor, reopened every time:
 * concurrent writers never interleave and a reader in another process
 * (or a test that removes the file) always sees whole lines */
static gboolean
append_line (const char *path, const char *line, GError **error)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);
  gsize len = strlen (text);
  gsize done = 0;
  int fd;

  fd = g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot open command log %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  while (done < len)
    {
      gssize n = write (fd, text + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "cannot write command log %s: %s", path, g_strerror (saved));
          close (fd);
          return FALSE;
        }
      done += (gsize) n;
    }
  return g_close (fd, error);
}

static gboolean
nova_volume_recording_executor_execute_once (NovaVolumeExecutor  *executor,
                                             const char *const   *argv,
                                             const char *const   *secrets,
                                             GBytes              *stdin_bytes,
                                             GBytes             **out_stdout,
                                             GBytes             **out_stderr,
                                             int                 *out_exit_status,
                                             GError             **error)
{
  NovaVolumeRecordingExecutor *self = NOVA_VOLUME_RECORDING_EXECUTOR (executor);
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  ScriptedResult *result;
  GStrv masked = nova_volume_executor_mask_argv (argv, secrets);

  g_ptr_array_add (self->commands, masked);
  g_ptr_array_add (self->unmasked_commands, g_strdupv ((char **) argv));

  /* written under the lock so the log's order is the commands' order */
  if (self->log_path != NULL)
    {
      g_autofree char *line = nova_volume_executor_format_argv ((const char *const *) masked);

      if (!append_line (self->log_path, line, error))
        return FALSE;
    }

  result = g_queue_pop_head (&self->results);
  if (result == NULL && self->responder != NULL)
    {
      g_autofree char *answer_out = NULL;
      g_autofree char *answer_err = NULL;
      int status = 0;

      if (self->responder ((const char *const *) masked, &status, &answer_out, &answer_err,
                           self->responder_data))
        {
          *out_exit_status = status;
          if (out_stdout != NULL)
            *out_stdout = bytes_from_text (answer_out);
          if (out_stderr != NULL)
            *out_stderr = bytes_from_text (answer_err);
          return TRUE;
        }
    }
  if (result == NULL)
    {
      *out_exit_status = 0;
      if (out_stdout != NULL)
        *out_stdout = g_bytes_new (NULL, 0);
      if (out_stderr != NULL)
        *out_stderr = g_bytes_new (NULL, 0);
      return TRUE;
    }

  *out_exit_status = result->exit_status;
  if (out_stdout != NULL)
    *out_stdout = g_bytes_ref (result->stdout_bytes);
  if (out_stderr != NULL)
    *out_stderr = g_bytes_ref (result->stderr_bytes);
  scripted_result_free (result);
  return TRUE;
}

/* a long command is recorded and answered as any other; its answer's
 * stdout goes to @on_output line by line */
static gboolean
nova_volume_recording_executor_execute_long (NovaVolumeExecutor      *executor,
                                             const char *const       *argv,
                                             const int               *fds,
                                             guint                    n_fds,
                                             NovaVolumeOutputFunc     on_output,
                                             gpointer                 output_data,
                                             GCancellable            *cancellable,
                                             GBytes                 **out_stdout,
                                             GBytes                 **out_stderr,
                                             int                     *out_exit_status,
                                             GError                 **error)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;
  gsize size = 0;
  gconstpointer data;

  if (g_cancellable_set_error_if_cancelled (cancellable, error)
      || !nova_volume_recording_executor_execute_once (executor, argv, NULL, NULL, out_stdout, out_stderr,
                                                       out_exit_status, error))
    return FALSE;
  data = g_bytes_get_data (*out_stdout, &size);
  text = g_strndup (data != NULL ? data : "", size);
  lines = g_strsplit (text, "\n", -1);
  for (gsize i = 0; on_output != NULL && lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      on_output (lines[i], output_data);
  return TRUE;
}

static void
nova_volume_recording_executor_finalize (GObject *object)
{
  NovaVolumeRecordingExecutor *self = NOVA_VOLUME_RECORDING_EXECUTOR (object);

  if (self->responder_destroy != NULL)
    self->responder_destroy (self->responder_data);

  g_ptr_array_unref (self->commands);
  g_ptr_array_unref (self->unmasked_commands);
  g_queue_clear_full (&self->results, scripted_result_free);
  g_free (self->log_path);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (nova_volume_recording_executor_parent_class)->finalize (object);
}

static void
nova_volume_recording_executor_class_init (NovaVolumeRecordingExecutorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  NovaVolumeExecutorClass *executor_class = NOVA_VOLUME_EXECUTOR_CLASS (klass);

  object_class->finalize = nova_volume_recording_executor_finalize;
  executor_class->execute_once = nova_volume_recording_executor_execute_once;
  executor_class->execute_long = nova_volume_recording_executor_execute_long;
}

static void
nova_volume_recording_executor_init (NovaVolumeRecordingExecutor *self)
{
  g_mutex_init (&self->lock);
  self->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  self->unmasked_commands = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_queue_init (&self->results);

  /* one attempt and no sleeping: a scripted failure is answered once, and
   * a test that wants retries says so with set_tries() */
  nova_volume_executor_set_tries (NOVA_VOLUME_EXECUTOR (self), 1);
  nova_volume_executor_set_backoff_ms (NOVA_VOLUME_EXECUTOR (self), 0);
}

NovaVolumeRecordingExecutor *
nova_volume_recording_executor_new (void)
{
  return g_object_new (NOVA_VOLUME_TYPE_RECORDING_EXECUTOR, NULL);
}

void
nova_volume_recording_executor_push_result (NovaVolumeRecordingExecutor *self,
                                            int                          exit_status,
                                            const char                  *stdout_text,
                                            const char                  *stderr_text)
{
  ScriptedResult *result;
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (NOVA_VOLUME_IS_RECORDING_EXECUTOR (self));

  result = g_new0 (ScriptedResult, 1);
  result->exit_status = exit_status;
  result->stdout_bytes = bytes_from_text (stdout_text);
  result->stderr_bytes = bytes_from_text (stderr_text);

  locker = g_mutex_locker_new (&self->lock);
  g_queue_push_tail (&self->results, result);
}

/* a deep copy of @commands; the caller holds the lock */
static GPtrArray *
copy_commands (GPtrArray *commands)
{
  GPtrArray *copy = g_ptr_array_new_full (commands->len, (GDestroyNotify) g_strfreev);

  for (guint i = 0; i < commands->len; i++)
    g_ptr_array_add (copy, g_strdupv (g_ptr_array_index (commands, i)));
  return copy;
}

GPtrArray *
nova_volume_recording_executor_get_commands (NovaVolumeRecordingExecutor *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_RECORDING_EXECUTOR (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  return copy_commands (self->commands);
}

GPtrArray *
nova_volume_recording_executor_get_unmasked_commands (NovaVolumeRecordingExecutor *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_RECORDING_EXECUTOR (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  return copy_commands (self->unmasked_commands);
}

GStrv
nova_volume_recording_executor_get_command_lines (NovaVolumeRecordingExecutor *self)
{
  GPtrArray *lines;
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (NOVA_VOLUME_IS_RECORDING_EXECUTOR (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  lines = g_ptr_array_new_full (self->commands->len + 1, NULL);
  for (guint i = 0; i < self->commands->len; i++)
    {
      const char *const *argv = g_ptr_array_index (self->commands, i);

      g_ptr_array_add (lines, nova_volume_executor_format_argv (argv));
    }
  g_ptr_array_add (lines, NULL);
  return (GStrv) g_ptr_array_free (lines, FALSE);
}

/* forgets the commands run so far; results queued for the next commands
 * stay queued, they are the script of what comes next */
void
nova_volume_recording_executor_clear (NovaVolumeRecordingExecutor *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (NOVA_VOLUME_IS_RECORDING_EXECUTOR (self));

  locker = g_mutex_locker_new (&self->lock);
  g_ptr_array_set_size (self->commands, 0);
  g_ptr_array_set_size (self->unmasked_commands, 0);
}

void
nova_volume_recording_executor_set_log_path (NovaVolumeRecordingExecutor *self,
                                             const char                  *path)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (NOVA_VOLUME_IS_RECORDING_EXECUTOR (self));

  locker = g_mutex_locker_new (&self->lock);
  g_free (self->log_path);
  self->log_path = (path != NULL && *path != '\0') ? g_strdup (path) : NULL;
}

void
nova_volume_recording_executor_set_responder (NovaVolumeRecordingExecutor *self,
                                              NovaVolumeRecordingResponder responder,
                                              gpointer                     user_data,
                                              GDestroyNotify               destroy)
{
  gpointer old_data;
  GDestroyNotify old_destroy;

  g_return_if_fail (NOVA_VOLUME_IS_RECORDING_EXECUTOR (self));

  g_mutex_lock (&self->lock);
  old_data = self->responder_data;
  old_destroy = self->responder_destroy;
  self->responder = responder;
  self->responder_data = user_data;
  self->responder_destroy = destroy;
  g_mutex_unlock (&self->lock);
  if (old_destroy != NULL)
    old_destroy (old_data);
}
