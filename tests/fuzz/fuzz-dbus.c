/* nova-volume: fuzz target for the D-Bus API, through the daemon's real
 * handlers.
 *
 * The daemon runs in this process as nova-volumed runs it (config, store,
 * driver module, manager, init_host, NovaVolumeAuth for a per-user
 * instance, NovaVolumeDaemon), exported on one end of a socketpair; a
 * GDBus connection on the other end is the client. Every call goes
 * through GDBus's message parsing and signature checks, the
 * authorization handler, the daemon's handlers (parse_options, the path
 * checks) and the manager, as a call from busctl would.
 *
 * One input is a short script of calls (see decode_call): which method,
 * on which object, and how its arguments are made:
 *   - built for the method's signature, with strings, sizes and option
 *     dictionaries drawn from the input and from a table of hostile values
 *     (names with '/', '..', leading '-', spaces, newlines, 64 KiB, keys
 *     of every method, values of every type);
 *   - bytes of the input read as a GVariant of the method's signature
 *     (g_variant_new_from_data, untrusted, as GDBus reads a message);
 *   - a value of some other type, which GDBus must refuse.
 * Calls can be sent without waiting for the one before (ordering and the
 * op queue); after the last reply the whole object tree is read back
 * (GetManagedObjects: every property must still serialize), and what the
 * input created is deleted through the manager, so that every input starts
 * from the same empty daemon.
 *
 * Checked beyond "no crash, no leak, no warning": every error is one of
 * the API's (org.openstack.Volume1.Error.*) or the bus's own refusal of
 * a malformed call, and never Failed (the logging driver never fails);
 * every call is answered; no operation is left running.
 *
 * Leaks: LeakSanitizer checks every few thousand inputs (see
 * leak_check_now).
 *
 * NOVA_VOLUME_FUZZ_DRIVER picks the driver (logging, the default; fake;
 * file). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "fuzz-common.h"
#include "nova-dbus-generated.h"
#include "nova-volume-auth.h"
#include "nova-volume-daemon.h"
#include "nova-volume-error.h"
#include "nova-volume-manager.h"
#include "nova-volume-store.h"

#define MAX_CALLS        8
#define MAX_DEPTH        4
#define CALL_TIMEOUT_MS  20000

/* ---- the daemon in this process ------------------------------------- */

typedef struct {
  char              *dir;
  NovaVolumeConfig  *config;
  NovaVolumeStore   *store;
  NovaVolumeDriver  *driver;
  NovaVolumeManager *manager;
  NovaVolumeAuth    *auth;
  NovaVolumeDaemon  *daemon;
  GDBusConnection   *server;
  GDBusConnection   *client;
} Daemon;

static Daemon *daemon_instance;
static guint64 n_resets;
/* the logging driver never fails, so Failed from it is a bug */
static gboolean never_failed;

static void
got_server (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusConnection **slot = user_data;
  g_autoptr(GError) error = NULL;

  *slot = g_dbus_connection_new_finish (result, &error);
  if (*slot == NULL)
    g_error ("server end of the private connection: %s", error->message);
}

/* two ends of a socketpair, authenticated as a bus would (EXTERNAL: the
 * server learns the client's uid, which NovaVolumeAuth asks for) */
