/* nova-volumectl: the one place where commands call the daemon's methods,
 * and interactive authentication as udisksctl does it. When polkit would
 * let the caller in after authenticating but nobody could be asked (the
 * daemon answers org.openstack.Volume1.Error.NotAuthorizedCanObtain), a
 * person at a terminal gets polkit's text agent for this process and the
 * call is made once more; anyone else gets a message that says what to
 * do. */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

G_BEGIN_DECLS

typedef enum {
  NOVA_CTL_CALL_NONE        = 0,
  /* the user lets polkit ask for a password (no --no-user-interaction) */
  NOVA_CTL_CALL_INTERACTIVE = 1 << 0,
  /* the daemon is the system one, where polkit decides */
  NOVA_CTL_CALL_SYSTEM_BUS  = 1 << 1,
} NovaCtlCallFlags;

/* Calls @method of @proxy's interface and waits for the reply without a
 * timeout (a copy can take long, a person may be typing a password),
 * running the thread-default main context meanwhile, so that signals
 * (a Job's progress) are seen. @parameters may be floating. Returns the
 * reply, or NULL with @error set; a refusal that the caller could have
 * overcome by authenticating comes back as NOVA_VOLUME_ERROR_NOT_AUTHORIZED_CAN_OBTAIN
 * with a message that says how. */
GVariant *nova_ctl_call (GDBusProxy        *proxy,
                         const char        *method,
                         GVariant          *parameters,
                         NovaCtlCallFlags   flags,
                         GError           **error);
/* The same, passing the descriptors of @fd_list (may be NULL) along. */
GVariant *nova_ctl_call_with_fds (GDBusProxy        *proxy,
                                  const char        *method,
                                  GVariant          *parameters,
                                  GUnixFDList       *fd_list,
                                  NovaCtlCallFlags   flags,
                                  GError           **error);

G_END_DECLS
