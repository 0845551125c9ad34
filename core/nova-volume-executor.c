/* nova-volume: runs external commands from argv vectors, never a shell */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nova-volume-error.h"
#include "nova-volume-executor.h"

#define DEFAULT_TRIES      3
#define DEFAULT_BACKOFF_MS 100
/* the doubling stops here: a stuck target daemon should not hold a worker
 * thread for minutes between attempts */
#define MAX_BACKOFF_MS     10000
/* how much of a failed command's stderr goes into the error message */
#define STDERR_TAIL_CHARS  1000

typedef struct {
  /* read by worker threads while the main thread may set them */
  gint tries;
  gint backoff_ms;
} NovaVolumeExecutorPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (NovaVolumeExecutor, nova_volume_executor, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TRIES,
  PROP_BACKOFF_MS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static gboolean
nova_volume_executor_real_execute_once (NovaVolumeExecutor  *self,
                                        const char *const   *argv,
                                        const char *const   *secrets,
                                        GBytes              *stdin_bytes,
                                        GBytes             **out_stdout,
                                        GBytes             **out_stderr,
                                        int                 *out_exit_status,
                                        GError             **error)
{
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) stdout_bytes = NULL;
  g_autoptr(GBytes) stderr_bytes = NULL;

  /* without a pipe GSubprocess gives the child /dev/null, never the
   * daemon's own stdin */
  if (stdin_bytes != NULL)
    flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;

  /* argv straight to execve (searching PATH): no shell ever parses it */
  process = g_subprocess_newv (argv, flags, error);
  if (process == NULL)
    return FALSE;

  if (!g_subprocess_communicate (process, stdin_bytes, NULL, &stdout_bytes, &stderr_bytes, error))
    {
      /* the pipes broke: do not leave the child behind */
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      return FALSE;
    }

  if (g_subprocess_get_if_exited (process))
    *out_exit_status = g_subprocess_get_exit_status (process);
  else if (g_subprocess_get_if_signaled (process))
    *out_exit_status = 128 + g_subprocess_get_term_sig (process); /* as a shell reports it */
  else
    *out_exit_status = 255;

  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&stdout_bytes);
  if (out_stderr != NULL)
    *out_stderr = g_steal_pointer (&stderr_bytes);
  return TRUE;
}

/* the most of a long command's stdout kept for the caller */
#define LONG_OUTPUT_MAX (1024 * 1024)
/* and of its stderr, for the error message */
#define STDERR_KEEP (64 * 1024)

/* hands each complete line of @pending to @on_output and keeps the rest */
static void
emit_lines (GString *pending, NovaVolumeOutputFunc on_output, gpointer data)
{
  gsize start = 0;

  for (gsize i = 0; i < pending->len; i++)
    if (pending->str[i] == '\n' || pending->str[i] == '\r')
      {
        g_autofree char *line = g_strndup (pending->str + start, i - start);

        if (on_output != NULL && *line != '\0')
          on_output (line, data);
        start = i + 1;
      }
  g_string_erase (pending, 0, (gssize) start);
}

