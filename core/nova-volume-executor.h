/* nova-volume: runs external commands from argv vectors (never a shell),
 * with num_shell_tries attempts and a short back-off. Tests swap in
 * NovaVolumeRecordingExecutor. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Each line a long command writes to stdout ('\r' ends one too, as
 * qemu-img -p writes its progress), without its end. */
typedef void (*NovaVolumeOutputFunc) (const char *line, gpointer data);

#define NOVA_VOLUME_TYPE_EXECUTOR (nova_volume_executor_get_type ())
G_DECLARE_DERIVABLE_TYPE (NovaVolumeExecutor, nova_volume_executor, NOVA_VOLUME, EXECUTOR, GObject)

struct _NovaVolumeExecutorClass {
  GObjectClass parent_class;

  /* One attempt. Returns FALSE only when the command could not be run at
   * all (not found, not executable); a non-zero exit is *out_exit_status.
   * @secrets (NULL-terminated, may be NULL) are strings of @argv that an
   * implementation must not write down anywhere unmasked: pass what it
   * keeps through nova_volume_executor_mask_secrets(). */
  gboolean (*execute_once) (NovaVolumeExecutor  *self,
                            const char *const   *argv,
                            const char *const   *secrets,
                            GBytes              *stdin_bytes,
                            GBytes             **out_stdout,
                            GBytes             **out_stderr,
                            int                 *out_exit_status,
                            GError             **error);
  /* One run of a long command (nova_volume_executor_run_long): the same,
   * with @fds given to the child as 3, 4, ..., stdout handed to
   * @on_output as it comes, and the child killed when @cancellable is. */
  gboolean (*execute_long) (NovaVolumeExecutor      *self,
                            const char *const       *argv,
                            const int               *fds,
                            guint                    n_fds,
                            NovaVolumeOutputFunc     on_output,
                            gpointer                 output_data,
                            GCancellable            *cancellable,
                            GBytes                 **out_stdout,
                            GBytes                 **out_stderr,
                            int                     *out_exit_status,
                            GError                 **error);
  gpointer padding[3];
};

/* @tries: attempts for nova_volume_executor_run (num_shell_tries, >= 1). */
NovaVolumeExecutor *nova_volume_executor_new (guint tries);

void  nova_volume_executor_set_tries      (NovaVolumeExecutor *self, guint tries);
guint nova_volume_executor_get_tries      (NovaVolumeExecutor *self);
/* First back-off in milliseconds (doubles after each failed attempt). */
void  nova_volume_executor_set_backoff_ms (NovaVolumeExecutor *self, guint ms);
guint nova_volume_executor_get_backoff_ms (NovaVolumeExecutor *self);

/* What every secret is shown as. */
#define NOVA_VOLUME_EXECUTOR_MASK "********"

/* Runs @argv until it exits 0, at most `tries` times. Failure is
 * NOVA_VOLUME_ERROR_FAILED: "tgtadm exited with status 22: <stderr>".
 * @stdin_bytes, @out_stdout and @out_stderr may be NULL.
 *
 * @secrets (NULL-terminated, may be NULL) are strings that must never be
 * written down: in every log line, in the error message (the command's
 * name and the end of its stderr or stdout) and in what a recording
 * executor keeps, each occurrence of any of them is replaced by
 * NOVA_VOLUME_EXECUTOR_MASK. The command itself gets them unmasked, and
 * so does the caller in @out_stdout and @out_stderr. */
gboolean nova_volume_executor_run_secret (NovaVolumeExecutor  *self,
                                          const char *const   *argv,
                                          const char *const   *secrets,
                                          GBytes              *stdin_bytes,
                                          char               **out_stdout,
                                          char               **out_stderr,
                                          GError             **error);

/* nova_volume_executor_run_secret() without secrets. */
gboolean nova_volume_executor_run (NovaVolumeExecutor  *self,
                                   const char *const   *argv,
                                   GBytes              *stdin_bytes,
                                   char               **out_stdout,
                                   char               **out_stderr,
                                   GError             **error);

/* One attempt, the exit status returned rather than judged: for callers
 * that tell refusals apart (tgtadm's 22, dog's 2). */
gboolean nova_volume_executor_run_once (NovaVolumeExecutor  *self,
                                        const char *const   *argv,
                                        GBytes              *stdin_bytes,
                                        char               **out_stdout,
                                        char               **out_stderr,
                                        int                 *out_exit_status,
                                        GError             **error);

/* A command that may run long and reads or writes files the caller
 * opened (qemu-img on an image the D-Bus caller passed): one attempt,
 * never retried; @fds (@n_fds of them, the caller keeps its own) are the
 * child's descriptors 3, 4, ... so its argv names them /proc/self/fd/3, ...;
 * stdin is /dev/null. Lines of stdout go to @on_output (may be NULL) as
 * they come, and all of it (up to 1 MiB) to *out_stdout (may be NULL);
 * stderr (up to 64 KiB) to *out_stderr (may be NULL).
 * When @cancellable is cancelled the child is killed and the call fails
 * with G_IO_ERROR_CANCELLED. With @out_exit_status NULL a non-zero exit is
 * an error as for nova_volume_executor_run; otherwise it is returned. */
gboolean nova_volume_executor_run_long (NovaVolumeExecutor    *self,
                                        const char *const     *argv,
                                        const int             *fds,
                                        guint                  n_fds,
                                        NovaVolumeOutputFunc   on_output,
                                        gpointer               output_data,
                                        GCancellable          *cancellable,
                                        char                 **out_stdout,
                                        char                 **out_stderr,
                                        int                   *out_exit_status,
                                        GError               **error);

/* "tgtadm --lld iscsi --op new ..." with arguments quoted where needed,
 * for logs. Never includes stdin. */
char *nova_volume_executor_format_argv (const char *const *argv);

/* @text with every occurrence of each non-empty string of @secrets (may
 * be NULL) replaced by NOVA_VOLUME_EXECUTOR_MASK; where occurrences touch
 * or overlap, the whole stretch is one mask, so no part of a secret is
 * left showing. */
char *nova_volume_executor_mask_secrets (const char *text, const char *const *secrets);
/* A new argv (g_strfreev) with each word masked as above. */
GStrv nova_volume_executor_mask_argv (const char *const *argv, const char *const *secrets);

G_END_DECLS
