/* nova-volume: the rbd driver's monitors and connection_info. */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "nova-volume-driver.h"
#include "nova-volume-error.h"
#include "nova-volume-rbd-info.h"

static gboolean
bad_monmap (GError **error, const char *why)
{
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED,
               "cannot read the cluster's monitor map: %s", why);
  return FALSE;
}

/* "127.0.0.1:6789/0", "v1:127.0.0.1:6789/0", "[::1]:6789" -> host, port */
static gboolean
split_address (const char *address, char **host, char **port)
{
  const char *start = address;
  const char *slash, *colon;
  g_autofree char *hostport = NULL;

  if (g_str_has_prefix (start, "v1:") || g_str_has_prefix (start, "v2:"))
    start += 3;
  slash = strchr (start, '/');
  hostport = slash != NULL ? g_strndup (start, slash - start) : g_strdup (start);
  colon = strrchr (hostport, ':');
  if (colon == NULL || colon == hostport || colon[1] == '\0')
    return FALSE;
  for (const char *p = colon + 1; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  *port = g_strdup (colon + 1);
  if (hostport[0] == '[' && colon[-1] == ']')
    *host = g_strndup (hostport + 1, colon - hostport - 2);
  else
    *host = g_strndup (hostport, colon - hostport);
  return **host != '\0';
}

/* the address to give for one monitor: msgr1 from its addrvec, else
 * msgr2, else its legacy "addr" */
static const char *
monitor_address (JsonObject *mon)
{
  JsonNode *public_addrs = json_object_get_member (mon, "public_addrs");
  JsonNode *addrvec = NULL;
  JsonArray *entries = NULL;
  const char *v2 = NULL;

  if (public_addrs != NULL && JSON_NODE_HOLDS_OBJECT (public_addrs))
    addrvec = json_object_get_member (json_node_get_object (public_addrs), "addrvec");
  if (addrvec != NULL && JSON_NODE_HOLDS_ARRAY (addrvec))
    entries = json_node_get_array (addrvec);
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      JsonNode *node = json_array_get_element (entries, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *type, *addr;

      if (entry == NULL)
        continue;
      type = json_object_get_string_member_with_default (entry, "type", "");
      addr = json_object_get_string_member_with_default (entry, "addr", NULL);
      if (addr == NULL)
        continue;
      if (g_str_equal (type, "v1"))
        return addr;
      if (g_str_equal (type, "v2") && v2 == NULL)
        v2 = addr;
    }
  if (v2 != NULL)
    return v2;
  return json_object_get_string_member_with_default (mon, "addr", NULL);
}

gboolean
nova_rbd_parse_mon_dump (const char *json, GPtrArray **hosts, GPtrArray **ports, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) out_hosts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) out_ports = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonArray *mons;

  if (!json_parser_load_from_data (parser, json, -1, &local_error))
    return bad_monmap (error, local_error->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || !json_object_has_member (json_node_get_object (root), "mons")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "mons")))
    return bad_monmap (error, "no \"mons\" list in it");
  mons = json_object_get_array_member (json_node_get_object (root), "mons");
  for (guint i = 0; i < json_array_get_length (mons); i++)
    {
      JsonNode *node = json_array_get_element (mons, i);
      const char *address = JSON_NODE_HOLDS_OBJECT (node) ? monitor_address (json_node_get_object (node)) : NULL;
      char *host = NULL, *port = NULL;

      if (address == NULL || !split_address (address, &host, &port))
        {
          g_free (host);
          g_free (port);
          return bad_monmap (error, "a monitor without a usable address");
        }
      g_ptr_array_add (out_hosts, host);
      g_ptr_array_add (out_ports, port);
    }
  if (out_hosts->len == 0)
    return bad_monmap (error, "it lists no monitor");
  *hosts = g_steal_pointer (&out_hosts);
  *ports = g_steal_pointer (&out_ports);
  return TRUE;
}

/* member @name of object @node when it is an object, else NULL */
static JsonNode *
member (JsonNode *node, const char *name)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_get_member (json_node_get_object (node), name);
}

static gboolean
member_uint (JsonNode *node, const char *name, guint64 *out)
{
  JsonNode *value = member (node, name);

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64
      || json_node_get_int (value) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (value);
  return TRUE;
}

static gboolean
bad_df (GError **error, const char *why)
{
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_FAILED, "cannot read the cluster's usage (df): %s", why);
  return FALSE;
}

gboolean
nova_rbd_parse_df (const char *json, const char *pool, gboolean *known, guint64 *total, guint64 *free_bytes,
                   GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root, *pools;
  guint64 total_bytes = 0;

  if (!json_parser_load_from_data (parser, json, -1, &local_error))
    return bad_df (error, local_error->message);
  root = json_parser_get_root (parser);
  pools = member (root, "pools");
  if (!member_uint (member (root, "stats"), "total_bytes", &total_bytes) || pools == NULL
      || !JSON_NODE_HOLDS_ARRAY (pools))
    return bad_df (error, "no stats.total_bytes or pools in it");
  *known = FALSE;
  if (total_bytes == 0)
    return TRUE;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (pools)); i++)
    {
      JsonNode *entry = json_array_get_element (json_node_get_array (pools), i);
      JsonNode *name = member (entry, "name");
      JsonNode *stats = member (entry, "stats");
      guint64 stored = 0, max_avail = 0;

      if (name == NULL || !JSON_NODE_HOLDS_VALUE (name) || g_strcmp0 (json_node_get_string (name), pool) != 0)
        continue;
      if (!member_uint (stats, "max_avail", &max_avail)
          || (!member_uint (stats, "stored", &stored) && !member_uint (stats, "bytes_used", &stored)))
        return bad_df (error, "the pool has no max_avail or stored");
      *known = TRUE;
      *free_bytes = max_avail;
      *total = stored + max_avail;
      return TRUE;
    }
  return bad_df (error, "the pool is not in it");
}

GVariant *
nova_rbd_connection_info_new (const char *pool, const char *image, const char *const *hosts,
                              const char *const *ports, const char *user, const char *secret_uuid,
                              const char *cluster_name)
{
  g_auto(GVariantBuilder) data = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autofree char *name = g_strdup_printf ("%s/%s", pool, image);

  g_variant_builder_add (&data, "{sv}", "name", g_variant_new_string (name));
  g_variant_builder_add (&data, "{sv}", "hosts", g_variant_new_strv (hosts, -1));
  g_variant_builder_add (&data, "{sv}", "ports", g_variant_new_strv (ports, -1));
  g_variant_builder_add (&data, "{sv}", "auth_enabled", g_variant_new_boolean (*user != '\0'));
  g_variant_builder_add (&data, "{sv}", "auth_username", g_variant_new_string (user));
  g_variant_builder_add (&data, "{sv}", "secret_type", g_variant_new_string ("ceph"));
  g_variant_builder_add (&data, "{sv}", "secret_uuid", g_variant_new_string (secret_uuid));
  g_variant_builder_add (&data, "{sv}", "cluster_name", g_variant_new_string (cluster_name));
  /* RBD frees the objects of a discarded range */
  g_variant_builder_add (&data, "{sv}", "discard", g_variant_new_boolean (TRUE));
  return nova_volume_connection_info_new ("rbd", g_variant_builder_end (&data));
}
