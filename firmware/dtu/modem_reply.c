/* Reading a modem reply (modem.h): what the driver collected for one command.
 * Its own module so the tests that script the modem link it too. */
#include <string.h>

#include "modem.h"

const char *modem_line(const modem_reply_t *reply, const char *prefix)
{
    size_t n = strlen(prefix);
    for (int i = 0; i < reply->nlines && i < MODEM_LINES; i++) {
        if (strncmp(reply->lines[i], prefix, n) == 0) {
            const char *p = reply->lines[i] + n;
            while (*p == ' ')
                p++;
            return p;
        }
    }
    return NULL;
}
