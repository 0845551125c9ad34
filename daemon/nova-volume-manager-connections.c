/* nova-volume: the volume manager's connections: the checks of a
 * connector and its key, InitializeConnection and TerminateConnection, and
 * the guard that keeps a volume with connected hosts from being deleted. */
#include "config.h"

#include "nova-volume-log.h"
#include "nova-volume-manager-private.h"

/* a connection operation's own: the host's connector and its key */
typedef struct {
  GVariant *connector;   /* without auth.* */
  char     *key;         /* initiator, else host, else ip */
  gboolean  reconnect;   /* InitializeConnection: the host had been let in and recorded before */
} ConnectionData;

static void
connection_data_free (ConnectionData *data)
{
  g_clear_pointer (&data->connector, g_variant_unref);
  g_free (data->key);
  g_free (data);
}

#define C(op) ((ConnectionData *) (op)->data)

/* ---- connections ----------------------------------------------------- */

static const NovaVolumeStatus connectable[] = {
  NOVA_VOLUME_STATUS_AVAILABLE, NOVA_VOLUME_STATUS_IN_USE,
};

/* what Nova's connectors hold (initiator, host, ip, wwpns, nqn, ...) fits
 * with room to spare */
#define CONNECTOR_MAX_KEYS  32
#define CONNECTOR_MAX_BYTES (16 * 1024)

/* Connector values end up in target commands (an ACL for the initiator)
 * and in logs: each must look like what it claims to be. */
static gboolean
check_connector_value (const char *key, const char *value, GError **error)
{
  gboolean ok = TRUE;

  if (*value == '\0')
    return TRUE; /* empty: as if absent */
  if (*value == '-' || strpbrk (value, " \t") != NULL)
    ok = FALSE;
  else if (g_str_equal (key, "initiator"))
    /* an iSCSI name (RFC 3720): it becomes a target's access rule, and on
     * LIO a configfs directory, so nothing that could be read as a path */
    ok = (g_str_has_prefix (value, "iqn.") || g_str_has_prefix (value, "eui.") || g_str_has_prefix (value, "naa."))
         && strlen (value) <= 223 && strspn (value, "abcdefghijklmnopqrstuvwxyz"
                                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-") == strlen (value);
  else if (g_str_equal (key, "host"))
    /* a host name (it names the host in logs and records) */
    ok = strspn (value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == strlen (value);
  else if (g_str_equal (key, "ip"))
    ok = g_hostname_is_ip_address (value);
  if (ok)
    return TRUE;
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
               "connector %s '%s' is not valid: %s", key, value,
               g_str_equal (key, "initiator") ? "an iSCSI name starts with iqn., eui. or naa. and has only "
                                                "letters, digits, '.', ':' and '-' (at most 223)"
               : g_str_equal (key, "host") ? "a host name has only letters, digits, '.', '-' and '_'"
               : g_str_equal (key, "ip") ? "give an IPv4 or IPv6 address"
               : "no spaces, and no leading '-'");
  return FALSE;
}

/* Adds to @builder the entries of a{sv} @dict whose key @drop does not
 * refuse: the one copy behind each connector the manager hands on. */
static void
add_kept_entries (GVariantBuilder *builder, GVariant *dict, gboolean (*drop) (const char *key))
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (!drop (key))
        g_variant_builder_add (builder, "{sv}", key, value);
      g_variant_unref (value);
    }
}

static gboolean
is_auth_option (const char *key)
{
  return g_str_has_prefix (key, "auth.");
}

/* The connector without the auth.* options that every options dictionary
 * may carry: they are for polkit, not for the driver or the record. */
static GVariant *
connector_without_auth (GVariant *connector)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (!g_variant_is_of_type (connector, G_VARIANT_TYPE_VARDICT))
    return g_variant_ref (connector);
  add_kept_entries (&builder, connector, is_auth_option);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* The connector's identity: its initiator, else its host, else its ip. */