static void
connect_pair (GDBusConnection **out_server, GDBusConnection **out_client)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *guid = g_dbus_generate_guid ();
  g_autoptr(GSocket) server_socket = NULL, client_socket = NULL;
  g_autoptr(GSocketConnection) server_stream = NULL, client_stream = NULL;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    g_error ("socketpair: %s", g_strerror (errno));
  server_socket = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  client_socket = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  server_stream = g_socket_connection_factory_create_connection (server_socket);
  client_stream = g_socket_connection_factory_create_connection (client_socket);

  *out_server = NULL;
  g_dbus_connection_new (G_IO_STREAM (server_stream), guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER
                         | G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                         NULL, NULL, got_server, out_server);
  *out_client = g_dbus_connection_new_sync (G_IO_STREAM (client_stream), NULL,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                            NULL, NULL, &error);
  if (*out_client == NULL)
    g_error ("client end of the private connection: %s", error->message);
  while (*out_server == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static void
config_set (NovaVolumeConfig *config, const char *key, const char *value)
{
  g_autoptr(GError) error = NULL;

  if (!nova_volume_config_set (config, key, value, &error))
    g_error ("%s", error->message);
}

static Daemon *
daemon_start (void)
{
  Daemon *d = g_new0 (Daemon, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autoptr(NovaVolumeExecutor) executor = nova_volume_executor_new (1);
  g_autoptr(NovaVolumeDriverContext) ctx = NULL;
  const char *driver = g_getenv ("NOVA_VOLUME_FUZZ_DRIVER");

  d->dir = fuzz_make_scratch_dir ("dbus");
  db = g_build_filename (d->dir, "nova-volume.db", NULL);
  d->config = nova_volume_config_new ();
  if (driver == NULL || *driver == '\0')
    driver = "logging";
  never_failed = g_str_equal (driver, "logging");
  config_set (d->config, "volume_driver", driver);
  /* the logging driver writes each call as JSON, connectors included: to
   * nowhere, but through the serializer */
  config_set (d->config, "logging_driver_log", "/dev/null");

  d->store = nova_volume_store_open (db, &error);
  if (d->store == NULL)
    g_error ("%s", error->message);
  ctx = nova_volume_driver_context_new (d->config, executor, NOVA_VOLUME_LEDGER (d->store), d->dir);
  d->driver = nova_volume_driver_load (ctx, &error);
  if (d->driver == NULL)
    g_error ("%s", error->message);
  d->manager = nova_volume_manager_new (d->config, d->store, d->driver, &error);
  if (d->manager == NULL)
    g_error ("%s", error->message);
  /* backups go to a repository of the scratch directory's */
  {
    g_autofree char *path = g_build_filename (d->dir, "backups", NULL);
    g_autoptr(NovaVolumeBackupDirectory) repository = nova_volume_backup_directory_open (path, &error);

    if (repository == NULL)
      g_error ("%s", error->message);
    nova_volume_manager_set_backup_repository (d->manager, NOVA_VOLUME_BACKUP_REPOSITORY (repository), NULL);
  }
  if (!nova_volume_manager_init_host (d->manager, &error))
    g_error ("%s", error->message);
  d->auth = nova_volume_auth_new (G_BUS_TYPE_SESSION, getuid ());

  connect_pair (&d->server, &d->client);
  d->daemon = nova_volume_daemon_new (d->server, d->manager, d->auth);
  g_dbus_connection_start_message_processing (d->server);
  return d;
}

static void
daemon_stop (Daemon *d)
{
  g_autoptr(GError) error = NULL;

  if (d == NULL)
    return;
  g_clear_object (&d->daemon);
  if (!g_dbus_connection_close_sync (d->client, NULL, &error))
    g_clear_error (&error);
  if (!g_dbus_connection_close_sync (d->server, NULL, &error))
    g_clear_error (&error);
  /* let the closed connections' last callbacks run */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&d->client);
  g_clear_object (&d->server);
  g_clear_object (&d->auth);
  g_clear_object (&d->manager);
  g_clear_object (&d->driver);
  g_clear_object (&d->store);
  g_clear_object (&d->config);
  fuzz_remove_tree (d->dir);
  g_free (d->dir);
  g_free (d);
}

/* ---- driving the manager directly (clean-up) ------------------------- */

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

static gboolean
finish_operation (Daemon *d, GAsyncResult **result)
{
  gboolean ok = nova_volume_manager_operation_finish (d->manager, wait_result (result), NULL);

  g_clear_object (result);
  return ok;
}

/* Deletes every snapshot and volume, detaching and disconnecting first.
 * FALSE when something is left: the next input would not start empty. */
static gboolean
daemon_clear (Daemon *d)
{
  g_autoptr(GPtrArray) snapshots = nova_volume_manager_list_snapshots (d->manager);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GPtrArray) left_volumes = NULL;
  g_autoptr(GPtrArray) left_snapshots = NULL;

  for (guint i = 0; i < snapshots->len; i++)
    g_ptr_array_add (ids, g_strdup (((NovaSnapshotRecord *) g_ptr_array_index (snapshots, i))->id));
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GAsyncResult) result = NULL;

      nova_volume_manager_delete_snapshot (d->manager, g_ptr_array_index (ids, i), store_result, &result);
      finish_operation (d, &result);
    }

  g_ptr_array_set_size (ids, 0);
  volumes = nova_volume_manager_list_volumes (d->manager);
  for (guint i = 0; i < volumes->len; i++)
    g_ptr_array_add (ids, g_strdup (((NovaVolumeRecord *) g_ptr_array_index (volumes, i))->id));
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);
      const NovaVolumeRecord *volume = nova_volume_manager_lookup_volume (d->manager, id);
      g_autoptr(GPtrArray) connectors = NULL;
      g_autoptr(GAsyncResult) result = NULL;

      /* every attachment, the newest first (the record changes under us) */
      while (volume != NULL && volume->status == NOVA_VOLUME_STATUS_IN_USE && volume->attachments->len > 0)
        {
          const NovaAttachmentRecord *last = g_ptr_array_index (volume->attachments, volume->attachments->len - 1);
          g_autofree char *attachment = g_strdup (last->id);
          guint before = volume->attachments->len;

          nova_volume_manager_detach (d->manager, id, attachment, store_result, &result);
          finish_operation (d, &result);
          volume = nova_volume_manager_lookup_volume (d->manager, id);
          if (volume != NULL && volume->attachments->len >= before)
            break;
        }
      connectors = nova_volume_store_list_connections (d->store, id, NULL);
      for (guint j = 0; connectors != NULL && j < connectors->len; j++)
        {
          nova_volume_manager_terminate_connection (d->manager, id, g_ptr_array_index (connectors, j),
                                                    store_result, &result);
          finish_operation (d, &result);
        }
      nova_volume_manager_delete_volume (d->manager, id, store_result, &result);
      finish_operation (d, &result);
    }

  left_volumes = nova_volume_manager_list_volumes (d->manager);
  left_snapshots = nova_volume_manager_list_snapshots (d->manager);
  return left_volumes->len == 0 && left_snapshots->len == 0;
}

/* ---- values from the input ------------------------------------------ */

/* what the daemon's objects are called right now, for paths and options */
typedef struct {
  FuzzReader  reader;
  GPtrArray  *volume_paths;    /* char* */
  GPtrArray  *snapshot_paths;  /* char* */
  GPtrArray  *backup_paths;    /* char* */
} Script;

