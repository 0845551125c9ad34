/* nova-volumectl: the command-line client of nova-volumed, in the spirit of
 * udisksctl. Every command talks to the daemon over D-Bus through the
 * gdbus-codegen proxies; nothing here touches storage itself. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "nova-dbus-generated.h"
#include "nova-volume-client.h"
#include "nova-volume-error.h"
#include "nova-volume-session-bus.h"
#include "nova-volume-size.h"
#include "nova-volume-suggest.h"
#include "nova-volumectl-auth.h"
#include "nova-volumectl-progress.h"
#include "nova-volumectl-table.h"

#define PROGRAM "nova-volumectl"
#define BUS_NAME "org.openstack.Volume1"
#define ROOT_PATH "/org/openstack/Volume1"
#define MANAGER_PATH ROOT_PATH "/Manager"
#define MANAGER_INTERFACE "org.openstack.Volume1.Manager"
#define VOLUMES_PREFIX ROOT_PATH "/volumes/"
#define SNAPSHOTS_PREFIX ROOT_PATH "/snapshots/"
#define ATTACHMENTS_PREFIX ROOT_PATH "/attachments/"
#define BACKUPS_PREFIX ROOT_PATH "/backups/"
#define ERROR_PREFIX "org.openstack.Volume1.Error."
#define INITIATOR_FILE "/etc/iscsi/initiatorname.iscsi"
/* the shortest start of an ID that names an object (as the client
 * library takes them) */
#define MIN_ID_PREFIX 4
/* a backup's parent in the backups table: the start of its ID */
#define SHORT_ID_LENGTH 8

enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_USAGE = 2,
};

typedef enum {
  KIND_VOLUME = 1 << 0,
  KIND_SNAPSHOT = 1 << 1,
  KIND_BACKUP = 1 << 2,
} Kind;

typedef struct _Command Command;
struct _Command {
  const char *name;
  int (*handler) (const Command *cmd, int argc, char **argv);
  const char *usage;   /* the positional arguments, as --help shows them; NULL for none */
  const char *summary;
};

/* global options; accepted before and after the command name */
static gboolean opt_session;
static gboolean opt_no_user_interaction;
static gboolean opt_json;
static gboolean opt_version;

static const GOptionEntry global_entries[] = {
  { "session", 0, 0, G_OPTION_ARG_NONE, &opt_session,
    N_("Talk to a per-user nova-volumed on the session bus"), NULL },
  { "no-user-interaction", 0, 0, G_OPTION_ARG_NONE, &opt_no_user_interaction,
    N_("Fail instead of asking for authentication"), NULL },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json,
    N_("Print JSON instead of text"), NULL },
  G_OPTION_ENTRY_NULL
};

static int usage_error (const Command *cmd, const char *format, ...) G_GNUC_PRINTF (2, 3);
static int cmd_help (const Command *cmd, int argc, char **argv);

/* ---- output ---------------------------------------------------------- */

static int
usage_error (const Command *cmd, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("%s: %s\n", PROGRAM, message);
  if (cmd != NULL)
    g_printerr (_("Try “%s %s --help” for more information.\n"), PROGRAM, cmd->name);
  else
    g_printerr (_("Try “%s --help” for more information.\n"), PROGRAM);
  return EXIT_USAGE;
}

/* "<message> (InvalidState)": the daemon's words first, then the error
 * name a script can match on */
/* The daemon words its advice for any D-Bus caller; what a person at
 * this command line types instead */
static const struct {
  const char *dbus;
  const char *cli;
} advice_in_cli_terms[] = {
  { "pass the option force=true to take it anyway", "use --force to take it anyway" },
  { "call TerminateConnection with its connector first", "disconnect it first (nova-volumectl disconnect)" },
  { "call TerminateConnection with each connector first",
    "disconnect each host first (nova-volumectl disconnect, once for each)" },
  { "pass option any=true where the backend can go further back",
    "use --any where the backend can go further back" },
  { "leave out keep-name to have it renamed", "leave out --keep-name to have it renamed" },
  { "give option attachment to say which to end", "name the instance to detach from (nova-volumectl detach ID INSTANCE)" },
  { "Unmanage it and manage it again", "unmanage it and manage it again (nova-volumectl unmanage, manage)" },
  { "give force to back it up from a temporary snapshot", "use --force to back it up from a temporary snapshot" },
};

static char *
in_cli_terms (const char *message)
{
  g_autoptr(GString) text = g_string_new (message);

  for (gsize i = 0; i < G_N_ELEMENTS (advice_in_cli_terms); i++)
    g_string_replace (text, advice_in_cli_terms[i].dbus, advice_in_cli_terms[i].cli, 0);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static int
fail (GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);
  g_autofree char *message = NULL;

  if (remote != NULL)
    g_dbus_error_strip_remote_error (error);
  /* the daemon's refusal, explained here, keeps its name */
  else if (error->domain == NOVA_VOLUME_ERROR)
    remote = g_dbus_error_encode_gerror (error);
  message = in_cli_terms (error->message);
  if (remote != NULL && g_str_has_prefix (remote, ERROR_PREFIX))
    g_printerr ("%s: %s (%s)\n", PROGRAM, message, remote + strlen (ERROR_PREFIX));
  else
    g_printerr ("%s: %s\n", PROGRAM, message);
  return EXIT_FAILED;
}

/* JSON is UTF-8 whatever the locale: bypass g_print's charset conversion */
static void
print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
}

/* "key: value" lines with the values in one column; continuation lines
 * of a multi-line value line up under its first line */
static void
print_aligned (GPtrArray *pairs, const char *indent)
{
  gsize width = 0;

  for (guint i = 0; i < pairs->len; i += 2)
    width = MAX (width, strlen (g_ptr_array_index (pairs, i)) + 1);

  for (guint i = 0; i < pairs->len; i += 2)
    {
      g_autofree char *label = g_strconcat (g_ptr_array_index (pairs, i), ":", NULL);
      g_autofree char *pad = g_strnfill (strlen (indent) + width + 1, ' ');
      g_autofree char *newline = g_strconcat ("\n", pad, NULL);
      g_auto(GStrv) lines = g_strsplit (g_ptr_array_index (pairs, i + 1), "\n", -1);
      g_autofree char *value = g_strjoinv (newline, lines);

      g_print ("%s%-*s %s\n", indent, (int) width, label, value);
    }
}

static void
add_pair (GPtrArray *pairs, const char *key, char *value)
{
  g_ptr_array_add (pairs, g_strdup (key));
  g_ptr_array_add (pairs, value);
}

/* ---- ids and values -------------------------------------------------- */

/* the UUID of /org/openstack/Volume1/{volumes,snapshots,attachments,backups}/<id>,
 * else NULL */
static char *
object_path_to_id (const char *path)
{
  const char *tail = NULL;

  if (g_str_has_prefix (path, VOLUMES_PREFIX))
    tail = path + strlen (VOLUMES_PREFIX);
  else if (g_str_has_prefix (path, SNAPSHOTS_PREFIX))
    tail = path + strlen (SNAPSHOTS_PREFIX);
  else if (g_str_has_prefix (path, ATTACHMENTS_PREFIX))
    tail = path + strlen (ATTACHMENTS_PREFIX);
  else if (g_str_has_prefix (path, BACKUPS_PREFIX))
    tail = path + strlen (BACKUPS_PREFIX);
  if (tail == NULL || *tail == '\0')
    return NULL;
  return g_strdelimit (g_strdup (tail), "_", '-');
}

static char *
format_time (guint64 usec)
{
  g_autoptr(GDateTime) time = NULL;

  if (usec == 0)
    return g_strdup ("");
  time = g_date_time_new_from_unix_local ((gint64) (usec / G_USEC_PER_SEC));
  if (time == NULL)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, usec);
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S %Z");
}

/* for g_ptr_array_sort, which passes pointers to the elements */
static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* a property value as a person reads it: sizes in GiB, times as dates,
 * object paths as the IDs the other commands take */
static char *
format_property (const char *name, GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    {
      guint64 n = g_variant_get_uint64 (value);

      if (g_str_equal (name, "Size") || g_str_equal (name, "StoredBytes"))
        {
          g_autofree char *size = nova_volume_size_format (n);
          g_autofree char *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, n);

          /* the number outside the msgid: xgettext cannot read G_GUINT64_FORMAT */
          return g_strdup_printf (_("%s (%s bytes)"), size, bytes);
        }
      if (g_str_has_suffix (name, "At"))
        return format_time (n);
    }

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH))
    {
      const char *path = g_variant_get_string (value, NULL);
      char *id = object_path_to_id (path);

      if (id != NULL)
        return id;
      return g_strdup (g_str_equal (path, "/") ? "" : path);
    }

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE) && g_str_equal (name, "Progress"))
    return g_strdup_printf ("%.0f%%", g_variant_get_double (value) * 100.0);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{ss}")))
    {
      g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
      GVariantIter iter;
      const char *key, *val;

      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "{&s&s}", &key, &val))
        g_ptr_array_add (lines, g_strdup_printf ("%s=%s", key, val));
      g_ptr_array_sort (lines, compare_strings);
      g_ptr_array_add (lines, NULL);
      return g_strjoinv ("\n", (char **) lines->pdata);
    }

  return g_variant_print (value, FALSE);
}

/* every property the interface declares, in the XML's order, plus what
 * a script needs to tell volumes, snapshots and backups apart */
static JsonNode *
proxy_to_json (GDBusProxy *proxy)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GDBusInterfaceInfo *info = g_dbus_proxy_get_interface_info (proxy);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "Type");
  json_builder_add_string_value (builder, NOVA_DBUS_IS_VOLUME (proxy) ? "volume"
                                         : NOVA_DBUS_IS_BACKEND (proxy) ? "backend"
                                         : NOVA_DBUS_IS_JOB (proxy) ? "job"
                                         : NOVA_DBUS_IS_BACKUP (proxy) ? "backup" : "snapshot");
  json_builder_set_member_name (builder, "ObjectPath");
  json_builder_add_string_value (builder, g_dbus_proxy_get_object_path (proxy));
  for (guint i = 0; info != NULL && info->properties != NULL && info->properties[i] != NULL; i++)
    {
      const char *name = info->properties[i]->name;
      g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, name);

      /* an older daemon may not have it */
      if (value == NULL)
        continue;
      json_builder_set_member_name (builder, name);
      /* "/" is D-Bus's way to say none: JSON has null */
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH) && g_str_equal (g_variant_get_string (value, NULL), "/"))
        json_builder_add_null_value (builder);
      else
        json_builder_add_value (builder, json_gvariant_serialize (value));
      /* a time (microseconds since the epoch) also as ISO 8601, UTC */
      if (g_str_has_suffix (name, "At") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64)
          && g_variant_get_uint64 (value) > 0)
        {
          g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (0);
          g_autoptr(GDateTime) at = g_date_time_add (time, (GTimeSpan) g_variant_get_uint64 (value));
          g_autofree char *member = g_strconcat (name, "Iso8601", NULL);
          g_autofree char *text = at != NULL ? g_date_time_format_iso8601 (at) : NULL;

          if (text != NULL)
            {
              json_builder_set_member_name (builder, member);
              json_builder_add_string_value (builder, text);
            }
        }
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
print_properties (GDBusProxy *proxy)
{
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  GDBusInterfaceInfo *info = g_dbus_proxy_get_interface_info (proxy);

  for (guint i = 0; info != NULL && info->properties != NULL && info->properties[i] != NULL; i++)
    {
      const char *name = info->properties[i]->name;
      g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, name);

      if (value != NULL)
        add_pair (pairs, name, format_property (name, value));
    }

  g_print ("%s:\n", g_dbus_proxy_get_object_path (proxy));
  g_print ("  %s:\n", g_dbus_proxy_get_interface_name (proxy));
  print_aligned (pairs, "    ");
}

/* ---- talking to the daemon ------------------------------------------- */