static char *
connector_key (GVariant *connector, GError **error)
{
  static const char *const keys[] = { "initiator", "host", "ip" };
  static const char *const text_keys[] = { "initiator", "host", "ip", "platform", "os_type" };
  char *found = NULL;

  if (connector == NULL || !g_variant_is_of_type (connector, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                           "the connector must be a dictionary a{sv}");
      return NULL;
    }
  /* it is kept with the volume until the host disconnects: a caller must
   * not be able to grow the store at will */
  if (g_variant_n_children (connector) > CONNECTOR_MAX_KEYS || g_variant_get_size (connector) > CONNECTOR_MAX_BYTES)
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "the connector has %zu keys in %zu bytes; at most %d keys and %d bytes are kept",
                   g_variant_n_children (connector), g_variant_get_size (connector), CONNECTOR_MAX_KEYS,
                   CONNECTOR_MAX_BYTES);
      return NULL;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (text_keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (connector, text_keys[i], NULL);

      if (value == NULL)
        continue;
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                       "connector key '%s' must be a string (s), not %s",
                       text_keys[i], g_variant_get_type_string (value));
          g_free (found);
          return NULL;
        }
      if (!manager_check_text (text_keys[i], g_variant_get_string (value, NULL), NAME_MAX_LEN, error)
          || !check_connector_value (text_keys[i], g_variant_get_string (value, NULL), error))
        {
          g_free (found);
          return NULL;
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (keys) && found == NULL; i++)
    {
      const char *text = NULL;

      if (g_variant_lookup (connector, keys[i], "&s", &text) && *text != '\0')
        found = g_strdup_printf ("%s:%s", keys[i], text);
    }
  if (found == NULL)
    g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                         "the connector names no host: give at least one of initiator, host or ip");
  return found;
}

gboolean
manager_check_connector (GVariant *connector, GError **error)
{
  g_autofree char *key = connector_key (connector, error);

  return key != NULL;
}

/* ---- recorded connections, in memory --------------------------------- */

gboolean
manager_load_connections (NovaVolumeManager *self, GError **error)
{
  g_autoptr(GHashTable) unreadable = NULL;
  GHashTable *connections = nova_volume_store_list_all_connections (self->store, &unreadable, error);
  GHashTableIter iter;
  gpointer id, why;

  if (connections == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, unreadable);
  while (g_hash_table_iter_next (&iter, &id, &why))
    g_warning ("volume %s: %s; it cannot be connected, disconnected or deleted until that row is mended",
               (const char *) id, (const char *) why);
  g_clear_pointer (&self->connections, g_hash_table_unref);
  g_clear_pointer (&self->connections_unreadable, g_hash_table_unref);
  self->connections = connections;
  self->connections_unreadable = g_steal_pointer (&unreadable);
  return TRUE;
}

GPtrArray *
manager_recorded_connections (NovaVolumeManager *self, const char *volume_id, GError **error)
{
  const char *why = g_hash_table_lookup (self->connections_unreadable, volume_id);
  GPtrArray *recorded = g_hash_table_lookup (self->connections, volume_id);
  GPtrArray *copy;

  if (why != NULL)
    {
      g_set_error_literal (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, why);
      return NULL;
    }
  copy = g_ptr_array_new_full (recorded != NULL ? recorded->len : 0, (GDestroyNotify) g_variant_unref);
  for (guint i = 0; recorded != NULL && i < recorded->len; i++)
    g_ptr_array_add (copy, g_variant_ref (g_ptr_array_index (recorded, i)));
  return copy;
}

/* where @key's connector is in @recorded, or -1 */
static int
index_of_key (GPtrArray *recorded, const char *key)
{
  for (guint i = 0; recorded != NULL && i < recorded->len; i++)
    {
      g_autofree char *its_key = connector_key (g_ptr_array_index (recorded, i), NULL);

      if (g_strcmp0 (its_key, key) == 0)
        return (int) i;
    }
  return -1;
}

void
manager_keep_connection (NovaVolumeManager *self, const char *volume_id, const char *key, GVariant *connector)
{
  GPtrArray *recorded = g_hash_table_lookup (self->connections, volume_id);
  int i = index_of_key (recorded, key);

  if (recorded == NULL)
    {
      recorded = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_hash_table_insert (self->connections, g_strdup (volume_id), recorded);
    }
  /* a host that connects again keeps its place (the store keeps when it
   * first connected) */
  if (i >= 0)
    {
      g_variant_unref (g_ptr_array_index (recorded, i));
      g_ptr_array_index (recorded, i) = g_variant_ref (connector);
    }
  else
    g_ptr_array_add (recorded, g_variant_ref (connector));
}

void
manager_drop_connection (NovaVolumeManager *self, const char *volume_id, const char *key)
{
  GPtrArray *recorded = g_hash_table_lookup (self->connections, volume_id);
  int i = index_of_key (recorded, key);

  if (i < 0)
    return;
  g_ptr_array_remove_index (recorded, (guint) i);
  if (recorded->len == 0)
    g_hash_table_remove (self->connections, volume_id);
}