static const char *const hostile_strings[] = {
  "", "/", "..", ".", "../../../../etc/passwd", "a/b", "/tmp/x", "-", "--", "-rf", "--help",
  "-n", "--name=x", "- leading", " ", "a b", " trailing ", "\n", "line\nbreak", "\r\n", "\t",
  "name\x7f", "%s%s%s%n", "%x", "$(touch /tmp/nova-volume-fuzz-owned)", "`id`", "; rm -rf /",
  "'quote\"", "\\", "*", "?", "~", "volume-%s", "ünïcödé", "\xe2\x80\xae" "rtl", "\xef\xbb\xbf" "bom",
  "\xf0\x9f\x92\xbe", "nova", "file", "logging", "fake",
  "iqn.2010-10.org.openstack:host", "iqn.-x", "eui.02004567A425678D", "naa.", "iqn. x",
  "127.0.0.1", "::1", "fe80::1%eth0", "256.1.1.1", "0.0.0.0", "-1.2.3.4",
  "/dev/vdb", "/dev/", "/dev/..", "/dev/../etc/shadow", "/dev/-x", "/dev/ vdb", "/dev/vd\nb",
  "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d10", "0C36F3A2-5D29-4F4C-A0F5-6A5E8C7B9D10",
  "0c36f3a2_5d29_4f4c_a0f5_6a5e8c7b9d10", "00000000-0000-0000-0000-000000000000",
  "0c36f3a2-5d29-4f4c-a0f5-6a5e8c7b9d1", "auth.no_user_interaction",
};

/* option keys of every method, and a few near misses */
static const char *const option_keys[] = {
  "name", "description", "snapshot", "source-volume", "availability-zone", "metadata",
  "force", "host", "auth.no_user_interaction", "initiator", "ip", "platform", "os_type",
  "multipath", "wwpns", "backend", "type", "image-fd", "image-format", "metadata-set",
  "metadata-unset", "compressed", "fd", "any", "keep-name", "mode", "multiattach", "attachment", "connector",
  "auth.", "auth.x", "Name", "name ", "",
};

static char *
long_string (gsize len, char c)
{
  char *text = g_malloc (len + 1);

  memset (text, c, len);
  text[len] = '\0';
  return text;
}

/* a string as D-Bus carries it: valid UTF-8 without NUL */
static char *
make_string (Script *s)
{
  guint8 choice = fuzz_reader_u8 (&s->reader);

  if (choice < 96)
    return g_strdup (hostile_strings[choice % G_N_ELEMENTS (hostile_strings)]);
  if (choice < 104)
    {
      static const gsize lengths[] = { 255, 256, 4096, 4097, 65536, 65535, 1024, 100000 };
      static const char fill[] = "a-/. \n\xff";
      gsize len = lengths[choice - 96];
      char c = fill[fuzz_reader_u8 (&s->reader) % (sizeof fill - 1)];

      /* multi-byte text counts characters, not bytes: "é" x N */
      if ((guchar) c == 0xff)
        {
          GString *text = g_string_sized_new (len * 2);

          for (gsize i = 0; i < len; i++)
            g_string_append (text, "\xc3\xa9");
          return g_string_free (text, FALSE);
        }
      return long_string (len, c);
    }
  if (choice < 112 && s->volume_paths->len > 0)
    return g_strdup (g_ptr_array_index (s->volume_paths, fuzz_reader_u8 (&s->reader) % s->volume_paths->len));
  {
    gsize len = 0;
    const guint8 *bytes = fuzz_reader_bytes (&s->reader, 4096, &len);
    g_autofree char *raw = g_strndup ((const char *) bytes, len);

    return g_utf8_make_valid (raw, -1);
  }
}

static char *
make_object_path (Script *s)
{
  guint8 choice = fuzz_reader_u8 (&s->reader);

  switch (choice % 8)
    {
    case 0:
    case 1:
      if (s->volume_paths->len > 0)
        return g_strdup (g_ptr_array_index (s->volume_paths, fuzz_reader_u8 (&s->reader) % s->volume_paths->len));
      return g_strdup (NOVA_VOLUME_DBUS_VOLUMES "0c36f3a2_5d29_4f4c_a0f5_6a5e8c7b9d10");
    case 2:
    case 3:
      if (s->snapshot_paths->len > 0)
        return g_strdup (g_ptr_array_index (s->snapshot_paths,
                                            fuzz_reader_u8 (&s->reader) % s->snapshot_paths->len));
      return g_strdup (NOVA_VOLUME_DBUS_SNAPSHOTS "0c36f3a2_5d29_4f4c_a0f5_6a5e8c7b9d10");
    case 4:
      return g_strdup ("/");
    case 5:
      return g_strdup (NOVA_VOLUME_DBUS_MANAGER);
    default:
      {
        /* a path built from the input: element characters kept, the
         * rest becomes '_' */
        g_autofree char *raw = make_string (s);
        GString *path = g_string_new (choice & 8 ? NOVA_VOLUME_DBUS_VOLUMES : NOVA_VOLUME_DBUS_SNAPSHOTS);

        for (const char *p = raw; *p != '\0' && path->len < 300; p++)
          g_string_append_c (path, g_ascii_isalnum (*p) || *p == '_' ? *p : '_');
        if (g_str_has_suffix (path->str, "/"))
          g_string_append_c (path, 'x');
        return g_string_free (path, FALSE);
      }
    }
}

