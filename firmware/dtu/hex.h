/* One hexadecimal digit's value (any case), or -1: for the hex strings of the
 * usr721 dialect (CIPPACK), UCS2 SMS text and %XX escapes in FTP URLs. */
#ifndef HEX_H
#define HEX_H

static inline int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
