/* Hostile names never reach a backend unchecked: with the drivers that run
 * without a backend (file, fake, logging, and sheepdog answered by a
 * recording executor), volumes, snapshots, attachments and connections are
 * made with names, descriptions, metadata, instance UUIDs, mountpoints and
 * connector fields that hold '/', '..', '-', '--', spaces, newlines, a
 * leading '-', bytes that are not UTF-8, and 64 KiB. Each is refused with
 * InvalidArgument or accepted; then
 *   - fake, sheepdog: no argv element of any command it would have run
 *     holds any of them, or is one of them (the recording executor keeps
 *     every argv);
 *   - file: no file name in the state directory holds any of them, every
 *     backing file is named from an id, nothing is made outside;
 *   - logging: no recorded call holds a name, description, metadata,
 *     instance or mountpoint; the connector fields it records are those
 *     the manager let through, and none of those could be read as an
 *     option or split into two words. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "nova-volume-error.h"
#include "nova-volume-manager.h"
#include "nova-volume-recording-executor.h"
#include "test-util.h"

/* a value either marker is in must never reach a command or a path */
#define NAME_MARK "HOSTILENAME"
#define CONN_MARK "HOSTILECONN"
#define UUID      "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10"

typedef struct {
  const char        *driver_name;
  NovaVolumeRecordingExecutor *recorder; /* sheepdog's dog, answered here */
  char              *parent;     /* holds only the state directory */
  char              *dir;
  NovaVolumeConfig  *config;
  NovaVolumeStore   *store;
  NovaVolumeDriver  *driver;
  NovaVolumeManager *manager;
  GPtrArray         *hostile;    /* every hostile text used, for exact matches */
  GPtrArray         *accepted_connector_values;
  guint              n_accepted;
  guint              n_refused;
} Fixture;

/* a running one-node Sheepdog, as dog reports it; every other command
 * succeeds with no output (so a deleted VDI is no longer listed) */
static gboolean
answer_dog (const char *const *argv, int *out_exit_status, char **out_stdout, char **out_stderr,
            gpointer user_data)
{
  g_autofree char *line = g_strjoinv (" ", (char **) argv);

  *out_exit_status = 0;
  if (strstr (line, " cluster info ") != NULL)
    *out_stdout = g_strdup ("Cluster status: running, auto-recovery enabled\n");
  else if (strstr (line, " node info ") != NULL)
    *out_stdout = g_strdup ("Total 107374182400 0 107374182400 0%\n");
  else
    return FALSE;
  return TRUE;
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  g_autoptr(NovaVolumeDriverContext) ctx = NULL;

  fx->driver_name = data;
  if (g_str_equal (fx->driver_name, "sheepdog"))
    {
      fx->recorder = nova_volume_recording_executor_new ();
      nova_volume_recording_executor_set_responder (fx->recorder, answer_dog, NULL, NULL);
      g_set_object (&executor, NOVA_VOLUME_EXECUTOR (fx->recorder));
    }
  fx->parent = test_make_tmp_dir ("nova-volume-hostile-XXXXXX");
  fx->dir = g_build_filename (fx->parent, "state", NULL);
  g_assert_cmpint (g_mkdir (fx->dir, 0700), ==, 0);
  db = g_build_filename (fx->dir, "nova-volume.db", NULL);
  fx->config = nova_volume_config_new ();
  test_config_set (fx->config, "volume_driver", fx->driver_name);

  fx->store = nova_volume_store_open (db, &error);
  g_assert_no_error (error);
  ctx = nova_volume_driver_context_new (fx->config, executor, NOVA_VOLUME_LEDGER (fx->store), fx->dir);
  fx->driver = test_driver_load (ctx);
  fx->manager = nova_volume_manager_new (fx->config, fx->store, fx->driver, &error);
  g_assert_no_error (error);
  fx->hostile = g_ptr_array_new_with_free_func (g_free);
  fx->accepted_connector_values = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  g_clear_object (&fx->manager);
  g_clear_object (&fx->driver);
  g_clear_object (&fx->recorder);
  g_clear_object (&fx->store);
  g_clear_object (&fx->config);
  g_clear_pointer (&fx->hostile, g_ptr_array_unref);
  g_clear_pointer (&fx->accepted_connector_values, g_ptr_array_unref);
  test_remove_tree (fx->parent);
  g_free (fx->parent);
  g_free (fx->dir);
}

