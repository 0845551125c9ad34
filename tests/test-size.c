/* nova-volume: tests for nova_volume_size_parse and _format */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "nova-volume-error.h"
#include "nova-volume-size.h"

#define KiB G_GUINT64_CONSTANT (1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)
#define TiB (GiB * 1024)
#define PiB (TiB * 1024)
#define EiB (PiB * 1024)

typedef struct {
  const char *text;
  guint64     bytes;
} GoodCase;

static const GoodCase good_cases[] = {
  { "1", 1 },
  { "1073741824", GiB },
  { "10G", 10 * GiB },
  { "10GiB", 10 * GiB },
  { "10GB", 10 * GiB },
  { "10g", 10 * GiB },
  { "10gib", 10 * GiB },
  { "10gb", 10 * GiB },
  { "512M", 512 * MiB },
  { "512MiB", 512 * MiB },
  { "4096K", 4096 * KiB },
  { "4k", 4 * KiB },
  { "2048B", 2048 },
  { "2048b", 2048 },
  { "1T", TiB },
  { "1.5T", TiB + TiB / 2 },
  { "1.5G", GiB + GiB / 2 },
  { "0.5K", 512 },
  { "2P", 2 * PiB },
  { "1E", EiB },
  { "15E", 15 * EiB },
  { "007M", 7 * MiB },
  /* fractions round down to whole bytes */
  { "1.1K", 1126 },              /* 1126.4 */
  { "0.001K", 1 },               /* 1.024 */
  { "0.0001K", 0 },               /* 0.1024: zero, allowed here with allow_zero */
  { "1.9999999999999999999999K", 2047 },
  /* exact above 2^53, where a double would be off */
  { "15.5E", 15 * EiB + EiB / 2 },
  { "15.999999999999999999999E", G_MAXUINT64 },
  { "18446744073709551615", G_MAXUINT64 },
  { "0", 0 },
};

static void
test_parse_good (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 42;
      gboolean ok;

      g_test_message ("parsing '%s'", good_cases[i].text);
      ok = nova_volume_size_parse (good_cases[i].text, TRUE, &bytes, &error);
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpuint (bytes, ==, good_cases[i].bytes);
    }
}

static const char *const bad_cases[] = {
  "",
  "-1",
  "-1G",
  "+1G",
  " 1G",
  "1G ",
  "1 G",
  "1.5.5G",
  "1..5G",
  ".5G",
  "1.G",
  "G",
  "B",
  "iB",
  "10X",
  "10GG",
  "10Gi",
  "10GiBs",
  "10iB",
  "1e3",
  "0x10",
  "1,5G",
  "1.5",      /* a fraction of a byte */
  "1.5B",
  "16E",      /* 2^64 */
  "16EiB",
  "17E",
  "18446744073709551616",      /* 2^64 */
  "99999999999999999999999",
  "16384P",   /* 2^64 again */
  "15.9999999999999999999999999999999999999999999999999999999999999999999E9",
};

static void
test_parse_bad (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *quoted = g_strdup_printf ("'%s'", bad_cases[i]);
      guint64 bytes = 42;
      gboolean ok;

      g_test_message ("parsing '%s'", bad_cases[i]);
      ok = nova_volume_size_parse (bad_cases[i], TRUE, &bytes, &error);
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_assert_false (ok);
      /* untouched on failure */
      g_assert_cmpuint (bytes, ==, 42);
      /* the message quotes the input, so a person sees what was refused */
      g_assert_nonnull (strstr (error->message, quoted));
    }
}

static void
test_parse_messages (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (nova_volume_size_parse ("10X", TRUE, NULL, &error));
  g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "invalid size '10X': use a number of bytes or a number with "
                   "K, M, G, T, P or E (binary: 1G = 1024^3 bytes)");
  g_clear_error (&error);

  g_assert_false (nova_volume_size_parse ("16E", TRUE, NULL, &error));
  g_assert_nonnull (strstr (error->message, "too large"));
  g_clear_error (&error);

  g_assert_false (nova_volume_size_parse ("1.5", TRUE, NULL, &error));
  g_assert_nonnull (strstr (error->message, "fraction"));
  g_clear_error (&error);

  g_assert_false (nova_volume_size_parse ("0", FALSE, NULL, &error));
  g_assert_nonnull (strstr (error->message, "greater than zero"));
}