static GDBusObjectManager *
connect_daemon (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autofree char *owner = NULL;

  if (opt_session && !nova_volume_session_bus_available (error))
    return NULL;
  /* auto-start is fine: the bus may activate nova-volumed on demand */
  manager = nova_dbus_object_manager_client_new_for_bus_sync (opt_session ? G_BUS_TYPE_SESSION
                                                                          : G_BUS_TYPE_SYSTEM,
                                                              G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE,
                                                              BUS_NAME, ROOT_PATH, NULL, &local_error);
  if (manager != NULL)
    {
      /* a client without an owner is valid (it waits for one); a CLI cannot wait */
      owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (manager));
      if (owner == NULL)
        g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     _("nobody owns the name %s"), BUS_NAME);
    }

  if (local_error != NULL)
    {
      g_dbus_error_strip_remote_error (local_error);
      if (opt_session)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                     _("cannot reach nova-volumed on the session bus: %s; is it running?"),
                     local_error->message);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                     _("cannot reach nova-volumed on the system bus: %s; is it running? "
                       "try --session for a per-user daemon"),
                     local_error->message);
      return NULL;
    }
  return g_steal_pointer (&manager);
}

/* method calls return only when the operation has finished (a copy can
 * take long) and the user may be typing a password: never time out */
static void
prepare_proxy (gpointer proxy)
{
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (proxy), G_MAXINT);
}

static NovaDBusManager *
get_manager (GDBusObjectManager *manager, GError **error)
{
  GDBusInterface *iface = g_dbus_object_manager_get_interface (manager, MANAGER_PATH, MANAGER_INTERFACE);

  if (iface == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("nova-volumed exports no %s object; is it an incompatible version?"),
                   MANAGER_PATH);
      return NULL;
    }
  prepare_proxy (iface);
  return NOVA_DBUS_MANAGER (iface);
}

/* The volume or snapshot @what names, through the client library: its ID
 * (in any case), object path, name, or a unique prefix of its ID. Both
 * kinds are looked at, so a snapshot given where a volume goes is named
 * as one. */
static GDBusProxy *
lookup (GDBusObjectManager *manager, const char *what, Kind kinds, GError **error)
{
  g_autoptr(NovaVolumeClient) client = nova_volume_client_new_for_object_manager (manager);
  /* UUIDs are case-insensitive; names are not: the text as typed first */
  g_autofree char *lower = g_ascii_strdown (what, -1);
  g_autoptr(GError) volume_error = NULL;
  g_autoptr(GError) snapshot_error = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(GDBusProxy) snapshot = NULL;

  volume = G_DBUS_PROXY (nova_volume_client_lookup_volume (client, what, &volume_error));
  if (volume == NULL && g_error_matches (volume_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND)
      && !g_str_equal (lower, what))
    {
      g_clear_error (&volume_error);
      volume = G_DBUS_PROXY (nova_volume_client_lookup_volume (client, lower, &volume_error));
    }
  snapshot = G_DBUS_PROXY (nova_volume_client_lookup_snapshot (client, what, &snapshot_error));
  if (snapshot == NULL && g_error_matches (snapshot_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND)
      && !g_str_equal (lower, what))
    {
      g_clear_error (&snapshot_error);
      snapshot = G_DBUS_PROXY (nova_volume_client_lookup_snapshot (client, lower, &snapshot_error));
    }

  if ((kinds & KIND_VOLUME) && volume != NULL && !((kinds & KIND_SNAPSHOT) && snapshot != NULL))
    {
      prepare_proxy (volume);
      return g_steal_pointer (&volume);
    }
  if ((kinds & KIND_SNAPSHOT) && snapshot != NULL && !((kinds & KIND_VOLUME) && volume != NULL))
    {
      prepare_proxy (snapshot);
      return g_steal_pointer (&snapshot);
    }
  if (volume != NULL && snapshot != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 _("“%s” names a volume (%s) and a snapshot (%s): give the whole ID"), what,
                 g_dbus_proxy_get_object_path (volume), g_dbus_proxy_get_object_path (snapshot));
  else if (volume != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is a volume, not a snapshot"), what);
  else if (snapshot != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is a snapshot, not a volume"), what);
  else if ((kinds & KIND_VOLUME) && !g_error_matches (volume_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&volume_error));
  else if ((kinds & KIND_SNAPSHOT)
           && !g_error_matches (snapshot_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&snapshot_error));
  else if (kinds == KIND_VOLUME)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("no volume has the ID or name “%s”"), what);
  else if (kinds == KIND_SNAPSHOT)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("no snapshot has the ID or name “%s”"), what);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("no volume or snapshot has the ID or name “%s”"), what);
  return NULL;
}

/* The object @id names, of one of @kinds, from a fresh connection to the
 * daemon: the start of every command that acts on one object. */
static GDBusProxy *
connect_and_lookup (const char *id, Kind kinds, GError **error)
{
  g_autoptr(GDBusObjectManager) manager = connect_daemon (error);

  if (manager == NULL)
    return NULL;
  return lookup (manager, id, kinds, error);
}

/* every options dictionary carries the caller's wish about polkit prompts */
static GVariant *
options_end (GVariantDict *dict)
{
  if (opt_no_user_interaction)
    g_variant_dict_insert (dict, "auth.no_user_interaction", "b", TRUE);
  return g_variant_dict_end (dict);
}

static GVariant *
no_options (void)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  return options_end (&dict);
}

/* every method call of every command: polkit may prompt only when the
 * user allows it, and a refusal a person could overcome by
 * authenticating is handled in one place (nova-volumectl-auth.c) */
static GVariant *
call_method (gpointer proxy, const char *method, GVariant *parameters, GError **error)
{
  NovaCtlCallFlags flags = NOVA_CTL_CALL_NONE;

  if (!opt_no_user_interaction)
    flags |= NOVA_CTL_CALL_INTERACTIVE;
  if (!opt_session)
    flags |= NOVA_CTL_CALL_SYSTEM_BUS;
  return nova_ctl_call (G_DBUS_PROXY (proxy), method, parameters, flags, error);
}

/* call_method, passing @fd along with the call (as handle 0) */
static GVariant *
call_method_with_fd (gpointer proxy, const char *method, GVariant *parameters, int fd, GError **error)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  NovaCtlCallFlags flags = NOVA_CTL_CALL_NONE;

  if (g_unix_fd_list_append (fds, fd, error) < 0)
    return NULL;
  if (!opt_no_user_interaction)
    flags |= NOVA_CTL_CALL_INTERACTIVE;
  if (!opt_session)
    flags |= NOVA_CTL_CALL_SYSTEM_BUS;
  return nova_ctl_call_with_fds (G_DBUS_PROXY (proxy), method, parameters, fds, flags, error);
}

/* prints what create, snapshot, backup and restore made: its ID, or all
 * of it as JSON */
static int
print_new_object (GDBusConnection *connection, const char *path, Kind kind)
{
  GDBusProxyFlags flags = G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START;
  g_autoptr(GDBusProxy) proxy = NULL;
  g_autoptr(GVariant) id = NULL;
  g_autofree char *fallback_id = object_path_to_id (path);

  /* the object manager's cache only learns of it from a signal that a
   * CLI without a main loop never dispatches: ask the object itself */
  if (kind == KIND_VOLUME)
    proxy = G_DBUS_PROXY (nova_dbus_volume_proxy_new_sync (connection, flags, BUS_NAME, path, NULL, NULL));
  else if (kind == KIND_BACKUP)
    proxy = G_DBUS_PROXY (nova_dbus_backup_proxy_new_sync (connection, flags, BUS_NAME, path, NULL, NULL));
  else
    proxy = G_DBUS_PROXY (nova_dbus_snapshot_proxy_new_sync (connection, flags, BUS_NAME, path, NULL, NULL));
  if (proxy != NULL)
    id = g_dbus_proxy_get_cached_property (proxy, "Id");

  if (opt_json && id != NULL)
    {
      g_autoptr(JsonNode) node = proxy_to_json (proxy);
      print_json (node);
    }
  else if (opt_json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "Type");
      json_builder_add_string_value (builder, kind == KIND_VOLUME ? "volume"
                                             : kind == KIND_BACKUP ? "backup" : "snapshot");
      json_builder_set_member_name (builder, "ObjectPath");
      json_builder_add_string_value (builder, path);
      json_builder_set_member_name (builder, "Id");
      json_builder_add_string_value (builder, fallback_id != NULL ? fallback_id : "");
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      print_json (node);
    }
  else if (id != NULL)
    g_print ("%s\n", g_variant_get_string (id, NULL));
  else
    g_print ("%s\n", fallback_id != NULL ? fallback_id : path);
  return EXIT_OK;
}

/* the end of a command that changed @proxy's object: with --json, the
 * object as it is now, so a script sees what it did */
static int
print_changed (GDBusProxy *proxy, GVariant *result, GError *error)
{
  if (result == NULL)
    return fail (error);
  if (!opt_json)
    return EXIT_OK;
  return print_new_object (g_dbus_proxy_get_connection (proxy), g_dbus_proxy_get_object_path (proxy),
                           NOVA_DBUS_IS_SNAPSHOT (proxy) ? KIND_SNAPSHOT : KIND_VOLUME);
}

/* ---- command-line parsing -------------------------------------------- */

/* parses a command's options (and the global ones again) and checks the
 * number of positional arguments; on failure it has said why */
static gboolean
parse_command (const Command *cmd, const GOptionEntry *entries,
               int *argc, char ***argv, int min_args, int max_args)
{
  /* not _(""): gettext gives the catalog's header for the empty string */
  const char *usage = cmd->usage != NULL ? _(cmd->usage) : "";
  g_autoptr(GOptionContext) context = g_option_context_new (usage);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("%s %s", PROGRAM, cmd->name);
  int n_args;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _(cmd->summary));
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);

  /* so that --help says "Usage: nova-volumectl create [OPTION…] SIZE" */
  g_set_prgname (prgname);
  /* "-5G" would read as an unknown option: say what it is */
  for (int i = 1; i < *argc; i++)
    if ((*argv)[i][0] == '-' && g_ascii_isdigit ((*argv)[i][1]))
      {
        usage_error (cmd, _("“%s” is a negative size: a size is at least 1 MiB"), (*argv)[i]);
        return FALSE;
      }
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      usage_error (cmd, "%s", error->message);
      return FALSE;
    }

  n_args = *argc - 1;
  if (n_args < min_args)
    {
      /* the usage names the arguments: say which are missing */
      g_auto(GStrv) names = g_strsplit (usage, " ", -1);
      g_autofree char *missing = NULL;
      guint n_names = g_strv_length (names);

      if ((guint) min_args <= n_names)
        {
          g_free (names[min_args]);
          names[min_args] = NULL;
          missing = g_strjoinv (" ", names + n_args);
        }
      else
        missing = g_strdup (usage);
      usage_error (cmd, ngettext ("missing argument %s; usage: %s [OPTION…] %s",
                                  "missing arguments %s; usage: %s [OPTION…] %s",
                                  (gulong) (min_args - n_args)),
                   missing, prgname, usage);
      return FALSE;
    }
  if (max_args >= 0 && n_args > max_args)
    {
      const char *extra = (*argv)[max_args + 1];

      if (*usage == '\0')
        usage_error (cmd, _("%s takes no arguments, but “%s” was given"), cmd->name, extra);
      else
        usage_error (cmd, _("unexpected argument “%s”; usage: %s [OPTION…] %s"),
                     extra, prgname, usage);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_size (const Command *cmd, const char *text, gboolean allow_zero, guint64 *out_bytes)
{
  g_autoptr(GError) error = NULL;

  if (!nova_volume_size_parse (text, allow_zero, out_bytes, &error))
    {
      /* the reason, then every form there is */
      usage_error (cmd, "%s\n%s", error->message,
                   _("Sizes are bytes or take a binary suffix: 1073741824, 512M, 10G, 1.5T, 2TiB."));
      return FALSE;
    }
  /* "create 10" meant 10 GiB, not a 10-byte volume rounded up to a block */
  if (*out_bytes > 0 && *out_bytes < 1024 * 1024 && text[strspn (text, "0123456789")] == '\0')
    {
      usage_error (cmd, _("“%s” is %s bytes, less than 1 MiB: did you mean %sG? (a number alone counts bytes)"),
                   text, text, text);
      return FALSE;
    }
  return TRUE;
}

/* ---- commands -------------------------------------------------------- */

/* KEY=VALUE words (split in place; the last value for a key wins) as an
 * a{ss} option @name; FALSE, after saying why, for a word without '=' */
static gboolean
insert_pairs (const Command *cmd, GVariantDict *options, const char *name, char **words)
{
  g_autoptr(GHashTable) pairs = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; words[i] != NULL; i++)
    {
      char *eq = strchr (words[i], '=');

      if (eq == NULL || eq == words[i])
        {
          usage_error (cmd, _("metadata “%s” is not KEY=VALUE"), words[i]);
          return FALSE;
        }
      *eq = '\0';
      g_hash_table_insert (pairs, words[i], eq + 1);
    }
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_hash_table_iter_init (&iter, pairs);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&builder, "{ss}", key, value);
  g_variant_dict_insert_value (options, name, g_variant_builder_end (&builder));
  return TRUE;
}