/* ---- the values ------------------------------------------------------ */

/* @mark in every shape a name can take to climb out of a directory, pass
 * for an option, or split into words */
static GPtrArray *
hostile_values (const char *mark)
{
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);
  GString *big = g_string_new (mark);
  GString *wide = g_string_new (mark);

  g_ptr_array_add (values, g_strdup_printf ("../%s", mark));
  g_ptr_array_add (values, g_strdup_printf ("../../../../../tmp/%s", mark));
  g_ptr_array_add (values, g_strdup_printf ("%s/../..", mark));
  g_ptr_array_add (values, g_strdup_printf ("/%s", mark));
  g_ptr_array_add (values, g_strdup_printf ("-%s", mark));
  g_ptr_array_add (values, g_strdup_printf ("--%s", mark));
  g_ptr_array_add (values, g_strdup_printf ("--%s=1", mark));
  g_ptr_array_add (values, g_strdup_printf ("-n %s", mark));
  g_ptr_array_add (values, g_strdup_printf ("%s with spaces", mark));
  g_ptr_array_add (values, g_strdup_printf (" %s", mark));
  g_ptr_array_add (values, g_strdup_printf ("%s\nsecond line", mark));
  g_ptr_array_add (values, g_strdup_printf ("%s\ttab", mark));
  g_ptr_array_add (values, g_strdup_printf ("%s\r", mark));
  g_ptr_array_add (values, g_strdup_printf ("\xff\xfe%s", mark));        /* not UTF-8 */
  g_ptr_array_add (values, g_strdup_printf ("%s\xc3", mark));            /* cut short */
  g_ptr_array_add (values, g_strdup_printf ("$(touch /tmp/%s)", mark));
  g_ptr_array_add (values, g_strdup_printf ("%s;rm -rf /", mark));
  g_ptr_array_add (values, g_strdup_printf ("%%s%%n%s", mark));
  g_ptr_array_add (values, g_strdup_printf ("iqn.2010-10.org.%s:-x", mark));
  g_ptr_array_add (values, g_strdup_printf ("iqn.%s/../..", mark));
  g_ptr_array_add (values, g_strdup_printf ("/dev/../%s", mark));
  g_ptr_array_add (values, g_strdup_printf ("/dev/-%s", mark));
  g_ptr_array_add (values, g_strdup_printf ("/dev/%s", mark));
  g_ptr_array_add (values, g_strdup_printf ("%s.example.org", mark));
  /* 64 KiB, in bytes and in characters */
  while (big->len < 65536)
    g_string_append_c (big, 'a');
  g_ptr_array_add (values, g_string_free (big, FALSE));
  while (wide->len < 65536)
    g_string_append (wide, "\xc3\xa9");
  g_ptr_array_add (values, g_string_free (wide, FALSE));
  return values;
}

/* the bare ones, which no marker can be in */
static const char *const bare_values[] = { "-", "--", "..", ".", "/", "--help", "-rf", " ", "\n", "" };

/* ---- calls ----------------------------------------------------------- */

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

/* refused with InvalidArgument, or accepted: nothing else */
static gboolean
judge (Fixture *fx, const char *what, const char *value, GError *error)
{
  g_autofree char *shown = g_utf8_make_valid (value, MIN (strlen (value), (gsize) 60));

  if (error == NULL)
    {
      fx->n_accepted++;
      return TRUE;
    }
  if (!g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT))
    g_error ("%s '%s' (%s driver) refused with something else than InvalidArgument: %s",
             what, shown, fx->driver_name, error->message);
  /* a refusal names no bytes that are not UTF-8: it goes out over D-Bus */
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  fx->n_refused++;
  g_error_free (error);
  return FALSE;
}

