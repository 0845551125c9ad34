/* nova-volume: real processes for the aoe driver: spawn, /proc, pidfds */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "nova-volume-aoe-processes.h"
#include "nova-volume-error.h"

G_DEFINE_TYPE (NovaAoeProcesses, nova_aoe_processes, G_TYPE_OBJECT)

/* the name of the watches of our children: unwatch keeps them to reap */
#define CHILD_WATCH_NAME "nova-aoe-child-watch"

/* state (field 3) and start time (field 22) from /proc/<pid>/stat; the
 * command name in field 2 may hold spaces and parentheses, so fields are
 * counted from its closing one */
static gboolean
read_stat (GPid pid, char *out_state, guint64 *out_start_time)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *end;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (end = strrchr (text, ')')) == NULL)
    return FALSE;
  fields = g_strsplit (end + 1, " ", 0);
  /* fields[0] is the empty string before the state */
  if (g_strv_length (fields) < 21)
    return FALSE;
  *out_state = fields[1][0];
  *out_start_time = g_ascii_strtoull (fields[20], NULL, 10);
  return TRUE;
}

static GStrv
read_cmdline (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  g_autofree char *text = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gsize len = 0;

  if (!g_file_get_contents (path, &text, &len, NULL))
    return NULL;
  for (gsize i = 0; i < len; i += strlen (text + i) + 1)
    g_strv_builder_add (builder, text + i);
  return g_strv_builder_end (builder);
}

static void
child_setup (gpointer user_data)
{
  /* its own session: a signal to the daemon's process group (a Ctrl-C)
   * is not one to the exports */
  setsid ();
}

static gboolean
real_spawn (NovaAoeProcesses *self, const char *const *argv, GPid *out_pid, guint64 *out_start_time,
            GError **error)
{
  char state;

  if (!g_spawn_async (NULL, (char **) argv, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                      child_setup, NULL, out_pid, error))
    return FALSE;
  /* unreaped, the child's /proc entry stays even if it exited at once.
   * Without its start time it could never be told running again: a
   * second one would be started next to it. Fail instead. */
  if (!read_stat (*out_pid, &state, out_start_time))
    {
      int saved = errno;

      kill (*out_pid, SIGKILL);
      waitpid (*out_pid, NULL, 0);
      g_spawn_close_pid (*out_pid);
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
                   "cannot read /proc/%d/stat of %s just started (%s): it was stopped again, since it "
                   "could not be supervised; is /proc mounted?", (int) *out_pid, argv[0], g_strerror (saved));
      *out_pid = 0;
      return FALSE;
    }
  return TRUE;
}

static gboolean
real_is_running (NovaAoeProcesses *self, GPid pid, guint64 start_time, GStrv *out_argv)
{
  guint64 started = 0;
  char state = 0;

  if (pid <= 0 || !read_stat (pid, &state, &started) || started != start_time || state == 'Z' || state == 'X')
    return FALSE;
  if (out_argv != NULL)
    *out_argv = read_cmdline (pid);
  return TRUE;
}

static gboolean
real_signal (NovaAoeProcesses *self, GPid pid, guint64 start_time, int signum)
{
  int fd = pidfd_open (pid, 0);
  gboolean sent;

  if (fd < 0)
    return FALSE;
  /* the pidfd holds this very process: checked now, it is the one
   * signalled below */
  sent = nova_aoe_processes_is_running (self, pid, start_time, NULL) && pidfd_send_signal (fd, signum, NULL, 0) == 0;
  close (fd);
  return sent;
}

gboolean
nova_aoe_processes_same_command (const char *const *running, const char *const *argv)
{
  g_autofree char *running_name = NULL;
  g_autofree char *name = NULL;

  if (running == NULL || running[0] == NULL || argv[0] == NULL
      || g_strv_length ((GStrv) running) != g_strv_length ((GStrv) argv))
    return FALSE;
  running_name = g_path_get_basename (running[0]);
  name = g_path_get_basename (argv[0]);
  return g_str_equal (running_name, name) && g_strv_equal (running + 1, argv + 1);
}

static GPid
real_find (NovaAoeProcesses *self, NovaAoeMatchFunc match, gpointer user_data, guint64 *out_start_time)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_auto(GStrv) running = NULL;
      char state = 0;
      guint64 started = 0;
      GPid pid;

      if (!g_ascii_isdigit (entry[0]))
        continue;
      pid = (GPid) g_ascii_strtoll (entry, NULL, 10);
      running = read_cmdline (pid);
      if (running != NULL && match ((const char *const *) running, user_data)
          && read_stat (pid, &state, &started) && state != 'Z' && state != 'X')
        {
          if (out_start_time != NULL)
            *out_start_time = started;
          return pid;
        }
    }
  return 0;
}

