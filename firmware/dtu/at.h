/* Private to the usr721 dialect (at.c, usr721.c, serial.c): the command-line
 * parser (docs/usr721.md "Framing", the twin of peripherals/gsm_modem/atparse.py
 * as dtu/usr721.py uses it), parameter splitting, and what the commands need
 * of the serial port. */
#ifndef AT_H
#define AT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dtu.h"

#define AT_MAX_ARGS 8
#define AT_NAME_LEN 32

enum at_kind { AT_EXEC, AT_SET, AT_READ, AT_TEST };

typedef struct {
    char name[AT_NAME_LEN];    /* upper case: "+CIMOD", "E", "W", "D", "S0", "&W" */
    enum at_kind kind;
    char raw[DTU_LINE_MAX + 1]; /* after '=' (SET), a basic command's digits, the dial string */
} at_cmd_t;

typedef struct {
    int n;                       /* parameters (an empty one is "") */
    char *v[AT_MAX_ARGS];
    char buf[DTU_LINE_MAX + AT_MAX_ARGS + 2];
} at_args_t;

/* Strip white space (Python's str.strip for Latin-1) from both ends of
 * text[0..*len), returning the new start and updating *len. */
const char *at_strip(const char *text, size_t *len);
/* Parse the text after "AT" (len bytes): returns how many commands the line
 * holds (0, 1 or 2 meaning "more than one"; only the first is stored in *cmd),
 * or -1 on a syntax error. */
int at_parse(const char *text, size_t len, at_cmd_t *cmd);
/* Split SET parameters: quoted ones unquoted, each stripped. False on bad
 * quoting or more than AT_MAX_ARGS. "" (or only spaces) gives n = 0. */
bool at_split_args(const char *raw, at_args_t *args);

/* Set by AT+CISHUTDOWN: serial_task switches the DTU off once the reply is out. */
extern bool at_shutdown_due;

/* ---- serial.c, for the commands --------------------------------------------- */
/* True while serial.c runs a command line typed in command mode (the session
 * with the data prompts of AT+CISEND and AT+CMGS, and AT+ENTM). */
bool serial_in_session(void);
void serial_set_echo(bool on);
/* AT+ENTM: back to the work mode (the held data is written after the reply). */
void serial_leave_command_mode(void);
/* The host's next n raw bytes (not echoed), waiting with dtu_background(). */
void serial_read_exact(uint8_t *buf, size_t n);
/* The host's bytes up to Ctrl-Z (stored, at most max, the rest dropped) or
 * ESC; returns the count, or -1 for ESC. */
int serial_read_until_ctrl_z(uint8_t *buf, size_t max);

#endif
