/* nova-volume: sizes as people write and read them ("10G", "10.0 GiB") */
#include "config.h"

#include <string.h>

#include "nova-volume-error.h"
#include "nova-volume-size.h"

#define ACCEPTED "use a number of bytes or a number with K, M, G, T, P or E " \
                 "(binary: 1G = 1024^3 bytes)"

/* the power of 1024 for a unit letter, or -1 */
static int
unit_exponent (char c)
{
  switch (g_ascii_toupper (c))
    {
    case 'K':
      return 1;
    case 'M':
      return 2;
    case 'G':
      return 3;
    case 'T':
      return 4;
    case 'P':
      return 5;
    case 'E':
      return 6;
    default:
      return -1;
    }
}

static gboolean
invalid (const char *text, const char *why, GError **error)
{
  g_set_error (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT,
               "invalid size '%s': %s", text, why);
  return FALSE;
}

/* floor (0.<digits> * 2^shift), exactly for any number of digits: the
 * decimal fraction is doubled in place @shift times and every carry out of
 * the first digit is the next binary digit of the result. Going through a
 * double would lose bytes on anything above 2^53. */
static guint64
fraction_bytes (const char *digits, gsize n_digits, guint shift)
{
  g_autofree guint8 *frac = g_new (guint8, n_digits);
  guint64 result = 0;

  for (gsize i = 0; i < n_digits; i++)
    frac[i] = (guint8) (digits[i] - '0');
  for (guint bit = 0; bit < shift; bit++)
    {
      guint carry = 0;

      for (gsize i = n_digits; i > 0; i--)
        {
          guint d = frac[i - 1] * 2u + carry;

          frac[i - 1] = (guint8) (d % 10);
          carry = d / 10;
        }
      result = (result << 1) | carry;
    }
  return result;
}

/**
 * nova_volume_size_parse:
 * @text: a size as a person writes it: "1073741824", "10G", "10GiB",
 *   "512M", "1.5T" (suffixes K M G T P E, binary multiples, an optional
 *   "iB" or "B", any case, no spaces, no sign)
 * @allow_zero: whether 0 is a size
 * @out_bytes: (out): the size in bytes
 * @error: return location for a #GError
 *
 * Reads a size. Refuses 0 (unless @allow_zero), anything beyond 64 bits
 * and trailing text with %NOVA_VOLUME_ERROR_INVALID_ARGUMENT and a
 * message that quotes @text.
 *
 * Returns: %TRUE when @text is a size
 */
gboolean
nova_volume_size_parse (const char  *text,
                        gboolean     allow_zero,
                        guint64     *out_bytes,
                        GError     **error)
{
  const char *p = text;
  const char *frac = NULL;
  gsize n_frac = 0;
  guint64 whole = 0;
  guint64 bytes;
  int exponent = 0;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* the whole part: at least one digit, nothing in front (no sign, no
   * space: g_ascii_strtoull would quietly accept both) */
  if (!g_ascii_isdigit (*p))
    return invalid (text, ACCEPTED, error);
  for (; g_ascii_isdigit (*p); p++)
    {
      guint digit = (guint) (*p - '0');

      if (whole > (G_MAXUINT64 - digit) / 10)
        return invalid (text, "too large: the largest size is 18446744073709551615 bytes "
                        "(just under 16E)", error);
      whole = whole * 10 + digit;
    }

  /* an optional fraction, digits on both sides of the point */
  if (*p == '.')
    {
      p++;
      frac = p;
      while (g_ascii_isdigit (*p))
        p++;
      n_frac = (gsize) (p - frac);
      if (n_frac == 0)
        return invalid (text, ACCEPTED, error);
    }

  /* the unit: K..E with an optional "iB" or "B", or a lone "B" for bytes */
  if (*p != '\0' && unit_exponent (*p) > 0)
    {
      exponent = unit_exponent (*p);
      p++;
      if (g_ascii_tolower (p[0]) == 'i' && g_ascii_toupper (p[1]) == 'B')
        p += 2;
      else if (g_ascii_toupper (p[0]) == 'B')
        p++;
    }
  else if (g_ascii_toupper (*p) == 'B')
    {
      p++;
    }
  if (*p != '\0')
    return invalid (text, ACCEPTED, error);

  if (frac != NULL && exponent == 0)
    return invalid (text, "a fraction needs a unit such as G (\"1.5G\"); "
                    "a number of bytes is a whole number", error);

  /* whole * 1024^exponent + the fraction's share, refusing to wrap */
  if (exponent > 0 && whole > (G_MAXUINT64 >> (10 * exponent)))
    return invalid (text, "too large: the largest size is 18446744073709551615 bytes "
                    "(just under 16E)", error);
  bytes = whole << (10 * exponent);
  if (frac != NULL)
    {
      guint64 extra = fraction_bytes (frac, n_frac, (guint) (10 * exponent));

      if (bytes > G_MAXUINT64 - extra)
        return invalid (text, "too large: the largest size is 18446744073709551615 bytes "
                        "(just under 16E)", error);
      bytes += extra;
    }

  if (bytes == 0 && !allow_zero)
    return invalid (text, "a size must be greater than zero", error);

  if (out_bytes != NULL)
    *out_bytes = bytes;
  return TRUE;
}

/**
 * nova_volume_size_format:
 * @bytes: a size in bytes
 *
 * Writes a size as a person reads it: "0 B", "512 B", "1.0 KiB",
 * "10.0 GiB", "1.5 TiB" (one decimal, binary units).
 *
 * Returns: (transfer full): the text
 */
char *
nova_volume_size_format (guint64 bytes)
{
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  guint64 unit = 1024;
  gsize i = 0;
  guint64 tenths;

  if (bytes < 1024)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " B", bytes);

  while (i + 1 < G_N_ELEMENTS (units) && bytes / unit >= 1024)
    {
      unit <<= 10;
      i++;
    }

  /* integer arithmetic: no locale decimal comma, and the tenths are
   * rounded down, so the text never claims more than is there
   * ((bytes % unit) * 10 fits: unit <= 2^60) */
  tenths = (bytes % unit) * 10 / unit;
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT " %s",
                          bytes / unit, tenths, units[i]);
}
