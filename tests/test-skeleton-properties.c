/* nova-volume: the fast a{sv} of a skeleton's properties against
 * GDBus's own, for every interface the daemon exports. */
#include "config.h"

#include "nova-dbus-generated.h"
#include "nova-volume-skeleton-properties.h"

/* a subclass, as the daemon makes of Volume and Snapshot */
typedef NovaDBusVolumeSkeleton DerivedVolume;
typedef NovaDBusVolumeSkeletonClass DerivedVolumeClass;
static GType derived_volume_get_type (void);
G_DEFINE_TYPE (DerivedVolume, derived_volume, NOVA_DBUS_TYPE_VOLUME_SKELETON)

static void
derived_volume_class_init (DerivedVolumeClass *klass)
{
}

static void
derived_volume_init (DerivedVolume *self)
{
}

/* a value of @signature that is not a default */
static GVariant *
sample (const char *signature, guint i)
{
  g_autofree char *text = g_strdup_printf ("v%u", i);
  g_autofree char *path = g_strdup_printf ("/o/p%u", i);

  switch (signature[0])
    {
    case 's':
      return g_variant_new_string (text);
    case 'o':
      return g_variant_new_object_path (path);
    case 't':
      return g_variant_new_uint64 (1000 + i);
    case 'u':
      return g_variant_new_uint32 (2000 + i);
    case 'b':
      return g_variant_new_boolean (TRUE);
    case 'd':
      return g_variant_new_double (0.5 + i);
    default:
      break;
    }
  if (g_str_equal (signature, "as"))
    return g_variant_new_parsed ("[%s, 'b']", text);
  if (g_str_equal (signature, "ao"))
    return g_variant_new_parsed ("[%o, objectpath '/o/q']", path);
  if (g_str_equal (signature, "a{ss}"))
    return g_variant_new_parsed ("{'k': %s, 'a': 'z'}", text);
  if (g_str_equal (signature, "a{sv}"))
    return g_variant_new_parsed ("{'k': <%s>, 'n': <uint64 7>}", text);
  g_assert_not_reached ();
}

/* every property set through D-Bus's own setter, as a client would */
static void
fill (GDBusInterfaceSkeleton *skeleton)
{
  GDBusInterfaceInfo *info = g_dbus_interface_skeleton_get_info (skeleton);

  for (guint i = 0; info->properties[i] != NULL; i++)
    {
      g_autofree char *hyphen = NULL;
      GParamSpec *pspec = NULL;
      GValue value = G_VALUE_INIT;
      g_autoptr(GVariant) variant = g_variant_ref_sink (sample (info->properties[i]->signature, i));

      /* the GObject property is the D-Bus one's name in lower case with
       * hyphens: StatusReason is status-reason */
      {
        GString *name = g_string_new (NULL);

        for (const char *c = info->properties[i]->name; *c != '\0'; c++)
          {
            if (g_ascii_isupper (*c) && c != info->properties[i]->name)
              g_string_append_c (name, '-');
            g_string_append_c (name, g_ascii_tolower (*c));
          }
        hyphen = g_string_free (name, FALSE);
      }
      pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (skeleton), hyphen);
      g_assert_nonnull (pspec);
      g_dbus_gvariant_to_gvalue (variant, &value);
      if (G_VALUE_TYPE (&value) != pspec->value_type)
        {
          GValue converted = G_VALUE_INIT;

          g_value_init (&converted, pspec->value_type);
          g_assert_true (g_value_transform (&value, &converted));
          g_value_unset (&value);
          value = converted;
        }
      g_object_set_property (G_OBJECT (skeleton), hyphen, &value);
      g_value_unset (&value);
    }
}

/* the same value, and the same bytes: GVariant's normal form, which a
 * value GLib trusts must be in */
static void
assert_same_variant (GVariant *fast, GVariant *generic)
{
  g_autofree char *generic_text = g_variant_print (generic, TRUE);
  g_autofree char *fast_text = g_variant_print (fast, TRUE);

  g_assert_false (g_variant_is_floating (fast));
  g_assert_cmpstr (fast_text, ==, generic_text);
  g_assert_true (g_variant_equal (fast, generic));
  g_assert_true (g_variant_is_normal_form (fast));
  g_assert_cmpmem (g_variant_get_data (fast), g_variant_get_size (fast), g_variant_get_data (generic),
                   g_variant_get_size (generic));
}

