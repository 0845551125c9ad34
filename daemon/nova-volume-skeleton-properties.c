/* nova-volume: a skeleton's properties as an a{sv} (see the header).
 *
 * gdbus-codegen installs each D-Bus property as a GObject property whose
 * nick is the D-Bus name, and overrides them in the order the interface
 * declares them, with ids from 1, in the skeleton class it generates
 * (the one right below GDBusInterfaceSkeleton); its get_property copies
 * the stored value under the skeleton's lock. A class where a property
 * cannot be found that way is answered the generic way. */
#include "config.h"

#include <string.h>

#include "nova-volume-skeleton-properties.h"

typedef struct {
  const char   *name;       /* the D-Bus name */
  const GVariantType *type; /* its D-Bus type */
  GParamSpec   *pspec;      /* the interface's GObject property */
  guint         id;         /* its id in the generated class */
} Property;

typedef struct {
  GObjectClass *klass;      /* the generated skeleton class: its get_property */
  guint         n;
  Property     *properties; /* NULL: answered the generic way */
} Table;

G_LOCK_DEFINE_STATIC (tables);
static GHashTable *tables; /* GType -> Table, made once per class */

/* the class gdbus-codegen generated for @type's interface */
static GType
generated_type (GType type)
{
  while (type != 0 && g_type_parent (type) != G_TYPE_DBUS_INTERFACE_SKELETON)
    type = g_type_parent (type);
  return type;
}

static Table *
table_new (GDBusInterfaceSkeleton *skeleton)
{
  Table *table = g_new0 (Table, 1);
  GDBusInterfaceInfo *info = g_dbus_interface_skeleton_get_info (skeleton);
  GType type = generated_type (G_TYPE_FROM_INSTANCE (skeleton));
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs = 0;
  Property *properties;

  if (type == 0 || info == NULL)
    return table;
  table->klass = g_type_class_ref (type);
  pspecs = g_object_class_list_properties (table->klass, &n_pspecs);
  while (info->properties != NULL && info->properties[table->n] != NULL)
    table->n++;
  properties = g_new0 (Property, table->n);
  for (guint i = 0; i < table->n; i++)
    {
      GDBusPropertyInfo *property = info->properties[i];

      if ((property->flags & G_DBUS_PROPERTY_INFO_FLAGS_READABLE) == 0)
        break;
      for (guint p = 0; p < n_pspecs; p++)
        if (g_strcmp0 (g_param_spec_get_nick (pspecs[p]), property->name) == 0)
          properties[i].pspec = pspecs[p];
      properties[i].id = i + 1;
      if (properties[i].pspec == NULL || !g_variant_type_string_is_valid (property->signature))
        break;
      properties[i].name = property->name;
      properties[i].type = G_VARIANT_TYPE (property->signature);
    }
  for (guint i = 0; i < table->n; i++)
    if (properties[i].name == NULL)
      {
        /* not laid out as generated: the generic way, for good */
        g_free (properties);
        return table;
      }
  table->properties = properties;
  return table;
}

static Table *
table_for (GDBusInterfaceSkeleton *skeleton)
{
  GType type = G_TYPE_FROM_INSTANCE (skeleton);
  Table *table;

  G_LOCK (tables);
  if (tables == NULL)
    tables = g_hash_table_new (NULL, NULL);
  table = g_hash_table_lookup (tables, GSIZE_TO_POINTER (type));
  if (table == NULL)
    {
      table = table_new (skeleton);
      g_hash_table_insert (tables, GSIZE_TO_POINTER (type), table);
    }
  G_UNLOCK (tables);
  return table;
}

/* ---- the serialised form ---------------------------------------------
 *
 * A listing's reply built as a tree of GVariants took 8 allocations a
 * property (a GValue's copy, the value, its bytes, the variant around it,
 * the dictionary entry, their children's arrays) and as many frees, and
 * its pages were faulted in afresh for every burst of listings. Here each
 * object is written into one buffer, in GVariant's serialised normal form
 * (the GVariant specification: containers of variable-size members end
 * with framing offsets of the smallest width their size allows; a
 * variant is its value, a zero byte and its type). Every container here
 * holds members aligned to 8 or less and starts 8-aligned. */

