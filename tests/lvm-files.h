/* A volume group of sparse files, for the LVM drivers' tests on a host
 * without device-mapper: each LV is a file <dir>/<vg>/<name>; snapshots are
 * copies; a thin LV is marked as such. Capacity is fixed. Like LVM it
 * refuses names starting "snapshot" or "pvmove", and resizing the origin
 * of a thick snapshot. */
#pragma once

#include "nova-volume-lvm.h"
#include "nova-volume-store.h"

NovaLvm *test_lvm_files_new (const char *dir, guint64 capacity);

/* How many LVs were removed still holding bytes other than zero (what
 * volume_clear must prevent for thick volumes). */
guint test_lvm_files_removed_dirty (NovaLvm *lvm);

/* Marks LV @name open (as a client holding its device) or closed: an open
 * one is reported so and, like lvremove does, not removed. */
void test_lvm_files_set_open (NovaLvm *lvm, const char *name, gboolean open);

/* What an LVM driver's test starts from in the scratch directory @dir: the
 * volume group @vg's directory and a store in @dir/state.db (asserted). */
NovaVolumeStore *test_lvm_files_state_new (const char *dir, const char *vg);
