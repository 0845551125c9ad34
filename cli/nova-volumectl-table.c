/* nova-volumectl: tables that fit the terminal (see the header). */
#include "config.h"

#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nova-volumectl-table.h"

#define DEFAULT_WIDTH 80
/* a cut ID keeps this many columns (with the ellipsis): enough to tell
 * volumes apart by eye, and `show --json` gives the whole one */
#define ID_MIN_WIDTH 9

/* $COLUMNS as a positive number, else 0 */
static gsize
columns_from_env (void)
{
  const char *text = g_getenv ("COLUMNS");
  guint64 value = 0;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT, &value, NULL))
    return 0;
  return (gsize) value;
}

gsize
nova_ctl_table_width (void)
{
  struct winsize size = { 0 };
  gsize width;

  if (isatty (STDOUT_FILENO))
    {
      if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
      width = columns_from_env ();
      return width > 0 ? width : DEFAULT_WIDTH;
    }
  /* a script reads whole values, unless it asked for a width */
  return columns_from_env ();
}

/* the terminal columns a character takes: CJK and emoji two, combining
 * marks and other zero-width characters none */
static gsize
char_width (gunichar c)
{
  if (g_unichar_iszerowidth (c))
    return 0;
  return g_unichar_iswide (c) ? 2 : 1;
}

static gsize
display_width (const char *text)
{
  gsize width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    width += char_width (g_utf8_get_char (p));
  return width;
}

/* a cell as the terminal will show it, so that it can be measured: in a
 * locale that is not UTF-8, g_print turns each character the charset
 * lacks into '?'; a control character (a newline, a tab) would break
 * the row, so it becomes '?' too */
static char *
printable_cell (const char *text)
{
  g_autofree char *converted = NULL;
  const char *charset = NULL;
  GString *out = g_string_new (NULL);

  if (!g_get_charset (&charset))
    {
      g_autofree char *local = g_convert_with_fallback (text, -1, charset, "UTF-8", "?",
                                                        NULL, NULL, NULL);

      if (local != NULL)
        converted = g_convert (local, -1, "UTF-8", charset, NULL, NULL, NULL);
      if (converted != NULL)
        text = converted;
    }

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      if (type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR ||
          type == G_UNICODE_PARAGRAPH_SEPARATOR)
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* @text cut to at most @width terminal columns, the cut marked */
static char *
fit_cell (const char *text, gsize width, const char *ellipsis)
{
  gsize ellipsis_width = display_width (ellipsis);
  gsize room = width > ellipsis_width ? width - ellipsis_width : 0;
  gsize used = 0;
  g_autofree char *head = NULL;
  const char *p;

  if (display_width (text) <= width)
    return g_strdup (text);
  /* whole characters only, each with the marks that combine with it */
  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gsize w = char_width (g_utf8_get_char (p));

      if (used + w > room)
        break;
      used += w;
    }
  head = g_strndup (text, (gsize) (p - text));
  return g_strconcat (head, ellipsis, NULL);
}

static void
print_row (const NovaCtlColumn *columns, guint n_columns, const gsize *widths,
           const char *const *cells, const char *ellipsis, gsize max_width)
{
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; i < n_columns; i++)
    {
      g_autofree char *cell = fit_cell (cells[i], widths[i], ellipsis);
      /* a wide character that did not fit leaves a column to pad */
      gsize pad = widths[i] - display_width (cell);

      if (i > 0)
        g_string_append_c (line, ' ');
      if (columns[i].align_right)
        {
          for (gsize j = 0; j < pad; j++)
            g_string_append_c (line, ' ');
          g_string_append (line, cell);
        }
      else
        {
          g_string_append (line, cell);
          /* no trailing blanks after the last column */
          for (gsize j = 0; i + 1 < n_columns && j < pad; j++)
            g_string_append_c (line, ' ');
        }
    }
  /* an empty last cell would leave the separator dangling */
  g_strchomp (line->str);
  /* a terminal narrower than the columns that never shrink: cut the line
   * rather than let the terminal wrap it */
  if (max_width > 0 && display_width (line->str) > max_width)
    {
      g_autofree char *cut = fit_cell (line->str, max_width, ellipsis);

      g_print ("%s\n", cut);
      return;
    }
  g_print ("%s\n", line->str);
}

/* narrows the widest column of @kind above its minimum by one; FALSE
 * when none is left */
static gboolean
shrink_one (const NovaCtlColumn *columns, guint n_columns, NovaCtlShrink kind,
            gsize *widths, const gsize *minimum)
{
  int widest = -1;

  for (guint i = 0; i < n_columns; i++)
    if (columns[i].shrink == kind && widths[i] > minimum[i] &&
        (widest < 0 || widths[i] > widths[widest]))
      widest = (int) i;
  if (widest < 0)
    return FALSE;
  widths[widest]--;
  return TRUE;
}

void
nova_ctl_print_table (const NovaCtlColumn *columns, guint n_columns, GPtrArray *rows, gsize max_width)
{
  g_autofree gsize *widths = g_new0 (gsize, n_columns);
  g_autofree gsize *minimum = g_new0 (gsize, n_columns);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  /* g_print converts to the locale's charset, where "…" may not exist */
  const char *ellipsis = g_get_charset (NULL) ? "…" : "...";
  gsize total = n_columns - 1;

  /* the header first, then the rows: all as they will be shown */
  for (guint r = 0; r <= rows->len; r++)
    {
      const char *const *row = r > 0 ? g_ptr_array_index (rows, r - 1) : NULL;
      char **printable = g_new0 (char *, n_columns + 1);

      for (guint i = 0; i < n_columns; i++)
        printable[i] = printable_cell (row != NULL ? row[i] : columns[i].header);
      g_ptr_array_add (cells, printable);
    }

  for (guint i = 0; i < n_columns; i++)
    {
      gsize header = display_width (((char **) g_ptr_array_index (cells, 0))[i]);

      /* a cut column keeps room for its header and the ellipsis */
      minimum[i] = MAX (header, display_width (ellipsis));
      if (columns[i].shrink == NOVA_CTL_SHRINK_LAST)
        minimum[i] = MAX (minimum[i], ID_MIN_WIDTH);
      for (guint r = 0; r < cells->len; r++)
        widths[i] = MAX (widths[i], display_width (((char **) g_ptr_array_index (cells, r))[i]));
      total += widths[i];
    }

  /* the widest free-text column loses a column at a time, never below
   * its header; IDs only once names are as narrow as they go, so that
   * they stay whole and copyable whenever they can */
  while (max_width > 0 && total > max_width &&
         (shrink_one (columns, n_columns, NOVA_CTL_SHRINK_FIRST, widths, minimum) ||
          shrink_one (columns, n_columns, NOVA_CTL_SHRINK_LAST, widths, minimum)))
    total--;

  for (guint r = 0; r < cells->len; r++)
    print_row (columns, n_columns, widths, g_ptr_array_index (cells, r), ellipsis, max_width);
}