/* appends @value as a framing offset @width bytes wide, little-endian as
 * GVariant's native order is on the machines GLib serialises for here */
static void
put_offset (GByteArray *buffer, gsize value, guint width)
{
  for (guint i = 0; i < width; i++)
    {
      guint8 byte = (guint8) (value >> (8 * i));

      g_byte_array_append (buffer, &byte, 1);
    }
}

/* the width of @n_offsets framing offsets after @body bytes */
static guint
offset_width (gsize body, gsize n_offsets)
{
  if (body + n_offsets <= G_MAXUINT8)
    return 1;
  if (body + 2 * n_offsets <= G_MAXUINT16)
    return 2;
  if (body + 4 * n_offsets <= G_MAXUINT32)
    return 4;
  return 8;
}

static void
align8 (GByteArray *buffer)
{
  static const guint8 zeros[8] = { 0 };

  if (buffer->len % 8 != 0)
    g_byte_array_append (buffer, zeros, 8 - buffer->len % 8);
}

static void
put_string (GByteArray *buffer, const char *string)
{
  g_byte_array_append (buffer, (const guint8 *) string, (guint) strlen (string) + 1);
}

/* a property's value, serialised; FALSE when it has none (an unset
 * variant, which GDBus leaves out) */
static gboolean
put_value (GByteArray *buffer, const Property *property, const GValue *value)
{
  const char *signature = g_variant_type_peek_string (property->type);
  g_autoptr(GVariant) variant = NULL;

  if (G_VALUE_HOLDS_STRING (value) && (signature[0] == 's' || signature[0] == 'o'))
    {
      const char *string = g_value_get_string (value);

      /* what g_dbus_gvalue_to_gvariant makes of an unset string */
      put_string (buffer, string != NULL ? string : signature[0] == 'o' ? "/" : "");
      return TRUE;
    }
  if (G_VALUE_HOLDS_UINT64 (value) && signature[0] == 't')
    {
      guint64 number = g_value_get_uint64 (value);

      g_byte_array_append (buffer, (const guint8 *) &number, sizeof number);
      return TRUE;
    }
  if (G_VALUE_HOLDS_UINT (value) && signature[0] == 'u')
    {
      guint32 number = g_value_get_uint (value);

      g_byte_array_append (buffer, (const guint8 *) &number, sizeof number);
      return TRUE;
    }
  if (G_VALUE_HOLDS_DOUBLE (value) && signature[0] == 'd')
    {
      gdouble number = g_value_get_double (value);

      g_byte_array_append (buffer, (const guint8 *) &number, sizeof number);
      return TRUE;
    }
  if (G_VALUE_HOLDS_BOOLEAN (value) && signature[0] == 'b')
    {
      guint8 truth = g_value_get_boolean (value) ? 1 : 0;

      g_byte_array_append (buffer, &truth, 1);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_STRV) && (g_str_equal (signature, "as") || g_str_equal (signature, "ao")))
    {
      /* the strings one after another, then where each ends */
      const char *const *strings = g_value_get_boxed (value);
      gsize start = buffer->len, n = strings != NULL ? g_strv_length ((char **) strings) : 0;
      g_autofree gsize *ends = g_new (gsize, n + 1);
      guint width;

      for (gsize i = 0; i < n; i++)
        {
          put_string (buffer, strings[i]);
          ends[i] = buffer->len - start;
        }
      width = offset_width (buffer->len - start, n);
      for (gsize i = 0; i < n; i++)
        put_offset (buffer, ends[i], width);
      return TRUE;
    }
  /* anything else the way GLib serialises it; stored, not serialised in
   * place: a variant the skeleton keeps would keep its serialised copy,
   * made on this thread, among a listing's transient blocks, whose pages
   * could then not be given back */
  variant = g_dbus_gvalue_to_gvariant (value, property->type);
  if (variant == NULL)
    return FALSE;
  {
    guint at = buffer->len;

    g_byte_array_set_size (buffer, at + (guint) g_variant_get_size (variant));
    g_variant_store (variant, buffer->data + at);
  }
  return TRUE;
}