static guint64
make_size (Script *s)
{
  static const guint64 sizes[] = {
    0, 1, 511, 512, 513, 4095, 4096, (guint64) 1 << 20, ((guint64) 1 << 20) + 1, (guint64) 1 << 30,
    (guint64) 1 << 40, (guint64) 1 << 50, (guint64) G_MAXINT64 - 511, (guint64) G_MAXINT64,
    (guint64) G_MAXINT64 + 1, G_MAXUINT64 - 4 * 1024 * 1024, G_MAXUINT64 - 1, G_MAXUINT64,
    G_MAXUINT64 / 2, G_MAXUINT64 / 2 + 1,
  };
  guint8 choice = fuzz_reader_u8 (&s->reader);

  if (choice < 200)
    return sizes[choice % G_N_ELEMENTS (sizes)];
  return fuzz_reader_u64 (&s->reader);
}

static GVariant *make_value (Script *s, const GVariantType *type, guint depth);

/* a type for a variant's contents: mostly those the options take */
static const GVariantType *
make_variant_type (Script *s, guint depth)
{
  static const char *const types[] = {
    "s", "o", "b", "t", "a{ss}", "s", "b", "u", "i", "x", "d", "y", "n", "q", "g", "h", "as", "ay",
    "a{sv}", "v", "(ss)", "a{s(ii)}", "ao", "aay", "a{ss}", "s",
  };
  guint8 choice = fuzz_reader_u8 (&s->reader) % G_N_ELEMENTS (types);

  /* deep nesting only while the depth allows it */
  if (depth >= MAX_DEPTH && (g_str_equal (types[choice], "v") || g_str_equal (types[choice], "a{sv}")))
    return G_VARIANT_TYPE_STRING;
  return G_VARIANT_TYPE (types[choice]);
}

static GVariant *
make_dict_of_variants (Script *s, guint depth)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  guint n = fuzz_reader_u8 (&s->reader) % 9;

  for (guint i = 0; i < n; i++)
    {
      guint8 choice = fuzz_reader_u8 (&s->reader);
      g_autofree char *key = choice < 224 ? g_strdup (option_keys[choice % G_N_ELEMENTS (option_keys)])
                                          : make_string (s);
      GVariant *value;

      /* the key's own type half of the time, any other the rest */
      if (fuzz_reader_u8 (&s->reader) & 1)
        {
          const GVariantType *type = G_VARIANT_TYPE_STRING;

          if (g_str_equal (key, "force") || g_str_equal (key, "auth.no_user_interaction")
              || g_str_equal (key, "compressed") || g_str_equal (key, "any") || g_str_equal (key, "keep-name")
              || g_str_equal (key, "multiattach"))
            type = G_VARIANT_TYPE_BOOLEAN;
          else if (g_str_equal (key, "snapshot") || g_str_equal (key, "source-volume")
                   || g_str_equal (key, "attachment"))
            type = G_VARIANT_TYPE_OBJECT_PATH;
          else if (g_str_equal (key, "connector"))
            type = G_VARIANT_TYPE_VARDICT;
          else if (g_str_equal (key, "metadata") || g_str_equal (key, "metadata-set"))
            type = G_VARIANT_TYPE ("a{ss}");
          else if (g_str_equal (key, "metadata-unset"))
            type = G_VARIANT_TYPE_STRING_ARRAY;
          else if (g_str_equal (key, "image-fd") || g_str_equal (key, "fd"))
            type = G_VARIANT_TYPE_HANDLE;
          value = make_value (s, type, depth + 1);
        }
      else
        {
          value = make_value (s, make_variant_type (s, depth + 1), depth + 1);
        }
      g_variant_builder_add (&builder, "{sv}", key, value);
    }
  return g_variant_builder_end (&builder);
}

/* a value of @type built from the input (floating) */
static GVariant *
make_value (Script *s, const GVariantType *type, guint depth)
{
  if (g_variant_type_equal (type, G_VARIANT_TYPE_STRING))
    {
      g_autofree char *text = make_string (s);
      return g_variant_new_string (text);
    }
  if (g_variant_type_equal (type, G_VARIANT_TYPE_OBJECT_PATH))
    {
      g_autofree char *path = make_object_path (s);
      return g_variant_new_object_path (path);
    }
  if (g_variant_type_equal (type, G_VARIANT_TYPE_SIGNATURE))
    return g_variant_new_signature (fuzz_reader_u8 (&s->reader) & 1 ? "a{sv}" : "");
  if (g_variant_type_equal (type, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_new_boolean (fuzz_reader_u8 (&s->reader) & 1);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_UINT64))
    return g_variant_new_uint64 (make_size (s));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_INT64))
    return g_variant_new_int64 ((gint64) make_size (s));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_UINT32))
    return g_variant_new_uint32 (fuzz_reader_u32 (&s->reader));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_INT32))
    return g_variant_new_int32 ((gint32) fuzz_reader_u32 (&s->reader));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_HANDLE))
    return g_variant_new_handle ((gint32) fuzz_reader_u32 (&s->reader));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_UINT16))
    return g_variant_new_uint16 ((guint16) fuzz_reader_u32 (&s->reader));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_INT16))
    return g_variant_new_int16 ((gint16) fuzz_reader_u32 (&s->reader));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTE))
    return g_variant_new_byte (fuzz_reader_u8 (&s->reader));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_DOUBLE))
    {
      static const double doubles[] = { 0.0, -0.0, 1.5, 1e308, -1e308, 5e-324 };
      guint8 choice = fuzz_reader_u8 (&s->reader);
      guint64 bits = fuzz_reader_u64 (&s->reader);
      double value;

      /* NaN and the infinities come from the raw bits */
      if (choice < 128)
        return g_variant_new_double (doubles[choice % G_N_ELEMENTS (doubles)]);
      memcpy (&value, &bits, sizeof value);
      return g_variant_new_double (value);
    }
  if (g_variant_type_equal (type, G_VARIANT_TYPE_VARDICT))
    return make_dict_of_variants (s, depth);
  if (g_variant_type_equal (type, G_VARIANT_TYPE_VARIANT))
    return g_variant_new_variant (make_value (s, make_variant_type (s, depth + 1), depth + 1));
  if (g_variant_type_equal (type, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize len = 0;
      const guint8 *bytes = fuzz_reader_bytes (&s->reader, 4096, &len);
      /* raw bytes, non-UTF-8 and NULs included */
      return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, len, 1);
    }
  if (g_variant_type_is_array (type))
    {
      g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (type);
      guint n = depth < MAX_DEPTH ? fuzz_reader_u8 (&s->reader) % 6 : 0;

      for (guint i = 0; i < n; i++)
        g_variant_builder_add_value (&builder, make_value (s, g_variant_type_element (type), depth + 1));
      return g_variant_builder_end (&builder);
    }
  if (g_variant_type_is_dict_entry (type))
    {
      GVariant *key = make_value (s, g_variant_type_key (type), depth + 1);
      GVariant *value = make_value (s, g_variant_type_value (type), depth + 1);

      return g_variant_new_dict_entry (key, value);
    }
  if (g_variant_type_is_tuple (type))
    {
      g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (type);

      for (const GVariantType *item = g_variant_type_first (type); item != NULL;
           item = g_variant_type_next (item))
        g_variant_builder_add_value (&builder, make_value (s, item, depth + 1));
      return g_variant_builder_end (&builder);
    }
  g_error ("no generator for type %.*s", (int) g_variant_type_get_string_length (type),
           g_variant_type_peek_string (type));
}