typedef struct {
  NovaAoeExitFunc func;
  gpointer        user_data;
  GPid            pid;
  int             pidfd;
} Watch;

static void
watch_free (gpointer data)
{
  Watch *watch = data;

  if (watch->pidfd >= 0)
    close (watch->pidfd);
  g_free (watch);
}

static void
child_exited (GPid pid, gint status, gpointer data)
{
  Watch *watch = data;

  g_spawn_close_pid (pid);
  watch->func (pid, watch->user_data);
}

static gboolean
pidfd_readable (gint fd, GIOCondition condition, gpointer data)
{
  Watch *watch = data;

  watch->func (watch->pid, watch->user_data);
  return G_SOURCE_REMOVE;
}

/* gone before it could be watched: said from the main context anyway */
static gboolean
gone_idle (gpointer data)
{
  Watch *watch = data;

  watch->func (watch->pid, watch->user_data);
  return G_SOURCE_REMOVE;
}

static GSource *
real_watch (NovaAoeProcesses *self, GPid pid, gboolean is_child, NovaAoeExitFunc func, gpointer user_data)
{
  Watch *watch = g_new0 (Watch, 1);
  GSource *source;

  watch->func = func;
  watch->user_data = user_data;
  watch->pid = pid;
  watch->pidfd = -1;
  if (is_child)
    {
      source = g_child_watch_source_new (pid);
      g_source_set_name (source, CHILD_WATCH_NAME);
      g_source_set_callback (source, G_SOURCE_FUNC (child_exited), watch, watch_free);
    }
  else if ((watch->pidfd = pidfd_open (pid, 0)) >= 0)
    {
      source = g_unix_fd_source_new (watch->pidfd, G_IO_IN);
      g_source_set_callback (source, G_SOURCE_FUNC (pidfd_readable), watch, watch_free);
    }
  else
    {
      source = g_idle_source_new ();
      g_source_set_callback (source, gone_idle, watch, watch_free);
    }
  g_source_attach (source, NULL);
  return source;
}

static void
reap_only (GPid pid, gint status, gpointer data)
{
  g_spawn_close_pid (pid);
}

static void
real_unwatch (NovaAoeProcesses *self, GSource *watch)
{
  /* a child stays a zombie until reaped: its watch stays attached, calls
   * nobody back, and is freed once it fired (or at once if it has) */
  if (g_strcmp0 (g_source_get_name (watch), CHILD_WATCH_NAME) == 0)
    g_source_set_callback (watch, G_SOURCE_FUNC (reap_only), NULL, NULL);
  else
    g_source_destroy (watch);
  g_source_unref (watch);
}

static void
nova_aoe_processes_class_init (NovaAoeProcessesClass *klass)
{
  klass->spawn = real_spawn;
  klass->is_running = real_is_running;
  klass->signal = real_signal;
  klass->find = real_find;
  klass->watch = real_watch;
  klass->unwatch = real_unwatch;
}

static void
nova_aoe_processes_init (NovaAoeProcesses *self)
{
}

NovaAoeProcesses *
nova_aoe_processes_new (void)
{
  return g_object_new (NOVA_TYPE_AOE_PROCESSES, NULL);
}

gboolean
nova_aoe_processes_spawn (NovaAoeProcesses *self, const char *const *argv, GPid *out_pid, guint64 *out_start_time,
                          GError **error)
{
  return NOVA_AOE_PROCESSES_GET_CLASS (self)->spawn (self, argv, out_pid, out_start_time, error);
}

gboolean
nova_aoe_processes_is_running (NovaAoeProcesses *self, GPid pid, guint64 start_time, GStrv *out_argv)
{
  return NOVA_AOE_PROCESSES_GET_CLASS (self)->is_running (self, pid, start_time, out_argv);
}

gboolean
nova_aoe_processes_signal (NovaAoeProcesses *self, GPid pid, guint64 start_time, int signum)
{
  return NOVA_AOE_PROCESSES_GET_CLASS (self)->signal (self, pid, start_time, signum);
}

GPid
nova_aoe_processes_find (NovaAoeProcesses *self, NovaAoeMatchFunc match, gpointer user_data,
                         guint64 *out_start_time)
{
  return NOVA_AOE_PROCESSES_GET_CLASS (self)->find (self, match, user_data, out_start_time);
}

GSource *
nova_aoe_processes_watch (NovaAoeProcesses *self, GPid pid, gboolean is_child, NovaAoeExitFunc func,
                          gpointer user_data)
{
  return NOVA_AOE_PROCESSES_GET_CLASS (self)->watch (self, pid, is_child, func, user_data);
}

void
nova_aoe_processes_unwatch (NovaAoeProcesses *self, GSource *watch)
{
  NOVA_AOE_PROCESSES_GET_CLASS (self)->unwatch (self, watch);
}
