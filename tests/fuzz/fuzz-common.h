/* nova-volume: what the fuzz targets share. Each target defines the
 * libFuzzer entry points below; fuzz-standalone.c calls them where
 * libFuzzer is not there (gcc builds, the normal test suite). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* libFuzzer's entry points, defined by every target */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
/* frees what the target keeps between inputs (standalone runs call it
 * before exiting, so LeakSanitizer sees only real leaks) */
void fuzz_cleanup (void);

/* g_strcmp0 for g_ptr_array_sort */
int fuzz_compare_strings_indirect (gconstpointer a, gconstpointer b);

/* Messages below warning are dropped (a fuzzer runs millions of calls);
 * a warning or a critical is a bug found: printed, then abort(), which
 * libFuzzer reports as a crash with the input that caused it.
 * NOVA_VOLUME_FUZZ_VERBOSE=1 prints everything. */
void fuzz_setup_logging (void);

/* A private scratch directory, in /dev/shm when it can be (SQLite's
 * fsync costs nothing there); @what names it. */
char *fuzz_make_scratch_dir (const char *what);
/* Removes @path and everything below it, never following links. */
void fuzz_remove_tree (const char *path);

/* Reads the fuzz input front to back; past its end every read gives 0. */
typedef struct {
  const guint8 *data;
  gsize         len;
  gsize         pos;
} FuzzReader;

void     fuzz_reader_init   (FuzzReader *reader, const guint8 *data, gsize len);
gboolean fuzz_reader_empty  (const FuzzReader *reader);
guint8   fuzz_reader_u8     (FuzzReader *reader);
guint32  fuzz_reader_u32    (FuzzReader *reader);
guint64  fuzz_reader_u64    (FuzzReader *reader);
/* up to @max bytes, the count read first (one byte, or three when it
 * says 255): a view into the input */
const guint8 *fuzz_reader_bytes (FuzzReader *reader, gsize max, gsize *out_len);

G_END_DECLS
