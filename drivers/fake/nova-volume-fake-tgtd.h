/* nova-volume: a tgtd kept in memory that answers tgtadm's command lines,
 * for the fake driver (and tests) whose recording executor never runs
 * tgtadm. Behind nova_volume_recording_executor_set_responder it turns
 * the executor into a tgtd the tgtadm helper can talk to: `--op show`
 * prints what the commands before it made, in tgtadm's format, and every
 * change is refused (exit 22, tgtadm's words on stderr) where tgtd
 * refuses it. So the helper takes the same paths as against a real tgtd,
 * and the commands it records are the ones it would run there.
 *
 * What it keeps: targets (number, name, LUN 0 the controller, the LUNs
 * added, the CHAP accounts bound, the ACL rules) and the accounts (never
 * a password: it only ever sees the masked argv). It does not model
 * sessions, so --force changes nothing, nor tgtd being unreachable (a
 * test scripts that). It starts empty, as tgtd after a restart. */
#pragma once

#include "nova-volume-recording-executor.h"

G_BEGIN_DECLS

typedef struct _NovaIscsiFakeTgtd NovaIscsiFakeTgtd;

NovaIscsiFakeTgtd *nova_iscsi_fake_tgtd_new  (void);
void               nova_iscsi_fake_tgtd_free (NovaIscsiFakeTgtd *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaIscsiFakeTgtd, nova_iscsi_fake_tgtd_free)

/* A NovaVolumeRecordingResponder (@fake_tgtd is the NovaIscsiFakeTgtd):
 * answers an argv that starts with "tgtadm" as tgtd would, and leaves
 * every other command alone (FALSE). Thread-safe. */
gboolean nova_iscsi_fake_tgtd_answer (const char *const *argv, int *out_exit_status, char **out_stdout,
                                      char **out_stderr, gpointer fake_tgtd);

/* Puts a new, empty fake tgtd behind @executor's script; the executor
 * owns it. */
void nova_iscsi_fake_tgtd_attach (NovaVolumeRecordingExecutor *executor);

/* tgtd's targets, one line each, ordered by number, for tests:
 * "<tid> <name> luns=<lun>:<path>,... accounts=<user>,... acls=<rule>,..." */
GStrv nova_iscsi_fake_tgtd_describe (NovaIscsiFakeTgtd *self);

G_END_DECLS