/* ---- the calls ------------------------------------------------------- */

typedef enum {
  TARGET_MANAGER,
  TARGET_VOLUME,
  TARGET_SNAPSHOT,
  TARGET_JOB,
  TARGET_BACKUP,
  TARGET_ANY,   /* the standard interfaces: any object */
} TargetKind;

typedef struct {
  TargetKind  target;
  const char *interface_name;
  const char *method_name;
  const char *signature;     /* of the in arguments, "()" for none */
} MethodSpec;

static GPtrArray *method_specs;   /* MethodSpec*, from the introspection data */

static void
add_interface_methods (TargetKind target, GDBusInterfaceInfo *info)
{
  for (guint i = 0; info->methods[i] != NULL; i++)
    {
      GDBusMethodInfo *method = info->methods[i];
      MethodSpec *spec = g_new0 (MethodSpec, 1);
      GString *signature = g_string_new ("(");

      for (guint j = 0; method->in_args != NULL && method->in_args[j] != NULL; j++)
        g_string_append (signature, method->in_args[j]->signature);
      g_string_append_c (signature, ')');
      spec->target = target;
      spec->interface_name = info->name;
      spec->method_name = method->name;
      spec->signature = g_intern_string (signature->str);
      g_string_free (signature, TRUE);
      g_ptr_array_add (method_specs, spec);
    }
}

static void
add_method (TargetKind target, const char *interface_name, const char *method_name, const char *signature)
{
  MethodSpec *spec = g_new0 (MethodSpec, 1);

  spec->target = target;
  spec->interface_name = interface_name;
  spec->method_name = method_name;
  spec->signature = signature;
  g_ptr_array_add (method_specs, spec);
}

/* every method of the API, from the same XML the skeletons come from, so
 * a new method is fuzzed without anyone adding it here */
static void
init_method_specs (void)
{
  method_specs = g_ptr_array_new_with_free_func (g_free);
  add_interface_methods (TARGET_MANAGER, nova_dbus_manager_interface_info ());
  add_interface_methods (TARGET_VOLUME, nova_dbus_volume_interface_info ());
  add_interface_methods (TARGET_SNAPSHOT, nova_dbus_snapshot_interface_info ());
  add_interface_methods (TARGET_JOB, nova_dbus_job_interface_info ());
  add_interface_methods (TARGET_BACKUP, nova_dbus_backup_interface_info ());
  add_method (TARGET_ANY, "org.freedesktop.DBus.Properties", "GetAll", "(s)");
  add_method (TARGET_ANY, "org.freedesktop.DBus.Properties", "Get", "(ss)");
  add_method (TARGET_ANY, "org.freedesktop.DBus.Properties", "Set", "(ssv)");
  add_method (TARGET_ANY, "org.freedesktop.DBus.Introspectable", "Introspect", "()");
  add_method (TARGET_ANY, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "()");
}

/* the object a call goes to */
static char *
call_path (Script *s, TargetKind target)
{
  guint8 choice = fuzz_reader_u8 (&s->reader);

  switch (target)
    {
    case TARGET_MANAGER:
      return g_strdup (choice < 240 ? NOVA_VOLUME_DBUS_MANAGER : NOVA_VOLUME_DBUS_ROOT);
    case TARGET_VOLUME:
      if (choice < 200 && s->volume_paths->len > 0)
        return g_strdup (g_ptr_array_index (s->volume_paths, choice % s->volume_paths->len));
      return make_object_path (s);
    case TARGET_SNAPSHOT:
      if (choice < 200 && s->snapshot_paths->len > 0)
        return g_strdup (g_ptr_array_index (s->snapshot_paths, choice % s->snapshot_paths->len));
      return make_object_path (s);
    case TARGET_JOB:
      return g_strdup_printf (NOVA_VOLUME_DBUS_JOBS "%u", choice % 4);
    case TARGET_BACKUP:
      if (choice < 200 && s->backup_paths->len > 0)
        return g_strdup (g_ptr_array_index (s->backup_paths, choice % s->backup_paths->len));
      return make_object_path (s);
    case TARGET_ANY:
    default:
      if (choice < 64)
        return g_strdup (NOVA_VOLUME_DBUS_ROOT);
      if (choice < 96)
        return g_strdup (NOVA_VOLUME_DBUS_MANAGER);
      return make_object_path (s);
    }
}