static char *
create_volume (Fixture *fx, const NovaVolumeCreateRequest *request, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  nova_volume_manager_create_volume (fx->manager, request, NULL, store_result, &result);
  return nova_volume_manager_create_volume_finish (fx->manager, wait_result (&result), error);
}

static gboolean
finish (Fixture *fx, GAsyncResult **result, GError **error)
{
  gboolean ok = nova_volume_manager_operation_finish (fx->manager, wait_result (result), error);

  g_clear_object (result);
  return ok;
}

static void
delete_volume (Fixture *fx, const char *id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  nova_volume_manager_delete_volume (fx->manager, id, store_result, &result);
  finish (fx, &result, &error);
  g_assert_no_error (error);
}

static char *
base_volume (Fixture *fx)
{
  NovaVolumeCreateRequest request = { .size = 1024 * 1024, .name = "base" };
  g_autoptr(GError) error = NULL;
  char *id = create_volume (fx, &request, &error);

  g_assert_no_error (error);
  return id;
}

/* ---- what each driver got -------------------------------------------- */

static void
assert_clean_text (Fixture *fx, const char *where, const char *text)
{
  if (strstr (text, NAME_MARK) != NULL)
    g_error ("%s driver: a name reached %s: '%s'", fx->driver_name, where, text);
}

/* every argv the driver ran through @executor (the fake driver's own, or
 * sheepdog's), secrets unmasked */
static void
check_argv (Fixture *fx, NovaVolumeRecordingExecutor *executor)
{
  g_autoptr(GPtrArray) commands = NULL;
  guint n_words = 0;

  commands = nova_volume_recording_executor_get_unmasked_commands (executor);
  g_assert_cmpuint (commands->len, >, 0);
  for (guint i = 0; i < commands->len; i++)
    {
      char **argv = g_ptr_array_index (commands, i);

      for (guint j = 0; argv[j] != NULL; j++, n_words++)
        {
          assert_clean_text (fx, "an argv element", argv[j]);
          /* the initiator's name is what tgt lets in: it may reach argv,
           * but only as the value of --initiator-name, and only as an
           * iSCSI name (which no tool reads as an option) */
          if (strstr (argv[j], CONN_MARK) != NULL
              && !(j > 0 && g_str_equal (argv[j - 1], "--initiator-name")
                   && (g_str_has_prefix (argv[j], "iqn.") || g_str_has_prefix (argv[j], "eui.")
                       || g_str_has_prefix (argv[j], "naa."))))
            g_error ("%s driver: a connector field reached argv: '%s'", fx->driver_name, argv[j]);
          for (guint k = 0; k < fx->hostile->len; k++)
            if (g_str_equal (argv[j], g_ptr_array_index (fx->hostile, k)))
              g_error ("%s driver: argv element %u of '%s' is the hostile value '%s'",
                       fx->driver_name, j, argv[0], argv[j]);
          for (gsize k = 0; k < G_N_ELEMENTS (bare_values); k++)
            if (g_str_equal (argv[j], bare_values[k]))
              g_error ("%s driver: argv element %u of '%s' is the bare value '%s'",
                       fx->driver_name, j, argv[0], argv[j]);
          /* words are whole: nothing a shell or the tool would split */
          g_assert_null (strpbrk (argv[j], " \t\n\r"));
          g_assert_true (g_utf8_validate (argv[j], -1, NULL));
        }
    }
  g_test_message ("%s driver: %u commands, %u argv elements checked", fx->driver_name, commands->len, n_words);
}

/* every file the file driver made, anywhere below the scratch directory */
static void
check_files (Fixture *fx, const char *path, guint depth)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      assert_clean_text (fx, "a file name", name);
      g_assert_null (strstr (name, CONN_MARK));
      g_assert_cmpint (name[0], !=, '-');
      /* the scratch directory holds the state directory and nothing else */
      if (depth == 0)
        g_assert_cmpstr (name, ==, "state");
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        check_files (fx, child, depth + 1);
      /* a backing file is named from its id: volume-<uuid>, snapshot-<uuid> */
      else if (g_str_has_suffix (path, "/volumes"))
        {
          const char *id = g_str_has_prefix (name, "volume-") ? name + strlen ("volume-")
                           : g_str_has_prefix (name, "snapshot-") ? name + strlen ("snapshot-") : NULL;

          if (id == NULL || !g_uuid_string_is_valid (id))
            g_error ("file driver: backing file '%s' is not named from an id", child);
        }
    }
}