static void
test_parse_zero (void)
{
  static const char *const zeros[] = { "0", "0G", "0.0G", "0B", "0.0001K" };

  for (gsize i = 0; i < G_N_ELEMENTS (zeros); i++)
    {
      g_autoptr(GError) error = NULL;
      guint64 bytes = 42;

      g_test_message ("parsing '%s'", zeros[i]);
      g_assert_true (nova_volume_size_parse (zeros[i], TRUE, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (bytes, ==, 0);

      bytes = 42;
      g_assert_false (nova_volume_size_parse (zeros[i], FALSE, &bytes, &error));
      g_assert_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT);
      g_assert_cmpuint (bytes, ==, 42);
    }
}

static void
test_parse_null_out (void)
{
  /* a caller may only validate */
  g_assert_true (nova_volume_size_parse ("1G", FALSE, NULL, NULL));
  g_assert_false (nova_volume_size_parse ("1X", FALSE, NULL, NULL));
}

typedef struct {
  guint64     bytes;
  const char *text;
} FormatCase;

static const FormatCase format_cases[] = {
  { 0, "0 B" },
  { 1, "1 B" },
  { 512, "512 B" },
  { 1023, "1023 B" },
  { KiB, "1.0 KiB" },
  { 1536, "1.5 KiB" },
  { MiB - 1, "1023.9 KiB" },     /* rounded down, never up to "1024.0" */
  { MiB, "1.0 MiB" },
  { 10 * GiB, "10.0 GiB" },
  { 10 * GiB - 1, "9.9 GiB" },
  { TiB + TiB / 2, "1.5 TiB" },
  { 3 * PiB + PiB / 4, "3.2 PiB" },
  { EiB, "1.0 EiB" },
  { 15 * EiB + EiB / 2, "15.5 EiB" },
  { G_MAXUINT64, "15.9 EiB" },
};

static void
test_format (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (format_cases); i++)
    {
      g_autofree char *text = nova_volume_size_format (format_cases[i].bytes);

      g_assert_cmpstr (text, ==, format_cases[i].text);
    }
}

static void
test_format_locale (void)
{
  g_autofree char *text = NULL;
  const char *old = setlocale (LC_NUMERIC, NULL);
  g_autofree char *saved = g_strdup (old);

  /* a decimal comma locale must not leak into the text (when installed) */
  if (setlocale (LC_NUMERIC, "de_DE.UTF-8") == NULL)
    g_test_message ("de_DE.UTF-8 not installed: the check runs in the C locale only");
  text = nova_volume_size_format (TiB + TiB / 2);
  setlocale (LC_NUMERIC, saved);
  g_assert_cmpstr (text, ==, "1.5 TiB");
}

static void
test_round_trip (void)
{
  /* what format prints at a whole unit parses back without the space */
  static const guint64 sizes[] = { KiB, 10 * GiB, TiB + TiB / 2, 15 * EiB };

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *text = nova_volume_size_format (sizes[i]);
      g_autofree char *compact = g_strdup (text);
      g_autoptr(GError) error = NULL;
      char *space = strchr (compact, ' ');
      guint64 bytes = 0;

      g_assert_nonnull (space);
      memmove (space, space + 1, strlen (space));
      g_assert_true (nova_volume_size_parse (compact, FALSE, &bytes, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (bytes, ==, sizes[i]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/size/parse/good", test_parse_good);
  g_test_add_func ("/size/parse/bad", test_parse_bad);
  g_test_add_func ("/size/parse/messages", test_parse_messages);
  g_test_add_func ("/size/parse/zero", test_parse_zero);
  g_test_add_func ("/size/parse/null-out", test_parse_null_out);
  g_test_add_func ("/size/format", test_format);
  g_test_add_func ("/size/format/locale", test_format_locale);
  g_test_add_func ("/size/round-trip", test_round_trip);

  return g_test_run ();
}
