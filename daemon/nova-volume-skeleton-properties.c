/* nova-volume: a skeleton's properties as an a{sv} (see the header).
 *
 * gdbus-codegen installs each D-Bus property as a GObject property whose
 * nick is the D-Bus name, and overrides them in the order the interface
 * declares them, with ids from 1, in the skeleton class it generates
 * (the one right below GDBusInterfaceSkeleton); its get_property copies
 * the stored value under the skeleton's lock. A class where a property
 * cannot be found that way is answered the generic way. */
#include "config.h"

#include "nova-volume-skeleton-properties.h"

typedef struct {
  GVariant     *key;        /* the property's name, shared by every dictionary */
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
      properties[i].key = g_variant_ref_sink (g_variant_new_string (property->name));
      properties[i].type = G_VARIANT_TYPE (property->signature);
    }
  for (guint i = 0; i < table->n; i++)
    if (properties[i].key == NULL)
      {
        /* not laid out as generated: the generic way, for good */
        for (guint j = 0; j < table->n; j++)
          g_clear_pointer (&properties[j].key, g_variant_unref);
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

GVariant *
nova_volume_skeleton_properties (GDBusInterfaceSkeleton *skeleton)
{
  Table *table = table_for (skeleton);
  g_autofree GVariant **entries = NULL;
  guint n = 0;

  if (table->properties == NULL)
    return g_dbus_interface_skeleton_get_properties (skeleton);
  entries = g_new (GVariant *, table->n);
  for (guint i = 0; i < table->n; i++)
    {
      const Property *property = &table->properties[i];
      GValue value = G_VALUE_INIT;
      GVariant *variant;

      g_value_init (&value, property->pspec->value_type);
      table->klass->get_property (G_OBJECT (skeleton), property->id, &value, property->pspec);
      variant = g_dbus_gvalue_to_gvariant (&value, property->type);
      g_value_unset (&value);
      /* an unset variant property is left out, as GDBus leaves it */
      if (variant == NULL)
        continue;
      entries[n++] = g_variant_new_dict_entry (property->key, g_variant_new_variant (variant));
      g_variant_unref (variant);
    }
  return g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), entries, n));
}