/* the arguments: built for the signature, read from bytes as that
 * signature, or of a wrong type altogether; a full reference */
static GVariant *
call_parameters (Script *s, const MethodSpec *spec)
{
  guint8 mode = fuzz_reader_u8 (&s->reader);
  const GVariantType *type = G_VARIANT_TYPE (spec->signature);

  if (mode < 208)
    return g_variant_ref_sink (make_value (s, type, 0));
  if (mode < 240)
    {
      gsize len = 0;
      const guint8 *bytes = fuzz_reader_bytes (&s->reader, 65536 + 1024, &len);
      g_autoptr(GBytes) data = g_bytes_new (bytes, len);
      /* untrusted: GVariant checks as it reads, as GDBus does for a
       * message; the normal form (a full reference) is what would have
       * been on the wire */
      g_autoptr(GVariant) raw = g_variant_ref_sink (g_variant_new_from_bytes (type, data, FALSE));

      return g_variant_get_normal_form (raw);
    }
  {
    static const char *const wrong[] = { "(s)", "(ta{ss})", "(tv)", "(a{sv}t)", "(sss)", "(b)", "()" };
    const char *signature = wrong[mode % G_N_ELEMENTS (wrong)];

    if (g_str_equal (signature, spec->signature))
      signature = "(ay)";
    return g_variant_ref_sink (make_value (s, G_VARIANT_TYPE (signature), 0));
  }
}

/* A call sent and not yet answered. What it was is kept as sent and put
 * in words only for a message: printing every call's arguments (up to
 * 100 000 characters each) took 7 % of the fuzzer's time. */
typedef struct {
  const char *interface_name;
  const char *method_name;
  char       *path;
  GVariant   *parameters;   /* NULL for none */
  gboolean    done;
} PendingCall;

/* "Interface.Method on path (arguments)", for messages */
static char *
describe_call (const PendingCall *call)
{
  g_autofree char *shown = call->parameters != NULL ? g_variant_print (call->parameters, TRUE) : g_strdup ("()");

  if (strlen (shown) > 2000)
    strcpy (shown + 1990, "...");
  return g_strdup_printf ("%s.%s on %s %s", call->interface_name, call->method_name, call->path, shown);
}

static void
check_error (const PendingCall *call, const GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);
  g_autofree char *what = NULL;

  /* what the client side could not put in a message (a GVariant read
   * from bytes can hold what D-Bus cannot carry: an empty tuple) never
   * reached the daemon */
  if (!g_dbus_error_is_remote_error (error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
    return;
  /* the bus's own refusals of a malformed call (wrong signature, no
   * such method, object or interface, a read-only property) */
  if (remote != NULL && g_str_has_prefix (remote, "org.freedesktop.DBus.Error."))
    return;
  if (never_failed && g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED))
    {
      what = describe_call (call);
      g_error ("%s failed with Failed, which the logging driver never causes: %s", what, error->message);
    }
  if (error->domain != NOVA_VOLUME_ERROR)
    {
      what = describe_call (call);
      g_error ("%s failed with an error outside the API: %s (%s)", what, error->message,
             remote != NULL ? remote : g_quark_to_string (error->domain));
    }
}

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PendingCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_autofree char *what = describe_call (call);
          g_error ("%s was not answered within %d ms", what, CALL_TIMEOUT_MS);
        }
      check_error (call, error);
    }
  call->done = TRUE;
}

static void
wait_calls (GPtrArray *pending)
{
  for (guint i = 0; i < pending->len; i++)
    {
      PendingCall *call = g_ptr_array_index (pending, i);

      while (!call->done)
        g_main_context_iteration (NULL, TRUE);
    }
}

static void
pending_call_free (gpointer p)
{
  PendingCall *call = p;

  g_free (call->path);
  g_clear_pointer (&call->parameters, g_variant_unref);
  g_free (call);
}

/* the object paths of what exists now */
static void
refresh_paths (Script *s, Daemon *d)
{
  g_autoptr(GPtrArray) volumes = nova_volume_manager_list_volumes (d->manager);
  g_autoptr(GPtrArray) snapshots = nova_volume_manager_list_snapshots (d->manager);
  g_autoptr(GPtrArray) backups = nova_volume_manager_list_backups (d->manager);

  g_ptr_array_set_size (s->volume_paths, 0);
  g_ptr_array_set_size (s->snapshot_paths, 0);
  g_ptr_array_set_size (s->backup_paths, 0);
  for (guint i = 0; i < backups->len; i++)
    g_ptr_array_add (s->backup_paths,
                     nova_volume_daemon_backup_path (((NovaBackupRecord *) g_ptr_array_index (backups, i))->id));
  for (guint i = 0; i < volumes->len; i++)
    g_ptr_array_add (s->volume_paths,
                     nova_volume_daemon_volume_path (((NovaVolumeRecord *) g_ptr_array_index (volumes, i))->id));
  for (guint i = 0; i < snapshots->len; i++)
    g_ptr_array_add (s->snapshot_paths,
                     nova_volume_daemon_snapshot_path (((NovaSnapshotRecord *) g_ptr_array_index (snapshots, i))->id));
}