static gboolean
nova_volume_executor_real_execute_long (NovaVolumeExecutor      *self,
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
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GString) output = g_string_new (NULL);
  g_autoptr(GString) pending = g_string_new (NULL);
  g_autoptr(GError) read_error = NULL;
  g_autofree char *err_text = NULL;
  GInputStream *out;
  int err_fd;
  char buf[4096];
  gssize n;

  /* stderr into memory the child cannot block on (stdout is read as it
   * comes; a second pipe could fill while nobody reads it) */
  err_fd = memfd_create ("nova-volume-stderr", MFD_CLOEXEC);
  if (err_fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "memfd_create: %s", g_strerror (saved));
      return FALSE;
    }
  g_subprocess_launcher_take_stderr_fd (launcher, fcntl (err_fd, F_DUPFD_CLOEXEC, 3));
  for (guint i = 0; i < n_fds; i++)
    g_subprocess_launcher_take_fd (launcher, fcntl (fds[i], F_DUPFD_CLOEXEC, 3), (int) (3 + i));

  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    {
      close (err_fd);
      return FALSE;
    }
  out = g_subprocess_get_stdout_pipe (process);
  while ((n = g_input_stream_read (out, buf, sizeof buf, cancellable, &read_error)) > 0)
    {
      if (output->len < LONG_OUTPUT_MAX)
        g_string_append_len (output, buf, MIN ((gsize) n, LONG_OUTPUT_MAX - output->len));
      g_string_append_len (pending, buf, n);
      emit_lines (pending, on_output, output_data);
    }
  if (read_error != NULL)
    {
      /* cancelled, or the pipe broke: the child does not outlive the call */
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      close (err_fd);
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }
  g_string_append_c (pending, '\n');
  emit_lines (pending, on_output, output_data);
  g_subprocess_wait (process, NULL, NULL);

  if (g_subprocess_get_if_exited (process))
    *out_exit_status = g_subprocess_get_exit_status (process);
  else if (g_subprocess_get_if_signaled (process))
    *out_exit_status = 128 + g_subprocess_get_term_sig (process);
  else
    *out_exit_status = 255;

  err_text = g_malloc0 (STDERR_KEEP + 1);
  n = pread (err_fd, err_text, STDERR_KEEP, 0);
  close (err_fd);
  *out_stderr = g_bytes_new (err_text, n > 0 ? (gsize) n : 0);
  *out_stdout = g_bytes_new (output->str, output->len);
  return TRUE;
}

static void
nova_volume_executor_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  NovaVolumeExecutor *self = NOVA_VOLUME_EXECUTOR (object);
  NovaVolumeExecutorPrivate *priv = nova_volume_executor_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_TRIES:
      g_value_set_uint (value, (guint) g_atomic_int_get (&priv->tries));
      break;
    case PROP_BACKOFF_MS:
      g_value_set_uint (value, (guint) g_atomic_int_get (&priv->backoff_ms));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
