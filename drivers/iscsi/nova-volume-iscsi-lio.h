/* nova-volume: the lioadm target helper. It drives the kernel's LIO
 * target by writing its configfs tree directly, as rtslib does, with no
 * program started per call (targetcli costs seconds a call and wants a
 * system bus).
 *
 * One export is, below <configfs-root>/target:
 *
 *   core/iblock_<tid>/<name>              the backstore: control
 *                                         "udev_path=<device>", enable 1,
 *                                         wwn/vpd_unit_serial
 *   iscsi/<iqn>/tpgt_1                    the portal group: attrib/...,
 *                                         enable 1
 *   iscsi/<iqn>/tpgt_1/lun/lun_0/<name>   symlink to the backstore
 *   iscsi/<iqn>/tpgt_1/np/<ip>:<port>     the portal
 *   iscsi/<iqn>/tpgt_1/acls/<initiator>   one node ACL per allowed host:
 *                                         auth/userid, auth/password,
 *                                         lun_0/tpg_lun_0 -> lun/lun_0
 *
 * <name> is the volume name, the part of the IQN after its last ':'
 * (the whole IQN when it has none). An existing backstore of that name
 * under any core/iblock_* is used, wherever it is.
 *
 * Every filesystem access goes through one seam: in a plain directory
 * standing in for configfs (nova_iscsi_lio_set_stand_in) the seam makes
 * what the kernel makes by itself, and it can record every change it
 * makes (nova_iscsi_lio_set_recording) as one line each, the CHAP secret
 * masked, for tests and the fake driver. */
#pragma once

#include "nova-volume-iscsi-target.h"

G_BEGIN_DECLS

#define NOVA_TYPE_ISCSI_LIO (nova_iscsi_lio_get_type ())
G_DECLARE_FINAL_TYPE (NovaIscsiLio, nova_iscsi_lio, NOVA, ISCSI_LIO, GObject)

/* The LIO portal group every export uses, and its one LUN. */
#define NOVA_ISCSI_LIO_TPGT 1
#define NOVA_ISCSI_LIO_LUN  0

/* @configfs_root: "/sys/kernel/config" in production, a directory of a
 * test otherwise. @portal_ip, @portal_port: iscsi_ip_address and
 * iscsi_port (an IPv6 address is written in brackets). */
NovaIscsiLio *nova_iscsi_lio_new (const char *configfs_root, const char *portal_ip, guint portal_port);

/* Something standing in for configfs below configfs_root (the fake
 * driver's and the tests' plain directory, drivers/fake): the changes go
 * through it instead of to the filesystem, so it can do what configfs does
 * by itself. Each takes the tree's root (<configfs>/target) and a path
 * relative to it, and returns 0 or an errno; symlink_refusal returns 0
 * when the link may be made (the helper then makes it). */
typedef struct {
  int (*mkdir)           (const char *lio_dir, const char *rel);
  int (*write)           (const char *lio_dir, const char *rel, const char *value);
  int (*symlink_refusal) (const char *lio_dir, const char *rel, const char *target_rel);
  int (*rmdir)           (const char *lio_dir, const char *rel);
} NovaLioStandIn;

/* NULL (the default): configfs_root is the real configfs, checked to be
 * one when a target is first made. */
void nova_iscsi_lio_set_stand_in (NovaIscsiLio *self, const NovaLioStandIn *stand_in);

/* Records each change made from now on (mkdir, write, symlink, unlink,
 * rmdir; never the reads), before it is made, as one line with paths
 * relative to <configfs_root>/target:
 *
 *   mkdir core/iblock_1/volume-1
 *   write core/iblock_1/volume-1/control udev_path=/dev/vg/volume-1
 *   write iscsi/<iqn>/tpgt_1/acls/<initiator>/auth/password ********
 *   symlink iscsi/<iqn>/tpgt_1/lun/lun_0/volume-1 -> core/iblock_1/volume-1
 *
 * A change that fails is recorded too, as the last line. The CHAP secret
 * is masked in every line (and in every message and error). */
void  nova_iscsi_lio_set_recording        (NovaIscsiLio *self, gboolean recording);
/* The lines recorded so far, oldest first. */
GStrv nova_iscsi_lio_get_operations       (NovaIscsiLio *self);
void  nova_iscsi_lio_clear_operations     (NovaIscsiLio *self);
/* Also appends every recorded line to @path (NULL: stop), one a line, as
 * the recording executor does with the fake driver's fake_command_log. */
void  nova_iscsi_lio_set_log_path         (NovaIscsiLio *self, const char *path);

/* Tests: the next access "<op> <path>" (op one of mkdir, write, symlink,
 * unlink, rmdir, read, readlink, list; path relative to
 * <configfs_root>/target, a write's value left out) fails with @errnum
 * instead of being made, once. */
void  nova_iscsi_lio_inject_error         (NovaIscsiLio *self, const char *access, int errnum);

G_END_DECLS