/* GetManagedObjects as a client would call it: every property of every
 * object has to serialize */
static void
read_everything (Daemon *d)
{
  g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func (pending_call_free);
  PendingCall *call = g_new0 (PendingCall, 1);

  /* asynchronously: the daemon answers from this thread's main loop */
  call->interface_name = "org.freedesktop.DBus.ObjectManager";
  call->method_name = "GetManagedObjects";
  call->path = g_strdup (NOVA_VOLUME_DBUS_ROOT);
  g_ptr_array_add (pending, call);
  g_dbus_connection_call (d->client, NULL, NOVA_VOLUME_DBUS_ROOT, "org.freedesktop.DBus.ObjectManager",
                          "GetManagedObjects", NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                          G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, call_done, call);
  wait_calls (pending);
}

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* every call was answered, so no operation may be left running; one
 * that is finishes in this thread's main context, so wait there rather
 * than sleep */
static void
wait_idle (Daemon *d)
{
  gboolean late = FALSE;
  guint deadline;

  if (nova_volume_manager_get_n_operations (d->manager) == 0)
    return;
  deadline = g_timeout_add (CALL_TIMEOUT_MS, set_flag, &late);
  while (nova_volume_manager_get_n_operations (d->manager) > 0)
    {
      if (late)
        g_error ("%u operations still running after every call was answered",
                 nova_volume_manager_get_n_operations (d->manager));
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (deadline);
}

/* Runs what the input left for the main loop (a property change the
 * skeletons emit from an idle), so that it happens in this input and not
 * in the middle of the next one. */
static void
settle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- leak checks ------------------------------------------------------ */

/* libFuzzer checks for leaks after an input only when it made more
 * allocations than it freed, and gives up after a thousand inputs that
 * did without leaking. Here most inputs do: the logging driver records
 * every call it gets (the fake driver every command), in memory, on
 * purpose. So the fuzzer asks LeakSanitizer itself every 5 000 inputs
 * (NOVA_VOLUME_FUZZ_LEAK_CHECK_EVERY=N: every N), and keeps those inputs
 * to find the one that leaked. A check takes a fifth of a second or more,
 * as the heap grows. */
#define LEAK_CHECK_EVERY   5000
#define LEAK_WINDOW_BYTES  (8 * 1024 * 1024)

/* there only when the fuzzer runs under LeakSanitizer (ASan) */
extern int __lsan_do_recoverable_leak_check (void) __attribute__ ((weak));

static struct {
  gboolean  enabled;
  char     *prefix;       /* where a leak's inputs go: libFuzzer's -artifact_prefix */
  guint64   transient;    /* reports a second check did not repeat */
  guint8   *bytes;        /* the inputs since the last check, back to back */
  gsize     used;
  gsize    *lengths;      /* every of them */
  guint     n;
  guint     every;
  guint64   first;        /* the number of the window's first input */
} leaks;

static void
leak_check_init (int argc, char **argv)
{
  const char *every = g_getenv ("NOVA_VOLUME_FUZZ_LEAK_CHECK_EVERY");

  leaks.enabled = __lsan_do_recoverable_leak_check != NULL;
  leaks.every = LEAK_CHECK_EVERY;
  if (every != NULL && *every != '\0')
    leaks.every = (guint) CLAMP (g_ascii_strtoull (every, NULL, 10), 1, 1000000);
  leaks.prefix = g_strdup ("");
  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "-artifact_prefix="))
        {
          g_free (leaks.prefix);
          leaks.prefix = g_strdup (argv[i] + strlen ("-artifact_prefix="));
        }
    }
  if (!leaks.enabled)
    return;
  /* allocated once: the window itself must not look like a leak */
  leaks.bytes = g_malloc (LEAK_WINDOW_BYTES);
  leaks.lengths = g_new (gsize, leaks.every);
}

static void
leak_check_free (void)
{
  g_clear_pointer (&leaks.bytes, g_free);
  g_clear_pointer (&leaks.lengths, g_free);
  g_clear_pointer (&leaks.prefix, g_free);
}

/* TRUE when LeakSanitizer finds a leak and still finds one a moment
 * later. What is truly leaked stays unreachable, so the second check
 * repeats a true report; a block that only looked unreachable because a
 * thread was starting or exiting while the first check stopped the world
 * (GLib's per-thread slice cache is 1 KiB from g_malloc0) is reachable or
 * freed by then, and that report is counted, not fatal. */
static gboolean
leak_report_holds (void)
{
  if (__lsan_do_recoverable_leak_check () == 0)
    return FALSE;
  /* let the daemon's and GDBus's threads finish what they were doing */
  for (guint i = 0; i < 20; i++)
    {
      settle ();
      g_usleep (10 * 1000);
    }
  if (__lsan_do_recoverable_leak_check () != 0)
    return TRUE;
  leaks.transient++;
  fprintf (stderr, "fuzz-dbus: the leak report above after inputs %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
           " did not hold: a second check 0.2 s later found every block reachable or freed\n",
           leaks.first + 1, leaks.first + leaks.n);
  return FALSE;
}

/* LeakSanitizer's check; on a leak the window's inputs are written to
 * <prefix>leak-window-<number of the first>/ and the run stops (abort: the
 * input that just ran is also saved by libFuzzer, as a crash) */