GVariant *
manager_find_connection (NovaVolumeManager *self, const char *volume_id, const char *host, GError **error)
{
  g_autoptr(GPtrArray) connections = NULL;

  if (*host == '\0')
    return NULL;
  connections = manager_recorded_connections (self, volume_id, error);
  if (connections == NULL)
    return NULL;
  for (guint i = 0; i < connections->len; i++)
    {
      GVariant *connector = g_ptr_array_index (connections, i);
      const char *its_host = NULL;

      if (g_variant_lookup (connector, "host", "&s", &its_host) && g_str_equal (its_host, host))
        return g_variant_ref (connector);
    }
  return NULL;
}

static gboolean
may_be_secret (const char *key)
{
  static const char *const words[] = { "password", "secret", "key", "token", "auth" };
  g_autofree char *lower = g_ascii_strdown (key, -1);

  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (lower, words[i]) != NULL)
      return TRUE;
  return FALSE;
}

GVariant *
manager_connector_without_secrets (GVariant *connector)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  add_kept_entries (&builder, connector, may_be_secret);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static gboolean
is_access_mode (const char *key)
{
  return g_str_equal (key, "access_mode");
}

GVariant *
manager_connector_with_mode (GVariant *connector, const char *mode)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  add_kept_entries (&builder, connector, is_access_mode);
  g_variant_builder_add (&builder, "{sv}", "access_mode", g_variant_new_string (mode));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* The mode volume @volume is attached in on the host @connector names:
 * "ro" when an attachment there is read-only, else "rw" */
static const char *
mode_for_connector (const NovaVolumeRecord *volume, GVariant *connector)
{
  const char *host = NULL;

  if (!g_variant_lookup (connector, "host", "&s", &host) || *host == '\0')
    return "rw";
  for (guint i = 0; i < volume->attachments->len; i++)
    {
      const NovaAttachmentRecord *attachment = g_ptr_array_index (volume->attachments, i);

      if (g_str_equal (attachment->host, host) && g_str_equal (attachment->mode, "ro"))
        return "ro";
    }
  return "rw";
}

GVariant *
manager_connector_for_driver (const NovaVolumeRecord *volume, GVariant *connector)
{
  return manager_connector_with_mode (connector, mode_for_connector (volume, connector));
}

/* connection_info with access_mode in its data, as os-brick reads it */
static GVariant *
info_with_access_mode (GVariant *info, const char *mode)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, info);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      if (g_str_equal (key, "data") && g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
        {
          g_autoptr(GVariant) data = manager_connector_with_mode (value, mode);

          g_variant_builder_add (&builder, "{sv}", key, data);
        }
      else
        g_variant_builder_add (&builder, "{sv}", key, value);
      g_variant_unref (value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

/* The connectors that InitializeConnection let in and no
 * TerminateConnection removed: their keys, "initiator:iqn...". */
static GPtrArray *
connection_keys (NovaVolumeManager *self, const char *volume_id, GError **error)
{
  g_autoptr(GPtrArray) connections = manager_recorded_connections (self, volume_id, error);
  g_autoptr(GPtrArray) keys = NULL;

  if (connections == NULL)
    return NULL;
  keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < connections->len; i++)
    g_ptr_array_add (keys, connector_key (g_ptr_array_index (connections, i), NULL));
  return g_steal_pointer (&keys);
}

/* A volume a host is still connected to is not deleted under it. */
gboolean
manager_op_check_no_connections (Op *op)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = connection_keys (op->self, op->volume_id, &error);
  g_autoptr(GString) list = NULL;

  if (keys == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_FAILED, "cannot read the connections of volume %s: %s",
                       op->volume_id, error->message);
      return FALSE;
    }
  if (keys->len == 0)
    return TRUE;
  list = g_string_new (NULL);
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (list, "%s%s", i > 0 ? ", " : "",
                            g_ptr_array_index (keys, i) != NULL ? (char *) g_ptr_array_index (keys, i) : "?");
  manager_op_fail (op, NOVA_VOLUME_ERROR_INVALID_STATE,
                   "cannot %s %s: %u host%s still connected (%s); call TerminateConnection with "
                   "%s connector first", op->what, op->volume_id, keys->len, keys->len == 1 ? " is" : "s are",
                   list->str, keys->len == 1 ? "its" : "each");
  return FALSE;
}

static void initialize_connection_thread (Op *op);
static void initialize_connection_done (Op *op);

