/* The usr721 command line (docs/usr721.md "Framing"): the parser, parameter
 * splitting, and the commands with a password from the serial port, the
 * network and SMS (R-AT-3..5). Twins: peripherals/gsm_modem/atparse.py,
 * dtu/usr721.py (password_command), dtu/dtu.py (run_remote), dtu/services.py (SMS chains). */
#include "at.h"

#include <ctype.h>
#include <string.h>

#include "settings.h"

static bool is_space(char c)
{
    unsigned char u = (unsigned char)c;
    return u == ' ' || (u >= 9 && u <= 13) || (u >= 0x1c && u <= 0x1f) || u == 0x85 || u == 0xa0;
}

const char *at_strip(const char *text, size_t *len)
{
    size_t n = *len;
    while (n && is_space(*text)) {
        text++;
        n--;
    }
    while (n && is_space(text[n - 1]))
        n--;
    *len = n;
    return text;
}

/* ---- parameters ------------------------------------------------------------- */

/* One comma-separated part text[0..n) as a parameter into out (NUL-terminated);
 * returns the bytes used (with the NUL) or 0 on bad quoting. */
static size_t one_arg(const char *text, size_t n, char *out)
{
    text = at_strip(text, &n);
    if (n && text[0] == '"') {
        size_t quotes = 0;
        for (size_t i = 0; i < n; i++)
            quotes += text[i] == '"';
        if (n < 2 || text[n - 1] != '"' || quotes != 2)
            return 0;
        text++;
        n -= 2;
    }
    if (out) {
        memcpy(out, text, n);
        out[n] = 0;
    }
    return n + 1;
}

/* Split raw[0..len) on commas outside quotes; args may be NULL (check only). */
static bool split(const char *raw, size_t len, at_args_t *args)
{
    size_t rn = len;
    at_strip(raw, &rn);
    if (args)
        args->n = 0;
    if (rn == 0)
        return true;
    size_t start = 0, used = 0;
    int count = 0;
    bool quoted = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && raw[i] == '"')
            quoted = !quoted;
        if (i < len && (raw[i] != ',' || quoted))
            continue;
        if (i == len && quoted)
            return false;
        if (args && count >= AT_MAX_ARGS)
            return false;
        char *out = args ? args->buf + used : NULL;
        size_t got = one_arg(raw + start, i - start, out);
        if (!got)
            return false;
        if (args)
            args->v[count] = out;
        used += got;
        count++;
        start = i + 1;
    }
    if (args)
        args->n = count;
    return true;
}

bool at_split_args(const char *raw, at_args_t *args)
{
    return split(raw, strlen(raw), args);
}

/* ---- the command line ------------------------------------------------------------ */

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '!' || c == '%' || c == '-' || c == '.' ||
           c == ':' || c == '/';
}

static bool name_end(char c) { return isalnum((unsigned char)c) || c == '_'; }

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static void set_name(at_cmd_t *cmd, const char *name, size_t n)
{
    if (n >= sizeof cmd->name) { /* no command has so long a name */
        strcpy(cmd->name, "!");
        return;
    }
    for (size_t i = 0; i < n; i++)
        cmd->name[i] = (char)toupper((unsigned char)name[i]);
    cmd->name[n] = 0;
}

static void set_raw(at_cmd_t *cmd, const char *raw, size_t n)
{
    if (n > DTU_LINE_MAX)
        n = DTU_LINE_MAX;
    memcpy(cmd->raw, raw, n);
    cmd->raw[n] = 0;
}

