*** Settings ***
Documentation    SMS AT commands (manual 3.1.4): commands by SMS, the reply by SMS.
...              Requirements: docs/behaviour.md R-AT-5.

Resource         ../resources/services.resource

Test Setup       Start Bench
Test Teardown    Stop Bench


*** Variables ***
${PHONE}    13912345678


*** Test Cases ***
SMS Commands Are Answered By SMS To Their Sender And Take Effect
    [Documentation]    ``<password>#AT...`` by SMS runs each command (chained with ``;AT``); one
    ...    SMS with every reply goes back to the sender; nothing reaches the serial port.
    [Tags]    R-AT-5    needs-network
    Discard DTU Output
    Inject SMS    ${PHONE}    usr.cn#AT+CIPNUM=10010;AT+CIMOD=4;AT+CIPNUM?
    SMS Should Be Sent To    ${PHONE}    OK\r\nOK\r\n+CIPNUM: 10010\r\nOK    timeout=30
    DTU Should Not Output Anything    300 ms
    Send To DTU    now in SMS mode
    SMS Should Be Sent To    10010    now in SMS mode    timeout=30

An SMS Command With A Wrong Password Gets ERROR
    [Documentation]    A wrong password is answered ``ERROR`` by SMS and changes nothing.
    [Tags]    R-AT-5    needs-network
    Configure DTU    AT+CIPNUM=10086
    Inject SMS    ${PHONE}    guess#AT+CIPNUM=12345
    SMS Should Be Sent To    ${PHONE}    ERROR    timeout=30
    Setting Should Be    AT+CIPNUM?    +CIPNUM: 10086

SMS Commands Switched Off Are Text
    [Documentation]    With AT+CISMSAT=0 a password command by SMS is ordinary text: in SMS mode
    ...    it reaches the serial port and is not run.
    [Tags]    R-AT-5    R-SMS-2    needs-network
    Configure DTU    AT+CIMOD=4    AT+CIPNUM=10086    AT+CISMSAT=0
    Discard DTU Output
    Inject SMS    ${PHONE}    usr.cn#AT+CIMOD=0
    DTU Should Output    usr.cn#AT+CIMOD=0    timeout=30
    Setting Should Be    AT+CIMOD?    +CIMOD: 4
    No SMS Should Be Sent    0 s
