/* nova-volume: helpers that every test program links (tests/meson.build):
 * scratch directories and drivers loaded as the daemon loads them. Each
 * helper asserts that what it does works, so a test reads as the steps it
 * takes. */
#pragma once

#include "nova-volume-config.h"
#include "nova-volume-driver.h"
#include "nova-volume-executor.h"
#include "nova-volume-record.h"

G_BEGIN_DECLS

/* A new directory from g_dir_make_tmp (@template ends in XXXXXX). */
char *test_make_tmp_dir (const char *template);
/* Removes @path and, when it is a directory, everything below it; never
 * follows a symbolic link. A path that is not there is fine; one that
 * cannot be removed fails the test. */
void test_remove_tree (const char *path);

/* A scratch directory that takes itself and its contents away when it
 * goes out of scope: g_autoptr(TestScratch). */
typedef struct {
  char *dir;
} TestScratch;

TestScratch *test_scratch_new  (const char *template);
void         test_scratch_free (TestScratch *scratch);
/* @name inside the scratch directory (not created). */
char        *test_scratch_path (TestScratch *scratch, const char *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestScratch, test_scratch_free)

/* nova_volume_config_set, asserted to succeed. */
void test_config_set (NovaVolumeConfig *config, const char *key, const char *value);

/* A driver context for @state_dir with a fresh config set from the
 * key/value pairs that follow (NULL ends them, so a NULL key also ends
 * the list early). @executor NULL: a real executor with one try. */
NovaVolumeDriverContext *test_driver_context_new (const char         *state_dir,
                                                  NovaVolumeExecutor *executor,
                                                  const char         *first_key,
                                                  ...) G_GNUC_NULL_TERMINATED;
/* The driver @ctx's volume_driver names, from the build tree, set up. */
NovaVolumeDriver *test_driver_load (NovaVolumeDriverContext *ctx);

/* Records as the manager hands them to a driver: a random id (and the
 * volume's id on the snapshot), @size bytes asked for. */
NovaVolumeRecord   *test_new_volume   (guint64 size);
NovaSnapshotRecord *test_new_snapshot (const NovaVolumeRecord *volume);

G_END_DECLS
