/* nova-volume: fuzz target for sizes as people write them
 * (nova_volume_size_parse) and as the CLI prints them
 * (nova_volume_size_format).
 *
 * Input: the text to parse (NUL bytes end it, as they would in argv).
 * Checked beyond "no crash": a refusal is InvalidArgument and quotes the
 * input; an accepted plain number is what strtoull reads; every size the
 * parser accepts formats to text that parses back to at most that size
 * and less than a tenth of the unit below it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "nova-volume-error.h"
#include "nova-volume-size.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_setup_logging ();
  return 0;
}

void
fuzz_cleanup (void)
{
}

/* "10.5 GiB" -> "10.5GiB", which the parser takes */
static void
check_format (guint64 bytes)
{
  g_autofree char *text = nova_volume_size_format (bytes);
  g_autofree char *compact = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) parts = g_strsplit (text, " ", 2);
  guint64 back = 0;
  guint64 unit = 1;

  if (g_strv_length (parts) != 2)
    g_error ("size %" G_GUINT64_FORMAT " formats as '%s': not '<number> <unit>'", bytes, text);
  compact = g_strconcat (parts[0], parts[1], NULL);
  if (!nova_volume_size_parse (compact, TRUE, &back, &error))
    g_error ("size %" G_GUINT64_FORMAT " formats as '%s', which does not parse back: %s",
             bytes, text, error->message);
  if (parts[1][0] != 'B')
    {
      const char *letter = strchr ("KMGTPE", parts[1][0]);

      if (letter == NULL || parts[1][0] == '\0')
        g_error ("size %" G_GUINT64_FORMAT " formats as '%s': unknown unit", bytes, text);
      unit = (guint64) 1 << (10 * (letter - "KMGTPE" + 1));
    }
  if (back > bytes || bytes - back > unit / 10 + 1)
    g_error ("size %" G_GUINT64_FORMAT " formats as '%s', which parses back as %" G_GUINT64_FORMAT,
             bytes, text, back);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  gboolean plain = text[0] != '\0';
  guint64 bytes = 0;

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      plain = FALSE;

  for (int allow_zero = 0; allow_zero < 2; allow_zero++)
    {
      g_autoptr(GError) error = NULL;

      if (!nova_volume_size_parse (text, allow_zero, &bytes, &error))
        {
          if (!g_error_matches (error, NOVA_VOLUME_ERROR, NOVA_VOLUME_ERROR_INVALID_ARGUMENT))
            g_error ("size '%s' refused with the wrong error: %s", text, error->message);
          if (strstr (error->message, text) == NULL)
            g_error ("the refusal of '%s' does not quote it: %s", text, error->message);
          continue;
        }
      if (!allow_zero && bytes == 0)
        g_error ("size '%s' is 0 and was accepted without allow_zero", text);
      if (plain)
        {
          guint64 expected = g_ascii_strtoull (text, NULL, 10);

          if (expected != bytes)
            g_error ("size '%s' parsed as %" G_GUINT64_FORMAT, text, bytes);
        }
      check_format (bytes);
    }

  /* the formatter on its own, for any 64-bit number in the input */
  if (size >= 8)
    {
      guint64 raw;

      memcpy (&raw, data, sizeof raw);
      check_format (raw);
    }
  return 0;
}
