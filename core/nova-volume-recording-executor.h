/* nova-volume: an executor that records argv instead of running it (the
 * seed's FakeISCSIDriver fake_execute) and answers from a script. */
#pragma once

#include "nova-volume-executor.h"

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_RECORDING_EXECUTOR (nova_volume_recording_executor_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeRecordingExecutor, nova_volume_recording_executor,
                      NOVA_VOLUME, RECORDING_EXECUTOR, NovaVolumeExecutor)

NovaVolumeRecordingExecutor *nova_volume_recording_executor_new (void);

/* Queues the answer for the next command: exit status and output. With an
 * empty queue a command gets the responder's answer, or else succeeds
 * with no output. Thread-safe. */
void nova_volume_recording_executor_push_result (NovaVolumeRecordingExecutor *self,
                                                 int                          exit_status,
                                                 const char                  *stdout_text,
                                                 const char                  *stderr_text);

/* Answers a command for which no result was queued: returns TRUE and sets
 * *out_exit_status, *out_stdout and *out_stderr (each string may be left
 * NULL for none) when it knows the command, FALSE to let it succeed with
 * no output. @argv is the recorded one, secrets masked. Called in command
 * order with the executor's lock held: it must not call the executor. */
typedef gboolean (*NovaVolumeRecordingResponder) (const char *const *argv,
                                                  int               *out_exit_status,
                                                  char             **out_stdout,
                                                  char             **out_stderr,
                                                  gpointer           user_data);

/* Puts @responder (NULL: none) behind the queue of scripted results, for
 * a fake of the program the commands talk to (the fake driver's tgtd).
 * @destroy frees @user_data when the responder is replaced or the
 * executor finalized. */
void nova_volume_recording_executor_set_responder (NovaVolumeRecordingExecutor *self,
                                                   NovaVolumeRecordingResponder responder,
                                                   gpointer                     user_data,
                                                   GDestroyNotify               destroy);

/* A copy of every argv run so far, in order: a GPtrArray of GStrv. The
 * secrets given to nova_volume_executor_run_secret() are masked here, as
 * in everything else this executor keeps. */
GPtrArray *nova_volume_recording_executor_get_commands (NovaVolumeRecordingExecutor *self);
/* The same, each formatted with nova_volume_executor_format_argv. */
GStrv nova_volume_recording_executor_get_command_lines (NovaVolumeRecordingExecutor *self);
/* The argvs exactly as they were given, secrets included: only for tests
 * that check what a real command would have received. */
GPtrArray *nova_volume_recording_executor_get_unmasked_commands (NovaVolumeRecordingExecutor *self);
void nova_volume_recording_executor_clear (NovaVolumeRecordingExecutor *self);

/* When set, every command line (secrets masked) is also appended to this
 * file, one a line (the fake driver's fake_command_log), so a test
 * outside the process can read it. */
void nova_volume_recording_executor_set_log_path (NovaVolumeRecordingExecutor *self,
                                                  const char                  *path);

G_END_DECLS