static void
initialize_connection_start (Op *op)
{
  if (!manager_op_take_volume (op)
      || !manager_op_check_volume_status (op, connectable, G_N_ELEMENTS (connectable)))
    return;
  manager_op_in_thread (op, initialize_connection_thread, initialize_connection_done);
}

static void
initialize_connection_thread (Op *op)
{
  g_autoptr(GVariant) connector = manager_connector_for_driver (op->volume, C (op)->connector);
  const char *mode = "rw";
  g_autoptr(GVariant) info = NULL;

  g_variant_lookup (connector, "access_mode", "&s", &mode);

  MANAGER_CRASH_POINT (op, "before-driver-initialize-connection");
  info = nova_volume_driver_initialize_connection (op->driver, op->volume, connector, &op->error);
  MANAGER_CRASH_POINT (op, "after-driver-initialize-connection");
  if (info != NULL)
    op->result = info_with_access_mode (info, mode);
}

static void initialize_connection_recorded (Op *op);
static void withdraw_unrecorded_access (Op *op);

static void
initialize_connection_done (Op *op)
{
  g_autoptr(GPtrArray) known = NULL;

  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  /* recorded after the driver allowed it, so a restart can re-allow it */
  known = manager_recorded_connections (op->self, op->volume_id, NULL);
  C (op)->reconnect = known != NULL && index_of_key (known, C (op)->key) >= 0;
  manager_op_commit_connection_then (op, C (op)->key, C (op)->connector, initialize_connection_recorded);
}

static void
initialize_connection_recorded (Op *op)
{
  if (op->error == NULL)
    {
      nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_EXPORTED, op->volume_id, NULL,
                             "volume %s: connection initialized for %s", op->volume_id, C (op)->key);
      manager_op_return (op);
      return;
    }
  g_clear_pointer (&op->result, g_variant_unref);
  /* unrecorded access is withdrawn, unless it was granted before (and
   * recorded then): that host keeps what it had */
  if (C (op)->reconnect)
    manager_op_return (op);
  else
    manager_op_in_thread (op, withdraw_unrecorded_access, manager_op_return);
}

static void
withdraw_unrecorded_access (Op *op)
{
  g_autoptr(GVariant) connector = manager_connector_for_driver (op->volume, C (op)->connector);
  g_autoptr(GError) error = NULL;

  if (!nova_volume_driver_terminate_connection (op->driver, op->volume, connector, &error))
    g_warning ("volume %s: cannot withdraw the access of %s, which could not be recorded: %s", op->volume_id,
               C (op)->key, error->message);
}

/* Takes @connector (floating or not) into @op, without its auth.* keys,
 * and finds its key; FALSE when it names no valid host. */
static gboolean
op_take_connector (Op *op, GVariant *connector, GError **error)
{
  g_variant_ref_sink (connector);
  C (op)->connector = connector_without_auth (connector);
  g_variant_unref (connector);
  C (op)->key = connector_key (C (op)->connector, error);
  if (C (op)->key == NULL)
    return FALSE;
  /* recorded once the driver let it in: what cannot be recorded is
   * refused before that */
  if (!nova_volume_store_connector_is_storable (C (op)->connector))
    {
      g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
                   "the connector of %s holds a value that cannot be stored (a double too small to print, "
                   "say); send it without that value", C (op)->key);
      return FALSE;
    }
  return TRUE;
}

/* Both connection calls: take the connector, then queue @start holding the
 * volume shared (only the connections change, so a clone of the volume
 * may go on) and its connections exclusively. */
static void
submit_connection_op (NovaVolumeManager *self, const char *what, OpResultKind result_kind,
                      const char *volume_id, GVariant *connector, OpStep start,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  Op *op = manager_op_new (self, what, result_kind, callback, user_data);
  GError *error = NULL;

  op->data = g_new0 (ConnectionData, 1);
  op->data_free = (GDestroyNotify) connection_data_free;
  if (!op_take_connector (op, connector, &error))
    {
      manager_op_reject (op, error);
      return;
    }
  op->volume_id = g_strdup (volume_id);
  op->volume_shared = TRUE;
  op->exclusive_key = g_strconcat ("connections:", volume_id, NULL);
  manager_op_submit (op, start);
}

void
nova_volume_manager_initialize_connection (NovaVolumeManager *self, const char *volume_id,
                                           GVariant *connector,
                                           GAsyncReadyCallback callback, gpointer user_data)
{
  submit_connection_op (self, "connect a host", RESULT_VARIANT, volume_id, connector,
                        initialize_connection_start, callback, user_data);
}

