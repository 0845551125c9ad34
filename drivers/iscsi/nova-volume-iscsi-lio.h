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
 * standing in for configfs (nova_iscsi_lio_set_plain_tree) the seam makes
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

/* Treats configfs_root as a plain directory standing in for configfs
 * (tests, the fake driver). The directory must hold target/core, as the
 * kernel makes them when target_core_mod loads. The seam then does what
 * configfs would do by itself:
 *
 *  - mkdir makes the default groups and the attributes this helper reads,
 *    with the kernel's defaults (tpgt_N: acls attrib auth lun np param,
 *    enable 0, attrib/authentication 1, attrib/generate_node_acls 0,
 *    attrib/demo_mode_write_protect 1; a backstore: alua attrib pr
 *    statistics wwn, enable 0, udev_path empty, wwn/vpd_unit_serial
 *    empty; a node ACL: attrib auth param fabric_statistics, auth/userid
 *    and auth/password empty; a LUN or mapped LUN: statistics);
 *  - a write creates the attribute when it is not there; it refuses, as
 *    the kernel does, enabling an enabled backstore (EEXIST) or portal
 *    group (EINVAL) and a control write to an enabled backstore (EEXIST);
 *  - symlink refuses a LUN link to a backstore that is not enabled
 *    (ENODEV);
 *  - rmdir takes the default groups and attributes with it and fails with
 *    ENOTEMPTY while anything made by a mkdir or a symlink is inside.
 *
 * What it does not model: module loading (mkdir of iscsi or core/iblock_N
 * always works), sessions, and the kernel refusing to remove a backstore
 * that another target still links. */
void nova_iscsi_lio_set_plain_tree (NovaIscsiLio *self, gboolean plain_tree);

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
