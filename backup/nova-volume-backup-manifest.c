/* nova-volume: a backup's manifest, written and read with json-glib.
 *
 *   { "format": "nova-volume-backup", "version": 1,
 *     "id": ..., "volume": ..., "snapshot": "" | ..., "parent": "" | ...,
 *     "name": ..., "description": ..., "size": N, "chunk-size": N,
 *     "stored-bytes": N, "created-at": usec,
 *     "chunks": [ "<sha-256>" | null, ... ] } */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "nova-volume-backup-manifest.h"
#include "nova-volume-chunk-store.h"

#define FORMAT "nova-volume-backup"
#define VERSION 1

NovaBackupManifest *
nova_backup_manifest_new (void)
{
  NovaBackupManifest *manifest = g_new0 (NovaBackupManifest, 1);

  manifest->id = g_strdup ("");
  manifest->volume_id = g_strdup ("");
  manifest->snapshot_id = g_strdup ("");
  manifest->name = g_strdup ("");
  manifest->description = g_strdup ("");
  manifest->parent_id = g_strdup ("");
  manifest->chunks = g_ptr_array_new_with_free_func (g_free);
  return manifest;
}

void
nova_backup_manifest_free (NovaBackupManifest *manifest)
{
  if (manifest == NULL)
    return;
  g_free (manifest->id);
  g_free (manifest->volume_id);
  g_free (manifest->snapshot_id);
  g_free (manifest->name);
  g_free (manifest->description);
  g_free (manifest->parent_id);
  g_ptr_array_unref (manifest->chunks);
  g_free (manifest);
}

guint64
nova_backup_manifest_n_chunks (guint64 size, guint64 chunk_size)
{
  g_return_val_if_fail (chunk_size > 0, 0);
  return size / chunk_size + (size % chunk_size != 0 ? 1 : 0);
}

guint64
nova_backup_manifest_chunk_len (const NovaBackupManifest *manifest, guint64 index)
{
  guint64 start = index * manifest->chunk_size;

  if (start >= manifest->size)
    return 0;
  return MIN (manifest->chunk_size, manifest->size - start);
}

char *
nova_backup_manifest_to_json (const NovaBackupManifest *manifest, gsize *out_len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, FORMAT);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, VERSION);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, manifest->id);
  json_builder_set_member_name (builder, "volume");
  json_builder_add_string_value (builder, manifest->volume_id);
  json_builder_set_member_name (builder, "snapshot");
  json_builder_add_string_value (builder, manifest->snapshot_id);
  json_builder_set_member_name (builder, "parent");
  json_builder_add_string_value (builder, manifest->parent_id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, manifest->name);
  json_builder_set_member_name (builder, "description");
  json_builder_add_string_value (builder, manifest->description);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (gint64) manifest->size);
  json_builder_set_member_name (builder, "chunk-size");
  json_builder_add_int_value (builder, (gint64) manifest->chunk_size);
  json_builder_set_member_name (builder, "stored-bytes");
  json_builder_add_int_value (builder, (gint64) manifest->stored_bytes);
  json_builder_set_member_name (builder, "created-at");
  json_builder_add_int_value (builder, manifest->created_at);
  json_builder_set_member_name (builder, "chunks");
  json_builder_begin_array (builder);
  for (guint i = 0; i < manifest->chunks->len; i++)
    {
      const char *id = g_ptr_array_index (manifest->chunks, i);

      if (id != NULL)
        json_builder_add_string_value (builder, id);
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, out_len);
}

static gboolean
invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a backup manifest of this version: %s", what);
  return FALSE;
}

/* member @name of @object as a string of at most @max_len bytes of UTF-8
 * without control characters; with @uuid, a UUID (or "" when @may_be_empty) */
static gboolean
read_string (JsonObject *object, const char *name, gsize max_len, gboolean uuid, gboolean may_be_empty,
             char **out, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, "“%s” is missing or not a string", name);
  value = json_node_get_string (node);
  if (strlen (value) > max_len || !g_utf8_validate (value, -1, NULL))
    return invalid (error, "“%s” is longer than %" G_GSIZE_FORMAT " bytes or not UTF-8", name, max_len);
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT)
        return invalid (error, "“%s” holds a control or format character", name);
    }
  if (uuid && !(may_be_empty && *value == '\0') && !g_uuid_string_is_valid (value))
    return invalid (error, "“%s” is not a UUID", name);
  g_free (*out);
  *out = g_strdup (value);
  return TRUE;
}