/* An extended command (+NAME, +NAME?, +NAME=?, +NAME=<args>) at text[*pos]. */
static bool extended(const char *t, size_t n, size_t *pos, at_cmd_t *cmd)
{
    size_t p = *pos, end = p + 1;
    while (end < n && name_char(t[end]))
        end++;
    while (end > p + 1 && !name_end(t[end - 1]))
        end--;
    if (end == p + 1)
        return false;
    set_name(cmd, t + p, end - p);
    size_t stop = end;
    bool quoted = false;
    while (stop < n && (t[stop] != ';' || quoted)) {
        if (t[stop] == '"')
            quoted = !quoted;
        stop++;
    }
    if (quoted)
        return false;
    size_t rn = stop - end;
    const char *rest = at_strip(t + end, &rn);
    cmd->raw[0] = 0;
    if (rn == 0)
        cmd->kind = AT_EXEC;
    else if (rn == 1 && rest[0] == '?')
        cmd->kind = AT_READ;
    else if (rn == 2 && rest[0] == '=' && rest[1] == '?')
        cmd->kind = AT_TEST;
    else if (rest[0] == '=') {
        cmd->kind = AT_SET;
        if (!split(rest + 1, rn - 1, NULL))
            return false;
        set_raw(cmd, rest + 1, rn - 1);
    } else
        return false;
    *pos = stop < n ? stop + 1 : n;
    return true;
}

/* S<n>, S<n>?, S<n>=<digits>. */
static bool s_register(const char *t, size_t n, size_t *pos, at_cmd_t *cmd)
{
    size_t p = *pos + 1, d = p;
    while (d < n && is_digit(t[d]))
        d++;
    if (d == p)
        return false;
    while (p < d - 1 && t[p] == '0') /* "S00" is S0, as int() reads it */
        p++;
    char name[AT_NAME_LEN] = "S";
    if (d - p < sizeof name - 2) {
        memcpy(name + 1, t + p, d - p);
        set_name(cmd, name, d - p + 1);
    } else {
        strcpy(cmd->name, "!");
    }
    cmd->kind = AT_EXEC;
    cmd->raw[0] = 0;
    if (d < n && t[d] == '?') {
        cmd->kind = AT_READ;
        d++;
    } else if (d < n && t[d] == '=') {
        size_t v = ++d;
        while (d < n && is_digit(t[d]))
            d++;
        cmd->kind = AT_SET;
        set_raw(cmd, t + v, d - v);
    }
    *pos = d;
    return true;
}

/* A basic command: a letter (not D or S) or &<letter>, then digits. */
static bool basic(const char *t, size_t n, size_t *pos, at_cmd_t *cmd)
{
    size_t p = *pos, start = p;
    if (t[p] == '&')
        p++;
    if (p >= n || !isalpha((unsigned char)t[p]))
        return false;
    p++;
    size_t d = p;
    while (d < n && is_digit(t[d]))
        d++;
    if (start == p - 1 && d < n && t[d] == '?') /* ATE? is not a form */
        return false;
    set_name(cmd, t + start, p - start);
    cmd->kind = AT_EXEC;
    set_raw(cmd, t + p, d - p);
    *pos = d;
    return true;
}

int at_parse(const char *t, size_t n, at_cmd_t *cmd)
{
    static at_cmd_t spare; /* commands after the first: parsed for their syntax only */
    int count = 0;
    size_t pos = 0;
    while (pos < n) {
        char c = t[pos];
        at_cmd_t *into = count ? &spare : cmd;
        bool ok;
        if (c == ' ' || c == ';') {
            pos++;
            continue;
        }
        if (strchr("+*^$#%", c)) {
            ok = extended(t, n, &pos, into);
        } else if (c == 'D' || c == 'd') {
            size_t rn = n - pos - 1;
            const char *raw = at_strip(t + pos + 1, &rn);
            strcpy(into->name, "D");
            into->kind = AT_EXEC;
            set_raw(into, raw, rn);
            return count + 1 > 1 ? 2 : 1;
        } else if (c == 'S' || c == 's') {
            ok = s_register(t, n, &pos, into);
        } else {
            ok = basic(t, n, &pos, into);
        }
        if (!ok)
            return -1;
        count++;
    }
    return count > 1 ? 2 : count;
}