/* what the logging driver recorded */
static void
check_logging_calls (Fixture *fx)
{
  g_auto(GStrv) calls = NULL;

  g_object_get (fx->driver, "calls", &calls, NULL);
  g_assert_nonnull (calls);
  for (guint i = 0; calls[i] != NULL; i++)
    {
      assert_clean_text (fx, "a recorded call", calls[i]);
      g_assert_null (strpbrk (calls[i], "\n\r"));
      g_assert_true (g_utf8_validate (calls[i], -1, NULL));
    }
  g_test_message ("logging driver: %u calls checked", g_strv_length (calls));
}

/* connector values the manager let through could not be read as an
 * option, split into words, or carry anything but UTF-8 */
static void
check_connector_values (Fixture *fx)
{
  for (guint i = 0; i < fx->accepted_connector_values->len; i++)
    {
      const char *value = g_ptr_array_index (fx->accepted_connector_values, i);

      g_assert_true (g_utf8_validate (value, -1, NULL));
      g_assert_cmpint (value[0], !=, '-');
      g_assert_null (strpbrk (value, " \t\n\r"));
      g_assert_cmpuint (strlen (value), <=, 4 * 255);
    }
}

/* ---- the tests ------------------------------------------------------- */

static void
try_create (Fixture *fx, const char *what, const char *value, const NovaVolumeCreateRequest *request)
{
  GError *error = NULL;
  g_autofree char *id = create_volume (fx, request, &error);

  if (judge (fx, what, value, error))
    delete_volume (fx, id);
}

static void
test_volumes (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) values = hostile_values (NAME_MARK);

  for (guint i = 0; i < values->len; i++)
    g_ptr_array_add (fx->hostile, g_strdup (g_ptr_array_index (values, i)));
  for (guint i = 0; i < values->len + G_N_ELEMENTS (bare_values); i++)
    {
      const char *value = i < values->len ? g_ptr_array_index (values, i) : bare_values[i - values->len];
      g_autoptr(GHashTable) by_key = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GHashTable) by_value = g_hash_table_new (g_str_hash, g_str_equal);
      NovaVolumeCreateRequest request = { .size = 1024 * 1024 };
      GError *error = NULL;

      request.name = value;
      try_create (fx, "name", value, &request);
      request.name = NULL;
      request.description = value;
      try_create (fx, "description", value, &request);
      request.description = NULL;
      g_hash_table_insert (by_key, (gpointer) value, "x");
      request.metadata = by_key;
      try_create (fx, "metadata key", value, &request);
      g_hash_table_insert (by_value, "key", (gpointer) value);
      request.metadata = by_value;
      try_create (fx, "metadata value", value, &request);
      request.metadata = NULL;

      /* no other zone is served here, and no text makes one */
      request.availability_zone = value;
      g_assert_null (create_volume (fx, &request, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }

  /* the limits hold: 64 KiB is refused wherever it is put */
  {
    const char *big = g_ptr_array_index (values, values->len - 2);
    NovaVolumeCreateRequest request = { .size = 1024 * 1024, .name = big };
    GError *error = NULL;

    g_assert_null (create_volume (fx, &request, &error));
    g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
}

static void
test_snapshots (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) values = hostile_values (NAME_MARK);
  g_autofree char *base = base_volume (fx);

  for (guint i = 0; i < values->len; i++)
    g_ptr_array_add (fx->hostile, g_strdup (g_ptr_array_index (values, i)));
  for (guint i = 0; i < values->len + G_N_ELEMENTS (bare_values); i++)
    {
      const char *value = i < values->len ? g_ptr_array_index (values, i) : bare_values[i - values->len];

      for (int field = 0; field < 2; field++)
        {
          g_autoptr(GAsyncResult) result = NULL;
          g_autofree char *id = NULL;
          GError *error = NULL;

          nova_volume_manager_create_snapshot (fx->manager, base, field == 0 ? value : NULL,
                                               field == 1 ? value : NULL, FALSE, store_result, &result);
          id = nova_volume_manager_create_snapshot_finish (fx->manager, wait_result (&result), &error);
          if (judge (fx, field == 0 ? "snapshot name" : "snapshot description", value, error))
            {
              g_autoptr(GAsyncResult) deleted = NULL;
              g_autoptr(GError) delete_error = NULL;

              nova_volume_manager_delete_snapshot (fx->manager, id, store_result, &deleted);
              finish (fx, &deleted, &delete_error);
              g_assert_no_error (delete_error);
            }
        }
    }
  delete_volume (fx, base);
}

