/* The structured log records: every event has its own stable MESSAGE_ID
 * (32 lowercase hex digits, as journald's MESSAGE_ID= matches take them)
 * and a name, and a record carries the fields admins filter on. */
#include "config.h"

#include "nova-volume-log.h"

static void
test_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (NovaVolumeEvent e = 0; e < NOVA_VOLUME_EVENT_N_EVENTS; e++)
    {
      const char *id = nova_volume_event_message_id (e);
      const char *name = nova_volume_event_name (e);

      g_assert_nonnull (id);
      g_assert_cmpuint (strlen (id), ==, 32);
      for (const char *c = id; *c != '\0'; c++)
        g_assert_true (g_ascii_isdigit (*c) || (*c >= 'a' && *c <= 'f'));
      g_assert_nonnull (name);
      g_assert_true (g_hash_table_add (seen, (gpointer) id));
      g_assert_true (g_hash_table_add (seen, (gpointer) name));
    }
  /* released ids never change: spot-check the first and the last */
  g_assert_cmpstr (nova_volume_event_message_id (NOVA_VOLUME_EVENT_VOLUME_CREATED), ==,
                   "30c45862c01b42c6b1cd6cf735f257ae");
  g_assert_cmpstr (nova_volume_event_message_id (NOVA_VOLUME_EVENT_RECONCILED), ==,
                   "812ab2d6fc944a60b7227b1ebae93f72");
}

/* nova-volumed(8) lists every event with its id: admins look them up there */
static void
test_documented (void)
{
  g_autofree char *page_path = g_test_build_filename (G_TEST_DIST, "..", "doc", "nova-volumed.8.scd", NULL);
  g_autofree char *page = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (page_path, &page, NULL, &error));
  g_assert_no_error (error);
  for (NovaVolumeEvent e = 0; e < NOVA_VOLUME_EVENT_N_EVENTS; e++)
    {
      g_autofree char *row = g_strdup_printf ("*%s* %s\n", nova_volume_event_name (e),
                                              nova_volume_event_message_id (e));
      if (strstr (page, row) == NULL)
        g_error ("%s does not list %s (%s)", page_path, nova_volume_event_name (e),
                 nova_volume_event_message_id (e));
    }
}

static GPtrArray *records;

static GLogWriterOutput
capture (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  GString *record = g_string_new (NULL);

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_has_prefix (fields[i].key, "NOVA_") || g_str_equal (fields[i].key, "MESSAGE_ID")
        || g_str_equal (fields[i].key, "MESSAGE") || g_str_equal (fields[i].key, "PRIORITY"))
      g_string_append_printf (record, "%s=%s;", fields[i].key, (const char *) fields[i].value);
  g_ptr_array_add (records, g_string_free (record, FALSE));
  return G_LOG_WRITER_HANDLED;
}

static void
test_fields (void)
{
  records = g_ptr_array_new_with_free_func (g_free);
  nova_volume_log_event (NOVA_VOLUME_EVENT_SNAPSHOT_CREATED, "v-1", "s-1", "created snapshot %s of %s", "s-1", "v-1");
  nova_volume_log_event (NOVA_VOLUME_EVENT_OPERATION_FAILED, NULL, NULL, "Extend failed: %s", "no space");
  g_assert_cmpuint (records->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (records, 0), ==,
                   "MESSAGE_ID=9cef19f07bf94ec2b2f3ca2f8ac8a9be;MESSAGE=created snapshot s-1 of v-1;PRIORITY=5;"
                   "NOVA_VOLUME_EVENT=snapshot-created;NOVA_VOLUME_ID=v-1;NOVA_SNAPSHOT_ID=s-1;");
  /* failures reach the journal as warnings; ids that are not known are
   * left out, not written empty */
  g_assert_cmpstr (g_ptr_array_index (records, 1), ==,
                   "MESSAGE_ID=c587b3994c074e6d85f5bf60936293b5;MESSAGE=Extend failed: no space;PRIORITY=4;"
                   "NOVA_VOLUME_EVENT=operation-failed;");
  g_clear_pointer (&records, g_ptr_array_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (capture, NULL, NULL);
  g_test_add_func ("/log/ids", test_ids);
  g_test_add_func ("/log/fields", test_fields);
  g_test_add_func ("/log/documented", test_documented);
  return g_test_run ();
}