static gboolean
read_integer (JsonObject *object, const char *name, gint64 min, gint64 max, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid (error, "“%s” is missing or not an integer", name);
  value = json_node_get_int (node);
  if (value < min || value > max)
    return invalid (error, "“%s” is %" G_GINT64_FORMAT ", not between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
                    name, value, min, max);
  *out = value;
  return TRUE;
}

static gboolean
read_chunks (JsonObject *object, NovaBackupManifest *manifest, GError **error)
{
  JsonNode *node = json_object_get_member (object, "chunks");
  JsonArray *array;
  guint64 expected = nova_backup_manifest_n_chunks (manifest->size, manifest->chunk_size);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, "“chunks” is missing or not an array");
  array = json_node_get_array (node);
  if (json_array_get_length (array) != expected)
    return invalid (error, "%u chunks where a volume of %" G_GUINT64_FORMAT " bytes in chunks of %"
                    G_GUINT64_FORMAT " has %" G_GUINT64_FORMAT,
                    json_array_get_length (array), manifest->size, manifest->chunk_size, expected);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_NULL (element))
        {
          g_ptr_array_add (manifest->chunks, NULL);
          continue;
        }
      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING
          || !nova_volume_chunk_id_is_valid (json_node_get_string (element)))
        return invalid (error, "chunk %u is neither null nor a SHA-256 in hex", i);
      g_ptr_array_add (manifest->chunks, g_strdup (json_node_get_string (element)));
    }
  return TRUE;
}

NovaBackupManifest *
nova_backup_manifest_from_json (const char *data, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(NovaBackupManifest) manifest = nova_backup_manifest_new ();
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *format = NULL;
  JsonObject *object;
  gint64 version = 0, size = 0, chunk_size = 0, stored = 0, created = 0;

  if (len > G_MAXSSIZE || !json_parser_load_from_data (parser, data, (gssize) len, &parse_error))
    {
      invalid (error, "%s", parse_error != NULL ? parse_error->message : "too long");
      return NULL;
    }
  /* an empty text parses, to no root */
  if (json_parser_get_root (parser) == NULL || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      invalid (error, "not a JSON object");
      return NULL;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  if (!read_string (object, "format", 64, FALSE, FALSE, &format, error)
      || !read_integer (object, "version", 0, G_MAXINT64, &version, error))
    return NULL;
  if (!g_str_equal (format, FORMAT) || version != VERSION)
    {
      invalid (error, "format “%s” version %" G_GINT64_FORMAT ", this one reads “" FORMAT "” version %d",
               format, version, VERSION);
      return NULL;
    }
  if (!read_string (object, "id", 36, TRUE, FALSE, &manifest->id, error)
      || !read_string (object, "volume", 36, TRUE, FALSE, &manifest->volume_id, error)
      || !read_string (object, "snapshot", 36, TRUE, TRUE, &manifest->snapshot_id, error)
      || !read_string (object, "parent", 36, TRUE, TRUE, &manifest->parent_id, error)
      || !read_string (object, "name", NOVA_BACKUP_MAX_NAME_LEN, FALSE, TRUE, &manifest->name, error)
      || !read_string (object, "description", NOVA_BACKUP_MAX_DESCRIPTION_LEN, FALSE, TRUE,
                       &manifest->description, error)
      || !read_integer (object, "size", 1, G_MAXINT64, &size, error)
      || !read_integer (object, "chunk-size", NOVA_BACKUP_MIN_CHUNK_SIZE, NOVA_BACKUP_MAX_CHUNK_SIZE,
                        &chunk_size, error)
      || !read_integer (object, "stored-bytes", 0, G_MAXINT64, &stored, error)
      || !read_integer (object, "created-at", 0, G_MAXINT64, &created, error))
    return NULL;
  if (g_str_equal (manifest->parent_id, manifest->id))
    {
      invalid (error, "it is its own parent");
      return NULL;
    }
  manifest->size = (guint64) size;
  manifest->chunk_size = (guint64) chunk_size;
  manifest->stored_bytes = (guint64) stored;
  manifest->created_at = created;
  if (!read_chunks (object, manifest, error))
    return NULL;
  return g_steal_pointer (&manifest);
}
