/* nova-volumectl: tables that fit the terminal. On a terminal a table
 * takes at most its width; piped into a script it keeps every value whole
 * unless $COLUMNS asks for a width. Widths are terminal columns, so CJK
 * names and combining marks line up too. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  NOVA_CTL_SHRINK_NEVER,  /* a number, a status: always whole */
  NOVA_CTL_SHRINK_FIRST,  /* free text (names): cut first */
  NOVA_CTL_SHRINK_LAST,   /* the IDs people copy: cut only when nothing else is left */
} NovaCtlShrink;

typedef struct {
  const char    *header;
  gboolean       align_right;
  NovaCtlShrink  shrink;
} NovaCtlColumn;

/* The width stdout's tables may take, in terminal columns: the terminal's
 * (TIOCGWINSZ) when stdout is one, else $COLUMNS, else 80 on a terminal
 * and 0 (no limit) for a pipe or a file. */
gsize nova_ctl_table_width (void);

/* @rows: a string vector of @n_columns cells per row. @max_width 0: no
 * limit. Cells are cut with an ellipsis to fit; a line never wraps. */
void nova_ctl_print_table (const NovaCtlColumn *columns,
                           guint                n_columns,
                           GPtrArray           *rows,
                           gsize                max_width);

G_END_DECLS