nova_volume_executor_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  NovaVolumeExecutor *self = NOVA_VOLUME_EXECUTOR (object);

  switch (prop_id)
    {
    case PROP_TRIES:
      nova_volume_executor_set_tries (self, g_value_get_uint (value));
      break;
    case PROP_BACKOFF_MS:
      nova_volume_executor_set_backoff_ms (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
nova_volume_executor_class_init (NovaVolumeExecutorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = nova_volume_executor_get_property;
  object_class->set_property = nova_volume_executor_set_property;
  klass->execute_once = nova_volume_executor_real_execute_once;
  klass->execute_long = nova_volume_executor_real_execute_long;

  props[PROP_TRIES] =
    g_param_spec_uint ("tries", NULL, NULL,
                       1, G_MAXINT, DEFAULT_TRIES,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  props[PROP_BACKOFF_MS] =
    g_param_spec_uint ("backoff-ms", NULL, NULL,
                       0, MAX_BACKOFF_MS, DEFAULT_BACKOFF_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  /* not G_PARAM_CONSTRUCT: a subclass sets its own defaults in _init,
   * which runs before construct properties would overwrite them */
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
nova_volume_executor_init (NovaVolumeExecutor *self)
{
  NovaVolumeExecutorPrivate *priv = nova_volume_executor_get_instance_private (self);

  priv->tries = DEFAULT_TRIES;
  priv->backoff_ms = DEFAULT_BACKOFF_MS;
}

NovaVolumeExecutor *
nova_volume_executor_new (guint tries)
{
  g_return_val_if_fail (tries >= 1, NULL);
  return g_object_new (NOVA_VOLUME_TYPE_EXECUTOR, "tries", tries, NULL);
}

void
nova_volume_executor_set_tries (NovaVolumeExecutor *self, guint tries)
{
  NovaVolumeExecutorPrivate *priv;

  g_return_if_fail (NOVA_VOLUME_IS_EXECUTOR (self));
  g_return_if_fail (tries >= 1 && tries <= G_MAXINT);

  priv = nova_volume_executor_get_instance_private (self);
  g_atomic_int_set (&priv->tries, (gint) tries);
}

guint
nova_volume_executor_get_tries (NovaVolumeExecutor *self)
{
  NovaVolumeExecutorPrivate *priv;

  g_return_val_if_fail (NOVA_VOLUME_IS_EXECUTOR (self), 0);

  priv = nova_volume_executor_get_instance_private (self);
  return (guint) g_atomic_int_get (&priv->tries);
}

void
nova_volume_executor_set_backoff_ms (NovaVolumeExecutor *self, guint ms)
{
  NovaVolumeExecutorPrivate *priv;

  g_return_if_fail (NOVA_VOLUME_IS_EXECUTOR (self));

  priv = nova_volume_executor_get_instance_private (self);
  g_atomic_int_set (&priv->backoff_ms, (gint) MIN (ms, MAX_BACKOFF_MS));
}

guint
nova_volume_executor_get_backoff_ms (NovaVolumeExecutor *self)
{
  NovaVolumeExecutorPrivate *priv;

  g_return_val_if_fail (NOVA_VOLUME_IS_EXECUTOR (self), 0);

  priv = nova_volume_executor_get_instance_private (self);
  return (guint) g_atomic_int_get (&priv->backoff_ms);
}

/* safe to show unquoted: what a shell would not treat specially */
static gboolean
needs_quoting (const char *arg)
{
  if (*arg == '\0')
    return TRUE;
  for (const char *p = arg; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_./:=,+@%^", *p) == NULL)
      return TRUE;
  return FALSE;
}

char *
nova_volume_executor_format_argv (const char *const *argv)
{
  g_autoptr(GString) line = g_string_new (NULL);

  g_return_val_if_fail (argv != NULL, NULL);

  for (gsize i = 0; argv[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (line, ' ');
      if (needs_quoting (argv[i]))
        {
          g_autofree char *quoted = g_shell_quote (argv[i]);

          g_string_append (line, quoted);
        }
      else
        {
          g_string_append (line, argv[i]);
        }
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

char *
nova_volume_executor_mask_secrets (const char *text, const char *const *secrets)
{
  gsize len;
  g_autofree guint8 *hidden = NULL;
  g_autoptr(GString) out = NULL;
  gboolean any = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  if (secrets == NULL)
    return g_strdup (text);

  /* first every byte that belongs to some occurrence, overlapping ones
   * included, then each run of such bytes becomes one mask: replacing one
   * secret after the other could cut another one in half and leave the
   * rest of it readable */
  len = strlen (text);
  hidden = g_malloc0 (len + 1);
  for (gsize i = 0; secrets[i] != NULL; i++)
    {
      gsize secret_len = strlen (secrets[i]);

      if (secret_len == 0)
        continue;
      for (const char *p = text; (p = strstr (p, secrets[i])) != NULL; p++)
        {
          memset (hidden + (p - text), 1, secret_len);
          any = TRUE;
        }
    }
  if (!any)
    return g_strdup (text);

  out = g_string_sized_new (len);
  for (gsize i = 0; i < len; i++)
    {
      if (!hidden[i])
        g_string_append_c (out, text[i]);
      else if (i == 0 || !hidden[i - 1])
        g_string_append (out, NOVA_VOLUME_EXECUTOR_MASK);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

GStrv
nova_volume_executor_mask_argv (const char *const *argv, const char *const *secrets)
{
  gsize n;
  GStrv masked;

  g_return_val_if_fail (argv != NULL, NULL);

  n = g_strv_length ((GStrv) argv);
  masked = g_new0 (char *, n + 1);
  for (gsize i = 0; i < n; i++)
    masked[i] = nova_volume_executor_mask_secrets (argv[i], secrets);
  return masked;
}

/* a NUL-terminated copy of @bytes (NULL: empty), for the char ** outputs */
static char *
bytes_to_string (GBytes *bytes)
{
  gsize size = 0;
  const char *data;

  if (bytes == NULL)
    return g_strdup ("");
  data = g_bytes_get_data (bytes, &size);
  return g_strndup (data != NULL ? data : "", size);
}

/* the end of a command's stderr, where the reason usually is: secrets
 * masked (before it is cut, so that no half secret is left at the cut),
 * whitespace trimmed, at most STDERR_TAIL_CHARS characters, valid UTF-8
 * (it goes into a D-Bus error message) */
static char *
output_tail (GBytes *bytes, const char *const *secrets)
{
  g_autofree char *text = bytes_to_string (bytes);
  g_autofree char *masked = nova_volume_executor_mask_secrets (text, secrets);
  g_autofree char *valid = g_utf8_make_valid (g_strstrip (masked), -1);
  glong len = g_utf8_strlen (valid, -1);

  if (len <= STDERR_TAIL_CHARS)
    return g_steal_pointer (&valid);
  return g_strconcat ("...", g_utf8_offset_to_pointer (valid, len - STDERR_TAIL_CHARS), NULL);
}

/* one attempt through the class, a spawn failure reworded as ours (and
 * masked: the spawn error may quote the program's path) */
static gboolean
execute_once (NovaVolumeExecutor  *self,
              const char *const   *argv,
              const char *const   *secrets,
              const char *const   *masked_argv,
              GBytes              *stdin_bytes,
              GBytes             **out_stdout,
              GBytes             **out_stderr,
              int                 *out_exit_status,
              GError             **error)
{
  NovaVolumeExecutorClass *klass = NOVA_VOLUME_EXECUTOR_GET_CLASS (self);
  g_autoptr(GError) local_error = NULL;
  int status = 255;

  if (!klass->execute_once (self, argv, secrets, stdin_bytes, out_stdout, out_stderr, &status,
                            &local_error))
    {
      g_autofree char *reason =
        nova_volume_executor_mask_secrets (local_error != NULL ? local_error->message : "unknown error",
                                           secrets);

      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "cannot run %s: %s", masked_argv[0], reason);
      return FALSE;
    }
  *out_exit_status = status;
  return TRUE;
}

gboolean
nova_volume_executor_run (NovaVolumeExecutor  *self,
                          const char *const   *argv,
                          GBytes              *stdin_bytes,
                          char               **out_stdout,
                          char               **out_stderr,
                          GError             **error)
{
  return nova_volume_executor_run_secret (self, argv, NULL, stdin_bytes, out_stdout, out_stderr, error);
}

gboolean
nova_volume_executor_run_secret (NovaVolumeExecutor  *self,
                                 const char *const   *argv,
                                 const char *const   *secrets,
                                 GBytes              *stdin_bytes,
                                 char               **out_stdout,
                                 char               **out_stderr,
                                 GError             **error)
{
  NovaVolumeExecutorPrivate *priv;
  g_auto(GStrv) masked_argv = NULL;
  g_autofree char *line = NULL;
  guint tries;
  guint backoff_ms;

  g_return_val_if_fail (NOVA_VOLUME_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = nova_volume_executor_get_instance_private (self);
  tries = (guint) g_atomic_int_get (&priv->tries);
  backoff_ms = (guint) g_atomic_int_get (&priv->backoff_ms);
  /* from here on only the masked words are shown anywhere */
  masked_argv = nova_volume_executor_mask_argv (argv, secrets);
  line = nova_volume_executor_format_argv ((const char *const *) masked_argv);

  for (guint attempt = 1; ; attempt++)
    {
      g_autoptr(GBytes) stdout_bytes = NULL;
      g_autoptr(GBytes) stderr_bytes = NULL;
      g_autofree char *tail = NULL;
      int status = 255;

      g_debug ("running %s (attempt %u of %u)", line, attempt, tries);

      /* not found or not executable will not get better by retrying */
      if (!execute_once (self, argv, secrets, (const char *const *) masked_argv, stdin_bytes,
                         &stdout_bytes, &stderr_bytes, &status, error))
        return FALSE;

      if (status == 0)
        {
          if (out_stdout != NULL)
            *out_stdout = bytes_to_string (stdout_bytes);
          if (out_stderr != NULL)
            *out_stderr = bytes_to_string (stderr_bytes);
          return TRUE;
        }

      tail = output_tail (stderr_bytes, secrets);
      /* some tools (tgtadm among them) explain themselves on stdout */
      if (*tail == '\0')
        {
          g_free (tail);
          tail = output_tail (stdout_bytes, secrets);
        }

      if (attempt >= tries)
        {
          g_message ("%s failed with status %d after %u attempt%s%s%s",
                     line, status, attempt, attempt == 1 ? "" : "s",
                     *tail != '\0' ? ": " : "", tail);
          if (*tail == '\0')
            g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                         "%s exited with status %d", masked_argv[0], status);
          else
            g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                         "%s exited with status %d: %s", masked_argv[0], status, tail);
          return FALSE;
        }

      g_message ("%s failed with status %d (attempt %u of %u, retrying in %u ms)%s%s",
                 line, status, attempt, tries, backoff_ms,
                 *tail != '\0' ? ": " : "", tail);
      g_usleep ((gulong) backoff_ms * G_TIME_SPAN_MILLISECOND);
      backoff_ms = MIN (backoff_ms * 2, MAX_BACKOFF_MS);
    }
}

gboolean
nova_volume_executor_run_once (NovaVolumeExecutor  *self,
                               const char *const   *argv,
                               GBytes              *stdin_bytes,
                               char               **out_stdout,
                               char               **out_stderr,
                               int                 *out_exit_status,
                               GError             **error)
{
  g_autoptr(GBytes) stdout_bytes = NULL;
  g_autoptr(GBytes) stderr_bytes = NULL;
  g_autofree char *line = NULL;
  int status = 255;

  g_return_val_if_fail (NOVA_VOLUME_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  line = nova_volume_executor_format_argv (argv);
  g_debug ("running %s (once)", line);
  if (!execute_once (self, argv, NULL, argv, stdin_bytes, &stdout_bytes, &stderr_bytes, &status, error))
    return FALSE;
  g_debug ("%s exited with status %d", line, status);

  if (out_stdout != NULL)
    *out_stdout = bytes_to_string (stdout_bytes);
  if (out_stderr != NULL)
    *out_stderr = bytes_to_string (stderr_bytes);
  if (out_exit_status != NULL)
    *out_exit_status = status;
  return TRUE;
}

gboolean
nova_volume_executor_run_long (NovaVolumeExecutor    *self,
                               const char *const     *argv,
                               const int             *fds,
                               guint                  n_fds,
                               NovaVolumeOutputFunc   on_output,
                               gpointer               output_data,
                               GCancellable          *cancellable,
                               char                 **out_stdout,
                               char                 **out_stderr,
                               int                   *out_exit_status,
                               GError               **error)
{
  NovaVolumeExecutorClass *klass;
  g_autoptr(GBytes) stdout_bytes = NULL;
  g_autoptr(GBytes) stderr_bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *line = NULL;
  int status = 255;

  g_return_val_if_fail (NOVA_VOLUME_IS_EXECUTOR (self), FALSE);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);
  g_return_val_if_fail (n_fds == 0 || fds != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  klass = NOVA_VOLUME_EXECUTOR_GET_CLASS (self);
  line = nova_volume_executor_format_argv (argv);
  g_debug ("running %s (long, %u descriptors)", line, n_fds);
  if (!klass->execute_long (self, argv, fds, n_fds, on_output, output_data, cancellable,
                            &stdout_bytes, &stderr_bytes, &status, &local_error))
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                     "cannot run %s: %s", argv[0], local_error->message);
      return FALSE;
    }
  g_debug ("%s exited with status %d", line, status);
  if (out_exit_status != NULL)
    *out_exit_status = status;
  else if (status != 0)
    {
      g_autofree char *tail = output_tail (stderr_bytes, NULL);

      if (*tail == '\0')
        {
          g_free (tail);
          tail = output_tail (stdout_bytes, NULL);
        }
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "%s exited with status %d%s%s", argv[0], status, *tail != '\0' ? ": " : "", tail);
      return FALSE;
    }
  if (out_stdout != NULL)
    *out_stdout = bytes_to_string (stdout_bytes);
  if (out_stderr != NULL)
    *out_stderr = bytes_to_string (stderr_bytes);
  return TRUE;
}