static void
try_attach (Fixture *fx, const char *volume, const char *what, const char *value,
            const char *instance, const char *mountpoint, const char *host)
{
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  nova_volume_manager_attach_volume (fx->manager, volume, instance, mountpoint, host, store_result, &result);
  finish (fx, &result, &error);
  if (judge (fx, what, value, error))
    {
      nova_volume_manager_detach_volume (fx->manager, volume, store_result, &result);
      finish (fx, &result, &error);
      g_assert_no_error (error);
    }
}

static void
test_attach (Fixture *fx, gconstpointer data)
{
  g_autoptr(GPtrArray) values = hostile_values (NAME_MARK);
  g_autofree char *base = base_volume (fx);

  for (guint i = 0; i < values->len; i++)
    g_ptr_array_add (fx->hostile, g_strdup (g_ptr_array_index (values, i)));
  for (guint i = 0; i < values->len + G_N_ELEMENTS (bare_values); i++)
    {
      const char *value = i < values->len ? g_ptr_array_index (values, i) : bare_values[i - values->len];
      guint refused = fx->n_refused;

      /* an instance is a UUID or nothing */
      try_attach (fx, base, "instance", value, value, "/dev/vdb", NULL);
      g_assert_cmpuint (fx->n_refused, ==, refused + 1);
      try_attach (fx, base, "mountpoint", value, UUID, value, NULL);
      try_attach (fx, base, "host", value, UUID, "/dev/vdb", value);
    }
  delete_volume (fx, base);
}

static void
try_connect (Fixture *fx, const char *volume, const char *key, const char *value)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) info = NULL;
  GError *error = NULL;
  const char *host_value = g_str_equal (key, "host") ? NULL : "compute-1";

  /* GVariant strings are UTF-8 (D-Bus checks before any handler runs);
   * other bytes are the manager's own check to make */
  g_variant_builder_add (&builder, "{sv}", key,
                         g_utf8_validate (value, -1, NULL) ? g_variant_new_string (value)
                                                           : g_variant_new_bytestring (value));
  if (host_value != NULL)
    g_variant_builder_add (&builder, "{sv}", "host", g_variant_new_string (host_value));
  connector = g_variant_ref_sink (g_variant_builder_end (&builder));

  nova_volume_manager_initialize_connection (fx->manager, volume, connector, store_result, &result);
  info = nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error);
  g_clear_object (&result);
  if (!judge (fx, key, value, error))
    return;
  if (g_utf8_validate (value, -1, NULL) && *value != '\0'
      && (g_str_equal (key, "host") || g_str_equal (key, "initiator") || g_str_equal (key, "ip")))
    g_ptr_array_add (fx->accepted_connector_values, g_strdup (value));
  nova_volume_manager_terminate_connection (fx->manager, volume, connector, store_result, &result);
  finish (fx, &result, &error);
  g_assert_no_error (error);
}

static void
test_connectors (Fixture *fx, gconstpointer data)
{
  static const char *const keys[] = { "host", "initiator", "ip", "platform", "os_type", "wwpns" };
  g_autoptr(GPtrArray) values = hostile_values (CONN_MARK);
  g_autofree char *base = base_volume (fx);

  for (guint i = 0; i < values->len + G_N_ELEMENTS (bare_values); i++)
    {
      const char *value = i < values->len ? g_ptr_array_index (values, i) : bare_values[i - values->len];

      for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
        try_connect (fx, base, keys[k], value);
    }
  check_connector_values (fx);
  delete_volume (fx, base);
}

