/* nova-volume: the tgtadm target helper (iscsi_helper = tgtadm). Drives a
 * running tgtd, the userspace iSCSI target, through tgtadm: one target per
 * volume with LUN 1 on the backing device, the volume's CHAP account bound
 * to it, and one ACL rule per allowed initiator name.
 *
 * Every operation first reads tgtd's state (`--op show`) and changes only
 * what differs, so each is idempotent, and it never touches a target whose
 * name is not the one it was given: a tgtd shared with targets of
 * /etc/tgt/conf.d is safe. tgtadm's refusals (exit 22) are told apart by
 * their stderr; exit 107 (tgtd unreachable) is retried num_shell_tries
 * times. The CHAP secret reaches tgtadm's argv and nothing else: it goes
 * to the executor as a secret, masked in its logs and errors. */
#pragma once

#include "nova-volume-executor.h"
#include "nova-volume-iscsi-target.h"

G_BEGIN_DECLS

/* tgt's LUN 0 is its controller; the volume is LUN 1 */
#define NOVA_ISCSI_TGTADM_LUN 1

#define NOVA_TYPE_ISCSI_TGTADM (nova_iscsi_tgtadm_get_type ())
G_DECLARE_FINAL_TYPE (NovaIscsiTgtadm, nova_iscsi_tgtadm, NOVA, ISCSI_TGTADM, GObject)

/* @executor runs tgtadm (a recording one in tests); @control is tgtadm's
 * `-C` value (the control port N of `tgtd -C N`, socket
 * /run/tgtd/socket.N), NULL for tgtd's default socket. */
NovaIscsiTarget *nova_iscsi_tgtadm_new (NovaVolumeExecutor *executor, const char *control);

G_END_DECLS
