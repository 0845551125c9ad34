/* nova-volume: the chunks of a backup repository on a file system. Each
 * chunk of a volume is kept once, compressed with zstd, under the SHA-256
 * of its bytes: identical chunks of any backup share one file, and an
 * incremental backup stores only the chunks that changed. An all-zero
 * chunk is never stored. Every file is written under a temporary name,
 * flushed and renamed, so a chunk is whole or absent. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define NOVA_VOLUME_TYPE_CHUNK_STORE (nova_volume_chunk_store_get_type ())
G_DECLARE_FINAL_TYPE (NovaVolumeChunkStore, nova_volume_chunk_store, NOVA_VOLUME, CHUNK_STORE, GObject)

/* the length of a chunk's id: 64 hex digits */
#define NOVA_VOLUME_CHUNK_ID_LEN 64

/* Opens (makes) the directory "chunks" beneath @repository_fd, which the
 * caller keeps open. Nothing beneath it is reached through a link. */
NovaVolumeChunkStore *nova_volume_chunk_store_open   (int           repository_fd,
                                                      GError      **error);

/* Whether @data is all zero bytes: such a chunk is not stored. */
gboolean              nova_volume_chunk_is_zero      (const guint8 *data,
                                                      gsize         len);

/* The id @data would be stored under (a new string). */
char                 *nova_volume_chunk_id           (const guint8 *data,
                                                      gsize         len);

/* Whether @id is a chunk's id: 64 lowercase hex digits. */
gboolean              nova_volume_chunk_id_is_valid  (const char   *id);

/* Stores @data unless a chunk of its id is there; *out_id (may be NULL)
 * gets the id, *out_stored the bytes this call added (0 when the chunk
 * was there). @data must not be all zero. */
gboolean              nova_volume_chunk_store_put    (NovaVolumeChunkStore *self,
                                                      const guint8         *data,
                                                      gsize                 len,
                                                      char                **out_id,
                                                      guint64              *out_stored,
                                                      GError              **error);

/* Whether chunk @id is there (a regular file; its bytes are not read). */
gboolean              nova_volume_chunk_store_has    (NovaVolumeChunkStore *self,
                                                      const char           *id);

/* Reads chunk @id back, @len bytes, and checks them against the id:
 * NOT_FOUND when it is missing, FAILED naming the damage otherwise. */
GBytes               *nova_volume_chunk_store_get    (NovaVolumeChunkStore *self,
                                                      const char           *id,
                                                      gsize                 len,
                                                      GError              **error);

/* Removes chunk @id (there or not); the bytes it freed in *out_freed. */
gboolean              nova_volume_chunk_store_remove (NovaVolumeChunkStore *self,
                                                      const char           *id,
                                                      guint64              *out_freed,
                                                      GError              **error);

/* Every chunk's id, for collecting those no backup refers to. */
GPtrArray            *nova_volume_chunk_store_list   (NovaVolumeChunkStore *self,
                                                      GError              **error);

/* Removes every chunk whose id is not in the set @referenced and that is
 * older than @min_age_s seconds (storing a chunk that is there makes it
 * young again, so a backup at work keeps what it found); how many went
 * and their bytes in *out_removed and *out_freed. */
gboolean              nova_volume_chunk_store_remove_unreferenced (NovaVolumeChunkStore *self,
                                                                   GHashTable           *referenced,
                                                                   guint                 min_age_s,
                                                                   guint                *out_removed,
                                                                   guint64              *out_freed,
                                                                   GError              **error);

/* Removes what writers cut short left behind: temporary files older than
 * @min_age_s seconds (a younger one may belong to a writer still at
 * work, on this host or another one sharing the repository). Returns how
 * many went. */
guint                 nova_volume_chunk_store_collect_temporaries (NovaVolumeChunkStore *self,
                                                                   guint                 min_age_s);

G_END_DECLS
