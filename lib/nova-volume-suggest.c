/* nova-volume: the word a person most likely meant (see the header). */
#include "config.h"

#include <string.h>

#include "nova-volume-suggest.h"

/* the edits (insert, delete or replace a character, swap two adjacent
 * ones) that turn @a into @b, ignoring case: a typo is one or two */
gsize
nova_volume_edit_distance (const char *a, const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  gsize columns = lb + 1;
  g_autofree gsize *d = g_new (gsize, (la + 1) * columns);

#define D(i, j) d[(i) * columns + (j)]
  for (gsize i = 0; i <= la; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= lb; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        gboolean same = g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 1]);

        D (i, j) = MIN (MIN (D (i - 1, j) + 1, D (i, j - 1) + 1), D (i - 1, j - 1) + (same ? 0 : 1));
        if (i > 1 && j > 1 && g_ascii_tolower (a[i - 1]) == g_ascii_tolower (b[j - 2])
            && g_ascii_tolower (a[i - 2]) == g_ascii_tolower (b[j - 1]))
          D (i, j) = MIN (D (i, j), D (i - 2, j - 2) + 1);
      }
  return D (la, lb);
#undef D
}

const char *
nova_volume_suggest (const char *word, const char *const *known)
{
  const char *best = NULL;
  gsize best_distance = G_MAXSIZE;

  for (gsize i = 0; known != NULL && known[i] != NULL; i++)
    {
      gsize distance = nova_volume_edit_distance (word, known[i]);

      /* "snap" for snapshot, "check" for check-export */
      if (strlen (word) >= 3 && g_str_has_prefix (known[i], word))
        distance = 0;
      if (distance < best_distance)
        {
          best = known[i];
          best_distance = distance;
        }
    }
  /* a third of the word wrong is still a typo; more is another word */
  return best != NULL && best_distance <= MAX (1, strlen (best) / 3) ? best : NULL;
}