GVariant *
nova_volume_manager_initialize_connection_finish (NovaVolumeManager *self, GAsyncResult *result,
                                                  GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* TRUE when @a and @b name the same host, judged by the strongest
 * identity both give: the initiator, else the host name, else the ip.
 * A weaker one that matches does not make two hosts one (two hosts behind
 * one address, or with one name, stay apart when the stronger differs). */
static gboolean
same_host (GVariant *a, GVariant *b)
{
  static const char *const keys[] = { "initiator", "host", "ip" };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const char *va = NULL, *vb = NULL;

      if (g_variant_lookup (a, keys[i], "&s", &va) && g_variant_lookup (b, keys[i], "&s", &vb)
          && *va != '\0' && *vb != '\0')
        return g_str_equal (va, vb);
    }
  return FALSE;
}

/* TerminateConnection acts on the connector InitializeConnection recorded
 * for that host, even when the caller's connector says less (no initiator
 * this time): the driver must withdraw exactly what it granted. Fails the
 * operation when the volume has connections and none is this host's. */
static gboolean
op_find_recorded_connector (Op *op)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recorded = manager_recorded_connections (op->self, op->volume_id, &error);
  g_autoptr(GString) keys = NULL;
  GVariant *match = NULL;

  if (recorded == NULL)
    {
      manager_op_fail (op, NOVA_VOLUME_ERROR_FAILED, "cannot read the connections of volume %s: %s",
                       op->volume_id, error->message);
      return FALSE;
    }
  if (recorded->len == 0)
    return TRUE; /* nothing recorded: let the driver make sure */
  for (guint i = 0; i < recorded->len && match == NULL; i++)
    {
      g_autofree char *key = connector_key (g_ptr_array_index (recorded, i), NULL);

      if (g_strcmp0 (key, C (op)->key) == 0)
        match = g_ptr_array_index (recorded, i);
    }
  for (guint i = 0; i < recorded->len && match == NULL; i++)
    if (same_host (g_ptr_array_index (recorded, i), C (op)->connector))
      match = g_ptr_array_index (recorded, i);
  if (match != NULL)
    {
      g_clear_pointer (&C (op)->connector, g_variant_unref);
      C (op)->connector = g_variant_ref (match);
      g_free (C (op)->key);
      C (op)->key = connector_key (match, NULL);
      return TRUE;
    }
  keys = g_string_new (NULL);
  for (guint i = 0; i < recorded->len; i++)
    {
      g_autofree char *key = connector_key (g_ptr_array_index (recorded, i), NULL);
      g_string_append_printf (keys, "%s%s", i > 0 ? ", " : "", key != NULL ? key : "?");
    }
  manager_op_fail (op, NOVA_VOLUME_ERROR_NOT_FOUND,
                   "volume %s has no connection for %s; it is connected to %s", op->volume_id,
                   C (op)->key, keys->str);
  return FALSE;
}

static void terminate_connection_thread (Op *op);
static void terminate_connection_done (Op *op);

static void
terminate_connection_start (Op *op)
{
  op->frees_space = TRUE;
  if (!manager_op_take_volume (op) || !op_find_recorded_connector (op))
    return;
  manager_op_in_thread (op, terminate_connection_thread, terminate_connection_done);
}

static void
terminate_connection_thread (Op *op)
{
  MANAGER_CRASH_POINT (op, "before-driver-terminate-connection");
  nova_volume_driver_terminate_connection (op->driver, op->volume, C (op)->connector, &op->error);
  MANAGER_CRASH_POINT (op, "after-driver-terminate-connection");
}

static void terminate_connection_recorded (Op *op);

static void
terminate_connection_done (Op *op)
{
  if (op->error != NULL)
    {
      manager_op_return (op);
      return;
    }
  manager_op_commit_connection_removed_then (op, C (op)->key, terminate_connection_recorded);
}

static void
terminate_connection_recorded (Op *op)
{
  if (op->error == NULL)
    nova_volume_log_event (NOVA_VOLUME_EVENT_VOLUME_UNEXPORTED, op->volume_id, NULL,
                           "volume %s: connection terminated for %s", op->volume_id, C (op)->key);
  manager_op_return (op);
}

void
nova_volume_manager_terminate_connection (NovaVolumeManager *self, const char *volume_id,
                                          GVariant *connector,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  submit_connection_op (self, "disconnect a host", RESULT_NONE, volume_id, connector,
                        terminate_connection_start, callback, user_data);
}
