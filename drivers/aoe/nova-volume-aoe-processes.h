/* nova-volume: the processes the aoe driver supervises (its vblades),
 * behind virtual methods so its tests can put pretend processes in their
 * place.
 *
 * A process is named by its PID and its start time (field 22 of
 * /proc/<pid>/stat): a PID alone can belong to another process after the
 * first one exited (after a daemon restart, say); the pair cannot. The
 * real class signals through a pidfd opened before the start time is
 * checked, so no PID reuse can slip in between. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* @pid exited. Called on the main context (the global default one). */
typedef void (*NovaAoeExitFunc) (GPid pid, gpointer user_data);

/* Whether a process's command line @argv is the one looked for. */
typedef gboolean (*NovaAoeMatchFunc) (const char *const *argv, gpointer user_data);

#define NOVA_TYPE_AOE_PROCESSES (nova_aoe_processes_get_type ())
G_DECLARE_DERIVABLE_TYPE (NovaAoeProcesses, nova_aoe_processes, NOVA, AOE_PROCESSES, GObject)

struct _NovaAoeProcessesClass {
  GObjectClass parent_class;

  /* Starts @argv (PATH searched) in a session of its own, stdout to
   * /dev/null, stderr shared with the daemon. */
  gboolean (*spawn)      (NovaAoeProcesses *self, const char *const *argv, GPid *out_pid,
                          guint64 *out_start_time, GError **error);
  /* TRUE when @pid is alive (not a zombie) and started at @start_time;
   * @out_argv (may be NULL) gets its command line then. */
  gboolean (*is_running) (NovaAoeProcesses *self, GPid pid, guint64 start_time, GStrv *out_argv);
  /* Sends @signum to @pid if it is still the process started at
   * @start_time; FALSE when it is not (gone, or another process). */
  gboolean (*signal)     (NovaAoeProcesses *self, GPid pid, guint64 start_time, int signum);
  /* A running process (any, not only ours) whose command line @match
   * accepts, and its start time in @out_start_time (may be NULL); 0 when
   * there is none. */
  GPid     (*find)       (NovaAoeProcesses *self, NovaAoeMatchFunc match, gpointer user_data,
                          guint64 *out_start_time);
  /* Calls @func once @pid exited: through a child watch (which reaps it)
   * for @is_child, a process this one started; through a pidfd for a
   * process adopted after a restart. Returns the watch, attached to the
   * main context: unwatch() it when @func is no longer wanted, or
   * g_source_destroy() and g_source_unref() it when nothing is (safe from
   * any thread, also after it fired). */
  GSource *(*watch)      (NovaAoeProcesses *self, GPid pid, gboolean is_child, NovaAoeExitFunc func,
                          gpointer user_data);
  /* Takes @watch's reference: @func is not called any more, and a child
   * is still reaped once it exits (its watch goes then). */
  void     (*unwatch)    (NovaAoeProcesses *self, GSource *watch);

  gpointer padding[8];
};

/* The real ones. */
NovaAoeProcesses *nova_aoe_processes_new (void);

gboolean nova_aoe_processes_spawn      (NovaAoeProcesses *self, const char *const *argv, GPid *out_pid,
                                        guint64 *out_start_time, GError **error);
gboolean nova_aoe_processes_is_running (NovaAoeProcesses *self, GPid pid, guint64 start_time, GStrv *out_argv);
gboolean nova_aoe_processes_signal     (NovaAoeProcesses *self, GPid pid, guint64 start_time, int signum);
GPid     nova_aoe_processes_find       (NovaAoeProcesses *self, NovaAoeMatchFunc match, gpointer user_data,
                                        guint64 *out_start_time);
/* @running (a command line) is @argv, argv[0] by its base name. */
gboolean nova_aoe_processes_same_command (const char *const *running, const char *const *argv);
GSource *nova_aoe_processes_watch      (NovaAoeProcesses *self, GPid pid, gboolean is_child,
                                        NovaAoeExitFunc func, gpointer user_data);
void     nova_aoe_processes_unwatch    (NovaAoeProcesses *self, GSource *watch);

G_END_DECLS