static int
cmd_create (const Command *cmd, int argc, char **argv)
{
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_autofree char *snapshot_id = NULL;
  g_autofree char *source_id = NULL;
  g_autofree char *zone = NULL;
  g_autofree char *backend = NULL;
  g_autofree char *type = NULL;
  g_autofree char *image = NULL;
  g_autofree char *image_format = NULL;
  g_auto(GStrv) metadata = NULL;
  gboolean multiattach = FALSE;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Display name"), N_("NAME") },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &image,
      N_("Fill the volume from this disk image, opened here and passed along (SIZE 0 or left out: "
         "the image’s disk)"), N_("FILE") },
    { "format", 0, 0, G_OPTION_ARG_STRING, &image_format,
      N_("The image’s format: raw (default), qcow2, vmdk, vhdx or vpc; never guessed"), N_("FORMAT") },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend,
      N_("Create the volume on this backend (see the backends command)"), N_("NAME") },
    { "type", 0, 0, G_OPTION_ARG_STRING, &type,
      N_("Create the volume of this volume type (its backend and extra specs)"), N_("NAME") },
    { "description", 0, 0, G_OPTION_ARG_STRING, &description, N_("Free-text description"), N_("TEXT") },
    { "snapshot", 0, 0, G_OPTION_ARG_STRING, &snapshot_id,
      N_("Create the volume from this snapshot (SIZE 0 or left out: the snapshot’s)"), N_("ID") },
    { "source-volume", 0, 0, G_OPTION_ARG_STRING, &source_id,
      N_("Create the volume as a clone of this volume (SIZE 0 or left out: its size)"), N_("ID") },
    { "availability-zone", 0, 0, G_OPTION_ARG_STRING, &zone,
      N_("Availability zone (must be the host’s)"), N_("ZONE") },
    { "metadata", 0, 0, G_OPTION_ARG_STRING_ARRAY, &metadata,
      N_("Keep KEY=VALUE with the volume (repeatable)"), N_("KEY=VALUE") },
    { "multiattach", 0, 0, G_OPTION_ARG_NONE, &multiattach,
      N_("The volume may be attached to several instances at once"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(NovaDBusManager) proxy = NULL;
  g_autoptr(NovaCtlProgress) progress = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *path;
  guint64 size = 0;
  gboolean has_source;
  int image_fd = -1;

  if (!parse_command (cmd, entries, &argc, &argv, 0, 1))
    return EXIT_USAGE;
  if ((snapshot_id != NULL) + (source_id != NULL) + (image != NULL) > 1)
    return usage_error (cmd, _("--snapshot, --source-volume and --image exclude each other"));
  if (image_format != NULL && image == NULL)
    return usage_error (cmd, _("--format goes with --image"));
  has_source = snapshot_id != NULL || source_id != NULL || image != NULL;
  /* with a source, SIZE may be left out (or 0): the source's size */
  if (argc < 2 && !has_source)
    return usage_error (cmd, _("SIZE is missing"));
  if (argc == 2 && !parse_size (cmd, argv[1], has_source, &size))
    return EXIT_USAGE;

  if (name != NULL)
    g_variant_dict_insert (&options, "name", "s", name);
  if (description != NULL)
    g_variant_dict_insert (&options, "description", "s", description);
  if (zone != NULL)
    g_variant_dict_insert (&options, "availability-zone", "s", zone);
  if (backend != NULL)
    g_variant_dict_insert (&options, "backend", "s", backend);
  if (type != NULL)
    g_variant_dict_insert (&options, "type", "s", type);
  if (multiattach)
    g_variant_dict_insert (&options, "multiattach", "b", TRUE);
  if (image != NULL)
    {
      /* opened here, with the caller's own rights: the daemon gets the
       * descriptor, never the path */
      image_fd = open (image, O_RDONLY | O_CLOEXEC | O_NOCTTY);
      if (image_fd < 0)
        {
          int saved = errno;

          g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", image, g_strerror (saved));
          return fail (error);
        }
      g_variant_dict_insert (&options, "image-fd", "h", 0);
      g_variant_dict_insert (&options, "image-format", "s", image_format != NULL ? image_format : "raw");
    }
  if (metadata != NULL && !insert_pairs (cmd, &options, "metadata", metadata))
    return EXIT_USAGE;

  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);

  proxy = get_manager (manager, &error);
  if (proxy == NULL)
    return fail (error);

  if (snapshot_id != NULL || source_id != NULL)
    {
      Kind kind = snapshot_id != NULL ? KIND_SNAPSHOT : KIND_VOLUME;
      g_autoptr(GDBusProxy) source = lookup (manager, snapshot_id != NULL ? snapshot_id : source_id,
                                             kind, &error);
      const char *source_path;

      if (source == NULL)
        return fail (error);
      source_path = g_dbus_proxy_get_object_path (source);
      g_variant_dict_insert (&options, kind == KIND_SNAPSHOT ? "snapshot" : "source-volume",
                             "o", source_path);
      /* a copy is a Job: a person at a terminal sees it move */
      if (!opt_json && nova_ctl_progress_possible ())
        progress = nova_ctl_progress_new (manager,
                                          kind == KIND_SNAPSHOT ? "volume-create-from-snapshot" : "volume-clone",
                                          source_path);
    }

  else if (image_fd >= 0 && !opt_json && nova_ctl_progress_possible ())
    progress = nova_ctl_progress_new (manager, "image-import", NULL);

  if (image_fd >= 0)
    {
      result = call_method_with_fd (proxy, "CreateVolume", g_variant_new ("(t@a{sv})", size, options_end (&options)),
                                    image_fd, &error);
      close (image_fd);
    }
  else
    result = call_method (proxy, "CreateVolume",
                          g_variant_new ("(t@a{sv})", size, options_end (&options)), &error);
  /* the bar's line ends before anything else is said */
  g_clear_pointer (&progress, nova_ctl_progress_free);
  if (result == NULL)
    return fail (error);
  g_variant_get (result, "(&o)", &path);
  return print_new_object (g_dbus_object_manager_client_get_connection (G_DBUS_OBJECT_MANAGER_CLIENT (manager)),
                           path, KIND_VOLUME);
}