/* a value GVariant prints as text its parser cannot read back (a
 * subnormal double) was stored, and then no connection of the volume
 * could be listed: not terminated, the volume not deleted (found by
 * fuzz-dbus) */
static void
test_unstorable_connector (Fixture *fx, gconstpointer data)
{
  g_autofree char *base = base_volume (fx);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) connector = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) info = NULL;
  GError *error = NULL;

  g_variant_builder_add (&builder, "{sv}", "host", g_variant_new_string ("compute-1"));
  g_variant_builder_add (&builder, "{sv}", "x", g_variant_new_double (5e-324));
  connector = g_variant_ref_sink (g_variant_builder_end (&builder));
  nova_volume_manager_initialize_connection (fx->manager, base, connector, store_result, &result);
  info = nova_volume_manager_initialize_connection_finish (fx->manager, wait_result (&result), &error);
  g_assert_null (info);
  g_assert_false (judge (fx, "connector value", "5e-324", error));
  delete_volume (fx, base);
}

static void
test_check (Fixture *fx, gconstpointer data)
{
  g_autofree char *scratch = NULL;

  g_assert_cmpuint (fx->n_accepted + fx->n_refused, >, 0);
  if (g_str_equal (fx->driver_name, "fake"))
    {
      g_autoptr(NovaVolumeRecordingExecutor) executor = NULL;

      g_object_get (fx->driver, "executor", &executor, NULL);
      check_argv (fx, executor);
    }
  else if (fx->recorder != NULL)
    check_argv (fx, fx->recorder);
  else if (g_str_equal (fx->driver_name, "logging"))
    check_logging_calls (fx);
  check_files (fx, fx->parent, 0);
  /* nothing was made from a name anywhere else either */
  scratch = g_build_filename (g_get_tmp_dir (), NAME_MARK, NULL);
  g_assert_false (g_file_test (scratch, G_FILE_TEST_EXISTS));
  g_test_message ("%s driver: %u accepted, %u refused", fx->driver_name, fx->n_accepted, fx->n_refused);
}

/* each case runs its steps and then the checks, in one fixture */
typedef void (*Steps) (Fixture *fx, gconstpointer data);

typedef struct {
  const char *driver;
  Steps       steps;
} Case;

static void
run_case (Fixture *fx, gconstpointer data)
{
  const Case *c = data;

  c->steps (fx, c->driver);
  test_check (fx, c->driver);
}

static void
case_setup (Fixture *fx, gconstpointer data)
{
  fixture_setup (fx, ((const Case *) data)->driver);
}

static void
case_teardown (Fixture *fx, gconstpointer data)
{
  fixture_teardown (fx, ((const Case *) data)->driver);
}

int
main (int argc, char **argv)
{
  static const char *const drivers[] = { "file", "fake", "logging", "sheepdog" };
  static const struct {
    const char *name;
    Steps       steps;
  } steps[] = {
    { "volumes", test_volumes },
    { "snapshots", test_snapshots },
    { "attach", test_attach },
    { "connectors", test_connectors },
    { "unstorable-connector", test_unstorable_connector },
  };
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  g_test_init (&argc, &argv, NULL);
  for (gsize d = 0; d < G_N_ELEMENTS (drivers); d++)
    for (gsize s = 0; s < G_N_ELEMENTS (steps); s++)
      {
        Case *c = g_new0 (Case, 1);
        char *path = g_strdup_printf ("/hostile-names/%s/%s", drivers[d], steps[s].name);

        c->driver = drivers[d];
        c->steps = steps[s].steps;
        g_ptr_array_add (cases, c);
        g_ptr_array_add (paths, path);
        g_test_add (path, Fixture, c, case_setup, run_case, case_teardown);
      }
  return g_test_run ();
}