static void
assert_same (GDBusInterfaceSkeleton *skeleton)
{
  const char *path = "/org/openstack/Volume1/volumes/a_long_enough_name_for_two_byte_offsets_0123456789";
  g_autoptr(GVariant) generic = g_dbus_interface_skeleton_get_properties (skeleton);
  g_autoptr(GVariant) fast = nova_volume_skeleton_properties (skeleton);
  g_autoptr(GVariant) generic_entry = g_variant_ref_sink (
    g_variant_new_parsed ("{%o, {%s: %@a{sv}}}", path, g_dbus_interface_skeleton_get_info (skeleton)->name, generic));
  g_autoptr(GVariant) fast_entry = nova_volume_skeleton_listing_entry (path, skeleton);

  assert_same_variant (fast, generic);
  assert_same_variant (fast_entry, generic_entry);
}

static GDBusInterfaceSkeleton *
skeleton_of (GType type)
{
  return g_object_new (type, NULL);
}

/* defaults first, then every property set, for each kind of object */
static void
test_every_interface (void)
{
  GType types[] = {
    NOVA_DBUS_TYPE_MANAGER_SKELETON, NOVA_DBUS_TYPE_VOLUME_SKELETON, NOVA_DBUS_TYPE_SNAPSHOT_SKELETON,
    NOVA_DBUS_TYPE_ATTACHMENT_SKELETON, NOVA_DBUS_TYPE_JOB_SKELETON, NOVA_DBUS_TYPE_BACKEND_SKELETON,
    NOVA_DBUS_TYPE_BACKUP_SKELETON, derived_volume_get_type (),
  };

  for (gsize t = 0; t < G_N_ELEMENTS (types); t++)
    {
      g_autoptr(GDBusInterfaceSkeleton) skeleton = skeleton_of (types[t]);

      g_test_message ("%s", g_type_name (types[t]));
      assert_same (skeleton);
      fill (skeleton);
      assert_same (skeleton);
    }
}

/* framing offsets of every width: a value past 255 bytes, past 65,535 */
static void
test_large_values (void)
{
  g_autoptr(GDBusInterfaceSkeleton) skeleton = skeleton_of (NOVA_DBUS_TYPE_VOLUME_SKELETON);
  const gsize sizes[] = { 200, 300, 70000 };

  fill (skeleton);
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *text = g_strnfill (sizes[i], 'x');

      nova_dbus_volume_set_description (NOVA_DBUS_VOLUME (skeleton), text);
      assert_same (skeleton);
    }
  /* an array of object paths past 255 bytes */
  {
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
    g_auto(GStrv) paths = NULL;

    for (guint i = 0; i < 40; i++)
      {
        g_autofree char *path = g_strdup_printf ("/org/openstack/Volume1/attachments/a_%u_0123456789abcdef", i);

        g_strv_builder_add (builder, path);
      }
    paths = g_strv_builder_end (builder);
    nova_dbus_volume_set_attachments (NOVA_DBUS_VOLUME (skeleton), (const char *const *) paths);
    assert_same (skeleton);
  }
}

/* not a test of speed: says what a listing's build costs, for the record */
static void
test_cost (void)
{
  g_autoptr(GDBusInterfaceSkeleton) skeleton = skeleton_of (derived_volume_get_type ());
  const guint rounds = 2000;
  gint64 start;
  double generic_us, fast_us;

  fill (skeleton);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < rounds; i++)
    g_variant_unref (g_dbus_interface_skeleton_get_properties (skeleton));
  generic_us = (double) (g_get_monotonic_time () - start) / rounds;
  start = g_get_monotonic_time ();
  for (guint i = 0; i < rounds; i++)
    g_variant_unref (nova_volume_skeleton_properties (skeleton));
  fast_us = (double) (g_get_monotonic_time () - start) / rounds;
  g_test_message ("a volume's properties: GDBus %.1f us, here %.1f us", generic_us, fast_us);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/skeleton-properties/every-interface", test_every_interface);
  g_test_add_func ("/skeleton-properties/large-values", test_large_values);
  g_test_add_func ("/skeleton-properties/cost", test_cost);
  return g_test_run ();
}
