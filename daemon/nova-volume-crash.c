/* nova-volume: named crash points; built only with -Dcrash_points=true. */
#include "config.h"

#include "nova-volume-crash.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
nova_volume_crash_point (const char *name)
{
  static gsize initialized;
  static const char *crash_at;
  static const char *hang_at;
  static const char *trace_path;

  if (g_once_init_enter (&initialized))
    {
      crash_at = g_getenv ("NOVA_VOLUME_CRASH_AT");
      hang_at = g_getenv ("NOVA_VOLUME_HANG_AT");
      trace_path = g_getenv ("NOVA_VOLUME_CRASH_TRACE");
      g_once_init_leave (&initialized, 1);
    }

  if (trace_path != NULL)
    {
      g_autofree char *line = g_strconcat (name, "\n", NULL);
      int fd = open (trace_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

      /* one write with O_APPEND: lines from two threads do not interleave */
      if (fd >= 0)
        {
          if (write (fd, line, strlen (line)) < 0)
            g_debug ("cannot trace crash point %s: %s", name, g_strerror (errno));
          close (fd);
        }
    }

  if (hang_at != NULL && strcmp (hang_at, name) == 0)
    {
      static const char message[] = "nova-volumed: hang point reached: blocking for good\n";

      if (write (STDERR_FILENO, message, sizeof message - 1) < 0)
        {
          /* nothing to do: the message is for the test's log only */
        }
      for (;;)
        pause ();
    }

  if (crash_at != NULL && strcmp (crash_at, name) == 0)
    {
      /* as a power cut or the OOM killer would: no cleanup, no flush */
      static const char message[] = "nova-volumed: crash point reached: SIGKILL\n";

      if (write (STDERR_FILENO, message, sizeof message - 1) < 0)
        {
          /* nothing to do: we die either way */
        }
      kill (getpid (), SIGKILL);
    }
}

/* NOVA_VOLUME_FAIL_AT=NAME fails every pass at NAME; NAME#N only the
 * N-th (a point two steps of one operation share) */
gboolean
nova_volume_fail_point (const char *name)
{
  static gint passes;
  const char *fail_at = g_getenv ("NOVA_VOLUME_FAIL_AT");
  const char *hash;
  gsize len;

  if (fail_at == NULL)
    return FALSE;
  hash = strchr (fail_at, '#');
  len = hash != NULL ? (gsize) (hash - fail_at) : strlen (fail_at);
  if (strlen (name) != len || strncmp (fail_at, name, len) != 0)
    return FALSE;
  if (hash == NULL)
    return TRUE;
  return g_atomic_int_add (&passes, 1) + 1 == atoi (hash + 1);
}