/* ---- commands with a password (R-AT-3..5) --------------------------------------- */

static bool crlf(char c) { return c == '\r' || c == '\n'; }

/* text[0..*len) without leading and trailing CR/LF (a password command's line end). */
static const char *trim_crlf(const char *text, size_t *len)
{
    while (*len && crlf(*text)) {
        text++;
        (*len)--;
    }
    while (*len && crlf(text[*len - 1]))
        (*len)--;
    return text;
}

bool at_password_command(const char *text, size_t len, const char **cmd)
{
    text = trim_crlf(text, &len);
    const char *hash = memchr(text, '#', len);
    if (!hash)
        return false;
    size_t pw = (size_t)(hash - text), rest = len - pw - 1;
    if (rest < 2 || toupper((unsigned char)hash[1]) != 'A' || toupper((unsigned char)hash[2]) != 'T')
        return false;
    if (pw > 16 || memchr(text, '\r', pw))
        return false;
    *cmd = hash + 1;
    return true;
}

bool at_password_right(const char *text, size_t len)
{
    const char *cmd;
    if (!at_password_command(text, len, &cmd))
        return false;
    text = trim_crlf(text, &len);
    size_t pw = (size_t)(cmd - 1 - text);
    return pw == strlen(g_settings.password) && memcmp(text, g_settings.password, pw) == 0;
}

static void framed(void *ctx, const char *line)
{
    (void)ctx;
    serial_write((const uint8_t *)"\r\n", 2);
    serial_write((const uint8_t *)line, strlen(line));
    serial_write((const uint8_t *)"\r\n", 2);
}

/* One command "<pw>#<cmd>": a wrong password gets ERROR (nothing on the serial port). */
static bool run_one(const char *pw, size_t pw_len, const char *cmd, enum at_origin origin,
                    at_reply_fn reply, void *ctx)
{
    const char *want = g_settings.password;
    if (pw_len != strlen(want) || memcmp(pw, want, pw_len) != 0) {
        if (origin != AT_FROM_SERIAL)
            reply(ctx, "ERROR");
        return false;
    }
    bool ok = at_execute(cmd, origin, reply, ctx);
    if (!serial_command_mode())
        net_apply_settings(); /* no AT+ENTM to wait for */
    return ok;
}

/* A part of an SMS chain text[0..n), stripped, as a NUL-terminated copy. */
static bool run_part(const char *pw, size_t pw_len, const char *text, size_t n,
                     enum at_origin origin, at_reply_fn reply, void *ctx)
{
    static char part[DTU_LINE_MAX + 1];
    text = at_strip(text, &n);
    if (n > DTU_LINE_MAX) { /* over-long: at_execute refuses it */
        text = "!";
        n = 1;
    }
    memcpy(part, text, n);
    part[n] = 0;
    return run_one(pw, pw_len, part, origin, reply, ctx);
}

static bool at_here(const char *p) /* ";AT" in any case */
{
    return p[0] == ';' && toupper((unsigned char)p[1]) == 'A' && toupper((unsigned char)p[2]) == 'T';
}

bool at_run_remote(const char *text, enum at_origin origin, at_reply_fn reply, void *ctx)
{
    if (!reply)
        reply = framed;
    size_t len = strlen(text);
    text = trim_crlf(text, &len);
    const char *hash = memchr(text, '#', len);
    if (!hash)
        return false;
    size_t pw_len = (size_t)(hash - text);
    const char *rest = hash + 1, *end = text + len;
    if (origin != AT_FROM_SMS)
        return run_part(text, pw_len, rest, (size_t)(end - rest), origin, reply, ctx);
    bool ok = true;
    const char *start = rest;
    for (const char *p = rest; p <= end; p++) {
        if (p < end && !(end - p >= 3 && at_here(p)))
            continue;
        ok = run_part(text, pw_len, start, (size_t)(p - start), origin, reply, ctx) && ok;
        start = p + 1;
    }
    return ok;
}