/* manage REFERENCE: what a backend holds becomes a volume; its id printed */
static int
cmd_manage (const Command *cmd, int argc, char **argv)
{
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_autofree char *backend = NULL;
  g_auto(GStrv) metadata = NULL;
  gboolean keep_name = FALSE;
  const GOptionEntry entries[] = {
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend,
      N_("The backend that holds it (see the backends command)"), N_("NAME") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Display name"), N_("NAME") },
    { "description", 0, 0, G_OPTION_ARG_STRING, &description, N_("Free-text description"), N_("TEXT") },
    { "metadata", 0, 0, G_OPTION_ARG_STRING_ARRAY, &metadata,
      N_("Keep KEY=VALUE with the volume (repeatable)"), N_("KEY=VALUE") },
    { "keep-name", 0, 0, G_OPTION_ARG_NONE, &keep_name,
      N_("Refuse to rename it (only a name the volume template made keeps its name)"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(NovaDBusManager) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *path;

  if (!parse_command (cmd, entries, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  if (backend != NULL)
    g_variant_dict_insert (&options, "backend", "s", backend);
  if (name != NULL)
    g_variant_dict_insert (&options, "name", "s", name);
  if (description != NULL)
    g_variant_dict_insert (&options, "description", "s", description);
  if (keep_name)
    g_variant_dict_insert (&options, "keep-name", "b", TRUE);
  if (metadata != NULL && !insert_pairs (cmd, &options, "metadata", metadata))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  proxy = get_manager (manager, &error);
  if (proxy == NULL)
    return fail (error);
  result = call_method (proxy, "ManageExisting", g_variant_new ("(s@a{sv})", argv[1], options_end (&options)),
                        &error);
  if (result == NULL)
    return fail (error);
  g_variant_get (result, "(&o)", &path);
  return print_new_object (g_dbus_object_manager_client_get_connection (G_DBUS_OBJECT_MANAGER_CLIENT (manager)),
                           path, KIND_VOLUME);
}

static int
cmd_unmanage (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;

  if (!parse_command (cmd, NULL, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  proxy = connect_and_lookup (argv[1], KIND_VOLUME, &error);
  if (proxy == NULL)
    return fail (error);
  result = call_method (proxy, "Unmanage", g_variant_new ("(@a{sv})", no_options ()), &error);
  return result != NULL ? EXIT_OK : fail (error);
}

static GPtrArray *
volume_row (NovaDBusVolume *volume)
{
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (cells, g_strdup (nova_dbus_volume_get_id (volume)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_volume_get_name (volume)));
  g_ptr_array_add (cells, nova_volume_size_format (nova_dbus_volume_get_size (volume)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_volume_get_status (volume)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_volume_get_instance_uuid (volume)));
  return cells;
}

static GPtrArray *
snapshot_row (NovaDBusSnapshot *snapshot)
{
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);
  const char *volume_path = nova_dbus_snapshot_get_volume (snapshot);
  char *volume_id = volume_path != NULL ? object_path_to_id (volume_path) : NULL;

  g_ptr_array_add (cells, g_strdup (nova_dbus_snapshot_get_id (snapshot)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_snapshot_get_name (snapshot)));
  g_ptr_array_add (cells, nova_volume_size_format (nova_dbus_snapshot_get_size (snapshot)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_snapshot_get_status (snapshot)));
  g_ptr_array_add (cells, volume_id != NULL ? volume_id : g_strdup (""));
  return cells;
}

static guint64
cached_u64 (GDBusProxy *proxy, const char *name)
{
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, name);

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return 0;
  return g_variant_get_uint64 (value);
}

static char *
cached_string (GDBusProxy *proxy, const char *name)
{
  g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, name);

  if (value == NULL || !g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return NULL;
  return g_variant_dup_string (value, NULL);
}

/* oldest first, as people create them; the ID makes the order total */
static gint
compare_by_creation (gconstpointer a, gconstpointer b)
{
  GDBusProxy *pa = *(GDBusProxy *const *) a;
  GDBusProxy *pb = *(GDBusProxy *const *) b;
  guint64 ta = cached_u64 (pa, "CreatedAt");
  guint64 tb = cached_u64 (pb, "CreatedAt");
  g_autofree char *ida = NULL;
  g_autofree char *idb = NULL;

  if (ta != tb)
    return ta < tb ? -1 : 1;
  ida = cached_string (pa, "Id");
  idb = cached_string (pb, "Id");
  return g_strcmp0 (ida, idb);
}

static GPtrArray *
collect (GDBusObjectManager *manager, Kind kind)
{
  GPtrArray *proxies = g_ptr_array_new_with_free_func (g_object_unref);
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (manager);

  for (GList *l = objects; l != NULL; l = l->next)
    {
      NovaDBusObject *object = NOVA_DBUS_OBJECT (l->data);
      gpointer iface = kind == KIND_VOLUME ? (gpointer) nova_dbus_object_peek_volume (object)
                       : kind == KIND_BACKUP ? (gpointer) nova_dbus_object_peek_backup (object)
                                             : (gpointer) nova_dbus_object_peek_snapshot (object);

      if (iface != NULL)
        g_ptr_array_add (proxies, g_object_ref (iface));
    }
  g_ptr_array_sort (proxies, compare_by_creation);
  return proxies;
}

/* The backup @what names, through the client library: its ID (in any
 * case), object path, name, or a unique prefix of its ID; NOT_FOUND for
 * none, and several are named. */
static GDBusProxy *
find_backup (GDBusObjectManager *manager, const char *what, GError **error)
{
  g_autoptr(NovaVolumeClient) client = nova_volume_client_new_for_object_manager (manager);
  /* UUIDs are case-insensitive; names are not: the text as typed first */
  g_autofree char *lower = g_ascii_strdown (what, -1);
  g_autoptr(GError) local_error = NULL;
  GDBusProxy *backup = G_DBUS_PROXY (nova_volume_client_lookup_backup (client, what, &local_error));

  if (backup == NULL && g_error_matches (local_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND)
      && !g_str_equal (lower, what))
    {
      g_clear_error (&local_error);
      backup = G_DBUS_PROXY (nova_volume_client_lookup_backup (client, lower, &local_error));
    }
  if (backup != NULL)
    {
      prepare_proxy (backup);
      return backup;
    }
  if (g_error_matches (local_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("no backup has the ID or name “%s”"), what);
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, local_error->message);
  return NULL;
}

/* find_backup(), and where a backup is wanted and a volume's or a
 * snapshot's ID is given, says so */
static GDBusProxy *
lookup_backup (GDBusObjectManager *manager, const char *what, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  GDBusProxy *backup = find_backup (manager, what, &local_error);
  g_autoptr(GDBusProxy) other = NULL;

  if (backup != NULL)
    return backup;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    other = lookup (manager, what, KIND_VOLUME | KIND_SNAPSHOT, NULL);
  if (other != NULL && NOVA_DBUS_IS_VOLUME (other))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 _("“%s” is a volume, not a backup (nova-volumectl backups lists the backups)"), what);
  else if (other != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 _("“%s” is a snapshot, not a backup (nova-volumectl backups lists the backups)"), what);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* where a volume or a snapshot goes and @what names neither, but a
 * backup: @error says so instead, with @advice */
static void
explain_backup_id (GDBusObjectManager *manager, const char *what, const char *advice, GError **error)
{
  g_autoptr(GDBusProxy) backup = NULL;

  if (!g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return;
  backup = find_backup (manager, what, NULL);
  if (backup == NULL)
    return;
  g_clear_error (error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is a backup: %s"), what, advice);
}

/* show's object: a volume, a snapshot or a backup; a name or the start
 * of an ID that stands for more than one of them says which */
static GDBusProxy *
lookup_any (GDBusObjectManager *manager, const char *what, GError **error)
{
  g_autoptr(GError) object_error = NULL;
  g_autoptr(GError) backup_error = NULL;
  g_autoptr(GDBusProxy) object = lookup (manager, what, KIND_VOLUME | KIND_SNAPSHOT, &object_error);
  g_autoptr(GDBusProxy) backup = find_backup (manager, what, &backup_error);

  if (object != NULL && backup != NULL)
    {
      if (NOVA_DBUS_IS_VOLUME (object))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("“%s” names a volume (%s) and a backup (%s): give the whole ID"), what,
                     g_dbus_proxy_get_object_path (object), g_dbus_proxy_get_object_path (backup));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("“%s” names a snapshot (%s) and a backup (%s): give the whole ID"), what,
                     g_dbus_proxy_get_object_path (object), g_dbus_proxy_get_object_path (backup));
      return NULL;
    }
  if (object != NULL)
    return g_steal_pointer (&object);
  if (backup != NULL)
    return g_steal_pointer (&backup);
  if (!g_error_matches (object_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&object_error));
  else if (!g_error_matches (backup_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&backup_error));
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("no volume, snapshot or backup has the ID or name “%s”"), what);
  return NULL;
}

static void
free_row (gpointer row)
{
  g_ptr_array_unref (row);
}

/* one row of a table's cells (char*) for an object */
typedef GPtrArray *(*ObjectRowFunc) (gpointer proxy);

/* @proxies as a JSON array of their properties, or as a table of the
 * rows @row makes */
static int
print_objects (GPtrArray *proxies, const NovaCtlColumn *columns, gsize n_columns, ObjectRowFunc row)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  g_autoptr(GPtrArray) vectors = g_ptr_array_new ();

  if (opt_json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < proxies->len; i++)
        json_array_add_element (array, proxy_to_json (g_ptr_array_index (proxies, i)));
      json_node_take_array (root, array);
      print_json (root);
      return EXIT_OK;
    }
  for (guint i = 0; i < proxies->len; i++)
    {
      GPtrArray *cells = row (g_ptr_array_index (proxies, i));

      g_ptr_array_add (rows, cells);
      g_ptr_array_add (vectors, cells->pdata);
    }
  nova_ctl_print_table (columns, n_columns, vectors, nova_ctl_table_width ());
  return EXIT_OK;
}

static void
print_list_table (GPtrArray *proxies, Kind kind)
{
  const NovaCtlColumn volume_columns[] = {
    { _("ID"), FALSE, NOVA_CTL_SHRINK_LAST },
    { _("NAME"), FALSE, NOVA_CTL_SHRINK_FIRST },
    { _("SIZE"), TRUE, NOVA_CTL_SHRINK_NEVER },
    { _("STATUS"), FALSE, NOVA_CTL_SHRINK_NEVER },
    { _("ATTACHED TO"), FALSE, NOVA_CTL_SHRINK_FIRST },
  };
  const NovaCtlColumn snapshot_columns[] = {
    { _("ID"), FALSE, NOVA_CTL_SHRINK_LAST },
    { _("NAME"), FALSE, NOVA_CTL_SHRINK_FIRST },
    { _("SIZE"), TRUE, NOVA_CTL_SHRINK_NEVER },
    { _("STATUS"), FALSE, NOVA_CTL_SHRINK_NEVER },
    { _("VOLUME"), FALSE, NOVA_CTL_SHRINK_FIRST },
  };
  gsize width = nova_ctl_table_width ();
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  /* print_table wants plain string vectors: the rows' cell arrays */
  g_autoptr(GPtrArray) vectors = g_ptr_array_new ();

  for (guint i = 0; i < proxies->len; i++)
    {
      GPtrArray *cells = kind == KIND_VOLUME ? volume_row (g_ptr_array_index (proxies, i))
                                             : snapshot_row (g_ptr_array_index (proxies, i));

      g_ptr_array_add (rows, cells);
      g_ptr_array_add (vectors, cells->pdata);
    }

  if (kind == KIND_VOLUME)
    nova_ctl_print_table (volume_columns, G_N_ELEMENTS (volume_columns), vectors, width);
  else
    nova_ctl_print_table (snapshot_columns, G_N_ELEMENTS (snapshot_columns), vectors, width);
}

static int
cmd_list (const Command *cmd, int argc, char **argv)
{
  gboolean only_snapshots = FALSE;
  const GOptionEntry entries[] = {
    { "snapshots", 0, 0, G_OPTION_ARG_NONE, &only_snapshots, N_("List only snapshots"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) volumes = NULL;
  g_autoptr(GPtrArray) snapshots = NULL;

  if (!parse_command (cmd, entries, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);

  volumes = only_snapshots ? g_ptr_array_new () : collect (manager, KIND_VOLUME);
  snapshots = collect (manager, KIND_SNAPSHOT);

  if (opt_json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < volumes->len; i++)
        json_array_add_element (array, proxy_to_json (g_ptr_array_index (volumes, i)));
      for (guint i = 0; i < snapshots->len; i++)
        json_array_add_element (array, proxy_to_json (g_ptr_array_index (snapshots, i)));
      json_node_take_array (root, array);
      print_json (root);
      return EXIT_OK;
    }

  if (!only_snapshots)
    print_list_table (volumes, KIND_VOLUME);
  /* the snapshot table only when there is something to show or it was asked for */
  if (only_snapshots || snapshots->len > 0)
    {
      if (!only_snapshots)
        g_print ("\n");
      print_list_table (snapshots, KIND_SNAPSHOT);
    }
  return EXIT_OK;
}

static int
compare_backends (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (nova_dbus_backend_get_name (*(NovaDBusBackend **) a),
                    nova_dbus_backend_get_name (*(NovaDBusBackend **) b));
}

static GPtrArray *
backend_row (gpointer proxy)
{
  NovaDBusBackend *backend = proxy;
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);
  gboolean up = g_strcmp0 (nova_dbus_backend_get_state (backend), "up") == 0;

  g_ptr_array_add (cells, g_strdup (nova_dbus_backend_get_name (backend)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_backend_get_driver (backend)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_backend_get_state (backend)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_backend_get_storage_protocol (backend)));
  g_ptr_array_add (cells, up ? nova_volume_size_format (nova_dbus_backend_get_total_capacity (backend))
                             : g_strdup ("-"));
  g_ptr_array_add (cells, up ? nova_volume_size_format (nova_dbus_backend_get_free_capacity (backend))
                             : g_strdup ("-"));
  g_ptr_array_add (cells, nova_volume_size_format (nova_dbus_backend_get_provisioned_capacity (backend)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_backend_get_state_reason (backend)));
  return cells;
}

static int
cmd_backends (const Command *cmd, int argc, char **argv)
{
  const NovaCtlColumn columns[] = {
    { _("NAME"), FALSE, NOVA_CTL_SHRINK_LAST },
    { _("DRIVER"), FALSE, NOVA_CTL_SHRINK_NEVER },
    { _("STATE"), FALSE, NOVA_CTL_SHRINK_NEVER },
    { _("PROTOCOL"), FALSE, NOVA_CTL_SHRINK_NEVER },
    { _("TOTAL"), TRUE, NOVA_CTL_SHRINK_NEVER },
    { _("FREE"), TRUE, NOVA_CTL_SHRINK_NEVER },
    { _("PROVISIONED"), TRUE, NOVA_CTL_SHRINK_NEVER },
    { _("REASON"), FALSE, NOVA_CTL_SHRINK_FIRST },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) backends = g_ptr_array_new_with_free_func (g_object_unref);
  g_autolist(GDBusObject) objects = NULL;

  if (!parse_command (cmd, NULL, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);

  objects = g_dbus_object_manager_get_objects (manager);
  for (GList *l = objects; l != NULL; l = l->next)
    {
      NovaDBusBackend *backend = nova_dbus_object_peek_backend (NOVA_DBUS_OBJECT (l->data));

      if (backend != NULL)
        g_ptr_array_add (backends, g_object_ref (backend));
    }
  g_ptr_array_sort (backends, compare_backends);

  return print_objects (backends, columns, G_N_ELEMENTS (columns), backend_row);
}

/* The Jobs that work on the object at @path now (a copy into or out of
 * it): what a person looking at a volume in "creating" wants to know */
static GList *
jobs_on (GDBusObjectManager *manager, const char *path)
{
  g_autoptr(NovaVolumeClient) client = nova_volume_client_new_for_object_manager (manager);
  GList *jobs = nova_volume_client_get_jobs (client);
  GList *on = NULL;

  for (GList *l = jobs; l != NULL; l = l->next)
    {
      const char *const *objects = nova_dbus_job_get_objects (l->data);

      if (objects != NULL && g_strv_contains (objects, path))
        on = g_list_append (on, g_object_ref (l->data));
    }
  g_list_free_full (jobs, g_object_unref);
  return on;
}

static int
cmd_show (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) proxy = NULL;
  GList *jobs;

  if (!parse_command (cmd, NULL, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  proxy = lookup_any (manager, argv[1], &error);
  if (proxy == NULL)
    return fail (error);
  jobs = jobs_on (manager, g_dbus_proxy_get_object_path (proxy));

  if (opt_json)
    {
      g_autoptr(JsonNode) node = proxy_to_json (proxy);
      g_autoptr(JsonArray) array = json_array_new ();

      for (GList *l = jobs; l != NULL; l = l->next)
        json_array_add_element (array, proxy_to_json (l->data));
      json_object_set_array_member (json_node_get_object (node), "Jobs", g_steal_pointer (&array));
      print_json (node);
    }
  else
    {
      print_properties (proxy);
      for (GList *l = jobs; l != NULL; l = l->next)
        {
          NovaDBusJob *job = l->data;
          g_autofree char *done = nova_volume_size_format (nova_dbus_job_get_bytes (job));
          g_autofree char *rate = nova_volume_size_format (nova_dbus_job_get_rate (job));

          g_print (_("Job %s: %s, %.0f%% (%s at %s/s)\n"), g_dbus_proxy_get_object_path (G_DBUS_PROXY (job)),
                   nova_dbus_job_get_operation (job), 100.0 * nova_dbus_job_get_progress (job), done, rate);
        }
    }
  g_list_free_full (jobs, g_object_unref);
  return EXIT_OK;
}

static int
cmd_delete (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;

  if (!parse_command (cmd, NULL, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  proxy = lookup (manager, argv[1], KIND_VOLUME | KIND_SNAPSHOT, &error);
  if (proxy == NULL)
    {
      /* a backup goes with its own command */
      explain_backup_id (manager, argv[1], _("delete it with nova-volumectl backup-delete"), &error);
      return fail (error);
    }

  /* Volume.Delete and Snapshot.Delete take the same arguments */
  result = call_method (proxy, "Delete", g_variant_new ("(@a{sv})", no_options ()), &error);
  return result != NULL ? EXIT_OK : fail (error);
}

static int
cmd_snapshot (const Command *cmd, int argc, char **argv)
{
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Display name"), N_("NAME") },
    { "description", 0, 0, G_OPTION_ARG_STRING, &description, N_("Free-text description"), N_("TEXT") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("Snapshot an in-use volume (may not be crash-consistent)"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *path;

  if (!parse_command (cmd, entries, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  volume = connect_and_lookup (argv[1], KIND_VOLUME, &error);
  if (volume == NULL)
    return fail (error);

  if (name != NULL)
    g_variant_dict_insert (&options, "name", "s", name);
  if (description != NULL)
    g_variant_dict_insert (&options, "description", "s", description);
  if (force)
    g_variant_dict_insert (&options, "force", "b", TRUE);
  result = call_method (volume, "CreateSnapshot",
                        g_variant_new ("(@a{sv})", options_end (&options)), &error);
  if (result == NULL)
    return fail (error);
  g_variant_get (result, "(&o)", &path);
  return print_new_object (g_dbus_proxy_get_connection (volume), path, KIND_SNAPSHOT);
}

/* attach ID INSTANCE MOUNTPOINT: prints the attachment's id (with --json,
 * the volume) */
static int
cmd_attach (const Command *cmd, int argc, char **argv)
{
  g_autofree char *host = NULL;
  g_autofree char *mode = NULL;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, N_("Hypervisor host the instance runs on"), N_("HOST") },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode,
      N_("rw (read-write, the default) or ro (the instance only reads)"), N_("MODE") },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *path = NULL;

  if (!parse_command (cmd, entries, &argc, &argv, 3, 3))
    return EXIT_USAGE;
  volume = connect_and_lookup (argv[1], KIND_VOLUME, &error);
  if (volume == NULL)
    return fail (error);

  if (host != NULL)
    g_variant_dict_insert (&options, "host", "s", host);
  if (mode != NULL)
    g_variant_dict_insert (&options, "mode", "s", mode);
  result = call_method (volume, "Attach",
                        g_variant_new ("(ss@a{sv})", argv[2], argv[3], options_end (&options)),
                        &error);
  if (result == NULL || opt_json)
    return print_changed (G_DBUS_PROXY (volume), result, error);
  g_variant_get (result, "(&o)", &path);
  {
    g_autofree char *id = object_path_to_id (path);

    g_print ("%s\n", id);
  }
  return EXIT_OK;
}

/* The attachment of @volume to @instance (an attachment's id is taken too) */
static char *
find_attachment (GDBusObjectManager *manager, NovaDBusVolume *volume, const char *instance, GError **error)
{
  const char *const *paths = nova_dbus_volume_get_attachments (volume);
  g_autofree char *lower = g_ascii_strdown (instance, -1);

  for (gsize i = 0; paths != NULL && paths[i] != NULL; i++)
    {
      g_autoptr(GDBusInterface) iface = g_dbus_object_manager_get_interface (manager, paths[i],
                                                                            "org.openstack.Volume1.Attachment");
      g_autofree char *id = object_path_to_id (paths[i]);

      if (iface == NULL)
        continue;
      if (g_str_equal (nova_dbus_attachment_get_instance_uuid (NOVA_DBUS_ATTACHMENT (iface)), lower)
          || g_str_equal (id, lower))
        return g_strdup (paths[i]);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("volume %s is not attached to %s"),
               nova_dbus_volume_get_id (volume), instance);
  return NULL;
}

/* detach ID [INSTANCE]: the only attachment, or the one to INSTANCE */
static int
cmd_detach (const Command *cmd, int argc, char **argv)
{
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(GVariant) result = NULL;

  if (!parse_command (cmd, NULL, &argc, &argv, 1, 2))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  volume = lookup (manager, argv[1], KIND_VOLUME, &error);
  if (volume == NULL)
    return fail (error);
  if (argc == 3)
    {
      g_autofree char *attachment = find_attachment (manager, NOVA_DBUS_VOLUME (volume), argv[2], &error);

      if (attachment == NULL)
        return fail (error);
      g_variant_dict_insert (&options, "attachment", "o", attachment);
    }
  result = call_method (volume, "Detach", g_variant_new ("(@a{sv})", options_end (&options)), &error);
  return print_changed (G_DBUS_PROXY (volume), result, error);
}

static int
cmd_update (const Command *cmd, int argc, char **argv)
{
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  g_auto(GStrv) set = NULL;
  g_auto(GStrv) unset = NULL;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("New display name"), N_("NAME") },
    { "description", 0, 0, G_OPTION_ARG_STRING, &description, N_("New description"), N_("TEXT") },
    { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &set,
      N_("Keep KEY=VALUE with the volume, replacing KEY’s value (repeatable)"), N_("KEY=VALUE") },
    { "unset", 0, 0, G_OPTION_ARG_STRING_ARRAY, &unset, N_("Remove KEY from the volume’s metadata (repeatable)"),
      N_("KEY") },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusProxy) proxy = NULL;
  g_autoptr(GVariant) result = NULL;

  if (!parse_command (cmd, entries, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  if (name == NULL && description == NULL && set == NULL && unset == NULL)
    return usage_error (cmd, _("nothing to change: give --name, --description, --set or --unset"));
  if (name != NULL)
    g_variant_dict_insert (&options, "name", "s", name);
  if (description != NULL)
    g_variant_dict_insert (&options, "description", "s", description);
  if (set != NULL && !insert_pairs (cmd, &options, "metadata-set", set))
    return EXIT_USAGE;
  if (unset != NULL)
    g_variant_dict_insert_value (&options, "metadata-unset", g_variant_new_strv ((const char *const *) unset, -1));
  proxy = connect_and_lookup (argv[1], KIND_VOLUME | KIND_SNAPSHOT, &error);
  if (proxy == NULL)
    return fail (error);
  /* Volume.Update and Snapshot.Update take the same arguments */
  result = call_method (proxy, "Update", g_variant_new ("(@a{sv})", options_end (&options)), &error);
  return print_changed (G_DBUS_PROXY (proxy), result, error);
}

static int
cmd_extend (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(GVariant) result = NULL;
  gboolean relative;
  guint64 size;

  if (!parse_command (cmd, NULL, &argc, &argv, 2, 2))
    return EXIT_USAGE;
  /* "+1G": by that much */
  relative = argv[2][0] == '+';
  if (!parse_size (cmd, argv[2] + relative, FALSE, &size))
    return EXIT_USAGE;
  volume = connect_and_lookup (argv[1], KIND_VOLUME, &error);
  if (volume == NULL)
    return fail (error);
  if (relative)
    {
      g_autoptr(GVariant) current = g_dbus_proxy_get_cached_property (volume, "Size");

      size += current != NULL ? g_variant_get_uint64 (current) : 0;
    }

  result = call_method (volume, "Extend", g_variant_new ("(t@a{sv})", size, no_options ()), &error);
  return print_changed (G_DBUS_PROXY (volume), result, error);
}

static int
cmd_migrate (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(NovaCtlProgress) progress = NULL;
  g_autoptr(GVariant) result = NULL;

  if (!parse_command (cmd, NULL, &argc, &argv, 2, 2))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  volume = lookup (manager, argv[1], KIND_VOLUME, &error);
  if (volume == NULL)
    return fail (error);

  /* the copy is a Job: a person at a terminal sees it move */
  if (!opt_json && nova_ctl_progress_possible ())
    progress = nova_ctl_progress_new (manager, "volume-migrate", g_dbus_proxy_get_object_path (volume));
  result = call_method (volume, "Migrate", g_variant_new ("(s@a{sv})", argv[2], no_options ()), &error);
  g_clear_pointer (&progress, nova_ctl_progress_free);
  return print_changed (G_DBUS_PROXY (volume), result, error);
}

/* revert [VOLUME] SNAPSHOT: the volume defaults to the snapshot's own,
 * and when named must be it (the daemon says so otherwise) */
static int
cmd_revert (const Command *cmd, int argc, char **argv)
{
  gboolean any = FALSE;
  const GOptionEntry entries[] = {
    { "any", 0, 0, G_OPTION_ARG_NONE, &any,
      N_("Allow a snapshot older than the volume’s latest, where the backend can"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(GDBusProxy) snapshot = NULL;
  g_autoptr(GVariant) result = NULL;

  if (!parse_command (cmd, entries, &argc, &argv, 1, 2))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  snapshot = lookup (manager, argv[argc - 1], KIND_SNAPSHOT, &error);
  if (snapshot == NULL)
    return fail (error);
  if (argc == 3)
    volume = lookup (manager, argv[1], KIND_VOLUME, &error);
  else
    {
      g_autoptr(GVariant) of = g_dbus_proxy_get_cached_property (snapshot, "Volume");

      volume = of != NULL ? lookup (manager, g_variant_get_string (of, NULL), KIND_VOLUME, &error) : NULL;
      if (of == NULL && error == NULL)
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("snapshot %s does not say its volume"), argv[1]);
    }
  if (volume == NULL)
    return fail (error);
  if (any)
    g_variant_dict_insert (&options, "any", "b", TRUE);
  result = call_method (volume, "RevertToSnapshot",
                        g_variant_new ("(o@a{sv})", g_dbus_proxy_get_object_path (snapshot), options_end (&options)),
                        &error);
  return print_changed (G_DBUS_PROXY (volume), result, error);
}

static int
cmd_export (const Command *cmd, int argc, char **argv)
{
  g_autofree char *format = NULL;
  gboolean compress = FALSE;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format,
      N_("raw (default; also into a pipe) or qcow2 (a file only)"), N_("FORMAT") },
    { "compress", 0, 0, G_OPTION_ARG_NONE, &compress, N_("qcow2 with compressed clusters"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(NovaCtlProgress) progress = NULL;
  g_autoptr(GVariant) result = NULL;
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  gboolean to_stdout;
  int fd;

  if (!parse_command (cmd, entries, &argc, &argv, 2, 2))
    return EXIT_USAGE;
  if (format == NULL)
    format = g_strdup ("raw");
  if (compress && !g_str_equal (format, "qcow2"))
    return usage_error (cmd, _("--compress goes with --format qcow2"));
  to_stdout = g_str_equal (argv[2], "-");
  if (to_stdout && isatty (STDOUT_FILENO))
    return usage_error (cmd, _("will not write a disk image to a terminal: give a FILE, or redirect the output"));

  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  /* a volume, or a snapshot (the consistent copy of a volume in use):
   * Volume.CopyToImage and Snapshot.CopyToImage take the same arguments */
  volume = lookup (manager, argv[1], KIND_VOLUME | KIND_SNAPSHOT, &error);
  if (volume == NULL)
    return fail (error);

  /* opened here, with the caller's own rights: the daemon gets the
   * descriptor, never the path */
  fd = to_stdout ? dup (STDOUT_FILENO) : open (argv[2], O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", argv[2], g_strerror (saved));
      return fail (error);
    }
  if (compress)
    g_variant_dict_insert (&options, "compressed", "b", TRUE);
  if (!opt_json && nova_ctl_progress_possible ())
    progress = nova_ctl_progress_new (manager, "image-export", g_dbus_proxy_get_object_path (volume));
  result = call_method_with_fd (volume, "CopyToImage",
                                g_variant_new ("(hs@a{sv})", 0, format, options_end (&options)), fd, &error);
  close (fd);
  g_clear_pointer (&progress, nova_ctl_progress_free);
  return result != NULL ? EXIT_OK : fail (error);
}

/* ---- backups ------------------------------------------------------------ */

/* backup ID: a volume, or a snapshot (the volume as it was when it was
 * taken), into the backup repository; prints the backup's ID */
static int
cmd_backup (const Command *cmd, int argc, char **argv)
{
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;
  gboolean incremental = FALSE;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Display name"), N_("NAME") },
    { "description", 0, 0, G_OPTION_ARG_STRING, &description, N_("Free-text description"), N_("TEXT") },
    { "incremental", 0, 0, G_OPTION_ARG_NONE, &incremental,
      N_("Store only what changed since the volume’s latest backup, which becomes its parent"), NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("Back up an in-use volume, from a temporary snapshot"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) source = NULL;
  g_autoptr(NovaCtlProgress) progress = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *path;

  if (!parse_command (cmd, entries, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  /* Volume.Backup and Snapshot.Backup take the same options, but force */
  source = lookup (manager, argv[1], KIND_VOLUME | KIND_SNAPSHOT, &error);
  if (source == NULL)
    {
      explain_backup_id (manager, argv[1], _("a backup is made of a volume or a snapshot"), &error);
      return fail (error);
    }
  if (force && NOVA_DBUS_IS_SNAPSHOT (source))
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("--force is for an in-use volume; snapshot “%s” is backed up as it is, without it"), argv[1]);
      return fail (error);
    }

  if (name != NULL)
    g_variant_dict_insert (&options, "name", "s", name);
  if (description != NULL)
    g_variant_dict_insert (&options, "description", "s", description);
  if (incremental)
    g_variant_dict_insert (&options, "incremental", "b", TRUE);
  if (force)
    g_variant_dict_insert (&options, "force", "b", TRUE);
  /* the copy is a Job: a person at a terminal sees it move */
  if (!opt_json && nova_ctl_progress_possible ())
    progress = nova_ctl_progress_new (manager, "backup-create", g_dbus_proxy_get_object_path (source));
  result = call_method (source, "Backup", g_variant_new ("(@a{sv})", options_end (&options)), &error);
  g_clear_pointer (&progress, nova_ctl_progress_free);
  if (result == NULL)
    return fail (error);
  g_variant_get (result, "(&o)", &path);
  return print_new_object (g_dbus_proxy_get_connection (source), path, KIND_BACKUP);
}

/* "2024-05-01 12:34", local: a time in a table */
static char *
format_time_short (guint64 usec)
{
  g_autoptr(GDateTime) time = NULL;

  if (usec == 0)
    return g_strdup ("");
  time = g_date_time_new_from_unix_local ((gint64) (usec / G_USEC_PER_SEC));
  if (time == NULL)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, usec);
  return g_date_time_format (time, "%Y-%m-%d %H:%M");
}

static GPtrArray *
backup_row (gpointer proxy)
{
  NovaDBusBackup *backup = proxy;
  GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);
  const char *parent_path = nova_dbus_backup_get_parent (backup);
  g_autofree char *parent = parent_path != NULL ? object_path_to_id (parent_path) : NULL;

  g_ptr_array_add (cells, g_strdup (nova_dbus_backup_get_id (backup)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_backup_get_name (backup)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_backup_get_volume (backup)));
  g_ptr_array_add (cells, nova_volume_size_format (nova_dbus_backup_get_size (backup)));
  g_ptr_array_add (cells, nova_volume_size_format (nova_dbus_backup_get_stored_bytes (backup)));
  g_ptr_array_add (cells, g_strdup (nova_dbus_backup_get_status (backup)));
  /* an incremental's parent: the start of its ID, enough to tell it */
  g_ptr_array_add (cells, parent != NULL ? g_strndup (parent, SHORT_ID_LENGTH) : g_strdup ("-"));
  g_ptr_array_add (cells, format_time_short (nova_dbus_backup_get_created_at (backup)));
  return cells;
}

static int
cmd_backups (const Command *cmd, int argc, char **argv)
{
  const NovaCtlColumn columns[] = {
    { _("ID"), FALSE, NOVA_CTL_SHRINK_LAST },
    { _("NAME"), FALSE, NOVA_CTL_SHRINK_FIRST },
    { _("VOLUME"), FALSE, NOVA_CTL_SHRINK_FIRST },
    { _("SIZE"), TRUE, NOVA_CTL_SHRINK_NEVER },
    { _("STORED"), TRUE, NOVA_CTL_SHRINK_NEVER },
    { _("STATUS"), FALSE, NOVA_CTL_SHRINK_NEVER },
    { _("PARENT"), FALSE, NOVA_CTL_SHRINK_NEVER },
    { _("CREATED"), FALSE, NOVA_CTL_SHRINK_NEVER },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GPtrArray) backups = NULL;

  if (!parse_command (cmd, NULL, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  backups = collect (manager, KIND_BACKUP);

  return print_objects (backups, columns, G_N_ELEMENTS (columns), backup_row);
}

/* restore BACKUP: into a new volume, whose ID it prints, or with --to
 * into an available volume (with --json, that volume as it is now) */
static int
cmd_restore (const Command *cmd, int argc, char **argv)
{
  g_autofree char *to = NULL;
  g_autofree char *name = NULL;
  g_autofree char *backend = NULL;
  g_autofree char *type = NULL;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_STRING, &to,
      N_("Write the backup into this available volume, replacing its bytes, instead of a new one"), N_("ID") },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, N_("The new volume’s display name"), N_("NAME") },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, N_("The backend to make the new volume on"), N_("NAME") },
    { "type", 0, 0, G_OPTION_ARG_STRING, &type, N_("The volume type of the new volume"), N_("TYPE") },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GVariantDict) options = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) backup = NULL;
  g_autoptr(GDBusProxy) target = NULL;
  g_autoptr(NovaCtlProgress) progress = NULL;
  g_autoptr(GVariant) result = NULL;
  const char *path;

  if (!parse_command (cmd, entries, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  if (to != NULL && name != NULL)
    return usage_error (cmd, _("--name names a new volume; a restore --to a volume keeps that volume’s name"));
  if (to != NULL && (backend != NULL || type != NULL))
    return usage_error (cmd, _("--backend and --type place a new volume; a restore --to a volume keeps it where it is"));
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  backup = lookup_backup (manager, argv[1], &error);
  if (backup == NULL)
    return fail (error);
  if (to != NULL)
    {
      target = lookup (manager, to, KIND_VOLUME, &error);
      if (target == NULL)
        return fail (error);
      g_variant_dict_insert (&options, "volume", "o", g_dbus_proxy_get_object_path (target));
    }
  if (name != NULL)
    g_variant_dict_insert (&options, "name", "s", name);
  if (backend != NULL)
    g_variant_dict_insert (&options, "backend", "s", backend);
  if (type != NULL)
    g_variant_dict_insert (&options, "type", "s", type);

  /* the copy is a Job; a new volume has no path yet: whatever our own
   * restore works on */
  if (!opt_json && nova_ctl_progress_possible ())
    progress = nova_ctl_progress_new (manager, "backup-restore",
                                      target != NULL ? g_dbus_proxy_get_object_path (target) : NULL);
  result = call_method (backup, "Restore", g_variant_new ("(@a{sv})", options_end (&options)), &error);
  g_clear_pointer (&progress, nova_ctl_progress_free);
  if (target != NULL)
    return print_changed (target, result, error);
  if (result == NULL)
    return fail (error);
  g_variant_get (result, "(&o)", &path);
  return print_new_object (g_dbus_proxy_get_connection (backup), path, KIND_VOLUME);
}

static int
cmd_backup_delete (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) backup = NULL;
  g_autoptr(GVariant) result = NULL;

  if (!parse_command (cmd, NULL, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  backup = lookup_backup (manager, argv[1], &error);
  if (backup == NULL)
    return fail (error);
  result = call_method (backup, "Delete", g_variant_new ("(@a{sv})", no_options ()), &error);
  return result != NULL ? EXIT_OK : fail (error);
}

/* backup-verify BACKUP: the daemon reads every chunk back; the report on
 * stdout, and a backup that would not restore fails the command */
static int
cmd_backup_verify (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GDBusProxy) backup = NULL;
  g_autoptr(NovaCtlProgress) progress = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) report = NULL;
  g_autofree const char **problems = NULL;
  g_autofree char *id = NULL;
  guint32 chunks = 0, missing = 0, damaged = 0;
  gboolean ok = FALSE;
  guint n_problems;

  if (!parse_command (cmd, NULL, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  backup = lookup_backup (manager, argv[1], &error);
  if (backup == NULL)
    return fail (error);
  id = cached_string (backup, "Id");

  /* the Job works on no volume: whatever our own verify reads */
  if (!opt_json && nova_ctl_progress_possible ())
    progress = nova_ctl_progress_new (manager, "backup-verify", NULL);
  result = call_method (backup, "Verify", g_variant_new ("(@a{sv})", no_options ()), &error);
  g_clear_pointer (&progress, nova_ctl_progress_free);
  if (result == NULL)
    return fail (error);
  report = g_variant_get_child_value (result, 0);
  g_variant_lookup (report, "chunks", "u", &chunks);
  g_variant_lookup (report, "missing", "u", &missing);
  g_variant_lookup (report, "damaged", "u", &damaged);
  g_variant_lookup (report, "ok", "b", &ok);
  if (!g_variant_lookup (report, "problems", "^a&s", &problems))
    problems = g_new0 (const char *, 1);
  n_problems = g_strv_length ((char **) problems);

  if (opt_json)
    {
      g_autoptr(JsonNode) node = json_gvariant_serialize (report);

      json_object_set_string_member (json_node_get_object (node), "Id", id != NULL ? id : "");
      print_json (node);
    }
  else
    {
      g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);

      add_pair (pairs, "backup", g_strdup (id != NULL ? id : argv[1]));
      add_pair (pairs, "chunks", g_strdup_printf ("%u", chunks));
      add_pair (pairs, "missing", g_strdup_printf ("%u", missing));
      add_pair (pairs, "damaged", g_strdup_printf ("%u", damaged));
      for (guint i = 0; i < n_problems; i++)
        add_pair (pairs, "problem", g_strdup (problems[i]));
      /* the daemon names the first few only */
      if (missing + damaged > n_problems)
        add_pair (pairs, "problem", g_strdup_printf (_("… and %u more"), missing + damaged - n_problems));
      add_pair (pairs, "ok", g_strdup (ok ? _("yes") : _("no")));
      print_aligned (pairs, "");
    }
  if (ok)
    return EXIT_OK;
  g_printerr (_("%s: backup %s is damaged: of its %u chunks, %u are missing and %u damaged; "
                "a restore of it would fail\n"),
              PROGRAM, id != NULL ? id : argv[1], chunks, missing, damaged);
  return EXIT_FAILED;
}

/* import-backups: what the repository holds that the daemon had no
 * record of becomes Backup objects */
static int
cmd_import_backups (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(NovaDBusManager) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) counts = NULL;
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_autofree const char **skipped = NULL;
  guint32 imported = 0, known = 0;

  if (!parse_command (cmd, NULL, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  proxy = get_manager (manager, &error);
  if (proxy == NULL)
    return fail (error);
  result = call_method (proxy, "ImportBackups", g_variant_new ("(@a{sv})", no_options ()), &error);
  if (result == NULL)
    return fail (error);
  counts = g_variant_get_child_value (result, 0);

  if (opt_json)
    {
      g_autoptr(JsonNode) node = json_gvariant_serialize (counts);

      print_json (node);
      return EXIT_OK;
    }
  g_variant_lookup (counts, "imported", "u", &imported);
  g_variant_lookup (counts, "known", "u", &known);
  add_pair (pairs, "imported", g_strdup_printf ("%u", imported));
  add_pair (pairs, "known", g_strdup_printf ("%u", known));
  /* a file of the repository that is no backup's, and why */
  if (g_variant_lookup (counts, "skipped", "^a&s", &skipped))
    for (guint i = 0; skipped[i] != NULL; i++)
      add_pair (pairs, "skipped", g_strdup (skipped[i]));
  print_aligned (pairs, "");
  return EXIT_OK;
}

/* this host's iSCSI initiator name; unreadable (no open-iscsi, or not
 * root on Debian, where the file is 0600) just means none is sent */
static char *
read_initiator_name (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (INITIATOR_FILE, &contents, NULL, NULL))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "InitiatorName="))
        {
          char *value = g_strstrip (line + strlen ("InitiatorName="));

          if (*value != '\0')
            return g_strdup (value);
        }
    }
  return NULL;
}

/* connect and disconnect: the same connector, built the same way */
static int
connection_command (const Command *cmd, int argc, char **argv, gboolean terminate)
{
  g_autofree char *initiator = NULL;
  g_autofree char *ip = NULL;
  g_autofree char *host = NULL;
  const GOptionEntry entries[] = {
    { "initiator", 0, 0, G_OPTION_ARG_STRING, &initiator,
      N_("iSCSI initiator name (default: from " INITIATOR_FILE ")"), N_("IQN") },
    { "ip", 0, 0, G_OPTION_ARG_STRING, &ip,
      N_("IP address of the connecting host (default: 127.0.0.1)"), N_("IP") },
    { "host", 0, 0, G_OPTION_ARG_STRING, &host,
      N_("Name of the connecting host (default: this host’s)"), N_("HOST") },
    G_OPTION_ENTRY_NULL
  };
  g_auto(GVariantDict) connector = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (!parse_command (cmd, entries, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  if (initiator == NULL)
    initiator = read_initiator_name ();
  if (initiator != NULL)
    g_variant_dict_insert (&connector, "initiator", "s", initiator);
  g_variant_dict_insert (&connector, "ip", "s", ip != NULL ? ip : "127.0.0.1");
  g_variant_dict_insert (&connector, "host", "s", host != NULL ? host : g_get_host_name ());

  volume = connect_and_lookup (argv[1], KIND_VOLUME, &error);
  if (volume == NULL)
    return fail (error);

  result = call_method (volume, terminate ? "TerminateConnection" : "InitializeConnection",
                        g_variant_new ("(@a{sv})", options_end (&connector)), &error);
  if (result == NULL)
    return fail (error);
  if (terminate)
    return EXIT_OK;

  /* nested data: JSON whether or not --json was given */
  info = g_variant_get_child_value (result, 0);
  node = json_gvariant_serialize (info);
  print_json (node);
  return EXIT_OK;
}

static int
cmd_connect (const Command *cmd, int argc, char **argv)
{
  return connection_command (cmd, argc, argv, FALSE);
}

static int
cmd_disconnect (const Command *cmd, int argc, char **argv)
{
  return connection_command (cmd, argc, argv, TRUE);
}

static int
cmd_check_export (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusProxy) volume = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autofree char *id = NULL;

  if (!parse_command (cmd, NULL, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  volume = connect_and_lookup (argv[1], KIND_VOLUME, &error);
  if (volume == NULL)
    return fail (error);

  result = call_method (volume, "CheckForExport", NULL, &error);
  if (result == NULL)
    return fail (error);

  id = g_strdup (nova_dbus_volume_get_id (NOVA_DBUS_VOLUME (volume)));
  if (opt_json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "Id");
      json_builder_add_string_value (builder, id != NULL ? id : "");
      json_builder_set_member_name (builder, "ExportInPlace");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      print_json (node);
    }
  else
    g_print (_("%s: export in place\n"), id != NULL ? id : argv[1]);
  return EXIT_OK;
}

static char *
format_stat (const char *key, GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) && g_str_has_suffix (key, "_capacity"))
    return nova_volume_size_format (g_variant_get_uint64 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  return g_variant_print (value, FALSE);
}

static int
cmd_stats (const Command *cmd, int argc, char **argv)
{
  /* the documented keys in a sensible order; others follow, sorted */
  static const char *const known[] = {
    "volume_backend_name", "vendor_name", "driver_version", "storage_protocol",
    "total_capacity", "free_capacity", "provisioned_capacity",
    "volume_count", "snapshot_count",
  };
  gboolean refresh = FALSE;
  const GOptionEntry entries[] = {
    { "refresh", 0, 0, G_OPTION_ARG_NONE, &refresh,
      N_("Ask the backend again instead of using the last reading"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(NovaDBusManager) proxy = NULL;
  g_autoptr(GVariant) result = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_free);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  GVariantIter iter;
  const char *key;

  if (!parse_command (cmd, entries, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  proxy = get_manager (manager, &error);
  if (proxy == NULL)
    return fail (error);

  result = call_method (proxy, "GetVolumeStats", g_variant_new ("(b)", refresh), &error);
  if (result == NULL)
    return fail (error);
  stats = g_variant_get_child_value (result, 0);

  if (opt_json)
    {
      /* what the text shows: the host's part and the backend's figures */
      g_autoptr(JsonNode) node = json_gvariant_serialize (stats);
      JsonObject *object = json_node_get_object (node);
      const char *const *warnings = nova_dbus_manager_get_warnings (proxy);
      g_autoptr(JsonArray) array = json_array_new ();

      json_object_set_string_member (object, "Host", nova_dbus_manager_get_host (proxy));
      json_object_set_string_member (object, "DriverName", nova_dbus_manager_get_driver_name (proxy));
      json_object_set_string_member (object, "AvailabilityZone", nova_dbus_manager_get_availability_zone (proxy));
      json_object_set_string_member (object, "Version", nova_dbus_manager_get_version (proxy));
      for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
        json_array_add_string_element (array, warnings[i]);
      json_object_set_array_member (object, "Warnings", g_steal_pointer (&array));
      print_json (node);
      return EXIT_OK;
    }

  add_pair (pairs, "Host", g_strdup (nova_dbus_manager_get_host (proxy)));
  add_pair (pairs, "DriverName", g_strdup (nova_dbus_manager_get_driver_name (proxy)));
  add_pair (pairs, "AvailabilityZone", g_strdup (nova_dbus_manager_get_availability_zone (proxy)));
  add_pair (pairs, "Version", g_strdup (nova_dbus_manager_get_version (proxy)));
  {
    const char *const *warnings = nova_dbus_manager_get_warnings (proxy);

    for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
      add_pair (pairs, "Warning", g_strdup (warnings[i]));
  }

  g_variant_dict_init (&dict, stats);
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      g_autoptr(GVariant) value = g_variant_dict_lookup_value (&dict, known[i], NULL);

      if (value != NULL)
        add_pair (pairs, known[i], format_stat (known[i], value));
    }
  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
    if (!g_strv_contains (known, key))
      g_ptr_array_add (others, g_strdup (key));
  g_ptr_array_sort (others, compare_strings);
  for (guint i = 0; i < others->len; i++)
    {
      const char *other = g_ptr_array_index (others, i);
      g_autoptr(GVariant) value = g_variant_dict_lookup_value (&dict, other, NULL);

      add_pair (pairs, other, format_stat (other, value));
    }

  print_aligned (pairs, "");
  return EXIT_OK;
}

/* the Job's number: the last part of its object path */
static const char *
job_number (NovaDBusJob *job)
{
  return strrchr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (job)), '/') + 1;
}

/* the IDs of the objects a Job works on, ", " between them */
static char *
job_objects (NovaDBusJob *job)
{
  const char *const *objects = nova_dbus_job_get_objects (job);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; objects != NULL && objects[i] != NULL; i++)
    {
      g_autofree char *id = g_strdelimit (g_path_get_basename (objects[i]), "_", '-');

      g_string_append_printf (text, "%s%s", i > 0 ? ", " : "", id);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static int
cmd_jobs (const Command *cmd, int argc, char **argv)
{
  const NovaCtlColumn columns[] = {
    { _("JOB"), TRUE, NOVA_CTL_SHRINK_NEVER },
    { _("OPERATION"), FALSE, NOVA_CTL_SHRINK_NEVER },
    { _("PROGRESS"), TRUE, NOVA_CTL_SHRINK_NEVER },
    { _("OBJECTS"), FALSE, NOVA_CTL_SHRINK_LAST },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(NovaVolumeClient) client = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  g_autoptr(GPtrArray) vectors = g_ptr_array_new ();
  GList *jobs;

  if (!parse_command (cmd, NULL, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  client = nova_volume_client_new_for_object_manager (manager);
  jobs = nova_volume_client_get_jobs (client);
  if (opt_json)
    {
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      JsonArray *array = json_array_new ();

      for (GList *l = jobs; l != NULL; l = l->next)
        json_array_add_element (array, proxy_to_json (l->data));
      json_node_take_array (root, array);
      print_json (root);
    }
  else
    {
      for (GList *l = jobs; l != NULL; l = l->next)
        {
          GPtrArray *cells = g_ptr_array_new_with_free_func (g_free);

          g_ptr_array_add (cells, g_strdup (job_number (l->data)));
          g_ptr_array_add (cells, g_strdup (nova_dbus_job_get_operation (l->data)));
          g_ptr_array_add (cells, g_strdup_printf ("%.0f%%", 100.0 * nova_dbus_job_get_progress (l->data)));
          g_ptr_array_add (cells, job_objects (l->data));
          g_ptr_array_add (cells, NULL);
          g_ptr_array_add (rows, cells);
          g_ptr_array_add (vectors, cells->pdata);
        }
      nova_ctl_print_table (columns, G_N_ELEMENTS (columns), vectors, nova_ctl_table_width ());
    }
  g_list_free_full (jobs, g_object_unref);
  return EXIT_OK;
}

/* the Job @what names: its number or path, or the ID of a volume or
 * snapshot it works on */
static NovaDBusJob *
find_job (NovaVolumeClient *client, const char *what, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  NovaDBusJob *job = nova_volume_client_lookup_job (client, what, &local_error);
  g_autoptr(GDBusProxy) object = NULL;
  GList *jobs;

  if (job != NULL)
    return job;
  if (!g_error_matches (local_error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  object = lookup (nova_volume_client_get_object_manager (client), what, KIND_VOLUME | KIND_SNAPSHOT, error);
  if (object == NULL)
    return NULL;
  jobs = nova_volume_client_get_jobs (client);
  for (GList *l = jobs; l != NULL && job == NULL; l = l->next)
    {
      const char *const *objects = nova_dbus_job_get_objects (l->data);

      if (objects != NULL && g_strv_contains (objects, g_dbus_proxy_get_object_path (object)))
        job = g_object_ref (l->data);
    }
  g_list_free_full (jobs, g_object_unref);
  if (job == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("no job runs on “%s”"), what);
  return job;
}

static int
cmd_cancel (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(NovaVolumeClient) client = NULL;
  g_autoptr(NovaDBusJob) job = NULL;
  g_autoptr(GVariant) result = NULL;

  if (!parse_command (cmd, NULL, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  client = nova_volume_client_new_for_object_manager (manager);
  job = find_job (client, argv[1], &error);
  if (job == NULL)
    return fail (error);
  prepare_proxy (G_DBUS_PROXY (job));
  result = call_method (G_DBUS_PROXY (job), "Cancel", g_variant_new ("(@a{sv})", no_options ()), &error);
  return result != NULL ? EXIT_OK : fail (error);
}

static int
cmd_wait (const Command *cmd, int argc, char **argv)
{
  g_autofree char *status = NULL;
  const GOptionEntry entries[] = {
    { "status", 0, 0, G_OPTION_ARG_STRING, &status,
      N_("The status to wait for (default: available)"), N_("STATUS") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(NovaVolumeClient) client = NULL;
  g_autoptr(GDBusProxy) object = NULL;

  if (!parse_command (cmd, entries, &argc, &argv, 1, 1))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  client = nova_volume_client_new_for_object_manager (manager);
  object = lookup (manager, argv[1], KIND_VOLUME | KIND_SNAPSHOT, &error);
  if (object == NULL
      || !nova_volume_client_wait_for_status (client, object, status != NULL ? status : "available", NULL, &error))
    return fail (error);
  return EXIT_OK;
}

/* ---- monitor: changes as they happen, as udisksctl monitor shows them */

/* "volume 1190c07b-…", "job 3", "backend file" */
static char *
describe_object (const char *path)
{
  static const struct { const char *prefix; const char *kind; } kinds[] = {
    { VOLUMES_PREFIX, "volume" }, { SNAPSHOTS_PREFIX, "snapshot" },
    { ROOT_PATH "/jobs/", "job" }, { ROOT_PATH "/backends/", "backend" },
    { BACKUPS_PREFIX, "backup" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_has_prefix (path, kinds[i].prefix))
      {
        g_autofree char *id = g_strdelimit (g_strdup (path + strlen (kinds[i].prefix)), "_", '-');

        return g_strdup_printf ("%s %s", kinds[i].kind, id);
      }
  return g_strdup (path);
}

/* one line of text, or one JSON object a line with --json */
static void
monitor_print (const char *event, const char *path, GVariant *properties)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = g_date_time_format (now, "%H:%M:%S");

  if (opt_json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;
      g_autoptr(GDateTime) utc = g_date_time_to_utc (now);
      g_autofree char *iso = g_date_time_format_iso8601 (utc);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "Event");
      json_builder_add_string_value (builder, event);
      json_builder_set_member_name (builder, "Time");
      json_builder_add_string_value (builder, iso);
      json_builder_set_member_name (builder, "ObjectPath");
      json_builder_add_string_value (builder, path);
      if (properties != NULL)
        {
          json_builder_set_member_name (builder, "Properties");
          json_builder_add_value (builder, json_gvariant_serialize (properties));
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      text = json_generator_to_data (generator, NULL);
      g_print ("%s\n", text);
    }
  else
    {
      g_autofree char *what = describe_object (path);
      g_autoptr(GString) line = g_string_new (NULL);
      GVariantIter iter;
      const char *name;
      GVariant *value;

      g_string_printf (line, "%s %s %s", time, what, event);
      if (properties != NULL && g_variant_n_children (properties) > 0)
        {
          gboolean first = TRUE;

          g_string_append_c (line, ':');
          g_variant_iter_init (&iter, properties);
          while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
            {
              g_autofree char *text = g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)
                                      ? g_strdup (g_variant_get_string (value, NULL)) : g_variant_print (value, FALSE);

              g_string_append_printf (line, "%s%s=%s", first ? " " : ", ", name, text);
              first = FALSE;
              g_variant_unref (value);
            }
        }
      g_print ("%s\n", line->str);
    }
  fflush (stdout);
}

static void
on_monitor_added (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  g_autolist(GDBusInterface) interfaces = g_dbus_object_get_interfaces (object);
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  static const char *const shown[] = { "Name", "Status", "Operation", "State" };
  g_autoptr(GVariant) properties = NULL;

  /* what a person needs to know of a new object: what it is called and
   * where it stands */
  for (gsize i = 0; interfaces != NULL && i < G_N_ELEMENTS (shown); i++)
    {
      g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (interfaces->data), shown[i]);

      if (value != NULL)
        g_variant_builder_add (&builder, "{sv}", shown[i], value);
    }
  properties = g_variant_ref_sink (g_variant_builder_end (&builder));
  monitor_print ("added", g_dbus_object_get_object_path (object), properties);
}

static void
on_monitor_removed (GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
  monitor_print ("removed", g_dbus_object_get_object_path (object), NULL);
}

static void
on_monitor_changed (GDBusObjectManagerClient *manager, GDBusObjectProxy *object, GDBusProxy *iface,
                    GVariant *changed, const char *const *invalidated, gpointer user_data)
{
  if (g_variant_n_children (changed) > 0)
    monitor_print ("changed", g_dbus_object_get_object_path (G_DBUS_OBJECT (object)), changed);
}

static gboolean
on_monitor_stop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static int
cmd_monitor (const Command *cmd, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusObjectManager) manager = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  if (!parse_command (cmd, NULL, &argc, &argv, 0, 0))
    return EXIT_USAGE;
  manager = connect_daemon (&error);
  if (manager == NULL)
    return fail (error);
  g_signal_connect (manager, "object-added", G_CALLBACK (on_monitor_added), NULL);
  g_signal_connect (manager, "object-removed", G_CALLBACK (on_monitor_removed), NULL);
  g_signal_connect (manager, "interface-proxy-properties-changed", G_CALLBACK (on_monitor_changed), NULL);
  g_unix_signal_add (SIGINT, on_monitor_stop, loop);
  g_unix_signal_add (SIGTERM, on_monitor_stop, loop);
  /* the first line says it listens, so a script knows when to act */
  if (opt_json)
    monitor_print ("monitoring", ROOT_PATH, NULL);
  else
    g_print (_("Monitoring org.openstack.Volume1; Ctrl-C stops.\n"));
  fflush (stdout);
  g_main_loop_run (loop);
  return EXIT_OK;
}

static const Command commands[] = {
  { "create", cmd_create, N_("SIZE"), N_("Create a volume and print its ID") },
  { "list", cmd_list, NULL, N_("List volumes, then snapshots") },
  { "show", cmd_show, N_("ID"), N_("Show every property of a volume, snapshot or backup") },
  { "delete", cmd_delete, N_("ID"), N_("Delete a volume or snapshot") },
  { "manage", cmd_manage, N_("REFERENCE"),
    N_("Take an LV, image, VDI or file a backend holds as a volume, and print its ID") },
  { "unmanage", cmd_unmanage, N_("ID"), N_("Let a volume go: its record and export go, its data stays") },
  { "snapshot", cmd_snapshot, N_("ID"), N_("Snapshot a volume and print the snapshot’s ID") },
  { "attach", cmd_attach, N_("ID INSTANCE MOUNTPOINT"),
    N_("Record that a volume is attached to an instance") },
  { "detach", cmd_detach, N_("ID [INSTANCE]"),
    N_("Record that a volume is detached (from INSTANCE, when it is attached to several)") },
  { "extend", cmd_extend, N_("ID SIZE"), N_("Grow a volume to SIZE, or by SIZE with a leading +") },
  { "update", cmd_update, N_("ID"), N_("Rename a volume or snapshot, or change its description or metadata") },
  { "migrate", cmd_migrate, N_("ID BACKEND"), N_("Move a volume to another backend, with its bytes") },
  { "revert", cmd_revert, N_("[ID] SNAPSHOT"), N_("Make a volume’s bytes its snapshot’s again; the snapshot stays") },
  { "export", cmd_export, N_("ID FILE|-"), N_("Copy a volume’s or a snapshot’s bytes out into a disk image") },
  { "backup", cmd_backup, N_("ID"),
    N_("Back up a volume or snapshot into the backup repository and print the backup’s ID") },
  { "backups", cmd_backups, NULL, N_("List the backups") },
  { "restore", cmd_restore, N_("BACKUP"),
    N_("Restore a backup into a new volume and print its ID, or into a volume (--to)") },
  { "backup-delete", cmd_backup_delete, N_("BACKUP"), N_("Delete a backup from the backup repository") },
  { "backup-verify", cmd_backup_verify, N_("BACKUP"),
    N_("Read a backup back and check every chunk; fails when one is missing or damaged") },
  { "import-backups", cmd_import_backups, NULL,
    N_("Take in the backups the repository holds that the daemon has no record of") },
  { "connect", cmd_connect, N_("ID"),
    N_("Prepare a volume for a host’s connection; print how to connect") },
  { "disconnect", cmd_disconnect, N_("ID"), N_("Withdraw a host’s connection to a volume") },
  { "check-export", cmd_check_export, N_("ID"), N_("Check that a volume’s export is in place") },
  { "stats", cmd_stats, NULL, N_("Show the state of the storage backend") },
  { "backends", cmd_backends, NULL, N_("List the backends with their state and capacity") },
  { "jobs", cmd_jobs, NULL, N_("List the long operations (copies) that run") },
  { "cancel", cmd_cancel, N_("JOB|ID"), N_("Cancel a job, or the job that works on a volume or snapshot") },
  { "wait", cmd_wait, N_("ID"), N_("Wait until a volume or snapshot is available (or --status)") },
  { "monitor", cmd_monitor, NULL,
    N_("Print changes of volumes, snapshots, backups, jobs and backends as they happen") },
  { "help", cmd_help, N_("[COMMAND]"), N_("Show the help of a command") },
};

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}


/* what another tool calls it */
static const struct {
  const char *alias;
  const char *command;
} aliases[] = {
  { "ls", "list" },
  { "rm", "delete" },
  { "remove", "delete" },
  { "destroy", "delete" },
  { "info", "show" },
  { "status", "show" },
  { "resize", "extend" },
  { "grow", "extend" },
  { "rename", "update --name" },
  { "set", "update" },
  { "clone", "create --source-volume" },
  { "new", "create" },
  { "version", "--version" },
  /* cinder's backup commands */
  { "backup-create", "backup" },
  { "backup-list", "backups" },
  { "backup-restore", "restore" },
  { "backup-show", "show" },
  { "backup-import", "import-backups" },
};

/* the command @name was most likely meant to be, or NULL */
static char *
suggest_command (const char *name)
{
  const char *names[G_N_ELEMENTS (commands) + 1] = { NULL };

  for (guint i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (g_ascii_strcasecmp (name, aliases[i].alias) == 0)
      return g_strdup (aliases[i].command);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    names[i] = commands[i].name;
  return g_strdup (nova_volume_suggest (name, names));
}

static int
unknown_command (const char *name)
{
  g_autofree char *suggestion = suggest_command (name);

  if (suggestion != NULL)
    return usage_error (NULL, _("unknown command “%s”; did you mean “%s”?"), name, suggestion);
  return usage_error (NULL, _("unknown command “%s”"), name);
}

static GOptionContext *
main_context_new (void)
{
  static const GOptionEntry version_entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  GOptionContext *context = g_option_context_new (_("COMMAND [ARGUMENT…]"));
  g_autoptr(GString) description = g_string_new (_("Commands:\n"));
  int width = 0;

  /* the summaries in one column, two blanks after the longest name */
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    width = MAX (width, (int) strlen (commands[i].name) + 2);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (description, "  %-*s%s\n", width, commands[i].name, _(commands[i].summary));
  g_string_append_printf (description, "\n%s\n",
                          _("IDs are volume or snapshot UUIDs, or their D-Bus object paths;\n"
                            "BACKUP is a backup’s (nova-volumectl backups lists them).\n"
                            "Sizes are bytes or take a binary suffix: 512M, 10G, 1.5T.\n"
                            "Run “nova-volumectl COMMAND --help” for a command’s arguments "
                            "and options."));

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Manage the block-storage volumes of nova-volumed."));
  g_option_context_set_description (context, description->str);
  g_option_context_add_main_entries (context, global_entries, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, version_entries, GETTEXT_PACKAGE);
  /* stop at the command name: what follows is the command's */
  g_option_context_set_strict_posix (context, TRUE);
  return context;
}

static int
cmd_help (const Command *cmd, int argc, char **argv)
{
  const Command *topic;
  char *help_argv[] = { NULL, (char *) "--help", NULL };

  if (!parse_command (cmd, NULL, &argc, &argv, 0, 1))
    return EXIT_USAGE;
  if (argc < 2)
    {
      g_autoptr(GOptionContext) context = main_context_new ();
      g_autofree char *help = NULL;

      g_set_prgname (PROGRAM);
      help = g_option_context_get_help (context, TRUE, NULL);
      g_print ("%s", help);
      return EXIT_OK;
    }

  topic = find_command (argv[1]);
  if (topic == NULL)
    return unknown_command (argv[1]);
  /* the command's own parser prints its --help and exits */
  help_argv[0] = (char *) topic->name;
  return topic->handler (topic, 2, help_argv);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const Command *cmd;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname (PROGRAM);

  context = main_context_new ();
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (NULL, "%s", error->message);
  if (opt_version)
    {
      g_print ("%s %s\n", PROGRAM, PACKAGE_VERSION);
      return EXIT_OK;
    }
  if (argc < 2)
    return usage_error (NULL, _("no command given"));

  cmd = find_command (argv[1]);
  if (cmd == NULL)
    return unknown_command (argv[1]);
  return cmd->handler (cmd, argc - 1, argv + 1);
}
