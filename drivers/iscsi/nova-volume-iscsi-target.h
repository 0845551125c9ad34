/* nova-volume: iSCSI target helpers (the seed's TargetAdmin; Cinder's
 * tgtadm and lioadm). A helper makes one block device or file reachable
 * as one iSCSI target with one LUN, CHAP on it, and access only for the
 * initiators it is told to allow. The lvm-iscsi driver owns the numbers
 * and names (allocated in the store); a helper only carries them out.
 *
 * Every operation is idempotent: ensure_export on an export that exists
 * changes nothing, remove_export on one that is gone succeeds, allowing an
 * allowed initiator again is a success. That is what init_host's
 * ensure_export after a reboot (the target daemon restarted empty) and a
 * retried remove after a crash need. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  const char *iqn;          /* target name: iscsi_target_prefix + volume name */
  guint       tid;          /* target number, 1..iscsi_num_targets (tgt's tid) */
  const char *backing_path; /* the logical volume's /dev path, or a file */
  const char *chap_user;    /* NULL: no CHAP (never in production) */
  const char *chap_secret;  /* never logged: pass it as a secret */
} NovaIscsiExport;

#define NOVA_TYPE_ISCSI_TARGET (nova_iscsi_target_get_type ())
G_DECLARE_INTERFACE (NovaIscsiTarget, nova_iscsi_target, NOVA, ISCSI_TARGET, GObject)

struct _NovaIscsiTargetInterface {
  GTypeInterface parent_iface;

  /* The LUN a host logs into (tgt: 1, LUN 0 being its controller; LIO: 0). */
  guint    (*get_lun)          (NovaIscsiTarget *self);
  /* Creates what is missing of the target, its LUN and its CHAP account;
   * no initiator is allowed yet (with no rule every login is refused). */
  gboolean (*ensure_export)    (NovaIscsiTarget *self, const NovaIscsiExport *export, GError **error);
  /* Removes the target with its LUN, rules and account. */
  gboolean (*remove_export)    (NovaIscsiTarget *self, const NovaIscsiExport *export, GError **error);
  /* Lets exactly @initiator (an IQN) log in; never ALL or an address rule,
   * which would switch the name check off. */
  gboolean (*allow_initiator)  (NovaIscsiTarget *self, const NovaIscsiExport *export, const char *initiator,
                                GError **error);
  gboolean (*deny_initiator)   (NovaIscsiTarget *self, const NovaIscsiExport *export, const char *initiator,
                                GError **error);
  /* Whether the target exists with its LUN (CheckForExport). */
  gboolean (*export_exists)    (NovaIscsiTarget *self, const NovaIscsiExport *export, gboolean *out_exists,
                                GError **error);
  /* The backing device grew: the LUN reports the new size to a host
   * that rescans, its sessions and rules kept. NULL: the target follows
   * the device by itself (LIO's iblock). */
  gboolean (*refresh_size)     (NovaIscsiTarget *self, const NovaIscsiExport *export, GError **error);
  /* @initiator, allowed already, may only read (@read_only) or may write
   * again. NULL: the target cannot hold one initiator to reading (tgt:
   * one LUN for all of them). */
  gboolean (*set_read_only)    (NovaIscsiTarget *self, const NovaIscsiExport *export, const char *initiator,
                                gboolean read_only, GError **error);
};

guint    nova_iscsi_target_get_lun         (NovaIscsiTarget *self);
gboolean nova_iscsi_target_ensure_export   (NovaIscsiTarget *self, const NovaIscsiExport *export, GError **error);
gboolean nova_iscsi_target_remove_export   (NovaIscsiTarget *self, const NovaIscsiExport *export, GError **error);
gboolean nova_iscsi_target_allow_initiator (NovaIscsiTarget *self, const NovaIscsiExport *export,
                                            const char *initiator, GError **error);
gboolean nova_iscsi_target_deny_initiator  (NovaIscsiTarget *self, const NovaIscsiExport *export,
                                            const char *initiator, GError **error);
gboolean nova_iscsi_target_export_exists   (NovaIscsiTarget *self, const NovaIscsiExport *export,
                                            gboolean *out_exists, GError **error);
gboolean nova_iscsi_target_refresh_size    (NovaIscsiTarget *self, const NovaIscsiExport *export, GError **error);
/* NotSupported for @read_only where the target has no set_read_only;
 * nothing to do for read-write there. */
gboolean nova_iscsi_target_set_read_only   (NovaIscsiTarget *self, const NovaIscsiExport *export,
                                            const char *initiator, gboolean read_only, GError **error);

G_END_DECLS
