/* nova-volume: a plain directory standing in for LIO's configfs, for the
 * fake driver and the tests: nova_iscsi_lio_set_stand_in (lio,
 * &nova_lio_plain_tree) over a configfs_root that is a directory. The
 * directory must hold target/core, as the kernel makes them when
 * target_core_mod loads. The helper's seam then does what configfs would
 * do by itself:
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
#pragma once

#include "nova-volume-iscsi-lio.h"

G_BEGIN_DECLS

extern const NovaLioStandIn nova_lio_plain_tree;

G_END_DECLS
