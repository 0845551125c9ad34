/* A backup's manifest: written and read back the same, and whatever a
 * repository holds that this version did not write is refused with what
 * is wrong, never half read. */
#include "config.h"

#include <string.h>

#include "nova-volume-backup-manifest.h"

static NovaBackupManifest *
make_manifest (void)
{
  NovaBackupManifest *manifest = nova_backup_manifest_new ();

  g_free (manifest->id);
  manifest->id = g_strdup ("6f1c9a52-3b7e-4d0a-9c1e-2b3a4c5d6e7f");
  g_free (manifest->volume_id);
  manifest->volume_id = g_strdup ("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9");
  g_free (manifest->name);
  manifest->name = g_strdup ("nightly “data”");
  manifest->size = 3 * 65536 + 100;
  manifest->chunk_size = 65536;
  manifest->stored_bytes = 12345;
  manifest->created_at = G_GINT64_CONSTANT (1765000000000000);
  g_ptr_array_add (manifest->chunks, g_strnfill (64, 'a'));
  g_ptr_array_add (manifest->chunks, NULL);
  g_ptr_array_add (manifest->chunks, g_strnfill (64, 'a'));
  g_ptr_array_add (manifest->chunks, g_strnfill (64, '0'));
  return manifest;
}

static void
test_round_trip (void)
{
  g_autoptr(NovaBackupManifest) manifest = make_manifest ();
  g_autoptr(NovaBackupManifest) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  gsize len = 0;

  g_assert_cmpuint (nova_backup_manifest_n_chunks (manifest->size, manifest->chunk_size), ==, 4);
  g_assert_cmpuint (nova_backup_manifest_chunk_len (manifest, 0), ==, 65536);
  g_assert_cmpuint (nova_backup_manifest_chunk_len (manifest, 3), ==, 100);
  g_assert_cmpuint (nova_backup_manifest_chunk_len (manifest, 4), ==, 0);

  json = nova_backup_manifest_to_json (manifest, &len);
  back = nova_backup_manifest_from_json (json, len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->id, ==, manifest->id);
  g_assert_cmpstr (back->volume_id, ==, manifest->volume_id);
  g_assert_cmpstr (back->snapshot_id, ==, "");
  g_assert_cmpstr (back->parent_id, ==, "");
  g_assert_cmpstr (back->name, ==, manifest->name);
  g_assert_cmpuint (back->size, ==, manifest->size);
  g_assert_cmpuint (back->chunk_size, ==, manifest->chunk_size);
  g_assert_cmpuint (back->stored_bytes, ==, manifest->stored_bytes);
  g_assert_cmpint (back->created_at, ==, manifest->created_at);
  g_assert_cmpuint (back->chunks->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (back->chunks, 0), ==, g_ptr_array_index (manifest->chunks, 0));
  g_assert_null (g_ptr_array_index (back->chunks, 1));
}

/* one field changed in the JSON text of a good manifest */
static void
assert_refused (const char *from, const char *to, const char *why)
{
  g_autoptr(NovaBackupManifest) manifest = make_manifest ();
  g_autoptr(NovaBackupManifest) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = nova_backup_manifest_to_json (manifest, NULL);
  g_autoptr(GString) changed = g_string_new (json);

  g_assert_cmpuint (g_string_replace (changed, from, to, 1), ==, 1);
  back = nova_backup_manifest_from_json (changed->str, changed->len, &error);
  g_assert_null (back);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  if (strstr (error->message, why) == NULL)
    g_error ("refused %s -> %s with “%s”, which does not say “%s”", from, to, error->message, why);
}

static void
test_refused (void)
{
  assert_refused ("\"nova-volume-backup\"", "\"other\"", "format");
  assert_refused ("\"version\":1", "\"version\":2", "version 2");
  assert_refused ("\"id\":\"6f1c9a52", "\"id\":\"../../x", "“id” is not a UUID");
  assert_refused ("\"volume\":\"0b1c", "\"volume\":1, \"x\":\"", "“volume”");
  assert_refused ("\"parent\":\"\"", "\"parent\":\"6f1c9a52-3b7e-4d0a-9c1e-2b3a4c5d6e7f\"", "own parent");
  assert_refused ("\"name\":\"nightly", "\"name\":\"\\u202e nightly", "control or format");
  assert_refused ("\"name\":\"nightly", "\"name\":\"\\u001b[2J", "control or format");
  assert_refused ("\"size\":196708", "\"size\":0", "“size” is 0");
  assert_refused ("\"size\":196708", "\"size\":1.5", "“size”");
  assert_refused ("\"chunk-size\":65536", "\"chunk-size\":1", "“chunk-size” is 1");
  assert_refused ("\"size\":196708", "\"size\":196608", "4 chunks where a volume of 196608 bytes");
  assert_refused (",null,", ",\"ffff\",", "chunk 1");
  assert_refused (",null,", ",7,", "chunk 1");
  assert_refused ("\"created-at\":", "\"created\":", "created-at");
}

/* every prefix of a good manifest, and bytes that are not JSON: refused,
 * nothing read past the end */
static void
test_garbage (void)
{
  g_autoptr(NovaBackupManifest) manifest = make_manifest ();
  gsize len = 0;
  g_autofree char *json = nova_backup_manifest_to_json (manifest, &len);
  const char *junk[] = { "", "[]", "null", "{}", "\"x\"", "{\"format\":null}", "\xff\xfe" };

  for (gsize i = 0; i < len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *prefix = g_strndup (json, i);
      g_autoptr(NovaBackupManifest) back = nova_backup_manifest_from_json (prefix, i, &error);

      g_assert_null (back);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
  for (guint i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NovaBackupManifest) back = nova_backup_manifest_from_json (junk[i], strlen (junk[i]), &error);

      g_assert_null (back);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backup-manifest/round-trip", test_round_trip);
  g_test_add_func ("/backup-manifest/refused", test_refused);
  g_test_add_func ("/backup-manifest/garbage", test_garbage);
  return g_test_run ();
}