static void
leak_check_now (void)
{
  g_autofree char *dir = NULL;
  gsize offset = 0;

  if (leaks.n == 0 || !leak_report_holds ())
    {
      leaks.first += leaks.n;
      leaks.n = 0;
      leaks.used = 0;
      return;
    }
  if (leaks.n == 1)
    {
      fprintf (stderr, "fuzz-dbus: LeakSanitizer found the leaks above after input %" G_GUINT64_FORMAT
               ", the one that ran last\n", leaks.first + 1);
      abort ();
    }
  dir = g_strdup_printf ("%sleak-window-%" G_GUINT64_FORMAT, leaks.prefix, leaks.first + 1);
  if (g_mkdir_with_parents (dir, 0755) < 0)
    g_error ("LeakSanitizer found a leak; cannot keep the inputs in %s: %s", dir, g_strerror (errno));
  for (guint i = 0; i < leaks.n; i++)
    {
      g_autofree char *file = g_strdup_printf ("%s/input-%04u", dir, i);
      g_autoptr(GError) error = NULL;

      if (!g_file_set_contents (file, (const char *) leaks.bytes + offset, (gssize) leaks.lengths[i], &error))
        g_error ("LeakSanitizer found a leak; cannot keep the inputs: %s", error->message);
      offset += leaks.lengths[i];
    }
  fprintf (stderr, "fuzz-dbus: LeakSanitizer found the leaks above after inputs %" G_GUINT64_FORMAT
           " to %" G_GUINT64_FORMAT ", kept in %s/; NOVA_VOLUME_FUZZ_LEAK_CHECK_EVERY=1 and -runs=0 %s"
           " finds the one\n", leaks.first + 1, leaks.first + leaks.n, dir, dir);
  abort ();
}

/* keeps the input for the next check, checking first when it does not fit */
static void
leak_check_keep (const uint8_t *data, size_t size)
{
  if (!leaks.enabled)
    return;
  if (size > LEAK_WINDOW_BYTES)
    size = LEAK_WINDOW_BYTES;
  if (leaks.used + size > LEAK_WINDOW_BYTES)
    leak_check_now ();
  if (size > 0)
    memcpy (leaks.bytes + leaks.used, data, size);
  leaks.used += size;
  leaks.lengths[leaks.n++] = size;
}

static void
leak_check_after_input (void)
{
  if (leaks.enabled && leaks.n == leaks.every)
    leak_check_now ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  leak_check_init (*argc, *argv);
  /* the modules come from the build tree, as for every test */
  init_method_specs ();
  daemon_instance = daemon_start ();
  return 0;
}

void
fuzz_cleanup (void)
{
  g_clear_pointer (&daemon_instance, daemon_stop);
  g_clear_pointer (&method_specs, g_ptr_array_unref);
  if (leaks.transient > 0)
    fprintf (stderr, "fuzz-dbus: %" G_GUINT64_FORMAT " leak reports did not hold on a second check\n",
             leaks.transient);
  leak_check_free ();
  if (n_resets > 0)
    fprintf (stderr, "fuzz-dbus: the daemon was started afresh %" G_GUINT64_FORMAT " times\n", n_resets);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  Daemon *d = daemon_instance;
  g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func (pending_call_free);
  Script s = { { NULL, 0, 0 }, NULL, NULL, NULL };
  guint n_calls;

  leak_check_keep (data, size);
  fuzz_reader_init (&s.reader, data, size);
  s.volume_paths = g_ptr_array_new_with_free_func (g_free);
  s.snapshot_paths = g_ptr_array_new_with_free_func (g_free);
  s.backup_paths = g_ptr_array_new_with_free_func (g_free);
  n_calls = 1 + fuzz_reader_u8 (&s.reader) % MAX_CALLS;

  for (guint i = 0; i < n_calls && !fuzz_reader_empty (&s.reader); i++)
    {
      guint8 header = fuzz_reader_u8 (&s.reader);
      const MethodSpec *spec = g_ptr_array_index (method_specs, fuzz_reader_u8 (&s.reader) % method_specs->len);
      PendingCall *call;
      GDBusCallFlags flags = G_DBUS_CALL_FLAGS_NONE;

      refresh_paths (&s, d);
      call = g_new0 (PendingCall, 1);
      call->interface_name = spec->interface_name;
      call->method_name = spec->method_name;
      call->path = call_path (&s, spec->target);
      call->parameters = call_parameters (&s, spec);
      if (header & 2)
        flags |= G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION;

      g_ptr_array_add (pending, call);
      g_dbus_connection_call (d->client, NULL, call->path, spec->interface_name, spec->method_name,
                              call->parameters, NULL, flags, CALL_TIMEOUT_MS, NULL, call_done, call);
      /* without bit 0 the next call is sent before this one is answered */
      if (header & 1)
        wait_calls (pending);
    }
  wait_calls (pending);

  wait_idle (d);
  read_everything (d);

  if (!daemon_clear (d))
    {
      /* something refused to go (a volume in a state nobody can delete it
       * from): start afresh rather than carry it into the next input */
      n_resets++;
      daemon_stop (d);
      daemon_instance = daemon_start ();
    }

  settle ();
  g_ptr_array_unref (s.volume_paths);
  g_ptr_array_unref (s.snapshot_paths);
  g_ptr_array_unref (s.backup_paths);
  leak_check_after_input ();
  return 0;
}