/* a{sv} of @skeleton's properties, from the start of @buffer's 8-aligned
 * end */
static void
put_properties (GByteArray *buffer, Table *table, GDBusInterfaceSkeleton *skeleton)
{
  gsize start = buffer->len;
  g_autofree gsize *ends = g_new (gsize, table->n);
  guint n = 0;

  for (guint i = 0; i < table->n; i++)
    {
      const Property *property = &table->properties[i];
      GValue value = G_VALUE_INIT;
      gsize entry, key_end, before = buffer->len;
      gboolean has_value;

      g_value_init (&value, property->pspec->value_type);
      table->klass->get_property (G_OBJECT (skeleton), property->id, &value, property->pspec);
      /* {sv}: the key, the variant 8-aligned, the key's end */
      align8 (buffer);
      entry = buffer->len;
      put_string (buffer, property->name);
      key_end = buffer->len - entry;
      align8 (buffer);
      has_value = put_value (buffer, property, &value);
      g_value_unset (&value);
      if (!has_value)
        {
          g_byte_array_set_size (buffer, (guint) before);
          continue;
        }
      g_byte_array_append (buffer, (const guint8 *) "", 1);
      g_byte_array_append (buffer, (const guint8 *) g_variant_type_peek_string (property->type),
                           (guint) g_variant_type_get_string_length (property->type));
      put_offset (buffer, key_end, offset_width (buffer->len - entry, 1));
      ends[n++] = buffer->len - start;
    }
  {
    guint width = offset_width (buffer->len - start, n);

    for (guint i = 0; i < n; i++)
      put_offset (buffer, ends[i], width);
  }
}

/* a new variant of @type holding what @buffer holds, which it takes */
static GVariant *
variant_of (const GVariantType *type, GByteArray *buffer)
{
  g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (buffer);

  return g_variant_ref_sink (g_variant_new_from_bytes (type, bytes, TRUE));
}

GVariant *
nova_volume_skeleton_properties (GDBusInterfaceSkeleton *skeleton)
{
  Table *table = table_for (skeleton);
  GByteArray *buffer;

  if (table->properties == NULL)
    return g_dbus_interface_skeleton_get_properties (skeleton);
  buffer = g_byte_array_sized_new (1024);
  put_properties (buffer, table, skeleton);
  return variant_of (G_VARIANT_TYPE_VARDICT, buffer);
}

GVariant *
nova_volume_skeleton_listing_entry (const char *path, GDBusInterfaceSkeleton *skeleton)
{
  Table *table = table_for (skeleton);
  const char *iface = g_dbus_interface_skeleton_get_info (skeleton)->name;
  GByteArray *buffer;
  gsize path_end, interfaces, iface_end, interfaces_end;

  if (table->properties == NULL)
    {
      g_autoptr(GVariant) properties = g_dbus_interface_skeleton_get_properties (skeleton);

      return g_variant_ref_sink (g_variant_new_parsed ("{%o, {%s: %@a{sv}}}", path, iface, properties));
    }
  buffer = g_byte_array_sized_new (1024);
  /* {oa{sa{sv}}}: the path, then a{sa{sv}} 8-aligned, holding one {sa{sv}} */
  put_string (buffer, path);
  path_end = buffer->len;
  align8 (buffer);
  interfaces = buffer->len;
  put_string (buffer, iface);
  iface_end = buffer->len - interfaces;
  align8 (buffer);
  put_properties (buffer, table, skeleton);
  put_offset (buffer, iface_end, offset_width (buffer->len - interfaces, 1));
  interfaces_end = buffer->len - interfaces;
  put_offset (buffer, interfaces_end, offset_width (interfaces_end, 1));
  put_offset (buffer, path_end, offset_width (buffer->len, 1));
  return variant_of (G_VARIANT_TYPE ("{oa{sa{sv}}}"), buffer);
}
