/* nova-volumectl: a progress bar on stderr for the Job our own call
 * starts. The daemon shows a long copy as an org.openstack.Volume1.Job
 * whose StartedBy is the caller's unique bus name; watching the object
 * manager for it from before the call, we find exactly our job, not one
 * another client started on the same volume. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _NovaCtlProgress NovaCtlProgress;

/* Whether a bar can be shown at all: stderr is a terminal. */
gboolean nova_ctl_progress_possible (void);

/* Starts watching @manager (a client whose signals are dispatched on the
 * thread-default main context: the bar moves while that context runs) for
 * a Job started by @manager's own connection that works on @object_path
 * (NULL: whatever it works on, for a create whose volume has no path yet)
 * and, unless @operation is NULL, runs @operation. Create it before the
 * call that starts the job. */
NovaCtlProgress *nova_ctl_progress_new (GDBusObjectManager *manager,
                                        const char         *operation,
                                        const char         *object_path);

/* Stops watching; ends the bar's line if one was drawn, so that what
 * follows starts on a line of its own. */
void nova_ctl_progress_free (NovaCtlProgress *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NovaCtlProgress, nova_ctl_progress_free)

G_END_DECLS
